"""Contract text in more than one language: ``{ nl = "…", en = "…" }`` in a file, a ``Texts`` in the model.

Loading (a plain text stays valid, a table of languages is read, and what is not one is refused with an
exact ``message @ path`` in English and Dutch), the language every output shows a text in (the term
sheet marks a fallback ``[en]``, the terminal does not), and round trips through ``dumps``.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
import pickle
import re
from collections.abc import Iterator

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from test_malformed import MINIMAL

from sibkit.cli import main
from sibkit.errors import ContractFileError, ModelError
from sibkit.i18n import LANGUAGES, Language
from sibkit.load import dumps, load_contract, loads
from sibkit.model import Contract
from sibkit.model.common import text_problem
from sibkit.report.termsheet import render_termsheet
from sibkit.texts import Texts, shown_in, text_in

from conftest import ROOT

LEEUWARDEN = ROOT / "contracts" / "leeuwarden-oost-pilot.toml"
TODAY = dt.date(2024, 6, 1)


def _refused(text: str, fmt: str = "toml") -> ContractFileError:
    with pytest.raises(ContractFileError) as info:
        loads(text, file="a.toml", fmt=fmt)  # type: ignore[arg-type]
    return info.value


def _with_name(value: str) -> str:
    """``MINIMAL`` with its first metric's name written as ``value`` (TOML)."""
    return MINIMAL.replace('name = "Paid work"', f"name = {value}", 1)


