"""The engine work of a term sheet, done once: ``compute`` returns a ``Computed`` record that every
section, chart and output format (Markdown, HTML, Word, PDF) reads; nothing below it runs the engine.

The maximum payment is computed first and passed to every run, the sweep and the checks, so it is
computed once per term sheet; the payoff chart draws the same sweep the break-even sentences read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.checks import run_checks
from sibkit.engine.maximum import MaximumPayment, full_success, maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import default_scenario, run, run_scenarios
from sibkit.engine.simulate import Summary, simulate, summarise
from sibkit.model import Contract, Scenario
from sibkit.sweep import BreakEven, Sweep, parse_range, savings_break_even, sweep

__all__ = ["CHART_LEVELS", "SIMULATION_SEED", "Computed", "compute"]

CHART_LEVELS = "0:1.5:16"
"""The success levels of the payoff chart: 16 levels from 0 to 1.5 times the default scenario."""

SIMULATION_SEED = 0
"""The seed of the term sheet's Monte Carlo summary, so the same contract always gives the same figures."""


@attrs.frozen(kw_only=True, eq=False)
class Computed:
    """Everything the engine computes for a term sheet, independent of the language: computed once by
    ``compute`` and passed to every section, chart and output format (Markdown, HTML, Word, PDF)."""

    maximum: MaximumPayment
    """The contract's maximum potential outcome payment (computed once; every run below reuses it)."""
    scenarios: tuple[Scenario, ...]
    """The scenarios of the scenario table: the contract's own, or its default scenario when it names none."""
    named: bool
    """Whether the contract names its scenarios."""
    runs: tuple[Results, ...]
    """One engine run per scenario, in the order of ``scenarios``."""
    sweep_levels: tuple[Decimal, ...]
    """The success levels of the payoff chart (``CHART_LEVELS``)."""
    chart_scenario: Scenario
    """The scenario the payoff and cash charts show (the contract's default scenario)."""
    sweep: Sweep
    """The payoff sweep of ``chart_scenario`` over ``sweep_levels`` (the payoff chart and its break-evens)."""
    worst: Results
    """The engine run at the maximum (``sibkit.engine.maximum.full_success``): what each party pays when every
    participant achieves every outcome (the "at most" of the decision summary)."""
    savings_break_even: tuple[BreakEven, ...]
    """For each payer and contributor with cashable savings in its own budgets: the success level (of
    ``chart_scenario``) from which those savings cover what it pays."""
    findings: list[Any]
    """The checks' findings (``sibkit.checks.run_checks``)."""
    simulation: Summary | None
    """The Monte Carlo summary, when the term sheet asks for one."""
    simulated_costs: npt.NDArray[np.int64] | None
    """What the payers paid together in each simulated scenario, cents (for the distribution chart)."""

    @property
    def break_even(self) -> tuple[BreakEven, ...]:
        """The break-even levels of the payoff sweep."""
        return self.sweep.break_even


def compute(contract: Contract, simulate_n: int | None) -> Computed:
    """Run the engine for a term sheet: one run per named scenario, the payoff sweep, the checks and, with
    ``simulate_n`` scenarios, Monte Carlo. Every output format (Markdown, HTML, Word, PDF) renders from it."""
    maximum = maximum_payment(contract)
    named = bool(contract.scenarios)
    scenarios = contract.scenarios if named else (default_scenario(contract),)
    runs = tuple(run(contract, sc, maximum=maximum) for sc in scenarios)
    levels = parse_range(CHART_LEVELS)
    chart_scenario = default_scenario(contract)
    swept = sweep(contract, levels, chart_scenario, maximum=maximum)
    worst = run_scenarios(contract, full_success(contract), maximum=maximum)
    savers = [
        a.id
        for a in swept.results.accounts
        if {"outcome_payer", "fund_contributor"} & set(a.roles) and bool(np.any(a.savings))
    ]
    simulation = None
    simulated_costs = None
    if simulate_n is not None:
        sim = simulate(contract, simulate_n, SIMULATION_SEED, workers=1)
        simulation = summarise(contract, sim)
        simulated_costs = sum(
            (np.asarray(sim.metrics[f"payer:{p.id}:cost"], dtype=np.int64) for p in contract.payers),
            np.zeros(simulate_n, dtype=np.int64),
        )
    return Computed(
        maximum=maximum,
        scenarios=tuple(scenarios),
        named=named,
        runs=runs,
        sweep_levels=levels,
        chart_scenario=chart_scenario,
        sweep=swept,
        worst=worst,
        savings_break_even=tuple(savings_break_even(swept, contract, party, maximum=maximum) for party in savers),
        findings=run_checks(contract, maximum=maximum),
        simulation=simulation,
        simulated_costs=simulated_costs,
    )
