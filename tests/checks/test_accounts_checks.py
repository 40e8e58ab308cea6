"""SIB-POCKET-001 (the wrong pocket) and SIB-BUDGET-001 (a budget year above its appropriation), issue #13."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.appropriation import CODE as BUDGET
from sibkit.checks.appropriation import appropriation
from sibkit.checks.wrong_pocket import CODE as POCKET
from sibkit.checks.wrong_pocket import wrong_pocket
from sibkit.i18n import fact_json
from sibkit.load import load_contract
from sibkit.model import Appropriation, Budget, Contract, Party
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

UTAH = ROOT / "contracts" / "utah-preschool.toml"


def _with_insurer(c: Contract) -> Contract:
    """The pilot with its welfare saving moved to an outside health insurer's Zvw budget."""
    insurer = Party(id="zorgverzekeraar", name="De Friesland", kind="health_insurer")
    zvw = Budget(id="zvw", name="Zvw", owner="zorgverzekeraar", kind="zvw")
    savings = tuple(attrs.evolve(s, budget="zvw") for s in c.savings)
    return attrs.evolve(c, parties=(insurer,), budgets=(zvw,), savings=savings)


def _appropriated(c: Contract, years: dict[int, int]) -> Contract:
    """The pilot with the municipality's appropriations per budget year (cents)."""
    fund = c.payers[0]
    town = attrs.evolve(
        fund.contributors[1],
        appropriations=tuple(Appropriation(year=y, amount=Cents(a)) for y, a in years.items()),
    )
    return attrs.evolve(c, payers=(attrs.evolve(fund, contributors=(fund.contributors[0], town)),))


class TestWrongPocket:
    def test_the_pilot_matches_who_pays_and_who_saves(self) -> None:
        """Leeuwarden: the municipality pays its half and saves all; FNO, a foundation, pays for social value."""
        c = load_contract(EXAMPLE)
        assert wrong_pocket(c, Context(c)) == []

    def test_savings_in_an_outside_budget_fire(self) -> None:
        """With the saving in the health insurer's budget, the municipality pays all the public cost and saves
        nothing: a warning that names the insurer's share as the one the savings would justify."""
        c = _with_insurer(load_contract(EXAMPLE))
        (f,) = wrong_pocket(c, Context(c))
        assert (f.code, f.kind, f.severity, f.path) == (POCKET, "mismatch", "warning", "$.savings")
        facts = {k: fact_json(v) for k, v in f.facts.items()}
        assert facts["party"] in ("Gemeente Leeuwarden", "De Friesland")
        assert {facts["saved"], facts["paid"]} == {"0", "1"}
        assert "De Friesland 100%" in f.mitigation("en")
        assert "verkeerde portemonnee" in f.title("nl")

    def test_utah_the_county_pays_and_the_districts_save(self) -> None:
        """Utah: the special-education savings land with the school districts, outside the contract."""
        c = load_contract(UTAH)
        (f,) = wrong_pocket(c, Context(c))
        assert "land outside the contract's parties" in f.explanation("en")

    def test_a_higher_gap_tolerates_it(self) -> None:
        """The threshold is a parameter: above the difference (100 points), nothing fires."""
        c = _with_insurer(load_contract(EXAMPLE))
        assert wrong_pocket(c, Context(c), gap=Decimal("1")) == []


class TestAppropriation:
    def test_no_appropriations_no_finding(self) -> None:
        """The pilot as published states no appropriations: nothing to compare."""
        c = load_contract(EXAMPLE)
        assert appropriation(c, Context(c)) == []

    def test_a_year_above_and_a_year_without(self) -> None:
        """The municipality pays €10,675 in 2023, €90,475 in 2024 and €65,800 in 2025 (its accounts). With
        €80,000 appropriated for each of 2024 and 2025: 2024 is €10,475 over; 2023 has no appropriation;
        2025 is within."""
        c = _appropriated(load_contract(EXAMPLE), {2024: 80_000_00, 2025: 80_000_00})
        found = appropriation(c, Context(c))
        assert [(f.code, f.kind, fact_json(f.facts["year"])) for f in found] == [
            (BUDGET, "none", "2023"),
            (BUDGET, "over", "2024"),
        ]
        over = found[1]
        assert fact_json(over.facts["excess"]) == {"cents": 10_475_00, "currency": "EUR"}
        assert over.path == "$.payers[0].contributors[1].appropriations"
        assert "€10,475.00 more than it appropriated" in over.title("en")
        assert "meer dan geraamd" in over.title("nl")

    def test_enough_appropriated_is_quiet(self) -> None:
        """Appropriations at or above every year's payments: no finding."""
        c = _appropriated(load_contract(EXAMPLE), {2023: 10_675_00, 2024: 90_475_00, 2025: 65_800_00})
        assert appropriation(c, Context(c)) == []
