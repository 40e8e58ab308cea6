"""SIB-CASH-001: provider liquidity stress."""

from __future__ import annotations

import attrs

from sibkit.checks import Context, Finding
from sibkit.checks.liquidity import CODE, provider_liquidity
from sibkit.load import load_contract, loads
from sibkit.model import Contract
from sibkit.money import Cents

from conftest import EXAMPLE


def leeuwarden() -> Contract:
    return load_contract(EXAMPLE)


def with_buffer(c: Contract, provider: str, extra: int) -> Contract:
    """``c`` with ``extra`` cents added to one provider's starting cash (an advance or a facility)."""
    providers = tuple(attrs.evolve(p, buffer=Cents(p.buffer + extra)) if p.id == provider else p for p in c.providers)
    return attrs.evolve(c, providers=providers)


def _one_provider(name: str, months: int, term: int, frequency: str, participants: int, buffer: int,
                  observe: int, price: int) -> str:
    """A contract with one provider whose participants start evenly over ``months``, cost €1,000 each in their
    first month, and are each paid ``price`` (euros) for one result ``observe`` months later."""
    return f"""
format = 1
name = "{name}"

[timeline]
start = 2024-01-01
enrolment_months = {months}
service_months = {max(months, 3)}
term_months = {term}
payment_frequency = "{frequency}"

[[payers]]
id = "gemeente"
name = "Gemeente"

[[providers]]
id = "coach"
name = "Coach"
capacity = {participants}
enrolment = {{ total = {participants}, months = {months} }}
cost_per_participant = 1000
buffer = {buffer}

[[metrics]]
id = "werk"
name = "Work"
observation_months = {observe}

[[rules]]
type = "rate_card"
id = "card"
entries = [ {{ metric = "werk", price = {price} }} ]

[[scenarios]]
name = "base"
outcomes = [ {{ metric = "werk", rate = 1.0 }} ]
"""


CAPITAL = _one_provider("Buffer below the costs before the first payment", 1, 6, "monthly", 10, 1000, 3, 2000)
"""Ten participants start in month 0 and cost €1,000 each that month; every one of them is paid €2,000 in
month 3 (observed after 3 months, paid monthly). The €1,000 buffer is far below the €10,000 spent before."""

TIMING = _one_provider("Quarterly payments behind the costs", 6, 9, "quarterly", 12, 4000, 2, 1500)
"""Two participants start in each of months 0–5 and cost €1,000 each that month (€2,000 a month); each is
paid €1,500 two months later, on the next quarterly payment date (months 2, 5 and 8). The €4,000 buffer
carries the €4,000 spent before the first payment; the price (€18,000 for €12,000 of costs) covers the
costs."""


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


