"""Payoff curves against the success level (``sibkit.sweep``).

Expected numbers are worked out from the contract files in the docstrings, not
copied from the engine's output.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.engine import run
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.report.words import break_even_sentence, party_name
from sibkit.sweep import REFINE_TOLERANCE, BreakEven, BreakEvenKind, Sweep, parse_range, sweep

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


def _sib() -> Contract:
    return load_contract(SIB)


def _point(result: Sweep, what: BreakEvenKind, party: str) -> BreakEven:
    return next(b for b in result.break_even if b.what == what and b.party == party)


def _say(result: Sweep, point: BreakEven, lang: str) -> str:
    """The break-even sentence for the SIB contract, as ``sibkit sweep`` prints it."""
    words = Language(lang)
    return break_even_sentence(words, point, party_name(words, _sib(), point), result.scenario, result.levels)


def _at(result: Sweep, level: str) -> int:
    """Index of ``level`` in the sweep's levels."""
    return result.levels.index(float(level))


@pytest.fixture(scope="module")
def sib_sweep() -> Sweep:
    return sweep(_sib(), parse_range("0:2:41"))


@pytest.fixture(scope="module")
def leeuwarden_sweep() -> Sweep:
    return sweep(load_contract(EXAMPLE), parse_range("0:1.5:31"))


class TestParseRange:
    """``parse_range``: start:stop:count, both ends included, exact decimals."""

    def test_the_example_range_is_exact(self) -> None:
        """0:1.5:31 is 0, 0.05, …, 1.5: 30 steps of exactly 0.05, as Decimals with no binary error."""
        levels = parse_range("0:1.5:31")
        assert len(levels) == 31
        assert all(isinstance(x, Decimal) for x in levels)
        assert levels == tuple(Decimal("0.05") * i for i in range(31))
        assert (str(levels[0]), str(levels[1]), str(levels[2]), str(levels[-1])) == ("0", "0.05", "0.1", "1.5")

    def test_two_levels_are_the_ends(self) -> None:
        """A count of 2 gives just the start and the stop."""
        assert parse_range("0.5:2:2") == (Decimal("0.5"), Decimal(2))

    def test_spaces_around_numbers_are_allowed(self) -> None:
        """Spaces around each number are ignored."""
        assert parse_range(" 0 : 1 : 3 ") == (Decimal(0), Decimal("0.5"), Decimal(1))

    def test_a_whole_count_may_be_written_with_decimals(self) -> None:
        """31.0 is the whole number 31."""
        assert parse_range("0:1.5:31.0") == parse_range("0:1.5:31")

    def test_levels_without_a_finite_decimal_form_are_rounded_to_12_places(self) -> None:
        """0:1:4 steps by a third: 0.333… is kept to 12 decimals, rounded half up; the ends stay exact."""
        assert parse_range("0:1:4") == (Decimal(0), Decimal("0.333333333333"), Decimal("0.666666666667"), Decimal(1))

    def test_equal_start_and_stop_repeat_the_level(self) -> None:
        """start = stop is allowed: every level is that level."""
        assert parse_range("1:1:3") == (Decimal(1),) * 3

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("0:1.5", "expected start:stop:count such as 0:1.5:31, got '0:1.5'"),
            ("0:1.5:31:2", "expected start:stop:count such as 0:1.5:31, got '0:1.5:31:2'"),
            ("", "expected start:stop:count such as 0:1.5:31, got ''"),
            ("a:1:3", "expected start:stop:count such as 0:1.5:31, got 'a:1:3'"),
            ("0:1:", "expected start:stop:count such as 0:1.5:31, got '0:1:'"),
            ("0:inf:3", "expected start:stop:count such as 0:1.5:31, got '0:inf:3'"),
            ("0,5:1:3", "expected start:stop:count such as 0:1.5:31, got '0,5:1:3'"),
            ("0:1:2.5", "the count must be a whole number of at least 2, got 2.5"),
            ("0:1:1", "the count must be a whole number of at least 2, got 1"),
            ("0:1:-3", "the count must be a whole number of at least 2, got -3"),
            ("0:1:5000", "the count must be at most 1001, got 5000"),
            ("-0.5:1:3", "success levels must be at least 0, got -0.5"),
            ("1.5:0:31", "the start must not exceed the stop, got start 1.5 and stop 0"),
        ],
    )
    def test_bad_ranges_are_refused_with_a_message(self, text: str, message: str) -> None:
        """Each kind of bad input names what was expected and what was written."""
        with pytest.raises(ValueError) as err:
            parse_range(text)
        assert str(err.value) == message


