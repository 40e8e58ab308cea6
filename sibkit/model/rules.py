"""Payment rules: a small closed family of typed rules, and caps.

Every rule says which metric(s) it pays for, at what price, for which
providers and paid by which payers. New kinds of rule are new classes here,
never strings of code. In a file a rule is a table with ``type`` naming its
kind (``tariff``, ``rate_card``, ``cohort_threshold``, ``per_time``,
``share_of_savings``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Literal

import attrs

from sibkit.errors import FieldProblem
from sibkit.facts import N_
from sibkit.model.common import (
    Provenance,
    Share,
    fraction_in_unit,
    money_amount,
    month_count,
    optional,
    percent,
    positive_participants,
    provenance_field,
    share_in_unit,
    shares_common_denominator,
    to_share,
    unit_count,
    valid_id,
)
from sibkit.money import Cents, round_half_up

__all__ = [
    "RULE_TYPES",
    "Cap",
    "CapLevel",
    "CohortThreshold",
    "Component",
    "PayerShare",
    "PaymentRule",
    "PerTime",
    "RateCard",
    "RateCardEntry",
    "ShareOfSavings",
    "Tariff",
    "Tier",
]


@attrs.frozen(kw_only=True)
class PayerShare:
    """Which payer pays what share of a rule's payments."""

    payer: str
    share: Share = attrs.field(converter=to_share, validator=share_in_unit)
    """Exact share (0–1) of the rule's payments: ``0.25``, ``"25%"`` or ``"1/4"`` in a file."""


def _shares_sum_to_one(
    instance: object, attribute: attrs.Attribute[tuple[PayerShare, ...]], value: tuple[PayerShare, ...]
) -> None:
    total = sum((s.share for s in value), Fraction(0))
    if value and total != 1:
        raise FieldProblem.of(attribute.name, N_("payer shares sum to %(sum)s, expected 100%%"), sum=percent(total))
    problem = shares_common_denominator([s.share for s in value], N_("the payer shares"))
    if problem:
        raise FieldProblem(attribute.name, problem)


@attrs.frozen(kw_only=True)
class Component:
    """One part of a weighted tariff: a metric and the share of the tariff it carries."""

    metric: str
    weight: Decimal = attrs.field(validator=fraction_in_unit)


@attrs.frozen(kw_only=True)
class Tariff:
    """A price per participant at full result, split into weighted components.

    Leeuwarden: €3,500 = 70% individual + 20% societal + 10% process. Each
    component is paid once per participant who achieves its metric, independently
    of the others: ``round_half_up(price × weight)`` per achiever.
    """

    id: str = attrs.field(validator=valid_id)
    price_per_participant: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) per participant who achieves every component."""
    components: tuple[Component, ...] = attrs.field(validator=attrs.validators.min_len(1))
    segment_prices: dict[str, Cents] = attrs.field(factory=dict)
    """Price per participant by difficulty segment id, replacing ``price_per_participant``
    for participants in that segment."""
    providers: tuple[str, ...] = ()
    """Providers the rule applies to; empty means all."""
    paid_by: tuple[PayerShare, ...] = attrs.field(default=(), validator=_shares_sum_to_one)
    """Payers of this rule; empty means the payers' fixed shares (or the only payer)."""
    provenance: dict[str, Provenance] = provenance_field()

    @components.validator
    def _weights(self, attribute: attrs.Attribute[tuple[Component, ...]], value: tuple[Component, ...]) -> None:
        total = sum((c.weight for c in value), Decimal(0))
        if total != 1:
            raise FieldProblem.of(
                "components",
                N_("weights of tariff %(tariff)s sum to %(sum)s, expected 100%%"),
                tariff=repr(self.id),
                sum=percent(total),
            )

    def metrics(self) -> tuple[str, ...]:
        """The metrics this rule pays for."""
        return tuple(c.metric for c in self.components)

    def unit_price(self, metric: str, segment: str | None = None) -> Cents:
        """Cents paid per achiever of ``metric``'s component, for a participant in ``segment`` (``None``: no
        segment): ``round_half_up(price × weight)``, the segment's price replacing the general one.
        The one rounding rule for a tariff's parts; raises ``KeyError`` for a metric it does not pay for."""
        price = self.segment_prices.get(segment, self.price_per_participant) if segment else self.price_per_participant
        weight = next((c.weight for c in self.components if c.metric == metric), None)
        if weight is None:
            raise KeyError(metric)
        num, den = weight.as_integer_ratio()
        return Cents(round_half_up(price * num, den))


