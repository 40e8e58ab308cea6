"""Facts: the typed values a sentence is built from, and ``N_``, the mark of a message.

Analysis code (and the loader, when it refuses a contract file) never writes a sentence: it
returns a message, an English msgid marked with ``N_``, and the facts to fill it with (``Money``,
``Month``, ``Share``, ``Count`` …, or a ``Phrase``: a small message with facts of its own). The
language layer, ``sibkit.i18n``, writes them in the requested language at the edge.

This module is the lowest floor of the package (it imports nothing from sibkit), so that
``sibkit.errors`` and ``sibkit.money`` can raise errors made of facts too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import attrs

__all__ = [
    "N_",
    "Count",
    "Date",
    "Decimal_",
    "Fact",
    "Listing",
    "Money",
    "Month",
    "Multiple",
    "Phrase",
    "Rate",
    "Share",
    "Word",
]


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogue; it is translated where it is used."""
    return message


# -- facts: typed values that become words only at the edge ----------------------------------------
@attrs.frozen
class Money:
    """An amount in whole cents (the minor unit: yen of JPY, fils of KWD) of ``currency`` (ISO 4217)."""

    cents: int
    currency: str


@attrs.frozen
class Month:
    """A calendar month (the day is ignored), written ``januari 2023`` / ``January 2023``."""

    date: dt.date


@attrs.frozen
class Date:
    """A calendar day, written ``1 januari 2023`` / ``1 January 2023``."""

    date: dt.date


@attrs.frozen
class Share:
    """A share or rate as written in a contract (``0.0725``), exact to four decimals of a percent."""

    value: Decimal | Fraction


@attrs.frozen
class Rate:
    """A computed rate or chance (an IRR, a probability), one decimal of a percent; NaN is "undefined"."""

    value: float


@attrs.frozen
class Multiple:
    """A money multiple (``1.25×``); NaN is "undefined"."""

    value: float


@attrs.frozen
class Count:
    """A whole number of things (participants, months, results), written with grouping."""

    value: int


@attrs.frozen
class Decimal_:
    """A plain number as written (a level ``0.9``, a factor), with the locale's decimal mark."""

    value: Decimal


@attrs.frozen
class Word:
    """A word or phrase from the catalogue (marked with ``N_``), translated when written: an enum value,
    a kind of rule. Names from the contract are ``str`` and never go through the catalogue; one given per
    language (a ``sibkit.texts.Texts``) is written in the sentence's language."""

    message: str


@attrs.frozen
class Listing:
    """Several facts written as one list: ``A, B and C`` / ``A, B en C`` (``and``), ``A, B, C`` (``comma``)
    or ``A; B; C`` (``semicolon``); with ``quoted`` each item in single quotes (``'A', 'B'``), as names of
    rules and segments are quoted in sentences."""

    items: tuple[Fact, ...]
    joined: Literal["and", "comma", "semicolon"] = "comma"
    quoted: bool = False


@attrs.frozen
class Phrase:
    """A small message (marked with ``N_``) with its own facts, used as one fact of a larger sentence: an item
    of a list, or a party described by its role (``the investor %(name)s``)."""

    message: str
    facts: tuple[tuple[str, Fact], ...]

    @classmethod
    def of(cls, message: str, **facts: Fact) -> Phrase:
        """``Phrase(message, facts)`` with the facts given by name."""
        return cls(message, tuple(facts.items()))


Fact = Money | Month | Date | Share | Rate | Multiple | Count | Decimal_ | Word | Listing | Phrase | str
"""A value a sentence is built from: typed so every language writes it its own way, plain ``str`` for names."""
