"""The scenario table and the two charts of the default scenario (payoff with break-evens, cash)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any

from sibkit.engine.results import Results
from sibkit.model import Scenario
from sibkit.report.termsheet.figures import figure
from sibkit.report.termsheet.vocabulary import BREAK_EVEN, NOT_DEFINED
from sibkit.report.termsheet.writer import Writer, squash

Row = tuple[str, str, list[str | None]]
"""One line of the scenario table: its label, the kind of its figures (``count``, ``money``, ``rate``,
``multiple``) and one cell per scenario (``None``: undefined)."""


def _totals(w: Writer, runs: Sequence[Results]) -> Iterator[Row]:
    yield w._("Participants"), "count", [w.lang.integer(int(r.participants[0])) for r in runs]
    yield w._("Outcome payments, VAT excluded"), "money", [w.money(int(r.outcome_payments[0])) for r in runs]
    for k, payer in enumerate(w.c.payers):
        yield (
            w._("%(party)s: cost (outcome payments, VAT and fees)", party=payer.name),
            "money",
            [w.money(int(r.payers[k].paid[0] + r.payers[k].vat[0] + r.payers[k].fees[0])) for r in runs],
        )
        yield (
            w._("%(party)s: cost per outcome", party=payer.name),
            "money",
            [w.lang.average_money(float(r.payers[k].cost_per_outcome[0]), w.c.currency) for r in runs],
        )


def _accounts(w: Writer, runs: Sequence[Results]) -> Iterator[Row]:
    """From every party's account: what each fund contributor, guarantor and outside budget owner pays, and the
    cashable savings landing in each party's own budgets (a payer's cost has its own line above)."""
    for i, account in enumerate(runs[0].accounts):
        pays = [int(r.accounts[i].pays[0]) for r in runs]
        saves = [int(r.accounts[i].savings[0]) for r in runs]
        payer = "outcome_payer" in account.roles
        if not payer and any(pays) and {"fund_contributor", "guarantor", "budget_owner"} & set(account.roles):
            yield w._("%(party)s: pays", party=account.name), "money", [w.money(x) for x in pays]
        if any(saves):
            yield (
                w._("%(party)s: cashable savings in its own budgets", party=account.name),
                "money",
                [w.money(x) for x in saves],
            )


def _tranches(w: Writer, runs: Sequence[Results]) -> Iterator[Row]:
    for j, t in enumerate(w.c.tranches):
        name = w.tranche(t.id)
        yield (
            w._("%(tranche)s: IRR a year", tranche=name),
            "rate",
            [w.lang.rate(float(r.tranches[j].irr[0])) for r in runs],
        )
        yield (
            w._("%(tranche)s: multiple", tranche=name),
            "multiple",
            [w.lang.multiple(float(r.tranches[j].multiple[0])) for r in runs],
        )
        yield w._("%(tranche)s: loss", tranche=name), "money", [w.money(int(r.tranches[j].loss[0])) for r in runs]
        if any(int(r.tranches[j].interest_unpaid[0]) for r in runs):
            yield (
                w._("%(tranche)s: interest still due at the end, not paid", tranche=name),
                "money",
                [w.money(int(r.tranches[j].interest_unpaid[0])) for r in runs],
            )


def _others(w: Writer, runs: Sequence[Results]) -> Iterator[Row]:
    for g, guarantee in enumerate(w.c.guarantees):
        paid_to = [[int(x[0]) for _, x in r.guarantees[g].paid_to] for r in runs]
        for position, tranche in enumerate(guarantee.covers):
            yield (
                w._(
                    "Guarantee %(guarantee)s (%(guarantor)s): paid to %(tranche)s",
                    guarantee=guarantee.id,
                    guarantor=w.name(guarantee.guarantor),
                    tranche=w.tranche(tranche),
                ),
                "money",
                [w.money(cells[position]) for cells in paid_to],
            )
    for f, fee in enumerate(w.c.fees):
        if any(int(r.fees[f].unpaid[0]) for r in runs):
            yield (
                w._("Fee %(fee)s: still due at the end, not paid", fee=fee.id),
                "money",
                [w.money(int(r.fees[f].unpaid[0])) for r in runs],
            )
    for p, prov in enumerate(w.c.providers):
        yield w._("%(party)s: margin", party=prov.name), "money", [w.money(int(r.providers[p].margin[0])) for r in runs]


def _description(w: Writer, sc: Scenario) -> str:
    text = squash(w.text(sc.description)) or w._("no description")
    if sc.probability is not None:
        text = w._(
            "%(description)s (weight %(probability)s)", description=text, probability=w.lang.percent(sc.probability)
        )
    return w._("%(scenario)s: %(description)s", scenario=w.scenario(sc.name), description=text)


def scenarios(w: Writer) -> dict[str, Any]:
    """The scenario table: participants, payments, each payer's cost, what each contributor, guarantor and budget
    owner pays and saves (their accounts), each tranche's return, guarantees, unpaid fees and each provider's
    margin, one column per scenario."""
    comp = w.computed
    lines = chain(_totals(w, comp.runs), _accounts(w, comp.runs), _tranches(w, comp.runs), _others(w, comp.runs))
    rows = [
        {"label": name, "kind": kind, "cells": [NOT_DEFINED if x is None else x for x in cells]}
        for name, kind, cells in lines
    ]
    return {
        "missing": ""
        if comp.named
        else w._(
            "The contract defines no scenarios; the table shows the case where every participant achieves "
            "every outcome."
        ),
        "columns": [w.scenario(sc.name) for sc in comp.scenarios],
        "rows": rows,
        "table": [[r["label"], *r["cells"]] for r in rows],
        "descriptions": [_description(w, sc) for sc in comp.scenarios],
    }


def chart(w: Writer) -> dict[str, Any]:
    """The payoff chart of the default scenario over the success levels, and its break-even levels in words."""
    comp = w.computed
    lo, hi = comp.sweep_levels[0], comp.sweep_levels[-1]
    lines = []
    for b in comp.break_even:
        if b.what not in BREAK_EVEN:
            continue
        who = w.tranche(b.party) if b.what == "principal_back" else w.name(b.party)
        event = w.lang.translate(BREAK_EVEN[b.what], party=who)
        if b.method == "never":
            text = w._(
                "%(event)s at no level from %(low)s to %(high)s.",
                event=event,
                low=level(w, float(lo)),
                high=level(w, float(hi)),
            )
        elif b.method == "start":
            text = w._("%(event)s already at %(level)s.", event=event, level=level(w, float(lo)))
        else:
            text = w._("%(event)s from %(level)s.", event=event, level=level(w, b.level or 0.0))
        lines.append(text)
    return {
        **figure(w.c, w.lang, comp, "payoff", w._("Payoff chart of %(contract)s", contract=w.c.name)),
        "intro": w._(
            "The chart scales every success rate of the scenario '%(scenario)s' from %(low)s to %(high)s "
            "(%(count)s levels): above, what each payer pays and each provider keeps; below, each tranche's IRR.",
            scenario=w.scenario(comp.chart_scenario.name),
            low=level(w, float(lo)),
            high=level(w, float(hi)),
            count=w.lang.integer(len(comp.sweep_levels)),
        ),
        "break_even": lines,
    }


def cash_chart(w: Writer) -> dict[str, Any]:
    """The chart of each party's cumulative cash in the default scenario."""
    comp = w.computed
    return {
        **figure(w.c, w.lang, comp, "cash", w._("Cash over time of %(contract)s", contract=w.c.name)),
        "intro": w._(
            "Cumulative cash of every party, month by month, in the scenario '%(scenario)s': what the payers "
            "have paid, what each provider has received less what it has spent, and each tranche's money "
            "out and back.",
            scenario=w.scenario(comp.chart_scenario.name),
        ),
    }


def level(w: Writer, value: float) -> str:
    """A success level: ``1,25×`` (three decimals at most, as the engine's levels have)."""
    return w.lang.decimal(Decimal(f"{value:.3f}")) + "×"
