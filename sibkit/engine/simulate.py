"""Monte Carlo: sample scenarios from the contract's uncertainty model and run them through the engine.

Randomness comes in fixed chunks of ``CHUNK`` scenarios: chunk ``i`` draws from its own
stream, ``SeedSequence(seed, spawn_key=(i,))``, always in the same order. Blocks (the
unit of work, and of memory) are whole chunks, so the same seed gives the same
numbers whatever the block size or the number of worker processes. A block is
sampled, run through the one engine (``run_batch``, without per-month detail) and
reduced to per-scenario metrics; only those metrics are kept.

Sampling, per chunk (see ``docs/uncertainty.md``):

1. a shared normal factor ``Z0`` and one normal ``Z`` per provider, segment and metric;
   ``X = sqrt(shared) Z0 + sqrt(1 - shared) Z`` (a Gaussian copula);
2. each uncertain success rate is the Beta quantile of ``Phi(X)``; rates without a range
   stay at their expected value;
3. each uncertain enrolment factor is normal with mean ``(low + high) / 2`` and standard
   deviation ``(high - low) / 3.29``, at least 0; enrolment is the plan times the factor,
   rounded half up, spread over the planned months and split into segments by the
   largest-remainder method;
4. with participant noise, the number who achieve an outcome is binomial given the
   enrolled participants and the rate (else the rounded expected count); it is spread
   over enrolment months in proportion to enrolment. Cohort metrics take the sampled
   improvement directly.

Spreading a count over months here rounds the running total down (``floor(count × cum / whole)``): the
parts add up exactly and each is within one of its exact share, without the sort the
largest-remainder method needs; it only decides in which month a participant starts
or succeeds, never an amount of money.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from multiprocessing import get_context
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy import special

from sibkit.engine.accounts import appropriations, saving_owner
from sibkit.engine.accounts import parties as accounts_of
from sibkit.engine.batch import Batch, axes, deterministic_batch
from sibkit.engine.canonical import canonical
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.engine.results import results
from sibkit.engine.run import default_scenario
from sibkit.engine.segments import id_rank, provider_segment_weights, split_starts
from sibkit.engine.waterfall import run_batch
from sibkit.errors import Refusal
from sibkit.facts import N_, Count, Decimal_
from sibkit.jit import jit
from sibkit.limits import BYTES_PER_CELL, MAX_SIMULATED_SCENARIOS, MEMORY_BUDGET_BYTES, block_scenarios
from sibkit.model import Contract, Scenario, Uncertainty
from sibkit.model.contract import cells_per_scenario

__all__ = [
    "CHUNK",
    "AccountRisk",
    "PayerRisk",
    "ProviderRisk",
    "Simulation",
    "SimulationTooLarge",
    "Summary",
    "TrancheRisk",
    "YearRisk",
    "beta_parameters",
    "engine_rows",
    "export",
    "most_scenarios",
    "sample",
    "sample_bytes",
    "simulate",
    "summarise",
]

CHUNK = 4096
"""Scenarios per random stream; blocks are whole multiples of it."""

GRID = np.linspace(-8.5, 8.5, 8193)
"""Normal scores at which each Beta quantile is tabulated once; a draw interpolates linearly
between them (error below 1e-6 on the rate, far below one participant)."""

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

RESULTS_BUDGET_BYTES = 2_000_000_000
"""Memory the per-scenario results of one run may take (2 GB): each scenario keeps one 8-byte
value per reported figure (three per provider, three per tranche, one per payer, one more)."""


class SimulationTooLarge(Refusal):
    """A Monte Carlo run asked for more scenarios than sibkit can hold: the user's number to change."""


def _figures(contract: Contract) -> int:
    """How many per-scenario figures ``_metrics`` keeps for ``contract``."""
    kept = [party for party, _, roles in accounts_of(contract) if _kept(roles)]
    years = len({contract.timeline.budget_year(t) for t in range(contract.timeline.term_months)})
    funders = sum(1 for _, _, roles in accounts_of(contract) if _funds(roles))
    owners = len(_savers(contract) & set(kept))
    return (
        1
        + len(contract.payers)
        + 3 * len(contract.providers)
        + 3 * len(contract.tranches)
        + 3 * len(kept)
        + funders * years
        + owners * years
    )


def _funds(roles: tuple[str, ...]) -> bool:
    """Whether a party pays for outcomes from a budget (a payer or a fund contributor): the parties whose
    payments ``simulate`` keeps per budget year."""
    return "outcome_payer" in roles or "fund_contributor" in roles


def _kept(roles: tuple[str, ...]) -> bool:
    """Whether ``simulate`` keeps a party's account: payers, contributors, guarantors and budget owners
    (providers and investors have their own figures). Every figure kept is moved between the worker
    processes for every scenario, so only these."""
    return bool({"outcome_payer", "fund_contributor", "guarantor", "budget_owner"} & set(roles))


