"""Money: exact parsing, the stated rounding, largest-remainder splits."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sibkit.money import allocate, allocate_array, parse_amount, parse_fraction, round_half_up


class TestParseAmount:
    @pytest.mark.parametrize(
        ("written", "cents"),
        [(3500, 350000), (Decimal("3500.00"), 350000), ("3500.10", 350010), (Decimal("0.1"), 10), ("0", 0)],
    )
    def test_reads_euros_exactly(self, written: object, cents: int) -> None:
        """Whole euros, decimals and decimal strings all become exact cents."""
        assert parse_amount(written) == cents

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            (-1, "expected an amount of at least 0, got -1"),
            (Decimal("3500.001"), "expected whole cents, got Decimal('3500.001') (an amount has at most 2 decimals)"),
            (3500.0, 'expected an amount such as 3500 or "3500.00", got 3500.0 (a binary float; write it as a decimal)'),
            (True, 'expected an amount such as 3500 or "3500.00", got True'),
            ("3.500,00", "expected an amount such as 3500 or \"3500.00\", got '3.500,00'"),
            ("NaN", "expected a finite amount, got 'NaN'"),
        ],
    )
    def test_refuses_what_is_not_exact_money(self, written: object, message: str) -> None:
        """Negative, sub-cent, float, boolean, localised and non-finite amounts are refused with a reason."""
        with pytest.raises(ValueError) as err:
            parse_amount(written)
        assert str(err.value) == message


class TestParseFraction:
    def test_percent_text_is_exact(self) -> None:
        """'70%' is exactly seven tenths."""
        assert parse_fraction("70%") == Decimal("0.7")
        assert parse_fraction("12.5%") == Decimal("0.125")


class TestRoundHalfUp:
    @pytest.mark.parametrize(("num", "den", "out"), [(5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (-5, 10, -1)])
    def test_halves_go_away_from_zero(self, num: int, den: int, out: int) -> None:
        """2.5 → 3 (not banker's 2), 1.5 → 2, 0.4 → 0."""
        assert round_half_up(num, den) == out


class TestAllocate:
    def test_known_split(self) -> None:
        """€1.00 in three equal parts: 34 + 33 + 33 cents, the first part gets the extra cent."""
        assert allocate(100, [1, 1, 1]) == [34, 33, 33]

    def test_largest_remainder_wins(self) -> None:
        """10 cents by 0.55/0.45: quotas 5.5 and 4.5, tie broken to the earlier part → 6, 4."""
        assert allocate(10, [Decimal("0.55"), Decimal("0.45")]) == [6, 4]
        # 7 cents by 1:2:4 → quotas 1, 2, 4 exactly
        assert allocate(7, [1, 2, 4]) == [1, 2, 4]
        # 10 cents by 1:1:1:7 → 1,1,1,7
        assert allocate(10, [1, 2, 7]) == [1, 2, 7]
        # 100 by 1:2 → 33.33, 66.67 → 33, 67 (largest remainder to the second)
        assert allocate(100, [1, 2]) == [33, 67]

    @given(
        st.integers(min_value=0, max_value=10**12),
        st.lists(st.integers(min_value=0, max_value=10**5), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
    )
    def test_parts_add_up_and_are_fair(self, total: int, weights: list[int]) -> None:
        """Parts always sum to the total, and each part is within one cent of its exact quota."""
        parts = allocate(total, weights)
        assert sum(parts) == total
        wsum = sum(weights)
        for part, w in zip(parts, weights, strict=True):
            assert abs(part * wsum - total * w) < wsum

    @given(
        st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=20),
        st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
    )
    def test_vectorised_equals_scalar(self, totals: list[int], weights: list[int]) -> None:
        """Splitting many totals at once gives, row by row, the single split (sign kept)."""
        arr = allocate_array(np.asarray(totals, dtype=np.int64), np.asarray(weights, dtype=np.int64))
        for row, total in zip(arr, totals, strict=True):
            expect = allocate(abs(total), weights)
            assert list(row) == [x if total >= 0 else -x for x in expect]
