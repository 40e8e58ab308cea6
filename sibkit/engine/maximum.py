"""The maximum potential outcome payment: what the payers could have to pay at most.

Computed by the engine itself (one scenario, N = 1): the planned enrolment, every
participant achieving every outcome at its usual time, repeatable outcomes and
per-time payments at their per-participant maximum, cohort rules at a 100%
improvement; then every cap applies exactly as in any run. Outcomes verified
after the term are not payable and so not part of the maximum.

Some rules have no natural maximum: a repeatable outcome or a per-time payment
without a per-participant limit, a share of savings, a cohort rule without
``max_payment``. Their payments count as unbounded (``None``) unless a cap limits
them: a metric cap on their metric, a provider cap, a payer cap, or the contract cap.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.engine.batch import Batch, axes, deterministic_batch
from sibkit.engine.waterfall import run_batch
from sibkit.model import Contract, Scenario, ScenarioOutcome
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings

__all__ = ["MaximumPayment", "maximum_payment"]


@attrs.frozen(kw_only=True)
class MaximumPayment:
    """Maximum potential outcome payments in cents of the contract currency (``None``: no limit)."""

    by_rule: dict[str, int | None]
    """Per rule, after every cap."""
    by_provider: dict[str, int | None]
    """Per provider (paid for its participants' outcomes), after every cap."""
    by_payer: dict[str, int | None]
    """Per payer, after every cap, VAT excluded."""
    total: int | None
    """All outcome payments, after every cap, VAT excluded."""
    before_caps: int | None
    """All outcome payments if no cap applied (``None`` when a rule has no natural maximum)."""


def _unbounded_metrics(rule: PaymentRule) -> set[str]:
    if isinstance(rule, RateCard):
        return {e.metric for e in rule.entries if e.repeatable and e.max_per_participant is None}
    if isinstance(rule, PerTime):
        return set() if rule.max_units_per_participant is not None else {rule.metric}
    if isinstance(rule, ShareOfSavings):
        return {rule.metric}
    if isinstance(rule, CohortThreshold):
        return set() if rule.max_payment is not None else {rule.metric}
    return set()


def _max_units(contract: Contract, metric: str) -> int:
    """Units per achiever at their per-participant maximum (1 where no limit; those lines are flagged)."""
    best = 1
    for rule in contract.rules:
        if isinstance(rule, RateCard):
            for e in rule.entries:
                if e.metric == metric and e.repeatable and e.max_per_participant:
                    best = max(best, e.max_per_participant)
        if isinstance(rule, PerTime) and rule.metric == metric and rule.max_units_per_participant:
            best = max(best, rule.max_units_per_participant)
    return best


def _everything(contract: Contract) -> Batch:
    scenario = Scenario(
        name="maximum",
        outcomes=tuple(ScenarioOutcome(metric=m.id, rate=Decimal(1)) for m in contract.metrics),
    )
    base = deterministic_batch(contract, scenario)
    units = base.achieved.copy()
    for m, metric in enumerate(contract.metrics):
        units[..., m] *= _max_units(contract, metric.id)
    return attrs.evolve(base, units=units)


def maximum_payment(contract: Contract) -> MaximumPayment:
    """The maximum potential outcome payment of ``contract`` at its planned enrolment."""
    flows = run_batch(contract, _everything(contract))
    sched = flows.schedule
    ax = axes(contract)
    unbounded = set().union(*(_unbounded_metrics(r) for r in contract.rules))
    capped_metrics = {c.target for c in contract.caps if c.level == "metric"}
    capped_providers = {c.target for c in contract.caps if c.level == "provider"}
    capped_payers = {c.target for c in contract.caps if c.level == "payer"}
    contract_cap = any(c.level == "contract" for c in contract.caps)
    open_lines = [ln for ln in sched.lines if ln.metric in unbounded and ln.metric not in capped_metrics]

    def bounded(*, provider: str | None = None, payer: int | None = None, rule: str | None = None) -> bool:
        if contract_cap:
            return True
        for ln in open_lines:
            if provider is not None and (ln.provider != provider or provider in capped_providers):
                continue
            if payer is not None and (
                payer not in {k for k, _ in ln.payers} or contract.payers[payer].id in capped_payers
            ):
                continue
            if rule is not None and ln.rule != rule:
                continue
            return False
        return True

    line_paid = flows.line_paid[0]
    by_rule = {
        r.id: (int(sum(line_paid[ln.index] for ln in sched.lines if ln.rule == r.id)) if bounded(rule=r.id) else None)
        for r in contract.rules
    }
    by_provider = {
        p: (int(sum(line_paid[ln.index] for ln in sched.lines if ln.provider == p)) if bounded(provider=p) else None)
        for p in ax.providers
    }
    paid = flows.payer_paid[0].sum(axis=0)
    by_payer = {payer.id: (int(paid[k]) if bounded(payer=k) else None) for k, payer in enumerate(contract.payers)}
    total = int(paid.sum()) if bounded() or all(v is not None for v in by_payer.values()) else None
    before = None if unbounded else int(sched.due[0].sum() + sched.participant_cap_cut[0])
    return MaximumPayment(by_rule=by_rule, by_provider=by_provider, by_payer=by_payer, total=total, before_caps=before)
