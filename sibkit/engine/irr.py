"""Internal rate of return for many cash-flow rows at once, each row solved by a compiled loop;
the IRR (``xirr``) and net present value (``npv``, ``xnpv``) of single cash flows.

Policy (documented in ``docs/results.md``, "Rates of return"); it is the one rule for ``irr`` and
``xirr``, which places dated flows on a row of equal periods and calls ``irr``:

* Flows are one period apart, monthly unless said otherwise; the rate ``m`` per period solves
  ``sum(c_t / (1+m)^t) = 0`` and is annualised as ``(1+m)^periods_per_year - 1``.
* An IRR is reported only when it is unique: the row changes sign exactly once; or
  its running totals from the start and from the end prove a single rate (Norström's
  criterion on each side of 0, see ``_irr_rows``); or the project balance at the rate
  found (money in so far, compounded at that rate) keeps one sign until the last flow,
  which makes the rate unique (Teichroew, Robichek and Montalbano, 1965: a pure
  investment or a pure loan); or else the NPV, evaluated on a grid of 48 rates across
  the bracket, changes sign exactly once.
  Rows with no sign change (money never came back, or no money went in) and rows
  with several possible rates are reported as undefined, with the reason; never a
  guess. Flows that add up to exactly zero have an IRR of exactly 0.
* The root is found by Newton's method safeguarded by bisection inside a bracket
  of monthly rates from -99% to +100% (compounded over the period when periods are not
  months), so the rate stays bounded away from -100%.
  A row whose NPV is exactly zero at a bracket end keeps that end as its root.

``numpy_financial.irr`` stays the reference for single rows (tests compare to it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sibkit.jit import jit

__all__ = ["IRR_REASONS", "annualise", "irr", "npv", "sign_changes", "xirr", "xnpv"]

F64 = npt.NDArray[np.float64]

IRR_REASONS = {
    0: "",
    1: "no sign change: no money came back, or none went in",
    2: "several sign changes: the rate of return is not unique",
    3: "the rate lies outside the range -99% to +100% a month",
}
"""Why an IRR is undefined, by the code ``irr`` returns beside each rate."""

_LO, _HI = -0.99, 1.0


def sign_changes(flows: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Number of sign changes in each row (the last axis), zeros ignored."""
    a = np.asarray(flows, dtype=np.float64)
    rows = np.ascontiguousarray(a.reshape(-1, a.shape[-1]))
    out = np.asarray([_changes(row) for row in rows], dtype=np.int64)
    return out.reshape(a.shape[:-1])


@jit
def _npv_and_slope(row: F64, rate: float) -> tuple[float, float]:
    """NPV of ``row`` at ``rate`` per period and its derivative in the rate (Horner's rule)."""
    v = 1.0 / (1.0 + rate)
    npv = 0.0
    dnpv = 0.0  # d npv / d v
    for t in range(row.size - 1, -1, -1):
        dnpv = dnpv * v + npv
        npv = npv * v + row[t]
    return npv, -dnpv * v * v


@jit
def _guess(row: F64) -> float:
    """A first rate from the money multiple and the average time between money out and money in."""
    p = q = pt = qt = 0.0
    for t in range(row.size):
        if row[t] > 0:
            p += row[t]
            pt += row[t] * t
        elif row[t] < 0:
            q -= row[t]
            qt -= row[t] * t
    if p == 0.0 or q == 0.0:
        return 0.0
    # the mean time money comes in less the mean time it goes out: negative for a loan (money in first),
    # whose rate is then (q / p) ** (1 / |span|) - 1 by the same formula
    span = pt / p - qt / q
    if abs(span) < 1.0:
        span = 1.0 if span >= 0.0 else -1.0
    guess: float = (p / q) ** (1.0 / span) - 1.0
    return guess if math.isfinite(guess) else 0.0


@jit
def _changes(values: F64) -> int:
    """Sign changes along ``values``, zeros ignored."""
    count = 0
    prev = 0.0
    for v in values:
        if v != 0.0:
            if prev != 0.0 and (v > 0.0) != (prev > 0.0):
                count += 1
            prev = v
    return count


@jit
def _start(row: F64, lo: float, hi: float) -> float:
    """The first guess, kept strictly inside ``[lo, hi]``."""
    return min(max(_guess(row), lo + 1e-9), hi - 1e-9)


