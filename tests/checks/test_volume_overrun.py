"""SIB-VOLUME-001: the maximum potential payment against the payer's budget."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.volume_overrun import CODE, volume_overrun
from sibkit.load import load_contract
from sibkit.model import Cap, Contract, Population
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT


def leeuwarden() -> Contract:
    """180 planned participants × €3,500 = €630,000 at most; capacity 90 + 110 = 200; fund €700,000."""
    return load_contract(EXAMPLE)


def uncapped(budget: int) -> Contract:
    """The pilot without its fund cap, with a budget of ``budget`` cents."""
    c = leeuwarden()
    return attrs.evolve(c, caps=(), payers=(attrs.evolve(c.payers[0], budget=Cents(budget)),))


def findings(c: Contract, **thresholds: Decimal) -> list[Finding]:
    return volume_overrun(c, Context(c), **thresholds)


class TestVolumeOverrun:
    def test_leeuwarden_fits_its_fund(self) -> None:
        """€630,000 at planned enrolment and €700,000 at full capacity both fit the €700,000 fund (which also
        has a payer cap of €700,000): no finding."""
        assert findings(leeuwarden()) == []

    def test_maximum_above_the_budget_without_cap_is_an_error(self) -> None:
        """With €600,000 and no cap, the €630,000 maximum is €30,000 over: an error; the remedy names a cap
        of €600,000 and a referral limit of 171 participants (171 × €3,500 = €598,500)."""
        (finding,) = findings(uncapped(600_000_00))
        assert finding.code == CODE and finding.severity == "error"
        assert finding.path == "$.payers[0].budget"
        assert "€630,000.00" in finding.title("en") and "€600,000.00" in finding.title("en")
        assert "€30,000.00 more" in finding.explanation("en")
        assert "€\u00a030.000,00 meer" in finding.explanation("nl")
        assert "No cap" in finding.explanation("en")
        assert "cap of €600,000.00" in finding.mitigation("en") and "171 participants" in finding.mitigation("en")

    def test_mitigation_payer_cap_equal_to_the_budget(self) -> None:
        """A payer cap of €600,000 holds the maximum, at plan and at capacity, to the budget."""
        c = uncapped(600_000_00)
        capped = attrs.evolve(c, caps=(Cap(level="payer", target="resultatenfonds", amount=Cents(600_000_00)),))
        assert findings(capped) == []

    def test_mitigation_referral_limit(self) -> None:
        """Limiting referrals to 171 participants brings the maximum to €598,500, within €600,000."""
        c = uncapped(600_000_00)
        limited = attrs.evolve(c, population=Population(maximum_participants=171))
        assert findings(limited) == []

    def test_capacity_beyond_the_budget_is_a_warning(self) -> None:
        """With €650,000 and no cap: the plan fits (€630,000), but 200 participants at capacity would cost
        €700,000: a warning, with a referral limit of 185 (185 × €3,500 = €647,500) as remedy."""
        (finding,) = findings(uncapped(650_000_00))
        assert finding.code == CODE and finding.severity == "warning"
        assert "200 participants" in finding.explanation("en") and "€700,000.00" in finding.explanation("en")
        assert "185 participants" in finding.mitigation("en")

    def test_mitigation_referral_limit_within_the_budget(self) -> None:
        """With referrals limited to 185, capacity no longer matters: no finding."""
        c = attrs.evolve(uncapped(650_000_00), population=Population(maximum_participants=185))
        assert findings(c) == []

    def test_a_cap_above_the_budget_does_not_help(self) -> None:
        """A payer cap of €650,000 with a €600,000 budget still leaves the payer €30,000 short: an error that
        names the cap."""
        c = uncapped(600_000_00)
        c = attrs.evolve(c, caps=(Cap(level="payer", target="resultatenfonds", amount=Cents(650_000_00)),))
        (finding,) = findings(c)
        assert finding.severity == "error" and "€650,000.00" in finding.explanation("en")

    def test_contributors_commitments_are_the_budget_of_a_fund(self) -> None:
        """A fund without a stated budget can pay what its contributors committed: €300,000 each → €600,000."""
        c = leeuwarden()
        fund = c.payers[0]
        contributors = tuple(attrs.evolve(k, commitment=Cents(300_000_00)) for k in fund.contributors)
        c = attrs.evolve(c, caps=(), payers=(attrs.evolve(fund, budget=None, contributors=contributors),))
        (finding,) = findings(c)
        assert finding.severity == "error" and finding.path == "$.payers[0].contributors"
        assert "what its contributors committed" in finding.explanation("en")

    def test_unbounded_payments_are_an_error(self) -> None:
        """A share of savings has no natural maximum: with a budget and no cap, an error."""
        c = load_contract(ROOT / "tests" / "engine_contracts" / "per-day-savings.toml")
        c = attrs.evolve(c, payers=(attrs.evolve(c.payers[0], budget=Cents(30_000_00)),))
        (finding,) = findings(c)
        assert finding.severity == "error" and "no maximum" in finding.title("en")

    def test_tolerance_is_a_parameter(self) -> None:
        """Tolerating 5% over the budget lets €630,000 against €600,000 (5% over) pass at plan level."""
        assert all(f.severity != "error" for f in findings(uncapped(600_000_00), tolerance=Decimal("0.05")))
