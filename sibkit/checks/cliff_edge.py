"""Cliff edge: a cohort threshold that pays nothing just below it and a large sum at it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import attrs

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money, percent
from sibkit.i18n import N_, Count, Fact, Share
from sibkit.model import Contract
from sibkit.model.rules import CohortThreshold, Tier

__all__ = ["Jump", "cliff_edge", "jumps", "typical_cohort"]

CODE = "SIB-CLIFF-001"


@attrs.frozen(kw_only=True)
class Jump:
    """A step in a cohort rule's payment where the improvement crosses ``at``."""

    at: Decimal
    """Improvement at which the payment jumps (0.10 is 10% fewer events)."""
    below: int
    """Cents paid for one typical cohort just below ``at``."""
    above: int
    """Cents paid for one typical cohort at ``at``."""
    pooled: bool = False
    """The jump of the pooled trigger (all cohorts together), not of a tier."""

    @property
    def size(self) -> int:
        """``above - below``, cents."""
        return self.above - self.below


def typical_cohort(contract: Contract, rule: CohortThreshold) -> int:
    """Planned participants in an average non-empty cohort of the rule (per provider, rounded half up),
    leaving out cancelled cohorts."""
    sizes: list[int] = []
    for prov in contract.providers:
        if prov.id not in contract.rule_providers(rule):
            continue
        plan = prov.enrolment.per_month()[: contract.timeline.enrolment_months]
        for k, start in enumerate(range(0, contract.timeline.enrolment_months, rule.cohort_months)):
            size = sum(plan[start : start + rule.cohort_months])
            if size and k not in rule.cancelled_cohorts:
                sizes.append(size)
    if not sizes:
        return 0
    return int((Decimal(sum(sizes)) / Decimal(len(sizes))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _pay(rule: CohortThreshold, amount: int, price: int, units_per_point: Decimal, improvement: Decimal) -> int:
    """Cents for one cohort: ``amount`` plus ``price`` per unit of improvement, at most ``max_payment``."""
    cents = amount + int((price * units_per_point * improvement).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(cents, rule.max_payment) if rule.max_payment is not None else cents


def jumps(contract: Contract, rule: CohortThreshold, cohort: int) -> tuple[list[Jump], int]:
    """Every upward step in the payment for one cohort of ``cohort`` participants, and the most the
    rule pays for that cohort (at a 100% improvement, within ``max_payment``)."""
    units = Decimal(contract.metric(rule.metric).baseline or 0) * cohort  # units of improvement per 100%
    found: list[Jump] = []
    previous: Tier | None = None
    for tier in rule.tiers:
        below = (
            0
            if previous is None
            else _pay(rule, previous.amount, previous.price_per_unit, units, tier.from_improvement)
        )
        above = _pay(rule, tier.amount, tier.price_per_unit, units, tier.from_improvement)
        if tier.from_improvement > 0 and above > below:
            found.append(Jump(at=tier.from_improvement, below=below, above=above))
        previous = tier
    if rule.pooled_threshold is not None and rule.pooled_price_per_unit is not None and rule.pooled_threshold > 0:
        above = _pay(rule, 0, rule.pooled_price_per_unit, units, rule.pooled_threshold)
        if above > 0:
            found.append(Jump(at=rule.pooled_threshold, below=0, above=above, pooled=True))
    most = max(_pay(rule, t.amount, t.price_per_unit, units, Decimal(1)) for t in rule.tiers)
    return found, most


_EXPLANATION = (
    N_(
        "Rule '%(rule)s' pays for %(metric)s. For a cohort of about %(cohort)d participants it pays %(below)s at "
        "an improvement just below %(at)s"
    ),
    N_(
        " and %(above)s at %(at)s: one small step in the result moves %(share)s of the most the rule pays per "
        "cohort (%(most)s)."
    ),
    Clause(N_(" The rule has %(steps)d such steps.")),
    N_(
        " Near the threshold everyone gains from a result that is just over the line (by choosing who is "
        "counted, or by how the result is measured), and a result just under it pays nothing for real "
        "improvement."
    ),
)
_TITLE = N_("Cliff edge: the payment jumps from %(below)s to %(above)s at %(at)s")
_MITIGATION = N_(
    "Pay a price per unit of improvement from the first unit (a first tier at 0%), or let tiers start low and "
    "rise gradually so that no single step in the result moves much money."
)
messages(
    CODE,
    {
        "tier": Message(title=_TITLE, explanation=_EXPLANATION, mitigation=_MITIGATION),
        "pooled": Message(
            title=_TITLE,
            explanation=(
                _EXPLANATION[0],
                N_(" (under the pooled trigger for all cohorts together)"),
                *_EXPLANATION[1:],
            ),
            mitigation=_MITIGATION,
        ),
    },
)


@register(CODE, "cliff_edge")
def cliff_edge(contract: Contract, context: Context, *, min_jump_share: Decimal = Decimal("0.05")) -> list[Finding]:
    """Flag cohort-threshold rules whose payment for a typical cohort jumps, where the improvement crosses a
    threshold, by at least ``min_jump_share`` (default 5%) of the most the rule pays for that cohort.

    Rate cards and milestone chains pay per participant from the first result and are not cliffs.
    """
    found: list[Finding] = []
    cur = contract.currency
    for i, rule in enumerate(contract.rules):
        if not isinstance(rule, CohortThreshold):
            continue
        cohort = typical_cohort(contract, rule)
        steps, most = jumps(contract, rule, cohort)
        if most <= 0:
            continue
        cliffs = [j for j in steps if Decimal(j.size) >= min_jump_share * most]
        if not cliffs:
            continue
        big = max(cliffs, key=lambda j: j.size)
        facts: dict[str, Fact] = {
            "rule": rule.id,
            "metric": contract.metric(rule.metric).name,
            "cohort": Count(cohort),
            "at": Share(big.at),
            "below": money(big.below, cur),
            "above": money(big.above, cur),
            "most": money(most, cur),
            "share": percent(Decimal(big.size) / Decimal(most)),
        }
        if len(cliffs) > 1:
            facts["steps"] = Count(len(cliffs))
        kind = "pooled" if big.pooled else "tier"
        found.append(Finding(code=CODE, kind=kind, severity="warning", path=f"$.rules[{i}].tiers", facts=facts))
    return found