@attrs.frozen(kw_only=True)
class RateCardEntry:
    """One line of a rate card: a price per unit of one metric."""

    metric: str
    price: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) per unit achieved."""
    repeatable: bool = False
    """False: paid at most once per participant. True: paid per unit, up to ``max_per_participant``."""
    max_per_participant: int | None = attrs.field(default=None, validator=optional(unit_count))
    """For repeatable outcomes: most units paid per participant."""
    segment_prices: dict[str, Cents] = attrs.field(factory=dict)
    """Price by difficulty segment id, replacing ``price`` in that segment."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class RateCard:
    """A list of priced outcomes (UK rate-card SIBs, job-guarantee milestones)."""

    id: str = attrs.field(validator=valid_id)
    entries: tuple[RateCardEntry, ...] = attrs.field(validator=attrs.validators.min_len(1))
    providers: tuple[str, ...] = ()
    """Providers the rule applies to; empty means all."""
    paid_by: tuple[PayerShare, ...] = attrs.field(default=(), validator=_shares_sum_to_one)
    """Payers of this rule; empty means the payers' fixed shares (or the only payer)."""
    provenance: dict[str, Provenance] = provenance_field()

    def metrics(self) -> tuple[str, ...]:
        """The metrics this rule pays for."""
        return tuple(e.metric for e in self.entries)

    def entry(self, metric: str) -> RateCardEntry:
        """The entry that prices ``metric`` (``KeyError`` when absent)."""
        for e in self.entries:
            if e.metric == metric:
                return e
        raise KeyError(metric)

    def unit_price(self, metric: str, segment: str | None = None) -> Cents:
        """Cents paid per unit of ``metric`` for a participant in ``segment`` (``None``: no segment): the
        segment's price where the entry has one, else the entry's price. Exact, no rounding."""
        e = self.entry(metric)
        return e.segment_prices.get(segment, e.price) if segment else e.price


