"""Building blocks shared by every contract object: identifiers, units, provenance.

Units, everywhere in the model:

* money: ``Cents`` (int, cents of the contract currency); written in files in
  currency units (``3500`` or ``"3500.00"``);
* shares, weights and rates: ``Decimal`` fractions (``0.7`` is 70%); files may
  also write ``"70%"``; annual rates are fractions per year (``0.05`` is 5% a year);
* time: whole months counted from the contract start (month 0 is the start month).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, NewType

import attrs
from babel.numbers import get_currency_precision, list_currencies

from sibkit.errors import FieldProblem, show
from sibkit.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_CENTS,
    MAX_DECIMAL_PLACES,
    MAX_MONTHS,
    MAX_NUMBER,
    MAX_PARTICIPANTS,
    MAX_RATE,
    MAX_UNITS,
)
from sibkit.money import cents_to_decimal

__all__ = [
    "Fraction01",
    "Id",
    "Months",
    "Provenance",
    "Rate",
    "Source",
    "annual_rate",
    "bounded_decimal",
    "check_provenance",
    "date_in_range",
    "fraction_in_unit",
    "money_amount",
    "month_count",
    "month_number",
    "non_negative_int",
    "participants",
    "percent",
    "positive_int",
    "positive_participants",
    "rank",
    "unit_count",
    "valid_currency",
    "valid_id",
]

Id = NewType("Id", str)
"""A short identifier of a party, metric, rule or tranche: lower case letters, digits, ``-`` and ``_``."""

Months = NewType("Months", int)
"""A whole number of months (non-negative)."""

Fraction01 = NewType("Fraction01", Decimal)
"""A share between 0 and 1 inclusive (``0.7`` or ``"70%"`` in a file)."""

Rate = NewType("Rate", Decimal)
"""A non-negative annual rate or a non-negative ratio (``0.05`` is 5% a year)."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def percent(x: Decimal) -> str:
    """A fraction as a percentage for messages: ``Decimal('0.95')`` → ``95%``, ``0.125`` → ``12.5%``."""
    return f"{(x * 100).normalize():f}%"


