"""SIB-CASH-001: provider liquidity stress."""

from __future__ import annotations

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.liquidity import CODE, provider_liquidity
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.money import Cents

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    return load_contract(EXAMPLE)


def with_buffer(c: Contract, provider: str, extra: int) -> Contract:
    """``c`` with ``extra`` cents added to one provider's starting cash (an advance or a facility)."""
    providers = tuple(attrs.evolve(p, buffer=Cents(p.buffer + extra)) if p.id == provider else p for p in c.providers)
    return attrs.evolve(c, providers=providers)


def findings(c: Contract, **thresholds: int) -> list[Finding]:
    return provider_liquidity(c, Context(c), **thresholds)


class TestProviderLiquidity:
    def test_dreamfabryk_runs_out_of_cash_at_the_expected_results(self) -> None:
        """Dreamfabryk (buffer €15,000) pays its coaches months before results are paid: its cash falls to
        −€51,650 in month 13 (February 2024) and is below zero 28 of 36 months, an error."""
        (finding,) = findings(leeuwarden())
        assert finding.code == CODE and finding.severity == "error"
        assert finding.path == "$.providers[1].buffer"
        assert "Dreamfabryk" in finding.title("en")
        assert "€51,650.00 short" in finding.title("en") and "month 13 (February 2024)" in finding.title("en")
        assert "28 of the 36 months" in finding.explanation("en")
        assert "€\u00a0-51.650,00" in finding.explanation("nl") and "maand 13 (februari 2024)" in finding.explanation("nl")
        assert "28 van de 36 maanden" in finding.explanation("nl")
        # at half the expected success it is worse: -€83,200 in month 28
        assert "-€83,200.00" in finding.explanation("en")

    def test_the_facility_is_what_keeps_the_minimum_cash(self) -> None:
        """The advance it proposes is the minimum cash (€10,000) less the lowest cash (−€51,650): €61,650;
        the first payment arrives in month 11 (December 2023), and the contract pays quarterly."""
        (finding,) = findings(leeuwarden())
        assert "€61,650.00" in finding.mitigation("en") and "€\u00a061.650,00" in finding.mitigation("nl")
        assert "month 11 (December 2023)" in finding.explanation("en")
        assert "monthly instead of quarterly" in finding.mitigation("en")
        assert "€9,100.00 up" in finding.explanation("en")  # the price covers the cost; the timing does not

    def test_wijkbedrijf_bilgaard_is_not_flagged(self) -> None:
        """Wijkbedrijf Bilgaard has a €60,000 buffer and €2,500 a month of other funding: its cash never falls
        below €49,060, well above its €10,000 minimum, in either scenario."""
        assert all(f.path != "$.providers[0].buffer" for f in findings(leeuwarden()))
        assert all("Wijkbedrijf" not in f.title("en") for f in findings(leeuwarden()))

    def test_the_proposed_facility_removes_the_error(self) -> None:
        """With an advance of €61,650 Dreamfabryk keeps its minimum at the expected results; what is left is a
        warning that half the expected success still empties its cash (−€83,200 + €61,650 = −€21,550)."""
        (finding,) = findings(with_buffer(leeuwarden(), "dreamfabryk", 61_650_00))
        assert finding.severity == "warning"
        assert "€21,550.00 short" in finding.title("en")

    def test_a_facility_for_the_bad_year_removes_the_finding(self) -> None:
        """With €93,200 more (minimum €10,000 less −€83,200 at half success) no month ends below the minimum."""
        assert findings(with_buffer(leeuwarden(), "dreamfabryk", 93_200_00)) == []

    def test_below_minimum_only_is_a_warning(self) -> None:
        """With €90,000 more, cash stays above zero at half success (−€83,200 + €90,000 = €6,800) but below
        the €10,000 minimum: a warning naming the minimum."""
        (finding,) = findings(with_buffer(leeuwarden(), "dreamfabryk", 90_000_00))
        assert finding.severity == "warning"
        assert "minimum of €10,000.00" in finding.title("en")
        assert "€6,800.00" in finding.explanation("en")

    def test_tolerated_months_is_a_parameter(self) -> None:
        """Tolerating 28 months below zero (an overdraft) turns the expected-scenario error into a warning
        about the low scenario (32 months below zero)."""
        (finding,) = findings(leeuwarden(), tolerated_months=28)
        assert finding.severity == "warning"
