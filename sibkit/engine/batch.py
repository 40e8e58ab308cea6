"""A batch of scenarios as integer arrays: the engine's only input besides the contract.

A deterministic scenario (expected values, from a contract's ``scenarios``) is
turned into counts here; Monte Carlo fills the same arrays with sampled counts.
Axes, always in this order and in the contract's own order of items:

* ``N`` scenarios, ``T`` months from the contract start (``term_months``),
* ``P`` providers, ``S`` difficulty segments (one pseudo-segment when the
  contract has none), ``M`` metrics.

Rounding: a provider's starts are split over its difficulty segments by
``sibkit.engine.segments.split_starts`` (largest remainder over the whole
enrolment, then on running totals; ties by segment id, not by list order). An
expected count (participants × rate) is rounded half up once per provider,
segment and metric over the whole enrolment, then spread over the enrolment
months in proportion to enrolment by the largest-remainder method, so totals are
exact and no month is favoured.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.segments import id_rank, provider_segment_weights, split_starts
from sibkit.errors import show
from sibkit.limits import MAX_SUCCESS
from sibkit.model import Contract, Scenario
from sibkit.money import allocate_array, round_half_up

__all__ = ["Axes", "Batch", "axes", "deterministic_batch", "scenario_row", "stack"]

_Rowed = TypeVar("_Rowed", bound=attrs.AttrsInstance)


def scenario_row(obj: _Rowed, i: int, *, keep: tuple[str, ...] = (), **changes: Any) -> _Rowed:
    """``obj`` (an attrs object whose array fields run over scenarios first, but those named in ``keep``) with
    each such array cut to its row ``i`` (a view, N = 1), and ``changes`` applied."""
    rows = {
        a.name: value[i : i + 1]
        for a in attrs.fields(type(obj))
        if a.name not in keep and a.name not in changes and isinstance(value := getattr(obj, a.name), np.ndarray)
    }
    return attrs.evolve(obj, **rows, **changes)  # type: ignore[misc]  # the attrs plugin ignores the bound

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True)
class Axes:
    """Names along each axis of the engine's arrays, in the contract's order."""

    months: int
    providers: tuple[str, ...]
    segments: tuple[str | None, ...]
    metrics: tuple[str, ...]


def axes(contract: Contract) -> Axes:
    """The axes of ``contract``."""
    segments: tuple[str | None, ...] = tuple(s.id for s in contract.segments) or (None,)
    return Axes(
        months=contract.timeline.term_months,
        providers=tuple(p.id for p in contract.providers),
        segments=segments,
        metrics=tuple(m.id for m in contract.metrics),
    )


@attrs.frozen(kw_only=True, eq=False)
class Batch:
    """Scenario inputs for the engine (see the module docstring for axes)."""

    enrolled: I64
    """(N, T, P, S) participants who start in each month."""
    achieved: I64
    """(N, T, P, S, M) of those, how many achieve each metric."""
    units: I64
    """(N, T, P, S, M) units achieved (days, repeats); equals ``achieved`` for one-off outcomes."""
    offset: I64
    """(P, S, M) months from enrolment until the outcome happens."""
    improvement: F64
    """(N, P, M) improvement against the counterfactual for cohort metrics (0.12 = 12% fewer events)."""

    @property
    def n(self) -> int:
        """Number of scenarios."""
        return int(self.enrolled.shape[0])

    def row(self, i: int) -> Batch:
        """Scenario ``i`` as a batch of one (views; ``offset`` is the contract's, not a scenario's)."""
        return scenario_row(self, i, keep=("offset",))


def _spread(total: int, weights: I64) -> I64:
    """``total`` spread over months in proportion to ``weights`` (largest remainder)."""
    if total == 0 or weights.sum() == 0:
        return np.zeros_like(weights)
    return allocate_array(np.asarray(total, dtype=np.int64), weights)


def _times(count: int, rate: Decimal) -> int:
    num, den = rate.as_integer_ratio()
    return round_half_up(count * num, den)


def deterministic_batch(contract: Contract, scenario: Scenario, success: Decimal = Decimal(1)) -> Batch:
    """The expected-value batch (N = 1) for a named scenario, with rates scaled by ``success``.

    Shares of participants are capped at 100% after scaling; cohort improvements are scaled
    without a cap. ``success`` is from 0 to ``sibkit.limits.MAX_SUCCESS`` (``ValueError`` otherwise):
    the contract's money scale counts cohort improvements up to that factor.
    """
    if not 0 <= success <= MAX_SUCCESS:
        raise ValueError(f"a success factor is from 0 to {MAX_SUCCESS}, got {show(success)}")
    ax = axes(contract)
    t_len, p_len, s_len, m_len = ax.months, len(ax.providers), len(ax.segments), len(ax.metrics)
    enrolled = np.zeros((1, t_len, p_len, s_len), dtype=np.int64)
    achieved = np.zeros((1, t_len, p_len, s_len, m_len), dtype=np.int64)
    units = np.zeros_like(achieved)
    offset = np.zeros((p_len, s_len, m_len), dtype=np.int64)
    improvement = np.zeros((1, p_len, m_len))
    factors = {e.provider: e.factor for e in scenario.enrolment}
    rank = id_rank([seg or "" for seg in ax.segments])
    for p, prov in enumerate(contract.providers):
        plan = np.zeros(t_len, dtype=np.int64)
        months = prov.enrolment.per_month()[:t_len]
        plan[: len(months)] = months
        if contract.termination is not None:  # nobody enrols once the service has been ended
            plan[contract.termination.month :] = 0
        if prov.id in factors:
            plan = _spread(_times(int(plan.sum()), factors[prov.id]), plan)
        weights = provider_segment_weights([(m.segment, m.share) for m in prov.segment_mix], ax.segments)
        split_starts(plan, weights, rank, enrolled[0, :, p, :])
        for s, seg in enumerate(ax.segments):
            group = enrolled[0, :, p, s]
            for m, metric in enumerate(contract.metrics):
                line = scenario.line_for(metric.id, prov.id, seg)
                offset[p, s, m] = metric.observation_months if line is None or line.month is None else line.month
                if line is None:
                    continue
                rate = line.expected_rate(metric) * success
                if metric.kind == "cohort_change":
                    improvement[0, p, m] = float(rate)
                    continue
                rate = min(rate, Decimal(1))
                count = _times(int(group.sum()), rate)
                achieved[0, :, p, s, m] = _spread(count, group)
                per = line.units if line.units is not None else Decimal(1)
                units[0, :, p, s, m] = _spread(_times(count, per), achieved[0, :, p, s, m])
    return Batch(enrolled=enrolled, achieved=achieved, units=units, offset=offset, improvement=improvement)


def stack(batches: list[Batch]) -> Batch:
    """Several batches of the same contract as one (their ``offset`` must agree)."""
    first = batches[0]
    for b in batches[1:]:
        if not np.array_equal(b.offset, first.offset):
            raise ValueError("batches with different outcome timing cannot be stacked")
    return Batch(
        enrolled=np.concatenate([b.enrolled for b in batches]),
        achieved=np.concatenate([b.achieved for b in batches]),
        units=np.concatenate([b.units for b in batches]),
        offset=first.offset,
        improvement=np.concatenate([b.improvement for b in batches]),
    )
