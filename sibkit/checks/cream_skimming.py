"""Cream-skimming: a flat price while the odds of success differ, so easy cases pay best."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money, percent
from sibkit.checks.parking import expected_payment_per_participant
from sibkit.i18n import N_, Count, Fact, Listing, Phrase
from sibkit.model import Contract
from sibkit.model.rules import CohortThreshold, PaymentRule, RateCard, Tariff

__all__ = ["cream_skimming"]

CODE = "SIB-CREAM-001"

_MITIGATION = N_(
    "Define difficulty segments (for example years on welfare: under 2 years, 2–5 years, over 5 years), record "
    "each participant's segment at intake, and pay a higher price (segment_prices) for harder segments so that a "
    "hard case is worth about as much to the provider as an easy one."
)
messages(
    CODE,
    {
        "no-segments": Message(
            title=N_("One price for every participant, however hard to help"),
            explanation=(
                N_("The contract has no difficulty segments: every participant "),
                Clause(N_("is worth up to %(full_result)s at full result")),
                Clause(N_("is paid at the same prices"), unless="full_result"),
                N_(
                    ", whether they are close to their goal or far from it. In the expected scenario a provider "
                    "earns on average %(average)s per participant, but far more for someone likely to succeed "
                    "anyway and far less for a hard case. A provider that picks the easy cases earns more while "
                    "changing less (cream-skimming), and the payer pays for results that would have come anyway."
                ),
            ),
            mitigation=_MITIGATION,
        ),
        "same-price": Message(
            title=N_("Difficulty segments exist, but every segment pays the same price"),
            explanation=(
                N_(
                    "The contract defines %(segments)d difficulty segments, but no payment rule sets a different "
                    "price per segment."
                ),
                Clause(
                    N_(
                        " Yet the expected success rates differ by segment (%(rates)s), so a participant in an "
                        "easy segment is worth far more to the provider."
                    )
                ),
                Clause(
                    N_(" If the segments differ in how hard they are, a participant in an easy segment is worth more."),
                    unless="rates",
                ),
                N_(" Providers that pick the easy cases earn more while changing less (cream-skimming)."),
            ),
            mitigation=_MITIGATION,
        ),
        "gap": Message(
            title=N_("Hard cases are still worth %(gap)s less than easy ones"),
            explanation=N_(
                "Prices differ by segment, but not enough: in the expected scenario a participant in "
                "'%(harder)s' earns the provider %(harder_pays)s, one in '%(easier)s' %(easier_pays)s (%(gap)s "
                "less). Providers still gain by choosing the easier participants (cream-skimming)."
            ),
            mitigation=N_(
                "Raise the price for '%(harder)s' until its expected payment per participant is close to that of "
                "'%(easier)s' (price about inversely proportional to the expected success rate)."
            ),
        ),
    },
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
    caps = [c.money for c in contract.caps if c.level == "participant"]
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
    counts = context.enrolled
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
        facts: dict[str, Fact] = {"average": money(expected[None], cur)}
        if full is not None:
            facts["full_result"] = money(full, cur)
        return [Finding(code=CODE, kind="no-segments", severity="warning", path=path, facts=facts)]
    names = {s.id: s.name for s in contract.segments}
    if not priced:
        facts = {"segments": Count(len(contract.segments))}
        rates = _rates_by_segment(contract, context, per_participant, segments, counts)
        if rates:
            facts["rates"] = Listing(tuple(rates), "semicolon")
        return [Finding(code=CODE, kind="same-price", severity="warning", path=path, facts=facts)]
    return _gap(contract, context, segments, counts, expected, names, path, max_gap)


def _rates_by_segment(
    contract: Contract,
    context: Context,
    per_participant: Sequence[tuple[int, PaymentRule]],
    segments: tuple[str | None, ...],
    counts: dict[tuple[str, str | None], int],
) -> list[Phrase]:
    """Per metric whose expected success rate differs by segment: ``name: 'segment' 50%, …``."""
    names = {s.id: s.name for s in contract.segments}
    out: list[Phrase] = []
    metrics = sorted({m for _, r in per_participant for m in r.metrics()}, key=[m.id for m in contract.metrics].index)
    for metric in metrics:
        by_seg = {}
        for seg in segments:
            per_provider = {}
            for p in contract.providers:
                line = context.scenario.line_for(metric, p.id, seg)
                rate = line.expected_rate(contract.metric(metric)) if line is not None else Decimal(0)
                per_provider[p.id] = (rate, counts[(p.id, seg)])
            by_seg[seg] = _weighted(per_provider)
        if len(set(by_seg.values())) > 1:
            listed = Listing(
                tuple(
                    Phrase.of(N_("'%(segment)s' %(rate)s"), segment=names[s], rate=percent(v))
                    for s, v in by_seg.items()
                    if s is not None
                )
            )
            out.append(Phrase.of(N_("%(metric)s: %(rates)s"), metric=contract.metric(metric).name, rates=listed))
    return out


def _gap(
    contract: Contract,
    context: Context,
    segments: tuple[str | None, ...],
    counts: dict[tuple[str, str | None], int],
    expected: dict[str | None, Decimal],
    names: dict[str, str],
    path: str,
    max_gap: Decimal,
) -> list[Finding]:
    """Segments priced differently, but a harder one still earns more than ``max_gap`` less than an easier one."""
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
    cur = contract.currency
    facts: dict[str, Fact] = {
        "gap": percent(1 - expected[worst] / expected[best]),
        "harder": names[worst],
        "harder_pays": money(expected[worst], cur),
        "easier": names[best],
        "easier_pays": money(expected[best], cur),
    }
    return [Finding(code=CODE, kind="gap", severity="warning", path=path, facts=facts)]
