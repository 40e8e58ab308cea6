"""``sibkit.report.words``: the one place a rule, a frequency, a unit or a file code becomes words."""

from __future__ import annotations

import pytest

from sibkit.engine.ledger import Reason, Why
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.report.words import (
    CAP_LEVEL,
    FREQUENCY_EVERY,
    INVESTOR_KIND,
    METRIC_KIND,
    break_even_sentence,
    fixed,
    ledger_reason,
    level,
    names,
    prices,
    rule_sentence,
    table_money,
    table_rate,
    tranche_type,
    word,
)
from sibkit.sweep import BreakEven

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
EN, NL = Language("en"), Language("nl")


class TestWords:
    def test_tariff_prices(self) -> None:
        """Leeuwarden's tariff: €3,500 per participant split 70/20/10, in both languages."""
        c = load_contract(EXAMPLE)
        assert prices(EN, c, c.rules[0])[0][1] == "70% of €3,500.00 per participant"
        assert prices(NL, c, c.rules[0])[0][1] == "70% van €\u00a03.500,00 per deelnemer"

    def test_rule_sentence_for_a_cohort_rule(self) -> None:
        """The SIB's cohort rule pays only from a 10% improvement."""
        c = load_contract(SIB)
        assert rule_sentence(EN, c, c.rules[0]) == "per cohort, only from a 10% improvement in 'Reconviction events'"
        assert rule_sentence(NL, c, c.rules[0]).startswith("per cohort, pas vanaf 10% verbetering")

    def test_file_codes_become_words(self) -> None:
        """Codes are translated words; an unknown code is written as it is, underscores as spaces."""
        assert word(NL, METRIC_KIND, "cohort_change") == "verandering in een cohort"
        assert word(EN, INVESTOR_KIND, "impact_fund") == "impact fund"
        assert word(NL, CAP_LEVEL, "payer") == "betaler"
        assert word(NL, FREQUENCY_EVERY, "end") == "aan het eind van het contract"
        assert word(NL, CAP_LEVEL, "a_newer_level") == "a newer level"

    def test_tranche_types(self) -> None:
        """A loan is ``loan``/``lening``, not its class name."""
        c = load_contract(SIB)
        assert {tranche_type(EN, t) for t in c.tranches} == {"loan"}
        assert {tranche_type(NL, t) for t in c.tranches} == {"lening"}

    def test_names(self) -> None:
        """``A``, ``A and B``, ``A, B en C``."""
        assert names(EN, ["A"]) == "A" and names(EN, ["A", "B"]) == "A and B"
        assert names(NL, ["A", "B", "C"]) == "A, B en C"

    @pytest.mark.parametrize(
        ("lang", "expected"),
        [(EN, ("30.67%", "0.952×", "1.50", "€1,234.50")), (NL, ("30,67%", "0,952×", "1,50", "€\u00a01.234,50"))],
    )
    def test_table_numbers(self, lang: Language, expected: tuple[str, str, str, str]) -> None:
        """Rates with two decimals, levels with at most three, fixed decimals, money rounded half up to the cent
        (123,449.5 cents is €1,234.50)."""
        assert (
            table_rate(lang, 0.3067),
            level(lang, 0.952),
            fixed(lang, 1.5, 2),
            table_money(lang, 123_449.5, "EUR"),
        ) == expected

    def test_undefined_numbers_are_a_dash(self) -> None:
        """NaN rates and undefined money are written as a dash, in every language."""
        assert table_rate(NL, float("nan")) == "–" and table_money(NL, None, "EUR") == "–"

    def test_break_even_sentence(self) -> None:
        """A jump at 0.5 (found inside the bracket 0.45–0.5): the level where it jumps, said in either language."""
        point = BreakEven(what="principal_back", party="senior", level=0.5, below=0.45, above=0.5, method="jump")
        levels = (0.0, 0.45, 0.5, 1.0)
        assert break_even_sentence(EN, point, "Tranche senior (Bank)", "base", levels) == (
            "Tranche senior (Bank) gets its principal back (guarantees included) from 0.5× the 'base' success rates, "
            "where the result jumps."
        )
        assert break_even_sentence(NL, point, "Tranche senior (Bank)", "base", levels) == (
            "Tranche senior (Bank) krijgt de hoofdsom terug (garanties meegeteld) vanaf 0,5× de succespercentages "
            "van 'base'; bij dat niveau maakt de uitkomst een sprong."
        )

    def test_break_even_never(self) -> None:
        """No level reaches the target: the range swept is named, with 0% written as in the message."""
        point = BreakEven(what="irr_zero", party="sub", level=None, below=None, above=None, method="never")
        text = break_even_sentence(EN, point, "Tranche sub (Fund)", "base", (0.0, 0.45))
        assert text == (
            "Tranche sub (Fund) does not earn an IRR of at least 0% at any level swept (0× to 0.45× the 'base' "
            "success rates)."
        )

    def test_irr_reasons_follow_the_engine(self) -> None:
        """The words for an undefined IRR are the engine's English reasons (the JSON's), translated in Dutch."""
        from sibkit.engine.irr import IRR_REASONS
        from sibkit.report.words import IRR_REASON, irr_reason

        assert {code: irr_reason(EN, code) for code in IRR_REASON} == {k: v for k, v in IRR_REASONS.items() if k}
        assert irr_reason(NL, 2) == "meer dan één tekenwissel: het rendement is niet eenduidig"


class TestLedgerReason:
    @pytest.mark.parametrize("why", list(Why))
    def test_english_is_the_engines_text(self, why: Why) -> None:
        """In English a reason reads exactly as the engine's text (the CSV's and the JSON's), for every kind."""
        reason = Reason(why, "senior", "Provider A")
        assert ledger_reason(EN, reason) == str(reason)

    @pytest.mark.parametrize("why", list(Why))
    def test_dutch_keeps_the_names(self, why: Why) -> None:
        """In Dutch every kind has its own words, and the names it refers to stay as the contract wrote them."""
        reason = Reason(why, "senior", "Provider A")
        dutch = ledger_reason(NL, reason)
        assert dutch != str(reason)
        for name in ("senior", "Provider A"):
            assert (name in dutch) == (name in str(reason))