def _savers(contract: Contract) -> set[str]:
    """The parties that cashable savings are credited to: their savings are kept per budget year."""
    return {o for s in contract.savings if s.cashable and (o := saving_owner(contract, s.budget)) is not None}


SAMPLE_BUDGET_BYTES = 4_000_000_000
"""Memory the sampled inputs of one chunk of ``CHUNK`` scenarios may take (4 GB): a chunk draws
from one random stream, so it is sampled whole."""


def sample_bytes(contract: Contract) -> int:
    """Bytes the sampled inputs of one chunk take: enrolment, achievers and units per month,
    provider, segment and metric, as int64."""
    ax = axes(contract)
    p_len, s_len, m_len = len(ax.providers), len(ax.segments), len(ax.metrics)
    return CHUNK * 8 * (ax.months * p_len * s_len * (1 + 2 * m_len) + p_len * m_len)


def most_scenarios(contract: Contract) -> int:
    """The most scenarios one Monte Carlo run of ``contract`` may draw: at most
    ``MAX_SIMULATED_SCENARIOS``, and few enough that their results fit ``RESULTS_BUDGET_BYTES``."""
    return min(MAX_SIMULATED_SCENARIOS, RESULTS_BUDGET_BYTES // (8 * _figures(contract)))


def beta_parameters(mean: float, low: float, high: float) -> tuple[float, float] | None:
    """Beta ``(alpha, beta)`` with this mean and a standard deviation of ``(high - low) / 3.29``.

    ``None`` when the range is empty (the rate is fixed). Raises ``ValueError`` when no Beta
    distribution has that mean and spread (the range is too wide).
    """
    sd = (high - low) / 3.29
    if sd <= 0 or mean <= 0 or mean >= 1:
        return None
    var = sd * sd
    if var >= mean * (1 - mean):
        raise ValueError(f"a range of {low:.0%}–{high:.0%} is too wide for a rate around {mean:.0%}")
    k = mean * (1 - mean) / var - 1
    return mean * k, (1 - mean) * k


@attrs.frozen(kw_only=True, eq=False)
class _Plan:
    """Everything about the contract that is the same in every sample."""

    base: Batch
    mean: F64  # (P, S, M) expected rate
    alpha: F64  # (P, S, M), NaN where the rate is fixed
    beta: F64
    quantiles: F64  # (uncertain rates, len(GRID)): the Beta quantile at each normal score of GRID
    units_per: F64  # (P, S, M) units per achiever
    cohort: npt.NDArray[np.bool_]  # (M,)
    plan: I64  # (T, P) planned starts per month
    shares: list[I64]  # per provider: segment weights (integers)
    share_weights: I64  # the same as a (P, S) array
    segment_rank: I64  # (S,) tie-break rank of each segment (by id)
    enrol_mean: F64  # (P,)
    enrol_sd: F64  # (P,)
    shared: float
    noise: bool


def _plan(contract: Contract) -> _Plan:
    """What every sample of ``contract`` shares: the base scenario's batch, each rate's Beta distribution
    (as quantiles on ``GRID``), the planned starts and the enrolment spread."""
    ax = axes(contract)
    u = contract.uncertainty or Uncertainty(scenario=default_scenario(contract).name)
    names = {s.name for s in contract.scenarios}
    scenario = contract.scenario(u.scenario) if u.scenario in names else default_scenario(contract)
    base = deterministic_batch(contract, scenario)
    p_len, s_len = len(ax.providers), len(ax.segments)
    mean, units_per, alpha, beta = _rates(contract, scenario, u)
    shares = [
        provider_segment_weights([(m.segment, m.share) for m in provider.segment_mix], ax.segments)
        for provider in contract.providers
    ]
    enrol_mean, enrol_sd = _enrolment_spread(contract, u)
    uncertain = ~np.isnan(alpha)
    rows = [_beta_quantiles(float(a), float(b)) for a, b in zip(alpha[uncertain], beta[uncertain], strict=True)]
    quantiles = np.stack(rows) if rows else np.zeros((0, GRID.size))
    return _Plan(
        base=base,
        mean=mean,
        alpha=alpha,
        beta=beta,
        quantiles=quantiles,
        units_per=units_per,
        cohort=np.asarray([m.kind == "cohort_change" for m in contract.metrics]),
        plan=base.enrolled[0].sum(axis=2),  # (T, P)
        shares=shares,
        share_weights=np.asarray(shares, dtype=np.int64).reshape(p_len, s_len),
        segment_rank=id_rank([seg or "" for seg in ax.segments]),
        enrol_mean=enrol_mean,
        enrol_sd=enrol_sd,
        shared=float(u.shared),
        noise=u.participant_noise,
    )


@functools.lru_cache(maxsize=1024)
def _beta_quantiles(alpha: float, beta: float) -> F64:
    """The Beta(``alpha``, ``beta``) quantile at each normal score of ``GRID`` (read-only). Kept per process: a
    fund's simulation plans a hundred starts of the same contract, whose rates share their distributions, and
    tabulating one took about 5 ms."""
    row = np.asarray(special.betaincinv(alpha, beta, special.ndtr(GRID)), dtype=np.float64)
    row.flags.writeable = False
    return row


def _rates(contract: Contract, scenario: Scenario, u: Uncertainty) -> tuple[F64, F64, F64, F64]:
    """(P, S, M) arrays: each expected rate (the uncertainty's mean where it gives one), units per achiever,
    and the Beta parameters alpha and beta of uncertain rates (NaN where the rate is fixed)."""
    ax = axes(contract)
    shape = (len(ax.providers), len(ax.segments), len(ax.metrics))
    mean, units_per = np.zeros(shape), np.ones(shape)
    alpha, beta = np.full(shape, np.nan), np.full(shape, np.nan)
    # the most specific range first: provider and segment, provider, segment, neither
    specs = sorted(u.outcomes, key=lambda o: -((o.provider is not None) * 2 + (o.segment is not None)))
    for p, prov in enumerate(ax.providers):
        for s, seg in enumerate(ax.segments):
            for m, metric in enumerate(contract.metrics):
                line = scenario.line_for(metric.id, prov, seg)
                rate = float(line.expected_rate(metric)) if line is not None else 0.0
                mean[p, s, m] = rate if metric.kind == "cohort_change" else min(rate, 1.0)
                if line is not None and line.units is not None:
                    units_per[p, s, m] = float(line.units)
                spec = next(
                    (
                        o
                        for o in specs
                        if o.metric == metric.id and o.provider in (None, prov) and o.segment in (None, seg)
                    ),
                    None,
                )
                if spec is None:
                    continue
                if spec.mean is not None:
                    mean[p, s, m] = float(spec.mean)
                ab = beta_parameters(mean[p, s, m], float(spec.low), float(spec.high))
                if ab is not None:
                    alpha[p, s, m], beta[p, s, m] = ab
    return mean, units_per, alpha, beta


def _enrolment_spread(contract: Contract, u: Uncertainty) -> tuple[F64, F64]:
    """(P,) each provider's enrolment factor: mean and standard deviation (its low–high range taken as
    the central 90%, ±1.645 standard deviations)."""
    p_len = len(contract.providers)
    enrol_mean, enrol_sd = np.ones(p_len), np.zeros(p_len)
    factors = {e.provider: e for e in u.enrolment}
    for p, prov in enumerate(contract.providers):
        if prov.id in factors:
            e = factors[prov.id]
            enrol_mean[p] = float(e.low + e.high) / 2
            enrol_sd[p] = float(e.high - e.low) / 3.29
    return enrol_mean, enrol_sd


_PREPARED: dict[int, tuple[Contract, _Plan, MaximumPayment]] = {}


def _prepared(contract: Contract) -> tuple[_Plan, MaximumPayment]:
    """The sampling plan and the maximum payment of ``contract``, computed once per process and contract."""
    hit = _PREPARED.get(id(contract))
    if hit is None or hit[0] is not contract:
        hit = (contract, _plan(contract), maximum_payment(contract))
        _PREPARED.clear()
        _PREPARED[id(contract)] = hit
    return hit[1], hit[2]


@jit
def _enrol(total: I64, plan: I64, shares: I64, rank: I64, enrolled: I64, group_total: I64) -> None:
    """Spread each provider's sampled participants ``total`` (n, P) over its planned months ``plan``
    (T, P), rounding the running total down, then split the starts over the segments by ``shares``
    (P, S) with ``segments.split_starts`` (ties by segment ``rank``), as the deterministic batch
    does. Fills ``enrolled`` (n, T, P, S) and ``group_total`` (n, P, S), participants per segment."""
    n, t_len, p_len, s_len = enrolled.shape
    weights = np.empty(s_len, dtype=np.int64)
    starts = np.empty(t_len, dtype=np.int64)
    part = np.empty((t_len, s_len), dtype=np.int64)
    for p in range(p_len):
        whole = 0
        for t in range(t_len):
            whole += plan[t, p]
        for s in range(s_len):
            weights[s] = shares[p, s]
        for i in range(n):
            cum = 0
            before = 0
            for t in range(t_len):
                cum += plan[t, p]
                upto = (total[i, p] * cum) // whole if whole else 0
                starts[t] = upto - before
                before = upto
            split_starts(starts, weights, rank, part)
            for t in range(t_len):
                for s in range(s_len):
                    enrolled[i, t, p, s] = part[t, s]
                    group_total[i, p, s] += part[t, s]


@jit
def _spread_achievers(enrolled: I64, counts: I64, units_per: F64, achieved: I64, units: I64, same: bool) -> None:
    """Spread each group's count of achievers over its enrolment months: running total rounded down.

    ``enrolled`` (n, T, P, S), ``counts`` (n, P, S, M), ``units_per`` (P, S, M); fills ``achieved``
    (n, T, P, S, M) and, unless ``same`` (one unit per achiever: ``units`` is ``achieved``),
    ``units`` = achievers × units per achiever, rounded half up.

    ``floor(count × cum / whole)`` is computed in float64, which is exact while
    ``count × whole < 2**52`` (the float quotient cannot reach the next integer); beyond
    that the integer division is used.
    """
    n, t_len, p_len, s_len = enrolled.shape
    m_len = counts.shape[3]
    for i in range(n):
        for p in range(p_len):
            for s in range(s_len):
                whole = 0
                for t in range(t_len):
                    whole += enrolled[i, t, p, s]
                w = max(whole, 1)
                for m in range(m_len):
                    c = counts[i, p, s, m]
                    exact_float = c * w < 2**52
                    cum = 0
                    prev = 0
                    for t in range(t_len):
                        e = enrolled[i, t, p, s]
                        if e == 0 or c == 0:
                            achieved[i, t, p, s, m] = 0
                        else:
                            cum += e
                            run = math.floor((c * cum) / w) if exact_float else (c * cum) // w
                            achieved[i, t, p, s, m] = run - prev
                            prev = run
                        if not same:
                            units[i, t, p, s, m] = math.floor(achieved[i, t, p, s, m] * units_per[p, s, m] + 0.5)


def _sample_into(
    plan: _Plan,
    seed: int,
    chunk: int,
    out: Batch,
    *,
    rng: np.random.Generator | None = None,
    common: tuple[F64, float] | None = None,
) -> F64:
    """Draw ``CHUNK`` scenarios from the stream of chunk number ``chunk`` into ``out`` (arrays of length ``CHUNK``)
    and return their (n, P, S, M) normal scores. ``rng``: another stream to draw from (an outcomes fund gives
    each contract start its own); ``common``: (n,) scores of a factor outside the contract and the share of
    variance it takes, mixed into every score (``sqrt(share) × factor + sqrt(1 − share) × own``: a fund's
    contracts moving together)."""
    if rng is None:
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(chunk,))))
    n = CHUNK
    p_len, s_len, m_len = plan.mean.shape
    z0 = rng.standard_normal(n)
    z = rng.standard_normal((n, p_len, s_len, m_len))
    x = math.sqrt(plan.shared) * z0[:, None, None, None] + math.sqrt(1 - plan.shared) * z
    if common is not None:
        factor_scores, share = common
        x = math.sqrt(share) * factor_scores[:, None, None, None] + math.sqrt(1 - share) * x
    uncertain = ~np.isnan(plan.alpha)
    rate = np.broadcast_to(plan.mean, (n, p_len, s_len, m_len)).copy()
    if uncertain.any():
        scores = x[:, uncertain]
        drawn = np.empty_like(scores)
        for i in range(scores.shape[1]):
            drawn[:, i] = np.interp(scores[:, i], GRID, plan.quantiles[i])
        rate[:, uncertain] = drawn
    # clipped at 8 standard deviations (a chance below 10^-15): the contract's money scale counts on it
    factor = np.clip(
        plan.enrol_mean + plan.enrol_sd * rng.standard_normal((n, p_len)), 0.0, plan.enrol_mean + 8 * plan.enrol_sd
    )
    enrolled = out.enrolled
    planned = plan.plan.sum(axis=0)  # (P,) planned participants
    total = np.floor(planned * factor + 0.5).astype(np.int64)  # (n, P)
    group_total = np.zeros((n, p_len, s_len), dtype=np.int64)
    _enrol(total, plan.plan, plan.share_weights, plan.segment_rank, enrolled, group_total)
    if plan.noise:
        counts = rng.binomial(np.broadcast_to(group_total[..., None], rate.shape), np.clip(rate, 0.0, 1.0))
    else:
        counts = np.floor(group_total[..., None] * np.clip(rate, 0.0, 1.0) + 0.5).astype(np.int64)
    counts = np.where(plan.cohort, 0, counts)
    _spread_achievers(
        enrolled, counts.astype(np.int64), plan.units_per, out.achieved, out.units, out.units is out.achieved
    )
    out.improvement[...] = np.where(plan.cohort[None, None, :], rate[:, :, 0, :], 0.0)
    return x