class TestCause:
    """The finding says why the cash runs short, and the remedy matches: capital too small for the costs
    before the first payment, payments too late or too rare, both, or a price below the costs."""

    def test_leeuwarden_has_both_causes(self) -> None:
        """Dreamfabryk's first payment comes in month 11 (December 2023). Its costs in months 0–10 are
        €2,300 + 3,050 + 3,800 + 4,550 + 5,000 + 5,600 + 6,200 + 6,800 + 7,400 + 7,250 + 7,100 = €59,050
        (20% of €1,500 for each starter in its first month, 10% in the next eight, €800 a month of overhead),
        against its €15,000 buffer: its cash is −€44,050 in month 10, before any result can be paid, so the
        buffer is too small for the plan (a facility of €59,050 − €15,000 + its €10,000 minimum = €54,050
        closes that). And although it ends €9,100 up over the term, the quarterly payments in arrears push
        its cash further down after the first payment, to −€51,650 in month 13: timing too. Both are true."""
        (finding,) = findings(leeuwarden())
        assert finding.kind == "zero-both"
        explanation, mitigation = finding.explanation("en"), finding.mitigation("en")
        assert "Up to month 10 (November 2023), before its first payment," in explanation
        assert "€59,050.00" in explanation and "€15,000.00 to pay them from" in explanation
        assert "€9,100.00 up" in explanation and "too late to catch up" in explanation
        assert "at least €54,050.00 more working capital" in mitigation
        assert "€54,050.00 too little to pay them and keep its minimum of €10,000.00" in explanation
        assert "monthly instead of quarterly" in mitigation and "widen the facility to €61,650.00 in all" in mitigation
        nl = finding.mitigation("nl")
        assert "werkkapitaal" in nl and "€\u00a054.050,00" in nl and "maandelijks in plaats van per kwartaal" in nl
        assert "Tot en met maand 10 (november 2023), vóór de eerste betaling," in finding.explanation("nl")

    def test_a_buffer_below_the_costs_before_the_first_payment_is_capital(self) -> None:
        """Cash is €1,000 − €10,000 = −€9,000 in months 0–2, then €11,000 after the €20,000 of month 3,
        ending €10,000 up. Before the first payment the money (€1,000) is below the costs (€10,000): the
        remedy is €9,000 of capital (minimum €0), and no faster payment could help."""
        (finding,) = findings(loads(CAPITAL))
        assert finding.kind == "zero-capital" and finding.severity == "error"
        assert finding.title("en") == "Coach runs out of cash: €9,000.00 short in month 0 (January 2024)"
        explanation, mitigation = finding.explanation("en"), finding.mitigation("en")
        assert "first payment arrives in month 3 (April 2024)" in explanation
        assert "spends €10,000.00 on its participants and overhead and has €1,000.00" in explanation
        assert "it ends €10,000.00 up." in explanation
        assert "at least €9,000.00 more working capital" in mitigation and "Faster payment does not close this gap" in mitigation
        assert "monthly instead" not in mitigation and "milestones" not in mitigation
        assert finding.facts_json()["capital_gap"] == {"cents": 9_000_00, "currency": "EUR"}

    def test_the_capital_gap_closes_the_capital_finding(self) -> None:
        """€9,000 more buffer: €10,000 covers month 0's costs, cash never falls below zero."""
        assert findings(with_buffer(loads(CAPITAL), "coach", 9_000_00)) == []

    def test_late_quarterly_payments_are_timing(self) -> None:
        """Cash by month: €4,000 − €2,000 = €2,000, then €0 (month 1, before the first payment: not below
        zero); month 2 −€2,000 + €3,000 (the two starters of month 0) = €1,000; month 3 −€1,000; month 4
        −€3,000; month 5 €3,000 − €6,000 + €9,000 (six starters of months 1–3) = €0; month 8 +€6,000.
        The margin is €18,000 − €12,000 = €6,000: the price covers the costs, the quarterly timing does not.
        The remedy names the payment timing and a €3,000 bridging facility, not more capital."""
        (finding,) = findings(loads(TIMING))
        assert finding.kind == "zero-timing" and finding.severity == "error"
        assert finding.title("en") == "Coach runs out of cash: €3,000.00 short in month 4 (May 2024)"
        explanation, mitigation = finding.explanation("en"), finding.mitigation("en")
        assert "it ends €6,000.00 up: the price covers its costs, the timing of the payments does not" in explanation
        assert "before its first payment" not in explanation
        assert "early milestones" in mitigation and "pay monthly instead of quarterly" in mitigation
        assert "facility of at least €3,000.00, repaid from the outcome payments" in mitigation
        assert "capital" not in mitigation and "buffer" not in mitigation and "€0.00" in mitigation
        assert "per kwartaal" in finding.mitigation("nl") and "overbruggingskrediet" in finding.mitigation("nl")

    def test_monthly_payment_removes_the_timing_finding(self) -> None:
        """Paid monthly, each pair is paid €3,000 two months after its €2,000: cash €2,000, €0, €1,000,
        €2,000 … never below zero: the timing remedy removes the error. What is left is a warning about half
        the expected success, where the €9,000 paid for €12,000 of costs is a loss of €3,000: the price."""
        c = loads(TIMING)
        (finding,) = findings(attrs.evolve(c, timeline=attrs.evolve(c.timeline, payment_frequency="monthly")))
        assert finding.severity == "warning" and finding.kind == "zero-low-price"
        assert "loses €3,000.00" in finding.explanation("en")

    def test_a_loss_at_half_success_is_the_price(self) -> None:
        """With €61,650 more Dreamfabryk's buffer (€76,650) covers the €59,050 before the first payment, but
        at half the expected success it loses €82,250 over the term: no timing closes that, and the remedy
        says so (the price, costs paid whatever the results, or investors carrying the risk)."""
        (finding,) = findings(with_buffer(leeuwarden(), "dreamfabryk", 61_650_00))
        assert finding.kind == "zero-low-price"
        assert "at half the expected success, it loses €82,250.00" in finding.explanation("en")
        mitigation = finding.mitigation("en")
        assert "a facility would only defer the loss" in mitigation and "€31,550.00 more" in mitigation
        assert "monthly instead" not in mitigation
