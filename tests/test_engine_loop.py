"""The compiled loops' own pieces: the largest-remainder split, the refusal of negative movements, the payback month."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sibkit.engine import deterministic_batch, run_batch
from sibkit.engine.results import _payback
from sibkit.engine.run import default_scenario
from sibkit.engine.waterfall import _allocate
from sibkit.errors import EngineError
from sibkit.load import load_contract
from sibkit.money import allocate_array

from conftest import EXAMPLE


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
        _allocate(total, padded, k, out)
        expected = allocate_array(np.asarray(total, dtype=np.int64), np.asarray(weights, dtype=np.int64))
        assert out[:k].tolist() == expected.tolist()
        assert int(out[:k].sum()) == total
        assert out[k:].tolist() == [-99] * spare

    def test_ties_go_to_the_earlier_part(self) -> None:
        out = np.zeros(3, dtype=np.int64)
        _allocate(100, np.asarray([1, 1, 1], dtype=np.int64), 3, out)
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