def _sample_chunks(plan: _Plan, seed: int, chunks: list[int], n: int) -> Batch:
    """The first ``n`` scenarios of ``chunks`` (consecutive chunk numbers), sampled straight into
    one batch: no per-chunk arrays to join."""
    t_len, p_len = plan.plan.shape
    _, s_len, m_len = plan.mean.shape
    size = len(chunks) * CHUNK
    achieved = np.empty((size, t_len, p_len, s_len, m_len), dtype=np.int64)
    same = bool(np.all(plan.units_per == 1.0))
    full = Batch(
        enrolled=np.empty((size, t_len, p_len, s_len), dtype=np.int64),
        achieved=achieved,
        units=achieved if same else np.empty_like(achieved),
        offset=plan.base.offset,
        improvement=np.empty((size, p_len, m_len)),
    )
    for i, c in enumerate(chunks):
        rows = slice(i * CHUNK, (i + 1) * CHUNK)
        part = Batch(
            enrolled=full.enrolled[rows],
            achieved=full.achieved[rows],
            units=full.achieved[rows] if same else full.units[rows],
            offset=plan.base.offset,
            improvement=full.improvement[rows],
        )
        _sample_into(plan, seed, c, part)
    if n == size:
        return full
    return Batch(
        enrolled=full.enrolled[:n],
        achieved=full.achieved[:n],
        units=full.achieved[:n] if same else full.units[:n],
        offset=plan.base.offset,
        improvement=full.improvement[:n],
    )


