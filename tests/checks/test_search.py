"""`sibkit check --properties`: Hypothesis finds and shrinks outcomes where more results pay someone less."""

from __future__ import annotations

import attrs
import pytest
from click.testing import CliRunner
from hypothesis.errors import Unsatisfiable

from sibkit.checks import search
from sibkit.checks.search import find_non_monotone, find_payment_above_maximum
from sibkit.cli import main
from sibkit.engine.maximum import MaximumPayment
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.testing import properties

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


class TestFindPaymentAboveMaximum:
    def test_the_pilot_stays_within_its_maximum(self) -> None:
        """No outcomes at the pilot's planned enrolment pay more than its stated maximum."""
        assert find_payment_above_maximum(load_contract(EXAMPLE), max_examples=30) is None

    def test_it_finds_a_maximum_that_is_too_low(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the maximum understated (a tenth of the true one, as the old per-day bug gave), the search
        finds outcomes above it and says who paid how much."""
        real = properties.maximum_payment

        def understated(contract: Contract) -> MaximumPayment:
            mx = real(contract)
            assert mx.total is not None
            return attrs.evolve(mx, total=mx.total // 10)

        monkeypatch.setattr(properties, "maximum_payment", understated)
        found = find_payment_above_maximum(load_contract(EXAMPLE), max_examples=30)
        assert found is not None
        assert found.message.startswith("all payers: scenario")
        assert "above the maximum of 6300000" in found.message


class TestSearchNotRun:
    def test_cli_says_the_search_could_not_run(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """When Hypothesis cannot draw one valid outcome vector (a contract of 2 × 10,000,000 participants over
        600 months did this), `check --properties` says the search could not run, exit 2, no traceback,
        rather than reporting that nothing was found."""

        def unsatisfiable(*args: object, **kwargs: object) -> object:
            raise Unsatisfiable("Unable to satisfy assumptions")

        monkeypatch.setattr(search, "find", unsatisfiable)
        with pytest.raises(search.SearchNotRun):
            search.find_non_monotone(load_contract(EXAMPLE))
        result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--properties"], env={"COLUMNS": "300"})
        assert result.exit_code == 2
        assert "the --properties search for one more result that pays someone less could not run" in result.output
        assert "Traceback" not in result.output
