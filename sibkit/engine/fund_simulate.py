"""Monte Carlo of an outcomes fund: every contract start drawn together, the fund's books in every scenario.

The model (``docs/fund.md``, "Simulating the fund"):

* **a shared factor**: per scenario one standard normal ``F``, common to the whole fund (a good or a bad
  year for every contract at once);
* **per-contract noise**: each contract start draws its own scenario from its own uncertainty model (its
  ``[uncertainty]``, as ``sibkit simulate`` does: a normal score ``X`` per rate, with the contract's own
  ``shared`` factor inside it, Beta quantiles, enrolment factors, binomial participants); the fund mixes
  its factor into every score: ``X' = sqrt(rho) F + sqrt(1 - rho) X`` with ``rho`` the fund file's
  ``[simulation] shared``. ``X'`` is again standard normal, so each contract keeps its own distribution;
  two rates of different contracts have normal scores correlated by ``rho``;
* **pipeline entries**: in each scenario a pipeline start is approved with its probability (a Bernoulli
  draw) and then paid in full, or not at all;
* each start's scenario is run by the contract engine with its monthly ledger, placed on the fund's books
  as ``sibkit fund run`` places it (``sibkit.engine.fund.start_movements``), with the fund's own flows
  (contributions, loans, fees) added. Money stays in integer cents in every scenario; the books are
  reconciled in every scenario (``EngineError`` otherwise).

Seeding, as ``sibkit simulate``: scenarios come in chunks of ``CHUNK``; chunk ``c`` draws the fund factor
from ``SeedSequence(seed, spawn_key=(c, 0))`` and start ``k``'s draws (approval first, then the contract's
own) from ``SeedSequence(seed, spawn_key=(c, 1 + k))``. A block of work is one start and a run of whole
chunks; blocks of the same chunks are summed into the fund's books and reduced to figures per year. The
same seed gives the same numbers whatever the block size, the number of worker processes, or whether the
blocks run on this machine or on a Dask cluster.

Units: cents (``int64``), months from the fund's start, calendar years.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from multiprocessing import get_context
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.accounts import savings_by_month
from sibkit.engine.batch import Batch
from sibkit.engine.canonical import canonical
from sibkit.engine.fund import (
    INFLOWS,
    OUTFLOWS,
    FundWhy,
    StartRun,
    _Book,
    _loan,
    check_paid,
    run_starts,
    scaled,
    start_movements,
)
from sibkit.engine.results import payer_outlays
from sibkit.engine.simulate import (
    CHUNK,
    RESULTS_BUDGET_BYTES,
    SimulationTooLarge,
    _Plan,
    _plan,
    _sample_into,
    engine_rows,
)
from sibkit.engine.waterfall import run_batch
from sibkit.errors import EngineError
from sibkit.facts import N_, Count
from sibkit.limits import MAX_SIMULATED_SCENARIOS, MEMORY_BUDGET_BYTES
from sibkit.model import Contract
from sibkit.model.fund import Fund
from sibkit.money import allocate

__all__ = [
    "FUND_FACING",
    "GROUP_ARRAYS",
    "MAX_ENGINE_ROWS",
    "ClusterError",
    "FundSimulation",
    "FundSimulationSummary",
    "FundYearRisk",
    "Part",
    "Setup",
    "Task",
    "block_figures",
    "finish_group",
    "fund_simulate",
    "most_fund_scenarios",
    "prepare",
    "run_block",
    "sample_start",
    "sibkit_version",
    "summarise_fund",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

FUND_FACING = (
    FundWhy.OUTCOME_PAYMENT,
    FundWhy.CONTRACT_FEE,
    FundWhy.RECYCLED_RESIDUAL,
    FundWhy.RECYCLED_CAPITAL,
    FundWhy.RECYCLED_SAVINGS,
)
"""The fund's movements that depend on its contracts' results (the rest is the same in every scenario)."""

MAX_ENGINE_ROWS = 2048
"""Scenarios of one start the contract engine runs at once with its monthly ledger (memory)."""


@attrs.frozen(kw_only=True, eq=False)
class Setup:
    """What every block needs, sent once to each worker: the fund, its starts, its length and fixed flows."""

    token: str
    """Identifies this run (per-process caches key on it)."""
    fund: Fund
    starts: tuple[StartRun, ...]
    """Every start, signed and pipeline (``weight``: 1 signed, else the approval probability)."""
    months: int
    """T: months on the fund's books."""
    years: tuple[int, ...]
    """Y: the calendar years of those months."""
    year_of: I64
    """(T,) the index in ``years`` of each month."""
    fixed: Mapping[FundWhy, I64]
    """(T,) the fund's movements that do not depend on the contracts: contributions, loans, fixed fees."""


