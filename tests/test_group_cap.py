"""One cap over a group of metrics (issue #11, model gaps)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.engine import run
from sibkit.engine.batch import deterministic_batch
from sibkit.engine.maximum import maximum_payment
from sibkit.errors import ContractFileError
from sibkit.load import loads
from sibkit.model import Contract
from sibkit.report.termsheet import render_termsheet
from sibkit.testing import properties

HOUSING = """
format = 1
name = "Housing first"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 12
term_months = 18

[[payers]]
id = "gemeente"
name = "Gemeente"

[[providers]]
id = "woon"
name = "Woonbegeleiding"
capacity = 20
enrolment = {{ monthly = [20] }}
cost_per_participant = 500

[[metrics]]
id = "housed-6m"
name = "Housed for 6 months"
observation_months = 6

[[metrics]]
id = "housed-12m"
name = "Housed for 12 months"
observation_months = 12

[[metrics]]
id = "work"
name = "Work"
observation_months = 6

[[rules]]
type = "rate_card"
id = "card"
entries = [
  {{ metric = "housed-6m", price = 400 }},
  {{ metric = "housed-12m", price = 600 }},
  {{ metric = "work", price = 300 }},
]

[[caps]]
level = "metric"
{group}
amount = 8000

[[scenarios]]
name = "base"
outcomes = [
  {{ metric = "housed-6m", rate = {rate} }},
  {{ metric = "housed-12m", rate = {rate} }},
  {{ metric = "work", rate = 0.5 }},
]
"""

GROUP = 'metrics = ["housed-6m", "housed-12m"]'


def housing(rate: Decimal = Decimal("0.5"), group: str = GROUP) -> Contract:
    return loads(HOUSING.format(group=group, rate=rate), file="housing.toml")


class TestGroupCap:
    def test_the_group_shares_one_maximum(self) -> None:
        """Everyone housed: 20 × €400 + 20 × €600 = €20,000 due for housing, cut to the €8,000 group cap;
        work (10 × €300 = €3,000) is outside the group and paid in full: €11,000 in all."""
        res = run(housing(Decimal(1)), "base")
        assert int(res.outcome_payments[0]) == 11_000_00
        assert int(res.cap_cut[0]) == 12_000_00

    def test_below_the_cap_nothing_is_cut(self) -> None:
        """Half housed: 10 × €400 + 10 × €600 = €10,000 > €8,000: cut by €2,000; at 30%, 6 × €1,000 = €6,000 fits."""
        assert int(run(housing(Decimal("0.5")), "base").cap_cut[0]) == 2_000_00
        res = run(housing(Decimal("0.3")), "base")
        assert int(res.cap_cut[0]) == 0 and int(res.outcome_payments[0]) == 6_000_00 + 3_000_00

    def test_maximum_counts_the_group_cap(self) -> None:
        """The maximum is the group cap plus the uncapped work line: €8,000 + 20 × €300 = €14,000."""
        assert maximum_payment(housing()).total == 14_000_00

    @given(st.decimals(min_value=0, max_value=1, places=2))
    @settings(deadline=None, max_examples=20)
    def test_caps_respected_at_any_success(self, rate: Decimal) -> None:
        """At any success rate, the shipped property holds: the group never pays more than its cap."""
        c = housing(rate)
        properties.caps_respected(c, deterministic_batch(c, c.scenarios[0]))

    def test_term_sheet_names_the_group(self) -> None:
        """The Dutch term sheet states the cap over both housing metrics together."""
        text = render_termsheet(housing(), "nl", fmt="md", today=dt.date(2026, 12, 4))
        assert "Housed for 6 months en Housed for 12 months samen" in text

    @pytest.mark.parametrize(
        ("group", "message"),
        [
            ('metrics = ["housed-6m", "housing"]', "@ $.caps[0].metrics[1]"),
            ('target = "work"\nmetrics = ["housed-6m"]', "give either 'target' (one metric) or 'metrics' (a group), not both @ $.caps[0].metrics"),
            ('metrics = ["housed-6m", "housed-6m"]', "a metric is named twice in the group @ $.caps[0].metrics"),
        ],
    )
    def test_bad_groups_are_refused(self, group: str, message: str) -> None:
        """A group naming an unknown metric, both forms, or a metric twice is refused at its path."""
        with pytest.raises(ContractFileError) as info:
            housing(group=group)
        assert message in str(info.value)

    def test_group_only_on_metric_caps(self) -> None:
        """A provider cap takes no 'metrics'."""
        text = HOUSING.format(group=GROUP, rate="0.5").replace('level = "metric"', 'level = "provider"\ntarget = "woon"')
        with pytest.raises(ContractFileError) as info:
            loads(text, file="housing.toml")
        assert "a provider cap takes no 'metrics'; only a metric cap does @ $.caps[0].metrics" in str(info.value)
