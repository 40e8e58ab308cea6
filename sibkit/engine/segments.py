"""Splitting a provider's monthly starts over its difficulty segments.

One compiled function serves the deterministic batch and Monte Carlo sampling, so both split the
same way. The rule, for a provider whose starts per month are ``plan`` and whose segment mix gives
integer weights ``w`` (sum ``W``):

1. **The whole enrolment first.** The segment totals over the whole enrolment are the
   largest-remainder split of all starts by ``w``: each segment gets ``floor(total × w / W)``,
   and the participants left over go one each to the segments with the largest remainders. So
   each segment's total is within one participant of its share.
2. **Then month by month, on running totals.** Participants are placed one at a time in order of
   their start month; each goes to the segment furthest below its share of the running total
   (largest ``w × h − placed × W`` after ``h`` participants), among segments that have not
   reached their total from step 1. A month's count per segment is what was placed in that
   month. Running totals therefore stay within one participant of their share in every month,
   and no rounding drifts as it did when each month was rounded on its own.

**Ties** (equal remainders in step 1, equal shortfalls in step 2) go to the segment whose id sorts
first (``rank``, by Python's string order of the ids), never to whichever segment happens to be
listed first, so reordering ``segments`` or a provider's ``segment_mix`` changes no count.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sibkit.jit import jit
from sibkit.money import share_weights

__all__ = ["id_rank", "provider_segment_weights", "segment_weights", "split_starts"]

I64 = npt.NDArray[np.int64]


def segment_weights(shares: Sequence[Fraction | Decimal]) -> I64:
    """Exact integer weights for ``shares`` (``share_weights``: each share times their least common
    denominator, then divided by the weights' greatest common divisor; ``"1/3"`` three times → 1:1:1)."""
    return np.asarray(share_weights(list(shares)), dtype=np.int64)


def provider_segment_weights(mix: Sequence[tuple[str, Fraction]], segments: Sequence[str | None]) -> I64:
    """Integer weights (S,) of a provider's segment ``mix`` ``(segment id, share)`` along the contract's
    ``segments``; a provider without a mix puts everyone in the first segment (which is then the
    contract's only, pseudo, segment)."""
    if not mix:
        return np.asarray([1] + [0] * (len(segments) - 1), dtype=np.int64)
    share = dict(mix)
    return segment_weights([share.get(seg or "", Fraction(0)) for seg in segments])


def id_rank(ids: Sequence[str]) -> I64:
    """For each id, its position among ``ids`` sorted by Python's string order: the tie-break rank."""
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    rank = np.empty(len(ids), dtype=np.int64)
    for r, k in enumerate(order):
        rank[k] = r
    return rank


@jit
def split_starts(plan: I64, weights: I64, rank: I64, out: I64) -> None:
    """Split the starts per month ``plan`` (T,) over segments by ``weights`` (S,) into ``out``
    (T, S), as the module docstring says; ``rank`` (S,) breaks ties, lowest first.

    With all-zero weights everything goes to the lowest-ranked segment. ``out`` is overwritten."""
    t_len = plan.shape[0]
    s_len = weights.shape[0]
    for t in range(t_len):
        for s in range(s_len):
            out[t, s] = 0
    total = 0
    for t in range(t_len):
        total += plan[t]
    wsum = 0
    for s in range(s_len):
        wsum += weights[s]
    if total <= 0:
        return
    if s_len == 1 or wsum == 0:
        first = 0
        for s in range(s_len):
            if rank[s] < rank[first]:
                first = s
        for t in range(t_len):
            out[t, first] = plan[t]
        return
    final = _segment_totals(total, weights, wsum, rank)
    _place(plan, weights, wsum, rank, final, out)


@jit
def _segment_totals(total: int, weights: I64, wsum: int, rank: I64) -> I64:
    """Step 1: the segment totals (S,) over the whole enrolment, largest remainder, ties by ``rank``."""
    s_len = weights.shape[0]
    final = np.empty(s_len, dtype=np.int64)
    left = total
    for s in range(s_len):
        final[s] = (total * weights[s]) // wsum
        left -= final[s]
    for _ in range(left):
        best = -1
        best_rem = -1
        for s in range(s_len):
            rem = (total * weights[s]) % wsum
            # a segment already given its extra participant has remainder "used": skip it
            if final[s] * wsum > total * weights[s]:
                continue
            if rem > best_rem or (rem == best_rem and rank[s] < rank[best]):
                best = s
                best_rem = rem
        final[best] += 1
    return final


@jit
def _place(plan: I64, weights: I64, wsum: int, rank: I64, final: I64, out: I64) -> None:
    """Step 2: place participants one at a time on running totals, each in the segment furthest below
    its share among those short of their ``final`` total (ties by ``rank``); ``out`` (T, S) counts them."""
    s_len = weights.shape[0]
    placed = np.zeros(s_len, dtype=np.int64)
    h = 0
    for t in range(plan.shape[0]):
        for _ in range(plan[t]):
            h += 1
            best = -1
            best_gap = 0
            for s in range(s_len):
                if placed[s] >= final[s]:
                    continue
                gap = weights[s] * h - placed[s] * wsum
                if best < 0 or gap > best_gap or (gap == best_gap and rank[s] < rank[best]):
                    best = s
                    best_gap = gap
            placed[best] += 1
            out[t, best] += 1
