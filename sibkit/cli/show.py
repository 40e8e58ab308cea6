"""``sibkit show``: a readable overview of a contract in tables (or the Markdown overview)."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table
from rich.text import Text

from sibkit.cli.app import console, load_or_exit, main
from sibkit.cli.options import lang_option
from sibkit.engine.accounts import parties
from sibkit.engine.maximum import maximum_payment
from sibkit.i18n import N_, Language
from sibkit.model import Contract, Loan
from sibkit.report.overview import render_markdown
from sibkit.report.words import (
    BUDGET_KIND,
    CAP_LEVEL,
    EVALUATOR_ROLE,
    EVIDENCE,
    FREQUENCY,
    GUARANTEE_KIND,
    INVESTOR_KIND,
    METRIC_KIND,
    STATUS,
    prices,
    role_word,
    tranche_type,
    word,
)

__all__ = ["show"]


def _table(words: Language, title: str, columns: Sequence[str]) -> Table:
    """A table titled ``title`` (already in words) with ``columns`` (msgids marked with ``N_``)."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(words.translate(column))
    return table


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="Tables for the terminal, or Markdown (from templates/overview.md.j2) to paste into a document.",
)
@lang_option("Language of the tables or the Markdown overview.")
def show(file: str, fmt: str, lang: str) -> None:
    """A readable overview of the contract in FILE: parties, outcomes, prices, caps, capital."""
    c = load_or_exit(file, engine=False, lang=lang)
    if fmt == "markdown":
        click.echo(render_markdown(c, Language(lang)), nl=False)
        return
    words = Language(lang)
    out = console()
    tl = c.timeline
    status = words.gettext(
        "(%(status)s, version %(version)s, %(currency)s)",
        status=word(words, STATUS, c.status),
        version=words.text(c.version),
        currency=c.currency,
    )
    out.print(Text.assemble((words.text(c.name), "bold"), "  " + status))
    out.print(
        words.gettext(
            "Start %(start)s, enrolment %(enrolment)s months, service %(service)s months, term %(term)s months "
            "(ends %(end)s), payments %(frequency)s.",
            start=tl.start,
            enrolment=tl.enrolment_months,
            service=tl.service_months,
            term=tl.term_months,
            end=tl.end,
            frequency=word(words, FREQUENCY, tl.payment_frequency),
        )
    )
    out.print(_parties(c, words))
    out.print(_outcomes(c, words))
    if c.caps:
        out.print(_caps(c, words))
    if c.tranches:
        out.print(_capital(c, words))
    else:
        out.print(words.gettext("No investors: providers are paid directly from outcome payments."))
    out.print(_maximum(c, words))


def _parties(c: Contract, words: Language) -> Table:
    """Every party: payers and their contributors, providers, investors, intermediaries, evaluators."""
    cur = c.currency
    table = _table(words, words.gettext("Parties"), (N_("role"), N_("id"), N_("name"), N_("details")))
    for payer in c.payers:
        detail = ""
        if payer.budget is not None:
            detail = words.gettext("budget %(amount)s", amount=words.money(payer.budget, cur))
        if payer.share is not None:
            detail += " " + words.gettext("share %(share)s", share=words.percent(payer.share))
        table.add_row(words.gettext("outcome payer"), payer.id, words.text(payer.name), detail.strip())
        for k in payer.contributors:
            commits = words.gettext("commits %(amount)s", amount=words.money(k.commitment, cur))
            table.add_row("  " + words.gettext("contributor"), k.id, words.text(k.name), commits)
    for prov in c.providers:
        funding = (
            words.gettext("pre-finances its costs")
            if prov.prefinances_own_costs
            else words.gettext("costs funded by investors")
        )
        detail = words.gettext(
            "%(participants)s participants (capacity %(capacity)s), cost %(cost)s each, buffer %(buffer)s, "
            "%(funding)s",
            participants=prov.enrolment.participants,
            capacity=prov.capacity,
            cost=words.money(prov.cost_per_participant, cur),
            buffer=words.money(prov.buffer, cur),
            funding=funding,
        )
        table.add_row(words.gettext("provider"), prov.id, words.text(prov.name), detail)
    for inv in c.investors:
        table.add_row(
            words.gettext("investor"), inv.id, words.text(inv.name), word(words, INVESTOR_KIND, inv.kind)
        )
    for im in c.intermediaries:
        table.add_row(words.gettext("intermediary"), im.id, words.text(im.name), words.text(im.role))
    for ev in c.evaluators:
        independence = words.gettext("independent") if ev.independent else words.gettext("not independent")
        table.add_row(word(words, EVALUATOR_ROLE, ev.role), ev.id, words.text(ev.name), independence)
    for party_id, name, roles in parties(c):
        if any(p.id == party_id for p in c.parties):
            table.add_row(", ".join(role_word(words, r) for r in roles), party_id, name, "")
    for b in c.budgets:
        owned = words.gettext("budget of %(owner)s", owner=b.owner)
        table.add_row(
            words.gettext("budget"), b.id, words.text(b.name), f"{word(words, BUDGET_KIND, b.kind)}, {owned}"
        )
    return table