def prepare(fund: Fund, contracts: Mapping[str, Contract], scenario: str | None = None) -> Setup:
    """Run every start once (the deterministic run fixes labels, offsets, lengths) and the fund's fixed flows."""
    starts = run_starts(fund, contracts, scenario)
    book = _Book()
    for c in fund.contributors:
        for at, amount in c.schedule(fund.start):
            book.add(c.id, fund.id, FundWhy.CONTRIBUTION, c.id, at, np.array([amount], dtype=np.int64))
    for loan in fund.loans:
        _loan(fund, loan, book)
    ends = [book.end(), fund.horizon_months]
    for s in starts:
        ends.append(s.offset + s.results.flows.ledger.months)
        ends += [s.offset + v.shape[0] for v in s.savings.values()]
    months = max(ends)
    fixed = {w: np.zeros(months, dtype=np.int64) for w in (*INFLOWS, *OUTFLOWS)}
    for _, _, why, _, at, amounts in book.rows:
        fixed[why][at : at + len(amounts)] += amounts
    for fee in fund.fees:
        if fee.per_year:
            parts = allocate(fee.per_year, [1] * 12)
            fixed[FundWhy.FEE][: fund.horizon_months] += np.array(
                [parts[t % 12] for t in range(fund.horizon_months)], dtype=np.int64
            )
    first = fund.start.year * 12 + fund.start.month - 1
    calendar = np.array([(first + t) // 12 for t in range(months)], dtype=np.int64)
    years = tuple(int(y) for y in np.unique(calendar))
    return Setup(
        token=uuid.uuid4().hex,
        fund=fund,
        starts=starts,
        months=months,
        years=years,
        year_of=(calendar - calendar[0]).astype(np.int64),
        fixed=fixed,
    )


# --- sampling one start --------------------------------------------------------------------------------------


def _streams(seed: int, chunk: int, k: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The fund's stream for ``chunk`` and start ``k``'s stream for it."""

    def gen(*key: int) -> np.random.Generator:
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))

    return gen(chunk, 0), gen(chunk, 1 + k)


def sample_start(
    plan: _Plan, seed: int, chunk: int, k: int, shared: float, probability: float | None
) -> tuple[Batch, B, F64]:
    """Start ``k``'s ``CHUNK`` scenarios of chunk ``chunk``: the engine's input, whether the start is approved in
    each (all ``True`` for a signed contract, ``probability`` None) and the (n, P, S, M) normal scores of its
    rates (with the fund's factor mixed in at ``shared``, the share of variance in common)."""
    fund_rng, rng = _streams(seed, chunk, k)
    n = CHUNK
    f = fund_rng.standard_normal(n)
    u = rng.random(n)  # the approval draw comes first, so the contract's draws do not depend on the pipeline
    approved = np.ones(n, dtype=bool) if probability is None else u < probability
    t_len, p_len = plan.plan.shape
    _, s_len, m_len = plan.mean.shape
    achieved = np.empty((n, t_len, p_len, s_len, m_len), dtype=np.int64)
    batch = Batch(
        enrolled=np.empty((n, t_len, p_len, s_len), dtype=np.int64),
        achieved=achieved,
        units=achieved if bool(np.all(plan.units_per == 1.0)) else np.empty_like(achieved),
        offset=plan.base.offset,
        improvement=np.empty((n, p_len, m_len)),
    )
    # the contract's own sampler (as ``sibkit simulate`` draws it), on the start's stream, with the fund's factor
    x = _sample_into(plan, seed, chunk, batch, rng=rng, common=(f, shared))
    return batch, approved, x


def _rows(batch: Batch, start: int, stop: int) -> Batch:
    same = batch.units is batch.achieved
    achieved = batch.achieved[start:stop]
    return Batch(
        enrolled=batch.enrolled[start:stop],
        achieved=achieved,
        units=achieved if same else batch.units[start:stop],
        offset=batch.offset,
        improvement=batch.improvement[start:stop],
    )


_PREPARED: dict[tuple[str, int], tuple[Contract, _Plan]] = {}


def _prepared(setup: Setup, k: int) -> tuple[Contract, _Plan]:
    """Start ``k``'s contract in canonical order and its sampling plan, once per process and run (a worker keeps
    those of the run it works for, every start of it: a block may hold them all)."""
    key = (setup.token, k)
    if key not in _PREPARED:
        if any(token != setup.token for token, _ in _PREPARED):
            _PREPARED.clear()
        contract, _ = canonical(setup.starts[k].contract)
        _PREPARED[key] = (contract, _plan(contract))
    return _PREPARED[key]


@attrs.frozen(kw_only=True, eq=False)
class Part:
    """One block's result: the fund's movements that depend on the starts ``starts`` in the block's scenarios, summed
    over those starts, over the months ``offset`` to ``offset + W`` of the fund (the starts' windows: only these
    months can hold their money)."""

    starts: tuple[int, ...]
    offset: int
    amounts: Mapping[FundWhy, I64]
    """``(scenarios, W)`` cents per reason of ``FUND_FACING`` (reasons that never move are left out)."""


def _window(setup: Setup, s: StartRun) -> int:
    """W: the months from a start's first month in which its money can move on the fund's books."""
    span = max([int(s.results.flows.ledger.months), *(int(v.shape[0]) for v in s.savings.values())])
    return min(setup.months, s.offset + span) - s.offset


def run_block(setup: Setup, starts: Sequence[int], seed: int, chunks: Sequence[int], keep: int) -> Part:
    """One block: the starts ``starts`` in the first ``keep`` scenarios of ``chunks``, as the fund's movements that
    depend on them, summed over the starts (``Part``; sums of integers, so the split into blocks changes nothing).
    Raises ``EngineError`` when, in any scenario, the fund's payments for a start differ from what the contract
    engine says its fund payers paid."""
    ks = tuple(starts)
    if not ks:
        raise ValueError("a block needs at least one start")
    first = min(setup.starts[k].offset for k in ks)
    last = max(setup.starts[k].offset + _window(setup, setup.starts[k]) for k in ks)
    out = {w: np.zeros((keep, last - first), dtype=np.int64) for w in FUND_FACING}
    for k in ks:
        _add_start(setup, k, seed, chunks, keep, out, first)
    return Part(starts=ks, offset=first, amounts={w: a for w, a in out.items() if a.any()})


def _add_start(
    setup: Setup, k: int, seed: int, chunks: Sequence[int], keep: int, out: Mapping[FundWhy, I64], first: int
) -> None:
    """Add start ``k``'s movements on the fund's books in the first ``keep`` scenarios of ``chunks`` into ``out``
    (``(keep, W)`` per reason, month 0 of it the fund's month ``first``)."""
    s = setup.starts[k]
    fund = setup.fund
    contract, plan = _prepared(setup, k)
    shared = float(fund.simulation.shared)
    probability = float(s.weight) if s.pipeline else None
    commitments = [c.commitment for c in fund.contributors]
    recycle = {r.owner: r.share for r in fund.recycling.savings}
    step = max(1, min(engine_rows(contract), MAX_ENGINE_ROWS))
    at = s.offset - first
    width = _window(setup, s)
    row = 0
    for c in chunks:
        batch, approved, _ = sample_start(plan, seed, c, k, shared, probability)
        take = min(CHUNK, keep - row)
        for a in range(0, take, step):
            b = min(a + step, take)
            # the fund needs the ledger and what the payers paid, not the parties' results (IRRs, accounts)
            flows = run_batch(contract, _rows(batch, a, b))
            moves, net = start_movements(fund, s, flows.ledger.flows, commitments)
            check_paid(s, payer_outlays(contract, flows), net)
            # a pipeline start counts only where it is approved; a signed one everywhere (no product needed)
            mask = approved[a:b, None].astype(np.int64) if probability is not None else None
            rows = slice(row + a, row + b)
            for source, target, why, _, amounts in moves:
                if fund.id in (source, target):
                    _place(out[why], rows, at, width, amounts if mask is None else amounts * mask)
            if recycle:
                units = flows.schedule.units_paid_for
                cashable, _ = savings_by_month(contract, units, flows.batch, flows.ledger.months)
                for owner, share in recycle.items():
                    if owner in cashable:
                        back = scaled(cashable[owner], share)
                        _place(out[FundWhy.RECYCLED_SAVINGS], rows, at, width, back if mask is None else back * mask)
        row += take


def _place(target: I64, rows: slice, at: int, width: int, amounts: I64) -> None:
    """Add ``amounts`` (n, H), a start's movements by month from its first month, into ``target`` (n, W) at column
    ``at``; the start's money may use only its ``width`` months (the fund's books end there)."""
    h = amounts.shape[1]
    if h > width:
        if np.any(amounts[:, width:]):
            raise EngineError("a contract's movement runs past the fund's books")
        h = width
    target[rows, at : at + h] += amounts[:, :h]


def block_figures(
    setup: Setup, starts: Sequence[int], seed: int, chunks: Sequence[int], keep: int
) -> dict[str, npt.NDArray[Any]]:
    """A block holding every start of its group of chunks, finished where it ran: the per-scenario figures per year
    (``finish_group``), so that only they travel back."""
    return finish_group(setup, keep, run_block(setup, starts, seed, chunks, keep))


# --- the fund's books per group of chunks --------------------------------------------------------------------


def finish_group(setup: Setup, keep: int, *parts: Part) -> dict[str, npt.NDArray[Any]]:
    """The fund's books in the scenarios of one group of chunks, from every start's block over them, reduced to
    per-scenario figures per year (cents): ``outcome`` (n, Y) outcome payments, ``balance`` (n, Y) at the year
    end, ``lowest`` (n, Y) the lowest month-end balance in the year, and ``lowest_ever`` (n,). Raises
    ``EngineError`` when the books do not reconcile to the cent in some scenario."""
    fund = setup.fund
    n = keep
    by_why: dict[FundWhy, I64] = {}
    for why in (*INFLOWS, *OUTFLOWS):
        total = np.broadcast_to(setup.fixed[why], (n, setup.months)).copy()
        for p in sorted(parts, key=lambda p: p.starts):
            if why in p.amounts:
                window = p.amounts[why]
                total[:, p.offset : p.offset + window.shape[1]] += window
        by_why[why] = total
    for fee in fund.fees:  # the share part of the fund manager's fees, on each month's outcome payments
        by_why[FundWhy.FEE] += scaled(by_why[FundWhy.OUTCOME_PAYMENT], fee.share_of_payments)
    inflow = sum((by_why[w] for w in INFLOWS), np.zeros((n, setup.months), dtype=np.int64))
    outflow = sum((by_why[w] for w in OUTFLOWS), np.zeros((n, setup.months), dtype=np.int64))
    balance = np.cumsum(inflow - outflow, axis=1)
    _reconcile(setup, by_why, balance)
    # the months of a calendar year are consecutive: each year is one segment of the month axis
    first = np.flatnonzero(np.diff(setup.year_of, prepend=-1))
    last = np.append(first[1:], setup.months) - 1
    outcome = np.add.reduceat(by_why[FundWhy.OUTCOME_PAYMENT], first, axis=1)
    lowest = np.minimum.reduceat(balance, first, axis=1)
    return {
        "outcome": outcome,
        "balance": balance[:, last],
        "lowest": lowest,
        "lowest_ever": balance.min(axis=1),
    }


def _reconcile(setup: Setup, by_why: Mapping[FundWhy, I64], balance: I64) -> None:
    """In every scenario and month: nothing negative, and contributions + loans drawn + money back = outcome
    payments + fees + loan service + change in balance, to the cent (sums formed independently)."""
    if any(bool(np.any(a < 0)) for a in by_why.values()):
        raise EngineError("a movement on the fund's books is negative in some scenario")
    ins = by_why[FundWhy.CONTRIBUTION] + by_why[FundWhy.LOAN_DRAWN]
    ins = ins + by_why[FundWhy.RECYCLED_RESIDUAL] + by_why[FundWhy.RECYCLED_CAPITAL] + by_why[FundWhy.RECYCLED_SAVINGS]
    outs = by_why[FundWhy.OUTCOME_PAYMENT] + by_why[FundWhy.CONTRACT_FEE] + by_why[FundWhy.FEE]
    outs = outs + by_why[FundWhy.INTEREST] + by_why[FundWhy.PRINCIPAL]
    change = np.diff(balance, axis=1, prepend=0)
    bad = np.flatnonzero(np.any(ins != outs + change, axis=1))
    if bad.size:
        raise EngineError(f"the fund's books do not reconcile in scenario {int(bad[0])} of a block")
    if np.any(balance[:, -1] != ins.sum(axis=1) - outs.sum(axis=1)):
        raise EngineError("the fund's final balance is not what came in less what went out")


# --- running the blocks ----------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True, eq=False)
class FundSimulation:
    """Per-scenario figures per year of a fund simulation, in scenario order (cents)."""

    n: int
    seed: int
    setup: Setup
    outcome: I64
    """(n, Y) the fund's outcome payments (with VAT) each calendar year."""
    balance: I64
    """(n, Y) the fund's cash at each year end."""
    lowest: I64
    """(n, Y) its lowest month-end cash in each year."""
    lowest_ever: I64
    """(n,) its lowest month-end cash over its books."""

    @property
    def years(self) -> tuple[int, ...]:
        """The calendar years of the fund's books."""
        return self.setup.years


def _figures(setup: Setup) -> int:
    """Figures a fund simulation keeps per scenario: three per year and one more."""
    return 3 * len(setup.years) + 1


def most_fund_scenarios(setup: Setup) -> int:
    """The most scenarios one fund simulation may draw: at most ``MAX_SIMULATED_SCENARIOS``, and few enough that
    the figures kept per scenario fit ``RESULTS_BUDGET_BYTES``."""
    return min(MAX_SIMULATED_SCENARIOS, RESULTS_BUDGET_BYTES // (8 * _figures(setup)))


GROUP_ARRAYS = 16
"""(scenarios, T) int64 arrays a group's books hold at once, at most (the ten reasons, the in- and outflow,
the balance and the reconciliation's sums), for sizing groups to ``MEMORY_BUDGET_BYTES``."""

Task = tuple[tuple[int, ...], list[int], int, int]
"""``(starts, chunk numbers, scenarios kept, group)``: one block."""


def _plan_tasks(
    setup: Setup, n: int, block: int, workers: int
) -> tuple[list[list[int]], list[int], list[Task], int]:
    """The groups of whole chunks (about ``block`` scenarios each), the scenarios kept of each group, the blocks
    and the number of blocks per group. A group's starts are split into as few runs of starts as keep ``workers``
    busy (one run, all of them, once there are two groups per worker): a block holding them all is finished
    where it runs and only its figures per year come back."""
    chunks_total = -(-n // CHUNK)
    # a group's books hold about a dozen (scenarios, T) int64 arrays at once: whole chunks within the budget
    fits = MEMORY_BUDGET_BYTES // (CHUNK * setup.months * 8 * GROUP_ARRAYS)
    per = max(1, min(round(block / CHUNK), fits))
    groups = [list(range(i, min(i + per, chunks_total))) for i in range(0, chunks_total, per)]
    keeps = [min(len(g) * CHUNK, n - g[0] * CHUNK) for g in groups]
    count = len(setup.starts)
    pieces = max(1, min(count, -(-2 * workers // len(groups))))
    runs = [tuple(range(count * i // pieces, count * (i + 1) // pieces)) for i in range(pieces)]
    tasks = [
        (run, g, keep, gi) for gi, (g, keep) in enumerate(zip(groups, keeps, strict=True)) for run in runs
    ]
    return groups, keeps, tasks, pieces


class _Executor(Protocol):
    def __call__(
        self, setup: Setup, seed: int, n: int, block: int, done: Callable[[int, int], None]
    ) -> list[dict[str, npt.NDArray[Any]]]: ...


def fund_simulate(
    setup: Setup,
    n: int,
    seed: int,
    *,
    block: int = CHUNK,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FundSimulation:
    """Draw ``n`` scenarios of the fund (``seed``), in blocks of a run of starts × about ``block`` scenarios (whole
    chunks of ``CHUNK``), on ``workers`` local processes (default: all cores) or, with ``scheduler`` (an address
    such as ``tcp://10.0.0.5:8786``), on that Dask distributed cluster. The numbers do not depend on ``block``,
    ``workers`` or ``scheduler``. ``progress`` is called with the number of blocks done and of blocks in all."""
    if n < 1:
        raise ValueError("the number of scenarios must be at least 1")
    most = most_fund_scenarios(setup)
    if n > most:
        raise SimulationTooLarge.of(
            N_(
                "%(n)s scenarios are more than sibkit can hold for this fund: at most %(most)s "
                "(each scenario keeps %(figures)s figures in memory)"
            ),
            n=Count(n),
            most=Count(most),
            figures=Count(_figures(setup)),
        )
    ticks = progress or (lambda done, total: None)
    run: _Executor = _dask(scheduler) if scheduler is not None else _local(workers or os.cpu_count() or 1)
    figures = run(setup, seed, n, block, ticks)
    return FundSimulation(
        n=n,
        seed=seed,
        setup=setup,
        **{key: np.concatenate([f[key] for f in figures]) for key in figures[0]},
    )


_ADOPTED: list[Setup] = []


def _adopt(setup: Setup) -> None:
    _ADOPTED[:] = [setup]


def _adopted_block(
    starts: tuple[int, ...], seed: int, chunks: list[int], keep: int, whole: bool
) -> Part | dict[str, npt.NDArray[Any]]:
    setup = _ADOPTED[0]
    if whole:
        return block_figures(setup, starts, seed, chunks, keep)
    return run_block(setup, starts, seed, chunks, keep)


def _local(workers: int) -> _Executor:
    """Blocks on this machine: in this process (one worker) or a pool of ``workers`` processes, each given the
    setup once. A block holding every start of its group comes back as figures; otherwise the driver sums a
    group's blocks into its books as soon as all of them are in."""

    def execute(
        setup: Setup, seed: int, n: int, block: int, done: Callable[[int, int], None]
    ) -> list[dict[str, npt.NDArray[Any]]]:
        _, keeps, tasks, pieces = _plan_tasks(setup, n, block, workers)
        whole = pieces == 1
        parts: dict[int, list[Part]] = {g: [] for g in range(len(keeps))}
        figures: dict[int, dict[str, npt.NDArray[Any]]] = {}
        finished = 0

        def collect(g: int, result: Part | dict[str, npt.NDArray[Any]]) -> None:
            nonlocal finished
            finished += 1
            done(finished, len(tasks))
            if isinstance(result, dict):
                figures[g] = result
                return
            parts[g].append(result)
            if len(parts[g]) == pieces:
                figures[g] = finish_group(setup, keeps[g], *parts.pop(g))

        if min(workers, len(tasks)) <= 1:
            _adopt(setup)
            for starts, chunks, keep, g in tasks:
                collect(g, _adopted_block(starts, seed, chunks, keep, whole))
        else:
            with ProcessPoolExecutor(
                max_workers=min(workers, len(tasks)),
                mp_context=get_context("fork"),
                initializer=_adopt,
                initargs=(setup,),
            ) as pool:
                futures = [
                    (g, pool.submit(_adopted_block, starts, seed, chunks, keep, whole))
                    for starts, chunks, keep, g in tasks
                ]
                for g, fut in futures:  # in task order: the sums are of integers, so any order gives the same
                    collect(g, fut.result())
        return [figures[g] for g in range(len(keeps))]

    return execute


class ClusterError(RuntimeError):
    """The Dask cluster cannot be used: not installed, not reachable, a worker without this sibkit, or a worker
    failed."""


def sibkit_version() -> str:
    """The installed sibkit's version (what a cluster's workers must run too)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sibkit")
    except PackageNotFoundError:  # run from a source folder that was never installed
        return "unknown"


def _check_workers(client: Any, here: str) -> None:
    """Raise ``ClusterError`` unless every worker of ``client`` imports sibkit of version ``here`` (this machine's): a
    worker with another version would compute other numbers under the same seed, silently."""
    try:
        theirs: dict[str, str] = client.run(sibkit_version)
    except Exception as exc:  # a worker that cannot import sibkit fails to unpickle the function: many types
        raise ClusterError(f"a worker cannot run sibkit: {type(exc).__name__}: {exc}") from exc
    if not theirs:
        raise ClusterError("the cluster has no workers")
    other = sorted(f"{worker} has sibkit {v}" for worker, v in theirs.items() if v != here)
    if other:
        raise ClusterError(f"this machine has sibkit {here}, but " + "; ".join(other))


def _dask(address: str) -> _Executor:
    """Blocks on a Dask distributed cluster: after checking the workers' sibkit version, the setup scattered to
    every worker once, one task per block; a group split into several blocks gets one more task that sums them
    into the fund's books on the cluster. Only the per-year figures come back."""
    try:
        from distributed import Client  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ClusterError("needs Dask distributed: pip install 'sibkit[cluster]'") from None

    def execute(
        setup: Setup, seed: int, n: int, block: int, done: Callable[[int, int], None]
    ) -> list[dict[str, npt.NDArray[Any]]]:
        try:
            client = Client(address, timeout="10s", set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            _check_workers(client, sibkit_version())
            threads = max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]
            _, keeps, tasks, pieces = _plan_tasks(setup, n, block, threads)
            shared = client.scatter(setup, broadcast=True, hash=False)  # type: ignore[no-untyped-call]
            if pieces == 1:
                finals = [
                    client.submit(block_figures, shared, starts, seed, chunks, keep, pure=False)
                    for starts, chunks, keep, _ in tasks
                ]
            else:
                parts = [
                    client.submit(run_block, shared, starts, seed, chunks, keep, pure=False)
                    for starts, chunks, keep, _ in tasks
                ]
                per = {g: [p for p, t in zip(parts, tasks, strict=True) if t[3] == g] for g in range(len(keeps))}
                finals = [
                    client.submit(finish_group, shared, keeps[g], *per[g], pure=False) for g in range(len(keeps))
                ]
            out = []
            for g, final in enumerate(finals):  # a group's figures are small; its blocks stay on the cluster
                try:
                    out.append(final.result())
                except EngineError:
                    raise
                except Exception as exc:  # a worker without sibkit, a worker lost: many types, one message
                    raise ClusterError(f"a task failed on the cluster: {type(exc).__name__}: {exc}") from exc
                done((g + 1) * pieces, len(tasks))
            return out

    return execute


# --- the summary -----------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FundYearRisk:
    """One calendar year over all scenarios (cents; percentiles are scenarios' own values, whole cents)."""

    year: int
    outcome_p5: int
    outcome_p50: int
    outcome_p95: int
    """The fund's outcome payments that year: in 1 scenario in 20 it pays more than P95."""
    balance_p5: int
    balance_p50: int
    balance_p95: int
    """The fund's cash at the year end: in 1 scenario in 20 it has less than P5."""
    shortfall_p50: int
    shortfall_p95: int
    """How far its cash falls below zero in the year, at its lowest (0 when it does not)."""
    chance_dry: float
    """Share of scenarios in which the fund's cash is below zero at some month end of the year: it cannot pay
    every verified result from its own money."""


@attrs.frozen(kw_only=True)
class FundSimulationSummary:
    """What ``sibkit fund simulate`` reports."""

    n: int
    seed: int
    shared: Fraction
    years: tuple[FundYearRisk, ...]
    chance_any_shortfall: float
    """Share of scenarios in which the fund's cash goes below zero at some month end of its books."""
    shortfall_p95: int
    """P95 over the scenarios of the most the cash falls below zero (0 in a scenario where it never does)."""
    first_dry_year_p5: int | None
    """The year by which the fund has run dry in 5% of the scenarios (``None``: in fewer)."""


def _pct(values: I64, q: float) -> int:
    """A percentile as one scenario's own value (inverted CDF): whole cents, exact."""
    return int(np.percentile(values, q, method="inverted_cdf"))


def summarise_fund(sim: FundSimulation) -> FundSimulationSummary:
    """Per-year percentiles and chances from a fund simulation."""
    shortfall = np.maximum(-sim.lowest, 0)
    years = tuple(
        FundYearRisk(
            year=year,
            outcome_p5=_pct(sim.outcome[:, i], 5),
            outcome_p50=_pct(sim.outcome[:, i], 50),
            outcome_p95=_pct(sim.outcome[:, i], 95),
            balance_p5=_pct(sim.balance[:, i], 5),
            balance_p50=_pct(sim.balance[:, i], 50),
            balance_p95=_pct(sim.balance[:, i], 95),
            shortfall_p50=_pct(shortfall[:, i], 50),
            shortfall_p95=_pct(shortfall[:, i], 95),
            chance_dry=float(np.mean(sim.lowest[:, i] < 0)),
        )
        for i, year in enumerate(sim.years)
    )
    dry_by = np.cumsum(sim.lowest < 0, axis=1) > 0  # (n, Y) has run dry by that year
    share = dry_by.mean(axis=0)
    first = np.flatnonzero(share >= 0.05)
    return FundSimulationSummary(
        n=sim.n,
        seed=sim.seed,
        shared=sim.setup.fund.simulation.shared,
        years=years,
        chance_any_shortfall=float(np.mean(sim.lowest_ever < 0)),
        shortfall_p95=_pct(np.maximum(-sim.lowest_ever, 0), 95),
        first_dry_year_p5=sim.years[int(first[0])] if first.size else None,
    )
