"""How uncertain the results are: the input to Monte Carlo simulation.

Each uncertain success rate is a Beta distribution whose mean is the rate of a
named scenario (``base`` by default) and whose spread comes from a range:
``low`` and ``high`` are read as the 5th and 95th percentiles, so the standard
deviation is ``(high - low) / 3.29`` (the width of a normal 90% interval), and the
Beta's two parameters follow from that mean and standard deviation (method of
moments). See ``docs/uncertainty.md``.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.errors import FieldProblem
from sibkit.facts import N_
from sibkit.model.common import (
    Provenance,
    fraction_in_unit,
    non_negative_decimal,
    optional,
    percent,
    provenance_field,
)

__all__ = ["EnrolmentUncertainty", "OutcomeUncertainty", "Uncertainty"]

_LOW_ABOVE_HIGH = N_("low (%(low)s) is above high (%(high)s)")


@attrs.frozen(kw_only=True)
class OutcomeUncertainty:
    """The range of one success rate (a share 0–1; for cohort metrics, the improvement)."""

    metric: str
    provider: str | None = None
    """Provider id; omitted means every provider."""
    segment: str | None = None
    """Difficulty segment id; omitted means every segment."""
    low: Decimal = attrs.field(validator=fraction_in_unit)
    """5th percentile of the rate (a pessimistic but plausible value)."""
    high: Decimal = attrs.field(validator=fraction_in_unit)
    """95th percentile of the rate (an optimistic but plausible value)."""
    mean: Decimal | None = attrs.field(default=None, validator=optional(fraction_in_unit))
    """Expected rate; omitted means the rate in the uncertainty's scenario."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise FieldProblem.of("low", _LOW_ABOVE_HIGH, low=percent(self.low), high=percent(self.high))
        if self.mean is not None and not self.low <= self.mean <= self.high:
            raise FieldProblem.of("mean", N_("the mean (%(mean)s) lies outside low–high"), mean=percent(self.mean))


@attrs.frozen(kw_only=True)
class EnrolmentUncertainty:
    """The range of a provider's enrolment, as factors of its plan (0.8 is 20% fewer participants)."""

    provider: str
    low: Decimal = attrs.field(validator=non_negative_decimal)
    """5th percentile of the enrolment factor."""
    high: Decimal = attrs.field(validator=non_negative_decimal)
    """95th percentile of the enrolment factor."""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise FieldProblem.of("low", _LOW_ABOVE_HIGH, low=str(self.low), high=str(self.high))


@attrs.frozen(kw_only=True)
class Uncertainty:
    """The uncertainty model for ``sibkit simulate``."""

    scenario: str = "base"
    """The named scenario whose rates are the expected values."""
    shared: Decimal = attrs.field(default=Decimal(0), validator=fraction_in_unit)
    """How strongly all success rates move together (0 = independently, 1 = as one): the
    correlation of the normal factors behind the rates (a Gaussian copula)."""
    participant_noise: bool = True
    """Given a rate, draw how many of the enrolled participants achieve it (binomial),
    rather than taking the rate times the participants."""
    outcomes: tuple[OutcomeUncertainty, ...] = ()
    enrolment: tuple[EnrolmentUncertainty, ...] = ()
    provenance: dict[str, Provenance] = provenance_field()
