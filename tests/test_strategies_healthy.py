"""Healthy by default (issue #18): every strategy of ``sibkit.testing.strategies`` draws examples for every
bundled contract (segments, cohorts, milestone chains, fund contributors, capital) under Hypothesis's default
health checks, with no suppression. An analyst who writes ``@given(sst.outcome_vectors(my_contract))`` must
not meet ``FailedHealthCheck`` before their own property runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.testing import strategies as sst

from conftest import ROOT

BUNDLED = sorted((ROOT / "contracts").glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))
BUNDLED += sorted((ROOT / "tests" / "show_contracts").glob("*.toml"))

STRATEGIES: dict[str, Callable[[Contract], st.SearchStrategy[Any]]] = {
    "scenarios": sst.scenarios,
    "outcome_vectors": sst.outcome_vectors,
    "batches": lambda c: sst.batches(c, 3),
}


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).stem)
def test_every_strategy_is_healthy_on_every_bundled_contract(path: Path, strategy: str) -> None:
    contract = load_contract(path)
    drawn: list[object] = []

    @settings(max_examples=15, deadline=None, database=None)  # default health checks: none suppressed
    @given(STRATEGIES[strategy](contract))
    def draw(example: object) -> None:
        drawn.append(example)

    draw()
    assert drawn
