"""SIB-COST-001: fees and investors' returns as a share of outcome payments."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.transaction_costs import CODE, transaction_costs
from sibkit.load import load_contract
from sibkit.model import Contract, Fee, Intermediary
from sibkit.model.waterfall import FeesStep, ResidualShare, ResidualStep

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


def sib() -> Contract:
    """At the expected results the city pays €200,000. The bank's €60,000 at 12% earns €600 a month for 23
    months: €13,800. What is left, €200,000 − €60,000 − €13,800 − €40,000 = €86,200, is shared half and half
    between the subordinated lender and a revolving fund: €43,100 to the fund's lender."""
    return load_contract(SIB)


def upside_to_sub(c: Contract, share: str) -> Contract:
    """``c`` with ``share`` of the residual to the subordinated lender, the rest to the revolving fund."""
    parts = [
        ResidualShare(party="sub", share=Decimal(share)),
        ResidualShare(party="revolving_fund", share=1 - Decimal(share)),
    ]
    residual = ResidualStep(shares=tuple(p for p in parts if p.share > 0))
    return attrs.evolve(c, waterfall=(*c.waterfall[:-1], residual))


class TestTransactionCosts:
    def test_interest_and_upside_take_28_percent(self) -> None:
        """€13,800 + €43,100 = €56,900 of €200,000 is 28%: above 25%, a warning."""
        (finding,) = transaction_costs(sib(), Context(sib()))
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.tranches"
        assert "28%" in finding.title("en") and "28%" in finding.title("nl")
        assert "€56,900.00" in finding.explanation("en") and "€\u00a056.900,00" in finding.explanation("nl")
        assert "Impact fund €43,100.00" in finding.explanation("en") and "Bank €13,800.00" in finding.explanation("en")

    def test_between_15_and_25_percent_is_info(self) -> None:
        """With 20% of the upside to the lender: €13,800 + €17,240 = €31,040, 15.5% → info."""
        c = upside_to_sub(sib(), "0.2")
        (finding,) = transaction_costs(c, Context(c))
        assert finding.severity == "info" and "16%" in finding.title("en")
        assert "€31,040.00" in finding.explanation("en")

    def test_mitigation_upside_to_the_revolving_fund(self) -> None:
        """All upside to the revolving fund: only the €13,800 interest remains, 6.9%: no finding."""
        c = upside_to_sub(sib(), "0")
        assert transaction_costs(c, Context(c)) == []

    def test_fees_count_too(self) -> None:
        """A 10% success fee to the intermediary on top: €20,000 + €13,800 = €33,800, 17% → info, with the
        advice to turn the percentage fee into a fixed one."""
        c = upside_to_sub(sib(), "0")
        fee = Fee(
            id="success",
            payee="sf",
            basis="percent_of_outcome_payments",
            rate=Decimal("0.1"),
            paid_from="outcome_payments",
        )
        c = attrs.evolve(
            c,
            intermediaries=(Intermediary(id="sf", name="Social Finance"),),
            fees=(fee,),
            waterfall=(FeesStep(fees=("success",)), *c.waterfall),
        )
        (finding,) = transaction_costs(c, Context(c))
        assert finding.severity == "info" and finding.path == "$.fees"
        assert "Social Finance €20,000.00" in finding.explanation("en") and "€33,800.00" in finding.explanation("en")
        assert "fixed fees" in finding.mitigation("en")

    def test_leeuwarden_has_no_transaction_costs(self) -> None:
        """The pilot has no investors and no fees."""
        c = load_contract(EXAMPLE)
        assert transaction_costs(c, Context(c)) == []

    def test_thresholds_are_parameters(self) -> None:
        """With the warning level at 30%, 28% is only info; with the info level at 30% too, nothing."""
        (finding,) = transaction_costs(sib(), Context(sib()), warning=Decimal("0.3"))
        assert finding.severity == "info"
        assert transaction_costs(sib(), Context(sib()), warning=Decimal("0.3"), info=Decimal("0.3")) == []

    def test_a_fee_to_a_provider_is_delivery_not_transaction_cost(self) -> None:
        """The same 10% fee paid to the provider instead (the fixed part of a hybrid contract) pays for
        delivery: only the €13,800 interest remains, 6.9%, no finding."""
        c = upside_to_sub(sib(), "0")
        fee = Fee(
            id="service",
            payee=c.providers[0].id,
            basis="percent_of_outcome_payments",
            rate=Decimal("0.1"),
            paid_from="outcome_payments",
        )
        c = attrs.evolve(c, fees=(fee,), waterfall=(FeesStep(fees=("service",)), *c.waterfall))
        assert int(Context(c).base.fees[0].paid[0]) == 20_000_00  # the fee is paid...
        assert transaction_costs(c, Context(c)) == []  # ...and is not a transaction cost
