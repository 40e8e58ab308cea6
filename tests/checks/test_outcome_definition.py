"""SIB-DEFINE-001: the paid party wrote the outcome definition."""

from __future__ import annotations

from typing import Literal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.outcome_definition import CODE, outcome_definition
from sibkit.load import load_contract
from sibkit.model import Contract

from conftest import EXAMPLE

Author = Literal["payer", "provider", "joint", "evaluator", "intermediary"]


def leeuwarden() -> Contract:
    """The example contract: the Leeuwarden Oost pilot."""
    return load_contract(EXAMPLE)


def check(c: Contract) -> list[Finding]:
    """The check's findings for ``c`` with its own context."""
    return outcome_definition(c, Context(c))


def proposed_by(c: Contract, who: Author, metric: str) -> Contract:
    """``c`` with ``metric`` drafted by ``who``."""
    return attrs.evolve(c, metrics=tuple(attrs.evolve(m, proposed_by=who) if m.id == metric else m for m in c.metrics))


class TestOutcomeDefinition:
    def test_leeuwarden_definitions_by_payer_and_jointly(self) -> None:
        """The pilot's results were defined jointly or by the payer: no finding."""
        assert check(leeuwarden()) == []

    def test_provider_defined_outcome_is_a_warning(self) -> None:
        """The individual result drafted by the provider: a warning with the 70% it carries."""
        (finding,) = check(proposed_by(leeuwarden(), "provider", "individueel"))
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.metrics[0].proposed_by"
        assert "70%" in finding.explanation("en") and "70%" in finding.explanation("nl")
        assert "wereld op z'n kop" in finding.explanation("nl")

    def test_intermediary_defined_outcome_is_information(self) -> None:
        """The societal result drafted by the intermediary: information, with its 20%."""
        (finding,) = check(proposed_by(leeuwarden(), "intermediary", "maatschappelijk"))
        assert finding.severity == "info" and "20%" in finding.explanation("en")

    def test_mitigation_payer_adopts_the_definition(self) -> None:
        """Once the payer defines (or adopts) the outcome, the finding goes."""
        c = proposed_by(proposed_by(leeuwarden(), "provider", "individueel"), "payer", "individueel")
        assert check(c) == []
