"""Counterexamples a person can read and rerun (issue #18, item 3).

The contract below pays each of two cohorts £100,000 when reconvictions fall at least 10% and only £20,000
when they fall at least 20% (a badly drafted tier table: the higher tier pays less). Worked out by hand:
at an improvement of 18% both cohorts reach the first tier only, so the payers pay 2 × £100,000 =
£200,000; five points more (23%) both reach the second tier, 2 × £20,000 = £40,000: £160,000 less.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from sibkit.cli import main
from sibkit.engine import run
from sibkit.load import load_contract, loads, scenario_toml
from sibkit.model import Scenario, ScenarioOutcome
from sibkit.testing import strategies as sst
from sibkit.testing.properties import PropertyFailure, more_results_never_cost_less

from conftest import EXAMPLE, ROOT

TIERS = (ROOT / "tests" / "engine_contracts" / "pooled-cohorts.toml").read_text(encoding="utf-8")
TIERS = TIERS.replace(
    "tiers = [ { from_improvement = 0.10, price_per_unit = 100 } ]",
    "tiers = [ { from_improvement = 0.10, amount = 100000 }, { from_improvement = 0.20, amount = 20000 } ]",
)
TIERS = "\n".join(line for line in TIERS.splitlines() if not line.startswith("pooled_"))
AT_18 = Scenario(name="x", outcomes=(ScenarioOutcome(metric="reconviction", rate=Decimal("0.18")),))


def test_the_contract_is_as_the_docstring_says() -> None:
    assert "amount = 20000" in TIERS and "pooled_threshold" not in TIERS


def test_the_failure_says_what_broke_in_english_and_dutch() -> None:
    contract = loads(TIERS)
    with pytest.raises(PropertyFailure) as err:
        more_results_never_cost_less(contract, AT_18)
    assert err.value.sentence == (
        "With more 'Reconviction events' results (every rate 5% higher), the payers together pay £160,000.00 "
        "less: £40,000.00 instead of £200,000.00."
    )
    with pytest.raises(PropertyFailure) as dutch:
        more_results_never_cost_less(contract, AT_18, lang="nl")
    assert dutch.value.sentence.startswith("Met meer resultaten voor 'Reconviction events' (elk percentage 5% hoger)")
    assert "£\u00a0160.000,00 minder" in dutch.value.sentence


def test_the_toml_reruns_the_counterexample(tmp_path: Path) -> None:
    """Appended to the contract's file, the two scenarios run with ``sibkit run --scenario`` and give the
    amounts of the sentence."""
    contract = loads(TIERS)
    with pytest.raises(PropertyFailure) as err:
        more_results_never_cost_less(contract, AT_18)
    path = tmp_path / "tiers.toml"
    path.write_text(TIERS + "\n\n" + err.value.toml, encoding="utf-8")
    again = load_contract(path)
    assert int(run(again, "counterexample").outcome_payments[0]) == 200_000_00
    assert int(run(again, "counterexample-more").outcome_payments[0]) == 40_000_00
    result = CliRunner().invoke(main, ["run", str(path), "--scenario", "counterexample-more"])
    assert result.exit_code == 0 and "£40,000.00" in result.output


def test_a_hypothesis_test_shows_the_shrunk_case_as_toml() -> None:
    """An analyst's ten-line property: Hypothesis shrinks to the smallest failing rate and attaches the
    readable, rerunnable case to the failure (a ``note``), not a repr of arrays."""
    contract = loads(TIERS)

    @settings(max_examples=200, database=None, deadline=None)
    @given(sst.scenarios(contract))
    def prop(scenario: Scenario) -> None:
        more_results_never_cost_less(contract, scenario)

    with pytest.raises(PropertyFailure) as err:
        prop()
    notes = "\n".join(getattr(err.value, "__notes__", []))
    assert '[[scenarios]]\nname = "counterexample"' in notes
    assert "sibkit run FILE --scenario counterexample" in notes
    # shrunk to the smallest improvement that fails: 15% (15 + 5 = 20% reaches the second tier)
    assert '{ metric = "reconviction", rate = 0.15' in notes


@pytest.mark.parametrize("path", [EXAMPLE, ROOT / "contracts" / "peterborough.toml"], ids=lambda p: p.stem)
def test_bundled_contracts_hold_in_their_scenarios(path: Path) -> None:
    contract = load_contract(path)
    for scenario in contract.scenarios:
        more_results_never_cost_less(contract, scenario)


def test_scenario_toml_reads_back_equal() -> None:
    for scenario in load_contract(EXAMPLE).scenarios:
        text = scenario_toml(scenario)
        assert text.startswith("[[scenarios]]\n")
        source = EXAMPLE.read_text(encoding="utf-8")
        renamed = text.replace(f'name = "{scenario.name}"', 'name = "copy"', 1)
        copy = loads(source + "\n\n" + renamed).scenario("copy")
        assert copy.outcomes == scenario.outcomes and copy.enrolment == scenario.enrolment


def test_check_properties_reports_the_scenarios_to_rerun(tmp_path: Path) -> None:
    """``sibkit check --properties`` finds the tier table's flaw (SIB-PROP-001 cannot: it adds one achiever,
    and a cohort's improvement is no achiever) and shows the scenarios, in JSON too."""
    path = tmp_path / "tiers.toml"
    path.write_text(TIERS, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--properties", "--format", "json"])
    found = [f for f in json.loads(result.output) if f["code"] == "SIB-PROP-004"]
    assert len(found) == 1
    assert "the payers together pay £160,000.00 less" in found[0]["explanation_en"]
    assert "betalen de uitkomstbetalers samen £\u00a0160.000,00 minder" in found[0]["explanation_nl"]
    assert '[[scenarios]]\nname = "counterexample"' in found[0]["facts"]["scenarios"]
    # the Leeuwarden pilot pays more for more results: no such finding
    result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--properties", "--format", "json"])
    assert not [f for f in json.loads(result.output) if f["code"] == "SIB-PROP-004"]
