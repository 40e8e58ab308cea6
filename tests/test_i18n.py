"""The language layer's facts: typed values written per language, and their JSON form."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

import pytest

from sibkit.i18n import (
    N_,
    Count,
    Date,
    Decimal_,
    Language,
    Money,
    Month,
    Multiple,
    Rate,
    Share,
    Word,
    fact_json,
)


class TestValue:
    @pytest.mark.parametrize(
        ("fact", "en", "nl"),
        [
            (Money(350000, "EUR"), "€3,500.00", "€\u00a03.500,00"),
            (Month(dt.date(2025, 3, 1)), "March 2025", "maart 2025"),
            (Date(dt.date(2025, 3, 1)), "1 March 2025", "1 maart 2025"),
            (Share(Decimal("0.0725")), "7.25%", "7,25%"),
            (Share(Fraction(1, 3)), "33.33%", "33,33%"),
            (Rate(0.0534), "5.3%", "5,3%"),
            (Rate(math.nan), "undefined", "onbepaald"),
            (Multiple(1.25), "1.25×", "1,25×"),
            (Count(12345), "12,345", "12.345"),
            (Decimal_(Decimal("0.9")), "0.9", "0,9"),
            (Word(N_("undefined")), "undefined", "onbepaald"),
            ("Dreamfabryk", "Dreamfabryk", "Dreamfabryk"),
        ],
    )
    def test_each_fact_in_each_language(self, fact: object, en: str, nl: str) -> None:
        """Every kind of fact is written by the locale's rules (CLDR via Babel), names as they are."""
        assert Language("en").value(fact) == en  # type: ignore[arg-type]
        assert Language("nl").value(fact) == nl  # type: ignore[arg-type]


class TestSay:
    def test_message_with_facts(self) -> None:
        """A message's placeholders are filled with its facts, each written in the language."""
        facts = {"lowest": Money(-125050, "EUR"), "month": Month(dt.date(2026, 1, 1))}
        assert Language("nl").say("%(lowest)s in %(month)s", facts) == "€\u00a0-1.250,50 in januari 2026"
        assert Language("en").say("%(lowest)s in %(month)s", facts) == "-€1,250.50 in January 2026"

    def test_count_fills_d_and_s(self) -> None:
        """A count fills ``%(n)d`` as a bare number and ``%(n)s`` with the locale's grouping."""
        assert Language("nl").say("%(n)d / %(n)s", {"n": Count(1500)}) == "1500 / 1.500"

    def test_missing_fact(self) -> None:
        """A placeholder without a fact is a programming error, raised as ``%`` formatting would."""
        with pytest.raises(KeyError, match="month"):
            Language("en").say("in %(month)s", {})


class TestFactJson:
    def test_json_forms(self) -> None:
        """Machines get exact values: cents and currency, ISO months, exact shares, null for undefined rates."""
        assert fact_json(Money(-5, "EUR")) == {"cents": -5, "currency": "EUR"}
        assert fact_json(Month(dt.date(2026, 1, 15))) == "2026-01"
        assert fact_json(Date(dt.date(2026, 1, 15))) == "2026-01-15"
        assert fact_json(Share(Decimal("0.7"))) == "0.7"
        assert fact_json(Rate(math.nan)) is None
        assert fact_json(Rate(0.05)) == 0.05
        assert fact_json(Count(3)) == 3
        assert fact_json(Word("parking")) == "parking"
        assert fact_json("Dreamfabryk") == "Dreamfabryk"
