"""Healthy by default (issue #18): every strategy of ``sibkit.testing.strategies`` draws examples for every
bundled contract (segments, cohorts, milestone chains, fund contributors, capital) under Hypothesis's default
health checks, with no suppression. An analyst who writes ``@given(sst.outcome_vectors(my_contract))`` must
not meet ``FailedHealthCheck`` before their own property runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
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
    "scenarios_for": lambda c: sst.scenarios_for(c, name="generated"),
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


PARTS: dict[str, Callable[[Contract], st.SearchStrategy[Any] | None]] = {
    "providers": lambda c: sst.providers(c.timeline, c.segments),
    "payment_rules": lambda c: sst.payment_rules(c.metrics, c.payers, c.segments),
    "rate_cards": lambda c: sst.rate_cards(_per_participant(c), c.payers) if _per_participant(c) else None,
    "tariffs": lambda c: sst.tariffs(_per_participant(c), c.payers) if _per_participant(c) else None,
    "caps": lambda c: sst.caps(c.metrics, c.payers, c.providers),
    "waterfalls": lambda c: sst.waterfalls(c.tranches) if c.tranches else None,
    "guarantees": lambda c: sst.guarantees(c.tranches) if c.tranches else None,
    "contracts": lambda c: sst.contracts(timelines=st.just(_bare(c.timeline)), payers=st.just(_bare(c.payers))),
}
"""Each part strategy given the parts of a bundled contract (``None`` where the contract has none to give)."""


def _bare(obj: Any) -> Any:
    """``obj`` without its provenance (which cites the sources of the contract it came from)."""
    if isinstance(obj, tuple):
        return tuple(_bare(x) for x in obj)
    if attrs.has(type(obj)):
        changes = {a.name: _bare(getattr(obj, a.name)) for a in attrs.fields(type(obj)) if a.name != "provenance"}
        if any(a.name == "provenance" for a in attrs.fields(type(obj))):
            changes["provenance"] = {}
        return attrs.evolve(obj, **changes)
    return obj


def _per_participant(c: Contract) -> tuple[Any, ...]:
    return tuple(m for m in c.metrics if m.kind != "cohort_change")


@pytest.mark.parametrize("strategy", sorted(PARTS))
@pytest.mark.parametrize("path", sorted((ROOT / "contracts").glob("*.toml")), ids=lambda p: Path(p).stem)
def test_every_part_strategy_is_healthy_on_the_parts_of_every_bundled_contract(path: Path, strategy: str) -> None:
    """The part strategies, fed a real contract's timeline, metrics, payers, providers and tranches, draw
    under the default health checks."""
    contract = load_contract(path)
    made = PARTS[strategy](contract)
    if made is None:
        pytest.skip(f"{path.stem} has no parts for {strategy}")
    drawn: list[object] = []

    @settings(max_examples=10, deadline=None, database=None)  # default health checks: none suppressed
    @given(made)
    def draw(example: object) -> None:
        drawn.append(example)

    draw()
    assert drawn


ALONE = {
    "timelines": sst.timelines(),
    "payers": sst.payers(funds=None),
    "segments": sst.segments(),
    "metrics": sst.metrics(kinds=sst.METRIC_KINDS, chains=True),
    "tranches": sst.tranches(kinds=sst.TRANCHE_KINDS),
    "contracts": sst.contracts(),
    "open-contracts": sst.contracts(open_rules=True, investors=True),
}


@pytest.mark.parametrize("strategy", sorted(ALONE))
def test_every_strategy_without_parts_is_healthy(strategy: str) -> None:
    """The strategies that need no parts draw under the default health checks, at their widest."""

    @settings(max_examples=30, deadline=None, database=None)  # default health checks: none suppressed
    @given(ALONE[strategy])
    def draw(example: object) -> None:
        assert example is not None

    draw()
