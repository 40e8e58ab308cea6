"""``sibkit run`` and ``sibkit ledger``: who pays whom in named scenarios, as tables, JSON or every movement."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from decimal import Decimal

import attrs
import click
from babel.numbers import get_decimal_symbol

from sibkit.cli.app import console, header, load_or_exit, main
from sibkit.cli.options import SUCCESS_FACTOR, lang_option
from sibkit.cli.tables import FittedTable, Justify
from sibkit.engine import Results, default_scenario, deterministic_batch, run_scenarios, stack
from sibkit.i18n import N_, Language
from sibkit.model import Contract, Scenario
from sibkit.money import cents_to_decimal
from sibkit.report import summary
from sibkit.report.words import (
    account,
    break_even_sentence,
    fixed,
    irr_reason,
    ledger_reason,
    party_name,
    role_word,
    scenario_label,
    table_money,
    table_rate,
)
from sibkit.sweep import MAX_SUCCESS, parse_range, sweep

__all__ = ["ledger", "run_command", "scenarios_named"]


def scenarios_named(c: Contract, name: str | None, lang: str = "en") -> list[Scenario]:
    """The scenario called ``name``, or every named scenario (the default scenario when there are none);
    a usage error in ``lang`` when the contract has no such scenario."""
    if name is None:
        return list(c.scenarios) or [default_scenario(c)]
    try:
        return [c.scenario(name)]
    except KeyError:
        words = Language(lang)
        known = ", ".join(s.name for s in c.scenarios) or words.gettext("none")
        raise click.BadParameter(
            words.gettext("no scenario %(name)s in this contract; it has: %(known)s", name=repr(name), known=known),
            param_hint="--scenario",
        ) from None


def _run_all(c: Contract, scenarios: list[Scenario], success: Decimal) -> Results:
    batches = [deterministic_batch(c, s, success) for s in scenarios]
    try:
        batch = stack(batches)
    except ValueError:  # scenarios with different outcome timing: run them one by one, same engine
        if len(batches) == 1:
            return run_scenarios(c, batches[0])
        raise click.ClickException(
            "scenarios with different outcome timing must be run one at a time (--scenario)"
        ) from None
    return run_scenarios(c, batch)


@attrs.frozen
class _Tables:
    """How ``run`` writes its tables: one column per scenario, money and rates in the reader's language."""

    words: Language
    currency: str
    names: tuple[str, ...]
    discount_rate: Decimal = Decimal("0.0225")

    def table(self, title: str) -> FittedTable:
        return FittedTable(title, ["", *self.names])

    def money(self, values: Iterable[float]) -> Iterator[str]:
        return (table_money(self.words, float(x), self.currency) for x in values)

    def counts(self, values: Iterable[float]) -> Iterator[str]:
        return (str(int(x)) for x in values)


@main.command(name="run")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--scenario", "scenario_name", help="Run only this named scenario (default: every named scenario).")
@click.option(
    "--success",
    type=SUCCESS_FACTOR,
    default="1",
    show_default=True,
    help=f"Scale every success rate by this factor, 0 to {MAX_SUCCESS} (1.2 = 20% more results; shares up to 100%).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (keys in docs/results.md).")