def valid_id(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: an identifier as ``Id`` describes."""
    if not isinstance(value, str) or not _ID.match(value):
        raise FieldProblem(
            attribute.name,
            f"expected an identifier of lower-case letters, digits, '-' or '_', got {show(value)}",
        )


def valid_currency(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: an ISO 4217 code that Babel knows, whose minor unit is a hundredth (sibkit holds
    money in hundredths of the currency unit: cents, pence, paise...)."""
    if not isinstance(value, str) or not value.isascii() or not value.isalpha() or not value.isupper():
        raise FieldProblem(attribute.name, f"expected an ISO 4217 currency code such as 'EUR', got {show(value)}")
    if value not in list_currencies():
        raise FieldProblem(attribute.name, f"{show(value)} is not an ISO 4217 currency code known to sibkit")
    decimals = get_currency_precision(value)
    if decimals != 2:
        raise FieldProblem(
            attribute.name,
            f"{value} has {decimals} decimal places; sibkit computes in hundredths of a currency unit and "
            "supports only currencies with two decimal places for now",
        )


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """attrs validator: an ``int`` (not ``bool``) of at least 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldProblem(attribute.name, f"expected a whole number of at least 0, got {show(value)}")


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """attrs validator: an ``int`` (not ``bool``) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldProblem(attribute.name, f"expected a whole number of at least 1, got {show(value)}")


def _places(value: Decimal) -> int:
    """Digits after the decimal point of ``value`` once trailing zeros are dropped (``0.70`` has 1)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    digits = value.as_tuple().digits
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - zeros)


def _check_places(attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if _places(value) > MAX_DECIMAL_PLACES:
        raise FieldProblem(
            attribute.name,
            f"expected at most {MAX_DECIMAL_PLACES} digits after the decimal point, got {show(value)}",
        )


def fraction_in_unit(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """attrs validator: a ``Decimal`` between 0 and 1 inclusive, with at most ``MAX_DECIMAL_PLACES`` decimals."""
    if not isinstance(value, Decimal) or not value.is_finite() or not (0 <= value <= 1):
        big = isinstance(value, Decimal) and value.is_finite() and 1 < value <= 100
        hint = f'; write {value / 100} or "{value}%"' if big else ""
        raise FieldProblem(attribute.name, f"expected a share between 0 and 1 (0% and 100%), got {show(value)}{hint}")
    _check_places(attribute, value)


def bounded_decimal(high: int, what: str = "a number") -> Callable[[object, attrs.Attribute[Any], Decimal], None]:
    """attrs validator: a ``Decimal`` from 0 to ``high`` with at most ``MAX_DECIMAL_PLACES`` decimals."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise FieldProblem(attribute.name, f"expected {what} of at least 0, got {show(value)}")
        if value > high:
            raise FieldProblem(attribute.name, f"expected {what} of at most {high:,}, got {show(value)}")
        _check_places(attribute, value)

    return check


non_negative_decimal = bounded_decimal(MAX_NUMBER)
"""attrs validator: a ``Decimal`` from 0 to ``MAX_NUMBER`` (100,000), at most 9 decimals."""

annual_rate = bounded_decimal(MAX_RATE, "a rate")
"""attrs validator: an annual rate from 0 to ``MAX_RATE`` (10, i.e. 1,000% a year), at most 9 decimals."""


def _bounded_int(
    low: int, high: int, what: str, *, show_value: Callable[[int], str] = show
) -> Callable[[object, attrs.Attribute[Any], int], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise FieldProblem(attribute.name, f"expected {what} of at least {low}, got {show(value)}")
        if value > high:
            raise FieldProblem(
                attribute.name, f"expected {what} of at most {show_value(high)}, got {show_value(value)}"
            )

    return check


def _euros(cents: int) -> str:
    return f"{cents_to_decimal(cents)}"


money_amount = _bounded_int(0, MAX_CENTS, "an amount", show_value=_euros)
"""attrs validator: cents from 0 to ``MAX_CENTS`` (€10^12); messages write euros, as files do."""

participants = _bounded_int(0, MAX_PARTICIPANTS, "a number of participants")
"""attrs validator: a count of participants from 0 to ``MAX_PARTICIPANTS``."""

positive_participants = _bounded_int(1, MAX_PARTICIPANTS, "a number of participants")
"""attrs validator: a count of participants from 1 to ``MAX_PARTICIPANTS``."""

month_number = _bounded_int(0, MAX_MONTHS, "a month number")
"""attrs validator: a month counted from the contract start, 0 to ``MAX_MONTHS``."""

month_count = _bounded_int(1, MAX_MONTHS, "a number of months")
"""attrs validator: a length in months, 1 to ``MAX_MONTHS`` (50 years)."""

unit_count = _bounded_int(1, MAX_UNITS, "a number of units")
"""attrs validator: units per participant, 1 to ``MAX_UNITS``."""

rank = _bounded_int(1, 1000, "a rank")
"""attrs validator: a seniority rank, 1 to 1,000."""


def date_in_range(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: a date from ``FIRST_DATE`` to ``LAST_DATE`` (``None`` passes)."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise FieldProblem(
            attribute.name,
            f"expected a date from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}, got {show(value)}",
        )


def optional(
    validator: Callable[[Any, attrs.Attribute[Any], Any], None],
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Apply ``validator`` unless the value is ``None``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


@attrs.frozen(kw_only=True)
class Source:
    """A document a contract's numbers come from (an article, a council decision, a fact sheet)."""

    id: str = attrs.field(validator=valid_id)
    """How provenance entries refer to this source."""
    title: str
    """The document's title."""
    author: str = ""
    """Author or publisher."""
    date: str = ""
    """Publication date as written in the source (free text, e.g. ``2024-02-14``)."""
    url: str = ""
    """Where to find it, if public."""


@attrs.frozen(kw_only=True)
class Provenance:
    """Where one number came from: a source (with a locator) or a stated assumption.

    Exactly one of ``source`` and ``assumption`` is given.
    """

    source: str | None = None
    """Id of an entry in the contract's ``sources``."""
    locator: str = ""
    """Where in the source: page, line, table (``S000:L39``)."""
    assumption: str | None = None
    """The reasoning behind a number the sources do not give."""

    def __attrs_post_init__(self) -> None:
        if (self.source is None) == (self.assumption is None):
            raise FieldProblem("source", "give exactly one of 'source' or 'assumption'")
        if self.assumption is not None and not self.assumption.strip():
            raise FieldProblem("assumption", "an assumption must say what was assumed and why")


def check_provenance(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Provenance]) -> None:
    """attrs validator: provenance keys name fields of the same object."""
    names = {a.name for a in attrs.fields(type(instance))} - {"provenance"}  # type: ignore[arg-type]
    for key in value:
        if key not in names:
            raise FieldProblem(
                attribute.name,
                f"provenance given for unknown field {key!r}; expected one of: {', '.join(sorted(names))}",
            )


def provenance_field() -> Any:
    """The ``provenance`` field every object carrying numbers has (field name → Provenance)."""
    return attrs.field(factory=dict, validator=check_provenance)
