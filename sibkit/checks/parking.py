"""Parking: participants whose expected outcome payment is below what they cost to serve.

Also home of ``expected_payment_per_participant``, which the cream-skimming check shares:
what a provider can expect to be paid for one participant of a segment in the expected scenario.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, amount_text
from sibkit.engine.batch import deterministic_batch
from sibkit.model import Contract, Scenario
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff

__all__ = ["enrolled", "expected_payment_per_participant", "parking"]

CODE = "SIB-PARK-001"


def enrolled(contract: Contract, scenario: Scenario) -> dict[tuple[str, str | None], int]:
    """Participants enrolled in ``scenario`` per ``(provider, segment)`` (segment ``None`` without segments)."""
    batch = deterministic_batch(contract, scenario)
    totals = batch.enrolled[0].sum(axis=0)  # (P, S)
    segments: tuple[str | None, ...] = tuple(s.id for s in contract.segments) or (None,)
    return {
        (prov.id, seg): int(totals[p, s]) for p, prov in enumerate(contract.providers) for s, seg in enumerate(segments)
    }


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
        people = sum(n for (p, _), n in enrolled(contract, scenario).items() if p == provider)
        if people:
            total += Decimal(paid) / Decimal(people)
    return total


@register(CODE, "parking")
def parking(contract: Contract, context: Context, *, min_cover: Decimal = Decimal(1)) -> list[Finding]:
    """Flag each provider with participants (a difficulty segment, or all of them) whose expected outcome
    payment covers less than ``min_cover`` (default 100%) of the provider's cost per participant."""
    found: list[Finding] = []
    counts = enrolled(contract, context.scenario)
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
        parts: dict[str, list[str]] = {"en": [], "nl": []}
        for seg, n, expected in losing:
            gap = {lang: amount_text(cost - expected, cur, lang) for lang in ("en", "nl")}
            exp = {lang: amount_text(expected, cur, lang) for lang in ("en", "nl")}
            if seg is None:
                parts["en"].append(f"{exp['en']} per participant (a shortfall of {gap['en']} each)")
                parts["nl"].append(f"{exp['nl']} per deelnemer (een tekort van {gap['nl']} per deelnemer)")
            else:
                share = f"{Decimal(n) / Decimal(total_people) * 100:.0f}%"
                parts["en"].append(
                    f"{exp['en']} per participant in segment '{names[seg]}' ({share} of its participants; "
                    f"a shortfall of {gap['en']} each)"
                )
                parts["nl"].append(
                    f"{exp['nl']} per deelnemer in segment '{names[seg]}' ({share} van zijn deelnemers; "
                    f"een tekort van {gap['nl']} per deelnemer)"
                )
        cost_en, cost_nl = amount_text(cost, cur, "en"), amount_text(cost, cur, "nl")
        whole = losing[0][0] is None
        where = ", ".join(f"'{names[seg]}'" for seg, _, _ in losing if seg is not None)
        funded_en = funded_nl = ""
        if not prov.prefinances_own_costs:
            funded_en = (
                " Its costs are paid from investors' capital, so the loss falls on the investors, who in turn "
                "press for results where they come cheapest."
            )
            funded_nl = (
                " Zijn kosten worden betaald uit het kapitaal van investeerders; het verlies komt bij hen terecht, "
                "en zij sturen op resultaten waar die het goedkoopst te halen zijn."
            )
        found.append(
            Finding(
                code=CODE,
                severity="warning",
                title_en=(
                    f"{prov.name} is expected to lose money on "
                    + ("each participant" if whole else f"participants in segment {where}")
                ),
                title_nl=(
                    f"{prov.name} verliest naar verwachting geld op "
                    + ("elke deelnemer" if whole else f"deelnemers in segment {where}")
                ),
                explanation_en=(
                    f"In the expected scenario ('{context.scenario.name}') {prov.name} earns in outcome payments "
                    f"{'; '.join(parts['en'])}, but spends {cost_en} on each participant. Once enrolled, these "
                    "participants cost more than they bring in, so there is pressure to give them little attention "
                    f"('parking') and to spend the effort on participants more likely to pay out.{funded_en}"
                ),
                explanation_nl=(
                    f"In het verwachte scenario ('{context.scenario.name}') ontvangt {prov.name} aan "
                    f"resultaatbetalingen {'; '.join(parts['nl'])}, maar geeft {cost_nl} per deelnemer uit. "
                    "Deze deelnemers kosten meer dan ze opleveren; zo ontstaat de druk om ze weinig aandacht te "
                    f"geven ('parkeren') en de inzet te richten op deelnemers die eerder geld opleveren.{funded_nl}"
                ),
                mitigation_en=(
                    "Raise the price for these participants (a difficulty segment with its own segment price), pay "
                    "for a process or engagement outcome every participant can reach, or pay a fee per enrolled "
                    "participant, so that serving a hard case is not a loss."
                ),
                mitigation_nl=(
                    "Verhoog de prijs voor deze deelnemers (een zwaarte-segment met een eigen segmentprijs), betaal "
                    "voor een proces- of deelnameresultaat dat elke deelnemer kan halen, of betaal een vergoeding "
                    "per ingestroomde deelnemer, zodat een moeilijke casus geen verlies is."
                ),
                path=f"$.providers[{i}].cost_per_participant",
            )
        )
    return found
