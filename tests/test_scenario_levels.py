"""Scenario lines that give an evaluator's treatment and comparison levels instead of a rate (issue #11)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from sibkit.engine import run
from sibkit.errors import ContractFileError
from sibkit.load import load_contract, loads
from sibkit.model import Metric, ScenarioOutcome

from conftest import ROOT

POOLED_FILE = ROOT / "tests" / "engine_contracts" / "pooled-cohorts.toml"
NORTH = 'provider = "north", treatment = 144.15, comparison = 155'
"""North's line in the scenario ``published-levels`` (the fifth scenario, ``scenarios[4]``)."""
NOTE = "(references between parts and totals are checked once this problem is fixed)"


def text() -> str:
    """The pooled-cohorts test contract as written."""
    return Path(POOLED_FILE).read_text(encoding="utf-8")


def problem(contract_text: str) -> str:
    """The message loading ``contract_text`` as ``x.toml`` fails with."""
    with pytest.raises(ContractFileError) as caught:
        loads(contract_text, file="x.toml")
    return str(caught.value)


RECONVICTION = Metric(id="reconviction", name="Reconviction events", kind="cohort_change", baseline=Decimal("1.55"))
MONTHS_IN_WORK = attrs.evolve(RECONVICTION, id="months-in-work", name="Months in work", direction="increase")


class TestExpectedRate:
    def test_fewer_is_better(self) -> None:
        """Reconvictions per 100: 140.275 against 155 is (155 − 140.275) / 155 = 14.725 / 155 = 9.5% fewer."""
        line = ScenarioOutcome(metric="reconviction", treatment=Decimal("140.275"), comparison=Decimal(155))
        assert line.expected_rate(RECONVICTION) == Decimal("0.095")

    def test_more_is_better(self) -> None:
        """Months in work per person: 6.6 against 6 in the comparison group is (6.6 − 6) / 6 = 10% more."""
        line = ScenarioOutcome(metric="months-in-work", treatment=Decimal("6.6"), comparison=Decimal(6))
        assert line.expected_rate(MONTHS_IN_WORK) == Decimal("0.1")

    def test_worse_than_the_comparison_is_negative(self) -> None:
        """160 reconvictions per 100 against 155 is (155 − 160) / 155 = −1/31 ≈ −3.2%: a worse result."""
        line = ScenarioOutcome(metric="reconviction", treatment=Decimal(160), comparison=Decimal(155))
        assert line.expected_rate(RECONVICTION) == Decimal(-5) / Decimal(155)

    def test_a_rate_is_taken_as_given(self) -> None:
        """A line with ``rate`` gives that rate, whatever the metric's direction."""
        assert ScenarioOutcome(metric="reconviction", rate=Decimal("0.07")).expected_rate(MONTHS_IN_WORK) == Decimal(
            "0.07"
        )


class TestLevelsInTheEngine:
    def test_a_worse_cohort_is_paid_nothing_and_pulls_the_pool_down(self) -> None:
        """North at 160 against 155 is −1/31 ≈ −3.23%, south 9.5%: together
        (1,000 × −3.23% + 1,000 × 9.5%) / 2,000 ≈ 3.13% < 7.5%, so nobody is paid (north has no units to pay:
        its improvement is below 0)."""
        c = loads(text().replace('treatment = 144.15, comparison = 155', 'treatment = 160, comparison = 155'))
        assert int(run(c, "published-levels").outcome_payments[0]) == 0

    def test_more_is_better_levels(self) -> None:
        """With direction "increase", north 107 against 100 is 7% more and south 109.5 against 100 9.5% more:
        the reproducer's improvements, so the reproducer's £25,575.00 (108.5 and 147.25 events × £100)."""
        c = load_contract(POOLED_FILE)
        metric = attrs.evolve(c.metrics[0], direction="increase")
        levels = c.scenario("published-levels")
        lines = (
            attrs.evolve(levels.outcomes[0], treatment=Decimal(107), comparison=Decimal(100)),
            attrs.evolve(levels.outcomes[1], treatment=Decimal("109.5"), comparison=Decimal(100)),
        )
        c = attrs.evolve(c, metrics=(metric,), scenarios=(attrs.evolve(levels, outcomes=lines),))
        assert int(run(c, "published-levels").outcome_payments[0]) == 25_575_00


