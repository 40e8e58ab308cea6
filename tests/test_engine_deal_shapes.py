"""Every deal shape and example contract runs through the engine and reconciles, at any success level."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from sibkit.engine import default_scenario, deterministic_batch, run_batch, stack
from sibkit.load import load_contract

from conftest import CONTRACTS

FILES = sorted(CONTRACTS.glob("*.toml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
class TestEveryContractRuns:
    def test_runs_and_reconciles_from_zero_to_double_success(self, path: Path) -> None:
        """Success 0, 0.5, 1, 1.5 and 2 in one batch: the engine's own reconciliation passes, and
        gross outcome payments never fall as success rises."""
        c = load_contract(path)
        sc = default_scenario(c)
        factors = [Decimal(x) for x in ("0", "0.5", "1", "1.5", "2")]
        flows = run_batch(c, stack([deterministic_batch(c, sc, f) for f in factors]))
        paid = flows.payer_paid.sum(axis=(1, 2))
        assert np.all(np.diff(paid) >= 0)
        assert int(paid[0]) == 0
