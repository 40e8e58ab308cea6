"""Parking: participants whose expected outcome payment is below what they cost to serve.

Also home of ``expected_payment_per_participant``, which the cream-skimming check shares:
what a provider can expect to be paid for one participant of a segment in the expected scenario.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money, percent
from sibkit.i18n import N_, Fact, Listing, Phrase, Word
from sibkit.model import Contract, Scenario
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff

__all__ = ["expected_payment_per_participant", "parking"]

CODE = "SIB-PARK-001"


def _rate(contract: Contract, scenario: Scenario, metric: str, provider: str, segment: str | None) -> Decimal:
    """Expected share of participants achieving ``metric``, at most that of every metric it requires."""
    line = scenario.line_for(metric, provider, segment)
    rate = min(line.expected_rate(contract.metric(metric)), Decimal(1)) if line is not None else Decimal(0)
    for req in contract.metric(metric).requires:
        rate = min(rate, _rate(contract, scenario, req, provider, segment))
    return rate


def _units(scenario: Scenario, metric: str, provider: str, segment: str | None, most: int | None) -> Decimal:
    """Units per achiever (days, repeats), at most ``most``."""
    line = scenario.line_for(metric, provider, segment)
    units = line.units if line is not None and line.units is not None else Decimal(1)
    return min(units, Decimal(most)) if most is not None else units


def expected_payment_per_participant(
    contract: Contract, context: Context, provider: str, segment: str | None, *, flat_prices: bool = False
) -> Decimal:
    """Cents a provider can expect in outcome payments for one participant of ``segment`` in the
    expected scenario (``context.scenario``).

    Per-participant rules (tariff, rate card, per time, share of savings) count as expected rate ×
    units × price of the segment, before caps; a milestone's rate is at most that of the steps it
    requires. Cohort rules count what they pay the provider in the expected run, spread evenly over
    its participants. With ``flat_prices`` the segment's own prices are ignored: what the segment would
    earn at the prices everyone else gets (a measure of its odds of success).
    """
    scenario = context.scenario
    priced = None if flat_prices else segment
    total = Decimal(0)
    cohort_rules: set[str] = set()
    for rule in contract.rules:
        if provider not in contract.rule_providers(rule):
            continue
        if isinstance(rule, CohortThreshold):
            cohort_rules.add(rule.id)
            continue
        for metric in rule.metrics():
            rate = _rate(contract, scenario, metric, provider, segment)
            if rate == 0:
                continue
            if isinstance(rule, Tariff):
                total += rate * rule.unit_price(metric, priced)
            elif isinstance(rule, RateCard):
                entry = rule.entry(metric)
                price = rule.unit_price(metric, priced)
                units = (
                    _units(scenario, metric, provider, segment, entry.max_per_participant)
                    if entry.repeatable
                    else Decimal(1)
                )
                total += rate * units * price
            elif isinstance(rule, PerTime):
                units = _units(scenario, metric, provider, segment, rule.max_units_per_participant)
                total += rate * units * rule.price_per_unit
            elif isinstance(rule, ShareOfSavings):
                saved = sum((s.amount_per_unit for s in contract.savings if s.metric == metric), 0)
                total += rate * _units(scenario, metric, provider, segment, None) * saved * rule.share
    if cohort_rules:
        lines = [
            ln.index for ln in context.base.flows.schedule.lines if ln.rule in cohort_rules and ln.provider == provider
        ]
        paid = int(np.sum(context.base.flows.line_paid[0, lines])) if lines else 0
        people = sum(n for (p, _), n in context.enrolled.items() if p == provider)
        if people:
            total += Decimal(paid) / Decimal(people)
    return total


_EXPLANATION = (
    N_(
        "In the expected scenario ('%(scenario)s') %(provider)s earns in outcome payments %(earned)s, but spends "
        "%(cost)s on each participant. Once enrolled, these participants cost more than they bring in, so there "
        "is pressure to give them little attention ('parking') and to spend the effort on participants more "
        "likely to pay out."
    ),
    Clause(
        N_(
            " Its costs are paid from investors' capital, so the loss falls on the investors, who in turn press "
            "for results where they come cheapest."
        ),
        when="costs_paid_from",
    ),
)
_MITIGATION = N_(
    "Raise the price for these participants (a difficulty segment with its own segment price), pay for a "
    "process or engagement outcome every participant can reach, or pay a fee per enrolled participant, so that "
    "serving a hard case is not a loss."
)
messages(
    CODE,
    {
        "all": Message(
            title=N_("%(provider)s is expected to lose money on each participant"),
            explanation=_EXPLANATION,
            mitigation=_MITIGATION,
        ),
        "segments": Message(
            title=N_("%(provider)s is expected to lose money on participants in segment %(segments)s"),
            explanation=_EXPLANATION,
            mitigation=_MITIGATION,
        ),
    },
)


def _earned(cents: Decimal, gap: Decimal, currency: str, segment: str | None, share: Decimal) -> Phrase:
    """What one participant (of a segment) earns the provider, and the shortfall against its cost."""
    if segment is None:
        return Phrase.of(
            N_("%(expected)s per participant (a shortfall of %(gap)s each)"),
            expected=money(cents, currency),
            gap=money(gap, currency),
        )
    return Phrase.of(
        N_(
            "%(expected)s per participant in segment '%(segment)s' (%(share)s of its participants; "
            "a shortfall of %(gap)s each)"
        ),
        expected=money(cents, currency),
        segment=segment,
        share=percent(share),
        gap=money(gap, currency),
    )


@register(CODE, "parking")
def parking(contract: Contract, context: Context, *, min_cover: Decimal = Decimal(1)) -> list[Finding]:
    """Flag each provider with participants (a difficulty segment, or all of them) whose expected outcome
    payment covers less than ``min_cover`` (default 100%) of the provider's cost per participant."""
    found: list[Finding] = []
    counts = context.enrolled
    names = {s.id: s.name for s in contract.segments}
    cur = contract.currency
    for i, prov in enumerate(contract.providers):
        people = {seg: n for (p, seg), n in counts.items() if p == prov.id and n > 0}
        total_people = sum(people.values())
        cost = prov.cost_per_participant
        if not total_people or cost == 0:
            continue
        losing: list[tuple[str | None, int, Decimal]] = []
        for seg, n in people.items():
            expected = expected_payment_per_participant(contract, context, prov.id, seg)
            if expected < min_cover * cost:
                losing.append((seg, n, expected))
        if not losing:
            continue
        earned = [
            _earned(e, cost - e, cur, None if seg is None else names[seg], Decimal(n) / Decimal(total_people))
            for seg, n, e in losing
        ]
        facts: dict[str, Fact] = {
            "provider": prov.name,
            "scenario": context.scenario.name,
            "earned": Listing(tuple(earned), "semicolon"),
            "cost": money(cost, cur),
        }
        kind = "all" if losing[0][0] is None else "segments"
        if kind == "segments":
            facts["segments"] = Listing(tuple(names[seg] for seg, _, _ in losing if seg is not None), quoted=True)
        if not prov.prefinances_own_costs:
            facts["costs_paid_from"] = Word(N_("investors' capital"))
        path = f"$.providers[{i}].cost_per_participant"
        found.append(Finding(code=CODE, kind=kind, severity="warning", path=path, facts=facts))
    return found