class TestLevelsAreValidated:
    def test_negative_treatment_level(self) -> None:
        """A level below 0 is refused at the field."""
        assert problem(text().replace(NORTH, 'provider = "north", treatment = -1, comparison = 155')) == (
            "x.toml: 1 problem\n"
            "  expected a number of at least 0, got -1 @ $.scenarios[4].outcomes[0].treatment\n"
            f"  {NOTE}"
        )

    def test_zero_comparison_level(self) -> None:
        """The comparison level divides: 0 is refused at the field."""
        assert problem(text().replace(NORTH, 'provider = "north", treatment = 144.15, comparison = 0')) == (
            "x.toml: 1 problem\n"
            "  expected a number above 0, got 0 @ $.scenarios[4].outcomes[0].comparison\n"
            f"  {NOTE}"
        )

    def test_rate_and_levels_together(self) -> None:
        """A line gives the improvement one way only."""
        assert problem(text().replace(NORTH, f"rate = 0.07, {NORTH}")) == (
            "x.toml: 1 problem\n"
            "  give either 'rate' or the 'treatment' and 'comparison' levels, not both "
            "@ $.scenarios[4].outcomes[0].rate\n"
            f"  {NOTE}"
        )

    def test_treatment_without_comparison(self) -> None:
        """One level alone gives no improvement."""
        assert problem(text().replace(NORTH, 'provider = "north", treatment = 144.15')) == (
            "x.toml: 1 problem\n"
            "  'treatment' needs 'comparison': the comparison group's level, in the same unit "
            "@ $.scenarios[4].outcomes[0].comparison\n"
            f"  {NOTE}"
        )

    def test_comparison_without_treatment(self) -> None:
        """Nor does the comparison level alone."""
        assert problem(text().replace(NORTH, 'provider = "north", comparison = 155')) == (
            "x.toml: 1 problem\n"
            "  'comparison' needs 'treatment': the treatment group's level, in the same unit "
            "@ $.scenarios[4].outcomes[0].treatment\n"
            f"  {NOTE}"
        )

    def test_neither_rate_nor_levels(self) -> None:
        """A line without any result is refused, naming both ways to give one."""
        assert problem(text().replace(NORTH, 'provider = "north"')) == (
            "x.toml: 1 problem\n"
            "  give 'rate', or for a cohort_change metric the 'treatment' and 'comparison' levels "
            "@ $.scenarios[4].outcomes[0].rate\n"
            f"  {NOTE}"
        )

    def test_levels_on_a_metric_of_another_kind(self) -> None:
        """Levels only describe a cohort's change against a comparison group; a per-participant event metric
        takes a rate."""
        with_event = text().replace(
            "[[rules]]",
            '[[metrics]]\nid = "contact"\nname = "Contact made"\n\n'
            '[[rules]]\ntype = "rate_card"\nid = "card"\nentries = [ { metric = "contact", price = 10 } ]\n\n'
            "[[rules]]",
            1,
        )
        bad = with_event + (
            '\n[[scenarios]]\nname = "levels-on-event"\n'
            'outcomes = [ { metric = "contact", treatment = 60, comparison = 50 } ]\n'
        )
        assert problem(bad) == (
            "x.toml: 1 problem\n"
            "  treatment and comparison levels are only for a cohort_change metric, and 'contact' is of kind "
            "'event': give 'rate', the share of participants who achieve it @ $.scenarios[5].outcomes[0].treatment"
        )

    def test_an_uncertainty_range_must_hold_the_improvement_the_levels_give(self) -> None:
        """North's levels give (155 − 144.15) / 155 = 7%: a range of 8–14% around it is refused."""
        ranged = text() + (
            '\n[uncertainty]\nscenario = "published-levels"\n'
            'outcomes = [ { metric = "reconviction", provider = "north", low = 0.08, high = 0.14 } ]\n'
        )
        assert problem(ranged) == (
            "x.toml: 1 problem\n"
            "  the expected rate of 'reconviction' for 'north' in scenario 'published-levels' is 7%, outside "
            "low–high (8%–14%) @ $.uncertainty.outcomes[0]"
        )
