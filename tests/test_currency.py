"""Any ISO 4217 currency Babel knows, exact to its minor unit (issue #11, model gaps).

Known answers from outside sibkit: ISO 4217's minor units as Babel reports them (JPY has none,
EUR two, KWD three), and Babel's own formatting of an amount in English and Dutch.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import attrs
import pytest
from babel.numbers import get_currency_precision, list_currencies
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from sibkit.cli import main
from sibkit.engine import run
from sibkit.errors import ContractFileError
from sibkit.i18n import Language
from sibkit.limits import MAX_CENTS
from sibkit.load import converter, dumps, loads
from sibkit.model import Contract
from sibkit.money import (
    amount_currency,
    amounts_in,
    cents_to_decimal,
    currency_decimals,
    format_money,
    parse_amount,
)

from conftest import EXAMPLE

PILOT = EXAMPLE.read_text(encoding="utf-8")
CODES = sorted(list_currencies())
MONEY_FIELDS = (
    "budget|commitment|cost_per_participant|fixed_cost_monthly|other_income_monthly|buffer|minimum_cash"
    "|price_per_participant|amount|amount_per_unit"
)
BASE_EUR_CENTS = 333_900_00
"""What the pilot's payers pay for outcomes in its base scenario: €333,900.00 (``tests/test_cli_run.py``)."""


def with_currency(code: str, text: str = PILOT) -> str:
    assert 'currency = "EUR"' in text
    return text.replace('currency = "EUR"', f'currency = "{code}"')


def in_yen(rate: int = 150) -> str:
    """The pilot in yen: every amount times ``rate`` (yen per euro), written as whole yen."""
    scaled = re.sub(
        rf"^(\s*(?:{MONEY_FIELDS}) = )(\d+)$", lambda m: f"{m[1]}{int(m[2]) * rate}", PILOT, flags=re.MULTILINE
    )
    assert scaled.count("\n") == PILOT.count("\n") and "price_per_participant = 525000" in scaled
    return with_currency("JPY", scaled)


def problem(text: str) -> str:
    with pytest.raises(ContractFileError) as info:
        loads(text, file="x.toml")
    return str(info.value)


class TestMinorUnits:
    @pytest.mark.parametrize(("code", "decimals"), [("JPY", 0), ("EUR", 2), ("GBP", 2), ("KWD", 3), ("BHD", 3)])
    def test_iso_4217_minor_units_as_babel_reports_them(self, code: str, decimals: int) -> None:
        """ISO 4217: the yen has no minor unit, the euro and pound hundredths, the Kuwaiti and Bahraini
        dinar thousandths (fils); sibkit takes them from Babel."""
        assert get_currency_precision(code) == decimals
        assert currency_decimals(code) == decimals

    @given(st.sampled_from(CODES))
    def test_every_code_babel_knows_loads_and_computes(self, code: str) -> None:
        """Every code Babel knows is accepted; the pilot's whole amounts are read in that currency's minor
        unit, so the base scenario pays 333,900 units of it (``333900 × 10^d`` minor units)."""
        c = loads(with_currency(code), file="x.toml")
        assert c.currency == code
        assert int(run(c, "base").outcome_payments[0]) == 333_900 * 10 ** get_currency_precision(code)

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("XYZ", "'XYZ' is not an ISO 4217 currency code known to sibkit @ $.currency"),
            ("eur", "expected an ISO 4217 currency code such as 'EUR', got 'eur' @ $.currency"),
        ],
    )
    def test_unknown_codes_are_still_refused(self, code: str, message: str) -> None:
        """A code that is not ISO 4217 (as Babel knows it) is refused with the field path and the reason."""
        assert message in problem(with_currency(code))


