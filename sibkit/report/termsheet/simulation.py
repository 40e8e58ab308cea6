"""The Monte Carlo summary: payers' cost, providers' margin and investors' returns over many scenarios."""

from __future__ import annotations

from typing import Any

from sibkit.engine.simulate import Summary
from sibkit.report.termsheet.figures import figure
from sibkit.report.termsheet.vocabulary import NOT_DEFINED
from sibkit.report.termsheet.writer import Writer


def _payers(w: Writer, s: Summary) -> list[list[str]]:
    cur = w.c.currency
    return [
        [
            w.name(p.id),
            w.lang.average_money(p.expected, cur) or NOT_DEFINED,
            w.lang.average_money(p.p50, cur) or NOT_DEFINED,
            w.lang.average_money(p.p95, cur) or NOT_DEFINED,
            w.money(p.maximum),
            NOT_DEFINED if p.chance_over_budget is None else w.lang.rate(p.chance_over_budget) or NOT_DEFINED,
        ]
        for p in s.payers
    ]


def _providers(w: Writer, s: Summary) -> list[list[str]]:
    cur = w.c.currency
    return [
        [
            w.name(p.id),
            w.lang.average_money(p.expected_margin, cur) or NOT_DEFINED,
            w.lang.rate(p.chance_below_zero) or NOT_DEFINED,
            w.lang.rate(p.chance_below_minimum) or NOT_DEFINED,
            w.lang.average_money(p.lowest_cash_p5, cur) or NOT_DEFINED,
        ]
        for p in s.providers
    ]


def _tranches(w: Writer, s: Summary) -> list[list[str]]:
    return [
        [
            w.tranche(t.id),
            w.lang.rate(t.chance_of_loss) or NOT_DEFINED,
            w.lang.average_money(t.expected_loss, w.c.currency) or NOT_DEFINED,
            w.lang.rate(t.irr_p5) or NOT_DEFINED,
            w.lang.rate(t.irr_p50) or NOT_DEFINED,
            w.lang.rate(t.irr_p95) or NOT_DEFINED,
        ]
        for t in s.tranches
    ]


def simulation(w: Writer) -> dict[str, Any]:
    """The Monte Carlo summary, when the term sheet ran one: a table per kind of party and the distribution
    of the payers' cost; otherwise a sentence saying how to ask for one."""
    s = w.computed.simulation
    if s is None:
        return {
            "ran": False,
            "missing": w._(
                "No Monte Carlo simulation was run for this term sheet; ask for one with a number of scenarios."
            ),
        }
    tranches = _tranches(w, s)
    basis = (
        w._("The success rates vary within the ranges of the contract's uncertainty model.")
        if w.c.uncertainty is not None
        else w._("The contract has no uncertainty model: only chance varies which participants achieve each outcome.")
    )
    return {
        "ran": True,
        "intro": w.lang.ngettext(
            "%(count)s scenario drawn at random (seed %(seed)s).",
            "%(count)s scenarios drawn at random (seed %(seed)s).",
            s.n,
            count=w.lang.integer(s.n),
            seed=str(s.seed),
        ),
        "basis": basis,
        "payers": _payers(w, s),
        "providers": _providers(w, s),
        "tranches": tranches,
        "tranches_missing": "" if tranches else w._("The contract has no tranches: no investor returns to show."),
        "chart": figure(
            w.c,
            w.lang,
            w.computed,
            "distribution",
            w._("Distribution of what the payers pay, %(contract)s", contract=w.c.name),
        ),
    }