@attrs.frozen(kw_only=True)
class Tier:
    """A band of a cohort-threshold rule, reached when the improvement is at least ``from_improvement``.

    Only the highest tier reached applies, to the whole cohort: it pays ``amount`` plus
    ``price_per_unit`` for every unit of improvement (not only the units above the tier's start).
    """

    from_improvement: Decimal = attrs.field(validator=fraction_in_unit)
    """Improvement against the counterfactual (0.10 is 10% fewer events) at which the tier starts."""
    amount: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency) paid once per cohort when this is the highest tier reached."""
    price_per_unit: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents per unit of improvement (per event avoided), for all the cohort's units, when this
    is the highest tier reached."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class CohortThreshold:
    """Pay for a cohort's improvement against a counterfactual, only above a threshold.

    A cohort is one provider's participants who enrol in one block of
    ``cohort_months``. Units of improvement = baseline × participants ×
    improvement. Below the lowest tier nothing is paid; the highest tier
    reached applies. With ``pooled_threshold``, a cohort that misses its own
    tiers is paid at the end of the contract if all cohorts together improve by
    at least that much (Peterborough's second trigger): all the rule's cohorts
    that are not cancelled, of every provider, their improvements weighted by
    their participants (see ``docs/contract-format.md`` and the engine's
    ``schedule._cohort_due``).
    """

    id: str = attrs.field(validator=valid_id)
    metric: str
    tiers: tuple[Tier, ...] = attrs.field(validator=attrs.validators.min_len(1))
    cohort_months: int = attrs.field(default=12, validator=month_count)
    """Participants who enrol in the same block of this many months form a cohort."""
    cancelled_cohorts: tuple[int, ...] = ()
    """Cohorts (numbered from 0 in enrolment order) that are not paid for, e.g. when a policy change
    removed their counterfactual (Peterborough's third cohort)."""
    pooled_threshold: Decimal | None = attrs.field(default=None, validator=optional(fraction_in_unit))
    """Improvement of all cohorts together (every provider's, weighted by participants) that pays,
    at the end of the term, the cohorts that missed their own tiers (Peterborough's 7.5%)."""
    pooled_price_per_unit: Cents | None = attrs.field(default=None, validator=optional(money_amount))
    """Cents per unit of improvement paid under ``pooled_threshold``; given exactly when it is."""
    max_payment: Cents | None = attrs.field(default=None, validator=optional(money_amount))
    """Cents (contract currency) at most for this rule over the contract."""
    providers: tuple[str, ...] = ()
    paid_by: tuple[PayerShare, ...] = attrs.field(default=(), validator=_shares_sum_to_one)
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if (self.pooled_threshold is None) != (self.pooled_price_per_unit is None):
            raise FieldProblem.of(
                "pooled_price_per_unit", N_("give 'pooled_threshold' and 'pooled_price_per_unit' together")
            )

    @tiers.validator
    def _ascending(self, attribute: attrs.Attribute[tuple[Tier, ...]], value: tuple[Tier, ...]) -> None:
        starts = [t.from_improvement for t in value]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise FieldProblem.of("tiers", N_("tiers must be in strictly increasing order of 'from_improvement'"))

    def metrics(self) -> tuple[str, ...]:
        """The metrics this rule pays for."""
        return (self.metric,)


@attrs.frozen(kw_only=True)
class PerTime:
    """A price per unit of time in a state (per day housed, per month off benefits)."""

    id: str = attrs.field(validator=valid_id)
    metric: str
    price_per_unit: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) per unit of time (the metric's unit: day, week, month)."""
    max_units_per_participant: int | None = attrs.field(default=None, validator=optional(unit_count))
    """Most units paid per participant who achieves the state (e.g. 365 days); none means no limit."""
    providers: tuple[str, ...] = ()
    paid_by: tuple[PayerShare, ...] = attrs.field(default=(), validator=_shares_sum_to_one)
    provenance: dict[str, Provenance] = provenance_field()

    def metrics(self) -> tuple[str, ...]:
        """The metrics this rule pays for."""
        return (self.metric,)


@attrs.frozen(kw_only=True)
class ShareOfSavings:
    """Pay a share of the savings an outcome produces (Utah: 95% of avoided special-education cost).

    ``share`` applies until every repayable tranche has drawn all its commitment and been
    repaid its principal and interest (or, with no investors, for the whole term);
    ``share_after`` applies afterwards.
    """

    id: str = attrs.field(validator=valid_id)
    metric: str
    """The metric whose ``savings`` entry defines the amount saved per unit."""
    share: Decimal = attrs.field(validator=fraction_in_unit)
    share_after: Decimal = attrs.field(default=Decimal(0), validator=fraction_in_unit)
    """Share of the savings paid once every repayable tranche is repaid its principal and interest
    (0 = payments stop)."""
    providers: tuple[str, ...] = ()
    paid_by: tuple[PayerShare, ...] = attrs.field(default=(), validator=_shares_sum_to_one)
    provenance: dict[str, Provenance] = provenance_field()

    def metrics(self) -> tuple[str, ...]:
        """The metrics this rule pays for."""
        return (self.metric,)


PaymentRule = Tariff | RateCard | CohortThreshold | PerTime | ShareOfSavings
"""Any payment rule."""

RULE_TYPES: dict[str, type[PaymentRule]] = {
    "tariff": Tariff,
    "rate_card": RateCard,
    "cohort_threshold": CohortThreshold,
    "per_time": PerTime,
    "share_of_savings": ShareOfSavings,
}
"""The ``type`` tag of each rule in a contract file."""

CapLevel = Literal["participant", "segment", "metric", "provider", "payer", "contract"]


@attrs.frozen(kw_only=True)
class Cap:
    """A maximum on outcome payments.

    * ``participant``: per participant, over all metrics (UK: £15,000 a person);
    * ``segment``: paid for the participants of the difficulty segment ``target``, over all
      providers and per-participant rules ("the hard cases, at most €360,000"); cohort rules pay
      for a whole cohort, not a segment, and are not covered. Instead of an ``amount`` a segment cap
      may give ``participants``: for each outcome, at most that many of the segment's participants
      are paid the segment's price, the others the ordinary price ("at most 60 participants count
      double");
    * ``metric``: over all participants, for the metric ``target``, or for the group of metrics
      ``metrics`` together (one maximum for all housing outcomes);
    * ``provider``: paid to (or on behalf of) the provider ``target``;
    * ``payer``: paid by the payer ``target``;
    * ``contract``: all outcome payments together (the maximum potential outcome payment).

    Payments are applied in time order; once a cap is reached later payments it
    covers are cut to what remains (cut amounts are reported, not paid later).
    """

    level: CapLevel
    amount: Cents | None = attrs.field(default=None, validator=optional(money_amount))
    """Cents (contract currency) at most; every cap gives it, except a segment cap that gives ``participants``."""
    participants: int | None = attrs.field(default=None, validator=optional(positive_participants))
    """For a ``segment`` cap instead of ``amount``: for each outcome, how many of the segment's participants
    at most are paid the segment's price (counted over all providers in order of enrolment month; the
    others are paid the rule's ordinary price)."""
    target: str | None = None
    """The segment, metric, provider or payer id, for those levels."""
    metrics: tuple[str, ...] = ()
    """For a ``metric`` cap over a group: the metric ids whose payments share the one ``amount``
    (instead of ``target``)."""
    includes_vat: bool = False
    """True when ``amount`` includes VAT (Stevig Staan's €3.84m): the engine then caps payments before VAT
    at ``amount / (1 + vat_rate)``, rounded down to the cent."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if self.participants is not None:
            if self.level != "segment":
                raise FieldProblem.of(
                    "participants",
                    N_("a %(level)s cap takes no 'participants'; only a segment cap counts participants"),
                    level=self.level,
                )
            if self.amount is not None:
                raise FieldProblem.of(
                    "participants", N_("give either 'amount' (money) or 'participants' (a count), not both")
                )
        elif self.amount is None:
            raise FieldProblem.of("amount", N_("a cap needs 'amount': the most it pays"))
        if self.metrics:
            if self.level != "metric":
                raise FieldProblem.of(
                    "metrics", N_("a %(level)s cap takes no 'metrics'; only a metric cap does"), level=self.level
                )
            if self.target is not None:
                raise FieldProblem.of(
                    "metrics", N_("give either 'target' (one metric) or 'metrics' (a group), not both")
                )
            if len(set(self.metrics)) != len(self.metrics):
                raise FieldProblem.of("metrics", N_("a metric is named twice in the group"))
            return
        needs_target = self.level in ("segment", "metric", "provider", "payer")
        if needs_target and self.target is None:
            if self.level == "metric":
                raise FieldProblem.of(
                    "target",
                    N_("a metric cap needs 'target': the metric id it limits (or 'metrics': a group of metric ids)"),
                )
            raise FieldProblem.of(
                "target", N_("a %(level)s cap needs 'target': the %(level)s id it limits"), level=self.level
            )
        if not needs_target and self.target is not None:
            raise FieldProblem.of("target", N_("a %(level)s cap takes no 'target'"), level=self.level)

    @property
    def money(self) -> Cents:
        """``amount`` of a cap that limits money (every cap but a segment cap counting ``participants``)."""
        if self.amount is None:
            raise ValueError("a cap counting participants has no amount")
        return self.amount

    def metric_ids(self) -> tuple[str, ...]:
        """The metrics a ``metric`` cap limits together (one, or its group); empty for other levels."""
        if self.level != "metric":
            return ()
        return self.metrics or ((self.target,) if self.target is not None else ())