class TestSweep:
    """``sweep``: one engine run over all levels; curves per party; break-even points on the grid."""

    def test_curves_have_one_value_per_level(self, sib_sweep: Sweep) -> None:
        """41 levels from 0 to 2 as floats; every curve is keyed by party id in the contract's order."""
        assert sib_sweep.levels == tuple(i / 20 for i in range(41))
        assert sib_sweep.scenario == "base"
        assert list(sib_sweep.payer_cost) == ["city"]
        assert list(sib_sweep.provider_margin) == ["prov"]
        assert list(sib_sweep.tranche_irr) == list(sib_sweep.tranche_multiple) == ["senior", "sub"]
        assert list(sib_sweep.tranche_loss) == ["senior", "sub"]
        for curve in (*sib_sweep.payer_cost.values(), *sib_sweep.tranche_irr.values()):
            assert curve.shape == (41,)
        assert int(sib_sweep.results.participants.shape[0]) == 41

    def test_payer_pays_nothing_below_the_threshold_then_more_with_success(self, sib_sweep: Sweep) -> None:
        """The base scenario is a 20% reduction of 2.0 events × 100 participants; level x is a 20x% reduction.
        Below x = 0.5 the reduction is under the 10% trigger: nothing is paid. From 0.5 the city pays
        €5,000 per event avoided, 200 × 0.2x events: €200,000 × x (€100,000 at 0.5, €400,000 at 2).
        No VAT, no fees, and nothing is refunded (the residual goes to the sub lender and the fund)."""
        cost = sib_sweep.payer_cost["city"]
        for i, x in enumerate(sib_sweep.levels):
            expected = 0 if x < 0.5 else round(200_000_00 * x)
            assert int(cost[i]) == expected, x
        assert np.all(np.diff(cost) >= 0)

    def test_senior_principal_back_at_half_the_base_success(self, sib_sweep: Sweep) -> None:
        """The senior needs €60,000 + 23 × €600 interest = €73,800. Below 0.5 nothing is paid and the
        guarantee pays €30,000 of its €60,000 (multiple 0.5); at 0.5 the €100,000 paid covers it (multiple
        1.23). The curve jumps at the threshold, so the break-even is exactly 0.5 (the bisection inside the
        bracket 0.45–0.5 never reaches it below), not a point on the straight line between 0.45 and 0.5."""
        point = _point(sib_sweep, "principal_back", "senior")
        assert (point.level, point.below, point.above, point.method) == (0.5, 0.45, 0.5, "jump")
        multiple = sib_sweep.tranche_multiple["senior"]
        assert float(multiple[_at(sib_sweep, "0.45")]) == 0.5
        assert float(multiple[_at(sib_sweep, "0.5")]) == pytest.approx(73_800 / 60_000)
        assert _say(sib_sweep, point, "en").endswith("from 0.5× the 'base' success rates, where the result jumps.")
        assert _say(sib_sweep, point, "nl") == (
            "Tranche senior (Bank) krijgt de hoofdsom terug (garanties meegeteld) vanaf 0,5× de succespercentages "
            "van 'base'; bij dat niveau maakt de uitkomst een sprong."
        )

    def test_senior_irr_turns_positive_at_the_same_level(self, sib_sweep: Sweep) -> None:
        """IRR 0 is where everything returned equals what was drawn: the same jump at 0.5."""
        point = _point(sib_sweep, "irr_zero", "senior")
        assert (point.level, point.method) == (0.5, "jump")
        irr = sib_sweep.tranche_irr["senior"]
        assert float(irr[_at(sib_sweep, "0.45")]) < 0 < float(irr[_at(sib_sweep, "0.5")])

    def test_sub_principal_back_is_found_exactly_inside_the_bracket(self, sib_sweep: Sweep) -> None:
        """From 0.5 the sub lender gets €200,000x − €73,800 until its €40,000 is back (x = 113,800 / 200,000
        = 0.569), then half of the rest. On the grid: at 0.55 it gets €36,200 (multiple 0.905), at 0.6
        €40,000 + €3,100 (1.0775). A straight line between them would cross 1.0 at about 0.5775, off by
        0.0085 because the curve bends where the residual starts; the bisection finds 0.569."""
        point = _point(sib_sweep, "principal_back", "sub")
        assert (point.below, point.above, point.method) == (0.55, 0.6, "exact")
        assert point.level is not None and 0.569 <= point.level <= 0.569 + float(REFINE_TOLERANCE)
        assert "from 0.569× the 'base' success rates." in _say(sib_sweep, point, "en")
        assert "vanaf 0,569× de succespercentages van 'base'." in _say(sib_sweep, point, "nl")

    def test_provider_funded_by_capital_breaks_even_from_the_start(self, sib_sweep: Sweep) -> None:
        """The provider's €100,000 cost is paid from the capital drawn: its margin is 0 at every level."""
        assert not np.any(sib_sweep.provider_margin["prov"])
        point = _point(sib_sweep, "margin_zero", "prov")
        assert (point.level, point.below, point.above, point.method) == (0.0, None, 0.0, "start")

    def test_undefined_irr_below_is_not_interpolated(self) -> None:
        """On the grid 0.45, 0.6 the sub lender gets nothing back at 0.45 (no IRR) and 4.0% a year at 0.6:
        the break-even is reported at 0.6, the first level that reaches it."""
        result = sweep(_sib(), [Decimal("0.45"), Decimal("0.6")])
        point = _point(result, "irr_zero", "sub")
        assert (point.level, point.below, point.above, point.method) == (0.6, 0.45, 0.6, "grid")
        assert "at 0.45× its IRR is undefined" in _say(result, point, "en")
        assert "bij 0,45× is de IRR niet bepaald" in _say(result, point, "nl")

    def test_never_reached_has_no_level(self) -> None:
        """Up to 0.45 nothing is paid: the sub lender never gets its principal back on that grid."""
        result = sweep(_sib(), parse_range("0:0.45:10"))
        point = _point(result, "principal_back", "sub")
        assert (point.level, point.below, point.above, point.method) == (None, None, None, "never")
        assert "does not get its principal back at any level swept (0× to 0.45×" in _say(result, point, "en")
        assert "krijgt de hoofdsom op geen enkel onderzocht niveau terug (0× tot 0,45×" in _say(result, point, "nl")

    def test_one_run_equals_single_runs(self, sib_sweep: Sweep) -> None:
        """The vectorised sweep gives, at each level, what a single run at that level gives."""
        contract = _sib()
        for level in ("0.45", "0.5", "1.35"):
            i = _at(sib_sweep, level)
            single = run(contract, None, Decimal(level))
            payer = single.payers[0]
            assert int(sib_sweep.payer_cost["city"][i]) == int(payer.paid[0] + payer.vat[0] + payer.fees[0])
            assert int(sib_sweep.provider_margin["prov"][i]) == int(single.providers[0].margin[0])
            for t in single.tranches:
                np.testing.assert_allclose(sib_sweep.tranche_irr[t.id][i], t.irr[0], rtol=1e-12)
                np.testing.assert_allclose(sib_sweep.tranche_multiple[t.id][i], t.multiple[0], rtol=1e-12)
                assert int(sib_sweep.tranche_loss[t.id][i]) == int(t.loss[0])

    def test_another_scenario_scales_its_own_rates(self) -> None:
        """The 'mid' scenario (10% reduction) at level 1 is the base scenario (20%) at level 0.5: €100,000."""
        contract = _sib()
        mid = sweep(contract, [Decimal(1)], contract.scenario("mid"))
        assert mid.scenario == "mid"
        assert int(mid.payer_cost["city"][0]) == 100_000_00

    @pytest.mark.parametrize(
        ("levels", "message"),
        [
            ([], "no success levels to sweep"),
            ([Decimal(1), Decimal("0.5")], "success levels must be in ascending order"),
            ([Decimal(-1), Decimal(1)], "success levels must be at least 0, got -1"),
        ],
    )
    def test_bad_levels_are_refused(self, levels: list[Decimal], message: str) -> None:
        """Levels must be given, non-negative and ascending."""
        with pytest.raises(ValueError) as err:
            sweep(_sib(), levels)
        assert str(err.value) == message

    def test_dreamfabryk_breaks_even_between_095_and_1(self, leeuwarden_sweep: Sweep) -> None:
        """Leeuwarden, base scenario: €3,500 × (0.70 × 0.55 + 0.20 × 0.30 + 0.10 × 0.85) = €1,855 per participant.
        Dreamfabryk's 100 participants bring €185,500 against costs of 100 × €1,500 + 33 months × €800 =
        €176,400: margin +€9,100 at level 1. Payments scale with the level, so the margin is 0 near
        176,400 / 185,500 ≈ 0.951. Counts are rounded half up over the whole enrolment:
        at 0.9: 50 individual (49.5), 27 societal, 77 process (76.5) results = €168,350, margin −€8,050;
        at 0.95: 52 (52.25), 29 (28.5), 81 (80.75) = €176,050, margin −€350.
        So the break-even lies between 0.95 and 1; the next result counted is the 53rd individual result, at
        52.5 / 55 = 0.954545… (+€2,450: margin +€2,100), before the 82nd process result at 81.5 / 85 ≈ 0.9588.
        A straight line from −€350 to +€9,100 would say 0.9519, where the margin is still −€350."""
        margin = leeuwarden_sweep.provider_margin["dreamfabryk"]
        assert int(margin[_at(leeuwarden_sweep, "0.9")]) == -8_050_00
        assert int(margin[_at(leeuwarden_sweep, "0.95")]) == -350_00
        assert int(margin[_at(leeuwarden_sweep, "1")]) == 9_100_00
        point = _point(leeuwarden_sweep, "margin_zero", "dreamfabryk")
        assert point.level is not None and 0.9 < point.level < 1.0
        assert (point.below, point.above, point.method) == (0.95, 1.0, "exact")
        assert 52.5 / 55 <= point.level <= 52.5 / 55 + float(REFINE_TOLERANCE)

    def test_no_tranches_means_only_provider_points(self, leeuwarden_sweep: Sweep) -> None:
        """Leeuwarden has no investor: no IRR curves, one break-even point per provider."""
        assert not leeuwarden_sweep.tranche_irr
        assert [(b.what, b.party) for b in leeuwarden_sweep.break_even] == [
            ("margin_zero", "wijkbedrijf-bilgaard"),
            ("margin_zero", "dreamfabryk"),
        ]


