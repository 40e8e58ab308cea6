"""The starting contracts behind ``sibkit new``: every kind in every language is a complete,
commented contract that validates and runs as written, marks every number as an assumption,
and takes any name exactly."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import attrs
import pytest
import tomli_w

from sibkit.engine import run, run_scenarios
from sibkit.engine.simulate import sample
from sibkit.load import load_contract, loads, unstructure_contract
from sibkit.model import Contract
from sibkit.model.common import Provenance
from sibkit.starters import KINDS, LANGS, starter_text, write_starter

PAIRS = [(kind, lang) for kind in KINDS for lang in LANGS]
"""Every starter: (kind, language)."""

HOSTILE = 'Pilot "Oost" {{ 7*7 }} <b>'
"""A name that breaks naive quoting, templating and HTML."""

NAMES = [
    HOSTILE,
    "Gemeente Súdwest-Fryslân — pilot 2026",
    r"C:\contracts\new \n \u0041 \\",
    "{name} ${name} %(name)s %s {{ name }} {% if x %}",
    "quotes ' '' ''' \" \"\" \"\"\"",
    "# not a comment = [table]",
    "  spaces around  ",
    "🙂 emoji and ÆØÅ",
]
"""Names that must come back exactly, whatever characters they hold."""

DUTCH = ("de", "het", "een", "van", "wordt", "voor", "aanname", "deelnemers", "betaalt", "sjabloon")
"""Words every Dutch starter's comments use."""

ENGLISH = ("the", "a", "of", "is", "for", "and", "assumption", "participants", "pays", "template")
"""Words every English starter's comments use."""

NOT_DUTCH = ("the", "and", "which", "with", "paid", "every", "must", "should")
"""English words that never occur in a Dutch starter's comments."""

NOT_ENGLISH = ("de", "het", "een", "wordt", "niet", "voor", "betaald", "deelnemer")
"""Dutch words that never occur in an English starter's comments."""


def packaged(kind: str, lang: str) -> str:
    """The starter file exactly as it ships in the package."""
    return (files("sibkit") / "starters" / f"{kind}.{lang}.toml").read_text(encoding="utf-8")


def contract_of(kind: str, lang: str) -> Contract:
    """The starter as a validated contract."""
    return loads(packaged(kind, lang), file=f"{kind}.{lang}.toml")


def comment_words(text: str) -> list[str]:
    """The lower-case words of the full-line comments of a file."""
    comments = " ".join(line.strip()[1:] for line in text.splitlines() if line.strip().startswith("#"))
    return re.findall(r"[a-zà-ÿ_-]+", comments.lower())


