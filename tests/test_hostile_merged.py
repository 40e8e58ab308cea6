"""Hostile and extreme input against the merged work of issue #19: the number ranges, the text rules
and the option checks combined. Each test is a reproducer of a defect found by a reliability pass
over the merged result, with the behaviour it must have."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from sibkit.engine import run
from sibkit.engine.maximum import maximum_payment
from sibkit.errors import ContractFileError
from sibkit.limits import MAX_LINE_CHARS
from sibkit.load import dumps, load_contract, loads
from sibkit.sweep import parse_range

from conftest import EXAMPLE, ROOT

PILOT_TEXT = EXAMPLE.read_text(encoding="utf-8")

POOLED = (ROOT / "tests" / "engine_contracts" / "pooled-cohorts.toml").read_text(encoding="utf-8")


class TestCohortBaselineDecimals:
    """A cohort baseline may have up to 9 decimals (``limits.MAX_DECIMAL_PLACES``)."""

    def test_a_baseline_of_one_billionth_runs_and_pays_exactly(self) -> None:
        """Baseline 0.000000001 events per participant (9 decimals, within range) made the units of
        improvement a division by 10^21, past int64: every command ended in an OverflowError traceback.
        By hand, at £1,000,000,000 a unit: 1,000 people × 10^-9 × 7% (north) = 7 × 10^-8 units, £70.00;
        1,000 × 10^-9 × 9.5% (south) = 9.5 × 10^-8 units, £95.00; together 8.25%, at least the pooled
        7.5%, so both are paid the pooled price."""
        text = POOLED.replace("baseline = 1.55", "baseline = 0.000000001").replace(
            "price_per_unit = 100", "price_per_unit = 1000000000"
        )
        flows = run(loads(text, file="pooled.toml"), "published-levels").flows
        assert flows.line_paid.tolist() == [[7000, 9500]]


class TestDateDigits:
    """A date written as text in a JSON contract."""

    def test_a_date_in_other_digits_is_refused_with_the_date_message(self) -> None:
        """``"٢٠٢٣-٠١-٠١"`` (Arabic-Indic digits) passed the date shape (``\\d`` matches any script's
        digits) and then failed in ``date.fromisoformat`` with Python's own message, "Invalid isoformat
        string"; it gets the message every other wrong date gets."""
        data = json.loads(dumps(load_contract(EXAMPLE), fmt="json"))
        data["timeline"]["start"] = "٢٠٢٣-٠١-٠١"
        with pytest.raises(ContractFileError) as info:
            loads(json.dumps(data), fmt="json", file="c.json")
        assert str(info.value).splitlines()[1] == (
            "  expected a date such as 2023-01-01, got the text '٢٠٢٣-٠١-٠١' @ $.timeline.start"
        )


THREE_PAYERS = """
format = 1
name = "Three payers at the top of the amount range"
currency = "CHF"

[timeline]
start = 2025-01-01
enrolment_months = 1
service_months = 6
term_months = 12

[[payers]]
id = "kanton"
name = "Kanton"

[[payers]]
id = "gemeinde"
name = "Gemeinde"

[[payers]]
id = "stiftung"
name = "Stiftung"

[[providers]]
id = "coach"
name = "Coach"
capacity = 1
enrolment = { monthly = [1] }
cost_per_participant = 0

[[metrics]]
id = "arbeit"
name = "Arbeit"
observation_months = 3

[[rules]]
type = "tariff"
id = "tarif"
price_per_participant = 600000000000
components = [ { metric = "arbeit", weight = 1 } ]
paid_by = [
  { payer = "kanton", share = "0.333333333" },
  { payer = "gemeinde", share = "0.333333333" },
  { payer = "stiftung", share = "0.333333334" },
]

[[scenarios]]
name = "base"
outcomes = [ { metric = "arbeit", rate = 1 } ]
"""


class TestMaximumOfSharedLines:
    """The maximum potential payment of a payer that shares a line with others, for amounts in range."""

    def test_each_payer_maximum_is_its_share_of_the_largest_price(self) -> None:
        """A payer's natural part of a shared line was formed as cents × weight (its share in
        billionths) in int64: CHF 600,000,000,000 × 333,333,333 wrapped round, and `show`, `run` and the
        term sheet reported a maximum of a few francs (a 'share of maximum payment' of millions of
        percent; `check --properties` called it a defect in sibkit). By hand: 600,000,000,000 ×
        0.333333333 = 199,999,999,800.00, and × 0.333333334 = 200,000,000,400.00; they are what the
        engine pays when the one participant achieves the outcome."""
        contract = loads(THREE_PAYERS, file="three.toml")
        maximum = maximum_payment(contract)
        assert maximum.by_payer == {
            "kanton": 19_999_999_980_000,
            "gemeinde": 19_999_999_980_000,
            "stiftung": 20_000_000_040_000,
        }
        assert maximum.total == 60_000_000_000_000
        paid = run(contract).flows.payer_paid.sum(axis=(0, 1)).tolist()
        assert paid == [19_999_999_980_000, 19_999_999_980_000, 20_000_000_040_000]


