"""The cash-waterfall engine: one vectorised implementation for one scenario or many."""

from sibkit.engine.batch import Axes, Batch, axes, deterministic_batch, stack
from sibkit.engine.irr import annualise, irr, xirr
from sibkit.engine.ledger import Entry, Ledger
from sibkit.engine.results import PayerResults, ProviderResults, Results, TrancheResults, results
from sibkit.engine.run import break_even_success, default_scenario, run, run_scenarios
from sibkit.engine.waterfall import Flows, run_batch

__all__ = [
    "Axes",
    "Batch",
    "Entry",
    "Flows",
    "Ledger",
    "PayerResults",
    "ProviderResults",
    "Results",
    "TrancheResults",
    "annualise",
    "axes",
    "break_even_success",
    "default_scenario",
    "deterministic_batch",
    "irr",
    "results",
    "run",
    "run_batch",
    "run_scenarios",
    "stack",
    "xirr",
]
