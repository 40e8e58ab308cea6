"""The engine's canonical order (``sibkit.engine.canonical``): a canonical copy is its own canonical form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sibkit.engine.canonical import _canonical, canonical
from sibkit.engine.run import run
from sibkit.load import load_contract

from conftest import ROOT


@pytest.mark.parametrize("path", sorted((ROOT / "contracts").glob("*.toml")), ids=lambda p: p.stem)
def test_a_canonical_copy_is_its_own_canonical_form(path: Path) -> None:
    """Asked again for the copy it made, ``canonical`` returns that copy with the order a fresh computation gives
    (every axis unmoved, the copy's own payment lines), so the engine's results on it are the same."""
    contract = load_contract(path)
    canon, _ = canonical(contract)
    again, order = canonical(canon)
    assert again is canon
    fresh_copy, fresh = _canonical(canon)
    assert fresh_copy == canon
    for axis in ("providers", "payers", "tranches", "segments", "metrics"):
        assert np.array_equal(getattr(order, axis), getattr(fresh, axis)), axis
    assert order.lines == fresh.lines
    assert order.identity
    a, b = run(contract), run(canon)
    assert {p.id: p.paid.tolist() for p in a.payers} == {p.id: p.paid.tolist() for p in b.payers}


def test_a_copy_that_died_is_forgotten() -> None:
    """The registry of canonical copies holds them weakly: a copy no longer used leaves it."""
    import gc

    from sibkit.engine import canonical as module

    contract = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
    canon, _ = canonical(contract)
    key = id(canon)
    assert key in module._OWN
    module._RECENT.clear()
    del canon
    gc.collect()
    assert key not in module._OWN
