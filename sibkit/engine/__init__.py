"""The cash-waterfall engine: one implementation for one scenario or a million."""

import sibkit.engine.month_loop as _month_loop
import sibkit.engine.schedule as _schedule
from sibkit.engine.batch import Axes, Batch, axes, deterministic_batch, stack
from sibkit.engine.irr import annualise, irr, npv, xirr, xnpv
from sibkit.engine.ledger import Entry, Ledger, Reason, Why
from sibkit.engine.results import FeeResults, PayerResults, ProviderResults, Results, TrancheResults, results
from sibkit.engine.run import break_even_success, default_scenario, run, run_scenarios
from sibkit.engine.waterfall import Flows, run_batch

ENGINE_LOOPS = (_month_loop.month_loop, _schedule._scatter)
"""The compiled loops every engine run needs, the month loop taking most of the compile time (see
``sibkit.jit.compiled``)."""

__all__ = [
    "ENGINE_LOOPS",
    "Axes",
    "Batch",
    "Entry",
    "FeeResults",
    "Flows",
    "Ledger",
    "PayerResults",
    "ProviderResults",
    "Reason",
    "Results",
    "TrancheResults",
    "Why",
    "annualise",
    "axes",
    "break_even_success",
    "default_scenario",
    "deterministic_batch",
    "irr",
    "npv",
    "results",
    "run",
    "run_batch",
    "run_scenarios",
    "stack",
    "xirr",
    "xnpv",
]
