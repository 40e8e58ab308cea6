"""The Dutch glossary (docs/glossary.nl.md) is enforced: one word per concept.

The glossary's table of terms has a column "Niet gebruiken" (terms not to use). No Dutch text sibkit ships may
contain any of them as a whole word, case-insensitively: not a msgstr of the Dutch catalogue, not a page
``docs/*.nl.md`` (the glossary itself aside), not a Dutch starter contract ``sibkit/starters/*.nl.toml``, and
not the Dutch column of the term sheet's bilingual glossary (``sibkit.report.termsheet.vocabulary.GLOSSARY``).
Literal quotations listed in the glossary's table of exceptions are skipped. Every chosen term (bold in the
column "Nederlands") occurs in the catalogue at least once, so the glossary documents real choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from sibkit.report.termsheet.vocabulary import GLOSSARY

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY_FILE = ROOT / "docs" / "glossary.nl.md"
CATALOGUE = ROOT / "sibkit" / "locale" / "nl" / "LC_MESSAGES" / "sibkit.po"

TERMS_HEADING = "## Termen"
EXCEPTIONS_HEADING = "## Uitzonderingen"
NONE = {"–", "-", ""}


@dataclass(frozen=True)
class Row:
    english: str
    chosen: tuple[str, ...]
    banned: tuple[str, ...]


def _table(text: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after ``heading`` (header and separator rows left out)."""
    start = text.index(heading)
    rows: list[list[str]] = []
    started = False
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            started = True
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif started:
            break
    assert len(rows) >= 2, f"no table under {heading!r} in {GLOSSARY_FILE.name}"
    return rows[2:]


def parse_glossary(text: str) -> tuple[list[Row], list[str]]:
    """The glossary's rows (English term, chosen Dutch terms, banned terms) and its excepted passages."""
    rows = []
    for cells in _table(text, TERMS_HEADING):
        assert len(cells) == 4, f"a glossary row needs 4 cells, got {cells}"
        english, dutch, _explanation, banned = cells
        chosen = tuple(re.findall(r"\*\*(.+?)\*\*", dutch))
        assert chosen, f"the glossary row for {english!r} marks no chosen Dutch term in bold"
        bans = () if banned in NONE else tuple(t.strip() for t in banned.split(",") if t.strip())
        rows.append(Row(english, chosen, bans))
    exceptions = [cells[1] for cells in _table(text, EXCEPTIONS_HEADING)]
    return rows, exceptions