class TestYen:
    def test_a_yen_contract_loads_runs_and_reconciles(self) -> None:
        """The pilot with every amount times 150 in whole yen pays 150 × €333,900 = ¥50,085,000 in its
        base scenario; the engine checks that every yen is accounted for (it raises otherwise)."""
        c = loads(in_yen(), file="yen.toml")
        assert c.rules[0].price_per_participant == 525_000  # yen, not hundredths of a yen
        res = run(c, "base")
        assert int(res.outcome_payments[0]) == 50_085_000
        euros = run(loads(PILOT), "base")
        assert int(res.payers[0].paid[0]) * 100 == int(euros.payers[0].paid[0]) * 150

    @pytest.mark.parametrize(
        ("code", "written", "message"),
        [
            (
                "JPY",
                "3500.5",
                "expected an amount with at most 0 decimals for JPY, got 3500.5 @ $.rules[0].price_per_participant",
            ),
            (
                "KWD",
                "1.2345",
                "expected an amount with at most 3 decimals for KWD, got 1.2345 @ $.rules[0].price_per_participant",
            ),
            (
                "EUR",
                "3500.001",
                "expected whole cents, got 3500.001 (an amount has at most 2 decimals) "
                "@ $.rules[0].price_per_participant",
            ),
        ],
    )
    def test_finer_than_the_minor_unit_is_refused_at_its_path(self, code: str, written: str, message: str) -> None:
        """An amount with more decimals than its currency has is refused, naming the currency and the field."""
        text = with_currency(code).replace("price_per_participant = 3500", f"price_per_participant = {written}")
        assert message in problem(text)

    def test_dutch_message(self) -> None:
        """The refusal is translated like its neighbours."""
        text = with_currency("JPY").replace("price_per_participant = 3500", "price_per_participant = 3500.5")
        with pytest.raises(ContractFileError) as info:
            loads(text, file="x.toml")
        assert "verwacht voor JPY een bedrag met ten hoogste 0 decimalen, gekregen: 3500.5" in info.value.show("nl")

    def test_whole_yen_written_with_zero_decimals_are_whole(self) -> None:
        """``3500.00`` is a whole number of yen: accepted (only a fraction of the minor unit is refused)."""
        c = loads(with_currency("JPY").replace("price_per_participant = 3500", 'price_per_participant = "3500.00"'))
        assert c.rules[0].price_per_participant == 3500

    def test_the_converter_itself_reads_the_contract_currency(self) -> None:
        """``converter.structure`` (not only ``loads``) reads a yen contract's amounts as yen: the currency
        context belongs to the hook of the whole contract, and it is left as it was afterwards."""
        import tomllib

        data = tomllib.loads(in_yen(), parse_float=Decimal)
        c = converter.structure(data, Contract)
        assert c.rules[0].price_per_participant == 525_000
        assert amount_currency() == "EUR"

    def test_sibkit_run_prints_yen_without_decimals(self, tmp_path: object) -> None:
        """``sibkit run`` shows yen as Babel writes them in English (``JP¥50,085,000``), never with decimals."""
        from pathlib import Path

        path = Path(str(tmp_path)) / "yen.toml"
        path.write_text(in_yen(), encoding="utf-8")
        result = CliRunner().invoke(main, ["run", str(path), "--scenario", "base"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "JP¥50,085,000" in result.stdout
        assert not re.search(r"JP¥[\d,]+\.\d", result.stdout)
        assert "€" not in result.stdout

    def test_run_json_gives_yen_as_whole_numbers(self, tmp_path: object) -> None:
        """``run --json``: the minor unit is the yen, and the amount has no decimals."""
        from pathlib import Path

        path = Path(str(tmp_path)) / "yen.toml"
        path.write_text(in_yen(), encoding="utf-8")
        result = CliRunner().invoke(main, ["run", str(path), "--scenario", "base", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["currency"] == "JPY"
        assert data["outcome_payments"] == {"cents": 50_085_000, "amount": "50085000"}


class TestDinar:
    def test_kwd_amount_parses_to_fils(self) -> None:
        """1,234.567 Kuwaiti dinar is 1,234,567 fils."""
        assert parse_amount("1234.567", "KWD") == 1_234_567
        assert parse_amount(Decimal("1234.567"), "KWD") == 1_234_567
        with amounts_in("KWD"):
            assert parse_amount("1234.567") == 1_234_567

    def test_kwd_formats_back_with_three_decimals(self) -> None:
        """Babel writes the dinar with three decimals: ``KWD1,234.567`` (en_GB), ``KWD 1.234,567`` (nl_NL)."""
        assert cents_to_decimal(1_234_567, "KWD") == Decimal("1234.567")
        assert str(cents_to_decimal(1_234_567, "KWD")) == "1234.567"
        assert "1,234.567" in Language("en").money(1_234_567, "KWD")
        assert "1.234,567" in Language("nl").money(1_234_567, "KWD")
        assert format_money(1_234_567, "KWD") == "KWD 1,234.567"
        assert format_money(35_000_000, "JPY") == "¥35,000,000"
        assert Language("en").money(350_000, "JPY") == "JP¥350,000"
        assert Language("en").money(350_000, "EUR") == "€3,500.00"

    def test_a_dinar_contract_is_written_back_with_three_decimals(self) -> None:
        """A contract with fils in its amounts is written back with three decimals and read back equal."""
        text = with_currency("KWD").replace("price_per_participant = 3500", "price_per_participant = 1234.567")
        c = loads(text)
        assert c.rules[0].price_per_participant == 1_234_567
        for fmt in ("toml", "json"):
            written = dumps(c, fmt=fmt)
            assert "1234.567" in written
            assert loads(written, fmt=fmt) == c


class TestWrittenBack:
    @pytest.mark.parametrize("code", ["JPY", "EUR", "KWD", "CLF"])
    def test_the_same_minor_units_in_any_currency_round_trip_and_compute_alike(self, code: str) -> None:
        """The engine is unit-agnostic: the pilot's integers in another currency are written back in that
        currency's units (``350000`` in JPY, ``350.000`` in KWD), read back equal, and pay the same integers."""
        c = attrs.evolve(loads(PILOT), currency=code)
        for fmt in ("toml", "json"):
            assert loads(dumps(c, fmt=fmt), fmt=fmt) == c
        assert int(run(loads(dumps(c)), "base").outcome_payments[0]) == BASE_EUR_CENTS

    def test_yen_are_written_as_whole_numbers(self) -> None:
        """A TOML writer would write a whole ``Decimal`` as ``350000.0``: yen are written as integers."""
        text = dumps(attrs.evolve(loads(PILOT), currency="JPY"))
        assert "\nprice_per_participant = 350000\n" in text


DECIMALS = {"JPY": 0, "EUR": 2, "KWD": 3}


@st.composite
def written_amounts(draw: st.DrawFn) -> tuple[str, str]:
    """A currency with 0, 2 or 3 decimals and an amount within the limits, written with at most that many
    decimals (trailing zeros or not) as a text a file could hold."""
    code = draw(st.sampled_from(sorted(DECIMALS)))
    d = DECIMALS[code]
    minor = draw(st.integers(min_value=0, max_value=MAX_CENTS))
    places = draw(st.integers(min_value=0, max_value=d))
    if minor % 10 ** (d - places):
        places = d
    amount = Decimal(minor).scaleb(-d).quantize(Decimal(1).scaleb(-places))
    return code, f"{amount:f}"


class TestRoundTrip:
    @given(written_amounts())
    def test_parse_format_parse_is_exact(self, case: tuple[str, str]) -> None:
        """For 0, 2 and 3 decimals: an amount with at most that many decimals is read, written plainly and
        read again to the same minor units, and the plain text is the same number."""
        code, written = case
        minor = parse_amount(written, code)
        plain = cents_to_decimal(minor, code)
        assert plain == Decimal(written)
        assert parse_amount(str(plain), code) == minor
        assert parse_amount(format_money(minor, code).replace(",", "").lstrip("€¥KWD "), code) == minor

    @given(written_amounts(), st.integers(min_value=1, max_value=9))
    def test_one_more_decimal_is_refused(self, case: tuple[str, str], digit: int) -> None:
        """The same amount with a non-zero digit one place beyond the minor unit is refused."""
        code, written = case
        assume(parse_amount(written, code) < MAX_CENTS)  # one more digit on the largest amount is too large
        d = DECIMALS[code]
        whole, _, frac = written.partition(".")
        finer = f"{whole}.{frac:0<{d}}{digit}"
        with pytest.raises(ValueError, match=rf"at most {d} decimals for {code}|whole cents"):
            parse_amount(finer, code)


class TestContext:
    def test_default_is_two_decimals_and_restored_after_an_error(self) -> None:
        """Outside any context amounts have two decimals; a context is left as it was even on an error."""
        assert amount_currency() == "EUR"
        with pytest.raises(ValueError), amounts_in("JPY"):
            assert amount_currency() == "JPY"
            parse_amount("1.5")
        assert amount_currency() == "EUR"
        assert parse_amount("1.5") == 150

    @pytest.mark.parametrize("code", ["XYZ", None, 42, "jpy"])
    def test_an_unknown_code_reads_two_decimals(self, code: object) -> None:
        """A value the currency validator refuses leaves amounts at two decimals (its refusal says why)."""
        with amounts_in(code) as used:
            assert used == "EUR"
            assert parse_amount("1.25") == 125


class TestContractCurrencyInMessagesAndTables:
    def test_a_contract_level_problem_names_amounts_in_the_contract_currency(self) -> None:
        """Checks across the contract write amounts in its currency (they said euros whatever the currency)."""
        text = with_currency("JPY").replace("budget = 700000", "budget = 800000")
        assert (
            "the fund's budget (JP¥800,000) is more than its contributors commit (JP¥700,000) @ $.payers[0].budget"
            in problem(text)
        )

    def test_ledger_csv_writes_dinar_with_three_decimals(self, tmp_path: object) -> None:
        """``sibkit ledger --csv`` writes each amount in currency units with the currency's decimals."""
        import csv
        import io
        from pathlib import Path

        path = Path(str(tmp_path)) / "kwd.toml"
        path.write_text(with_currency("KWD"), encoding="utf-8")
        result = CliRunner().invoke(main, ["ledger", str(path), "--scenario", "base", "--csv"])
        assert result.exit_code == 0, result.output
        amounts = [row["amount"] for row in csv.DictReader(io.StringIO(result.stdout))]
        assert amounts and all(re.fullmatch(r"-?\d+\.\d{3}", a) for a in amounts)
