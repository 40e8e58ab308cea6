"""The Alabama paradox of the largest remainder, and what ``monotone_payouts`` allows for it."""

from __future__ import annotations

from decimal import Decimal

from sibkit.engine import run
from sibkit.engine.batch import deterministic_batch
from sibkit.load import loads
from sibkit.testing import properties

THREE_PAYERS = """
format = 1
name = "Three payers, no caps"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 3
term_months = 6
payment_frequency = "end"

[[payers]]
id = "a"
name = "A"
share = 0.01

[[payers]]
id = "b"
name = "B"
share = 0.62

[[payers]]
id = "c"
name = "C"
share = 0.37

[[providers]]
id = "p"
name = "P"
capacity = 10
enrolment = { monthly = [10] }
cost_per_participant = 0

[[metrics]]
id = "m"
name = "M"
observation_months = 1

[[rules]]
type = "rate_card"
id = "card"
entries = [ { metric = "m", price = 0.04 } ]

[[scenarios]]
name = "base"
outcomes = [ { metric = "m", rate = 0.9 } ]
"""


class TestAlabamaParadox:
    def test_one_more_result_can_cost_a_payer_a_cent(self) -> None:
        """9 results at 4 cents = 36 cents split 1/62/37 by the largest remainder: 0.36 / 22.32 / 13.32 →
        1 / 22 / 13. 10 results = 40 cents: 0.4 / 24.8 / 14.8 → 0 / 25 / 15. Payer A pays a cent less for
        one more result, though every share is fixed: a property of rounding, not of the contract."""
        c = loads(THREE_PAYERS, file="three.toml")
        nine = run(c, "base").payers
        ten = run(c, "base", Decimal(1) / Decimal("0.9")).payers
        assert [int(p.paid[0]) for p in nine] == [1, 22, 13]
        assert [int(p.paid[0]) for p in ten] == [0, 25, 15]

    def test_monotone_payouts_allows_that_cent_and_no_more(self) -> None:
        """The shipped property holds for this case: it allows one cent per changed line and month."""
        c = loads(THREE_PAYERS, file="three.toml")
        properties.monotone_payouts(c, deterministic_batch(c, c.scenarios[0]), 0)