def has_number(value: Any) -> bool:
    """Whether ``value`` holds a number that no object of its own documents with a ``provenance`` table."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return False
    if isinstance(value, (int, Decimal, dt.date)):
        return True
    if isinstance(value, (tuple, list)):
        return any(has_number(v) for v in value)
    if isinstance(value, dict):
        return any(has_number(v) for v in value.values())
    if attrs.has(type(value)):
        if any(f.name == "provenance" for f in attrs.fields(type(value))):
            return False  # documents its own numbers
        return any(has_number(getattr(value, f.name)) for f in attrs.fields(type(value)))
    return False


def default_of(field: attrs.Attribute[Any]) -> Any:
    """The default value of an attrs field (``attrs.NOTHING`` for a required one)."""
    d: Any = field.default
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        return d.factory()
    return d


def undocumented(obj: Any, path: str = "$") -> list[str]:
    """Paths of numbers, anywhere in ``obj``, that are not marked by a provenance entry of their object."""
    out: list[str] = []
    if isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            out += undocumented(item, f"{path}[{i}]")
        return out
    if not attrs.has(type(obj)):
        return out
    fields = attrs.fields(type(obj))
    documented = any(f.name == "provenance" for f in fields)
    for f in fields:
        value = getattr(obj, f.name)
        out += undocumented(value, f"{path}.{f.name}")
        if not documented or f.name in ("provenance", "format"):
            continue
        if value == default_of(f) or not has_number(value):
            continue
        if f.name not in obj.provenance:
            out.append(f"{path}.{f.name}")
    return out


def provenances(obj: Any) -> list[Provenance]:
    """Every provenance entry anywhere in ``obj``."""
    if isinstance(obj, Provenance):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [p for item in obj for p in provenances(item)]
    if isinstance(obj, dict):
        return [p for item in obj.values() for p in provenances(item)]
    if attrs.has(type(obj)):
        return [p for f in attrs.fields(type(obj)) for p in provenances(getattr(obj, f.name))]
    return []


def numbers(data: Any) -> list[Any]:
    """Every value of a contract's plain data that is not a text, in order: the contract's numbers,
    dates and switches, without its names, descriptions and ids."""
    if isinstance(data, dict):
        return [x for k, v in data.items() if k != "provenance" for x in numbers(v)]
    if isinstance(data, (list, tuple)):
        return [x for v in data for x in numbers(v)]
    return [] if isinstance(data, str) else [data]


class TestKinds:
    """``KINDS`` and ``LANGS``: the starters that ship."""

    def test_the_four_kinds(self) -> None:
        """The kinds are the four shapes ``sibkit new --like`` offers, in that order."""
        assert KINDS == ("rate-card", "tariff", "cohort-threshold", "sib-with-guarantee")

    def test_two_languages(self) -> None:
        """Every starter comes in Dutch and in English."""
        assert LANGS == ("nl", "en")

    def test_one_file_per_kind_and_language(self) -> None:
        """The data folder holds exactly one file per kind and language, and nothing else."""
        folder = files("sibkit") / "starters"
        shipped = {p.name for p in folder.iterdir() if not p.name.startswith((".", "__"))}
        assert shipped == {f"{kind}.{lang}.toml" for kind, lang in PAIRS}


@pytest.mark.parametrize(("kind", "lang"), PAIRS)
class TestStarterFiles:
    """The packaged starter files, each kind in each language."""

    def test_loads_and_validates(self, kind: str, lang: str) -> None:
        """The file as shipped loads with ``sibkit.load.loads``: every object and every reference is valid."""
        c = contract_of(kind, lang)
        assert c.name.strip()
        assert c.status == "draft"

    def test_has_low_base_and_high_scenarios(self, kind: str, lang: str) -> None:
        """The file has at least a ``base`` scenario plus ``low`` and ``high``."""
        names = {s.name for s in contract_of(kind, lang).scenarios}
        assert {"low", "base", "high"} <= names

    def test_every_scenario_runs(self, kind: str, lang: str) -> None:
        """Every named scenario runs through the engine, with participants and outcome payments."""
        c = contract_of(kind, lang)
        for scenario in c.scenarios:
            res = run(c, scenario.name)
            assert int(res.participants[0]) > 0, scenario.name
            assert int(res.outcome_payments[0]) > 0, scenario.name

    def test_results_grow_from_low_to_high(self, kind: str, lang: str) -> None:
        """The payers pay least in ``low`` and most in ``high``: the scenarios tell a coherent story."""
        c = contract_of(kind, lang)
        paid = {name: int(run(c, name).outcome_payments[0]) for name in ("low", "base", "high")}
        assert paid["low"] < paid["base"] < paid["high"]

    def test_has_an_uncertainty_block(self, kind: str, lang: str) -> None:
        """The ``[uncertainty]`` block ranges every paid outcome of the base scenario and every provider's enrolment."""
        c = contract_of(kind, lang)
        u = c.uncertainty
        assert u is not None
        assert u.scenario == "base"
        assert {o.metric for o in u.outcomes} == {o.metric for o in c.scenario("base").outcomes}
        assert {e.provider for e in u.enrolment} == {p.id for p in c.providers}

    def test_uncertainty_can_be_sampled_and_run(self, kind: str, lang: str) -> None:
        """Draws from the uncertainty block run through the engine (what ``sibkit simulate`` does)."""
        c = contract_of(kind, lang)
        res = run_scenarios(c, sample(c, 64, seed=1))
        assert res.outcome_payments.shape == (64,)
        assert int(res.outcome_payments.max()) > 0

    def test_every_number_is_marked_as_an_assumption(self, kind: str, lang: str) -> None:
        """Every number that differs from its default has a provenance entry on its object."""
        assert undocumented(contract_of(kind, lang)) == []

    def test_every_provenance_is_a_template_assumption(self, kind: str, lang: str) -> None:
        """Every provenance entry is an assumption to replace (no source), worded in the file's language."""
        entries = provenances(contract_of(kind, lang))
        assert entries
        word = {"nl": "Sjabloon", "en": "Template"}[lang]
        for p in entries:
            assert p.source is None and p.assumption is not None
            assert p.assumption.startswith(word), p.assumption

    def test_heavily_commented(self, kind: str, lang: str) -> None:
        """At least one line in five is a comment, and the file opens with a comment block."""
        lines = packaged(kind, lang).splitlines()
        comments = [line for line in lines if line.strip().startswith("#")]
        assert len(comments) >= len(lines) // 5
        assert all(line.startswith("#") for line in lines[:10])

    def test_comments_in_the_files_language(self, kind: str, lang: str) -> None:
        """Dutch files have Dutch comments and no English ones; English files the other way round."""
        words = set(comment_words(packaged(kind, lang)))
        must, never = (DUTCH, NOT_DUTCH) if lang == "nl" else (ENGLISH, NOT_ENGLISH)
        assert set(must) <= words, sorted(set(must) - words)
        assert not set(never) & words, sorted(set(never) & words)

    def test_field_names_stay_english(self, kind: str, lang: str) -> None:
        """The keys of both languages are the same: only texts and ids are translated."""
        other = "en" if lang == "nl" else "nl"

        def keys(data: Any, path: str = "") -> set[str]:
            if isinstance(data, dict):
                return {f"{path}.{k}" for k in data} | {x for k, v in data.items() for x in keys(v, f"{path}.{k}")}
            if isinstance(data, list):
                return {x for v in data for x in keys(v, f"{path}[]")}
            return set()

        assert keys(tomllib.loads(packaged(kind, lang))) == keys(tomllib.loads(packaged(kind, other)))

    def test_both_languages_hold_the_same_numbers(self, kind: str, lang: str) -> None:
        """The Dutch and English starters of a kind are the same contract: the same numbers, in the same places,
        and the same payments in every scenario."""
        other = "en" if lang == "nl" else "nl"
        a, b = contract_of(kind, lang), contract_of(kind, other)
        assert numbers(unstructure_contract(a)) == numbers(unstructure_contract(b))
        for scenario in a.scenarios:
            assert int(run(a, scenario.name).outcome_payments[0]) == int(run(b, scenario.name).outcome_payments[0])

    def test_one_top_level_name_line(self, kind: str, lang: str) -> None:
        """The file has exactly one ``name = "..."`` line before its first table: the line that is replaced."""
        head = packaged(kind, lang).split("\n[", 1)[0]
        assert len([line for line in head.splitlines() if line.startswith("name = ")]) == 1


