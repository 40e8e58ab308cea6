"""The contract: every party, outcome, rule and tranche, checked as a whole.

Field-level rules live on each class. The rules that need the whole contract
(references between parts, shares across parts, timing against the timeline)
are checked by the validations of ``sibkit.model.validation`` (``contract_problems``), which
report every problem at once with its path; ``Contract`` refuses to exist while any remain.
``money_scale`` and ``cells_per_scenario`` (``sibkit.model.scale``) are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import attrs

from sibkit.errors import FieldProblem, ModelError, show
from sibkit.facts import N_, Count
from sibkit.model.capital import Fee, Guarantee, Tranche
from sibkit.model.common import (
    Prose,
    Provenance,
    Source,
    Text,
    annual_rate,
    date_in_range,
    fraction_in_unit,
    month_count,
    month_number,
    optional,
    participants,
    provenance_field,
    valid_currency,
)
from sibkit.model.outcomes import Metric, Saving, Segment
from sibkit.model.parties import Budget, Evaluator, Intermediary, Investor, OutcomePayer, Party, Provider
from sibkit.model.rules import Cap, PaymentRule
from sibkit.model.scale import cells_per_scenario, money_scale
from sibkit.model.scenario import Scenario, ScenarioOutcome
from sibkit.model.uncertainty import Uncertainty
from sibkit.model.validation import contract_problems
from sibkit.model.waterfall import WaterfallStep
from sibkit.texts import text_in

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
    fiscal_year_start: int = attrs.field(default=1)
    """The calendar month (1–12) a budget year starts in: 1 (January) for Dutch municipalities, whose
    budget year is the calendar year; 4 for a budget year from April to March."""
    provenance: dict[str, Provenance] = provenance_field()

    @fiscal_year_start.validator
    def _a_month_of_the_year(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 12:
            raise FieldProblem.of(
                "fiscal_year_start", N_("expected a month of the year from 1 to 12, got %(got)s"), got=show(value)
            )

    def budget_year(self, month: int) -> int:
        """The budget year of contract month ``month`` (0-based), named by the calendar year it starts in:
        with ``fiscal_year_start = 4``, April 2025 to March 2026 is budget year 2025."""
        day = self.month_start(month)
        return day.year if day.month >= self.fiscal_year_start else day.year - 1

    def __attrs_post_init__(self) -> None:
        if self.service_months < self.enrolment_months:
            raise FieldProblem.of(
                "service_months",
                N_("the service term (%(service)s months) is shorter than the enrolment window (%(enrolment)s months)"),
                service=Count(self.service_months),
                enrolment=Count(self.enrolment_months),
            )
        if self.term_months < self.service_months:
            raise FieldProblem.of(
                "term_months",
                N_("the contract term (%(term)s months) is shorter than the service term (%(service)s months)"),
                term=Count(self.term_months),
                service=Count(self.service_months),
            )
        if self.signing is not None and self.signing > self.start:
            raise FieldProblem.of(
                "signing",
                N_("signing date %(signing)s is after the start %(start)s"),
                signing=self.signing.isoformat(),
                start=self.start.isoformat(),
            )

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
    eligibility: tuple[Text, ...] = ()
    """Eligibility criteria, one per line."""
    referred_by: Text = ""
    """Who refers participants (a payer's team, the providers themselves, a court)."""
    minimum_participants: int | None = attrs.field(default=None, validator=optional(participants))
    """Fewest referrals the payer commits to (a GO Lab hurdle for providers); informs the term sheet."""
    maximum_participants: int | None = attrs.field(default=None, validator=optional(participants))
    """Most participants the contract will pay for; informs the term sheet and the volume check."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        low, high = self.minimum_participants, self.maximum_participants
        if low is not None and high is not None and low > high:
            raise FieldProblem.of(
                "minimum_participants",
                N_("the minimum (%(low)s) is above the maximum (%(high)s)"),
                low=str(low),
                high=str(high),
            )


@attrs.frozen(kw_only=True)
class Contract:
    """An outcome-based contract: a SIB, a pay-for-success contract or an outcomes-fund agreement."""

    format: int = attrs.field(default=FORMAT_VERSION)
    """File format version; this sibkit reads version 1."""
    name: Text
    status: Literal["draft", "indicative", "agreed", "signed", "historical"] = "draft"
    """Where the contract stands: ``draft`` (being designed), ``indicative`` (non-binding terms),
    ``agreed`` (terms agreed, not yet signed), ``signed``, or ``historical`` (a past deal
    reconstructed for learning)."""
    version: Text = "1"
    description: Prose = ""
    purpose: Prose = ""
    """The social challenge and the intervention's theory of change."""
    currency: str = attrs.field(default="EUR", validator=valid_currency)
    """ISO 4217 code of the currency of every amount (any code Babel knows: EUR, GBP, USD, JPY, KWD,
    ...); amounts are integers of its minor unit (cents of EUR, yen of JPY, fils of KWD: 10^-d of the
    unit, d = ``sibkit.money.currency_decimals``). In a file amounts are written in units with at most
    d decimals; the loader reads them in this currency (``sibkit.money.amounts_in``). In Python they are
    given as those integers already, so no amount depends on the currency being known when it is built."""
    governing_law: Text = ""
    discount_rate: Decimal = attrs.field(default=Decimal("0.0225"), validator=annual_rate)
    """Annual rate at which accounts are discounted to present values at the contract start: by default the
    Dutch standard discount rate for social cost-benefit analyses (MKBA), 2.25% a year (real), set by the
    cabinet from 1 January 2021 on the advice of the Werkgroep discontovoet 2020."""
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
    parties: tuple[Party, ...] = ()
    """Other parties: guarantors and owners of budgets that savings land in (who may sign nothing)."""
    budgets: tuple[Budget, ...] = ()
    """Budgets that savings land in, each with its owner (``[[savings]] budget`` names one by id)."""
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
            raise FieldProblem.of(
                "format",
                N_("this sibkit reads contract format %(version)s, the file says %(given)s"),
                version=str(FORMAT_VERSION),
                given=show(value),
            )

    def __attrs_post_init__(self) -> None:
        problems = contract_problems(self)
        if problems:
            raise ModelError(problems)

    # -- lookups used by the engine, checks and reports -------------------------------------------
    @property
    def lines_by_segment(self) -> bool:
        """Whether the engine keeps a payment line per difficulty segment: only a segment cap on money needs it
        (it covers its segment's lines); a segment cap counting ``participants`` acts on prices instead."""
        return any(c.level == "segment" and c.amount is not None for c in self.caps)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """The contract in one line for Hypothesis's falsifying examples (and IPython): a failing property
        over the user's own contract otherwise prints its whole repr, hundreds of lines, after the readable
        counterexample. ``repr()`` itself stays complete."""
        p.text(
            f"Contract(name={text_in(self.name, 'en')!r}, {len(self.payers)} payer(s), "
            f"{len(self.providers)} provider(s), {len(self.metrics)} metric(s), {len(self.tranches)} tranche(s))"
        )

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
