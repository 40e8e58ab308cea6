"""SIB-SOFT-001: soft metrics carrying most of the money."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.soft_metrics import CODE, soft_metric_weight
from sibkit.load import load_contract
from sibkit.model import Component, Contract, Tariff

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    return load_contract(EXAMPLE)


class TestSoftMetricWeight:
    def test_leeuwarden_soft_indicator_carries_70_percent(self) -> None:
        """The pilot pays 70% of €3,500 for a self-reported wellbeing score the providers collect: an error."""
        (finding,) = soft_metric_weight(leeuwarden(), Context(leeuwarden()))
        assert finding.code == CODE and finding.severity == "error"
        assert "70%" in finding.title("en") and "70%" in finding.title("nl")
        assert finding.path == "$.metrics[0].evidence"

    def test_mitigation_hard_outcomes_carry_the_weight(self) -> None:
        """Reweighting the tariff to 30% individual / 50% societal / 20% process removes the finding."""
        c = leeuwarden()
        rule = c.rules[0]
        assert isinstance(rule, Tariff)
        weights = {"individueel": Decimal("0.3"), "maatschappelijk": Decimal("0.5"), "procesmatig": Decimal("0.2")}
        mitigated = attrs.evolve(
            c,
            rules=(
                attrs.evolve(rule, components=tuple(Component(metric=m, weight=w) for m, w in weights.items())),
            ),
        )
        assert soft_metric_weight(mitigated, Context(mitigated)) == []

    def test_independent_measurement_lowers_the_severity(self) -> None:
        """With the questionnaire administered by the independent evaluator, it is a warning, not an error."""
        c = leeuwarden()
        metrics = tuple(attrs.evolve(m, measured_by="wur") if m.id == "individueel" else m for m in c.metrics)
        independent = attrs.evolve(c, metrics=metrics)
        (finding,) = soft_metric_weight(independent, Context(independent))
        assert finding.severity == "warning"

    def test_threshold_is_a_parameter(self) -> None:
        """With the threshold raised to 75%, the 70% soft share passes."""
        assert soft_metric_weight(leeuwarden(), Context(leeuwarden()), threshold=Decimal("0.75")) == []
