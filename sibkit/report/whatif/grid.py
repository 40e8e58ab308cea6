"""The engine's results on a grid of lever positions, computed at build time (one engine, in Python).

Every combination of the scenario levers' levels is one scenario of a single batch; every combination of
the contract levers' levels is one contract variant that runs that batch (``run_scenarios``). The grid is
the product of all levers' levels, in the order the levers are given (the last lever varies fastest).

Each read-out is a **series**: one value per grid point, named after its key path in ``sibkit run
--json`` (``accounts.fno.pays``, ``payers.resultatenfonds.paid``, ``providers.dreamfabryk.lowest_cash``,
``tranches.senior.irr`` …; a list of the JSON is addressed by its items' ``id``). Money is in cents (an
``int``), a provider's lowest-cash month a month number from the contract start, IRRs and multiples a
``float`` (rounded to 10 decimals, as the JSON); ``None`` where a value is undefined there (no IRR, no
tranche without the investors).

The checks (``sibkit.checks.run_checks``) run on the contract variant whose default scenario is the
grid point's scenario, but only where at most one lever is away from its default (the "star" through
the default point): each check run costs as much as a few hundred grid points.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import numpy as np

from sibkit.checks import Finding, run_checks
from sibkit.engine import Results, deterministic_batch, run_scenarios, stack
from sibkit.model import Contract, Scenario
from sibkit.report.whatif.levers import Lever, contract_variant, scenario_variant, settings_of

__all__ = ["Grid", "build_grid", "point_results", "series_of"]

Value = int | float | None


@attrs.frozen(kw_only=True, eq=False)
class Grid:
    """The read-outs at every grid point (see the module docstring)."""

    levers: tuple[Lever, ...]
    series: dict[str, list[Value]]
    """Key path → one value per grid point, in C order of the levers' level indices."""
    parties: dict[str, str]
    """Account id → the party's name (contract text, in the contract's own words)."""
    checks: dict[tuple[int, ...], tuple[Finding, ...]]
    """Level indices of each point on the star through the default → its error and warning findings."""
    seconds: float
    """Wall time of the build, seconds."""

    @property
    def shape(self) -> tuple[int, ...]:
        """The number of levels of each lever."""
        return tuple(len(lv.levels) for lv in self.levers)

    @property
    def size(self) -> int:
        """The number of grid points (the product of ``shape``)."""
        return math.prod(self.shape)

    @property
    def default(self) -> tuple[int, ...]:
        """Level indices of the default point (the contract as written, at its default scenario)."""
        return tuple(lv.default for lv in self.levers)

    def flat(self, indices: Sequence[int]) -> int:
        """The position of the grid point ``indices`` in each series."""
        return int(np.ravel_multi_index(tuple(indices), self.shape)) if self.levers else 0


def _rate(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 10)


def _average(x: float) -> int | None:
    """A per-unit average in cents, rounded half up to the cent (as ``sibkit run --json``)."""
    return None if math.isnan(x) else math.floor(x + 0.5)


def series_of(res: Results, i: int) -> dict[str, Value]:
    """Scenario ``i`` of ``res`` as ``{key path: value}``: the read-outs of the page, keyed as ``run --json``."""
    out: dict[str, Value] = {
        "outcome_payments": int(res.outcome_payments[i]),
        "cap_cut": int(res.cap_cut[i]),
        "participants": int(res.participants[i]),
    }
    for a in res.accounts:
        for field in ("pays", "receives", "net", "savings", "net_of_savings"):
            out[f"accounts.{a.id}.{field}"] = int(getattr(a, field)[i])
    for p in res.payers:
        out[f"payers.{p.id}.paid"] = int(p.paid[i])
        out[f"payers.{p.id}.cost_per_outcome"] = _average(float(p.cost_per_outcome[i]))
        out[f"payers.{p.id}.cost_per_participant"] = _average(float(p.cost_per_participant[i]))
    for pr in res.providers:
        out[f"providers.{pr.id}.margin"] = int(pr.margin[i])
        out[f"providers.{pr.id}.lowest_cash"] = int(pr.lowest_cash[i])
        out[f"providers.{pr.id}.lowest_cash_month"] = int(pr.lowest_cash_month[i])
    for t in res.tranches:
        out[f"tranches.{t.id}.drawn"] = int(t.drawn[i])
        out[f"tranches.{t.id}.irr"] = _rate(float(t.irr[i]))
        out[f"tranches.{t.id}.multiple"] = _rate(float(t.multiple[i]))
        out[f"tranches.{t.id}.loss"] = int(t.loss[i])
    for g in res.guarantees:
        out[f"guarantees.{g.id}.paid"] = int(g.paid[i])
    return out