def _texts(obj: object) -> Iterator[Texts]:
    """Every ``Texts`` in a contract object."""
    if isinstance(obj, Texts):
        yield obj
    elif attrs.has(type(obj)):
        for a in attrs.fields(type(obj)):  # type: ignore[arg-type]
            yield from _texts(getattr(obj, a.name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _texts(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _texts(item)


class TestTexts:
    def test_default_is_english_else_the_first(self) -> None:
        """As a ``str``, a text per language is its English text, else the first language written."""
        assert str(Texts({"nl": "Nederlands recht", "en": "Dutch law"})) == "Dutch law"
        assert str(Texts({"nl": "Nederlands recht"})) == "Nederlands recht"

    def test_get_says_which_language_it_gave(self) -> None:
        """``get`` gives the text and its language; ``shown_in`` names the language only when it fell back."""
        law = Texts({"nl": "Nederlands recht", "en": "Dutch law"})
        assert law.get("nl") == ("Nederlands recht", "nl")
        assert shown_in(Texts({"en": "Dutch law"}), "nl") == ("Dutch law", "en")
        assert shown_in(law, "nl") == ("Nederlands recht", None)
        assert shown_in("Dutch law", "nl") == ("Dutch law", None)

    def test_equal_only_to_the_same_languages(self) -> None:
        """Two texts are equal with the same text in the same languages; never equal to a plain text, which is
        the text in every language."""
        assert Texts({"nl": "a", "en": "b"}) == Texts({"en": "b", "nl": "a"})
        assert Texts({"nl": "a", "en": "b"}) != Texts({"nl": "c", "en": "b"})
        assert Texts({"en": "b"}) != "b"
        assert operator.ne("b", Texts({"en": "b"}))  # str.__eq__ reflected: the default text alone is not enough
        assert hash(Texts({"nl": "a", "en": "b"})) == hash(Texts({"en": "b", "nl": "a"}))

    def test_is_immutable_and_pickles(self) -> None:
        """A text is frozen like every contract object, and survives pickling (Monte Carlo workers)."""
        law = Texts({"nl": "Nederlands recht", "en": "Dutch law"})
        with pytest.raises(AttributeError):
            law._texts = ()  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(law)) == law

    def test_an_empty_mapping_is_refused(self) -> None:
        """A text per language needs at least one language."""
        with pytest.raises(ValueError, match="at least one language"):
            Texts({})


class TestLoading:
    def test_a_plain_text_stays_a_plain_text(self) -> None:
        """A plain string is still valid, and is read as a plain ``str`` (the text in every language)."""
        c = loads(MINIMAL)
        assert type(c.metrics[0].name) is str
        assert c.metrics[0].name == "Paid work"

    def test_a_table_of_languages_is_read(self) -> None:
        """``{ nl = "…", en = "…" }`` is read as a ``Texts``, in TOML and in JSON."""
        c = loads(_with_name('{ nl = "Betaald werk", en = "Paid work" }'))
        assert c.metrics[0].name == Texts({"nl": "Betaald werk", "en": "Paid work"})
        again = loads(dumps(c, fmt="json"), fmt="json")
        assert again.metrics[0].name == c.metrics[0].name

    def test_prose_per_language_keeps_its_lines(self) -> None:
        """A description per language may hold several lines in each language."""
        text = MINIMAL.replace('name = "Paid work"', 'name = "Paid work"\ndescription.nl = "Eén\\ntwee"', 1)
        assert text_in(loads(text).metrics[0].description, "nl") == "Eén\ntwee"

    @pytest.mark.parametrize(
        ("value", "english", "dutch"),
        [
            (
                '{ de = "Bezahlte Arbeit", en = "Paid work" }',
                "unknown language 'de'; expected one of 'en', 'nl' @ $.metrics[0].name.de",
                "onbekende taal 'de'; verwacht een van: 'en', 'nl' @ $.metrics[0].name.de",
            ),
            (
                '{ nld = "Betaald werk" }',
                "unknown language 'nld'; did you mean 'nl'? expected one of 'en', 'nl' @ $.metrics[0].name.nld",
                "onbekende taal 'nld'; bedoelt u 'nl'? verwacht een van: 'en', 'nl' @ $.metrics[0].name.nld",
            ),
            (
                "{}",
                'expected a text, or a table of texts by language such as { nl = "…", en = "…" }; got an empty table'
                " @ $.metrics[0].name",
                'verwacht een tekst, of een tabel met teksten per taal zoals { nl = "…", en = "…" }; gekregen: een'
                " lege tabel @ $.metrics[0].name",
            ),
            (
                '{ nl = 12, en = "Paid work" }',
                "expected a text, got the number 12 @ $.metrics[0].name.nl",
                "verwacht een tekst, gekregen: het getal 12 @ $.metrics[0].name.nl",
            ),
            (
                '{ nl = "Betaald\\nwerk", en = "Paid work" }',
                "'Betaald\\nwerk' has the line break U+000A (line feed) at character 8; this text is one line: only a"
                " description, purpose, assumption or reason may hold line breaks @ $.metrics[0].name.nl",
                "'Betaald\\nwerk' bevat de regelovergang U+000A (regelopvoer) op positie 8; deze tekst is één regel:"
                " alleen een omschrijving, doel, aanname of reden mag regelovergangen bevatten @ $.metrics[0].name.nl",
            ),
        ],
        ids=["unknown-language", "unknown-language-hint", "empty-table", "not-a-text", "line-break"],
    )
    def test_refused_with_exact_message(self, value: str, english: str, dutch: str) -> None:
        """What is not a text per language is refused at its path, in English and in Dutch."""
        error = _refused(_with_name(value))
        assert error.lines[0] == english
        assert error._lines("nl")[0] == dutch

    def test_every_language_is_checked(self) -> None:
        """The problems of every language of one text are all reported, each at its own path."""
        error = _refused(_with_name('{ nl = 1, de = "x", en = [] }'))
        assert [line.rsplit(" @ ", 1)[1] for line in error.lines[:3]] == [
            "$.metrics[0].name.nl",
            "$.metrics[0].name.de",
            "$.metrics[0].name.en",
        ]

    def test_ids_are_never_per_language(self) -> None:
        """An id, a reference or a currency code stays one plain text: a table there is refused as before."""
        error = _refused(MINIMAL.replace('id = "werk"', 'id = { nl = "werk", en = "work" }', 1))
        assert error.lines[0] == "expected a text, got a table @ $.metrics[0].id"

    def test_a_contract_built_in_python_is_checked_too(self) -> None:
        """A ``Texts`` in a language sibkit does not know, or with a text that is not one line, is a problem of
        the contract built in Python, at the language's path."""
        c = loads(MINIMAL)
        with pytest.raises(ModelError) as info:
            attrs.evolve(c, name=Texts({"de": "Pilot", "en": "Pi\nlot"}))
        assert [p.render() for p in info.value.problems] == [
            "unknown language 'de'; expected one of 'en', 'nl' @ $.name.de",
            "'Pi\\nlot' has the line break U+000A (line feed) at character 3; this text is one line: only a"
            " description, purpose, assumption or reason may hold line breaks @ $.name.en",
        ]


    def test_an_id_built_per_language_in_python_is_refused(self) -> None:
        """A ``Texts`` in a field that is not prose for people (an id, a code) is refused at that field, even
        though its default text would pass the field's own check."""
        c = loads(MINIMAL)
        metric = attrs.evolve(c.metrics[0], id=Texts({"nl": "werk", "en": "werk"}))
        with pytest.raises(ModelError) as info:
            attrs.evolve(c, metrics=(metric, *c.metrics[1:]))
        said = [p.render() for p in info.value.problems]
        assert "expected one text, not a text per language: this field is not prose for people @ $.metrics[0].id" in said


def _sheet(contract: Contract, lang: str, fmt: str = "md") -> str:
    """The term sheet, Markdown's escapes of ``[`` and ``]`` undone (the mark ``[en]`` is written ``\\[en\\]``)."""
    return render_termsheet(contract, lang, fmt, today=TODAY).replace("\\[", "[").replace("\\]", "]")


@pytest.fixture(scope="module")
def leeuwarden() -> Contract:
    return load_contract(LEEUWARDEN)


@pytest.fixture(scope="module")
def dutch_sheet(leeuwarden: Contract) -> str:
    return _sheet(leeuwarden, "nl")


class TestTermSheet:
    def test_dutch_sheet_of_leeuwarden_is_dutch(self, dutch_sheet: str) -> None:
        """The Dutch term sheet of the (bilingual) example shows the Dutch texts, none of the English ones."""
        assert "Nederlands recht" in dutch_sheet
        assert "Dutch law" not in dutch_sheet
        assert "Individual result" not in dutch_sheet
        assert "Individueel resultaat" in dutch_sheet
        assert "[en]" not in dutch_sheet

    def test_no_english_text_of_the_contract_in_the_dutch_sheet(self, leeuwarden: Contract, dutch_sheet: str) -> None:
        """Every text the example gives in Dutch and English appears in the Dutch sheet only in Dutch (a text
        missed by a section would show its English)."""
        plain = dutch_sheet.replace("\\", "")  # Markdown escapes
        english = {t.get("en")[0] for t in _texts(leeuwarden) if t.get("en")[0] != t.get("nl")[0]}
        assert len(english) > 40
        # whole words, not a field path: a short label ("low") is part of other words ("below") and of the
        # annex's field names (uncertainty.outcomes[0].low)
        found = [e for e in english if re.search(rf"(?<![\w.]){re.escape(' '.join(e.split()))}(?!\w)", plain)]
        assert sorted(found) == []

    def test_every_text_of_leeuwarden_is_bilingual(self, leeuwarden: Contract) -> None:
        """Every text of the example given per language is given in Dutch and in English."""
        assert all(set(t.languages) == {"nl", "en"} for t in _texts(leeuwarden))

    @pytest.mark.parametrize("fmt", ["md", "html"])
    def test_a_fallback_is_marked(self, fmt: str) -> None:
        """A text shown in another language than the sheet's is marked with that language: ``[nl]`` after a
        Dutch-only text in an English sheet; in the Dutch sheet it is shown without a mark."""
        law = 'name = "Minimal pilot"\ngoverning_law = { nl = "Nederlands recht" }'
        c = loads(MINIMAL.replace('name = "Minimal pilot"', law))
        assert "Nederlands recht [nl]" in _sheet(c, "en", fmt)
        dutch = _sheet(c, "nl", fmt)
        assert "Nederlands recht" in dutch
        assert "[nl]" not in dutch

    def test_a_fallback_name_is_marked_where_it_is_used(self) -> None:
        """A metric name in English only is marked in the Dutch sheet wherever it is named."""
        c = loads(_with_name('{ en = "Paid work" }'))
        sheet = _sheet(c, "nl")
        assert "### Paid work [en]" in sheet
        assert sheet.count("Paid work") == sheet.count("Paid work [en]")

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_plain_texts_render_as_before(self, lang: str) -> None:
        """A contract whose texts are given in every language the same as its plain texts renders exactly as
        the plain one: texts per language change nothing but the language."""
        plain = loads(MINIMAL)
        both = attrs.evolve(
            plain,
            name=Texts({"nl": plain.name, "en": plain.name}),
            metrics=tuple(attrs.evolve(m, name=Texts({"nl": m.name, "en": m.name})) for m in plain.metrics),
        )
        assert _sheet(both, lang) == _sheet(plain, lang)


class TestTerminal:
    @pytest.mark.parametrize("command", ["explain", "run", "check", "show"])
    def test_dutch_terminal_output_is_dutch(self, command: str) -> None:
        """``sibkit explain``, ``run``, ``check`` and ``show`` in Dutch name the example's metrics in Dutch."""
        result = CliRunner().invoke(main, [command, str(LEEUWARDEN), "--lang", "nl"], env={"COLUMNS": "200"})
        assert result.exit_code in (0, 1), result.output
        assert "Individual result" not in result.output
        assert "Societal result" not in result.output
        assert "[en]" not in result.output

    def test_english_terminal_output_is_english(self) -> None:
        """In English the same tables name the metrics in English."""
        result = CliRunner().invoke(main, ["run", str(LEEUWARDEN), "--lang", "en"], env={"COLUMNS": "200"})
        assert "Individual result (individueel resultaat)" in result.output

    def test_messages_fill_in_the_language(self) -> None:
        """A contract text given to a message is written in the message's language, a fallback without mark."""
        law = Texts({"nl": "Nederlands recht", "en": "Dutch law"})
        assert Language("nl").gettext("%(x)s", x=law) == "Nederlands recht"
        assert Language("nl").value(Texts({"en": "Dutch law"})) == "Dutch law"


# -- properties ------------------------------------------------------------------------------------
_ONE_LINE = st.text(min_size=1, max_size=30).filter(lambda t: text_problem(t) is None)
_BY_LANGUAGE = st.dictionaries(st.sampled_from(LANGUAGES), _ONE_LINE, min_size=1)


@given(_BY_LANGUAGE, st.sampled_from(LANGUAGES))
def test_text_in_gives_the_language_else_the_fallback(by_lang: dict[str, str], lang: str) -> None:
    """A text resolved in a language is that language's text when given, else the English one, else the
    first written."""
    expected = by_lang.get(lang, by_lang.get("en", next(iter(by_lang.values()))))
    assert text_in(Texts(by_lang), lang) == expected
    assert text_in("plain", lang) == "plain"


@given(_BY_LANGUAGE, _BY_LANGUAGE, st.lists(_BY_LANGUAGE, min_size=1, max_size=3), st.sampled_from(["toml", "json"]))
def test_dump_then_load_gives_an_equal_contract(
    name: dict[str, str], metric: dict[str, str], eligibility: list[dict[str, str]], fmt: str
) -> None:
    """A contract with texts per language, written by ``dumps`` and read back, is equal to itself."""
    c = loads(MINIMAL)
    c = attrs.evolve(
        c,
        name=Texts(name),
        metrics=(attrs.evolve(c.metrics[0], name=Texts(metric)), *c.metrics[1:]),
        population=attrs.evolve(c.population, eligibility=tuple(Texts(e) for e in eligibility)),
    )
    assert loads(dumps(c, fmt=fmt), fmt=fmt) == c  # type: ignore[arg-type]


def test_leeuwarden_round_trips() -> None:
    """The bilingual example, written and read back, in TOML and JSON, is equal to itself; JSON writes a text
    per language as an object."""
    c = load_contract(LEEUWARDEN)
    assert loads(dumps(c)) == c
    assert loads(dumps(c, fmt="json"), fmt="json") == c
    assert json.loads(dumps(c, fmt="json"))["governing_law"] == {"nl": "Nederlands recht", "en": "Dutch law"}
