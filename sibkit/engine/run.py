"""Running a contract: one named scenario, a success level, or a batch.

The deterministic run is the batch engine with N = 1; there is no second
implementation.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, deterministic_batch, stack
from sibkit.engine.maximum import MaximumPayment
from sibkit.engine.results import Results, results
from sibkit.engine.waterfall import run_batch
from sibkit.model import Contract, Scenario

__all__ = ["break_even_success", "default_scenario", "run", "run_scenarios"]


def default_scenario(contract: Contract) -> Scenario:
    """``contract.default_scenario()``, kept for callers of the engine's API."""
    return contract.default_scenario()


def run(
    contract: Contract,
    scenario: str | Scenario | None = None,
    success: Decimal = Decimal(1),
    *,
    maximum: MaximumPayment | None = None,
) -> Results:
    """Run one scenario (by name, or the default) at a success factor (1 = as written).

    ``maximum``: the contract's maximum payment, when the caller has already computed it (it does not
    depend on the scenario), so that it is not computed again.
    """
    if scenario is None:
        sc = default_scenario(contract)
    elif isinstance(scenario, str):
        sc = contract.scenario(scenario)
    else:
        sc = scenario
    return results(contract, run_batch(contract, deterministic_batch(contract, sc, success)), maximum=maximum)


def run_scenarios(contract: Contract, batch: Batch, *, maximum: MaximumPayment | None = None) -> Results:
    """Run every scenario of ``batch`` at once (``maximum``: the contract's maximum payment, if already computed)."""
    return results(contract, run_batch(contract, batch), maximum=maximum)


def break_even_success(
    contract: Contract, scenario: Scenario | None = None, *, high: Decimal = Decimal(3), tol: float = 1e-6
) -> float | None:
    """The lowest success factor at which the most senior tranches get their principal back from outcome
    payments alone (principal repaid at least what was drawn; guarantees not counted).

    This is a narrower question than the break-even the commands report: ``run``, ``sweep`` and the term
    sheet all use ``sibkit.sweep`` (each tranche's multiple, guarantees included, reaching 1), found the same
    way (bisection inside a bracket, to a millionth).

    A scan of 33 levels from 0 to ``high`` finds the first level that repays; bisection on
    batches of success factors (each batch one engine run) then narrows it to ``tol`` (a millionth, as
    ``sibkit.sweep`` finds its break-even levels, so the three decimals written are exact).
    ``None`` when the contract has no repayable tranche or no level up to ``high`` repays it.
    """
    sc = scenario or default_scenario(contract)
    seniors = [t for t in contract.tranches if t.seniority == min((x.seniority for x in contract.tranches), default=0)]
    if not seniors:
        return None
    ids = [i for i, t in enumerate(contract.tranches) if t in seniors]

    def repaid(factors: list[Decimal]) -> npt.NDArray[np.bool_]:
        batch = stack([deterministic_batch(contract, sc, f) for f in factors])
        flows = run_batch(contract, batch)
        ok: npt.NDArray[np.bool_] = np.all(flows.tranche_repaid[:, ids] >= flows.tranche_drawn[:, ids], axis=1)
        return ok

    # scan the whole range first: repayment need not be monotone in success (a contract cap can stop
    # payments that would have repaid drawdowns made after an early surplus was paid out)
    scan = [high * Decimal(i) / 32 for i in range(33)]
    ok = repaid(scan)
    if not ok.any():
        return None
    first = int(np.argmax(ok))
    if first == 0:
        return 0.0
    lo, hi = scan[first - 1], scan[first]
    while float(hi - lo) > tol:
        grid = [lo + (hi - lo) * Decimal(i) / 16 for i in range(17)]
        ok = repaid(grid)
        first = int(np.argmax(ok))
        lo, hi = grid[max(first - 1, 0)], grid[first]
    return float(hi)
