"""The contract: every party, outcome, rule and tranche, checked as a whole.

Field-level rules live on each class. The rules that need the whole contract
(references between parts, shares across parts, timing against the timeline)
are checked in ``contract_problems``, which reports every problem at once with
its path; ``Contract`` refuses to exist while any remain.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import attrs

from sibkit.errors import FieldProblem, ModelError, Problem, did_you_mean, show
from sibkit.limits import MAX_CELLS_PER_SCENARIO, MAX_SCALE_CENTS, MAX_SUCCESS
from sibkit.model.capital import Fee, Grant, Guarantee, Loan, Tranche
from sibkit.model.common import (
    Prose,
    Provenance,
    Source,
    date_in_range,
    fraction_in_unit,
    month_count,
    month_number,
    optional,
    participants,
    percent,
    provenance_field,
    shares_common_denominator,
    text_problems,
    valid_currency,
)
from sibkit.model.outcomes import Metric, Saving, Segment
from sibkit.model.parties import Evaluator, Intermediary, Investor, OutcomePayer, Provider
from sibkit.model.rules import Cap, CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.model.scenario import Scenario, ScenarioOutcome
from sibkit.model.uncertainty import Uncertainty
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep, ReturnStep, WaterfallStep
from sibkit.money import format_eur

__all__ = [
    "Contract",
    "Population",
    "Termination",
    "Timeline",
    "cells_per_scenario",
    "contract_problems",
    "money_scale",
]

FORMAT_VERSION = 1
"""The contract file format version this sibkit writes and reads."""


@attrs.frozen(kw_only=True)
class Timeline:
    """The contract's clock. All months count from ``start`` (month 0)."""

    start: dt.date = attrs.field(validator=date_in_range)
    """First day of service (the first month of the monthly grid)."""
    enrolment_months: int = attrs.field(validator=month_count)
    """Months during which participants may enrol."""
    service_months: int = attrs.field(validator=month_count)
    """Months of service delivery (at least the enrolment window)."""
    term_months: int = attrs.field(validator=month_count)
    """Months until the contract ends and is settled (at least the service term)."""
    payment_frequency: Literal["monthly", "quarterly", "semiannual", "annual", "end"] = "quarterly"
    """How often verified outcomes are invoiced and paid."""
    signing: dt.date | None = attrs.field(default=None, validator=date_in_range)
    """Date the contract is signed, if known (on or before ``start``)."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if self.service_months < self.enrolment_months:
            raise FieldProblem(
                "service_months",
                f"the service term ({self.service_months} months) is shorter than the enrolment window "
                f"({self.enrolment_months} months)",
            )
        if self.term_months < self.service_months:
            raise FieldProblem(
                "term_months",
                f"the contract term ({self.term_months} months) is shorter than the service term "
                f"({self.service_months} months)",
            )
        if self.signing is not None and self.signing > self.start:
            raise FieldProblem("signing", f"signing date {self.signing} is after the start {self.start}")

    def month_start(self, month: int) -> dt.date:
        """The first day of contract month ``month`` (month 0 is ``start``'s month): the one calendar rule.
        Months are calendar months, so month 1 of a contract starting on 15 January begins on 1 February."""
        months = self.start.month - 1 + month
        return dt.date(self.start.year + months // 12, months % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        """First day after the last month of the term."""
        return self.month_start(self.term_months)


@attrs.frozen(kw_only=True)
class Termination:
    """An early end of the service (Rikers ABLE ended after three years on its interim evaluation)."""

    month: int = attrs.field(validator=month_number)
    """From this month (counted from the start) no one enrols, providers incur no more delivery costs and
    no more capital is drawn. Payments, repayments and the settlement carry on to the end of the term."""
    pay_outcomes_after: bool = True
    """Whether outcomes that happen from that month on are still paid (for participants already enrolled)."""
    reason: Prose = ""
    """What triggered it, in words (an interim evaluation below target, a change in law)."""


@attrs.frozen(kw_only=True)
class Population:
    """Who the contract is for and how they are referred."""

    description: Prose = ""
    eligibility: tuple[str, ...] = ()
    """Eligibility criteria, one per line."""
    referred_by: str = ""
    """Who refers participants (a payer's team, the providers themselves, a court)."""
    minimum_participants: int | None = attrs.field(default=None, validator=optional(participants))
    """Fewest referrals the payer commits to (a GO Lab hurdle for providers); informs the term sheet."""
    maximum_participants: int | None = attrs.field(default=None, validator=optional(participants))
    """Most participants the contract will pay for; informs the term sheet and the volume check."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        low, high = self.minimum_participants, self.maximum_participants
        if low is not None and high is not None and low > high:
            raise FieldProblem("minimum_participants", f"the minimum ({low}) is above the maximum ({high})")


@attrs.frozen(kw_only=True)
class Contract:
    """An outcome-based contract: a SIB, a pay-for-success contract or an outcomes-fund agreement."""

    format: int = attrs.field(default=FORMAT_VERSION)
    """File format version; this sibkit reads version 1."""
    name: str
    status: Literal["draft", "indicative", "agreed", "signed", "historical"] = "draft"
    """Where the contract stands: ``draft`` (being designed), ``indicative`` (non-binding terms),
    ``agreed`` (terms agreed, not yet signed), ``signed``, or ``historical`` (a past deal
    reconstructed for learning)."""
    version: str = "1"
    description: Prose = ""
    purpose: Prose = ""
    """The social challenge and the intervention's theory of change."""
    currency: str = attrs.field(default="EUR", validator=valid_currency)
    """ISO 4217 code of the currency of every amount (any code with two decimal places: EUR, GBP,
    USD, INR, CHF, SEK, ...); amounts are in hundredths of it (cents)."""
    governing_law: str = ""
    vat_rate: Decimal = attrs.field(default=Decimal(0), validator=fraction_in_unit)
    """VAT charged on top of outcome payments (0.21 for 21%); payers pay price × (1 + rate)
    and the VAT goes to the tax authority, not to providers."""
    timeline: Timeline
    population: Population = attrs.field(factory=Population)
    sources: tuple[Source, ...] = ()
    payers: tuple[OutcomePayer, ...] = attrs.field(validator=attrs.validators.min_len(1))
    providers: tuple[Provider, ...] = attrs.field(validator=attrs.validators.min_len(1))
    investors: tuple[Investor, ...] = ()
    intermediaries: tuple[Intermediary, ...] = ()
    evaluators: tuple[Evaluator, ...] = ()
    segments: tuple[Segment, ...] = ()
    metrics: tuple[Metric, ...] = attrs.field(validator=attrs.validators.min_len(1))
    rules: tuple[PaymentRule, ...] = attrs.field(validator=attrs.validators.min_len(1))
    caps: tuple[Cap, ...] = ()
    tranches: tuple[Tranche, ...] = ()
    guarantees: tuple[Guarantee, ...] = ()
    fees: tuple[Fee, ...] = ()
    waterfall: tuple[WaterfallStep, ...] = ()
    savings: tuple[Saving, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    termination: Termination | None = None
    """An early end of the service, if the contract (or a what-if copy of it) has one."""
    uncertainty: Uncertainty | None = None
    """How uncertain the scenario's rates are, for Monte Carlo simulation (``sibkit simulate``)."""
    provenance: dict[str, Provenance] = provenance_field()

    @format.validator
    def _known_format(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value != FORMAT_VERSION:
            raise FieldProblem(
                "format", f"this sibkit reads contract format {FORMAT_VERSION}, the file says {show(value)}"
            )

    def __attrs_post_init__(self) -> None:
        problems = contract_problems(self)
        if problems:
            raise ModelError(problems)

    # -- lookups used by the engine, checks and reports -------------------------------------------
    def metric(self, metric_id: str) -> Metric:
        """The metric with this id."""
        return next(m for m in self.metrics if m.id == metric_id)

    def provider(self, provider_id: str) -> Provider:
        """The provider with this id."""
        return next(p for p in self.providers if p.id == provider_id)

    def tranche(self, tranche_id: str) -> Tranche:
        """The tranche with this id."""
        return next(t for t in self.tranches if t.id == tranche_id)

    def scenario(self, name: str) -> Scenario:
        """The scenario with this name (``KeyError`` when absent)."""
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    def default_scenario(self) -> Scenario:
        """The ``base`` scenario, else the first, else one where every participant achieves every outcome
        (named ``all-outcomes``): what ``run``, ``explain`` and the checks use when no scenario is named."""
        for s in self.scenarios:
            if s.name == "base":
                return s
        if self.scenarios:
            return self.scenarios[0]
        return Scenario(
            name="all-outcomes",
            description="every participant achieves every outcome",
            outcomes=tuple(ScenarioOutcome(metric=m.id, rate=Decimal(1)) for m in self.metrics),
        )

    def rule_payers(self, rule: PaymentRule) -> tuple[tuple[str, Fraction], ...]:
        """``(payer id, exact share)`` pairs that pay this rule's payments."""
        if rule.paid_by:
            return tuple((s.payer, s.share) for s in rule.paid_by)
        if len(self.payers) == 1:
            return ((self.payers[0].id, Fraction(1)),)
        return tuple((p.id, p.share or Fraction(0)) for p in self.payers)

    def rule_providers(self, rule: PaymentRule) -> tuple[str, ...]:
        """Providers a rule applies to."""
        return rule.providers or tuple(p.id for p in self.providers)


def _dupes(items: list[tuple[str, str]]) -> Iterator[Problem]:
    seen = Counter(i for i, _ in items)
    reported: set[str] = set()
    for ident, path in items:
        if seen[ident] > 1 and ident not in reported:
            reported.add(ident)
            yield Problem(path, f"id {ident!r} is used {seen[ident]} times; ids must be unique")


def _walk_provenance(obj: Any, path: str) -> Iterator[tuple[str, Provenance]]:
    if attrs.has(type(obj)):
        for a in attrs.fields(type(obj)):
            value = getattr(obj, a.name)
            sub = f"{path}.{a.name}" if path else a.name
            if a.name == "provenance" and isinstance(value, dict):
                for key, prov in value.items():
                    yield f"{sub}.{key}", prov
            else:
                yield from _walk_provenance(value, sub)
    elif isinstance(value := obj, tuple):
        for i, item in enumerate(value):
            yield from _walk_provenance(item, f"{path}[{i}]")


def _uncertainty_problems(c: Contract, u: Uncertainty, scenario: Scenario) -> list[Problem]:
    """Each range must contain its expected rate and fit a Beta distribution around it."""
    out: list[Problem] = []
    segments: tuple[str | None, ...] = tuple(s.id for s in c.segments) or (None,)
    for j, o in enumerate(u.outcomes):
        path = f"uncertainty.outcomes[{j}]"
        providers = (o.provider,) if o.provider is not None else tuple(p.id for p in c.providers)
        for prov in providers:
            for seg in (o.segment,) if o.segment is not None else segments:
                line = scenario.line_for(o.metric, prov, seg)
                metric = next((m for m in c.metrics if m.id == o.metric), None)
                if o.mean is not None:
                    mean = o.mean
                elif line is not None and metric is not None:
                    mean = line.expected_rate(metric)
                else:
                    mean = Decimal(0)
                if not o.low <= mean <= o.high:
                    out.append(
                        Problem(
                            path,
                            f"the expected rate of {o.metric!r} for {prov!r} in scenario {scenario.name!r} is "
                            f"{percent(mean)}, outside low–high ({percent(o.low)}–{percent(o.high)})",
                        )
                    )
                    return out
                sd = (o.high - o.low) / Decimal("3.29")
                if sd > 0 and sd * sd >= mean * (1 - mean):
                    out.append(
                        Problem(
                            path,
                            f"the range {percent(o.low)}–{percent(o.high)} is too wide for a share around "
                            f"{percent(mean)}: narrow it, or move the expected rate towards 50%",
                        )
                    )
                    return out
    return out


def _pct(x: Decimal | Fraction) -> str:
    return percent(x)


def _ceil(x: Decimal) -> int:
    return int(-((-x) // 1))


def _enrolment_factor(c: Contract, provider: str) -> Decimal:
    """The most a provider's planned enrolment is scaled by: a scenario's factor, or the top of a Monte
    Carlo range (``sibkit simulate`` draws the factor from a normal curve clipped at mean + 8 sd)."""
    factor = Decimal(1)
    for sc in c.scenarios:
        for e in sc.enrolment:
            if e.provider == provider:
                factor = max(factor, e.factor)
    if c.uncertainty is not None:
        for u in c.uncertainty.enrolment:
            if u.provider == provider:
                factor = max(factor, (u.low + u.high) / 2 + 8 * (u.high - u.low) / Decimal("3.29"))
    return factor


def money_scale(c: Contract) -> list[tuple[int, str, str]]:
    """Upper bounds, in cents, of every kind of money the engine can move for ``c`` over the whole term.

    Each entry is ``(cents, path, what)``; their sum bounds every balance, running total and
    payment the engine forms (``sibkit.limits.MAX_SCALE_CENTS``). Counts are taken at their largest:
    a provider's participants at the larger of its plan and capacity, times its largest enrolment
    factor; units per participant at the largest a scenario gives; cohort improvements at
    ``MAX_SUCCESS`` times the largest a scenario gives; VAT at the contract's rate.
    """
    tl = c.timeline
    months = tl.term_months
    out: list[tuple[int, str, str]] = []
    people: dict[str, int] = {}
    for i, prov in enumerate(c.providers):
        n = _ceil(max(prov.enrolment.participants, prov.capacity) * _enrolment_factor(c, prov.id))
        people[prov.id] = n
        path = f"providers[{i}]"
        out.append(
            (prov.cost_per_participant * n, f"{path}.cost_per_participant", "cost per participant × participants")
        )
        out.append((prov.fixed_cost_monthly * months, f"{path}.fixed_cost_monthly", "fixed cost × months"))
        out.append((prov.other_income_monthly * months, f"{path}.other_income_monthly", "other income × months"))
        out.append((prov.buffer + prov.minimum_cash, f"{path}.buffer", "buffer and minimum cash"))
    units: dict[str, Decimal] = {}
    rates: dict[str, Decimal] = {}
    metrics = {m.id: m for m in c.metrics}
    for sc in c.scenarios:
        for o in sc.outcomes:
            units[o.metric] = max(units.get(o.metric, Decimal(1)), o.units or Decimal(1))
            rates[o.metric] = max(rates.get(o.metric, Decimal(1)), o.expected_rate(metrics[o.metric]))
    vat = 1 + c.vat_rate
    savings = {s.metric: s.amount_per_unit for s in c.savings}
    for i, rule in enumerate(c.rules):
        path = f"rules[{i}]"
        n = sum(people.get(p, 0) for p in c.rule_providers(rule))
        total = Decimal(0)
        if isinstance(rule, Tariff):
            price = max([int(rule.price_per_participant), *rule.segment_prices.values()])
            total = Decimal(price) * n
        elif isinstance(rule, RateCard):
            for entry in rule.entries:
                per = units.get(entry.metric, Decimal(1)) if entry.repeatable else Decimal(1)
                if entry.repeatable and entry.max_per_participant is not None:
                    per = min(per, Decimal(entry.max_per_participant))
                total += max([entry.price, *entry.segment_prices.values()]) * n * _ceil(per)
        elif isinstance(rule, PerTime):
            per = units.get(rule.metric, Decimal(1))
            if rule.max_units_per_participant is not None:
                per = min(per, Decimal(rule.max_units_per_participant))
            total = Decimal(rule.price_per_unit) * n * _ceil(per)
        elif isinstance(rule, ShareOfSavings):
            total = Decimal(savings.get(rule.metric, 0)) * n * _ceil(units.get(rule.metric, Decimal(1)))
        elif isinstance(rule, CohortThreshold):
            metric = metrics.get(rule.metric)
            baseline = metric.baseline if metric is not None and metric.baseline is not None else Decimal(0)
            cohorts = -(-tl.enrolment_months // rule.cohort_months)
            price = max([int(t.price_per_unit) for t in rule.tiers] + [int(rule.pooled_price_per_unit or 0)])
            improvement = baseline * n * rates.get(rule.metric, Decimal(1)) * MAX_SUCCESS
            total = Decimal(max(t.amount for t in rule.tiers)) * cohorts + _ceil(improvement) * price
        out.append((_ceil(total * vat), path, "its largest outcome payments"))
    for i, t in enumerate(c.tranches):
        path = f"tranches[{i}]"
        grows = Decimal(1)
        if isinstance(t, Loan):
            grows += t.coupon * months / 12
        if t.return_cap is not None and t.return_cap.irr is not None:
            # the return cap's hurdle balance grows at the capped IRR for the whole term
            years = Decimal(months) / 12
            hurdle = float(1 + t.return_cap.irr) ** float(years) if t.return_cap.irr else 1.0
            grows = max(grows, Decimal(min(hurdle, 1e30)))
        if t.return_cap is not None and t.return_cap.multiple is not None:
            grows = max(grows, t.return_cap.multiple)
        out.append((_ceil(t.commitment * grows), f"{path}.commitment", "commitment with its interest and return"))
    for i, g in enumerate(c.guarantees):
        out.append((g.amount, f"guarantees[{i}].amount", "guarantee"))
    for i, f in enumerate(c.fees):
        times = months if f.basis == "monthly" else 1
        out.append((f.amount * times, f"fees[{i}].amount", "fee"))
    for i, payer in enumerate(c.payers):
        committed = sum(k.commitment for k in payer.contributors)
        out.append((max(payer.budget or 0, committed), f"payers[{i}]", "budget and commitments"))
    for i, cap in enumerate(c.caps):
        out.append((cap.amount, f"caps[{i}].amount", "cap"))
    return out


def cells_per_scenario(c: Contract) -> int:
    """How many int64 cells one scenario needs in the engine's arrays (an estimate from above).

    Months × (providers × segments × (enrolled, achieved and units of every metric, costs) +
    payment lines × (by enrolment month per segment, due per payer, before and after a savings
    share) + the ledger's accounts).
    """
    months = c.timeline.term_months
    providers, segments, metrics = len(c.providers), max(1, len(c.segments)), len(c.metrics)
    lines = sum(len(r.metrics()) * len(c.rule_providers(r)) for r in c.rules)
    payers = len(c.payers) + sum(len(p.contributors) for p in c.payers)
    accounts = lines * payers + 8 * (len(c.tranches) + len(c.fees) + providers + payers + len(c.guarantees))
    per_month = providers * segments * (2 * metrics + 2) + lines * (2 * segments + 2 * payers + 2) + accounts
    return months * per_month


def _limit_problems(c: Contract) -> list[Problem]:
    """The contract as a whole must stay inside the engine's exact ranges (``sibkit.limits``)."""
    out: list[Problem] = []
    parts = money_scale(c)
    scale = sum(cents for cents, _, _ in parts)
    if scale > MAX_SCALE_CENTS:
        cents, path, what = max(parts)
        out.append(
            Problem(
                path,
                f"the money this contract can move adds up to as much as {format_eur(scale)}, more than the "
                f"{format_eur(MAX_SCALE_CENTS)} sibkit computes exactly; the largest part is here: {what}, "
                f"up to {format_eur(cents)}",
            )
        )
    cells = cells_per_scenario(c)
    if cells > MAX_CELLS_PER_SCENARIO:
        out.append(
            Problem(
                "",
                f"one scenario of this contract needs about {cells:,} numbers in memory ({cells * 8 // 10**6:,} MB), "
                f"more than the {MAX_CELLS_PER_SCENARIO:,} sibkit supports: fewer months, providers, segments, "
                "metrics, rules or payers",
            )
        )
    return out


def contract_problems(c: Contract) -> list[Problem]:
    """Every cross-reference and consistency problem of a contract, each with its path."""
    p: list[Problem] = []

    # every text (the loader checks them as it reads a file; this catches a contract built in Python)
    p += [Problem(path, why) for path, why in text_problems(c)]

    # unique identifiers
    parties: list[tuple[str, str]] = []
    for i, payer in enumerate(c.payers):
        parties.append((payer.id, f"payers[{i}].id"))
        parties.extend((k.id, f"payers[{i}].contributors[{j}].id") for j, k in enumerate(payer.contributors))
    parties += [(x.id, f"providers[{i}].id") for i, x in enumerate(c.providers)]
    parties += [(x.id, f"investors[{i}].id") for i, x in enumerate(c.investors)]
    parties += [(x.id, f"intermediaries[{i}].id") for i, x in enumerate(c.intermediaries)]
    parties += [(x.id, f"evaluators[{i}].id") for i, x in enumerate(c.evaluators)]
    p += _dupes(parties)
    p += _dupes([(x.id, f"metrics[{i}].id") for i, x in enumerate(c.metrics)])
    p += _dupes([(x.id, f"rules[{i}].id") for i, x in enumerate(c.rules)])
    p += _dupes([(x.id, f"tranches[{i}].id") for i, x in enumerate(c.tranches)])
    p += _dupes([(x.id, f"guarantees[{i}].id") for i, x in enumerate(c.guarantees)])
    p += _dupes([(x.id, f"fees[{i}].id") for i, x in enumerate(c.fees)])
    p += _dupes([(x.id, f"segments[{i}].id") for i, x in enumerate(c.segments)])
    p += _dupes([(x.id, f"sources[{i}].id") for i, x in enumerate(c.sources)])
    p += _dupes([(x.name, f"scenarios[{i}].name") for i, x in enumerate(c.scenarios)])

    party_ids = {i for i, _ in parties}
    payer_ids = {x.id for x in c.payers}
    provider_ids = {x.id for x in c.providers}
    metric_ids = {m.id for m in c.metrics}
    metrics = {m.id: m for m in c.metrics}
    segment_ids = {s.id for s in c.segments}
    tranche_ids = {t.id for t in c.tranches}
    fee_ids = {f.id for f in c.fees}
    source_ids = {s.id for s in c.sources}

    def ref(kind: str, value: str, known: set[str], path: str) -> None:
        if value not in known:
            expected = ", ".join(repr(k) for k in sorted(known)) or "none defined"
            hint = did_you_mean(value, known)
            sep = f"{hint} " if hint else "; "
            p.append(Problem(path, f"unknown {kind} {value!r}{sep}expected one of: {expected}"))

    # payers
    shares = [x.share for x in c.payers]
    if len(c.payers) > 1 and any(s is not None for s in shares):
        if any(s is None for s in shares):
            p.append(Problem("payers", "either every payer has a 'share' or none has"))
        else:
            given = [s for s in shares if s is not None]
            payer_total = sum(given, Fraction(0))
            if payer_total != 1:
                p.append(Problem("payers", f"payer shares sum to {_pct(payer_total)}, expected 100%"))
            elif problem := shares_common_denominator(given, "the payer shares"):
                p.append(Problem("payers", problem))
    payers_have_shares = len(c.payers) == 1 or all(s is not None for s in shares)
    for i, payer in enumerate(c.payers):
        committed = sum(k.commitment for k in payer.contributors)
        if payer.contributors and payer.budget is not None and payer.budget > committed:
            p.append(
                Problem(
                    f"payers[{i}].budget",
                    f"the fund's budget ({format_eur(payer.budget)}) is more than its contributors commit "
                    f"({format_eur(committed)})",
                )
            )

    # timeline-dependent provider checks
    tl = c.timeline
    for i, prov in enumerate(c.providers):
        path = f"providers[{i}]"
        plan = prov.enrolment.per_month()
        if len(plan) > tl.enrolment_months and any(plan[tl.enrolment_months :]):
            p.append(
                Problem(
                    f"{path}.enrolment",
                    f"enrolment runs to month {len(plan) - 1}, after the enrolment window "
                    f"(months 0–{tl.enrolment_months - 1})",
                )
            )
        if prov.enrolment.participants > prov.capacity:
            p.append(
                Problem(
                    f"{path}.enrolment",
                    f"plans {prov.enrolment.participants} participants, more than the capacity of {prov.capacity}",
                )
            )
        total = sum(prov.cost_profile, Decimal(0))
        if total != 1 or any(s < 0 for s in prov.cost_profile):
            p.append(Problem(f"{path}.cost_profile", f"cost profile sums to {_pct(total)}, expected 100%"))
        if c.segments and not prov.segment_mix:
            p.append(Problem(f"{path}.segment_mix", "the contract has difficulty segments; give this provider's mix"))
        for j, mix in enumerate(prov.segment_mix):
            ref("segment", mix.segment, segment_ids, f"{path}.segment_mix[{j}].segment")
        if prov.segment_mix:
            mix_total = sum((m.share for m in prov.segment_mix), Fraction(0))
            if mix_total != 1:
                p.append(Problem(f"{path}.segment_mix", f"segment shares sum to {_pct(mix_total)}, expected 100%"))
            elif problem := shares_common_denominator([m.share for m in prov.segment_mix], "the segment shares"):
                p.append(Problem(f"{path}.segment_mix", problem))
        if not prov.prefinances_own_costs and not c.tranches:
            p.append(
                Problem(
                    f"{path}.prefinances_own_costs",
                    "the provider does not pre-finance its costs, but the contract has no tranches to fund them",
                )
            )

    # metrics
    for i, m in enumerate(c.metrics):
        path = f"metrics[{i}]"
        if m.measured_by is not None and m.measured_by != "providers":
            ref("party", m.measured_by, party_ids | {"providers"}, f"{path}.measured_by")
        for j, r in enumerate(m.requires):
            ref("metric", r, metric_ids, f"{path}.requires[{j}]")
        if m.kind == "cohort_change" and m.baseline is None:
            p.append(Problem(f"{path}.baseline", "a cohort_change metric needs 'baseline': the counterfactual level"))

    # rules
    paid_metrics: set[str] = set()
    for i, rule in enumerate(c.rules):
        path = f"rules[{i}]"
        for j, prov_id in enumerate(rule.providers):
            ref("provider", prov_id, provider_ids, f"{path}.providers[{j}]")
        for j, share in enumerate(rule.paid_by):
            ref("payer", share.payer, payer_ids, f"{path}.paid_by[{j}].payer")
        if not rule.paid_by and not payers_have_shares:
            p.append(
                Problem(
                    f"{path}.paid_by",
                    f"rule {rule.id!r} names no payer and the payers have no fixed shares: nobody pays for it",
                )
            )
        if isinstance(rule, Tariff):
            for j, comp in enumerate(rule.components):
                ref("metric", comp.metric, metric_ids, f"{path}.components[{j}].metric")
            for seg in rule.segment_prices:
                ref("segment", seg, segment_ids, f"{path}.segment_prices.{seg}")
        elif isinstance(rule, RateCard):
            for j, entry in enumerate(rule.entries):
                ref("metric", entry.metric, metric_ids, f"{path}.entries[{j}].metric")
                for seg in entry.segment_prices:
                    ref("segment", seg, segment_ids, f"{path}.entries[{j}].segment_prices.{seg}")
                if not entry.repeatable and entry.max_per_participant not in (None, 1):
                    p.append(
                        Problem(
                            f"{path}.entries[{j}].max_per_participant",
                            "a once-per-person outcome is paid at most once; set repeatable = true",
                        )
                    )
        else:
            ref("metric", rule.metric, metric_ids, f"{path}.metric")
        for metric_id in rule.metrics():
            paid_metrics.add(metric_id)
            m_obj = metrics.get(metric_id)
            if m_obj is None:
                continue
            if isinstance(rule, CohortThreshold) and m_obj.kind != "cohort_change":
                p.append(
                    Problem(
                        f"{path}.metric",
                        f"a cohort_threshold rule needs a cohort_change metric, {metric_id!r} is {m_obj.kind}",
                    )
                )
            if isinstance(rule, PerTime) and m_obj.kind != "duration":
                p.append(
                    Problem(f"{path}.metric", f"a per_time rule needs a duration metric, {metric_id!r} is {m_obj.kind}")
                )
            if isinstance(rule, (Tariff, RateCard)) and m_obj.kind == "cohort_change":
                p.append(
                    Problem(path, f"metric {metric_id!r} is measured for a cohort; pay it with a cohort_threshold rule")
                )
            if isinstance(rule, ShareOfSavings) and not any(s.metric == metric_id for s in c.savings):
                p.append(
                    Problem(f"{path}.metric", f"share_of_savings needs a 'savings' entry for metric {metric_id!r}")
                )

    # milestone chains must not loop
    graph = {m.id: set(m.requires) for m in c.metrics}
    for i, m in enumerate(c.metrics):
        seen: set[str] = set()
        stack = list(graph[m.id])
        while stack:
            nxt = stack.pop()
            if nxt == m.id:
                p.append(
                    Problem(f"metrics[{i}].requires", f"metric {m.id!r} requires itself through a chain of metrics")
                )
                break
            if nxt in seen or nxt not in graph:
                continue
            seen.add(nxt)
            stack.extend(graph[nxt])

    required = {r for m in c.metrics for r in m.requires}
    for i, m in enumerate(c.metrics):
        if m.id not in paid_metrics and m.id not in required:
            p.append(Problem(f"metrics[{i}]", f"no payment rule pays for metric {m.id!r}"))

    # caps
    for i, cap in enumerate(c.caps):
        if cap.level == "metric" and cap.target is not None:
            ref("metric", cap.target, metric_ids, f"caps[{i}].target")
        elif cap.level == "metric":
            for j, metric in enumerate(cap.metrics):
                ref("metric", metric, metric_ids, f"caps[{i}].metrics[{j}]")
        elif cap.level == "provider" and cap.target is not None:
            ref("provider", cap.target, provider_ids, f"caps[{i}].target")
        elif cap.level == "payer" and cap.target is not None:
            ref("payer", cap.target, payer_ids, f"caps[{i}].target")

    # capital
    for i, t in enumerate(c.tranches):
        path = f"tranches[{i}]"
        ref("investor", t.investor, party_ids, f"{path}.investor")
        if isinstance(t, Grant) and t.return_cap is not None:
            p.append(Problem(f"{path}.return_cap", "a plain grant is never repaid, so it takes no return cap"))
        for j, metric_id in enumerate(t.metrics):
            ref("metric", metric_id, metric_ids, f"{path}.metrics[{j}]")
        if t.drawdown.start_month >= tl.service_months:
            p.append(Problem(f"{path}.drawdown.start_month", "capital is drawn after the service term has ended"))
        if sum(t.drawdown.amounts) > t.commitment:
            p.append(Problem(f"{path}.drawdown.amounts", "scheduled drawdowns exceed the commitment"))
    for i, g in enumerate(c.guarantees):
        ref("guarantor", g.guarantor, party_ids, f"guarantees[{i}].guarantor")
        for j, t_id in enumerate(g.covers):
            ref("tranche", t_id, tranche_ids, f"guarantees[{i}].covers[{j}]")
    for i, fee in enumerate(c.fees):
        ref("party", fee.payee, party_ids, f"fees[{i}].payee")
        if fee.payer is not None:
            ref("payer", fee.payer, payer_ids, f"fees[{i}].payer")
        if fee.paid_from == "capital" and not c.tranches:
            p.append(Problem(f"fees[{i}].paid_from", "fee is paid from capital, but the contract has no tranches"))

    # priority of payments
    in_steps: dict[str, set[str]] = {"fees": set(), "principal": set()}
    for i, step in enumerate(c.waterfall):
        path = f"waterfall[{i}]"
        if isinstance(step, FeesStep):
            for j, f_id in enumerate(step.fees):
                ref("fee", f_id, fee_ids, f"{path}.fees[{j}]")
                in_steps["fees"].add(f_id)
        elif isinstance(step, (InterestStep, PrincipalStep, ReturnStep)):
            for j, t_id in enumerate(step.tranches):
                ref("tranche", t_id, tranche_ids, f"{path}.tranches[{j}]")
                tranche = next((t for t in c.tranches if t.id == t_id), None)
                if isinstance(step, InterestStep) and tranche is not None and not isinstance(tranche, Loan):
                    p.append(Problem(f"{path}.tranches[{j}]", f"only loans carry interest; {t_id!r} is not a loan"))
                if isinstance(step, ReturnStep) and tranche is not None and tranche.return_cap is None:
                    p.append(
                        Problem(
                            f"{path}.tranches[{j}]",
                            f"a 'return' step pays up to a return cap; tranche {t_id!r} has no return_cap",
                        )
                    )
                if isinstance(tranche, Grant):
                    p.append(Problem(f"{path}.tranches[{j}]", f"{t_id!r} is a plain grant: it is never repaid"))
            if isinstance(step, PrincipalStep):
                in_steps["principal"].update(step.tranches)
        elif isinstance(step, ResidualStep):
            known = tranche_ids | provider_ids | payer_ids | {"revolving_fund"}
            for j, residual in enumerate(step.shares):
                ref("residual party", residual.party, known, f"{path}.shares[{j}].party")
    for i, fee in enumerate(c.fees):
        if fee.paid_from == "outcome_payments" and fee.id not in in_steps["fees"]:
            p.append(Problem(f"fees[{i}]", f"fee {fee.id!r} is paid from outcome payments but no 'fees' step pays it"))
    for i, t in enumerate(c.tranches):
        if not isinstance(t, Grant) and t.id not in in_steps["principal"]:
            p.append(Problem(f"tranches[{i}]", f"tranche {t.id!r} is never repaid: no 'principal' step names it"))

    # savings
    for i, s in enumerate(c.savings):
        ref("metric", s.metric, metric_ids, f"savings[{i}].metric")

    # scenarios
    for i, sc in enumerate(c.scenarios):
        for j, o in enumerate(sc.outcomes):
            path = f"scenarios[{i}].outcomes[{j}]"
            ref("metric", o.metric, metric_ids, f"{path}.metric")
            if o.provider is not None:
                ref("provider", o.provider, provider_ids, f"{path}.provider")
            if o.segment is not None:
                ref("segment", o.segment, segment_ids, f"{path}.segment")
            kind = metrics[o.metric].kind if o.metric in metrics else None
            if kind != "cohort_change" and o.rate is not None and o.rate > 1:
                p.append(Problem(f"{path}.rate", f"expected a share of participants between 0 and 1, got {o.rate}"))
            if kind is not None and kind != "cohort_change" and o.treatment is not None:
                p.append(
                    Problem(
                        f"{path}.treatment",
                        f"treatment and comparison levels are only for a cohort_change metric, and {o.metric!r} "
                        f"is of kind {kind!r}: give 'rate', the share of participants who achieve it",
                    )
                )
        for j, e in enumerate(sc.enrolment):
            ref("provider", e.provider, provider_ids, f"scenarios[{i}].enrolment[{j}].provider")

    if c.termination is not None and c.termination.month >= tl.term_months:
        p.append(Problem("termination.month", f"the termination month ({c.termination.month}) is after the term"))
    for i, rule in enumerate(c.rules):
        if isinstance(rule, CohortThreshold):
            cohorts = -(-tl.enrolment_months // rule.cohort_months)
            for j, number in enumerate(rule.cancelled_cohorts):
                if not 0 <= number < cohorts:
                    p.append(
                        Problem(
                            f"rules[{i}].cancelled_cohorts[{j}]",
                            f"there are {cohorts} cohorts, numbered 0 to {cohorts - 1}; got {number}",
                        )
                    )

    # uncertainty
    if c.uncertainty is not None:
        u = c.uncertainty
        names = {s.name for s in c.scenarios}
        if u.scenario not in names:
            ref("scenario", u.scenario, names, "uncertainty.scenario")
        for j, spread in enumerate(u.outcomes):
            path = f"uncertainty.outcomes[{j}]"
            ref("metric", spread.metric, metric_ids, f"{path}.metric")
            if spread.provider is not None:
                ref("provider", spread.provider, provider_ids, f"{path}.provider")
            if spread.segment is not None:
                ref("segment", spread.segment, segment_ids, f"{path}.segment")
        for j, factor in enumerate(u.enrolment):
            ref("provider", factor.provider, provider_ids, f"uncertainty.enrolment[{j}].provider")
        if u.scenario in names:
            p += _uncertainty_problems(c, u, c.scenario(u.scenario))

    # provenance
    for path, provenance in _walk_provenance(c, ""):
        if provenance.source is not None:
            ref("source", provenance.source, source_ids, f"{path}.source")

    # the ranges the engine computes exactly in (only for a contract whose references hold)
    if not p:
        p += _limit_problems(c)
    return p