_REFERENCE: dict[tuple[str, str], float | None] = {}
"""Break-even levels on the default grid, computed once for the property below."""


class TestBreakEvenDoesNotDependOnTheGrid:
    """Found by reading the term sheet beside ``sibkit sweep``: Dreamfabryk broke even from 0.951× in one and
    0.947× in the other, because each interpolated on its own grid. A break-even is a property of the
    contract and the scenario, not of the levels a reader happens to sweep."""

    @settings(max_examples=12, deadline=None)
    @given(
        low=st.decimals(min_value=0, max_value="0.5", places=2),
        high=st.decimals(min_value="1.05", max_value="3", places=2),
        count=st.integers(min_value=2, max_value=40),
    )
    def test_every_grid_gives_the_same_level(self, low: Decimal, high: Decimal, count: int) -> None:
        """Any grid that brackets a break-even finds it within ``REFINE_TOLERANCE`` of the same level."""
        levels = [low + (high - low) * k / (count - 1) for k in range(count)]
        for contract, what, party in (
            (_sib(), "principal_back", "sub"),
            (_sib(), "principal_back", "senior"),
            (load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml"), "margin_zero", "dreamfabryk"),
        ):
            reference = _REFERENCE.setdefault(
                (what, party), _point(sweep(contract, parse_range("0:1.5:31")), what, party).level  # type: ignore[arg-type]
            )
            point = _point(sweep(contract, levels), what, party)  # type: ignore[arg-type]
            assert reference is not None and point.level is not None
            assert abs(point.level - reference) <= float(REFINE_TOLERANCE), (levels, what, party)
