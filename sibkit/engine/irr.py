"""Internal rate of return, vectorised over many cash-flow rows at once.

Policy (documented in ``docs/results.md``):

* Flows are monthly; the monthly rate ``m`` solves ``sum(c_t / (1+m)^t) = 0`` and is
  annualised as ``(1+m)^12 - 1``.
* An IRR is reported only when it is unique: the row changes sign exactly once,
  or (Norström's criterion) its running total changes sign exactly once. Rows with
  no sign change (money never came back, or no money went in) and rows with
  several possible rates are reported as undefined, with the reason; never a guess.
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
    out = np.zeros(a.shape[:-1], dtype=np.int64)
    last = np.zeros(a.shape[:-1])
    for t in range(a.shape[-1]):
        s = a[..., t]
        change = (s != 0) & (last != 0) & (s != last)
        out += change
        last = np.where(s != 0, s, last)
    return out


def _npv_and_slope(flows: F64, rate: F64) -> tuple[F64, F64]:
    """NPV at ``rate`` per row and its derivative, by Horner's rule in v = 1/(1+rate)."""
    v = 1.0 / (1.0 + rate)
    npv = np.zeros_like(rate)
    dnpv = np.zeros_like(rate)  # d npv / d v
    for t in range(flows.shape[-1] - 1, -1, -1):
        dnpv = dnpv * v + npv
        npv = npv * v + flows[..., t]
    # d npv / d rate = d npv / d v * (-v^2)
    return npv, -dnpv * v * v


def _solve(flows: F64, lo: F64, hi: F64, tol: float = 1e-13, iters: int = 200) -> tuple[F64, npt.NDArray[np.bool_]]:
    f_lo, _ = _npv_and_slope(flows, lo)
    f_hi, _ = _npv_and_slope(flows, hi)
    bracketed = (np.sign(f_lo) * np.sign(f_hi)) <= 0
    x = np.where(f_lo == 0, lo, np.where(f_hi == 0, hi, 0.5 * (lo + hi)))
    done = (f_lo == 0) | (f_hi == 0) | ~bracketed
    a, b, fa = lo.copy(), hi.copy(), f_lo.copy()
    for _ in range(iters):
        if done.all():
            break
        f, df = _npv_and_slope(flows, x)
        exact = f == 0
        # keep the bracket [a, b] around the root
        left = np.sign(f) == np.sign(fa)
        a = np.where(left & ~done, x, a)
        fa = np.where(left & ~done, f, fa)
        b = np.where(~left & ~done, x, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - f / df
        ok = np.isfinite(newton) & (newton > a) & (newton < b)
        nxt = np.where(ok, newton, 0.5 * (a + b))
        step = np.abs(nxt - x)
        x = np.where(done | exact, x, nxt)
        done = done | exact | (step <= tol * np.maximum(1.0, np.abs(x))) | ((b - a) <= tol)
    return x, bracketed


def irr(flows: npt.ArrayLike) -> tuple[F64, npt.NDArray[np.int64]]:
    """Periodic IRR of each row of ``flows`` (shape ``(..., periods)``).

    Returns ``(rates, reasons)``: the rate per period (NaN where undefined) and
    a code per row (0 = defined; otherwise a key of ``IRR_REASONS``).
    """
    c = np.asarray(flows, dtype=np.float64)
    shape = c.shape[:-1]
    c2 = c.reshape(-1, c.shape[-1])
    changes = sign_changes(c2)
    running = sign_changes(np.cumsum(c2, axis=-1))
    unique = (changes == 1) | ((changes > 1) & (running == 1))
    reason = np.where(changes == 0, 1, np.where(~unique, 2, 0)).astype(np.int64)
    rate = np.full(c2.shape[0], np.nan)
    rows = np.nonzero(reason == 0)[0]
    if rows.size:
        lo = np.full(rows.size, _LO)
        hi = np.full(rows.size, _HI)
        x, bracketed = _solve(c2[rows], lo, hi)
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
