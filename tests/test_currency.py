"""Any ISO 4217 currency with two decimal places (issue #11, model gaps)."""

from __future__ import annotations

import pytest
from babel.numbers import get_currency_precision, list_currencies
from hypothesis import given
from hypothesis import strategies as st

from sibkit.engine import run
from sibkit.errors import ContractFileError
from sibkit.load import loads

from conftest import EXAMPLE

PILOT = EXAMPLE.read_text(encoding="utf-8")
TWO_DECIMALS = sorted(c for c in list_currencies() if get_currency_precision(c) == 2)


def with_currency(code: str) -> str:
    assert 'currency = "EUR"' in PILOT
    return PILOT.replace('currency = "EUR"', f'currency = "{code}"')


class TestCurrency:
    @given(st.sampled_from(TWO_DECIMALS))
    def test_every_two_decimal_code_loads_and_computes(self, code: str) -> None:
        """Every code Babel knows with two decimals is accepted and computes the same cents as euros."""
        c = loads(with_currency(code), file="x.toml")
        assert c.currency == code
        assert int(run(c, "base").outcome_payments[0]) == 333_900_00

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("JPY", "JPY has 0 decimal places; sibkit computes in hundredths of a currency unit and supports only "
             "currencies with two decimal places for now @ $.currency"),
            ("KWD", "KWD has 3 decimal places; sibkit computes in hundredths of a currency unit and supports only "
             "currencies with two decimal places for now @ $.currency"),
            ("XYZ", "'XYZ' is not an ISO 4217 currency code known to sibkit @ $.currency"),
            ("eur", "expected an ISO 4217 currency code such as 'EUR', got 'eur' @ $.currency"),
        ],
    )
    def test_refused_with_the_reason(self, code: str, message: str) -> None:
        """Codes sibkit cannot compute in are refused with the field path and the reason."""
        with pytest.raises(ContractFileError) as info:
            loads(with_currency(code), file="x.toml")
        assert message in str(info.value)
