"""The engine's largest-remainder split, compiled, exact for any amounts that fit in 64 bits.

A split of ``total`` cents by ``weights`` needs ``total × weight`` for each part, and that product
can need more than 64 bits long before either factor does: weights are often amounts of money
themselves (what each tranche drew, what each payer paid, what a cap cut) or shares scaled to
10^9, and 3·10^9 cents × 3·10^9 cents, or 2·10^10 cents × 5·10^8, is above 2^63. Each part is
therefore worked out without forming the product when it would not fit (``_quota``); splits whose
products fit, nearly all of them, take the plain multiplication as before. Results are the same as
``money.allocate_array`` wherever its products fit.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sibkit.jit import jit, jit_loop

__all__ = ["allocate_into", "allocate_rows"]

I64 = npt.NDArray[np.int64]

_INT64_MAX = 2**63 - 1
_SMALL = 2**31
"""Amounts and weights below this multiply within 64 bits."""


@jit_loop
def _quota(amount: int, weight: int, wsum: int) -> tuple[int, int]:
    """``divmod(amount × weight, wsum)`` exactly, for ``0 <= amount``, ``0 <= weight <= wsum`` and
    ``0 < wsum < 2**63``, without forming the product (which may need up to 126 bits).

    ``amount = high × wsum + low`` gives ``amount × weight = high × weight × wsum + low × weight``, where
    ``high × weight <= amount`` fits; ``low × weight`` (both factors below ``wsum``) is divided bit by bit of
    ``weight``, doubling a running quotient and remainder and keeping the remainder below ``wsum`` with
    comparisons that never overflow."""
    high = amount // wsum
    low = amount - high * wsum
    quotient = 0
    remainder = 0
    for bit in range(62, -1, -1):
        # (quotient, remainder) of low × (weight >> bit), from those of low × (weight >> (bit + 1))
        quotient *= 2
        if remainder >= wsum - remainder:
            remainder -= wsum - remainder
            quotient += 1
        else:
            remainder += remainder
        if (weight >> bit) & 1:
            if remainder >= wsum - low:
                remainder -= wsum - low
                quotient += 1
            else:
                remainder += low
    return quotient + high * weight, remainder


@jit_loop
def allocate_into(total: int, weights: I64, k_len: int, out: I64) -> None:
    """Largest-remainder split of ``total`` by ``weights[:k_len]`` into ``out[:k_len]``, exactly as
    ``money.allocate_array``: larger remainders first, the earlier part first among equals; all-zero
    weights give everything to the first part. Weights are non-negative and sum to less than 2^63;
    ``total × weight`` may exceed 64 bits (see ``_quota``).

    Sizes are passed, not slices, and the compiled helpers of the month loop have a single exit (no
    early ``return``): either would make Numba update the arrays' reference counts (atomic operations)
    at every call, which costs far more than the split itself."""
    wsum = 0
    wmax = 0
    for k in range(k_len):
        wsum += weights[k]
        wmax = max(wmax, weights[k])
    if k_len == 1 or wsum == 0:
        for k in range(k_len):
            out[k] = 0
        out[0] = total
    else:
        sign = -1 if total < 0 else 1
        mag = -total if total < 0 else total
        # nearly always the products fit in 64 bits (the first test avoids a division); else ``_quota``
        fits = (mag < _SMALL and wmax < _SMALL) or wmax <= 0 or mag <= _INT64_MAX // wmax
        left = mag
        for k in range(k_len):
            out[k] = (mag * weights[k]) // wsum if fits else _quota(mag, weights[k], wsum)[0]
            left -= out[k]
        if left:
            for k in range(k_len):
                rem_k = (mag * weights[k]) % wsum if fits else _quota(mag, weights[k], wsum)[1]
                rank = 0
                for j in range(k_len):
                    rem_j = (mag * weights[j]) % wsum if fits else _quota(mag, weights[j], wsum)[1]
                    if rem_j > rem_k or (rem_j == rem_k and j < k):
                        rank += 1
                if rank < left:
                    out[k] += 1
        if sign < 0:
            for k in range(k_len):
                out[k] = -out[k]


@jit
def _allocate_rows(total: I64, weights: I64, out: I64) -> None:
    """``allocate_into`` for each row: ``total`` (R,) by ``weights`` (R, K), or (1, K) for all rows, into
    ``out`` (R, K)."""
    rows, k_len = out.shape
    shared = weights.shape[0] == 1
    w = np.empty(k_len, dtype=np.int64)
    part = np.empty(k_len, dtype=np.int64)
    for k in range(k_len):
        w[k] = weights[0, k]
    for r in range(rows):
        if not shared:
            for k in range(k_len):
                w[k] = weights[r, k]
        allocate_into(total[r], w, k_len, part)
        for k in range(k_len):
            out[r, k] = part[k]


def allocate_rows(total: I64, weights: I64) -> I64:
    """Largest-remainder split of ``total`` (any shape ``S``) by ``weights`` (``(K,)`` or ``S + (K,)``):
    shape ``S + (K,)``, each last-axis row adding up to its total. The same parts as
    ``money.allocate_array``, also where ``total × weight`` exceeds 64 bits. Weights must be non-negative."""
    total = np.asarray(total, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    k_len = weights.shape[-1]
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative")
    out = np.zeros((total.size, k_len), dtype=np.int64)
    if total.size == 0:
        return out.reshape(*total.shape, k_len)
    flat_weights = np.ascontiguousarray(weights.reshape(-1, k_len))
    if weights.ndim > 1 and flat_weights.shape[0] != total.size:
        raise ValueError(f"weights of shape {weights.shape} do not match totals of shape {total.shape}")
    _allocate_rows(np.ascontiguousarray(total.reshape(-1)), flat_weights, out)
    return out.reshape(*total.shape, k_len)