@click.option(
    "--by",
    "by",
    type=click.Choice(["year", "total"]),
    default="year",
    show_default=True,
    help="Each party's account per budget year and in total, or in total only.",
)
@lang_option("Language of the tables.")
def run_command(file: str, scenario_name: str | None, success: Decimal, as_json: bool, by: str, lang: str) -> None:
    """Compute who pays whom for the contract in FILE: payers, providers, tranches."""
    c = load_or_exit(file, lang=lang)
    scenarios = scenarios_named(c, scenario_name, lang)
    res = _run_all(c, scenarios, success)
    if as_json:
        data = [summary(c, res, s.name, float(success), i) for i, s in enumerate(scenarios)]
        click.echo(json.dumps(data if scenario_name is None else data[0], indent=2, ensure_ascii=False))
        return
    words = Language(lang)
    tables = _Tables(words, c.currency, tuple(scenario_label(words, s) for s in scenarios), c.discount_rate)
    out = console()
    factor = str(success).replace(".", get_decimal_symbol(words.locale))
    title = words.gettext("%(name)s — success factor %(factor)s", name=c.name, factor=factor)
    out.print(header(title, words.text(c.name)))
    for table in (
        _outcomes(c, res, tables),
        *_accounts(res, tables, by_year=by == "year"),
        *_payers(res, tables),
        *_providers(res, tables),
        *_fees(res, tables),
        *_tranches(res, tables),
        *_guarantees(res, tables),
        *_budgets(res, tables),
    ):
        out.print(table)
    # measured against the scenario asked for, else the contract's default ('base'), as sweep and the term
    # sheet measure it: not against whichever scenario the file lists first
    out.print(_break_even(c, scenarios[0] if scenario_name is not None else default_scenario(c), words))


def _outcomes(c: Contract, res: Results, tb: _Tables) -> FittedTable:
    w = tb.words
    t = tb.table(w.gettext("Outcomes"))
    t.add_row(w.gettext("participants"), *tb.counts(res.participants))
    for j, m in enumerate(c.metrics):
        t.add_row(w.text(m.name), *tb.counts(res.outcome_units[:, j]))
    t.add_row(w.gettext("outcome payments"), *tb.money(res.outcome_payments))
    most = w.money_or(res.maximum_payment, c.currency, w.gettext("unbounded"))
    t.add_row(w.gettext("maximum potential payment"), *(most for _ in tb.names))
    if res.cap_cut.any():
        t.add_row(w.gettext("cut by caps"), *tb.money(res.cap_cut))
    if res.unpaid_after_term.any():
        t.add_row(w.gettext("verified after the term (not paid)"), *tb.money(res.unpaid_after_term))
    t.add_row(w.gettext("savings (all)"), *tb.money(res.savings))
    t.add_row(w.gettext("cashable savings"), *tb.money(res.cashable_savings))
    return t


def _accounts(res: Results, tb: _Tables, *, by_year: bool) -> Iterator[FittedTable]:
    """One table per party that moves money or receives savings: what it pays, receives and saves."""
    w = tb.words
    for a in res.accounts:
        if not (a.pays.any() or a.receives.any() or a.savings.any() or a.other_savings.any()):
            continue
        roles = ", ".join(role_word(w, r) for r in a.roles)
        t = tb.table(w.gettext("Account: %(name)s (%(roles)s)", name=a.name, roles=roles))
        if by_year:
            for y in a.years:
                t.add_row(w.gettext("pays in %(year)s", year=y.year), *tb.money(y.pays))
                if a.receives.any():
                    t.add_row(w.gettext("receives in %(year)s", year=y.year), *tb.money(y.receives))
                if a.savings.any() and y.savings is not None:
                    t.add_row(w.gettext("saves in %(year)s", year=y.year), *tb.money(y.savings))
        t.add_row(w.gettext("pays"), *tb.money(a.pays))
        t.add_row(w.gettext("receives"), *tb.money(a.receives))
        t.add_row(w.gettext("net"), *tb.money(a.net))
        if a.savings.any():
            t.add_row(w.gettext("cashable savings in its budgets"), *tb.money(a.savings))
            t.add_row(w.gettext("net with its cashable savings"), *tb.money(a.net_of_savings))
        if a.other_savings.any():
            t.add_row(w.gettext("non-cashable value in its budgets"), *tb.money(a.other_savings))
        if a.present is not None and (a.savings.any() or a.pays.any()):
            rate = w.percent(tb.discount_rate)
            label = w.gettext("net with savings, present value at %(rate)s a year", rate=rate)
            t.add_row(label, *tb.money(a.present.net_of_savings))
        yield t


