"""Scenarios: how many participants achieve each outcome, and when.

A scenario is data, like the contract. A deterministic scenario states
expected values (shares of participants); the engine turns them into counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from sibkit.errors import FieldProblem, show
from sibkit.facts import N_, Count
from sibkit.limits import MAX_NUMBER
from sibkit.model.common import (
    Prose,
    Text,
    fraction_in_unit,
    month_number,
    non_negative_decimal,
    optional,
    valid_id,
)
from sibkit.model.outcomes import Metric

__all__ = ["EnrolmentOverride", "Scenario", "ScenarioOutcome"]


def _positive_decimal(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """attrs validator: a ``Decimal`` above 0."""
    if not isinstance(value, Decimal) or not value > 0:
        raise FieldProblem.of(attribute.name, N_("expected a number above 0, got %(got)s"), got=show(value))


@attrs.frozen(kw_only=True)
class ScenarioOutcome:
    """The expected result for one metric (optionally one provider and one segment).

    * ``rate``: share of participants who achieve the metric (0–1); for a
      ``cohort_change`` metric, the improvement against the counterfactual
      (0.12 is 12% fewer events).
    * ``treatment`` and ``comparison``: for a ``cohort_change`` metric, instead
      of ``rate``, the two levels an evaluator publishes (reconviction events
      per 100 in the treatment group and in the comparison group); the
      improvement is worked out from them (see ``expected_rate``).
    * ``units``: for ``duration`` metrics and repeatable rate-card lines, the
      average number of units (days, repeats) per participant who achieves it.
    * ``month``: months after enrolment when it is achieved; default the
      metric's ``observation_months``.
    """

    metric: str
    provider: str | None = None
    """Provider id; omitted means every provider."""
    segment: str | None = None
    """Difficulty segment id; omitted means every segment."""
    rate: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    """Share of participants (0–1); for a ``cohort_change`` metric, the improvement (0.12 is 12%)."""
    treatment: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    """For a ``cohort_change`` metric: the treatment group's level, in any unit per group size
    (events per participant, per 100 participants) as long as ``comparison`` uses the same one."""
    comparison: Decimal | None = attrs.field(default=None, validator=optional(_positive_decimal))
    """For a ``cohort_change`` metric: the comparison (counterfactual) group's level, in the unit of
    ``treatment``; above 0."""
    units: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    month: int | None = attrs.field(default=None, validator=optional(month_number))

    def __attrs_post_init__(self) -> None:
        if self.rate is not None and (self.treatment is not None or self.comparison is not None):
            raise FieldProblem.of("rate", N_("give either 'rate' or the 'treatment' and 'comparison' levels, not both"))
        if self.treatment is not None and self.comparison is None:
            raise FieldProblem.of(
                "comparison", N_("'treatment' needs 'comparison': the comparison group's level, in the same unit")
            )
        if self.comparison is not None and self.treatment is None:
            raise FieldProblem.of(
                "treatment", N_("'comparison' needs 'treatment': the treatment group's level, in the same unit")
            )
        if self.rate is None and self.treatment is None:
            raise FieldProblem.of(
                "rate", N_("give 'rate', or for a cohort_change metric the 'treatment' and 'comparison' levels")
            )
        # |improvement| <= MAX_NUMBER in either direction: (c - t) / c >= -MAX_NUMBER and (t - c) / c <= MAX_NUMBER
        # both say t <= (MAX_NUMBER + 1) × c; the engine counts improvements in int64 trillionths
        levels = (self.treatment, self.comparison)
        if levels[0] is not None and levels[1] is not None and levels[0] > (MAX_NUMBER + 1) * levels[1]:
            raise FieldProblem.of(
                "treatment",
                N_(
                    "the treatment level %(treatment)s is more than %(times)s times the comparison level"
                    " %(comparison)s: the improvement they give is outside −%(most)s to %(most)s"
                    " (−%(percent)s%% to %(percent)s%%)"
                ),
                treatment=f"{levels[0]:f}",
                times=str(MAX_NUMBER + 1),
                comparison=f"{levels[1]:f}",
                most=Count(MAX_NUMBER),
                percent=Count(MAX_NUMBER * 100),
            )

    def expected_rate(self, metric: Metric) -> Decimal:
        """``rate`` when given; otherwise the improvement the levels show for ``metric``, a fraction:
        ``(comparison − treatment) / comparison`` when success means fewer events (``direction =
        "decrease"``), ``(treatment − comparison) / comparison`` when it means more. Worked out in
        decimals (28 significant digits); negative when the treatment group did worse."""
        if self.rate is not None:
            return self.rate
        assert self.treatment is not None and self.comparison is not None  # __attrs_post_init__
        fewer = metric.direction == "decrease"
        change = self.comparison - self.treatment if fewer else self.treatment - self.comparison
        return change / self.comparison


@attrs.frozen(kw_only=True)
class EnrolmentOverride:
    """Scale one provider's planned enrolment in this scenario (1.2 is 20% more participants)."""

    provider: str
    factor: Decimal = attrs.field(validator=non_negative_decimal)


@attrs.frozen(kw_only=True)
class Scenario:
    """A named set of expected outcomes (``low``, ``base``, ``high``)."""

    name: str = attrs.field(validator=valid_id)
    """The id ``sibkit run --scenario`` takes (``base``)."""
    label: Text = ""
    """The scenario's name for readers, in one language or several (``label = { nl = "basis", en = "base" }``):
    reports and term sheets show it instead of ``name``; empty: they show ``name``."""
    description: Prose = ""
    outcomes: tuple[ScenarioOutcome, ...] = ()
    enrolment: tuple[EnrolmentOverride, ...] = ()
    probability: Decimal | None = attrs.field(default=None, validator=optional(fraction_in_unit))
    """Optional weight of the scenario, for readers; not used by the engine."""

    def line_for(self, metric: str, provider: str, segment: str | None) -> ScenarioOutcome | None:
        """The most specific outcome line for this metric, provider and segment (provider and
        segment named > provider named > segment named > neither), or None."""
        best: tuple[int, ScenarioOutcome] | None = None
        for o in self.outcomes:
            if o.metric != metric or o.provider not in (None, provider) or o.segment not in (None, segment):
                continue
            score = (o.provider is not None) * 2 + (o.segment is not None)
            if best is None or score > best[0]:
                best = (score, o)
        return None if best is None else best[1]