class TestScenarioLevels:
    """Treatment and comparison levels whose ratio is outside the range of a cohort improvement."""

    def test_levels_implying_an_improvement_beyond_the_range_are_refused(self) -> None:
        """Treatment 100,000 against comparison 0.000000001 (each in range) is an improvement of
        −10^14, which the engine turned into int64 trillionths through an invalid cast (a
        RuntimeWarning and a garbage improvement that could tip the pooled test). An improvement,
        written or worked out from levels, lies between −100,000 and 100,000."""
        text = POOLED.replace("treatment = 144.15, comparison = 155", "treatment = 100000, comparison = 0.000000001")
        with pytest.raises(ContractFileError) as info:
            loads(text, file="pooled.toml")
        assert str(info.value).splitlines()[1] == (
            "  the treatment level 100000 is more than 100001 times the comparison level 0.000000001: "
            "the improvement they give is outside −100,000 to 100,000 (−10,000,000% to 10,000,000%) "
            "@ $.scenarios[4].outcomes[0].treatment"
        )

    def test_levels_at_the_edge_of_the_range_run(self) -> None:
        """Treatment exactly 100,001 times the comparison (an improvement of −100,000, the end of the
        range) loads and runs; the cohort did worse, so it is paid nothing."""
        text = POOLED.replace("treatment = 144.15, comparison = 155", "treatment = 100.001, comparison = 0.001")
        flows = run(loads(text, file="pooled.toml"), "published-levels").flows
        assert flows.line_paid.tolist() == [[0, 0]]


class TestSuccessLevelDecimals:
    """Success levels with an extreme exponent (``sweep --success``)."""

    @pytest.mark.parametrize("text", ["0:1e-999999999:3", "1e-999999999:1:3"])
    def test_a_level_with_a_billion_decimals_is_refused_at_once(self, text: str) -> None:
        """``sweep --success 0:1e-999999999:3`` ran for minutes (a ten-to-the-billion denominator in an
        exact fraction) until killed; a level has at most 12 decimals, as levels are rounded to 12."""
        with pytest.raises(ValueError) as info:
            parse_range(text)
        assert str(info.value) == "expected at most 12 digits after the decimal point, got '1e-999999999'"

    def test_twelve_decimals_and_trailing_zeros_are_fine(self) -> None:
        """12 decimals is the most a level has; zeros after the last digit do not count."""
        assert parse_range("0.123456789012:1.50000000000000000000:2") == (Decimal("0.123456789012"), Decimal("1.5"))

    def test_the_command_exits_2(self, tmp_path: Path) -> None:
        """In a subprocess: exit code 2 with the message, no traceback."""
        done = subprocess.run(
            [sys.executable, "-m", "sibkit.cli", "sweep", str(EXAMPLE), "--success", "0:1e-999999999:3"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 2
        assert "expected at most 12 digits after the decimal point, got '1e-999999999'" in done.stderr
        assert "Traceback" not in done.stderr


class TestTextLength:
    def test_a_million_character_name_is_refused_at_once(self) -> None:
        """A 1,000,000-character contract name (one term sheet took 74 s and 1 GB with it) is refused at
        load, quickly, naming the limit; a 1,000-character name is fine."""
        text = PILOT_TEXT.replace('name = "Leeuwarden Oost — pilot resultatenfonds"', f'name = "{"x" * 10**6}"', 1)
        started = time.perf_counter()
        with pytest.raises(ContractFileError) as info:
            loads(text, file="long.toml")
        assert time.perf_counter() - started < 10
        assert (
            f"is 1,000,000 characters long; a one-line text may have at most {MAX_LINE_CHARS:,} @ $.name"
            in str(info.value)
        )
        ok = PILOT_TEXT.replace('name = "Leeuwarden Oost — pilot resultatenfonds"', f'name = "{"x" * 1000}"', 1)
        assert loads(ok, file="ok.toml").name == "x" * 1000

    def test_a_long_description_is_refused(self) -> None:
        """A description over 100,000 characters is refused at its path (the example gives it per language)."""
        text = PILOT_TEXT.replace('description.en = """\n', f'description.en = """\n{"y" * 100_001}', 1)
        with pytest.raises(ContractFileError) as info:
            loads(text, file="long.toml")
        assert "characters long; a text of several lines may have at most 100,000 @ $.description.en" in str(info.value)
