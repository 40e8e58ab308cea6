"""Cream-skimming: a flat price while the odds of success differ, so easy cases pay best."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, amount_text
from sibkit.checks.parking import enrolled, expected_payment_per_participant
from sibkit.model import Contract
from sibkit.model.rules import CohortThreshold, PaymentRule, RateCard, Tariff

__all__ = ["cream_skimming"]

CODE = "SIB-CREAM-001"

_MITIGATION_EN = (
    "Define difficulty segments (for example years on welfare: under 2 years, 2–5 years, over 5 years), record "
    "each participant's segment at intake, and pay a higher price (segment_prices) for harder segments so that a "
    "hard case is worth about as much to the provider as an easy one."
)
_MITIGATION_NL = (
    "Leg zwaarte-segmenten vast (bijvoorbeeld jaren in de bijstand: korter dan 2 jaar, 2–5 jaar, langer dan "
    "5 jaar), registreer bij instroom in welk segment een deelnemer valt, en betaal voor zwaardere segmenten een "
    "hogere prijs (segment_prices), zodat een moeilijke casus de aanbieder ongeveer evenveel oplevert als een "
    "makkelijke."
)


def _priced_by_segment(rule: PaymentRule) -> bool:
    """Whether a rule pays different prices in different segments."""
    if isinstance(rule, Tariff):
        return any(p != rule.price_per_participant for p in rule.segment_prices.values())
    if isinstance(rule, RateCard):
        return any(p != e.price for e in rule.entries for p in e.segment_prices.values())
    return False


def _full_result(contract: Contract, rules: list[PaymentRule]) -> int | None:
    """Cents one participant earns a provider when reaching every outcome (the most over providers), or
    None when a rule pays per unit of time or a share of savings, or a repeatable outcome has no maximum."""
    best = 0
    for prov in contract.providers:
        total = 0
        for rule in rules:
            if prov.id not in contract.rule_providers(rule):
                continue
            if isinstance(rule, Tariff):
                total += rule.price_per_participant
            elif isinstance(rule, RateCard):
                for e in rule.entries:
                    if e.repeatable and e.max_per_participant is None:
                        return None
                    total += e.price * ((e.max_per_participant or 1) if e.repeatable else 1)
            else:
                return None
        best = max(best, total)
    caps = [c.amount for c in contract.caps if c.level == "participant"]
    return min([best, *caps])


def _weighted(values: dict[str, tuple[Decimal, int]]) -> Decimal:
    """Average of per-provider values weighted by their participants (plain average when none enrolled)."""
    people = sum(n for _, n in values.values())
    if people == 0:
        return sum((v for v, _ in values.values()), Decimal(0)) / Decimal(max(len(values), 1))
    return sum((v * n for v, n in values.values()), Decimal(0)) / Decimal(people)


@register(CODE, "cream_skimming")
def cream_skimming(contract: Contract, context: Context, *, max_gap: Decimal = Decimal("0.25")) -> list[Finding]:
    """Flag per-participant payment rules that pay one price however hard a participant is to help.

    A warning when the contract has no difficulty segments, or has segments but no rule prices them
    differently (quoting the segments' expected success rates when they differ); and when segment prices
    differ but the expected payment per participant of a harder segment (one that would earn less at equal
    prices) is still more than ``max_gap`` (default 25%) below that of an easier one.
    """
    per_participant = [(i, r) for i, r in enumerate(contract.rules) if not isinstance(r, CohortThreshold)]
    if not per_participant:
        return []
    cur = contract.currency
    scenario = context.scenario
    counts = enrolled(contract, scenario)
    # expected payment per participant of each segment, over the providers weighted by enrolment
    segments: tuple[str | None, ...] = tuple(s.id for s in contract.segments) or (None,)
    expected = {
        seg: _weighted(
            {
                p.id: (expected_payment_per_participant(contract, context, p.id, seg), counts[(p.id, seg)])
                for p in contract.providers
            }
        )
        for seg in segments
    }
    priced = [(i, r) for i, r in per_participant if _priced_by_segment(r)]
    index = (priced or per_participant)[0][0]
    path = f"$.rules[{index}]"
    if not contract.segments:
        full = _full_result(contract, [r for _, r in per_participant])
        avg_en, avg_nl = amount_text(expected[None], cur, "en"), amount_text(expected[None], cur, "nl")
        if full is None:
            worth_en, worth_nl = "is paid at the same prices", "wordt tegen dezelfde prijzen betaald"
        else:
            worth_en = f"is worth up to {amount_text(full, cur, 'en')} at full result"
            worth_nl = f"levert bij volledig resultaat tot {amount_text(full, cur, 'nl')} op"
        return [
            Finding(
                code=CODE,
                severity="warning",
                title_en="One price for every participant, however hard to help",
                title_nl="Eén prijs per deelnemer, hoe moeilijk die ook te helpen is",
                explanation_en=(
                    f"The contract has no difficulty segments: every participant {worth_en}, whether they are "
                    f"close to their goal or far from it. In the expected scenario a provider earns on "
                    f"average {avg_en} per participant, but far more for someone likely to succeed anyway and far "
                    "less for a hard case. A provider that picks the easy cases earns more while changing less "
                    "(cream-skimming), and the payer pays for results that would have come anyway."
                ),
                explanation_nl=(
                    f"Het contract kent geen zwaarte-segmenten: elke deelnemer {worth_nl}, of die nu dicht bij "
                    f"het doel staat of er ver van af. In het verwachte scenario ontvangt een aanbieder "
                    f"gemiddeld {avg_nl} per deelnemer, maar veel meer voor iemand die het toch wel had gered en "
                    "veel minder voor een moeilijke casus. Een aanbieder die de makkelijke gevallen kiest, verdient "
                    "meer en verandert minder (afromen), en de betaler betaalt voor resultaten die er toch wel waren "
                    "gekomen."
                ),
                mitigation_en=_MITIGATION_EN,
                mitigation_nl=_MITIGATION_NL,
                path=path,
            )
        ]
    names = {s.id: s.name for s in contract.segments}
    if not priced:
        rates_en, rates_nl = [], []
        metrics = sorted(
            {m for _, r in per_participant for m in r.metrics()}, key=[m.id for m in contract.metrics].index
        )
        for metric in metrics:
            by_seg = {}
            for seg in segments:
                per_provider = {}
                for p in contract.providers:
                    line = scenario.line_for(metric, p.id, seg)
                    rate = line.expected_rate(contract.metric(metric)) if line is not None else Decimal(0)
                    per_provider[p.id] = (rate, counts[(p.id, seg)])
                by_seg[seg] = _weighted(per_provider)
            if len(set(by_seg.values())) > 1:
                listed = ", ".join(f"'{names[s]}' {v * 100:.0f}%" for s, v in by_seg.items() if s is not None)
                name = contract.metric(metric).name
                rates_en.append(f"{name}: {listed}")
                rates_nl.append(f"{name}: {listed}")
        if rates_en:
            odds_en = (
                f" Yet the expected success rates differ by segment ({'; '.join(rates_en)}), so a participant in "
                "an easy segment is worth far more to the provider."
            )
            odds_nl = (
                f" Toch verschillen de verwachte slagingskansen per segment ({'; '.join(rates_nl)}), dus een "
                "deelnemer uit een makkelijk segment is de aanbieder veel meer waard."
            )
        else:
            odds_en = " If the segments differ in how hard they are, a participant in an easy segment is worth more."
            odds_nl = " Als de segmenten verschillen in zwaarte, is een deelnemer uit een makkelijk segment meer waard."
        return [
            Finding(
                code=CODE,
                severity="warning",
                title_en="Difficulty segments exist, but every segment pays the same price",
                title_nl="Er zijn zwaarte-segmenten, maar elk segment krijgt dezelfde prijs",
                explanation_en=(
                    f"The contract defines {len(contract.segments)} difficulty segments, but no payment rule sets "
                    f"a different price per segment.{odds_en} Providers that pick the easy cases earn more while "
                    "changing less (cream-skimming)."
                ),
                explanation_nl=(
                    f"Het contract kent {len(contract.segments)} zwaarte-segmenten, maar geen betaalregel geeft "
                    f"een segment een eigen prijs.{odds_nl} Aanbieders die de makkelijke gevallen kiezen, "
                    "verdienen meer en veranderen minder (afromen)."
                ),
                mitigation_en=_MITIGATION_EN,
                mitigation_nl=_MITIGATION_NL,
                path=path,
            )
        ]
    reached = [seg for seg in segments if seg is not None and any(counts[(p.id, seg)] for p in contract.providers)]
    odds = {
        seg: _weighted(
            {
                p.id: (
                    expected_payment_per_participant(contract, context, p.id, seg, flat_prices=True),
                    counts[(p.id, seg)],
                )
                for p in contract.providers
            }
        )
        for seg in reached
    }
    # pairs (harder, easier) by the odds of success; the widest gap in expected payment between them
    pairs = [(a, b) for a in reached for b in reached if odds[a] < odds[b] and expected[b] > 0]
    if not pairs:
        return []
    worst, best = max(pairs, key=lambda ab: 1 - expected[ab[0]] / expected[ab[1]])
    if 1 - expected[worst] / expected[best] <= max_gap:
        return []
    gap = f"{(1 - expected[worst] / expected[best]) * 100:.0f}%"
    worst_en, worst_nl = amount_text(expected[worst], cur, "en"), amount_text(expected[worst], cur, "nl")
    best_en, best_nl = amount_text(expected[best], cur, "en"), amount_text(expected[best], cur, "nl")
    return [
        Finding(
            code=CODE,
            severity="warning",
            title_en=f"Hard cases are still worth {gap} less than easy ones",
            title_nl=f"Moeilijke gevallen leveren nog steeds {gap} minder op dan makkelijke",
            explanation_en=(
                f"Prices differ by segment, but not enough: in the expected scenario a participant in "
                f"'{names[worst]}' earns the provider {worst_en}, one in '{names[best]}' {best_en} ({gap} less). "
                "Providers still gain by choosing the easier participants (cream-skimming)."
            ),
            explanation_nl=(
                f"De prijzen verschillen per segment, maar niet genoeg: in het verwachte scenario levert een "
                f"deelnemer in '{names[worst]}' de aanbieder {worst_nl} op, een deelnemer in '{names[best]}' "
                f"{best_nl} ({gap} minder). Aanbieders winnen nog steeds door de makkelijkere deelnemers te kiezen "
                "(afromen)."
            ),
            mitigation_en=(
                f"Raise the price for '{names[worst]}' until its expected payment per participant is close to that "
                f"of '{names[best]}' (price about inversely proportional to the expected success rate)."
            ),
            mitigation_nl=(
                f"Verhoog de prijs voor '{names[worst]}' tot de verwachte betaling per deelnemer dicht bij die van "
                f"'{names[best]}' ligt (prijs ongeveer omgekeerd evenredig met de verwachte slagingskans)."
            ),
            path=path,
        )
    ]
