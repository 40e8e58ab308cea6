"""``sibkit check --properties`` searches the payers' questions: SIB-PROP-005 (a participant above the full
price), -006 (hard cases paid less than easy ones) and -007 (a payer above its appropriation or budget), with the
scenario to rerun in the text and the JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sibkit.checks.search import find_scenario_failure, payer_question_findings
from sibkit.cli import main
from sibkit.load import load_contract, loads
from sibkit.testing.properties import hard_cases_never_paid_less

from conftest import EXAMPLE, ROOT

SEGMENTED = (ROOT / "tests" / "checks" / "contracts" / "segmented.toml").read_text(encoding="utf-8")
CHEAP_HARD_CASES = SEGMENTED.replace(
    'entries = [ { metric = "werk", price = 3000 } ]',
    'entries = [ { metric = "werk", price = 3000, segment_prices = { lang = 2500 } } ]',
)
"""'lang' (20% expected to find work, against 60% of 'kort') is paid €2,500 per result, 'kort' €3,000."""


class TestHardCasesSearch:
    def test_found_in_the_contracts_own_scenario(self) -> None:
        """The contract's base scenario already fails, so it is the one reported (tried before any search)."""
        found = find_scenario_failure(loads(CHEAP_HARD_CASES), hard_cases_never_paid_less, "SIB-PROP-006")
        assert found is not None
        assert found.sentences["en"].startswith("At the same results, Coach is paid")
        assert found.sentences["nl"].startswith("Bij dezelfde resultaten ontvangt Coach")
        assert 'name = "counterexample"' in found.failure.toml

    def test_cli_json_has_the_finding_and_the_scenario(self, tmp_path: Path) -> None:
        path = tmp_path / "segments.toml"
        path.write_text(CHEAP_HARD_CASES, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(path), "--properties", "--format", "json"])
        found = [f for f in json.loads(result.output) if f["code"] == "SIB-PROP-006"]
        assert len(found) == 1
        assert "the harder cases pay" in found[0]["explanation_en"]
        assert "de zwaardere gevallen leveren" in found[0]["explanation_nl"]
        assert '[[scenarios]]\nname = "counterexample"' in found[0]["facts"]["scenarios"]

    def test_cli_text_in_dutch(self, tmp_path: Path) -> None:
        path = tmp_path / "segments.toml"
        path.write_text(CHEAP_HARD_CASES, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(path), "--properties", "--lang", "nl"], env={"COLUMNS": "300"})
        assert "SIB-PROP-006" in result.output
        assert "Zware gevallen leveren bij dezelfde resultaten minder op dan makkelijke" in result.output


class TestAppropriationSearch:
    def test_a_budget_below_the_expected_payments(self, tmp_path: Path) -> None:
        """The pilot's fund budgeted €700,000; with the budget at €100,000 the base scenario exceeds it."""
        text = EXAMPLE.read_text(encoding="utf-8").replace("budget = 700000", "budget = 100000", 1)
        path = tmp_path / "pilot.toml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(path), "--properties", "--format", "json"])
        found = [f for f in json.loads(result.output) if f["code"] == "SIB-PROP-007"]
        assert len(found) == 1
        assert "more than its budget of €100,000.00" in found[0]["explanation_en"]


def test_the_bundled_pilot_answers_every_question_well() -> None:
    """No SIB-PROP-005 to -007 for the Leeuwarden pilot: it has a full price, a budget and no segments."""
    assert payer_question_findings(load_contract(EXAMPLE)) == []
