"""Findings as data: every message of every check is in the catalogue, facts and messages match, JSON carries facts."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from sibkit.checks import REGISTRY, Finding, _load_all, run_checks
from sibkit.checks.finding import MESSAGES, Clause, message_for, messages, placeholders
from sibkit.cli import main
from sibkit.i18n import Count, Language, Listing, Money, Month, Phrase, Word, fact_json
from sibkit.load import load_contract

from conftest import CONTRACTS, EXAMPLE, ROOT

_load_all()  # every check module registers its messages on import
CATALOGUE = ROOT / "sibkit" / "locale" / "nl" / "LC_MESSAGES" / "sibkit.po"


@cache
def _dutch() -> dict[str, str]:
    with CATALOGUE.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale="nl") if isinstance(m.id, str) and m.id}


@cache
def _findings() -> tuple[Finding, ...]:
    """Every finding the checks report for the contracts shipped in ``contracts/``."""
    return tuple(f for path in sorted(CONTRACTS.glob("*.toml")) for f in run_checks(load_contract(path)))


def _text(part: str | Clause) -> str:
    return part.text if isinstance(part, Clause) else part


class TestMessages:
    def test_every_check_has_messages(self) -> None:
        """Every registered check code has at least one message kind, and the properties search has its three."""
        _load_all()
        codes = {code for code, _ in MESSAGES}
        assert set(REGISTRY) <= codes
        assert {"SIB-PROP-001", "SIB-PROP-002", "SIB-PROP-003"} <= codes

    @pytest.mark.parametrize("key", sorted(MESSAGES))
    def test_every_part_is_in_the_catalogue_with_its_placeholders(self, key: tuple[str, str]) -> None:
        """Each part of each message of each check has a Dutch translation with exactly the same placeholders
        (the catalogue may reorder them, not lose or add one)."""
        _load_all()
        for part in message_for(*key).parts():
            text = _text(part)
            if not placeholders(text) and not text.strip(" .,;:"):
                continue  # punctuation only: nothing to translate
            assert text in _dutch(), (key, text)
            assert placeholders(_dutch()[text]) == placeholders(text), (key, text)

    def test_registering_a_kind_twice_fails(self) -> None:
        """A second message for the same code and kind is refused, so no check silently replaces another's."""
        _load_all()
        code, kind = next(iter(MESSAGES))
        with pytest.raises(ValueError, match=f"message {code}/{kind} is registered twice"):
            messages(code, {kind: MESSAGES[(code, kind)]})


class TestFacts:
    def test_every_fact_is_used_and_every_placeholder_given(self) -> None:
        """Every finding on the shipped contracts is built (so its facts passed the check at construction:
        each fact used by its message, each always-written placeholder given) and renders in both languages."""
        found = _findings()
        assert len(found) > 40
        for f in found:
            assert set(f.facts) <= f.message.names() and f.message.required() <= set(f.facts)
            for lang in ("en", "nl"):
                assert f.title(lang) and f.explanation(lang) and f.mitigation(lang)

    def test_a_fact_the_message_does_not_use_is_refused(self) -> None:
        """A finding with a fact its message never writes is a bug in the check: refused when it is built."""
        with pytest.raises(ValueError, match=r"SIB-PROP-002/order: facts not in its message \['extra'\]"):
            Finding(code="SIB-PROP-002", kind="order", severity="error", path="$", facts={"message": "x", "extra": "y"})

    def test_a_missing_placeholder_is_refused(self) -> None:
        """A finding without a fact its always-written sentence needs is refused when it is built, not when a
        term sheet is rendered."""
        with pytest.raises(ValueError, match=r"placeholders without a fact \['message'\]"):
            Finding(code="SIB-PROP-002", kind="order", severity="error", path="$", facts={})

    def test_an_optional_clause_needs_no_fact(self) -> None:
        """A clause whose fact is absent is left out: the liquidity explanation without a first payment month."""
        message = message_for("SIB-CASH-001", "zero-capital")
        assert "first_month" in message.names() and "first_month" not in message.required()

    def test_kinds_seen_on_the_shipped_contracts(self) -> None:
        """The shipped contracts exercise most message kinds, so the fact test above is not vacuous."""
        seen = {(f.code, f.kind) for f in _findings()}
        assert len(seen) >= 15

    def test_dutch_sentence_is_written_from_the_same_facts(self) -> None:
        """The liquidity finding of the pilot says the same numbers in both languages, each in its own format:
        −€51,650 in month 13 (February 2024) / € -51.650,00 in maand 13 (februari 2024)."""
        (f,) = [f for f in run_checks(load_contract(EXAMPLE)) if f.code == "SIB-CASH-001"]
        assert f.title("en") == "Dreamfabryk runs out of cash: €51,650.00 short in month 13 (February 2024)"
        assert f.title("nl") == "Dreamfabryk komt in maand 13 (februari 2024) €\u00a051.650,00 tekort"


