"""SIB-MONO-001: one more result pays someone less."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import Context
from sibkit.checks.non_monotone import CODE, non_monotone_payout
from sibkit.load import load_contract, loads
from sibkit.model import Cap, Contract, ShareOfSavings
from sibkit.money import Cents

from conftest import EXAMPLE, ROOT

STEP_DOWN = """
format = 1
name = "Share of savings that stops once the investor is repaid"

[timeline]
start = 2024-01-01
enrolment_months = 4
service_months = 6
term_months = 12
payment_frequency = "monthly"

[[payers]]
id = "city"
name = "City"

[[providers]]
id = "coach"
name = "Coach"
capacity = 10
enrolment = { monthly = [2, 0, 0, 8] }
cost_per_participant = 100
prefinances_own_costs = false

[[investors]]
id = "bank"
name = "Bank"
kind = "bank"

[[metrics]]
id = "exit"
name = "Off benefits"
observation_months = 3

[[rules]]
type = "share_of_savings"
id = "savings"
metric = "exit"
share = 1
share_after = 0

[[savings]]
metric = "exit"
amount_per_unit = 600
cashable = true
budget = "city"

[[tranches]]
type = "loan"
id = "loan"
investor = "bank"
commitment = 1000
drawdown = { kind = "upfront" }

[[waterfall]]
type = "principal"
tranches = ["loan"]

[[waterfall]]
type = "residual"
shares = [ { party = "coach", share = 1 } ]

[[scenarios]]
name = "base"
outcomes = [ { metric = "exit", rate = 0.5 } ]
"""
"""Half of 10 participants leave benefits: 1 of the 2 who start in month 0 (paid in month 3) and 4 of the
8 who start in month 3 (paid in month 6). The savings (€600 each) are paid in full until the €1,000 loan is
repaid, then not at all. Expected: €600 in month 3, €2,400 in month 6 (the loan is still owed when month 6
starts), €3,000 in all, €2,000 of it to the coach as residual. One more success in month 0 brings €1,200 in
month 3, which repays the loan, so the four successes of month 6 are paid nothing: €1,200 in all, €1,800
less for the city to pay and for the coach to receive."""

SHARED_POT = ROOT / "tests" / "checks" / "contracts" / "shared-pot.toml"
"""Two providers, 3 participants each, half succeed (2 each after rounding), €1,000 a result, one €1,500
contract cap: each provider is paid €750."""


def step_down() -> Contract:
    return loads(STEP_DOWN)


class TestNonMonotonePayout:
    def test_a_share_of_savings_that_stops_once_repaid_pays_less_for_more(self) -> None:
        """One more success repays the loan a quarter earlier, and every later success is then paid nothing:
        the city pays €1,800 less and the coach, which receives the residual, is paid €1,800 less."""
        c = step_down()
        (finding,) = non_monotone_payout(c, Context(c))
        assert finding.code == CODE and finding.severity == "error"
        assert finding.path == "$.rules[0]"
        assert "City pays €1,800.00 less" in finding.explanation("en")
        assert "Coach is paid €1,800.00 less" in finding.explanation("en")
        assert "ontvangt Coach €\u00a01.800,00 minder" in finding.explanation("nl")

    def test_mitigation_keep_the_share(self) -> None:
        """Paying the same share after repayment (no step down) makes payments grow with results."""
        c = step_down()
        rule = c.rules[0]
        assert isinstance(rule, ShareOfSavings)
        mitigated = attrs.evolve(c, rules=(attrs.evolve(rule, share_after=Decimal(1)),))
        assert non_monotone_payout(mitigated, Context(mitigated)) == []

    def test_a_shared_cap_makes_providers_compete(self) -> None:
        """Under one €1,500 cap that binds, the pot is split in proportion to what is due: 2 + 2 results give
        €750 each; 3 + 2 give Alpha €900 and Beta €600. One more result for Alpha takes €150 from Beta, and
        the other way round."""
        c = load_contract(SHARED_POT)
        (finding,) = non_monotone_payout(c, Context(c))
        assert "Alpha reaches 'Job', Beta is paid €150.00 less" in finding.explanation("en")
        assert "Beta reaches 'Job', Alpha is paid €150.00 less" in finding.explanation("en")
        assert "2 of the 2 outcomes" in finding.explanation("en")

    def test_mitigation_a_cap_per_provider(self) -> None:
        """Two provider caps of €750 instead of one shared cap: each provider's pay depends on its own results."""
        c = load_contract(SHARED_POT)
        caps = tuple(Cap(level="provider", target=p, amount=Cents(750_00)) for p in ("alpha", "beta"))
        mitigated = attrs.evolve(c, caps=caps)
        assert non_monotone_payout(mitigated, Context(mitigated)) == []

    def test_leeuwarden_is_monotone(self) -> None:
        """The pilot pays each result on its own and its fund cap does not bind."""
        c = load_contract(EXAMPLE)
        assert non_monotone_payout(c, Context(c)) == []

    def test_earlier_repayment_with_less_interest_is_not_paid_less(self) -> None:
        """In the 60-month benchmark SIB one more result repays the 6% senior loan sooner, so it receives
        less interest in euros; at its own 6% that is the same value, and it is not reported."""
        c = load_contract(ROOT / "benchmarks" / "contracts" / "sib-60.toml")
        assert non_monotone_payout(c, Context(c)) == []
