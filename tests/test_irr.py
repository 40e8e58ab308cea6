"""IRR and NPV: the vectorised solver against numpy-financial, dated flows against Microsoft's XIRR and XNPV
examples, and the one uniqueness rule shared by ``irr`` and ``xirr``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sibkit
import sibkit.engine
from sibkit.engine.irr import (
    IRR_REASONS,
    _newton,
    _one_signed_balance,
    _start,
    annualise,
    irr,
    npv,
    sign_changes,
    xirr,
    xnpv,
)

EXCEL_DATES = [dt.date(2008, 1, 1), dt.date(2008, 3, 1), dt.date(2008, 10, 30), dt.date(2009, 2, 15), dt.date(2009, 4, 1)]
EXCEL_AMOUNTS = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]
"""The cash flow of Microsoft's XNPV and XIRR documentation examples."""

REPRODUCER = [-100.0, 50.0, -10.0, 40.0]
"""Issue #11: three sign changes, but the running totals from the end (40, 30, 80, -20) change sign once
and those from the start (-100, -50, -60, -20) never rise above 0, so the one rate lies below 0."""

YEARLY = [dt.date(2021, 1, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1), dt.date(2024, 1, 1)]
"""Four dates exactly 365 days apart (no 29 February between them)."""

cents = st.integers(min_value=-(10**6), max_value=10**6)


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

    @given(
        st.dictionaries(st.integers(min_value=0, max_value=239), cents.filter(bool), min_size=2, max_size=8),
        st.integers(min_value=24, max_value=240),
    )
    def test_a_reported_rate_is_a_root_on_long_sparse_rows(self, flows: dict[int, int], months: int) -> None:
        """Long rows with a few flows anywhere (late first flows, loans that start with money in): a reported
        rate sets the NPV to zero, relative to the discounted money (computed in logarithms, as rates near
        -99% a month overflow a float over 240 months)."""
        row = np.zeros(months)
        for t, c in flows.items():
            row[t % months] += c
        rate, why = irr(row)
        if int(why) != 0:
            return
        t = np.arange(months)[row != 0]
        log_weight = -np.log1p(float(rate)) * t
        weight = np.exp(log_weight - log_weight.max())
        assert abs(np.sum(row[row != 0] * weight)) <= 1e-9 * np.sum(np.abs(row[row != 0]) * weight)

    def test_a_loan_far_from_the_first_guess(self) -> None:
        """+2 in month 27 and -318 in month 168 (a loan) has the rate 159^(1/141) - 1 = 3.66% a month. The
        NPV overflows at the first guess (-99% a month); that used to be taken for a converged root and
        -99% reported."""
        row = np.zeros(169)
        row[27], row[168] = 2.0, -318.0
        rate, why = irr(row)
        assert int(why) == 0
        assert float(rate) == pytest.approx(159 ** (1 / 141) - 1, rel=1e-12)

    def test_a_loan_whose_slope_overflows_at_the_first_guess(self) -> None:
        """+1 in month 0 and -11,985 in month 150 (a loan) has the rate 11,985^(1/150) - 1 = 6.46% a month.
        At -99% a month the NPV is still a float (-1.2e304) but its slope is not (inf): the Newton step
        f / slope was 0, taken for convergence, and -99% reported as the rate (found by the property
        above)."""
        row = np.zeros(151)
        row[0], row[150] = 1.0, -11_985.0
        rate, why = irr(row)
        assert int(why) == 0
        assert float(rate) == pytest.approx(11_985 ** (1 / 150) - 1, rel=1e-12)

    def test_newton_steps_that_creep_are_bisected(self) -> None:
        """+3 after one period and -2 after 1,582 (a daily row) has the rate (2/3)^(1/1581) - 1 a period.
        From the upper end of the bracket Newton's method crept towards it in steps of near-constant size
        and stopped after 100 steps, 1.5e-11 a day short (5e-9 a year); bisecting such steps reaches it."""
        row = np.zeros(1583)
        row[1], row[1582] = 3.0, -2.0
        rate, why = irr(row, periods_per_year=365)
        assert int(why) == 0
        assert float(rate) == pytest.approx((2 / 3) ** (1 / 1581) - 1, rel=1e-12, abs=1e-17)

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
        """1% a month is 12.68% a year; 2% a quarter is 8.24% a year; a yearly rate stays as it is."""
        assert float(annualise(0.01)) == pytest.approx(1.01**12 - 1)
        assert float(annualise(0.02, 4)) == pytest.approx(1.02**4 - 1)
        assert float(annualise(0.1, 1)) == pytest.approx(0.1, abs=1e-15)

    def test_periods_per_year_widens_the_bracket_to_the_same_annual_rates(self) -> None:
        """-100 then +250 a period later is 150% a period: outside the bracket of +100% a month for monthly
        flows, but inside it compounded over a year (+409,500% a year) for yearly flows."""
        monthly, why_monthly = irr([-100.0, 250.0])
        yearly, why_yearly = irr([-100.0, 250.0], periods_per_year=1)
        assert int(why_monthly) == 3 and np.isnan(monthly)
        assert int(why_yearly) == 0 and float(yearly) == pytest.approx(1.5, abs=1e-12)

    def test_the_reproducer_has_one_rate(self) -> None:
        """Issue #11's flow -100, +50, -10, +40 has one rate (numpy-financial's) whether its periods are
        months or years; the NPV is zero there."""
        for per_year in (12, 1):
            rate, why = irr(REPRODUCER, periods_per_year=per_year)
            assert int(why) == 0
            assert float(rate) == pytest.approx(npf.irr(REPRODUCER), abs=1e-12)
            assert npv(float(rate), REPRODUCER) == pytest.approx(0.0, abs=1e-9)

    @pytest.mark.parametrize("bad", [0.0, -12.0, float("nan"), float("inf")])
    def test_periods_per_year_must_be_positive(self, bad: float) -> None:
        """A period count that is not a positive number is refused with the value named."""
        with pytest.raises(ValueError) as err:
            irr([-1.0, 2.0], periods_per_year=bad)
        assert str(err.value) == f"periods_per_year must be a positive number: {bad!r}"


