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
from typing import Any, Literal

import attrs

from sibkit.errors import FieldProblem, ModelError, Problem, did_you_mean, show
from sibkit.model.capital import Fee, Grant, Guarantee, Loan, Tranche
from sibkit.model.common import (
    Prose,
    Provenance,
    Source,
    fraction_in_unit,
    non_negative_int,
    optional,
    percent,
    positive_int,
    provenance_field,
    text_problems,
)
from sibkit.model.outcomes import Metric, Saving, Segment
from sibkit.model.parties import Evaluator, Intermediary, Investor, OutcomePayer, Provider
from sibkit.model.rules import Cap, CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.model.scenario import Scenario
from sibkit.model.uncertainty import Uncertainty
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep, ReturnStep, WaterfallStep
from sibkit.money import format_eur

__all__ = ["Contract", "Population", "Termination", "Timeline", "contract_problems"]

FORMAT_VERSION = 1
"""The contract file format version this sibkit writes and reads."""


@attrs.frozen(kw_only=True)
class Timeline:
    """The contract's clock. All months count from ``start`` (month 0)."""

    start: dt.date
    """First day of service (the first month of the monthly grid)."""
    enrolment_months: int = attrs.field(validator=positive_int)
    """Months during which participants may enrol."""
    service_months: int = attrs.field(validator=positive_int)
    """Months of service delivery (at least the enrolment window)."""
    term_months: int = attrs.field(validator=positive_int)
    """Months until the contract ends and is settled (at least the service term)."""
    payment_frequency: Literal["monthly", "quarterly", "semiannual", "annual", "end"] = "quarterly"
    """How often verified outcomes are invoiced and paid."""
    signing: dt.date | None = None
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

    @property
    def end(self) -> dt.date:
        """First day after the last month of the term."""
        months = self.start.month - 1 + self.term_months
        return dt.date(self.start.year + months // 12, months % 12 + 1, 1)


@attrs.frozen(kw_only=True)
class Termination:
    """An early end of the service (Rikers ABLE ended after three years on its interim evaluation)."""

    month: int = attrs.field(validator=non_negative_int)
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
    minimum_participants: int | None = attrs.field(default=None, validator=optional(non_negative_int))
    """Fewest referrals the payer commits to (a GO Lab hurdle for providers); informs the term sheet."""
    maximum_participants: int | None = attrs.field(default=None, validator=optional(non_negative_int))
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
    currency: Literal["EUR", "GBP", "USD", "INR"] = "EUR"
    """Currency of every amount; amounts are in cents of it."""
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

    def rule_payers(self, rule: PaymentRule) -> tuple[tuple[str, Decimal], ...]:
        """``(payer id, share)`` pairs that pay this rule's payments."""
        if rule.paid_by:
            return tuple((s.payer, s.share) for s in rule.paid_by)
        if len(self.payers) == 1:
            return ((self.payers[0].id, Decimal(1)),)
        return tuple((p.id, p.share or Decimal(0)) for p in self.payers)

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
                mean = o.mean if o.mean is not None else (line.rate if line is not None else Decimal(0))
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


def _pct(x: Decimal) -> str:
    return percent(x)


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
            total = sum((s for s in shares if s is not None), Decimal(0))
            if total != 1:
                p.append(Problem("payers", f"payer shares sum to {_pct(total)}, expected 100%"))
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
            total = sum((m.share for m in prov.segment_mix), Decimal(0))
            if total != 1:
                p.append(Problem(f"{path}.segment_mix", f"segment shares sum to {_pct(total)}, expected 100%"))
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
            if kind != "cohort_change" and o.rate > 1:
                p.append(Problem(f"{path}.rate", f"expected a share of participants between 0 and 1, got {o.rate}"))
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
    return p
