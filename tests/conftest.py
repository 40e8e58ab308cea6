"""Shared test set-up: Hypothesis profiles and paths."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
EXAMPLE = CONTRACTS / "leeuwarden-oost-pilot.toml"

settings.register_profile(
    "ci", max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fast", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "fast"))


def reference_split(plan: list[int], weights: list[int], rank: list[int]) -> list[list[int]]:
    """The documented segment split (``sibkit.engine.segments``) written plainly, as the tests' reference:
    segment totals by the largest remainder over the whole enrolment (ties to the lowest rank), then
    participants placed one at a time, each to the segment furthest below its share of the running
    total among those below their total (ties to the lowest rank)."""
    s_len, total, wsum = len(weights), sum(plan), sum(weights)
    out = [[0] * s_len for _ in plan]
    if total <= 0:
        return out
    if s_len == 1 or wsum == 0:
        first = min(range(s_len), key=lambda s: rank[s])
        for t, k in enumerate(plan):
            out[t][first] = k
        return out
    final = [total * w // wsum for w in weights]
    by_remainder = sorted(range(s_len), key=lambda s: (-(total * weights[s] % wsum), rank[s]))
    for s in by_remainder[: total - sum(final)]:
        final[s] += 1
    placed, h = [0] * s_len, 0
    for t, k in enumerate(plan):
        for _ in range(k):
            h += 1
            open_ = [s for s in range(s_len) if placed[s] < final[s]]
            best = max(open_, key=lambda s: (weights[s] * h - placed[s] * wsum, -rank[s]))
            placed[best] += 1
            out[t][best] += 1
    return out
