"""Internal rate of return, vectorised over many cash-flow rows at once.

Policy (documented in ``docs/results.md``):

* Flows are monthly; the monthly rate ``m`` solves ``sum(c_t / (1+m)^t) = 0`` and is
  annualised as ``(1+m)^12 - 1``.
* An IRR is reported only when it is unique: the row changes sign exactly once; or
  its running totals from the start and from the end prove a single rate (Norström's
  criterion on each side of 0, see ``irr``); or else the NPV, evaluated on a grid of
  48 rates across the bracket, changes sign exactly once.
  Rows with no sign change (money never came back, or no money went in) and rows
  with several possible rates are reported as undefined, with the reason; never a
  guess. Flows that add up to exactly zero have an IRR of exactly 0.
* The root is found by Newton's method safeguarded by bisection inside a bracket
  of monthly rates from -99% to +100%, so the rate stays bounded away from -100%.
  A row whose NPV is exactly zero at a bracket end keeps that end as its root.

``numpy_financial.irr`` stays the reference for single rows (tests compare to it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["IRR_REASONS", "annualise", "irr", "sign_changes", "xirr"]

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
    """Number of sign changes in each row, zeros ignored."""
    a = np.sign(np.asarray(flows, dtype=np.float64))
    t_len = a.shape[-1]
    # carry the last non-zero sign forward over zeros, then count neighbours of opposite sign
    last = np.where(a != 0, np.arange(t_len), -1)
    np.maximum.accumulate(last, axis=-1, out=last)
    filled = np.where(last >= 0, np.take_along_axis(a, np.maximum(last, 0), axis=-1), 0.0)
    out: npt.NDArray[np.int64] = ((filled[..., 1:] * filled[..., :-1]) < 0).sum(axis=-1)
    return out


def _npv_and_slope(flows_t: F64, rate: F64, cols: npt.NDArray[np.int64] | None = None) -> tuple[F64, F64]:
    """NPV at ``rate`` per row and its derivative in the rate; ``flows_t`` is period-major ``(T, N)``.

    With ``cols`` (the periods that ``flows_t`` holds, when only a few carry any flow), each
    period's discount factor is computed directly; otherwise Horner's rule runs over every period.
    """
    if cols is not None:
        log_v = -np.log1p(rate)
        npv = np.zeros_like(rate)
        slope = np.zeros_like(rate)
        for row, t in zip(flows_t, cols, strict=True):
            term = row * np.exp(t * log_v)
            npv += term
            slope -= t * term
        return npv, slope / (1.0 + rate)
    v = 1.0 / (1.0 + rate)
    npv = np.zeros_like(rate)
    dnpv = np.zeros_like(rate)  # d npv / d v
    for t in range(flows_t.shape[0] - 1, -1, -1):
        dnpv *= v
        dnpv += npv
        npv *= v
        npv += flows_t[t]
    return npv, -dnpv * v * v


def _guess(flows: F64) -> F64:
    """A first rate from the money multiple and the average time between money out and money in."""
    t = np.arange(flows.shape[-1], dtype=np.float64)
    pos = np.where(flows > 0, flows, 0.0)
    neg = np.where(flows < 0, -flows, 0.0)
    p, q = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        span = np.maximum((pos @ t) / p - (neg @ t) / q, 1.0)
        guess = np.power(p / q, 1.0 / span) - 1.0
    return np.where(np.isfinite(guess), guess, 0.0)


def _solve(flows: F64, lo: F64, hi: F64, tol: float = 1e-13, iters: int = 100) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Root of each row's NPV in ``[lo, hi]``: Newton's method kept inside a shrinking bracket."""
    used = np.nonzero(np.any(flows != 0, axis=0))[0]
    cols = used if used.size * 3 <= flows.shape[1] else None
    data = np.ascontiguousarray((flows[:, used] if cols is not None else flows).T)  # period-major
    f_lo, _ = _npv_and_slope(data, lo, cols)
    f_hi, _ = _npv_and_slope(data, hi, cols)
    bracketed = (np.sign(f_lo) * np.sign(f_hi)) <= 0
    x = np.clip(_guess(flows), lo + 1e-9, hi - 1e-9)
    x = np.where(f_lo == 0, lo, np.where(f_hi == 0, hi, x))
    a, b, fa = lo.copy(), hi.copy(), f_lo.copy()
    active = np.nonzero(bracketed & (f_lo != 0) & (f_hi != 0))[0]
    work = data[:, active]
    for _ in range(iters):
        if active.size == 0:
            break
        xa = x[active]
        f, df = _npv_and_slope(work, xa, cols)
        aa, ba, faa = a[active], b[active], fa[active]
        left = np.sign(f) == np.sign(faa)
        aa = np.where(left, xa, aa)
        faa = np.where(left, f, faa)
        ba = np.where(left, ba, xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - f / df
        ok = np.isfinite(newton) & (newton > aa) & (newton < ba)
        nxt = np.where(ok, newton, 0.5 * (aa + ba))
        nxt = np.where(f == 0, xa, nxt)
        finished = (f == 0) | (np.abs(nxt - xa) <= tol * np.maximum(1.0, np.abs(xa))) | ((ba - aa) <= tol)
        x[active], a[active], b[active], fa[active] = nxt, aa, ba, faa
        if finished.any():
            active = active[~finished]
            work = work[:, ~finished]
    return x, bracketed


def _solve_fast(
    flows: F64, lo: F64, hi: F64, plain: npt.NDArray[np.bool_] | None, tol: float = 1e-13
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Plain rows (money out, then money back) have an NPV that falls as the rate rises, so Newton's
    method from a good first guess, kept inside the bracket, converges in a few steps; rows that have
    not converged after eight steps, and all other rows, go to the bracketed solver."""
    if plain is None or not plain.all():
        return _solve(flows, lo, hi, tol)
    data = np.ascontiguousarray(flows.T)
    x = np.clip(_guess(flows), lo + 1e-9, hi - 1e-9)
    converged = np.zeros(flows.shape[0], dtype=bool)
    for _ in range(8):
        f, df = _npv_and_slope(data, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            nxt = x - f / df
        nxt = np.where(np.isfinite(nxt), np.clip(nxt, lo, hi), x)
        converged = np.abs(nxt - x) <= tol * np.maximum(1.0, np.abs(x))
        x = nxt
        if converged.all():
            break
    # a root is a root only strictly inside the bracket; anything else is settled by the slow path
    inside = converged & (x > lo) & (x < hi)
    if inside.all():
        return x, np.ones(flows.shape[0], dtype=bool)
    rest = np.nonzero(~inside)[0]
    xr, br = _solve(flows[rest], lo[rest], hi[rest], tol)
    x[rest] = xr
    bracketed = np.ones(flows.shape[0], dtype=bool)
    bracketed[rest] = br
    return x, bracketed


def _unique_in_bracket(flows: F64, grid: int = 48) -> tuple[npt.NDArray[np.int64], F64, F64]:
    """For rows whose flows alone do not prove a unique rate: count the roots of the NPV on a grid of
    rates across the bracket, and return (roots found, bracket low, bracket high) around the first."""
    rates = np.expm1(np.linspace(np.log1p(_LO), np.log1p(_HI), grid))
    flows_t = np.ascontiguousarray(flows.T)
    npv = np.stack([_npv_and_slope(flows_t, np.full(flows.shape[0], r))[0] for r in rates], axis=1)
    roots = sign_changes(npv)
    s = np.sign(npv)
    cross = np.argmax((s[:, :-1] * s[:, 1:]) <= 0, axis=1)
    return roots, rates[cross], rates[np.minimum(cross + 1, grid - 1)]


def irr(flows: npt.ArrayLike) -> tuple[F64, npt.NDArray[np.int64]]:
    """Periodic IRR of each row of ``flows`` (shape ``(..., periods)``).

    Returns ``(rates, reasons)``: the rate per period (NaN where undefined) and
    a code per row (0 = defined; otherwise a key of ``IRR_REASONS``).
    """
    c = np.asarray(flows, dtype=np.float64)
    shape = c.shape[:-1]
    c2 = c.reshape(-1, c.shape[-1])
    t_len = c2.shape[1]
    # the usual investor row: all money out before any money back (exactly one sign change)
    neg, pos = c2 < 0, c2 > 0
    last_out = t_len - 1 - np.argmax(neg[:, ::-1], axis=1)
    first_in = np.argmax(pos, axis=1)
    plain = neg.any(axis=1) & pos.any(axis=1) & (last_out < first_in)
    changes = np.ones(c2.shape[0], dtype=np.int64)
    if not plain.all():
        changes[~plain] = sign_changes(c2[~plain])
    simple = changes == 1
    if np.any(changes > 1):
        many = changes > 1
        # Running totals from the start (S) and from the end (R). By Abel summation, NPV(r) is a sum of
        # S_t with positive weights for r > 0, and of R_t with positive weights for -1 < r < 0. So:
        # a gain (total > 0) whose S changes sign once (Norström: one rate above 0) and whose R never
        # goes below 0 (no rate below 0) has one rate; a loss (total < 0) whose R changes sign once
        # and whose S never goes above 0 has one rate, below 0.
        running = np.cumsum(c2, axis=-1)
        from_end = np.cumsum(c2[:, ::-1], axis=-1)
        total = running[:, -1]
        gain = (total > 0) & (sign_changes(running) == 1) & (from_end >= 0).all(axis=1)
        loss = (total < 0) & (sign_changes(from_end) == 1) & (running <= 0).all(axis=1)
        simple |= many & (gain | loss)
    reason = np.where(changes == 0, 1, 0).astype(np.int64)
    rate = np.full(c2.shape[0], np.nan)
    lo = np.full(c2.shape[0], _LO)
    hi = np.full(c2.shape[0], _HI)
    doubtful = np.nonzero((changes > 1) & ~simple)[0]
    if doubtful.size:
        roots, low, high = _unique_in_bracket(c2[doubtful])
        reason[doubtful] = np.where(roots == 1, 0, np.where(roots == 0, 3, 2))
        lo[doubtful], hi[doubtful] = low, high
    rows = np.nonzero(reason == 0)[0]
    if rows.size:
        x, bracketed = _solve_fast(c2[rows], lo[rows], hi[rows], plain[rows] if doubtful.size == 0 else None)
        x = np.where(c2[rows].sum(axis=1) == 0, 0.0, x)  # money back exactly: 0%, not rounding noise
        rate[rows] = np.where(bracketed, x, np.nan)
        reason[rows] = np.where(bracketed, 0, 3)
    return rate.reshape(shape), reason.reshape(shape)


def annualise(monthly: npt.ArrayLike) -> F64:
    """An annual rate from a monthly one: ``(1 + m)^12 - 1``."""
    m = np.asarray(monthly, dtype=np.float64)
    out: F64 = np.power(1.0 + m, 12.0) - 1.0
    return out


def xirr(amounts: Sequence[float], dates: Sequence[dt.date], tol: float = 1e-12) -> float:
    """Annual IRR of dated cash flows, as Excel's XIRR (actual days / 365).

    Raises ``ValueError`` when the flows have no unique rate by the policy above.
    """
    if len(amounts) != len(dates) or not amounts:
        raise ValueError("amounts and dates must be non-empty and of the same length")
    c = np.asarray(amounts, dtype=np.float64)
    years = np.asarray([(d - dates[0]).days / 365.0 for d in dates])
    changes = int(sign_changes(c))
    if changes == 0:
        raise ValueError(IRR_REASONS[1])
    if changes > 1 and int(sign_changes(np.cumsum(c))) != 1:
        raise ValueError(IRR_REASONS[2])

    def f(r: float) -> tuple[float, float]:
        disc = np.power(1.0 + r, -years)
        return float(np.sum(c * disc)), float(np.sum(-years * c * disc / (1.0 + r)))

    a, b = -0.9999, 1e6
    fa = f(a)[0]
    x = 0.1
    for _ in range(500):
        val, slope = f(x)
        if val == 0:
            return x
        if np.sign(val) == np.sign(fa):
            a, fa = x, val
        else:
            b = x
        nxt = x - val / slope if slope != 0 else (a + b) / 2
        if not (a < nxt < b):
            nxt = (a + b) / 2
        if abs(nxt - x) <= tol * max(1.0, abs(x)):
            return nxt
        x = nxt
    return x
