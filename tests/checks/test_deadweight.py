"""SIB-DEAD-001: outcomes paid without a counterfactual."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.deadweight import CODE, deadweight
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.model.outcomes import EvaluationDesign

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def check(c: Contract, **thresholds: Decimal) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return deadweight(c, Context(c), **thresholds)


def with_design(c: Contract, design: EvaluationDesign, *metrics: str) -> Contract:
    """``c`` with the evaluation design of ``metrics`` changed."""
    return attrs.evolve(c, metrics=tuple(attrs.evolve(m, design=design) if m.id in metrics else m for m in c.metrics))


class TestDeadweight:
    def test_leeuwarden_pays_everything_without_comparison(self) -> None:
        """All three pilot results are verified or compared before/after only: 100% of the money, a warning."""
        (finding,) = check(leeuwarden())
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.metrics[0].design"
        assert "100%" in finding.title("en") and "100%" in finding.title("nl")
        assert "before/after" in finding.explanation("en") and "voor/na-meting" in finding.explanation("nl")
        assert "nulalternatief" in finding.explanation("nl")
        assert "meeneemeffect" in finding.explanation("nl")

    def test_mitigation_predicted_baseline(self) -> None:
        """With every result measured against a predicted baseline, there is no finding."""
        mitigated = with_design(leeuwarden(), "predicted_baseline", "individueel", "maatschappelijk", "procesmatig")
        assert check(mitigated) == []

    def test_comparison_group_for_the_main_result(self) -> None:
        """A matched comparison group for the individual result (70%) leaves 30% without one: below 50%."""
        assert check(with_design(leeuwarden(), "matched_comparison", "individueel")) == []

    def test_threshold_is_a_parameter(self) -> None:
        """With the societal result (20%) compared, 80% remains: flagged at 50%, passes at 85%."""
        c = with_design(leeuwarden(), "historical_baseline", "maatschappelijk")
        (finding,) = check(c)
        assert "80%" in finding.title("en")
        assert check(c, threshold=Decimal("0.85")) == []