class TestXirr:
    def test_microsoft_documentation_example(self) -> None:
        """Excel's XIRR documentation: -10,000 on 2008-01-01, then 2,750, 4,250, 3,250, 2,750 → 37.34%
        (0.373362535)."""
        # Excel iterates until the result is accurate within 0.000001% (its documentation), so 1e-8 absolute.
        assert xirr(EXCEL_AMOUNTS, EXCEL_DATES) == pytest.approx(0.373362535, abs=1e-8)

    def test_the_reproducer_is_not_refused(self) -> None:
        """Issue #11: -100, +50, -10, +40 on dates 365 days apart was refused as 'several sign changes'
        although ``irr`` proves its rate unique; it now gets that rate (-10.87% a year), with the flows read
        as yearly or as monthly (one period is then one year)."""
        rate = xirr(REPRODUCER, YEARLY)
        assert rate == pytest.approx(float(irr(REPRODUCER, periods_per_year=1)[0]), abs=1e-12)
        assert rate == pytest.approx(float(irr(REPRODUCER)[0]), abs=1e-12)
        assert rate == pytest.approx(npf.irr(REPRODUCER), abs=1e-12)

    def test_the_reproducer_over_a_leap_year(self) -> None:
        """The same flows a calendar year apart across 29 February 2024 (365, 366 and 365 days) keep one
        rate, close to the yearly one, at which ``xnpv`` is zero."""
        dates = [dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)]
        rate = xirr(REPRODUCER, dates)
        assert rate == pytest.approx(npf.irr(REPRODUCER), abs=1e-3)
        assert xnpv(rate, REPRODUCER, dates) == pytest.approx(0.0, abs=1e-9)

    def test_refuses_flows_without_a_unique_rate(self) -> None:
        """No sign change: a clear error, not a number."""
        with pytest.raises(ValueError) as err:
            xirr([-1.0, -2.0], [dt.date(2020, 1, 1), dt.date(2021, 1, 1)])
        assert str(err.value) == IRR_REASONS[1]

    def test_refuses_two_rates(self) -> None:
        """-100, +710, -660 a year apart has two rates (10% and 500% a year: 1 + r is 1.1 or 6): refused as
        ``irr`` refuses the yearly row."""
        dates = [dt.date(2021, 1, 1), dt.date(2022, 1, 1), dt.date(2023, 1, 1)]
        assert npv(0.1, [-100.0, 710.0, -660.0]) == pytest.approx(0.0, abs=1e-9)
        assert npv(5.0, [-100.0, 710.0, -660.0]) == pytest.approx(0.0, abs=1e-9)
        with pytest.raises(ValueError) as err:
            xirr([-100.0, 710.0, -660.0], dates)
        assert str(err.value) == "several sign changes: the rate of return is not unique"
        assert int(irr([-100.0, 710.0, -660.0], periods_per_year=1)[1]) == 2

    def test_refuses_dates_before_the_first(self) -> None:
        """As Excel's XIRR (#NUM!): no date may precede the first date; the others may come in any order."""
        dates = [dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2019, 6, 30)]
        with pytest.raises(ValueError) as err:
            xirr([-100.0, 60.0, 60.0], dates)
        assert str(err.value) == "dates must not precede the first date 2020-01-01: 2019-06-30 at position 2"

    def test_refuses_mismatched_lengths(self) -> None:
        """One amount per date, at least one."""
        with pytest.raises(ValueError) as err:
            xirr([-100.0, 110.0], [dt.date(2020, 1, 1)])
        assert str(err.value) == "amounts and dates must be non-empty and of the same length"

    def test_amounts_on_one_date_are_added(self) -> None:
        """Two amounts on the same date count as their sum: -100 and -50, then +180 a year later, is 20%."""
        dates = [dt.date(2021, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)]
        assert xirr([-100.0, -50.0, 180.0], dates) == pytest.approx(0.2, abs=1e-12)

    @given(
        st.lists(cents, min_size=1, max_size=16),
        st.sampled_from([365, 31, 30, 7, 1]),
        st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 1, 1)),
    )
    def test_agrees_with_irr_on_evenly_spaced_dates(self, amounts: list[int], days: int, start: dt.date) -> None:
        """Flows ``days`` days apart: ``xirr`` refuses exactly when ``irr`` (with 365 / ``days`` periods a
        year) refuses, with the same reason, and otherwise gives ``irr``'s rate annualised; yearly flows
        (365 days) are the issue's case, where the annual rate is ``irr``'s rate itself."""
        dates = [start + dt.timedelta(days=days * i) for i in range(len(amounts))]
        per_year = 365 / days
        rate, why = irr([float(a) for a in amounts], periods_per_year=per_year)
        if int(why) != 0:
            with pytest.raises(ValueError) as err:
                xirr([float(a) for a in amounts], dates)
            assert str(err.value) == IRR_REASONS[int(why)]
            return
        expected = float(annualise(rate, per_year))
        assert xirr([float(a) for a in amounts], dates) == pytest.approx(expected, rel=1e-9, abs=1e-12)
        if days == 365:
            assert expected == pytest.approx(float(rate), rel=1e-12, abs=1e-15)

    def test_a_rate_near_minus_100_percent_is_returned_without_a_warning(self) -> None:
        """Polishing a rate whose discount factor underflows over 50 years warns nobody and keeps the rate."""
        import warnings

        from sibkit.engine.irr import _polish

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rate = -1 + 1e-15
            assert _polish(rate, np.array([1.0, -1e-300]), np.array([0.0, 50.0])) == rate

    @pytest.mark.parametrize("days", [2905, 2906])
    def test_two_flows_years_apart_give_the_closed_form(self, days: int) -> None:
        """1 paid back as 3 after ``days`` days: the rate is 3^(365/days) − 1 (found by Hypothesis: annualising a
        daily rate over 2,906 days lost the last digits, and adding a zero amount moved the rate by 1e-8)."""
        start = dt.date(2020, 1, 1)
        dates = [start, start + dt.timedelta(days=days)]
        expected = 3 ** (365 / days) - 1
        assert xirr([1.0, -3.0], dates) == pytest.approx(expected, rel=1e-14)
        assert xirr([1.0, -3.0, 0.0], [*dates, start + dt.timedelta(days=1)]) == pytest.approx(expected, rel=1e-14)

    @given(st.lists(st.tuples(cents, st.integers(min_value=0, max_value=3000)), min_size=2, max_size=10))
    def test_a_rate_is_a_root_of_xnpv_and_does_not_depend_on_the_row(self, flows: list[tuple[int, int]]) -> None:
        """Dated flows at any days: a reported rate sets ``xnpv`` to zero (relative to the discounted money;
        checked above -99% a year, below which a float cannot hold the annual rate precisely), and adding a
        zero amount (which changes the row of periods ``xirr`` builds) changes neither the rate nor whether
        it is refused."""
        start = dt.date(2020, 1, 1)
        amounts = [float(c) for c, _ in flows]
        dates = [start] + [start + dt.timedelta(days=d) for _, d in flows[1:]]
        try:
            rate = xirr(amounts, dates)
        except ValueError as err:
            with pytest.raises(ValueError) as again:
                xirr([*amounts, 0.0], [*dates, start + dt.timedelta(days=1)])
            assert str(again.value) == str(err)
            return
        if rate > -0.99:
            scale = sum(abs(a) / (1 + rate) ** ((d - start).days / 365) for a, d in zip(amounts, dates, strict=True))
            assert abs(xnpv(rate, amounts, dates)) <= 1e-8 * scale
        assert xirr([*amounts, 0.0], [*dates, start + dt.timedelta(days=1)]) == pytest.approx(rate, rel=1e-8, abs=1e-10)