class TestJson:
    def test_liquidity_facts_in_cents_and_months(self) -> None:
        """`check --format json` gives the pilot's Dreamfabryk finding as data: kind ``zero-both`` (cash below zero at the
        expected results; its buffer is too small for the costs before the first payment, and the payments
        after it come too late), the lowest cash
        −€51,650.00 as 5,165,000 cents below zero in month 13 (February 2024, the contract starting January
        2023), 28 of the 36 months below zero; the existing keys stay."""
        result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--format", "json"])
        assert result.exit_code == 0, result.output
        (cash,) = [f for f in json.loads(result.stdout) if f["code"] == "SIB-CASH-001"]
        assert cash["kind"] == "zero-both" and cash["severity"] == "error"
        facts = cash["facts"]
        assert facts["provider"] == "Dreamfabryk"
        assert facts["lowest"] == {"cents": -5_165_000, "currency": "EUR"}
        assert facts["month_number"] == 13 and facts["month"] == "2024-02"
        assert facts["months_below_zero"] == 28 and facts["term"] == 36
        assert facts["minimum"] == {"cents": 1_000_000, "currency": "EUR"}
        assert facts["facility"] == {"cents": 6_165_000, "currency": "EUR"}
        assert cash["title_en"] == "Dreamfabryk runs out of cash: €51,650.00 short in month 13 (February 2024)"
        assert list(cash)[:9] == [
            "code",
            "severity",
            "title_en",
            "title_nl",
            "explanation_en",
            "explanation_nl",
            "mitigation_en",
            "mitigation_nl",
            "path",
        ]


class TestListingAndPhrase:
    def test_lists_are_joined_in_the_language(self) -> None:
        """A list of names reads "A, B and C" in English and "A, B en C" in Dutch; one name stands alone."""
        names = Listing(("A", "B", "C"), "and")
        assert Language("en").value(names) == "A, B and C"
        assert Language("nl").value(names) == "A, B en C"
        assert Language("nl").value(Listing(("A",), "and")) == "A"
        assert Language("en").value(Listing(("A", "B"), "semicolon")) == "A; B"

    def test_a_phrase_is_written_with_its_own_facts(self) -> None:
        """A phrase (a party described by its role) is translated and filled in with its own facts."""
        phrase = Phrase.of("the investor %(name)s", name="Fonds")
        assert Language("nl").value(phrase) == "de investeerder Fonds"
        assert Language("en").value(Listing((phrase, Word("the providers themselves")), "and")) == (
            "the investor Fonds and the providers themselves"
        )

    def test_facts_json(self) -> None:
        """Facts for JSON: money in cents, months as YYYY-MM, counts as integers, lists as lists (quotes are for
        sentences only), phrases as their template with their own facts."""
        facts = {
            "lowest": Money(-12_50, "EUR"),
            "month": Month(dt.date(2024, 2, 1)),
            "term": Count(36),
            "rules": Listing(("a", "b"), "and", quoted=True),
            "who": Listing((Phrase.of("tranche %(tranche)s", tranche="senior"),)),
        }
        assert {k: fact_json(v) for k, v in facts.items()} == {
            "lowest": {"cents": -1250, "currency": "EUR"},
            "month": "2024-02",
            "term": 36,
            "rules": ["a", "b"],
            "who": [{"phrase": "tranche %(tranche)s", "tranche": "senior"}],
        }
        assert Language("en").value(facts["rules"]) == "'a' and 'b'"
        f = Finding(code="SIB-PROP-002", kind="order", severity="error", path="$", facts={"message": "moved"})
        assert f.facts_json() == {"message": "moved"}