@jit
def _newton(row: F64, lo: float, hi: float, tol: float, start: float) -> tuple[float, bool]:
    """Newton's method from ``start``, at most eight steps, kept in ``[lo, hi]``: the iterate, and
    whether it converged strictly inside the bracket (where it is then a root of the NPV)."""
    x = start
    inside = False
    for _ in range(8):
        f, df = _npv_and_slope(row, x)
        if f == 0.0:
            return x, lo < x < hi
        # an overflowed slope makes f / df zero: a step of nothing, not convergence
        nxt = x - f / df if df != 0.0 and math.isfinite(f) and math.isfinite(df) else math.nan
        if not math.isfinite(nxt):
            # a flat slope, or an NPV that overflowed far from the root (a long row at a rate near -100%):
            # no step to take, and certainly no root here; the bracketed search takes over
            break
        nxt = min(max(nxt, lo), hi)
        done = abs(nxt - x) <= tol * max(1.0, abs(x))
        x = nxt
        if done:
            inside = lo < x < hi
            break
    return x, inside


@jit
def _solve(row: F64, lo: float, hi: float, tol: float) -> tuple[float, bool]:
    """Root of the row's NPV in ``[lo, hi]`` and whether the bracket holds one.

    Called only for rows whose rate is known to be unique in the bracket. Newton's method from a good
    first guess converges in a few steps for almost every row; an iterate that has converged strictly
    inside the bracket is that unique root. A row that has not converged after eight steps is solved by
    Newton's method kept inside a shrinking bracket (bisection when a Newton step would leave it or
    would not shrink fast enough).
    """
    start = _start(row, lo, hi)
    x, inside = _newton(row, lo, hi, tol, start)
    if inside:
        return x, True
    f_lo = _npv_and_slope(row, lo)[0]
    f_hi = _npv_and_slope(row, hi)[0]
    if not (np.sign(f_lo) * np.sign(f_hi) <= 0):
        return start, False
    if f_lo == 0.0:
        return lo, True
    if f_hi == 0.0:
        return hi, True
    a, b, fa, x = lo, hi, f_lo, start
    step = older = hi - lo
    for _ in range(100):
        f, df = _npv_and_slope(row, x)
        if np.sign(f) == np.sign(fa):
            a, fa = x, f
        else:
            b = x
        newton = x - f / df if df != 0.0 else math.nan
        # Far from the root of a long row the NPV is close to one power of the rate, and Newton's steps
        # creep along at a near-constant size: bisect unless the step is at most half the one before the
        # last (as Numerical Recipes' rtsafe), so the bracket keeps shrinking.
        if f == 0.0:
            nxt = x
        elif math.isfinite(newton) and a < newton < b and abs(newton - x) <= 0.5 * abs(older):
            nxt = newton
        else:
            nxt = 0.5 * (a + b)
        older, step = step, nxt - x
        done = f == 0.0 or abs(nxt - x) <= tol * max(1.0, abs(x)) or (b - a) <= tol
        x = nxt
        if done:
            break
    return x, True


@jit
def _one_signed_balance(row: F64, rate: float) -> bool:
    """Whether the project balance at ``rate`` (money in so far, compounded at ``rate``) keeps one sign
    until the last flow: then ``rate`` is the only rate of return (Teichroew, Robichek and Montalbano,
    1965: a pure investment, or a pure loan, has a unique IRR). See ``irr``."""
    end = row.size - 1
    while end > 0 and row[end] == 0.0:
        end -= 1
    balance = 0.0
    above = below = False
    for t in range(end):
        balance = balance * (1.0 + rate) + row[t]
        above = above or balance > 0.0
        below = below or balance < 0.0
    return not (above and below)


@jit
def _irr_rows(flows: F64, lo_end: float, hi_end: float, grid: F64, rate: F64, reason: npt.NDArray[np.int64]) -> None:
    """Fill ``rate`` and ``reason`` for each row of ``flows`` (rows, periods), the rate searched in
    ``[lo_end, hi_end]`` per period; see ``irr``."""
    t_len = flows.shape[1]
    running = np.empty(t_len)
    from_end = np.empty(t_len)
    npv_grid = np.empty(grid.size)
    for r in range(flows.shape[0]):
        row = flows[r]
        changes = _changes(row)
        rate[r] = math.nan
        if changes == 0:
            reason[r] = 1
            continue
        lo, hi = lo_end, hi_end
        total = 0.0
        for t in range(t_len):
            total += row[t]
            running[t] = total
        if changes > 1:
            # Running totals from the start (S) and from the end (R). By Abel summation, NPV(r) is a sum of
            # S_t with positive weights for r > 0, and of R_t with positive weights for -1 < r < 0. So:
            # a gain (total > 0) whose S changes sign once (Norström: one rate above 0) and whose R never
            # goes below 0 (no rate below 0) has one rate; a loss (total < 0) whose R changes sign once
            # and whose S never goes above 0 has one rate, below 0.
            back = 0.0
            for t in range(t_len - 1, -1, -1):
                back += row[t]
                from_end[t_len - 1 - t] = back
            gain = total > 0 and _changes(running) == 1 and from_end.min() >= 0
            loss = total < 0 and _changes(from_end) == 1 and running.max() <= 0
            if not (gain or loss):
                # a root whose project balances keep one sign is the only one (see ``irr``)
                x, inside = _newton(row, lo, hi, 1e-13, _start(row, lo, hi))
                if inside and _one_signed_balance(row, x):
                    reason[r] = 0
                    rate[r] = 0.0 if total == 0.0 else x
                    continue
                # nothing proves a unique rate: count the NPV's roots on a grid of rates
                for g in range(grid.size):
                    npv_grid[g] = _npv_and_slope(row, grid[g])[0]
                roots = _changes(npv_grid)
                if roots != 1:
                    reason[r] = 3 if roots == 0 else 2
                    continue
                cross = grid.size - 1
                for g in range(grid.size - 1):
                    if np.sign(npv_grid[g]) * np.sign(npv_grid[g + 1]) <= 0:
                        cross = g
                        break
                lo, hi = grid[cross], grid[min(cross + 1, grid.size - 1)]
        x, bracketed = _solve(row, lo, hi, 1e-13)
        if not bracketed:
            reason[r] = 3
            continue
        reason[r] = 0
        rate[r] = 0.0 if total == 0.0 else x  # money back exactly: 0%, not rounding noise