class TestStarterText:
    """``starter_text(kind, lang, name)``: the starter's text with the given name."""

    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize(("kind", "lang"), PAIRS)
    def test_name_round_trips_exactly(self, kind: str, lang: str, name: str) -> None:
        """Any name reads back as exactly that string, and the text still validates."""
        text = starter_text(kind, lang, name)
        assert tomllib.loads(text)["name"] == name
        assert loads(text).name == name

    def test_hostile_name_is_neither_templated_nor_unquoted(self) -> None:
        """``Pilot "Oost" {{ 7*7 }} <b>`` is written as an escaped TOML string, not evaluated or cut at a quote."""
        text = starter_text("tariff", "nl", HOSTILE)
        assert 'name = "Pilot \\"Oost\\" {{ 7*7 }} <b>"\n' in text
        assert "49" not in text.split("\n[", 1)[0]
        assert loads(text).name == HOSTILE

    @pytest.mark.parametrize("name", NAMES)
    def test_name_line_written_by_tomli_w(self, name: str) -> None:
        """The name line is what ``tomli_w`` writes for ``{"name": name}``."""
        text = starter_text("rate-card", "en", name)
        assert tomli_w.dumps({"name": name}) in text

    @pytest.mark.parametrize(("kind", "lang"), PAIRS)
    def test_only_the_name_line_changes(self, kind: str, lang: str) -> None:
        """Every other line — comments, the parties' own ``name`` lines, numbers — is as shipped."""
        before = packaged(kind, lang).splitlines()
        after = starter_text(kind, lang, HOSTILE).splitlines()
        assert len(before) == len(after)
        changed = [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
        assert len(changed) == 1
        assert before[changed[0]].startswith("name = ") and after[changed[0]].startswith("name = ")

    def test_same_name_gives_the_shipped_file(self) -> None:
        """Given the starter's own name, the text is the shipped file byte for byte."""
        shipped = packaged("sib-with-guarantee", "en")
        own = tomllib.loads(shipped)["name"]
        assert starter_text("sib-with-guarantee", "en", own) == shipped

    def test_unknown_kind_lists_the_choices(self) -> None:
        """An unknown kind is refused with every valid kind in the message, and a suggestion when one is close."""
        with pytest.raises(ValueError) as info:
            starter_text("rate_card", "en", "X")
        message = str(info.value)
        assert message.startswith("unknown kind 'rate_card'; did you mean 'rate-card'?")
        assert "expected one of: rate-card, tariff, cohort-threshold, sib-with-guarantee" in message

    def test_unknown_kind_without_a_close_match(self) -> None:
        """A kind like no other still gets the list of choices."""
        with pytest.raises(ValueError, match=r"^unknown kind 'bond'; expected one of: rate-card, tariff, "):
            starter_text("bond", "en", "X")

    def test_unknown_language_lists_the_choices(self) -> None:
        """An unknown language is refused with both valid languages in the message."""
        with pytest.raises(ValueError, match=r"^unknown language 'de'; expected one of: nl, en$"):
            starter_text("tariff", "de", "X")

    def test_kind_and_language_are_exact(self) -> None:
        """``Tariff`` and ``NL`` are not accepted silently: the choices are exact, lower case."""
        with pytest.raises(ValueError, match="did you mean 'tariff'"):
            starter_text("Tariff", "nl", "X")
        with pytest.raises(ValueError, match="did you mean 'nl'"):
            starter_text("tariff", "NL", "X")

    @pytest.mark.parametrize("name", ["", "   ", "\n\t"])
    def test_empty_name_is_refused(self, name: str) -> None:
        """A contract needs a name: an empty or blank one is refused."""
        with pytest.raises(ValueError, match="name is empty"):
            starter_text("tariff", "en", name)

    @pytest.mark.parametrize(
        ("name", "problem"),
        [
            (
                "pilot \udcff",
                "'pilot \\udcff' has half of a surrogate pair (U+DCFF) at character 7, which is not a character; "
                "a JSON \\u escape of a character beyond U+FFFF needs both halves",
            ),
            (
                "a\nsecond line",
                "'a\\nsecond line' has the line break U+000A (line feed) at character 2; this text is one line: "
                "only a description, purpose, assumption or reason may hold line breaks",
            ),
            (
                "\u0000 control",
                "'\\x00 control' has the control character U+0000 (null) at character 1, which is not text",
            ),
            (
                "Pilot\u202e Oost",
                "'Pilot\\u202e Oost' has the bidirectional control U+202E (right-to-left override) at character 6; "
                "a one-line text holds none: any script shows in its own direction without it, "
                "and it could reverse the text after it",
            ),
        ],
    )
    def test_name_that_is_not_text_is_refused(self, name: str, problem: str) -> None:
        """A name a contract file may not hold (a lone surrogate from a badly decoded file name, a line break,
        a control character, an open right-to-left override) is refused before anything is written."""
        with pytest.raises(ValueError) as err:
            starter_text("tariff", "en", name)
        assert str(err.value) == f"the contract name is not valid text: {problem}"


class TestWriteStarter:
    """``write_starter(path, kind, lang, name, *, overwrite=False)``: the starter written to a file."""

    def test_writes_the_starter_text(self, tmp_path: Path) -> None:
        """The file holds exactly ``starter_text`` in UTF-8 and validates with ``load_contract``."""
        path = tmp_path / "oost.toml"
        write_starter(path, "cohort-threshold", "nl", HOSTILE)
        assert path.read_bytes() == starter_text("cohort-threshold", "nl", HOSTILE).encode("utf-8")
        assert load_contract(path).name == HOSTILE
        assert [p.name for p in tmp_path.iterdir()] == ["oost.toml"]

    def test_accepts_a_text_path(self, tmp_path: Path) -> None:
        """The path may be given as a text."""
        write_starter(str(tmp_path / "new.toml"), "tariff", "en", "New")
        assert load_contract(tmp_path / "new.toml").name == "New"

    def test_refuses_to_overwrite_and_writes_nothing(self, tmp_path: Path) -> None:
        """An existing file raises ``FileExistsError`` and is left as it was; no temporary file is left behind."""
        path = tmp_path / "mine.toml"
        path.write_text("# my own work\n", encoding="utf-8")
        with pytest.raises(FileExistsError):
            write_starter(path, "rate-card", "en", "Other")
        assert path.read_text(encoding="utf-8") == "# my own work\n"
        assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]

    def test_overwrites_when_asked(self, tmp_path: Path) -> None:
        """With ``overwrite=True`` an existing file is replaced by the starter."""
        path = tmp_path / "mine.toml"
        path.write_text("# my own work\n", encoding="utf-8")
        write_starter(path, "sib-with-guarantee", "en", "Replaced", overwrite=True)
        assert load_contract(path).name == "Replaced"
        assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]

    def test_unknown_kind_writes_nothing(self, tmp_path: Path) -> None:
        """An unknown kind raises ``ValueError`` with the choices before anything touches the disk."""
        path = tmp_path / "new.toml"
        with pytest.raises(
            ValueError, match="expected one of: rate-card, tariff, cohort-threshold, sib-with-guarantee"
        ):
            write_starter(path, "rate", "en", "New")
        assert list(tmp_path.iterdir()) == []

    def test_empty_name_writes_nothing(self, tmp_path: Path) -> None:
        """A blank name raises ``ValueError`` and creates no file."""
        with pytest.raises(ValueError, match="name is empty"):
            write_starter(tmp_path / "new.toml", "tariff", "nl", " ")
        assert list(tmp_path.iterdir()) == []