class TestNpv:
    @given(
        st.floats(min_value=-0.95, max_value=2.0),
        st.lists(st.integers(min_value=-(10**8), max_value=10**8), min_size=1, max_size=60),
    )
    def test_matches_numpy_financial(self, rate: float, values: list[int]) -> None:
        """numpy-financial's convention (first value at time 0, undiscounted): the same NPV as
        numpy_financial.npv, relative to the discounted money."""
        expected = float(npf.npv(rate, values))
        scale = sum(abs(v) / (1 + rate) ** t for t, v in enumerate(values))
        assert abs(npv(rate, values) - expected) <= 1e-12 * max(scale, 1.0)

    def test_microsoft_npv_example(self) -> None:
        """Excel's NPV documentation: at 10%, -10,000 a year from today, then 3,000, 4,200, 6,800 →
        1,188.44. Excel discounts the first value by one period, so its NPV is ``npv / (1 + rate)``."""
        assert npv(0.1, [-10000.0, 3000.0, 4200.0, 6800.0]) / 1.1 == pytest.approx(1188.44, abs=0.005)

    @pytest.mark.parametrize("bad", [-1.0, -2.0, float("nan")])
    def test_refuses_a_rate_of_minus_100_percent_or_below(self, bad: float) -> None:
        """At -100% or below nothing can be discounted: a clear error naming the rate."""
        with pytest.raises(ValueError) as err:
            npv(bad, [1.0, 2.0])
        assert str(err.value) == f"rate must be a number above -1 (-100%): {bad!r}"

    def test_refuses_no_values(self) -> None:
        """An empty cash flow has no NPV."""
        with pytest.raises(ValueError) as err:
            npv(0.05, [])
        assert str(err.value) == "values must be a non-empty sequence of numbers"

    def test_is_public(self) -> None:
        """``npv`` and ``xnpv`` are exported from ``sibkit`` and ``sibkit.engine``."""
        for module in (sibkit, sibkit.engine):
            assert {"npv", "xnpv"} <= set(module.__all__)
            assert module.npv is npv and module.xnpv is xnpv


