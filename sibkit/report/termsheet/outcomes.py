"""The outcome metrics (what is measured, how, by whom, how it is paid) and the evaluation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sibkit.model import (
    CohortThreshold,
    Metric,
    PerTime,
    RateCard,
    Tariff,
)
from sibkit.report.termsheet.vocabulary import DESIGN, EVALUATOR_ROLE, EVIDENCE, METRIC_KIND, PROPOSED_BY
from sibkit.report.termsheet.writer import Writer, join, squash
from sibkit.report.words import UNIT, word


def _payment_terms(w: Writer, metric: Metric) -> str:
    terms = []
    for rule in w.c.rules:
        if metric.id not in rule.metrics():
            continue
        if isinstance(rule, RateCard):
            e = next(x for x in rule.entries if x.metric == metric.id)
            if not e.repeatable:
                terms.append(w._("once per participant (rule %(rule)s)", rule=rule.id))
            elif e.max_per_participant is None:
                terms.append(w._("per unit, without a limit per participant (rule %(rule)s)", rule=rule.id))
            else:
                terms.append(
                    w._(
                        "per unit, at most %(num)s per participant (rule %(rule)s)",
                        num=w.lang.integer(e.max_per_participant),
                        rule=rule.id,
                    )
                )
        elif isinstance(rule, Tariff):
            terms.append(w._("once per participant (rule %(rule)s)", rule=rule.id))
        elif isinstance(rule, PerTime):
            terms.append(w._("per unit of time in the state (rule %(rule)s)", rule=rule.id))
        elif isinstance(rule, CohortThreshold):
            terms.append(w._("per cohort, for its improvement (rule %(rule)s)", rule=rule.id))
        else:
            terms.append(w._("as a share of the savings (rule %(rule)s)", rule=rule.id))
    return join(terms) or w._("not paid itself: a step that later outcomes require")


def metrics(w: Writer) -> list[dict[str, Any]]:
    """One entry per outcome metric: its definition, measurement, timing and how it is paid."""
    out = []
    for m in w.c.metrics:
        fields = [
            [w._("Identifier"), m.id],
            [w._("Definition"), squash(w.text(m.description)) or w._("The contract gives no definition.")],
            [w._("Kind"), word(w.lang, METRIC_KIND, m.kind)],
            [w._("Unit"), word(w.lang, UNIT, m.unit)],
            [w._("Evidence"), word(w.lang, EVIDENCE, m.evidence)],
            [w._("Evaluation design"), word(w.lang, DESIGN, m.design)],
            [
                w._("Measured by"),
                w.name(m.measured_by) if m.measured_by else w._("The contract does not say who measures."),
            ],
            [w._("Data source"), w.text(m.data_source) or w._("The contract names no data source.")],
            [w._("Definition proposed by"), word(w.lang, PROPOSED_BY, m.proposed_by)],
            [
                w._("Observed"),
                w._("at enrolment")
                if m.observation_months == 0
                else w._("%(months)s after enrolment", months=w.months(m.observation_months)),
            ],
            [
                w._("Verification lag"),
                w._(
                    "%(months)s from the outcome until it is verified and can be invoiced",
                    months=w.months(m.lag_months),
                ),
            ],
            [w._("Paid"), _payment_terms(w, m)],
        ]
        if m.sustained_months:
            fields.append([w._("Must last"), w.months(m.sustained_months)])
        if m.requires:
            fields.append([w._("Requires first"), join([w.metric(r) for r in m.requires])])
        if m.kind == "cohort_change":
            direction = m.direction
            fields.append(
                [
                    w._("Counterfactual"),
                    w._(
                        "%(baseline)s %(unit)s per participant; success means %(direction)s",
                        baseline=w.lang.decimal(m.baseline if m.baseline is not None else Decimal(0)),
                        unit=word(w.lang, UNIT, m.unit),
                        direction=w._("fewer") if direction == "decrease" else w._("more"),
                    ),
                ]
            )
        out.append({"id": m.id, "name": w.text(m.name), "fields": fields})
    return out


def evaluation(w: Writer) -> dict[str, Any]:
    """The evaluation section: each metric's design and evidence, and the evaluators."""
    rows = []
    for m in w.c.metrics:
        rows.append(
            [
                w.text(m.name),
                word(w.lang, DESIGN, m.design),
                w._("hard") if m.evidence == "hard" else w._("soft"),
                w.name(m.measured_by) if m.measured_by else w._("not stated"),
            ]
        )
    evaluators = [
        w._(
            "%(name)s: %(role)s, %(independence)s",
            name=ev.name,
            role=word(w.lang, EVALUATOR_ROLE, ev.role),
            independence=w._("independent of every party whose money depends on the result")
            if ev.independent
            else w._("not independent of the parties whose money depends on the result"),
        )
        for ev in w.c.evaluators
    ]
    return {
        "rows": rows,
        "evaluators": evaluators,
        "evaluators_missing": "" if evaluators else w._("The contract names no evaluator or validator."),
    }
