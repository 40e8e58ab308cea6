"""SIB-MEASURE-001: an outcome measured by a party whose money depends on it."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.measurement_control import CODE, interested_parties, measurement_control
from sibkit.load import load_contract
from sibkit.model import Contract, Fee, Intermediary, Investor

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def check(c: Contract) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return measurement_control(c, Context(c))


def measured_by(c: Contract, party: str, *metrics: str) -> Contract:
    """``c`` with ``metrics`` measured by ``party``."""
    return attrs.evolve(
        c, metrics=tuple(attrs.evolve(m, measured_by=party) if m.id in metrics else m for m in c.metrics)
    )


class TestMeasurementControl:
    def test_leeuwarden_providers_measure_two_results(self) -> None:
        """The providers record the individual (70%) and the process (10%) result: one warning each."""
        findings = check(leeuwarden())
        assert [(f.code, f.severity, f.path) for f in findings] == [
            (CODE, "warning", "$.metrics[0].measured_by"),
            (CODE, "warning", "$.metrics[2].measured_by"),
        ]
        assert "70%" in findings[0].title("en") and "10%" in findings[1].title("en")
        assert "soft" in findings[0].explanation("en") and "hard" in findings[1].explanation("en")
        assert "de aanbieders zelf" in findings[0].explanation("nl")

    def test_mitigation_independent_evaluator(self) -> None:
        """With Wageningen University (independent) measuring both, there is no finding."""
        assert check(measured_by(leeuwarden(), "wur", "individueel", "procesmatig")) == []

    def test_evaluator_that_is_not_independent(self) -> None:
        """An evaluator marked not independent counts as an interested party."""
        c = measured_by(leeuwarden(), "wur", "individueel", "procesmatig")
        c = attrs.evolve(c, evaluators=tuple(attrs.evolve(e, independent=False) for e in c.evaluators))
        findings = check(c)
        assert len(findings) == 2 and "not independent" in findings[0].explanation("en")

    def test_investor_and_paid_intermediary(self) -> None:
        """An investor, and an intermediary paid a share of outcome payments, gain from the result."""
        c = attrs.evolve(
            leeuwarden(),
            investors=(Investor(id="fonds", name="Impactfonds"),),
            intermediaries=(Intermediary(id="regie", name="Regiebureau"),),
            fees=(
                Fee(
                    id="succes",
                    payee="regie",
                    basis="percent_of_outcome_payments",
                    rate=Decimal("0.05"),
                    paid_from="payer",
                    payer="resultatenfonds",
                ),
            ),
        )
        assert set(interested_parties(c)) >= {"fonds", "regie", "providers"}
        c = measured_by(measured_by(c, "fonds", "individueel"), "regie", "procesmatig")
        first, second = check(c)
        assert "Impactfonds" in first.explanation("en") and "Regiebureau" in second.explanation("en")

    def test_unpaid_or_payer_measured_metrics_pass(self) -> None:
        """The societal result, checked by the municipality (a contributor to the payer), is not flagged."""
        assert all("maatschappelijk" not in f.path for f in check(leeuwarden()))
        assert all(f.path != "$.metrics[1].measured_by" for f in check(leeuwarden()))