class TestXnpv:
    def test_microsoft_documentation_example(self) -> None:
        """Excel's XNPV documentation: at 9%, the example flows are worth 2,086.65 (2,086.647602)."""
        assert xnpv(0.09, EXCEL_AMOUNTS, EXCEL_DATES) == pytest.approx(2086.647602, abs=1e-6)

    def test_zero_at_the_xirr_of_the_example(self) -> None:
        """At Excel's XIRR of the same flows (0.373362535) the XNPV is zero to within what the
        documented nine digits of the rate allow."""
        assert xnpv(0.373362535, EXCEL_AMOUNTS, EXCEL_DATES) == pytest.approx(0.0, abs=1e-4)

    @given(st.floats(min_value=-0.9, max_value=1.0), st.lists(cents, min_size=1, max_size=20))
    def test_equals_npv_on_dates_365_days_apart(self, rate: float, amounts: list[int]) -> None:
        """Dates exactly 365 days apart are whole years: XNPV is the periodic NPV at the annual rate."""
        dates = [dt.date(2001, 1, 1) + dt.timedelta(days=365 * i) for i in range(len(amounts))]
        scale = sum(abs(a) / (1 + rate) ** t for t, a in enumerate(amounts))
        assert abs(xnpv(rate, amounts, dates) - npv(rate, amounts)) <= 1e-12 * max(scale, 1.0)

    def test_later_dates_may_come_in_any_order(self) -> None:
        """Only the first date is fixed; the others can be listed in any order."""
        shuffled = [0, 3, 1, 4, 2]
        amounts = [EXCEL_AMOUNTS[i] for i in shuffled]
        dates = [EXCEL_DATES[i] for i in shuffled]
        assert xnpv(0.09, amounts, dates) == pytest.approx(xnpv(0.09, EXCEL_AMOUNTS, EXCEL_DATES), abs=1e-9)

    def test_refuses_dates_before_the_first(self) -> None:
        """As Excel's XNPV (#NUM!): no date may precede the first."""
        with pytest.raises(ValueError) as err:
            xnpv(0.05, [100.0, -50.0], [dt.date(2020, 1, 1), dt.date(2019, 12, 31)])
        assert str(err.value) == "dates must not precede the first date 2020-01-01: 2019-12-31 at position 1"
