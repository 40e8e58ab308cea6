"""The parties of an outcome contract: outcome payers, providers, investors, intermediaries, evaluators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import attrs

from sibkit.errors import FieldProblem
from sibkit.facts import N_, Count
from sibkit.limits import MAX_MONTHS, MAX_PARTICIPANTS
from sibkit.model.common import (
    Prose,
    Provenance,
    Share,
    Text,
    annual_rate,
    money_amount,
    month_count,
    month_number,
    optional,
    participants,
    positive_participants,
    provenance_field,
    share_in_unit,
    to_share,
    valid_id,
    year_number,
)
from sibkit.money import Cents
from sibkit.texts import Texts

__all__ = [
    "Appropriation",
    "Budget",
    "BudgetKind",
    "Contributor",
    "EnrolmentPlan",
    "Evaluator",
    "Intermediary",
    "Investor",
    "OutcomePayer",
    "Party",
    "PayerKind",
    "Provider",
    "SegmentShare",
]

PayerKind = Literal[
    "municipality",
    "regional_government",
    "national_government",
    "health_insurer",
    "philanthropy",
    "outcomes_fund",
    "company",
    "other",
]
"""What kind of organisation pays for outcomes (or contributes to an outcomes fund)."""


@attrs.frozen(kw_only=True)
class Appropriation:
    """What a payer (or a fund contributor) has appropriated for the contract in one budget year: the council's
    decision that caps what its budget pays that year (``Timeline.fiscal_year_start`` says when a year begins)."""

    year: int = attrs.field(validator=year_number)
    """The budget year, named by the calendar year it starts in."""
    amount: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) appropriated for that year."""


def _unique_years(instance: object, attribute: attrs.Attribute[Any], value: tuple[Appropriation, ...]) -> None:
    years = [a.year for a in value]
    if len(set(years)) != len(years):
        twice = next(y for y in years if years.count(y) > 1)
        raise FieldProblem.of(attribute.name, N_("the year %(year)s is given twice"), year=str(twice))


@attrs.frozen(kw_only=True)
class Contributor:
    """An organisation that puts money into a pooled outcomes fund."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    kind: PayerKind = "other"
    commitment: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) the contributor commits to the fund; outcome payments are charged to
    contributors in proportion to their commitments (largest remainder)."""
    appropriations: tuple[Appropriation, ...] = attrs.field(default=(), validator=_unique_years)
    """What the contributor has appropriated per budget year for its part (the appropriation check compares)."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class OutcomePayer:
    """A party that pays for measured outcomes: a municipality, a ministry, a fund.

    A pooled outcomes fund (*resultatenfonds*) is a payer with ``contributors``:
    the fund pays, the contributors fund it.
    """

    id: str = attrs.field(validator=valid_id)
    name: Text
    kind: PayerKind = "other"
    share: Share | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_share), validator=optional(share_in_unit)
    )
    """Exact fixed share (0–1; ``0.25``, ``"25%"`` or ``"1/4"`` in a file) of every outcome payment whose
    rule does not name its payers.
    Either every payer has a share (summing to 100%) or none has."""
    budget: Cents | None = attrs.field(default=None, validator=optional(money_amount))
    """Cents (contract currency) the payer has committed at most over the contract (a payer-level cap
    is written in ``caps``; this is the budget the payer reserved, used to warn on overrun)."""
    borrowing_rate: Decimal | None = attrs.field(default=None, validator=optional(annual_rate))
    """The payer's own annual cost of borrowing (e.g. 0.03 for 3% a year), to compare
    investor returns against."""
    contributors: tuple[Contributor, ...] = ()
    """For a pooled outcomes fund: who puts money in."""
    appropriations: tuple[Appropriation, ...] = attrs.field(default=(), validator=_unique_years)
    """What the payer has appropriated per budget year (the appropriation check compares each year's payments)."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class SegmentShare:
    """The share of a provider's participants in one difficulty segment."""

    segment: str
    share: Share = attrs.field(converter=to_share, validator=share_in_unit)
    """Exact share (0–1) of the provider's participants: ``0.25``, ``"25%"`` or ``"1/4"`` in a file."""


@attrs.frozen(kw_only=True)
class EnrolmentPlan:
    """When a provider's participants start.

    Either ``monthly`` lists the starts per month from ``start_month``, or
    ``total`` participants are spread evenly over ``months`` months from
    ``start_month`` (largest remainder, earlier months first).
    """

    start_month: int = attrs.field(default=0, validator=month_number)
    """Month (from the contract start, 0-based) of the first enrolment."""
    total: int | None = attrs.field(default=None, validator=optional(participants))
    """Participants in all, spread evenly over ``months``."""
    months: int | None = attrs.field(default=None, validator=optional(month_count))
    """Length of the even spread, in months."""
    monthly: tuple[int, ...] | None = None
    """Explicit starts per month, from ``start_month``."""

    def __attrs_post_init__(self) -> None:
        if self.monthly is not None:
            if self.total is not None or self.months is not None:
                raise FieldProblem.of("monthly", N_("give either 'monthly' or 'total' with 'months', not both"))
            if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in self.monthly):
                raise FieldProblem.of("monthly", N_("expected whole numbers of participants of at least 0"))
            if len(self.monthly) > MAX_MONTHS:
                raise FieldProblem.of(
                    "monthly",
                    N_("expected at most %(most)s months of starts, got %(got)s"),
                    most=Count(MAX_MONTHS),
                    got=str(len(self.monthly)),
                )
            if any(n > MAX_PARTICIPANTS for n in self.monthly):
                raise FieldProblem.of(
                    "monthly", N_("expected at most %(most)s participants in a month"), most=Count(MAX_PARTICIPANTS)
                )
        elif self.total is None or self.months is None:
            raise FieldProblem.of("total", N_("give either 'monthly' or both 'total' and 'months'"))

    def per_month(self) -> tuple[int, ...]:
        """Starts per month from month 0 (leading zeros before ``start_month``)."""
        if self.monthly is not None:
            counts = self.monthly
        else:
            assert self.total is not None and self.months is not None
            base, extra = divmod(self.total, self.months)
            counts = tuple(base + (1 if i < extra else 0) for i in range(self.months))
        return (0,) * self.start_month + tuple(counts)

    @property
    def participants(self) -> int:
        """Participants enrolled over the whole plan."""
        return sum(self.per_month())


