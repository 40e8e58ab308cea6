"""IRR: vectorised solver against numpy-financial and Microsoft's XIRR example."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sibkit.engine.irr import IRR_REASONS, _newton, _one_signed_balance, _start, annualise, irr, sign_changes, xirr


class TestIrr:
    @given(
        st.integers(min_value=1_000, max_value=10**8).map(lambda c: c / 100),
        st.lists(st.integers(min_value=0, max_value=10**7).map(lambda c: c / 100), min_size=1, max_size=60),
    )
    def test_matches_numpy_financial_on_conventional_flows(self, outlay: float, inflows: list[float]) -> None:
        """One outflow then inflows (whole cents): the same rate as numpy_financial.irr to 1e-9."""
        flows = [-outlay, *inflows]
        expected = npf.irr(flows)
        rate, why = irr(np.asarray([flows]))
        if sum(inflows) == 0:
            assert why[0] == 1
            return
        if not (-0.99 < expected < 1.0):
            assert why[0] == 3
            return
        assert why[0] == 0
        assert rate[0] == pytest.approx(expected, abs=1e-9)

    def test_many_rows_at_once_equal_one_by_one(self) -> None:
        """A 2-D batch gives, row by row, the single-row answer."""
        rng = np.random.default_rng(7)
        flows = np.concatenate([-rng.uniform(50, 150, (50, 1)), rng.uniform(0, 10, (50, 24))], axis=1)
        batch, _ = irr(flows)
        single = [irr(flows[i : i + 1])[0][0] for i in range(50)]
        assert np.allclose(batch, single, rtol=0, atol=1e-12)

    def test_two_sign_changes_are_undefined(self) -> None:
        """[-100, 230, -132] has two rates (10% and 20%): reported as undefined, never a guess."""
        rate, why = irr(np.asarray([[-100.0, 230.0, -132.0]]))
        assert np.isnan(rate[0]) and IRR_REASONS[int(why[0])].startswith("several sign changes")

    def test_total_loss_is_undefined(self) -> None:
        """Money in, nothing back: no sign change, no rate."""
        rate, why = irr(np.asarray([[-100.0, 0.0, 0.0]]))
        assert np.isnan(rate[0]) and int(why[0]) == 1

    def test_draws_and_repayments_interleaved_use_norstrom(self) -> None:
        """-50, +5, -50, +120: the flow changes sign three times but its running total once: unique rate."""
        rate, why = irr(np.asarray([[-50.0, 5.0, -50.0, 120.0]]))
        assert int(why[0]) == 0
        npv = sum(c / (1 + rate[0]) ** t for t, c in enumerate([-50.0, 5.0, -50.0, 120.0]))
        assert abs(npv) < 1e-9

    @given(st.lists(st.integers(min_value=-(10**6), max_value=10**6), min_size=2, max_size=24))
    def test_a_reported_rate_is_a_root_inside_the_bracket(self, cents: list[int]) -> None:
        """Any cash flow (sign changes anywhere): a reported rate lies in the bracket and sets the NPV to
        zero (relative to the discounted money); a row with no sign change never gets a rate; and every row is
        solved on its own (a row's answer does not change when other rows are solved beside it)."""
        flows = np.asarray([cents], dtype=np.float64)
        rate, why = irr(flows)
        signs = [c for c in cents if c != 0]
        if not signs or all(c > 0 for c in signs) or all(c < 0 for c in signs):
            assert int(why[0]) == 1 and np.isnan(rate[0])
            return
        if int(why[0]) != 0:
            assert np.isnan(rate[0])
            return
        r = float(rate[0])
        assert -0.99 <= r <= 1.0
        terms = [c / (1.0 + r) ** t for t, c in enumerate(cents)]
        assert abs(sum(terms)) <= 1e-9 * sum(abs(x) for x in terms)  # relative to the discounted money
        beside = np.vstack([flows, np.asarray([[-100.0, *([10.0] * (len(cents) - 1))]])])
        assert irr(beside)[0][0] == rate[0]

    def test_a_pure_investment_has_one_rate_where_running_totals_prove_nothing(self) -> None:
        """-100, +110, -30, +40: the running totals (-100, 10, -20, 20) change sign three times, so
        Norström's test is silent; but at the rate found (14.35% a month) the investor's balance stays
        negative until the last payment (-100, -4.35, -34.98: a pure investment), which proves the rate
        unique: it is reported."""
        flows = [-100.0, 110.0, -30.0, 40.0]
        rate, why = irr(np.asarray([flows]))
        assert int(why[0]) == 0
        assert _one_signed_balance(np.asarray(flows), float(rate[0]))
        assert abs(sum(c / (1 + rate[0]) ** t for t, c in enumerate(flows))) < 1e-9

    @given(st.lists(st.integers(min_value=-(10**4), max_value=10**4), min_size=3, max_size=12))
    def test_one_signed_balance_means_one_rate(self, cents: list[int]) -> None:
        """Whenever the balance test vouches for a root, the NPV changes sign only once over the whole
        bracket, checked on a fine grid of 4,001 rates (Teichroew, Robichek and Montalbano's theorem)."""
        row = np.asarray(cents, dtype=np.float64)
        x, inside = _newton(row, -0.99, 1.0, 1e-13, _start(row, -0.99, 1.0))
        if not (inside and _one_signed_balance(row, x)):
            return
        rates = np.expm1(np.linspace(np.log1p(-0.99), np.log1p(1.0), 4001))
        npv = (row[None, :] / (1.0 + rates[:, None]) ** np.arange(row.size)[None, :]).sum(axis=1)
        scale = (np.abs(row)[None, :] / (1.0 + rates[:, None]) ** np.arange(row.size)[None, :]).sum(axis=1)
        signs = np.sign(np.where(np.abs(npv) <= 1e-9 * scale, 0.0, npv))
        assert int(sign_changes(signs[None, :])[0]) <= 1

    def test_annualise(self) -> None:
        """1% a month is 12.68% a year."""
        assert float(annualise(0.01)) == pytest.approx(1.01**12 - 1)


class TestXirr:
    def test_microsoft_documentation_example(self) -> None:
        """Excel's XIRR documentation: -10,000 on 2008-01-01, then 2,750, 4,250, 3,250, 2,750 → 37.34%
        (0.373362535)."""
        dates = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30), dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
        # Excel iterates until the result is accurate within 0.000001% (its documentation), so 1e-8 absolute.
        assert xirr([-10000, 2750, 4250, 3250, 2750], dates) == pytest.approx(0.373362535, abs=1e-8)

    def test_refuses_flows_without_a_unique_rate(self) -> None:
        """No sign change: a clear error, not a number."""
        with pytest.raises(ValueError, match="no sign change"):
            xirr([-1.0, -2.0], [dt.date(2020, 1, 1), dt.date(2021, 1, 1)])
