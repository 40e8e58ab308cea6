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
            ("-5", "expected an amount of at least 0, got '-5'"),
            (Decimal("3500.001"), "expected whole cents, got 3500.001 (an amount has at most 2 decimals)"),
            (
                3500.0,
                'expected an amount such as 3500 or "3500.00", got 3500.0 (a binary float; write it as a decimal)',
            ),
            (True, 'expected an amount such as 3500 or "3500.00", got true'),
            (None, 'expected an amount such as 3500 or "3500.00", got null'),
            ({"eur": 1}, 'expected an amount such as 3500 or "3500.00", got a table'),
            ("abc", "expected an amount such as 3500 or \"3500.00\", got 'abc'"),
            ("NaN", "expected a finite amount, got 'NaN'"),
            (Decimal("NaN"), "expected a finite amount, got nan"),
        ],
    )
    def test_refuses_what_is_not_exact_money(self, written: object, message: str) -> None:
        """Negative, sub-cent, float, boolean, non-number and non-finite amounts are refused with a reason."""
        with pytest.raises(ValueError) as err:
            parse_amount(written)
        assert str(err.value) == message

    @pytest.mark.parametrize(
        ("written", "hint"),
        [
            ("3.500,00", "write 3500.00: a dot for decimals, no thousands separator"),
            ("3500,00", "write 3500.00: a dot for decimals, no thousands separator"),
            ("3 500,00", "write 3500.00: a dot for decimals, no thousands separator"),
            ("3,5", "write 3.50: a dot for decimals, no thousands separator"),
            ("1,234,567.5", "write 1234567.50: a dot for decimals, no thousands separator"),
            ("1.234.567", "write 1234567.00: a dot for decimals, no thousands separator"),
            ("3,500", "write 3500.00 or 3.50: a dot for decimals, no thousands separator"),
            ("3,125", "write 3125.00: a dot for decimals, no thousands separator"),
            ("€ 3.500,00", "write 3500.00: no currency sign, a dot for decimals, no thousands separator"),
            ("€3500", "write 3500.00: no currency sign"),
            ("3500 EUR", "write 3500.00: no currency sign"),
        ],
    )
    def test_localised_amount_says_how_to_write_it(self, written: str, hint: str) -> None:
        """An amount written with a decimal comma, thousands separators or a euro sign is refused with the plain form."""
        with pytest.raises(ValueError) as err:
            parse_amount(written)
        assert str(err.value) == f'expected an amount such as 3500 or "3500.00", got {written!r}; {hint}'

    def test_no_hint_when_the_meaning_is_unclear(self) -> None:
        """'1.234.56' has no one plain reading, so no amount is suggested."""
        with pytest.raises(ValueError) as err:
            parse_amount("1.234.56")
        assert str(err.value) == "expected an amount such as 3500 or \"3500.00\", got '1.234.56'"


class TestParseFraction:
    def test_percent_text_is_exact(self) -> None:
        """'70%' is exactly seven tenths."""
        assert parse_fraction("70%") == Decimal("0.7")
        assert parse_fraction("12.5%") == Decimal("0.125")

    @pytest.mark.parametrize(
        ("written", "message"),
        [
            (True, 'expected a share such as 0.25 or "25%", got true'),
            ("x", "expected a share such as 0.25 or \"25%\", got 'x'"),
            ("0,7", "expected a share such as 0.25 or \"25%\", got '0,7'; write 0.7: a dot for decimals"),
            ("12,5%", "expected a share such as 0.25 or \"25%\", got '12,5%'; write 12.5%: a dot for decimals"),
            (Decimal("Infinity"), "expected a finite number, got inf"),
            ("nan%", "expected a finite number, got 'nan%'"),
        ],
    )
    def test_refuses_what_is_not_a_fraction(self, written: object, message: str) -> None:
        """Booleans, words, decimal commas and non-finite numbers are refused, written as the user wrote them."""
        with pytest.raises(ValueError) as err:
            parse_fraction(written)
        assert str(err.value) == message


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


class TestModelRules:
    """The model owns its rules: one unit price, one calendar month, one default scenario."""

    def test_tariff_unit_price_rounds_half_up(self) -> None:
        """€0.05 × 50% is 2.5 cents: half up gives 3 (banker's rounding would give 2)."""
        from sibkit.model.rules import Component, Tariff

        half = Decimal("0.5")
        rule = Tariff(
            id="t",
            price_per_participant=5,
            components=(Component(metric="a", weight=half), Component(metric="b", weight=half)),
            segment_prices={"hard": 9},
        )
        assert rule.unit_price("a") == 3
        assert rule.unit_price("b") == 3
        assert rule.unit_price("a", "hard") == 5
        assert rule.unit_price("a", "other") == 3
        with pytest.raises(KeyError):
            rule.unit_price("c")

    def test_month_start(self) -> None:
        """Month 13 of a contract starting on 15 January 2024 begins on 1 February 2025; ``end`` is month term."""
        import datetime as dt

        from sibkit.model.contract import Timeline

        t = Timeline(start=dt.date(2024, 1, 15), enrolment_months=1, service_months=1, term_months=24)
        assert t.month_start(13) == dt.date(2025, 2, 1)
        assert t.month_start(0) == dt.date(2024, 1, 1)
        assert t.end == dt.date(2026, 1, 1)
