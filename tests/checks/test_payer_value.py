"""SIB-PAYER-001 (payments above cashable savings) and SIB-PAYER-002 (investor returns above the payer's
borrowing rate)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.payer_value import CODE_CAPITAL, CODE_SAVINGS, capital_cost, savings_cover
from sibkit.load import load_contract
from sibkit.model import CohortThreshold, Contract, Loan, Saving
from sibkit.model.waterfall import ResidualShare, ResidualStep
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


def sib() -> Contract:
    """A €60,000 senior loan at 12% and a €40,000 subordinated loan sharing the upside; at the expected 20%
    fewer reconvictions (100 people × 2.0 baseline × 20% = 40 avoided × €5,000) the city pays €200,000."""
    return load_contract(SIB)


def with_saving(c: Contract, per_unit: int) -> Contract:
    """``c`` with a cashable saving of ``per_unit`` cents per reconviction avoided, in the city's budget."""
    saving = Saving(metric="reconviction", amount_per_unit=Cents(per_unit), cashable=True, budget="city")
    return attrs.evolve(c, savings=(saving,))


def with_price(c: Contract, per_unit: int) -> Contract:
    """``c`` paying ``per_unit`` cents per reconviction avoided."""
    rule = c.rules[0]
    assert isinstance(rule, CohortThreshold)
    tier = attrs.evolve(rule.tiers[0], price_per_unit=Cents(per_unit))
    return attrs.evolve(c, rules=(attrs.evolve(rule, tiers=(tier,)),))


def with_borrowing_rate(c: Contract, rate: str) -> Contract:
    return attrs.evolve(c, payers=(attrs.evolve(c.payers[0], borrowing_rate=Decimal(rate)),))


class TestSavingsCover:
    def test_leeuwarden_savings_cover_the_payments(self) -> None:
        """The pilot pays €333,900 at the expected results; 54 societal results × €8,000 = €432,000 of
        cashable savings land with the municipality, a contributor of the fund: no finding."""
        c = load_contract(EXAMPLE)
        assert savings_cover(c, Context(c)) == []

    def test_no_savings_at_all_is_info(self) -> None:
        """The test SIB states no savings: value for money cannot be judged (info, at ``$.savings``)."""
        (finding,) = savings_cover(sib(), Context(sib()))
        assert finding.code == CODE_SAVINGS and finding.severity == "info"
        assert finding.path == "$.savings"
        assert "€200,000.00" in finding.explanation("en") and "€\u00a0200.000,00" in finding.explanation("nl")

    def test_payments_above_cashable_savings_warn(self) -> None:
        """At €3,000 saved per reconviction avoided, 40 × €3,000 = €120,000 covers 60% of the €200,000 paid:
        a warning with the €80,000 gap and a 40% price cut as remedy."""
        c = with_saving(sib(), 3_000_00)
        (finding,) = savings_cover(c, Context(c))
        assert finding.code == CODE_SAVINGS and finding.severity == "warning"
        assert finding.path == "$.payers[0]"
        assert "60%" in finding.title("en") and "60%" in finding.title("nl")
        assert "€120,000.00" in finding.explanation("en") and "€80,000.00" in finding.explanation("en")
        assert "about 40%" in finding.mitigation("en")

    def test_mitigation_price_within_the_saving(self) -> None:
        """Paying €3,000 per reconviction avoided (the saving itself) removes the finding."""
        c = with_price(with_saving(sib(), 3_000_00), 3_000_00)
        assert savings_cover(c, Context(c)) == []

    def test_threshold_is_a_parameter(self) -> None:
        """Requiring savings of only 50% of the payments lets the 60% case pass."""
        c = with_saving(sib(), 3_000_00)
        assert savings_cover(c, Context(c), min_ratio=Decimal("0.5")) == []


class TestCapitalCost:
    def test_no_investors_no_finding(self) -> None:
        """The Leeuwarden pilot has no investors: nothing to compare."""
        c = load_contract(EXAMPLE)
        assert capital_cost(c, Context(c)) == []

    def test_without_a_borrowing_rate_it_is_info(self) -> None:
        """Tranches but no payer borrowing rate: info at ``$.payers``, listing the IRRs."""
        (finding,) = capital_cost(sib(), Context(sib()))
        assert finding.code == CODE_CAPITAL and finding.severity == "info"
        assert finding.path == "$.payers"
        assert "11.4%" in finding.explanation("en") and "11,4%" in finding.explanation("nl")

    def test_returns_far_above_the_borrowing_rate_warn(self) -> None:
        """The city borrows at 3%; the bank earns 11.4% and the fund 46.4% a year: both more than 5 points
        above. Together they receive €56,900 above their capital (€13,800 interest, €43,100 upside), where
        borrowing €100,000 for 23 months at 3% would cost €100,000 × 0.25% × 23 = €5,750."""
        c = with_borrowing_rate(sib(), "0.03")
        (finding,) = capital_cost(c, Context(c))
        assert finding.code == CODE_CAPITAL and finding.severity == "warning"
        assert finding.path == "$.payers[0].borrowing_rate"
        assert "46.4%" in finding.title("en") and "3.0%" in finding.title("en")
        assert "46,4%" in finding.title("nl")
        assert "€56,900.00" in finding.explanation("en") and "€5,750.00" in finding.explanation("en")

    def test_mitigation_lower_coupon_and_no_upside(self) -> None:
        """A 6% coupon and the upside to the revolving fund: the bank earns about 5.8%, the fund 0%, both
        within 5 points of 3%: no finding."""
        c = with_borrowing_rate(sib(), "0.03")
        senior, sub = c.tranches
        assert isinstance(senior, Loan)
        residual = ResidualStep(shares=(ResidualShare(party="revolving_fund", share=Decimal(1)),))
        mitigated = attrs.evolve(
            c,
            tranches=(attrs.evolve(senior, coupon=Decimal("0.06")), sub),
            waterfall=(*c.waterfall[:-1], residual),
        )
        assert capital_cost(mitigated, Context(mitigated)) == []

    def test_margin_is_a_parameter(self) -> None:
        """With a 50-point margin even the fund's 46.4% passes."""
        c = with_borrowing_rate(sib(), "0.03")
        assert capital_cost(c, Context(c), margin=Decimal("0.5")) == []