_GRID = np.expm1(np.linspace(np.log1p(_LO), np.log1p(_HI), 48))
"""Monthly rates at which the NPV of a row with no proof of a unique rate is evaluated to count its roots."""

_FLOOR = -1.0 + 1e-12
"""The lowest end of a bracket for periods longer than six months: -99% a month compounded over such a
period is closer to -100% than a float can tell apart from it."""


def _bracket(months: float) -> tuple[float, float, F64]:
    """The bracket and the grid of rates for a period ``months`` months long: -99% to +100% a month,
    compounded over the period (the lower end kept at ``_FLOOR`` or above), and 48 rates spread evenly
    in ``log(1 + rate)`` across it. Monthly periods get ``_LO``, ``_HI`` and ``_GRID`` exactly."""
    if months == 1.0:
        return _LO, _HI, _GRID
    lo = max(math.expm1(months * math.log1p(_LO)), _FLOOR)
    hi = math.expm1(months * math.log1p(_HI))
    return lo, hi, np.expm1(np.linspace(math.log1p(lo), math.log1p(hi), _GRID.size))


def _periods_per_year(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"periods_per_year must be a positive number: {value!r}")
    return float(value)


def irr(flows: npt.ArrayLike, *, periods_per_year: float = 12.0) -> tuple[F64, npt.NDArray[np.int64]]:
    """Periodic IRR of each row of ``flows`` (shape ``(..., periods)``, one period apart, the first at
    time 0; amounts in any one unit).

    Returns ``(rates, reasons)``: the rate per period as a decimal fraction (0.01 is 1% a period; NaN
    where undefined) and a code per row (0 = defined; otherwise a key of ``IRR_REASONS``). A rate is
    reported only when the policy of this module proves it unique. Each row is solved on its own
    (compiled), so a row's rate does not depend on the others.

    ``periods_per_year`` (default 12: monthly flows) sets only the search bracket, which is -99% to
    +100% a month compounded over one period, so every period length covers the same annual rates
    (``annualise`` with the same ``periods_per_year`` turns a rate into an annual one).
    """
    lo, hi, grid = _bracket(12.0 / _periods_per_year(periods_per_year))
    c = np.asarray(flows, dtype=np.float64)
    shape = c.shape[:-1]
    c2 = np.ascontiguousarray(c.reshape(-1, c.shape[-1]))
    rate = np.empty(c2.shape[0])
    reason = np.empty(c2.shape[0], dtype=np.int64)
    _irr_rows(c2, lo, hi, grid, rate, reason)
    return rate.reshape(shape), reason.reshape(shape)


def annualise(periodic: npt.ArrayLike, periods_per_year: float = 12.0) -> F64:
    """An annual rate (decimal fraction) from a rate per period: ``(1 + r)^periods_per_year - 1``;
    by default from a monthly rate, ``(1 + m)^12 - 1``."""
    m = np.asarray(periodic, dtype=np.float64)
    out: F64 = np.power(1.0 + m, _periods_per_year(periods_per_year)) - 1.0
    return out


def _check_rate(rate: float) -> float:
    if not (math.isfinite(rate) and rate > -1.0):
        raise ValueError(f"rate must be a number above -1 (-100%): {rate!r}")
    return float(rate)