def _payers(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    w = tb.words
    for p in res.payers:
        t = tb.table(w.gettext("Payer: %(id)s", id=p.id))
        t.add_row(w.gettext("paid for outcomes"), *tb.money(p.paid))
        if p.vat.any():
            t.add_row(w.gettext("VAT"), *tb.money(p.vat))
        if p.fees.any():
            t.add_row(w.gettext("fees"), *tb.money(p.fees))
        t.add_row(w.gettext("cost per participant"), *tb.money(p.cost_per_participant))
        t.add_row(w.gettext("cost per outcome paid for"), *tb.money(p.cost_per_outcome))
        unbounded = w.gettext("– (maximum unbounded)")
        shares = [unbounded if p.maximum is None else table_rate(w, x) for x in p.share_of_maximum]
        t.add_row(w.gettext("share of maximum payment"), *shares)
        t.add_row(w.gettext("net of cashable savings"), *tb.money(p.net_of_savings))
        ratios = ("–" if math.isnan(x) else fixed(w, x, 2) for x in p.benefit_cost_ratio)
        t.add_row(w.gettext("savings / cost"), *ratios)
        yield t


def _providers(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    w = tb.words
    for pr in res.providers:
        t = tb.table(w.gettext("Provider: %(id)s", id=pr.id))
        t.add_row(w.gettext("revenue"), *tb.money(pr.revenue))
        if pr.other_income.any():
            t.add_row(w.gettext("other income"), *tb.money(pr.other_income))
        t.add_row(w.gettext("cost"), *tb.money(pr.cost))
        t.add_row(w.gettext("margin"), *tb.money(pr.margin))
        lowest = (f"{x} ({int(m)})" for x, m in zip(tb.money(pr.lowest_cash), pr.lowest_cash_month, strict=True))
        t.add_row(w.gettext("lowest cash (month)"), *lowest)
        t.add_row(w.gettext("months below zero"), *tb.counts(pr.months_below_zero))
        t.add_row(w.gettext("months below minimum cash"), *tb.counts(pr.months_below_minimum))
        yield t


def _fees(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    if not res.fees:
        return
    w = tb.words
    t = tb.table(w.gettext("Fees"))
    for fee in res.fees:
        t.add_row(w.gettext("%(id)s to %(payee)s: paid", id=fee.id, payee=fee.payee), *tb.money(fee.paid))
        if fee.unpaid.any():
            t.add_row(w.gettext("%(id)s: still due at the end (not paid)", id=fee.id), *tb.money(fee.unpaid))
    yield t


def _tranches(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    w = tb.words
    for tr in res.tranches:
        t = tb.table(w.gettext("Tranche: %(id)s (%(investor)s)", id=tr.id, investor=tr.investor))
        t.add_row(w.gettext("drawn"), *tb.money(tr.drawn))
        t.add_row(w.gettext("returned"), *tb.money(tr.returned))
        if tr.guaranteed.any():
            t.add_row(w.gettext("of which guarantee"), *tb.money(tr.guaranteed))
        irrs = (
            table_rate(w, x) if r == 0 else w.gettext("undefined: %(reason)s", reason=irr_reason(w, int(r)))
            for x, r in zip(tr.irr, tr.irr_reason, strict=True)
        )
        t.add_row(w.gettext("IRR (annual)"), *irrs)
        t.add_row(w.gettext("multiple"), *("–" if math.isnan(x) else fixed(w, x, 3) + "×" for x in tr.multiple))
        t.add_row(w.gettext("loss"), *tb.money(tr.loss))
        if tr.interest_unpaid.any():
            t.add_row(w.gettext("interest still due at the end (not paid)"), *tb.money(tr.interest_unpaid))
        never = w.gettext("never")
        t.add_row(w.gettext("payback month"), *(never if x < 0 else str(int(x)) for x in tr.payback_month))
        yield t


def _guarantees(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    w = tb.words
    for g in res.guarantees:
        amount = table_money(w, g.amount, tb.currency)
        t = tb.table(
            w.gettext(
                "Guarantee %(id)s (given by %(guarantor)s, at most %(amount)s)",
                id=g.id,
                guarantor=g.guarantor,
                amount=amount,
            )
        )
        if len(g.paid_to) > 1:
            for tranche, paid in g.paid_to:
                t.add_row(w.gettext("paid to tranche %(tranche)s", tranche=tranche), *tb.money(paid))
            t.add_row(w.gettext("paid in all"), *tb.money(g.paid))
        else:
            t.add_row(w.gettext("paid to tranche %(tranche)s", tranche=g.paid_to[0][0]), *tb.money(g.paid))
        yield t


def _budgets(res: Results, tb: _Tables) -> Iterator[FittedTable]:
    if not res.budgets:
        return
    w = tb.words
    t = tb.table(w.gettext("Savings by budget"))
    for b in res.budgets:
        name = b.budget or w.gettext("(no budget named)")
        label = (
            w.gettext("%(budget)s: credited to %(payer)s", budget=name, payer=b.payer)
            if b.payer is not None
            else w.gettext("%(budget)s: not a payer's budget", budget=name)
        )
        t.add_row(label, *tb.money(b.cashable))
    yield t


def _break_even(c: Contract, scenario: Scenario, w: Language) -> str:
    """The sentences under ``run``'s tables: from which success level each tranche gets its principal back.

    The same computation and the same sentence as ``sibkit sweep`` and the term sheet (``sibkit.sweep``: the
    level bracketed on a grid, then found by bisection), over ``_BREAK_EVEN_LEVELS`` of the scenario."""
    if not c.tranches:
        return w.gettext("No investors: providers carry the working capital until outcome payments arrive.")
    curves = sweep(c, parse_range(_BREAK_EVEN_LEVELS), scenario)
    return "\n".join(
        break_even_sentence(w, point, party_name(w, c, point), curves.scenario, curves.levels)
        for point in curves.break_even
        if point.what == "principal_back"
    )


_BREAK_EVEN_LEVELS = "0:3:31"
"""Success levels ``run`` brackets break-even points on: 0 to 3 times the scenario's rates in steps of 0.1."""


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("--scenario", "scenario_name", help="The named scenario (default: base, or the first).")
@click.option(
    "--success",
    type=SUCCESS_FACTOR,
    default="1",
    show_default=True,
    help=f"Scale every success rate by this factor, 0 to {MAX_SUCCESS}.",
)
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print comma-separated values instead of a table (for machines: English reasons, amounts with a dot).",
)
@lang_option("Language of the table.")
def ledger(file: str, scenario_name: str | None, success: Decimal, as_csv: bool, lang: str) -> None:
    """Every movement of money for one scenario: month, from, to, amount, reason."""
    c = load_or_exit(file, lang=lang)
    sc = scenarios_named(c, scenario_name, lang)[0] if scenario_name is not None else default_scenario(c)
    res = run_scenarios(c, deterministic_batch(c, sc, success))
    entries = list(res.flows.ledger.entries(0))

    def month(m: int) -> str:
        return c.timeline.month_start(m).strftime("%Y-%m")

    if as_csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["month", "date", "from", "to", "amount", "reason"])
        for e in entries:
            amount = str(cents_to_decimal(e.amount, c.currency))
            writer.writerow([e.month, month(e.month), e.source, e.target, amount, e.reason])
        click.echo(buf.getvalue(), nl=False)
        return
    words = Language(lang)
    title = words.gettext("Ledger — %(contract)s, scenario '%(scenario)s'", contract=c.name, scenario=sc.name)
    layout: tuple[tuple[str, Justify], ...] = (
        (N_("month"), "right"),
        (N_("from"), "left"),
        (N_("to"), "left"),
        (N_("amount"), "right"),
        (N_("reason"), "left"),
    )
    t = FittedTable(title, [words.translate(col) for col, _ in layout], justify=[just for _, just in layout])
    for e in entries:
        t.add_row(
            f"{e.month}\xa0({month(e.month)})",  # a no-break space: the month stays on one line
            account(words, e.source),
            account(words, e.target),
            words.money(e.amount, c.currency),
            ledger_reason(words, e.reason),
        )
    console().print(t)
