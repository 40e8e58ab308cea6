"""A contract's overview as a plain view model, and its Markdown rendering (``sibkit show --format markdown``).

The view model holds text only: every number is already formatted here, so the
template does no arithmetic.
"""

from __future__ import annotations

from typing import Any

from sibkit.engine.maximum import maximum_payment
from sibkit.model import Contract, Loan
from sibkit.model.common import percent
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import format_money
from sibkit.report.templating import markdown_environment

__all__ = ["overview", "render_markdown"]


def overview(contract: Contract) -> dict[str, Any]:
    """The overview's view model: parties, outcomes and prices, caps, capital and the maximum payment."""
    cur = contract.currency

    def money(cents: int | None) -> str:
        return "unbounded" if cents is None else format_money(cents, cur)

    outcomes = []
    for rule in contract.rules:
        payers = ", ".join(f"{p} {percent(s)}" for p, s in contract.rule_payers(rule))
        for metric_id in rule.metrics():
            m = contract.metric(metric_id)
            if isinstance(rule, Tariff):
                weight = next(c.weight for c in rule.components if c.metric == metric_id)
                price = f"{percent(weight)} of {money(rule.price_per_participant)} per participant"
            elif isinstance(rule, RateCard):
                e = next(x for x in rule.entries if x.metric == metric_id)
                price = f"{money(e.price)} {'per unit, repeatable' if e.repeatable else 'once per participant'}"
            elif isinstance(rule, CohortThreshold):
                price = "; ".join(
                    f"from {percent(t.from_improvement)}: {money(t.amount)} + {money(t.price_per_unit)} per unit"
                    for t in rule.tiers
                )
            elif isinstance(rule, PerTime):
                price = f"{money(rule.price_per_unit)} per {m.unit}"
            else:
                assert isinstance(rule, ShareOfSavings)
                price = f"{percent(rule.share)} of the savings"
            outcomes.append(
                {
                    "rule": rule.id,
                    "name": m.name,
                    "kind": m.kind,
                    "evidence": m.evidence,
                    "price": price,
                    "payers": payers,
                }
            )
    mx = maximum_payment(contract)
    return {
        "name": contract.name,
        "status": contract.status,
        "version": contract.version,
        "description": contract.description.strip(),
        "timeline": (
            f"start {contract.timeline.start}, enrolment {contract.timeline.enrolment_months} months, "
            f"service {contract.timeline.service_months} months, term {contract.timeline.term_months} months, "
            f"payments {contract.timeline.payment_frequency}"
        ),
        "payers": [
            {
                "id": p.id,
                "name": p.name,
                "budget": money(p.budget) if p.budget is not None else "",
                "contributors": [{"name": k.name, "commitment": money(k.commitment)} for k in p.contributors],
            }
            for p in contract.payers
        ],
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "participants": str(p.enrolment.participants),
                "cost": money(p.cost_per_participant),
                "buffer": money(p.buffer),
            }
            for p in contract.providers
        ],
        "outcomes": outcomes,
        "caps": [
            {"level": c.level, "target": c.target or ", ".join(c.metrics), "amount": money(c.amount)}
            for c in contract.caps
        ],
        "tranches": [
            {
                "id": t.id,
                "kind": type(t).__name__,
                "investor": t.investor,
                "commitment": money(t.commitment),
                "seniority": str(t.seniority),
                "coupon": percent(t.coupon) if isinstance(t, Loan) else "",
            }
            for t in sorted(contract.tranches, key=lambda t: t.seniority)
        ],
        "maximum": [{"payer": k, "amount": money(v)} for k, v in mx.by_payer.items()],
        "maximum_total": money(mx.total),
    }


def render_markdown(contract: Contract) -> str:
    """The overview as Markdown, from ``templates/overview.md.j2``."""
    return markdown_environment().get_template("overview.md.j2").render(c=overview(contract))