def point_results(c: Contract, levers: Sequence[Lever], indices: Sequence[int]) -> tuple[Contract, Scenario, Decimal]:
    """The contract variant, scenario and success factor of one grid point: what ``sibkit run`` would be
    given to compute the same figures (``run(variant, scenario, success)``)."""
    setting = settings_of(levers, indices)
    variant = contract_variant(c, {k: v for k, v in setting.items() if _is_contract(k)})
    scenario, success = scenario_variant(variant, {k: v for k, v in setting.items() if not _is_contract(k)})
    return variant, scenario, success


def _is_contract(name: str) -> bool:
    return name.split(".")[0] not in ("success", "enrolment")


def build_grid(c: Contract, levers: Sequence[Lever], *, checks: bool = True) -> Grid:
    """Run the engine at every grid point of ``levers`` (see the module docstring); ``checks``: also run the
    checks on the star through the default point."""
    start = time.perf_counter()
    levers = tuple(levers)
    scen = [i for i, lv in enumerate(levers) if lv.kind == "scenario"]
    cont = [i for i, lv in enumerate(levers) if lv.kind == "contract"]
    scen_points = list(itertools.product(*(range(len(levers[i].levels)) for i in scen)))
    cont_points = list(itertools.product(*(range(len(levers[i].levels)) for i in cont)))
    batches = []
    for point in scen_points:
        setting = {levers[i].name: levers[i].levels[k] for i, k in zip(scen, point, strict=True)}
        sc, success = scenario_variant(c, setting)
        batches.append(deterministic_batch(c, sc, success))
    batch = stack(batches)
    shape = tuple(len(lv.levels) for lv in levers)
    size = math.prod(shape)
    series: dict[str, list[Value]] = {}
    parties: dict[str, str] = {}
    for cpoint in cont_points:
        setting = {levers[i].name: levers[i].levels[k] for i, k in zip(cont, cpoint, strict=True)}
        variant = contract_variant(c, setting)
        res = run_scenarios(variant, batch)
        for a in res.accounts:
            parties.setdefault(a.id, a.name)
        for s, spoint in enumerate(scen_points):
            indices = [0] * len(levers)
            for i, k in zip(scen, spoint, strict=True):
                indices[i] = k
            for i, k in zip(cont, cpoint, strict=True):
                indices[i] = k
            flat = int(np.ravel_multi_index(tuple(indices), shape)) if levers else 0
            for key, value in series_of(res, s).items():
                column = series.get(key)
                if column is None:
                    column = series[key] = [None] * size
                column[flat] = value
    found: dict[tuple[int, ...], tuple[Finding, ...]] = {}
    if checks:
        for star in _star(levers):
            variant, sc, success = point_results(c, levers, star)
            found[star] = _red_checks(variant, sc, success)
    return Grid(levers=levers, series=series, parties=parties, checks=found, seconds=time.perf_counter() - start)


def _star(levers: Sequence[Lever]) -> list[tuple[int, ...]]:
    """The default point and every point with exactly one lever away from its default."""
    default = tuple(lv.default for lv in levers)
    out = [default]
    for i, lv in enumerate(levers):
        for k in range(len(lv.levels)):
            if k != lv.default:
                out.append((*default[:i], k, *default[i + 1 :]))
    return out


def _red_checks(variant: Contract, scenario: Scenario, success: Decimal) -> tuple[Finding, ...]:
    """The error and warning findings of the checks when ``scenario`` at ``success`` is what is expected."""
    scaled = _scaled_scenario(scenario, success)
    default = variant.default_scenario()
    scenarios = tuple(scaled if s.name == default.name else s for s in variant.scenarios) or (scaled,)
    # the uncertainty's ranges are checked against the expected scenario; a lever may move it outside them
    expected = attrs.evolve(variant, scenarios=scenarios, uncertainty=None)
    return tuple(f for f in run_checks(expected) if f.severity in ("error", "warning"))


def _scaled_scenario(scenario: Scenario, success: Decimal) -> Scenario:
    """``scenario`` with every rate and improvement multiplied by ``success`` (shares stop at 100%), as
    ``deterministic_batch`` scales them."""
    if success == 1:
        return scenario
    outcomes = []
    for o in scenario.outcomes:
        changes: dict[str, Any] = {}
        if o.rate is not None:
            changes["rate"] = min(o.rate * success, Decimal(1))
        if o.treatment is not None:
            changes["treatment"] = o.treatment * success
        outcomes.append(attrs.evolve(o, **changes))
    return attrs.evolve(scenario, outcomes=tuple(outcomes))
