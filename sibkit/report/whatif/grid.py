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

The checks: at a grid point, the error and warning findings of ``sibkit.checks.run_checks`` on the contract
variant whose default scenario is the grid point's scenario (``_red_checks``). They cost more than the
figures (about 2 ms a point on the pilot's default page, 1 ms with 49 scenarios per contract variant,
against 0.14 ms, on two cores), so they run at every point (``coverage`` ``all``) up to ``CHECKS_EVERYWHERE``
points, and beyond only where at most one lever is away from its default (``star``). At every point they
are computed with less, to the same findings in the same order (``_variant_checks``): each contract
variant is validated and its maximum payment computed once; a check that reads no scenario
(``Context.scenario_read``) runs once per variant; the others run per point and get the point's scenario
through ``Context(scenario=…)``, except those that read it from the contract itself (``CONTRACT_SCENARIO``),
which get the contract rebuilt with it. The engine work is shared: each scenario point's deterministic
batches (expected and low success) are made once for every variant (``_Job.checked``); a variant's contexts
share one ``sibkit.checks.context.Runs``, so an equal batch runs once, and the results at full and low
success of all the points come from one engine run, the non-monotone check's probes from another. The
contract variants are spread over the machine's cores (``ProcessPoolExecutor``); the results do not depend on how many.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from typing import Any, Literal

import attrs
import numpy as np

from sibkit.checks import Context, Finding, order_findings, registered, run_checks
from sibkit.checks.context import LOW_SUCCESS, Runs
from sibkit.checks.non_monotone import probe_batch
from sibkit.engine import Results, deterministic_batch, run_scenarios, stack
from sibkit.engine.batch import Batch
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.model import Contract, Scenario
from sibkit.report.whatif.levers import Lever, contract_variant, scenario_variant, settings_of

__all__ = ["CHECKS_EVERYWHERE", "CONTRACT_SCENARIO", "Coverage", "Grid", "build_grid", "point_results", "series_of"]

Value = int | float | None

Coverage = Literal["all", "star", "none"]
"""Where the checks are run: at every grid point, on the star through the default point, nowhere."""


@attrs.frozen(kw_only=True, eq=False)
class Grid:
    """The read-outs at every grid point (see the module docstring)."""

    levers: tuple[Lever, ...]
    series: dict[str, list[Value]]
    """Key path → one value per grid point, in C order of the levers' level indices."""
    parties: dict[str, str]
    """Account id → the party's name (contract text, in the contract's own words)."""
    checks: dict[tuple[int, ...], tuple[Finding, ...]]
    """Level indices of each checked point → its error and warning findings (``coverage`` says which)."""
    coverage: Coverage = "star"
    """Where the checks were run: every point (``all``), the star through the default point, or nowhere."""
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


CHECKS_EVERYWHERE = 20_000
"""The most grid points whose checks ``build_grid`` runs everywhere when asked for ``auto``; a larger grid
gets them on the star through the default point (see the module docstring for the cost). The 16,807-point
benchmark grid (``benchmarks/whatif.py``) builds in 17 s with the checks everywhere on a 2-core machine
(target 30 s); a page of 20,000 points with 49 scenarios per contract variant takes about 20 s, one with few
scenarios per variant more a point (the pilot's 4,500-point default page: 9 s)."""

CONTRACT_SCENARIO: dict[str, Callable[[Contract], bool]] = {
    # risk_transfer samples the contract's own uncertainty model around the contract's default scenario,
    # and returns before reading anything but the terms when no guarantee covers a tranche
    "SIB-RISK-001": lambda c: bool(c.guarantees),
}
"""Checks that read the expected scenario from the contract itself (``contract.scenarios``,
``default_scenario``), not from their ``Context``, by code; read from their code. At a grid point they are
given the contract with that point's scenario, as ``_red_checks`` does, when the predicate holds for the
contract variant (else they read no scenario at all). ``tests/test_whatif.py`` checks every other check
against this."""


