"""`sibkit check --properties`: Hypothesis finds and shrinks outcomes where more results pay someone less."""

from __future__ import annotations

from click.testing import CliRunner

from sibkit.checks.search import find_non_monotone
from sibkit.cli import main
from sibkit.load import load_contract

from conftest import EXAMPLE, ROOT

POT = ROOT / "tests" / "checks" / "contracts" / "shared-pot.toml"


class TestFindNonMonotone:
    def test_shared_capped_pot_is_found_and_shrunk(self) -> None:
        """Two providers under one €1,500 cap: once the cap binds, one more result for one provider takes
        money from the other. The smallest case has just enough results for the cap to bind (2 at €1,000)
        and the extra result costs the other provider its pro-rata share."""
        found = find_non_monotone(load_contract(POT))
        assert found is not None
        assert found.party in ("Alpha", "Beta")
        assert sum(found.base_outcomes.values()) <= 2
        assert found.loss > 0

    def test_the_pilot_has_no_such_case(self) -> None:
        """The pilot pays each result on its own (a fund cap that does not bind): no counterexample."""
        assert find_non_monotone(load_contract(EXAMPLE), max_examples=60) is None

    def test_cli_reports_it_in_plain_language(self) -> None:
        """The CLI prints the counterexample as a sentence, and --fail-on error exits 1."""
        result = CliRunner().invoke(
            main, ["check", str(POT), "--properties", "--fail-on", "error"], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 1
        assert "If one more participant of" in result.stdout and "is paid €" in result.stdout
