"""``sibkit show``: a readable overview of a contract in tables (or the Markdown overview)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import click
from rich.text import Text

from sibkit.cli.app import console, load_or_exit, main
from sibkit.cli.options import lang_option
from sibkit.cli.tables import FittedTable, Justify
from sibkit.engine.accounts import parties
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import run
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
    contributor_shares,
    prices,
    role_word,
    scenario_label,
    segment_mix,
    tranche_type,
    word,
)

__all__ = ["show"]


def _table(words: Language, title: str, columns: Sequence[str]) -> FittedTable:
    """A table titled ``title`` (already in words) with ``columns`` (msgids marked with ``N_``), left-aligned."""
    left: Justify = "left"
    return FittedTable(title, [words.translate(column) for column in columns], justify=[left for _ in columns])


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
    """A readable overview of the contract in FILE: parties, outcomes, prices, caps, capital, payments per scenario."""
    c = load_or_exit(file, engine=fmt == "text", lang=lang)
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
    mx = maximum_payment(c)
    out.print(_maximum(c, words, mx))
    out.print(_scenarios(c, words, mx))


def _parties(c: Contract, words: Language) -> FittedTable:
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
        for k, share in contributor_shares(payer):
            commits = words.gettext(
                "commits %(amount)s, carries %(share)s of the fund's payments",
                amount=words.money(k.commitment, cur),
                share=words.percent(share),
            )
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
        if prov.segment_mix:
            mix = segment_mix(words, c, prov.id)
            detail += ", " + words.gettext("participants by difficulty segment: %(mix)s", mix=mix)
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


def _outcomes(c: Contract, words: Language) -> FittedTable:
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


def _caps(c: Contract, words: Language) -> FittedTable:
    """Every cap: its level, what it applies to, and its limit (an amount, or a number of participants)."""
    table = _table(words, words.gettext("Caps"), (N_("level"), N_("target"), N_("at most")))
    for cap in c.caps:
        target = cap.target or ", ".join(cap.metrics)
        if cap.amount is None:  # a segment cap counting participants paid the segment's price
            limit = words.gettext("%(count)s participants", count=words.integer(cap.participants or 0))
        else:
            limit = words.money(cap.amount, c.currency)
        table.add_row(word(words, CAP_LEVEL, cap.level), target, limit)
    return table


def _capital(c: Contract, words: Language) -> FittedTable:
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
        covers = words.gettext(
            "covers %(coverage)s of the loss on %(tranches)s",
            coverage=words.percent(g.coverage),
            tranches=", ".join(g.covers),
        )
        kind = word(words, GUARANTEE_KIND, g.kind)
        table.add_row("", g.id, kind, g.guarantor, words.money(g.amount, c.currency), "", covers)
    return table


def _maximum(c: Contract, words: Language, mx: MaximumPayment) -> FittedTable:
    """The maximum potential outcome payment per payer and in total (``unbounded`` without a natural maximum)."""
    unbounded = words.gettext("unbounded")
    table = FittedTable(
        words.gettext("Maximum potential outcome payment (planned enrolment, every outcome achieved, after caps)"),
        [words.gettext("payer"), words.gettext("maximum")],
    )
    for payer_id, amount in mx.by_payer.items():
        table.add_row(payer_id, words.money_or(amount, c.currency, unbounded))
    total = words.money_or(mx.total, c.currency, unbounded)
    table.add_row(Text(words.gettext("total"), style="bold"), Text(total, style="bold"))
    return table


def _scenarios(c: Contract, words: Language, mx: MaximumPayment) -> FittedTable:
    """Who pays what in each of the contract's scenarios (the engine's runs, one column each): the outcome
    payments and each payer's part of them, what each fund contributor is charged against its commitment
    (and gets back when the fund returns unused money), and what each guarantee pays to each tranche it covers.

    The contract's terms above say how the money is split; these figures show what the split comes to."""
    cur = c.currency
    scenarios = c.scenarios or (c.default_scenario(),)
    runs = [run(c, sc, maximum=mx) for sc in scenarios]
    table = FittedTable(
        words.gettext("Who pays what in the scenarios"), ["", *(scenario_label(words, sc) for sc in scenarios)]
    )
    table.add_row(
        words.gettext("Outcome payments, VAT excluded"), *(words.money(int(r.outcome_payments[0]), cur) for r in runs)
    )
    if len(c.payers) > 1:
        for p, payer in enumerate(c.payers):
            table.add_row(
                words.gettext("%(party)s: outcome payments", party=payer.name),
                *(_part(words, int(r.payers[p].paid[0]), int(r.outcome_payments[0]), cur) for r in runs),
            )
    for payer in c.payers:
        for k, _ in contributor_shares(payer):
            accounts = [_account(r, k.id) for r in runs]
            table.add_row(
                words.gettext(
                    "%(party)s: charged, of its commitment of %(amount)s",
                    party=k.name,
                    amount=words.money(k.commitment, cur),
                ),
                *(_part(words, pays, k.commitment, cur) for pays, _ in accounts),
            )
            if any(back for _, back in accounts):
                table.add_row(
                    words.gettext("%(party)s: gets back", party=k.name),
                    *(words.money(back, cur) for _, back in accounts),
                )
    for g, guarantee in enumerate(c.guarantees):
        guarantor = next((name for pid, name, _ in parties(c) if pid == guarantee.guarantor), guarantee.guarantor)
        for position, tranche in enumerate(guarantee.covers):
            table.add_row(
                words.gettext(
                    "Guarantee %(guarantee)s (%(guarantor)s): paid to %(tranche)s",
                    guarantee=guarantee.id,
                    guarantor=guarantor,
                    tranche=tranche,
                ),
                *(words.money(int(r.guarantees[g].paid_to[position][1][0]), cur) for r in runs),
            )
    return table


def _account(res: Results, party_id: str) -> tuple[int, int]:
    """What the party with ``party_id`` pays and receives in ``res`` (cents; a contributor receives only what its
    fund returns to it)."""
    account = next(a for a in res.accounts if a.id == party_id)
    return int(account.pays[0]), int(account.receives[0])


def _part(words: Language, cents: int, whole: int, currency: str) -> str:
    """``€60,000.00 (60%)``: an amount and its share of ``whole`` (the amount alone when ``whole`` is 0)."""
    money = words.money(cents, currency)
    if not whole:
        return money
    return words.gettext("%(amount)s (%(share)s)", amount=money, share=words.percent(Fraction(cents, whole)))