def _dated(amounts: Sequence[float], dates: Sequence[dt.date]) -> tuple[F64, npt.NDArray[np.int64]]:
    """The amounts as floats and each date's whole days after the first date, checked as Excel checks
    XNPV and XIRR: as many dates as amounts, at least one, none before the first date (the others may
    come in any order)."""
    if len(amounts) != len(dates) or not amounts:
        raise ValueError("amounts and dates must be non-empty and of the same length")
    c = np.asarray(amounts, dtype=np.float64)
    if c.ndim != 1 or not np.all(np.isfinite(c)):
        raise ValueError("amounts must be finite numbers")
    days = np.asarray([(d - dates[0]).days for d in dates], dtype=np.int64)
    if days.min() < 0:
        i = int(np.argmin(days))
        first, early = dates[0].isoformat(), dates[i].isoformat()
        raise ValueError(f"dates must not precede the first date {first}: {early} at position {i}")
    return c, days


def npv(rate: float, values: Sequence[float]) -> float:
    """Net present value of ``values`` one period apart at ``rate`` per period (a decimal fraction above
    -1: 0.05 is 5% a period), in the unit of ``values``.

    numpy-financial's convention: the first value is at time 0 and is not discounted,
    ``sum(values[t] / (1 + rate)^t)``. Excel's NPV discounts the first value by one period, so Excel's
    ``NPV(rate, values)`` is ``npv(rate, values) / (1 + rate)``.
    """
    r = _check_rate(rate)
    c = np.asarray(values, dtype=np.float64)
    if c.ndim != 1 or c.size == 0:
        raise ValueError("values must be a non-empty sequence of numbers")
    return float((c / (1.0 + r) ** np.arange(c.size)).sum())


def xnpv(rate: float, amounts: Sequence[float], dates: Sequence[dt.date]) -> float:
    """Net present value of dated amounts at the annual ``rate`` (a decimal fraction above -1: 0.09 is
    9% a year), discounted to the first date, in the unit of ``amounts``, as Excel's XNPV:
    ``sum(amounts[i] / (1 + rate)^((dates[i] - dates[0]).days / 365))`` (actual days over 365).

    ``dates`` are ``datetime.date``; none may precede the first, the others may come in any order.
    """
    r = _check_rate(rate)
    c, days = _dated(amounts, dates)
    return float((c / (1.0 + r) ** (days / 365.0)).sum())


def xirr(amounts: Sequence[float], dates: Sequence[dt.date]) -> float:
    """Annual IRR (a decimal fraction: 0.05 is 5% a year) of dated amounts (any one unit; ``dates`` as
    ``datetime.date``, none before the first), as Excel's XIRR: the rate at which ``xnpv`` is zero.

    The same policy as ``irr`` decides whether the rate is unique, on the same kind of row: the amounts
    are placed on a row of periods of ``g`` days, ``g`` the greatest common divisor of the dates' days
    after the first date (one day at worst; amounts on the same date are added), and solved by ``irr``
    with ``365 / g`` periods a year. So flows on evenly spaced dates give the rate ``irr`` gives for
    them. The annual rate is then polished by Newton steps on ``xnpv`` itself (kept only while they bring
    it closer to zero): annualising a daily rate over thousands of days magnifies the solver's last bits,
    and the rate must not depend on how many periods the row has. Raises ``ValueError`` with the reason (a
    value of ``IRR_REASONS``) when the rate is not proven unique, never a guess.
    """
    c, days = _dated(amounts, dates)
    g = math.gcd(*(int(d) for d in days)) or 1
    row = np.zeros(int(days.max()) // g + 1)
    np.add.at(row, days // g, c)
    per_year = 365.0 / g
    rate, why = irr(row, periods_per_year=per_year)
    if int(why) != 0:
        raise ValueError(IRR_REASONS[int(why)])
    return _polish(float(annualise(rate, per_year)), c, days / 365.0)


def _polish(rate: float, c: F64, years: F64) -> float:
    """``rate`` after at most four Newton steps on ``sum(c / (1 + rate) ** years)``, each kept only when it
    lowers the absolute value (so a rate that is already as exact as floats allow is returned as it is)."""

    def value(r: float) -> float:
        # a rate near -100% a year over decades underflows (1 + r) ** years to 0: that value is not finite,
        # and the rate is returned as the solver found it (no warning for the caller)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return float((c / (1.0 + r) ** years).sum())

    best, residual = rate, abs(value(rate))
    if not math.isfinite(residual):
        return rate
    for _ in range(4):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            slope = float((-c * years / (1.0 + best) ** (years + 1.0)).sum())
        if slope == 0.0 or not math.isfinite(slope):
            break
        step = best - value(best) / slope
        if not (step > -1.0 and math.isfinite(step)) or abs(value(step)) >= residual:
            break
        best, residual = step, abs(value(step))
    return best