def sample(contract: Contract, n: int, seed: int, first_chunk: int = 0) -> Batch:
    """``n`` sampled scenarios starting at chunk ``first_chunk`` (for tests and custom runs)."""
    plan = _plan(contract)
    return _sample_chunks(plan, seed, [first_chunk + i for i in range(-(-n // CHUNK))], n)


def _metrics(contract: Contract, batch: Batch) -> dict[str, npt.NDArray[np.float64] | I64]:
    _, maximum = _prepared(contract)
    res = results(contract, run_batch(contract, batch, detail=False), maximum=maximum)
    out: dict[str, npt.NDArray[np.float64] | I64] = {"outcome_payments": res.outcome_payments}
    for pay in res.payers:
        out[f"payer:{pay.id}:cost"] = pay.paid + pay.vat + pay.fees
    for prov in res.providers:
        out[f"provider:{prov.id}:margin"] = prov.margin
        out[f"provider:{prov.id}:lowest_cash"] = prov.lowest_cash
        out[f"provider:{prov.id}:months_below_zero"] = prov.months_below_zero
    savers = _savers(contract)
    for acct in res.accounts:
        if not _kept(acct.roles):
            continue
        out[f"account:{acct.id}:pays"] = acct.pays
        out[f"account:{acct.id}:receives"] = acct.receives
        out[f"account:{acct.id}:savings"] = acct.savings
        for year in acct.years:
            if year.year not in res.flows.ledger.years:  # only the years of the term: the same in every chunk
                continue
            if _funds(acct.roles):
                out[f"account:{acct.id}:pays:{year.year}"] = year.pays
            if acct.id in savers and year.savings is not None:
                out[f"account:{acct.id}:savings:{year.year}"] = year.savings
    for tr in res.tranches:
        out[f"tranche:{tr.id}:irr"] = tr.irr
        out[f"tranche:{tr.id}:multiple"] = tr.multiple
        out[f"tranche:{tr.id}:loss"] = tr.loss
    return out


def _rows(batch: Batch, start: int, stop: int) -> Batch:
    """Scenarios ``start`` to ``stop`` of ``batch`` (views, no copies)."""
    same = batch.units is batch.achieved
    achieved = batch.achieved[start:stop]
    return Batch(
        enrolled=batch.enrolled[start:stop],
        achieved=achieved,
        units=achieved if same else batch.units[start:stop],
        offset=batch.offset,
        improvement=batch.improvement[start:stop],
    )


def engine_rows(contract: Contract, budget: int | None = None) -> int:
    """Scenarios the engine runs at once for ``contract`` within ``budget`` bytes (default
    ``MEMORY_BUDGET_BYTES``), at least one."""
    allowed = MEMORY_BUDGET_BYTES if budget is None else budget
    return max(1, allowed // (max(1, cells_per_scenario(contract)) * BYTES_PER_CELL))


def _run_block(contract: Contract, seed: int, chunks: list[int], n_last: int | None) -> dict[str, npt.NDArray]:  # type: ignore[type-arg]
    plan, _ = _prepared(contract)
    # the last chunk of the run is only partly used
    keep = len(chunks) * CHUNK if n_last is None else (len(chunks) - 1) * CHUNK + n_last
    batch = _sample_chunks(plan, seed, chunks, keep)
    step = engine_rows(contract)
    if step >= keep:
        return _metrics(contract, batch)
    # a contract with many months, providers or lines: the engine runs the block's scenarios in slices
    # that fit the memory budget (each scenario is independent, so the figures are the same)
    parts = [_metrics(contract, _rows(batch, a, min(a + step, keep))) for a in range(0, keep, step)]
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


_ADOPTED: list[Contract] = []
"""The contract a worker process runs blocks of (set once per worker by ``_adopt``)."""


def _adopt(contract: Contract) -> None:
    _ADOPTED[:] = [contract]
    _prepared(contract)


def _run_adopted_block(seed: int, chunks: list[int], n_last: int | None) -> dict[str, npt.NDArray]:  # type: ignore[type-arg]
    return _run_block(_ADOPTED[0], seed, chunks, n_last)


@attrs.frozen(kw_only=True, eq=False)
class Simulation:
    """Per-scenario metrics of a Monte Carlo run, in scenario order (money in cents, rates annual)."""

    n: int
    seed: int
    metrics: dict[str, npt.NDArray]  # type: ignore[type-arg]
    """``payer:<id>:cost``, ``provider:<id>:margin|lowest_cash|months_below_zero``,
    ``tranche:<id>:irr|multiple|loss`` and ``outcome_payments``, one value per scenario."""


def simulate(
    contract: Contract,
    n: int,
    seed: int,
    *,
    block: int = 2 * CHUNK,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Run ``n`` sampled scenarios in blocks of about ``block`` scenarios (rounded to whole chunks).

    ``workers`` processes share the blocks (default: all cores). ``progress`` is called with
    the number of scenarios finished after each block. The result does not depend on
    ``block`` or ``workers``. A block is made smaller when its arrays would not fit
    ``MEMORY_BUDGET_BYTES`` (see ``sibkit.limits.block_scenarios``). Raises
    ``SimulationTooLarge`` when ``n`` is above ``most_scenarios(contract)``.
    """
    if n < 1:
        raise ValueError("the number of scenarios must be at least 1")
    # sample and run in the engine's canonical order (``sibkit.engine.canonical``): the draws then do not
    # depend on how the contract lists its parties either, and the engine needs no copy of each block in
    # another order; the metrics are keyed by id, so nothing needs putting back
    contract, _ = canonical(contract)
    _check_size(contract, n)
    tasks = _tasks(contract, n, block)
    workers = min(workers or os.cpu_count() or 1, len(tasks))  # a process per block at most: fork starts them all
    collected: list[dict[str, npt.NDArray]] = []  # type: ignore[type-arg]
    done = 0
    if workers == 1 or len(tasks) == 1:
        for chunks, n_last in tasks:
            collected.append(_run_block(contract, seed, chunks, n_last))
            done += len(chunks) * CHUNK if n_last is None else (len(chunks) - 1) * CHUNK + n_last
            if progress:
                progress(min(done, n))
    else:
        # each worker receives the contract once and prepares it once (plan, maximum payment); a task
        # carries only its chunk numbers
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=get_context("fork"), initializer=_adopt, initargs=(contract,)
        ) as pool:
            futures = [pool.submit(_run_adopted_block, seed, chunks, n_last) for chunks, n_last in tasks]
            for fut, (chunks, n_last) in zip(futures, tasks, strict=True):
                collected.append(fut.result())
                done += len(chunks) * CHUNK if n_last is None else (len(chunks) - 1) * CHUNK + n_last
                if progress:
                    progress(min(done, n))
    metrics = {key: np.concatenate([c[key] for c in collected]) for key in collected[0]}
    return Simulation(n=n, seed=seed, metrics=metrics)


def _check_size(contract: Contract, n: int) -> None:
    """Raise ``SimulationTooLarge`` when ``n`` scenarios of ``contract``, or one chunk of its samples, do not fit."""
    most = most_scenarios(contract)
    if n > most:
        raise SimulationTooLarge.of(
            N_(
                "%(n)s scenarios are more than sibkit can hold for this contract: at most %(most)s "
                "(each scenario keeps %(figures)s figures in memory)"
            ),
            n=Count(n),
            most=Count(most),
            figures=Count(_figures(contract)),
        )
    if (need := sample_bytes(contract)) > SAMPLE_BUDGET_BYTES:
        raise SimulationTooLarge.of(
            N_(
                "this contract is too large to simulate: each chunk of %(chunk)s scenarios needs about "
                "%(need)s GB for its sampled participants, more than the %(budget)s GB "
                "sibkit allows (months × providers × segments × metrics); simulate a smaller contract"
            ),
            chunk=Count(CHUNK),
            need=Decimal_(Decimal(need).scaleb(-9).quantize(Decimal("0.1"))),
            budget=Count(SAMPLE_BUDGET_BYTES // 10**9),
        )


def _tasks(contract: Contract, n: int, block: int) -> list[tuple[list[int], int | None]]:
    """``n`` scenarios as blocks of whole chunks (of about ``block`` scenarios, fewer when a block would not
    fit ``MEMORY_BUDGET_BYTES``): each block's chunk numbers, and the scenarios of its last chunk when that
    is the partial last chunk of the run (else None)."""
    chunks_total = -(-n // CHUNK)
    block = min(block, block_scenarios(cells_per_scenario(contract), CHUNK))
    per_block = max(1, round(block / CHUNK))
    blocks = [list(range(i, min(i + per_block, chunks_total))) for i in range(0, chunks_total, per_block)]
    last_partial = n - (chunks_total - 1) * CHUNK
    return [(b, last_partial if b[-1] == chunks_total - 1 and last_partial != CHUNK else None) for b in blocks]


@attrs.frozen(kw_only=True)
class TrancheRisk:
    """One tranche over all simulated scenarios (money in cents, rates annual)."""

    id: str
    chance_of_loss: float
    """Share of scenarios where the tranche gets back less than it drew."""
    expected_loss: float
    """Mean loss over all scenarios, cents."""
    irr_p5: float
    irr_p50: float
    irr_p95: float
    """Percentiles of the annual IRR over the scenarios where it is defined (NaN when none)."""
    irr_undefined: float
    """Share of scenarios with no defined IRR (e.g. nothing came back)."""


@attrs.frozen(kw_only=True)
class PayerRisk:
    """One payer over all simulated scenarios: what it pays (outcome payments, VAT and fees), cents."""

    id: str
    expected: float
    p50: float
    p95: float
    maximum: int
    chance_over_budget: float | None
    """Share of scenarios where the payer pays more than its budget (None without a budget)."""


@attrs.frozen(kw_only=True)
class ProviderRisk:
    """One provider over all simulated scenarios."""

    id: str
    expected_margin: float
    """Mean margin, cents."""
    chance_below_zero: float
    """Share of scenarios where its cash goes below zero at some month end."""
    chance_below_minimum: float
    """Share of scenarios where its cash goes below its ``minimum_cash`` at some month end."""
    lowest_cash_p5: float
    """5th percentile of its lowest cash, cents."""


@attrs.frozen(kw_only=True)
class YearRisk:
    """What a payer or contributor pays in one budget year, over all simulated scenarios (cents)."""

    year: int
    expected: float
    p95: float
    """In 1 scenario in 20 it pays more than this that year."""
    maximum: int
    expected_savings: float
    """Mean of the cashable savings landing in its own budgets that year (outcomes placed in the years they
    happen)."""
    appropriated: int | None
    """What it appropriated for the year, if it states it."""
    chance_over_appropriation: float | None
    """Share of scenarios in which it pays more than appropriated that year (``None``: nothing stated)."""
    excess_p95: float | None
    """95th percentile of what it pays beyond the appropriation that year (0 where within it)."""


@attrs.frozen(kw_only=True)
class AccountRisk:
    """One party's account over all simulated scenarios (totals over the term; a Monte Carlo ledger keeps
    no months, so no budget years)."""

    id: str
    name: str
    expected_pays: float
    """Mean of what it pays, cents."""
    pays_p50: float
    pays_p95: float
    """95th percentile of what it pays: in 1 scenario in 20 it pays more, cents."""
    pays_maximum: int
    """The most it pays in any scenario of this run, cents."""
    expected_receives: float
    expected_savings: float
    """Mean of the cashable savings landing in budgets it owns, cents."""
    net_of_savings_p5: float
    """5th percentile of ``receives - pays + savings``: in 1 scenario in 20 it ends worse off than this, cents."""
    years: tuple[YearRisk, ...] = ()
    """For a payer or a fund contributor: what it pays per budget year of the term."""


@attrs.frozen(kw_only=True)
class Summary:
    """What ``sibkit simulate`` reports."""

    n: int
    seed: int
    tranches: tuple[TrancheRisk, ...]
    payers: tuple[PayerRisk, ...]
    providers: tuple[ProviderRisk, ...]
    accounts: tuple[AccountRisk, ...]
    """Every party that pays, receives or saves anything in some scenario, in the contract's order."""


def summarise(contract: Contract, sim: Simulation) -> Summary:
    """Risk figures per party from a simulation's per-scenario metrics."""
    m = sim.metrics
    tranches = []
    for t in contract.tranches:
        irr = m[f"tranche:{t.id}:irr"]
        loss = m[f"tranche:{t.id}:loss"]
        defined = irr[~np.isnan(irr)]
        pct = np.percentile(defined, [5, 50, 95]) if defined.size else np.full(3, np.nan)
        tranches.append(
            TrancheRisk(
                id=t.id,
                chance_of_loss=float(np.mean(loss > 0)),
                expected_loss=float(np.mean(loss)),
                irr_p5=float(pct[0]),
                irr_p50=float(pct[1]),
                irr_p95=float(pct[2]),
                irr_undefined=float(np.mean(np.isnan(irr))),
            )
        )
    payers = []
    for payer in contract.payers:
        cost = m[f"payer:{payer.id}:cost"]
        payers.append(
            PayerRisk(
                id=payer.id,
                expected=float(np.mean(cost)),
                p50=float(np.percentile(cost, 50)),
                p95=float(np.percentile(cost, 95)),
                maximum=int(np.max(cost)),
                chance_over_budget=None if payer.budget is None else float(np.mean(cost > payer.budget)),
            )
        )
    providers = []
    for prov in contract.providers:
        lowest = m[f"provider:{prov.id}:lowest_cash"]
        providers.append(
            ProviderRisk(
                id=prov.id,
                expected_margin=float(np.mean(m[f"provider:{prov.id}:margin"])),
                chance_below_zero=float(np.mean(lowest < 0)),
                chance_below_minimum=float(np.mean(lowest < prov.minimum_cash)),
                lowest_cash_p5=float(np.percentile(lowest, 5)),
            )
        )
    return Summary(
        n=sim.n,
        seed=sim.seed,
        tranches=tuple(tranches),
        payers=tuple(payers),
        providers=tuple(providers),
        accounts=_account_risks(contract, m),
    )


def _account_risks(contract: Contract, m: Mapping[str, npt.NDArray[Any]]) -> tuple[AccountRisk, ...]:
    """Each party's account over the scenarios: what it pays (mean, P50, P95, most), receives and saves."""
    out = []
    for party, name, roles in accounts_of(contract):
        if not _kept(roles) or f"account:{party}:pays" not in m:  # a simulation of a variant of the contract
            continue
        pays, receives = m[f"account:{party}:pays"], m[f"account:{party}:receives"]
        savings = m[f"account:{party}:savings"]
        if not (pays.any() or receives.any() or savings.any()):
            continue
        p50, p95 = np.percentile(pays, [50, 95])  # one partial sort for both: summaries of 10^6 draws add up
        out.append(
            AccountRisk(
                id=party,
                name=name,
                expected_pays=float(np.mean(pays)),
                pays_p50=float(p50),
                pays_p95=float(p95),
                pays_maximum=int(np.max(pays)),
                expected_receives=float(np.mean(receives)),
                expected_savings=float(np.mean(savings)),
                net_of_savings_p5=float(np.percentile(receives - pays + savings, 5)),
                years=_year_risks(contract, party, m),
            )
        )
    return tuple(out)


def _year_risks(contract: Contract, party: str, m: Mapping[str, npt.NDArray[Any]]) -> tuple[YearRisk, ...]:
    """What ``party`` pays per budget year over the scenarios, against its appropriations."""
    prefix = f"account:{party}:pays:"
    stated = appropriations(contract).get(party, {})
    out = []
    for name in sorted(k for k in m if k.startswith(prefix)):
        year = int(name.removeprefix(prefix))
        pays = m[name]
        most = stated.get(year)
        excess = None if most is None else np.maximum(pays - most, 0)
        out.append(
            YearRisk(
                year=year,
                expected=float(np.mean(pays)),
                p95=float(np.percentile(pays, 95)),
                maximum=int(np.max(pays)),
                expected_savings=float(np.mean(m.get(f"account:{party}:savings:{year}", np.zeros(1)))),
                appropriated=most,
                chance_over_appropriation=None if excess is None else float(np.mean(excess > 0)),
                excess_p95=None if excess is None else float(np.percentile(excess, 95)),
            )
        )
    return tuple(out)


def export(sim: Simulation, path: str, *, overwrite: bool = False) -> None:
    """Write the per-scenario metrics to ``.csv`` or ``.parquet`` (needs pyarrow), atomically.

    By sibkit's output policy (``sibkit.atomic``): an existing file is replaced only with
    ``overwrite`` (else ``FileExistsError``), and the folder must exist."""
    import io
    from pathlib import Path

    from sibkit.atomic import write_bytes_atomic

    target = Path(path)
    names = ["scenario", *sim.metrics]
    if target.suffix.lower() == ".parquet":
        try:
            import pyarrow as pa  # type: ignore[import-not-found]
            import pyarrow.parquet as pq  # type: ignore[import-not-found]
        except ImportError:
            raise Refusal.of(N_("writing .parquet needs pyarrow: pip install pyarrow (or write .csv)")) from None
        table = pa.table({"scenario": np.arange(sim.n), **sim.metrics})
        sink = io.BytesIO()
        pq.write_table(table, sink)
        write_bytes_atomic(target, sink.getvalue(), overwrite=overwrite)
        return
    if target.suffix.lower() != ".csv":
        raise Refusal.of(
            N_("unknown output type %(suffix)s; expected .csv or .parquet"), suffix=repr(target.suffix or "(none)")
        )
    # each column formatted on its own: whole numbers (cents, counts) exactly as integers, never through a
    # float64 (which drops cents above 2^53); rates to 10 significant digits, an undefined one empty
    columns = [np.arange(sim.n), *sim.metrics.values()]
    texts = [_column_text(np.asarray(c)) for c in columns]
    body = "".join(",".join(row) + "\n" for row in zip(*texts, strict=True))
    write_bytes_atomic(target, (",".join(names) + "\n" + body).encode("utf-8"), overwrite=overwrite)


def _column_text(values: npt.NDArray) -> list[str]:  # type: ignore[type-arg]
    """One exported column as text: integers exactly, floats to 10 significant digits, NaN empty."""
    if values.dtype.kind in "iu":
        return [str(v) for v in values.tolist()]
    return ["" if math.isnan(v) else f"{v:.10g}" for v in values.tolist()]