def _outcomes(c: Contract, words: Language) -> Table:
    """Every outcome a rule pays for, with its kind, evidence, price in words and who pays it."""
    columns = (N_("rule"), N_("metric"), N_("kind"), N_("evidence"), N_("price"), N_("paid by"))
    table = _table(words, words.gettext("Outcomes and prices"), columns)
    for rule in c.rules:
        payers = ", ".join(f"{p} {words.percent(s)}" for p, s in c.rule_payers(rule))
        for metric_id, price in prices(words, c, rule):
            m = c.metric(metric_id)
            kind, evidence = word(words, METRIC_KIND, m.kind), word(words, EVIDENCE, m.evidence)
            table.add_row(rule.id, f"{words.text(m.name)} ({m.id})", kind, evidence, price, payers)
    return table


def _caps(c: Contract, words: Language) -> Table:
    """Every cap: its level, what it applies to, its amount."""
    table = _table(words, words.gettext("Caps"), (N_("level"), N_("target"), N_("amount")))
    for cap in c.caps:
        target = cap.target or ", ".join(cap.metrics)
        table.add_row(word(words, CAP_LEVEL, cap.level), target, words.money(cap.amount, c.currency))
    return table


def _capital(c: Contract, words: Language) -> Table:
    """The tranches by seniority, then the guarantees."""
    columns = (
        N_("seniority"),
        N_("tranche"),
        N_("type"),
        N_("investor"),
        N_("commitment"),
        N_("coupon"),
        N_("return cap"),
    )
    table = _table(words, words.gettext("Capital structure"), columns)
    for t in sorted(c.tranches, key=lambda t: t.seniority):
        parts = []
        if t.return_cap is not None and t.return_cap.irr is not None:
            parts.append(words.gettext("IRR %(rate)s", rate=words.percent(t.return_cap.irr)))
        if t.return_cap is not None and t.return_cap.multiple is not None:
            parts.append(words.decimal(t.return_cap.multiple) + "×")
        coupon = words.percent(t.coupon) if isinstance(t, Loan) else ""
        commitment = words.money(t.commitment, c.currency)
        table.add_row(
            str(t.seniority), t.id, tranche_type(words, t), t.investor, commitment, coupon, ", ".join(parts)
        )
    for g in c.guarantees:
        covers = words.gettext("covers %(tranches)s", tranches=", ".join(g.covers))
        kind = word(words, GUARANTEE_KIND, g.kind)
        table.add_row("", g.id, kind, g.guarantor, words.money(g.amount, c.currency), "", covers)
    return table


def _maximum(c: Contract, words: Language) -> Table:
    """The maximum potential outcome payment per payer and in total (``unbounded`` without a natural maximum)."""
    mx = maximum_payment(c)
    unbounded = words.gettext("unbounded")
    table = Table(
        title=words.gettext(
            "Maximum potential outcome payment (planned enrolment, every outcome achieved, after caps)"
        ),
        title_justify="left",
    )
    table.add_column(words.gettext("payer"))
    table.add_column(words.gettext("maximum"), justify="right")
    for payer_id, amount in mx.by_payer.items():
        table.add_row(payer_id, words.money_or(amount, c.currency, unbounded))
    total = words.money_or(mx.total, c.currency, unbounded)
    table.add_row(Text(words.gettext("total"), style="bold"), Text(total, style="bold"))
    return table