def banned_pattern(term: str) -> re.Pattern[str]:
    """``term`` as a whole word (letters, digits, '-' and '_' do not continue it), case-insensitive."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)


CODE = re.compile(r"`[^`\n]*`|%\([A-Za-z_]+\)[sd]|\{[A-Za-z_]+(?:![rs])?\}")
"""Code inside Dutch text, not words: inline code, and placeholders (``%(cap)s``, ``{name}``)."""


def words_only(text: str) -> str:
    """``text`` without its code and placeholders, which keep their English names."""
    return CODE.sub(" ", text)


def markdown_prose(text: str) -> str:
    """A Markdown page without its fenced code blocks (commands and program output: the Dutch output comes from
    the catalogue, which is checked itself, and the English output is English)."""
    return re.sub(r"^```.*?^```", lambda m: "\n" * m.group().count("\n"), text, flags=re.MULTILINE | re.DOTALL)


def toml_prose(text: str) -> list[tuple[int, str]]:
    """The Dutch in a TOML starter, by line number: comments and string values, not keys or table names
    (``[[caps]]``, ``cashable = true`` are the contract format's English field names)."""
    prose: list[tuple[int, str]] = []
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            closing = line.find('"""')
            prose.append((number, line if closing < 0 else line[:closing]))
            in_multiline = closing < 0
            continue
        if '"""' in line:
            before, _, after = line.partition('"""')
            in_multiline = '"""' not in after
            prose.append((number, after.split('"""')[0]))
            line = before
        strings = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
        rest = re.sub(r'"(?:[^"\\]|\\.)*"', "", line)
        comment = rest.partition("#")[2]
        prose.extend((number, part) for part in [*strings, comment] if part)
    return prose


def find_banned(texts: dict[str, str], rows: list[Row], exceptions: list[str]) -> list[str]:
    """Every (place, banned term) found, as readable lines; ``texts`` maps a place to its Dutch text."""
    found = []
    for place, text in texts.items():
        text = words_only(text)
        for passage in exceptions:
            text = text.replace(passage, " ")
        for row in rows:
            for term in row.banned:
                match = banned_pattern(term).search(text)
                if match:
                    snippet = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
                    found.append(
                        f"{place}: uses {term!r} (glossary: {row.english!r} is {' / '.join(row.chosen)!r}) "
                        f"in …{snippet}…"
                    )
    return found


def catalogue_texts() -> dict[str, str]:
    """Each msgstr of the Dutch catalogue, keyed by a label naming its msgid."""
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    texts = {}
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for i, string in enumerate(strings):
            suffix = f"[{i}]" if len(strings) > 1 else ""
            texts[f"sibkit.po msgstr{suffix} for msgid {msgid!r}"] = string or ""
    return texts


def file_texts() -> dict[str, str]:
    """The Dutch docs pages (the glossary aside) and the Dutch starter contracts."""
    paths = [p for p in sorted((ROOT / "docs").glob("*.nl.md")) if p != GLOSSARY_FILE]
    paths += sorted((ROOT / "sibkit" / "starters").glob("*.nl.toml"))
    assert paths, "no Dutch docs or starters found"
    texts: dict[str, str] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            lines = list(enumerate(markdown_prose(text).splitlines(), start=1))
        else:
            lines = toml_prose(text)
        for number, line in lines:
            place = f"{path.relative_to(ROOT)}:{number}"
            texts[place] = f"{texts.get(place, '')} {line}".strip()
    return texts


@pytest.fixture(scope="module")
def glossary() -> tuple[list[Row], list[str]]:
    return parse_glossary(GLOSSARY_FILE.read_text(encoding="utf-8"))


class TestGlossaryParsing:
    def test_the_table_has_the_required_concepts(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, _ = glossary
        english = " | ".join(row.english for row in rows)
        for concept in (
            "outcome payer", "outcome payment", "investor", "guarantee", "provider", "intermediary", "deadweight",
            "counterfactual", "cohort", "difficulty segment", "break even", "cap", "threshold", "term sheet",
            "value for money", "savings", "cashable", "present value", "discount rate", "budget year",
            "appropriation", "residual", "tranche", "senior / junior",
        ):  # fmt: skip
            assert concept in english, f"the glossary has no row for {concept!r}"

    def test_known_wrong_terms_are_banned(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, _ = glossary
        banned = {term.lower() for row in rows for term in row.banned}
        for term in ("o-alternatief", "dode last", "zwaarte-segment", "draait quitte", "quitte draaien"):
            assert term in banned, f"{term!r} is not in the glossary's column 'Niet gebruiken'"

    def test_no_term_is_both_chosen_and_banned(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, _ = glossary
        chosen = {term.lower() for row in rows for term in row.chosen}
        banned = {term.lower() for row in rows for term in row.banned}
        assert not chosen & banned, f"chosen and banned at once: {sorted(chosen & banned)}"


class TestSelfCheck:
    """The check finds a planted wrong term, so a pass means something."""

    def test_a_planted_wrong_term_is_found(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, exceptions = glossary
        planted = {"planted msgstr": "De verbetering ten opzichte van het O-alternatief (dode last)."}
        found = find_banned(planted, rows, exceptions)
        assert any("'o-alternatief'" in line and "planted msgstr" in line for line in found), found
        assert any("'dode last'" in line for line in found), found

    def test_whole_words_only(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, exceptions = glossary
        clean = {"clean": "het nulalternatief, zwaartesegmenten, de uitvoeringskosten, return_cap = { irr = 0.08 }"}
        assert find_banned(clean, rows, exceptions) == []

    def test_an_excepted_quotation_is_skipped_but_not_the_word_elsewhere(
        self, glossary: tuple[list[Row], list[str]]
    ) -> None:
        rows, exceptions = glossary
        assert exceptions, "the glossary lists no exceptions"
        assert find_banned({"quote": f"'{exceptions[0]}, dat is de wereld op z'n kop.'"}, rows, exceptions) == []
        assert find_banned({"prose": "De uitvoerder betaalt de kosten."}, rows, exceptions)

    def test_starter_comments_and_strings_are_checked_but_not_keys(self) -> None:
        starter = '# het o-alternatief\n[[caps]]\ncashable = true\nname = "Dode last"\ndescription = """\nzwaarte-segment\n"""\n'
        assert toml_prose(starter) == [
            (1, " het o-alternatief"),
            (4, "Dode last"),
            (5, ""),
            (6, "zwaarte-segment"),
            (7, ""),
        ]

    def test_markdown_prose_keeps_line_numbers(self) -> None:
        page = "een\n```console\nafter caps\n```\nhet o-alternatief\n"
        assert markdown_prose(page).splitlines()[4] == "het o-alternatief"


class TestDutchTextFollowsTheGlossary:
    def test_catalogue(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, exceptions = glossary
        found = find_banned(catalogue_texts(), rows, exceptions)
        assert not found, "terms the glossary rejects, in the Dutch catalogue:\n" + "\n".join(found)

    def test_docs_and_starters(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, exceptions = glossary
        found = find_banned(file_texts(), rows, exceptions)
        assert not found, "terms the glossary rejects, in Dutch docs or starters:\n" + "\n".join(found)

    def test_term_sheet_glossary(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, exceptions = glossary
        texts = {f"vocabulary.GLOSSARY entry {nl!r} ({en})": nl for nl, en in GLOSSARY}
        found = find_banned(texts, rows, exceptions)
        assert not found, "terms the glossary rejects, in the term sheet's glossary:\n" + "\n".join(found)

    def test_every_chosen_term_occurs_in_the_catalogue(self, glossary: tuple[list[Row], list[str]]) -> None:
        rows, _ = glossary
        translations = "\n".join(catalogue_texts().values()).lower()
        missing = [
            f"{row.english!r}: {term!r}" for row in rows for term in row.chosen if term.lower() not in translations
        ]
        assert not missing, "glossary terms that no msgstr of the Dutch catalogue uses:\n" + "\n".join(missing)
