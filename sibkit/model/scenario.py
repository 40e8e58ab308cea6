"""Scenarios: how many participants achieve each outcome, and when.

A scenario is data, like the contract. A deterministic scenario states
expected values (shares of participants); the engine turns them into counts.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.model.common import (
    Prose,
    fraction_in_unit,
    non_negative_decimal,
    non_negative_int,
    optional,
    valid_id,
)

__all__ = ["EnrolmentOverride", "Scenario", "ScenarioOutcome"]


@attrs.frozen(kw_only=True)
class ScenarioOutcome:
    """The expected result for one metric (optionally one provider and one segment).

    * ``rate``: share of participants who achieve the metric (0–1); for a
      ``cohort_change`` metric, the improvement against the counterfactual
      (0.12 is 12% fewer events).
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
    rate: Decimal = attrs.field(validator=non_negative_decimal)
    units: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    month: int | None = attrs.field(default=None, validator=optional(non_negative_int))


@attrs.frozen(kw_only=True)
class EnrolmentOverride:
    """Scale one provider's planned enrolment in this scenario (1.2 is 20% more participants)."""

    provider: str
    factor: Decimal = attrs.field(validator=non_negative_decimal)


@attrs.frozen(kw_only=True)
class Scenario:
    """A named set of expected outcomes (``low``, ``base``, ``high``)."""

    name: str = attrs.field(validator=valid_id)
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
