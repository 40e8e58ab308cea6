"""SIB-RISK-001: guarantees absorb nearly all the downside of commercial investors."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.risk_transfer import CODE, risk_transfer
from sibkit.engine.simulate import simulate, summarise
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
RIKERS = ROOT / "contracts" / "rikers.toml"


def sib() -> Contract:
    """A bank's €60,000 senior loan at 12% with a €30,000 foundation guarantee on it."""
    return load_contract(SIB)


def with_guarantee(c: Contract, amount: int, coverage: str = "1") -> Contract:
    g = attrs.evolve(c.guarantees[0], amount=Cents(amount), coverage=Decimal(coverage))
    return attrs.evolve(c, guarantees=(g,))


class TestRiskTransfer:
    def test_a_guarantee_of_the_whole_loan_is_an_illusion_of_risk_transfer(self) -> None:
        """Guaranteeing all €60,000: the bank would lose money in about 13% of 2,000 scenarios without it,
        and in none with it; the foundation pays 100% of the expected loss. A warning on the guarantee."""
        c = with_guarantee(sib(), 60_000_00)
        (finding,) = risk_transfer(c, Context(c))
        assert finding.code == CODE and finding.severity == "warning"
        assert finding.path == "$.guarantees[0]"
        assert "Bank" in finding.title("en") and "100%" in finding.title("en")
        assert "none of them" in finding.explanation("en") and "geen enkel scenario" in finding.explanation("nl")
        assert "coupon of 12% a year" in finding.explanation("en")

    def test_numbers_match_the_simulation_without_guarantees(self) -> None:
        """The chance and size of the loss 'without guarantees' are those of ``sibkit simulate`` on the same
        contract with the guarantee removed (same 2,000 scenarios, seed 0)."""
        c = with_guarantee(sib(), 60_000_00)
        bare = summarise(c, simulate(attrs.evolve(c, guarantees=()), 2000, 0, workers=1))
        senior = next(t for t in bare.tranches if t.id == "senior")
        (finding,) = risk_transfer(c, Context(c))
        assert f"{senior.chance_of_loss * 100:.0f}%" in finding.explanation("en")
        assert f"€{senior.expected_loss / 100:,.2f}" in finding.explanation("en")
        guarded = summarise(c, simulate(c, 2000, 0, workers=1))
        assert next(t for t in guarded.tranches if t.id == "senior").chance_of_loss == 0

    def test_the_smaller_guarantee_of_the_test_contract_passes(self) -> None:
        """The original €30,000 guarantee pays only part of each loss: the bank still loses money in about
        13% of the scenarios (above 5%), so the risk is really shared: no finding."""
        assert risk_transfer(sib(), Context(sib())) == []

    def test_mitigation_partial_coverage(self) -> None:
        """Covering only half of each loss (coverage 50%), even up to €60,000, leaves the bank its risk."""
        c = with_guarantee(sib(), 60_000_00, coverage="0.5")
        assert risk_transfer(c, Context(c)) == []

    def test_a_foundation_lender_is_not_commercial(self) -> None:
        """When the guaranteed lender is itself a foundation, no commercial risk is being claimed."""
        c = with_guarantee(sib(), 60_000_00)
        investors = tuple(attrs.evolve(i, kind="foundation") if i.id == "bank" else i for i in c.investors)
        c = attrs.evolve(c, investors=investors)
        assert risk_transfer(c, Context(c)) == []

    def test_rikers_bloomberg_guarantee(self) -> None:
        """Rikers ABLE: Bloomberg Philanthropies guaranteed $7.2m of Goldman Sachs's $9.6m loan; the programme
        had no effect, so the bank lost money in every scenario without the guarantee and in none with it."""
        c = load_contract(RIKERS)
        (finding,) = risk_transfer(c, Context(c))
        assert "Goldman Sachs" in finding.title("en")
        assert "Bloomberg Philanthropies" in finding.explanation("en")
        assert "$7,200,000.00" in finding.explanation("en")

    def test_no_guarantees_no_finding(self) -> None:
        """The Leeuwarden pilot has no investors and no guarantees."""
        c = load_contract(EXAMPLE)
        assert risk_transfer(c, Context(c)) == []

    def test_thresholds_are_parameters(self) -> None:
        """Requiring the guarantee to absorb more than 100% of the expected loss can never be met; with a
        chance threshold of 20%, a loan that would lose money in 13% of scenarios was never risky enough."""
        c = with_guarantee(sib(), 60_000_00)
        assert risk_transfer(c, Context(c), absorbed=Decimal(1)) == []
        assert risk_transfer(c, Context(c), chance=Decimal("0.2")) == []
