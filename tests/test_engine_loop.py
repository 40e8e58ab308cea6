"""The compiled loops' own pieces: the largest-remainder split, the refusal of negative movements, the payback
month, and whether their machine code is cached."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sibkit.engine import ENGINE_LOOPS, deterministic_batch, run_batch, stack, waterfall
from sibkit.engine.month_loop import allocate_into
from sibkit.engine.results import _payback
from sibkit.engine.run import default_scenario
from sibkit.errors import EngineError
from sibkit.jit import _knows_nrt_switch, compiled
from sibkit.load import load_contract
from sibkit.money import allocate_array

from conftest import EXAMPLE, ROOT


class TestAllocate:
    @given(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
        st.integers(min_value=0, max_value=3),
    )
    def test_equals_the_vectorised_split(self, total: int, weights: list[int], spare: int) -> None:
        """The loop's split gives exactly what ``money.allocate_array`` gives (the engine used it before the
        loop was compiled, and the rest of sibkit still does), and reads only the first ``k`` places."""
        k = len(weights)
        padded = np.asarray([*weights, *([7] * spare)], dtype=np.int64)  # spare places must be ignored
        out = np.full(k + spare, -99, dtype=np.int64)
        allocate_into(total, padded, k, out)
        expected = allocate_array(np.asarray(total, dtype=np.int64), np.asarray(weights, dtype=np.int64))
        assert out[:k].tolist() == expected.tolist()
        assert int(out[:k].sum()) == total
        assert out[k:].tolist() == [-99] * spare

    def test_ties_go_to_the_earlier_part(self) -> None:
        out = np.zeros(3, dtype=np.int64)
        allocate_into(100, np.asarray([1, 1, 1], dtype=np.int64), 3, out)
        assert out.tolist() == [34, 33, 33]


class TestNegativeMovement:
    def test_a_negative_amount_stops_the_run_and_names_the_movement(self) -> None:
        """Money never moves backwards: a batch that would make a payer pay a negative amount is refused,
        with the accounts, the reason and the month, not silently netted."""
        contract = load_contract(EXAMPLE)
        batch = deterministic_batch(contract, default_scenario(contract))
        bad = type(batch)(
            enrolled=batch.enrolled,
            achieved=-batch.achieved,
            units=-batch.units,
            offset=batch.offset,
            improvement=batch.improvement,
        )
        with pytest.raises(EngineError, match=r"a negative movement from \S+ to \S+ \(.+\) in month \d+"):
            run_batch(contract, bad)


class TestPayback:
    @staticmethod
    def reference(cash: np.ndarray) -> np.ndarray:
        """The whole-array formula the compiled loop replaced."""
        cum = np.cumsum(cash, axis=1)
        drew = (cash < 0).any(axis=1)
        neg = cum < 0
        last_neg = np.where(neg.any(axis=1), cash.shape[1] - 1 - np.argmax(neg[:, ::-1], axis=1), -1)
        out = np.where(drew & (last_neg < cash.shape[1] - 1), last_neg + 1, -1)
        return np.where(drew & ~neg.any(axis=1), np.argmax(cash < 0, axis=1), out)

    @given(arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 12)), elements=st.integers(-50, 50)))
    def test_equals_the_whole_array_formula(self, cash: np.ndarray) -> None:
        assert _payback(cash).tolist() == self.reference(cash).tolist()

    def test_known_answers(self) -> None:
        """Drawn 100 in month 0, back 60 and 50 in months 2 and 3: paid back from month 3; never when it
        ends short; -1 without a draw."""
        rows = np.asarray([[-100, 0, 60, 50], [-100, 0, 60, 30], [0, 10, 0, 0]], dtype=np.int64)
        assert _payback(rows).tolist() == [3, -1, -1]


class TestCompiledCache:
    def test_after_a_run_the_engine_loops_are_cached(self) -> None:
        """Once the engine has run, its compiled code is on disk: no first-run note any more."""
        contract = load_contract(EXAMPLE)
        run_batch(contract, deterministic_batch(contract, default_scenario(contract)))
        assert compiled(*ENGINE_LOOPS)

    def test_a_missing_cache_index_means_not_compiled(self, tmp_path: Path) -> None:
        """A compiled function whose cache index file is missing has not been compiled on this machine."""
        index = SimpleNamespace(_index_path=str(tmp_path / "missing.nbi"))
        fake = SimpleNamespace(_cache=SimpleNamespace(_cache_file=index))
        assert not compiled(fake)  # type: ignore[arg-type]
        (tmp_path / "missing.nbi").write_bytes(b"")
        assert compiled(fake)  # type: ignore[arg-type]

    def test_a_plain_function_cannot_tell_and_says_yes(self) -> None:
        assert compiled(len)

    def test_this_numba_compiles_the_loop_without_reference_counting(self) -> None:
        """The month loop is fast only without Numba's reference counting; a Numba release that drops the
        switch would fall back to a correct but several times slower loop: this test says so."""
        assert _knows_nrt_switch()


class TestLedgerTicks:
    def test_scenarios_take_the_same_ticks_every_month(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The ledger's order comes from the tick at which each movement first happens, so every scenario must
        take as many ticks a month. A month with an empty contract account skips the priority of payments
        and advances the clock by a count worked out beforehand: miscount it, and the engine refuses to go on
        (here `low` pays nothing, so its account is empty when `base`'s is not)."""
        contract = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        batch = stack([deterministic_batch(contract, contract.scenario(s)) for s in ("low", "base")])
        run_batch(contract, batch)  # as written: same ticks
        real = waterfall.program

        def miscounted(*args: Any) -> Any:
            terms, keys, table = real(*args)
            return terms._replace(steps=terms.steps._replace(ticks=terms.steps.ticks + 1)), keys, table

        monkeypatch.setattr(waterfall, "program", miscounted)
        with pytest.raises(EngineError, match="different numbers of ledger movements"):
            run_batch(contract, batch)