@attrs.frozen(kw_only=True)
class Provider:
    """An organisation that delivers the service to participants.

    Its cost is ``cost_per_participant`` spread over the trajectory by
    ``cost_profile`` (shares per month from the month of enrolment) plus
    ``fixed_cost_monthly`` over the service term.
    """

    id: str = attrs.field(validator=valid_id)
    name: Text
    description: Prose = ""
    capacity: int = attrs.field(validator=positive_participants)
    """Most participants the provider can take on over the contract."""
    enrolment: EnrolmentPlan
    cost_per_participant: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) the provider spends per participant over the whole trajectory."""
    cost_profile: tuple[Decimal, ...] = (Decimal(1),)
    """Share of ``cost_per_participant`` spent in each month from enrolment (sums to 100%)."""
    fixed_cost_monthly: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency) of overhead per month of the service term, whatever the enrolment."""
    other_income_monthly: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency) a month from other sources (subsidies, volunteers valued in cash)."""
    buffer: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency) of cash reserves at the start: the financial buffer that absorbs
    payment in arrears."""
    minimum_cash: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency) the provider must keep to operate safely; months below it count as stress."""
    prefinances_own_costs: bool = True
    """True: the provider pays its own costs and waits for outcome payments.
    False: investors' capital pays the provider's costs as they fall due."""
    segment_mix: tuple[SegmentShare, ...] = ()
    """Share of this provider's participants per difficulty segment (sums to 100%)."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class Investor:
    """A party that provides capital (a bank, a foundation, crowd investors, a provider itself)."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    kind: Literal[
        "bank",
        "foundation",
        "impact_fund",
        "crowd",
        "provider",
        "intermediary",
        "government",
        "health_insurer",
        "other",
    ] = "other"


@attrs.frozen(kw_only=True)
class Party:
    """A party that is neither a payer, a provider, an investor, an intermediary nor an evaluator, yet moves
    money or receives value: a **guarantor** (a province, a foundation guaranteeing a loan) or the **owner of a
    budget** that savings land in (the health insurer, a ministry), which may not sign the contract at all."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    kind: PayerKind = "other"
    """What kind of organisation it is (the same kinds as payers)."""
    description: Prose = ""
    provenance: dict[str, Provenance] = provenance_field()


BudgetKind = Literal[
    "participatiewet",
    "wmo",
    "jeugdwet",
    "zvw",
    "wlz",
    "schuldhulpverlening",
    "ww",
    "wia",
    "justice",
    "education",
    "housing",
    "other",
]
"""The kind of a budget, after the Dutch law or policy area that funds it: ``participatiewet`` (welfare,
*bijstand*), ``wmo`` (social support), ``jeugdwet`` (youth care), ``zvw`` (health insurance), ``wlz``
(long-term care), ``schuldhulpverlening`` (debt assistance), ``ww`` (unemployment insurance), ``wia``
(disability insurance), ``justice``, ``education``, ``housing`` or ``other``."""


@attrs.frozen(kw_only=True)
class Budget:
    """A budget that savings land in, and the party that owns it. A saving names a budget by its ``id``
    (``[[savings]] budget = "bijstand"``), so the value is credited to the owner's own account, whoever pays."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    owner: str
    """Id of the party that owns the budget: a payer, a fund contributor, or any other party (``[[parties]]``)."""
    kind: BudgetKind = "other"
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class Intermediary:
    """The party that structures and manages the deal (often through an SPV); fees are in ``fees``."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    role: Text = Texts({"en": "structuring and performance management", "nl": "structurering en prestatiemanagement"})
    """What it does in the deal; by default the usual role, in both languages (a contract may write its own)."""


@attrs.frozen(kw_only=True)
class Evaluator:
    """An evaluator (measures the effect) or validator (verifies claimed outcomes)."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    role: Literal["evaluator", "validator", "evaluator_and_validator"] = "evaluator"
    independent: bool = True
    """Whether the evaluator is independent of every party whose money depends on the result."""
