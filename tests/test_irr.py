"""IRR: vectorised solver against numpy-financial and Microsoft's XIRR example."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sibkit.engine.irr import IRR_REASONS, annualise, irr, xirr


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
