"""Outcome metrics, difficulty segments and the savings attached to outcomes."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import attrs

from sibkit.model.common import (
    Prose,
    Provenance,
    Text,
    money_amount,
    month_count,
    month_number,
    non_negative_decimal,
    optional,
    provenance_field,
    valid_id,
)
from sibkit.money import Cents

__all__ = ["EvaluationDesign", "Evidence", "Metric", "MetricKind", "Saving", "Segment"]

MetricKind = Literal["event", "change", "cohort_change", "duration", "milestone"]
"""How an outcome is measured.

* ``event``: something happens to one participant (starts work, completes a course);
* ``change``: a measured change for one participant between a baseline (T0) and a follow-up (T1);
* ``cohort_change``: the change of a whole cohort against a counterfactual (reconviction rate);
* ``duration``: units of time in a state (days housed, months off benefits);
* ``milestone``: a step in a chain; ``requires`` names the steps that must come first.
"""

Evidence = Literal["hard", "soft"]
"""``hard``: administrative or verifiable records; ``soft``: self-reported or judged (questionnaires)."""

EvaluationDesign = Literal[
    "rct", "matched_comparison", "historical_baseline", "predicted_baseline", "pre_post", "simple_verification"
]
"""How the counterfactual is established: randomised control trial, matched comparison group,
historical baseline, a predicted baseline from a model, pre-post comparison, or simple
verification that the event happened (no counterfactual)."""


@attrs.frozen(kw_only=True)
class Segment:
    """A difficulty segment of the target population (e.g. 'more than 5 years on welfare')."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    description: Prose = ""


@attrs.frozen(kw_only=True)
class Metric:
    """One outcome that is measured and may be paid for."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    description: Prose = ""
    """The definition as the contract states it: what counts, what does not."""
    kind: MetricKind = "event"
    unit: Literal[
        "participant", "household", "event", "day", "week", "month", "quarter", "year", "qualification", "cohort"
    ] = "participant"
    """What one payable unit is."""
    evidence: Evidence = "hard"
    design: EvaluationDesign = "simple_verification"
    measured_by: str | None = None
    """Id of the party that measures or records the outcome (a provider, an evaluator, a payer),
    or ``providers``: each provider measures its own participants."""
    data_source: Text = ""
    """Where the evidence comes from (benefits register, questionnaire, court records)."""
    proposed_by: Literal["payer", "provider", "joint", "evaluator", "intermediary"] = "payer"
    """Who drafted the outcome definition."""
    observation_months: int = attrs.field(default=0, validator=month_number)
    """Months from a participant's enrolment until the outcome can be observed
    (T1 for a ``change`` metric); the default timing of outcome events."""
    lag_months: int = attrs.field(default=0, validator=month_number)
    """Months from the outcome happening until it is verified and can be invoiced."""
    sustained_months: int = attrs.field(default=0, validator=month_number)
    """Months the state must last to count (0 for an entry outcome, 6 for 'still in work after 26 weeks')."""
    requires: tuple[str, ...] = ()
    """Metrics a participant must have achieved before this one counts (a milestone chain)."""
    direction: Literal["decrease", "increase"] = "decrease"
    """For ``cohort_change``: whether success means fewer events than the counterfactual (reconvictions,
    jail days) or more (months in work); the improvement is the relative difference either way."""
    baseline: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    """For ``cohort_change``: the counterfactual level, in units per participant
    (e.g. 0.9 reconviction events per person in the comparison group)."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class Saving:
    """What one unit of an outcome saves or is worth, and where that value lands."""

    metric: str
    """The metric whose units produce the saving."""
    amount_per_unit: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) saved or gained per unit of the metric (per month, with ``months``)."""
    months: int | None = attrs.field(default=None, validator=optional(month_count))
    """When given, the saving recurs: ``amount_per_unit`` each month for this many months from the month
    the outcome happens (€1,000 a month of welfare not paid, for 12 months); a unit then saves
    ``amount_per_unit × months`` in all. Without it, the whole saving lands in the month of the outcome."""
    @property
    def per_unit_total(self) -> int:
        """Cents one unit saves in all: ``amount_per_unit``, times ``months`` for a recurring saving."""
        return int(self.amount_per_unit) * (self.months or 1)

    cashable: bool = False
    """True when the money actually leaves a budget (fewer benefit payments); False for
    value that is real but not cash (wellbeing, broad prosperity)."""
    budget: str = ""
    """Which budget it lands in: a payer id or a free description ('Participatiewet', 'zorg')."""
    description: Prose = ""
    provenance: dict[str, Provenance] = provenance_field()