def build_grid(
    c: Contract,
    levers: Sequence[Lever],
    *,
    checks: bool | Coverage | Literal["auto"] = "auto",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Grid:
    """Run the engine at every grid point of ``levers`` (see the module docstring).

    ``checks``: where to run the checks too (``"auto"`` or ``True``: everywhere up to ``CHECKS_EVERYWHERE``
    points, else on the star; ``False``: nowhere). ``workers``: processes to use (default: one per core,
    at most one per contract variant; 1, or fewer than 4 variants, runs everything in this process). The
    results do not depend on it.
    ``progress``: called with the contract variants done and the number of variants, as each is done."""
    start = time.perf_counter()
    levers = tuple(levers)
    size = math.prod(len(lv.levels) for lv in levers)
    if checks is True or checks == "auto":
        coverage: Coverage = "all" if size <= CHECKS_EVERYWHERE else "star"
    elif checks is False:
        coverage = "none"
    else:
        coverage = checks
    scen = [i for i, lv in enumerate(levers) if lv.kind == "scenario"]
    cont = [i for i, lv in enumerate(levers) if lv.kind == "contract"]
    scen_points = list(itertools.product(*(range(len(levers[i].levels)) for i in scen)))
    cont_points = list(itertools.product(*(range(len(levers[i].levels)) for i in cont)))
    scenarios = []
    for point in scen_points:
        setting = {levers[i].name: levers[i].levels[k] for i, k in zip(scen, point, strict=True)}
        scenarios.append(scenario_variant(c, setting))
    batch = stack([deterministic_batch(c, sc, success) for sc, success in scenarios])
    shape = tuple(len(lv.levels) for lv in levers)
    expected = [_scaled_scenario(*s) for s in scenarios]
    checked = (
        [(deterministic_batch(c, sc), deterministic_batch(c, sc, LOW_SUCCESS)) for sc in expected]
        if coverage == "all"
        else []
    )
    job = _Job(c=c, levers=levers, cont=cont, batch=batch, expected=expected, checked=checked)
    todo = [(cpoint, tuple(range(len(scen_points))) if coverage == "all" else ()) for cpoint in cont_points]
    series: dict[str, list[Value]] = {}
    parties: dict[str, str] = {}
    found: dict[tuple[int, ...], tuple[Finding, ...]] = {}
    done = _run_all(job, todo, workers, progress or (lambda done, total: None))
    for cpoint, (rows, names, findings) in zip(cont_points, done, strict=True):
        for a_id, name in names:
            parties.setdefault(a_id, name)
        for s, spoint in enumerate(scen_points):
            indices = [0] * len(levers)
            for i, k in zip(scen, spoint, strict=True):
                indices[i] = k
            for i, k in zip(cont, cpoint, strict=True):
                indices[i] = k
            flat = int(np.ravel_multi_index(tuple(indices), shape)) if levers else 0
            for key, value in rows[s].items():
                column = series.get(key)
                if column is None:
                    column = series[key] = [None] * size
                column[flat] = value
            if s in findings:
                found[tuple(indices)] = findings[s]
    if coverage == "star":
        for star in _star(levers):
            variant, sc, success = point_results(c, levers, star)
            found[star] = _red_checks(variant, sc, success)
    return Grid(
        levers=levers,
        series=series,
        parties=parties,
        checks=found,
        coverage=coverage,
        seconds=time.perf_counter() - start,
    )


@attrs.frozen(kw_only=True, eq=False)
class _Job:
    """What every contract variant's run shares: the contract, the levers, the scenario batch and, per
    scenario point, the scenario the checks treat as expected there."""

    c: Contract
    levers: tuple[Lever, ...]
    cont: list[int]
    batch: Batch
    expected: list[Scenario]
    checked: list[tuple[Batch, Batch]]
    """Per scenario point (with ``coverage`` ``all``), the deterministic batches of its expected scenario at
    full and at ``LOW_SUCCESS`` success, on the contract as written: the same for every contract variant (the
    contract levers change terms, not what happens, as ``batch`` relies on too)."""


_Task = tuple[tuple[int, ...], tuple[int, ...]]
"""A contract point (level indices of the contract levers) and the scenario points to check there."""
_Done = tuple[list[dict[str, Value]], list[tuple[str, str]], dict[int, tuple[Finding, ...]]]
"""Per scenario point its read-outs; the accounts' ids and names; per checked scenario point its findings."""

_JOB: _Job | None = None
"""The job of this worker process (set by ``_start_worker``)."""


def _start_worker(job: _Job) -> None:
    global _JOB
    _JOB = job


def _work(task: _Task) -> _Done:
    assert _JOB is not None
    return _variant(_JOB, task)


def _run_all(
    job: _Job, todo: list[_Task], workers: int | None, progress: Callable[[int, int], None]
) -> list[_Done]:
    """``_variant`` of every task, in order: in this process, or spread over ``workers`` processes (each
    task's result is the same wherever it runs); ``progress(done, total)`` after each task."""
    count = min(workers or os.cpu_count() or 1, len(todo))
    out: list[_Done] = []
    if count <= 1 or len(todo) < 4:
        for task in todo:
            out.append(_variant(job, task))
            progress(len(out), len(todo))
        return out
    with ProcessPoolExecutor(max_workers=count, initializer=_start_worker, initargs=(job,)) as pool:
        for done in pool.map(_work, todo, chunksize=max(1, len(todo) // (8 * count))):
            out.append(done)
            progress(len(out), len(todo))
    return out


def _variant(job: _Job, task: _Task) -> _Done:
    """The engine's read-outs of one contract variant at every scenario point, and its checks at those asked."""
    cpoint, checked = task
    setting = {job.levers[i].name: job.levers[i].levels[k] for i, k in zip(job.cont, cpoint, strict=True)}
    variant = contract_variant(job.c, setting)
    # the checks take the points' scenarios as expected, not the contract's uncertainty model around its own;
    # the engine does not read that model, so one contract without it serves the figures and the checks
    if variant.uncertainty is not None:
        variant = attrs.evolve(variant, uncertainty=None)
    maximum = maximum_payment(variant)
    res = run_scenarios(variant, job.batch, maximum=maximum)
    rows = [series_of(res, s) for s in range(job.batch.n)]
    names = [(a.id, a.name) for a in res.accounts]
    findings = _variant_checks(
        variant, [job.expected[s] for s in checked], [job.checked[s] for s in checked], maximum=maximum
    )
    return rows, names, dict(zip(checked, findings, strict=True))


def _variant_checks(
    contract: Contract,
    expected: Sequence[Scenario],
    batches: Sequence[tuple[Batch, Batch]],
    *,
    maximum: MaximumPayment,
) -> list[tuple[Finding, ...]]:
    """``_red_checks`` of ``contract`` (a contract variant without its uncertainty model) at each of the
    ``expected`` scenarios (already scaled by their success), the same findings in the same order, computed
    with less: the contract is validated and its maximum
    payment computed once; a check that reads no scenario (``Context.scenario_read``) runs once; the others
    run once per scenario, given it through their ``Context`` rather than through a contract built anew.
    ``batches``: per scenario, its deterministic batches at full and low success (``_Job.checked``), so they
    are not made again per variant; every context of the variant shares one ``Runs``, so a batch two
    scenarios have in common (one's low success is often another's full success) runs once. ``maximum``: the
    contract's maximum payment, computed once for the figures and the checks."""
    if not expected:
        return []
    runs = Runs(contract, maximum=maximum)
    checks = registered()
    # every scenario's runs at full and low success in one engine run, the non-monotone check's probes of
    # every scenario in another
    runs.prepare([batch for pair in batches for batch in pair])
    probes = (probe_batch(contract, full) for full, _ in batches)
    runs.prepare_payments([b for b in probes if b is not None])
    fixed: dict[str, list[Finding]] = {}
    out = []
    for j, scenario in enumerate(expected):
        context = Context(contract, scenario=scenario, batches=batches[j], runs=runs)
        found: list[Finding] = []
        for check in checks:
            if check.code in fixed:
                found.extend(fixed[check.code])
                continue
            reads = CONTRACT_SCENARIO.get(check.code)
            if reads is not None and reads(contract):
                expected_contract = _expected_contract(contract, scenario)
                found.extend(check.run(expected_contract, Context(expected_contract, maximum=maximum)))
                continue
            context.scenario_read = False
            got = check.run(contract, context)
            if j == 0 and not context.scenario_read:
                fixed[check.code] = got
            found.extend(got)
        out.append(tuple(f for f in order_findings(found) if f.severity in ("error", "warning")))
    return out


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
    expected = _expected_contract(variant, _scaled_scenario(scenario, success))
    return tuple(f for f in run_checks(expected) if f.severity in ("error", "warning"))


def _expected_contract(variant: Contract, scaled: Scenario) -> Contract:
    """``variant`` with ``scaled`` in place of its default scenario, and no uncertainty model."""
    default = variant.default_scenario()
    scenarios = tuple(scaled if s.name == default.name else s for s in variant.scenarios) or (scaled,)
    # the uncertainty's ranges are checked against the expected scenario; a lever may move it outside them
    return attrs.evolve(variant, scenarios=scenarios, uncertainty=None)


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
