"""Reordering a contract's lists changes no cent (issue #11: money that changed with the order of a list)."""

from __future__ import annotations

import importlib
import random
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sibkit.checks.search import find_order_dependence
from sibkit.cli import main
from sibkit.engine import waterfall
from sibkit.engine.simulate import simulate
from sibkit.load import load_contract
from sibkit.testing import properties
from sibkit.testing import strategies as sst
from sibkit.testing.properties import reordered

from conftest import ROOT

BUNDLED = sorted((ROOT / "contracts").glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))


class TestOrderIndependence:
    @given(sst.contracts(), st.randoms(use_true_random=False))
    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
    def test_generated_contracts(self, contract: object, rnd: random.Random) -> None:
        """For generated contracts, shuffling every order-free list leaves every ledger movement as it was."""
        properties.order_independent(contract, rnd)  # type: ignore[arg-type]

    @pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
    @given(rnd=st.randoms(use_true_random=False))
    @settings(max_examples=5, deadline=None)
    def test_bundled_contracts(self, path: Path, rnd: random.Random) -> None:
        """For every bundled contract, shuffling its order-free lists leaves every movement as it was."""
        properties.order_independent(load_contract(path), rnd)


class TestFindOrderDependence:
    def test_the_pilot_has_none(self) -> None:
        """The search finds no reordering of the pilot that moves money."""
        assert find_order_dependence(load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")) is None

    def test_it_finds_the_old_defect(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the engine computing in the contract's own order (as before the fix), the search finds that
        swapping Roca's two equal subordinated lenders moves a cent of their drawdowns between them."""
        run_module = importlib.import_module("sibkit.engine.run")  # the package's `run` is the function
        monkeypatch.setattr(run_module, "run_batch", lambda c, b, detail=True: waterfall._run(c, b, detail=detail))
        found = find_order_dependence(load_contract(ROOT / "contracts" / "roca-massachusetts.toml"))
        assert found is not None
        assert "reordering" in found.message

    def test_cli_offers_it(self) -> None:
        """`sibkit check --properties` runs the search and reports nothing for a sound contract."""
        result = CliRunner().invoke(
            main, ["check", str(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"), "--properties", "--format", "json"]
        )
        assert result.exit_code == 0, result.output
        assert "SIB-PROP-002" not in result.output



class TestMonteCarloOrder:
    def test_reordered_contract_draws_the_same_scenarios(self) -> None:
        """Monte Carlo samples in the engine's canonical order, so a reordered contract with the same seed
        gives every party identical figures in every scenario (the pilot lists its providers out of id
        order, so this reorders for real)."""
        c = load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml")
        other = reordered(attrs.evolve(c, providers=tuple(reversed(c.providers))), random.Random(3))
        assert [p.id for p in other.providers] == ["dreamfabryk", "wijkbedrijf-bilgaard"]
        a = simulate(c, 3000, 7, workers=1).metrics
        b = simulate(other, 3000, 7, workers=1).metrics
        assert a.keys() == b.keys()
        for key in a:
            assert np.array_equal(a[key], b[key], equal_nan=True), key
