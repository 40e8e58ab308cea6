"""One scenario's results as plain data: the JSON of ``sibkit run --json``.

Every key is documented in ``docs/results.md``. Money is given twice: in cents
(the currency's minor unit; exact integers) and in currency units as a string
with the currency's decimals (``"3500.00"``; ``"350000"`` in JPY), never as a
binary float. Rates are fractions
(``0.05`` is 5% a year), ``null`` where undefined.
"""

from __future__ import annotations

import math
from typing import Any

from sibkit.engine.irr import IRR_REASONS
from sibkit.engine.results import Results
from sibkit.model import Contract
from sibkit.money import cents_to_decimal

__all__ = ["summary"]


def _money(cents: int | None, currency: str) -> dict[str, Any]:
    """An amount in cents (the minor unit of ``currency``) and in units with the currency's decimals."""
    if cents is None:
        return {"cents": None, "amount": None}
    return {"cents": int(cents), "amount": str(cents_to_decimal(int(cents), currency))}


def _rate(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 10)


def summary(contract: Contract, res: Results, scenario: str, success: float, i: int = 0) -> dict[str, Any]:
    """Scenario ``i`` of ``res`` as a JSON-ready dict."""

    def money(cents: int | None) -> dict[str, Any]:
        return _money(cents, contract.currency)

    metric_ids = [m.id for m in contract.metrics]
    return {
        "contract": contract.name,
        "currency": contract.currency,
        "scenario": scenario,
        "success_factor": success,
        "participants": int(res.participants[i]),
        "outcomes": {m: int(res.outcome_units[i, j]) for j, m in enumerate(metric_ids)},
        "outcome_payments": money(int(res.outcome_payments[i])),
        "maximum_payment": money(res.maximum_payment),
        "cap_cut": money(int(res.cap_cut[i])),
        "unpaid_after_term": money(int(res.unpaid_after_term[i])),
        "savings": money(int(res.savings[i])),
        "cashable_savings": money(int(res.cashable_savings[i])),
        "payers": [
            {
                "id": p.id,
                "paid": money(int(p.paid[i])),
                "vat": money(int(p.vat[i])),
                "fees": money(int(p.fees[i])),
                "cost_per_participant": money(_round(p.cost_per_participant[i])),
                "cost_per_outcome": money(_round(p.cost_per_outcome[i])),
                "share_of_maximum": _rate(p.share_of_maximum[i]),
                "cashable_savings": money(int(p.cashable_savings[i])),
                "net_of_savings": money(int(p.net_of_savings[i])),
                "benefit_cost_ratio": _rate(p.benefit_cost_ratio[i]),
                "budget_exceeded": bool(p.budget_exceeded[i]),
            }
            for p in res.payers
        ],
        "providers": [
            {
                "id": p.id,
                "revenue": money(int(p.revenue[i])),
                "other_income": money(int(p.other_income[i])),
                "invested": money(int(p.invested[i])),
                "cost": money(int(p.cost[i])),
                "margin": money(int(p.margin[i])),
                "lowest_cash": money(int(p.lowest_cash[i])),
                "lowest_cash_month": int(p.lowest_cash_month[i]),
                "months_below_zero": int(p.months_below_zero[i]),
                "months_below_minimum": int(p.months_below_minimum[i]),
            }
            for p in res.providers
        ],
        "tranches": [
            {
                "id": t.id,
                "investor": t.investor,
                "drawn": money(int(t.drawn[i])),
                "returned": money(int(t.returned[i])),
                "guaranteed": money(int(t.guaranteed[i])),
                "irr": _rate(t.irr[i]),
                "irr_undefined_reason": IRR_REASONS[int(t.irr_reason[i])] or None,
                "multiple": _rate(t.multiple[i]),
                "loss": money(int(t.loss[i])),
                "payback_month": None if t.payback_month[i] < 0 else int(t.payback_month[i]),
                "interest_unpaid": money(int(t.interest_unpaid[i])),
            }
            for t in res.tranches
        ],
        "fees": [
            {"id": f.id, "payee": f.payee, "paid": money(int(f.paid[i])), "unpaid": money(int(f.unpaid[i]))}
            for f in res.fees
        ],
        "guarantees": [
            {
                "id": g.id,
                "guarantor": g.guarantor,
                "amount": money(g.amount),
                "paid": money(int(g.paid[i])),
                "paid_to": [{"tranche": t, "paid": money(int(x[i]))} for t, x in g.paid_to],
            }
            for g in res.guarantees
        ],
        "budgets": [
            {
                "budget": b.budget,
                "payer": b.payer,
                "savings": money(int(b.savings[i])),
                "cashable_savings": money(int(b.cashable[i])),
            }
            for b in res.budgets
        ],
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "role": a.roles[0],
                "roles": list(a.roles),
                "pays": money(int(a.pays[i])),
                "receives": money(int(a.receives[i])),
                "net": money(int(a.net[i])),
                "savings": money(int(a.savings[i])),
                "other_savings": money(int(a.other_savings[i])),
                "net_of_savings": money(int(a.net_of_savings[i])),
                "present_value": None
                if a.present is None
                else {
                    "pays": money(int(a.present.pays[i])),
                    "receives": money(int(a.present.receives[i])),
                    "savings": money(int(a.present.savings[i])),
                    "net_of_savings": money(int(a.present.net_of_savings[i])),
                },
                "years": [
                    {
                        "year": y.year,
                        "pays": money(int(y.pays[i])),
                        "receives": money(int(y.receives[i])),
                        "net": money(int(y.net[i])),
                        "savings": money(None if y.savings is None else int(y.savings[i])),
                        "appropriated": money(y.appropriated),
                        "over_appropriation": money(int(y.over_appropriation[i])),
                    }
                    for y in a.years
                ],
            }
            for a in res.accounts
        ],
    }


def _round(x: float) -> int | None:
    """A per-unit average in cents, rounded half up to the cent for display (None when undefined)."""
    if math.isnan(x):
        return None
    return math.floor(x + 0.5)
