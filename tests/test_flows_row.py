"""One scenario taken out of a run of many (``Flows.row``) is that scenario run alone: every array, every
ledger key in the order it first moved in that scenario, the schedule. The what-if page's checks read the
expected scenario's full results this way from one run of all a contract variant's points."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sibkit.engine import deterministic_batch
from sibkit.engine.batch import stack
from sibkit.engine.waterfall import run_batch
from sibkit.load import load_contract
from sibkit.report.whatif.grid import _scaled_scenario
from sibkit.testing.properties import flows_differ

from conftest import CONTRACTS, ROOT

ALL = sorted(CONTRACTS.glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))
SUCCESS = ("0", "0.2", "0.5", "1", "1.4", "2.5")


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_a_row_of_a_run_is_the_scenario_run_alone(path: Path) -> None:
    """At six expected successes from none to two and a half times the expected, run together: each row equals
    the run of its batch alone (``flows_differ``), the batch kept being the one given."""
    c = load_contract(path)
    batches = [deterministic_batch(c, _scaled_scenario(c.default_scenario(), Decimal(s))) for s in SUCCESS]
    together = run_batch(c, stack(batches))
    for i, batch in enumerate(batches):
        row = together.row(i, batch=batch)
        assert flows_differ(row, run_batch(c, batch)) is None, SUCCESS[i]
        assert row.batch is batch


def test_the_ledger_order_is_the_scenario_s_own() -> None:
    """A run in which another scenario moves money under keys this one never moves, or moves them earlier:
    the row's ledger leaves those keys out and keeps this scenario's order (the bundled guarantee contract,
    where nothing and much success take different paths through the waterfall)."""
    c = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
    none, much = (deterministic_batch(c, _scaled_scenario(c.default_scenario(), Decimal(s))) for s in ("0", "2.5"))
    together = run_batch(c, stack([much, none]))
    alone = run_batch(c, none)
    assert list(together.row(1).ledger.flows) == list(alone.ledger.flows)
    assert list(together.ledger.flows) != list(alone.ledger.flows)  # the case the row must undo


def test_only_an_engine_ledger_with_detail_splits() -> None:
    """A Monte Carlo ledger (totals per budget year) has no per-scenario order to split by."""
    c = load_contract(CONTRACTS / "leeuwarden-oost-pilot.toml")
    flows = run_batch(c, deterministic_batch(c, c.default_scenario()), detail=False)
    with pytest.raises(ValueError, match="only a ledger with detail"):
        flows.ledger.row(0)
    assert flows.ledger.first is None
