"""One scenario's results as plain data: the JSON of ``sibkit run --json``.

Every key is documented in ``docs/results.md``. Money is given twice: in cents
(``*_cents``, exact integers) and in currency units as a string with two
decimals (``"3500.00"``), never as a binary float. Rates are fractions
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


def _money(cents: int | None) -> dict[str, Any]:
    if cents is None:
        return {"cents": None, "amount": None}
    return {"cents": int(cents), "amount": str(cents_to_decimal(int(cents)))}


def _rate(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 10)


def summary(contract: Contract, res: Results, scenario: str, success: float, i: int = 0) -> dict[str, Any]:
    """Scenario ``i`` of ``res`` as a JSON-ready dict."""
    metric_ids = [m.id for m in contract.metrics]
    return {
        "contract": contract.name,
        "currency": contract.currency,
        "scenario": scenario,
        "success_factor": success,
        "participants": int(res.participants[i]),
        "outcomes": {m: int(res.outcome_units[i, j]) for j, m in enumerate(metric_ids)},
        "outcome_payments": _money(int(res.outcome_payments[i])),
        "maximum_payment": _money(res.maximum_payment),
        "cap_cut": _money(int(res.cap_cut[i])),
        "unpaid_after_term": _money(int(res.unpaid_after_term[i])),
        "savings": _money(int(res.savings[i])),
        "cashable_savings": _money(int(res.cashable_savings[i])),
        "payers": [
            {
                "id": p.id,
                "paid": _money(int(p.paid[i])),
                "vat": _money(int(p.vat[i])),
                "fees": _money(int(p.fees[i])),
                "cost_per_participant": _money(_round(p.cost_per_participant[i])),
                "cost_per_outcome": _money(_round(p.cost_per_outcome[i])),
                "share_of_maximum": _rate(p.share_of_maximum[i]),
                "cashable_savings": _money(int(p.cashable_savings[i])),
                "net_of_savings": _money(int(p.net_of_savings[i])),
                "benefit_cost_ratio": _rate(p.benefit_cost_ratio[i]),
                "budget_exceeded": bool(p.budget_exceeded[i]),
            }
            for p in res.payers
        ],
        "providers": [
            {
                "id": p.id,
                "revenue": _money(int(p.revenue[i])),
                "other_income": _money(int(p.other_income[i])),
                "invested": _money(int(p.invested[i])),
                "cost": _money(int(p.cost[i])),
                "margin": _money(int(p.margin[i])),
                "lowest_cash": _money(int(p.lowest_cash[i])),
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
                "drawn": _money(int(t.drawn[i])),
                "returned": _money(int(t.returned[i])),
                "guaranteed": _money(int(t.guaranteed[i])),
                "irr": _rate(t.irr[i]),
                "irr_undefined_reason": IRR_REASONS[int(t.irr_reason[i])] or None,
                "multiple": _rate(t.multiple[i]),
                "loss": _money(int(t.loss[i])),
                "payback_month": None if t.payback_month[i] < 0 else int(t.payback_month[i]),
                "interest_unpaid": _money(int(t.interest_unpaid[i])),
            }
            for t in res.tranches
        ],
        "fees": [
            {"id": f.id, "payee": f.payee, "paid": _money(int(f.paid[i])), "unpaid": _money(int(f.unpaid[i]))}
            for f in res.fees
        ],
        "guarantees": [
            {
                "id": g.id,
                "guarantor": g.guarantor,
                "amount": _money(g.amount),
                "paid": _money(int(g.paid[i])),
                "paid_to": [{"tranche": t, "paid": _money(int(x[i]))} for t, x in g.paid_to],
            }
            for g in res.guarantees
        ],
        "budgets": [
            {
                "budget": b.budget,
                "payer": b.payer,
                "savings": _money(int(b.savings[i])),
                "cashable_savings": _money(int(b.cashable[i])),
            }
            for b in res.budgets
        ],
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "role": a.roles[0],
                "roles": list(a.roles),
                "pays": _money(int(a.pays[i])),
                "receives": _money(int(a.receives[i])),
                "net": _money(int(a.net[i])),
                "savings": _money(int(a.savings[i])),
                "other_savings": _money(int(a.other_savings[i])),
                "net_of_savings": _money(int(a.net_of_savings[i])),
                "present_value": None
                if a.present is None
                else {
                    "pays": _money(int(a.present.pays[i])),
                    "receives": _money(int(a.present.receives[i])),
                    "savings": _money(int(a.present.savings[i])),
                    "net_of_savings": _money(int(a.present.net_of_savings[i])),
                },
                "years": [
                    {
                        "year": y.year,
                        "pays": _money(int(y.pays[i])),
                        "receives": _money(int(y.receives[i])),
                        "net": _money(int(y.net[i])),
                        "savings": _money(None if y.savings is None else int(y.savings[i])),
                        "appropriated": _money(y.appropriated),
                        "over_appropriation": _money(int(y.over_appropriation[i])),
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
