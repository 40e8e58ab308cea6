"""The term sheet as a Word document: the Markdown term sheet's sections, texts and tables, read back with python-docx.

The Leeuwarden example (``contracts/leeuwarden-oost-pilot.toml``) is rendered on 1 June 2024
in Dutch and English, once per module, and compared with the Markdown rendering of the same
contract: same headings in the same order, same table cells, same "no data" sentences.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import attrs
import docx
import pytest
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from test_termsheet import EMPTY_MESSAGES, MINIMAL

from sibkit.errors import ModelError
from sibkit.i18n import Language
from sibkit.load import load_contract, loads
from sibkit.model import Contract
from sibkit.report import charts
from sibkit.report.docx import _text as _word_text
from sibkit.report.docx import render_docx, write_docx
from sibkit.report.termsheet import render_termsheet

from conftest import EXAMPLE, ROOT

TODAY = dt.date(2024, 6, 1)
HOSTILE = "{{ 7*7 }} <script>"
ENGINE_CONTRACTS = sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))

_MD_ESCAPED = re.compile(r"\\([\\`*_\[\]{}#|!])")


# -- reading documents back --------------------------------------------------------------------------------
def _open(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def _unescape(markdown: str) -> str:
    """Markdown text as shown: backslash escapes and HTML entities undone."""
    return html.unescape(_MD_ESCAPED.sub(r"\1", markdown))


def _md_headings(markdown: str, prefix: str) -> list[str]:
    return [_unescape(line[len(prefix) :]) for line in markdown.splitlines() if line.startswith(prefix)]


def _docx_headings(document: Document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style is not None and p.style.name == style]


def _md_tables(markdown: str) -> list[list[list[str]]]:
    """Every Markdown table as rows of unescaped cells, the separator line left out."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not all(set(c) == {"-"} for c in cells):
                rows.append([_unescape(c) for c in cells])
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def _md_section(markdown: str, label: str) -> str:
    """The lines of the Markdown section ``label`` (``10``), up to the next section."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"## {label}. "))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end])


def _cells(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def _text(document: Document) -> str:
    """All text of the document, paragraphs and table cells, one per line."""
    lines = [p.text for p in document.paragraphs]
    lines += [cell for table in document.tables for row in _cells(table) for cell in row]
    return "\n".join(lines)


# -- shared renderings -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def example() -> Contract:
    return load_contract(EXAMPLE)


@pytest.fixture(scope="module")
def documents(example: Contract) -> dict[str, bytes]:
    """The example's Word term sheet per language."""
    return {lang: render_docx(example, lang, today=TODAY) for lang in ("en", "nl")}


@pytest.fixture(scope="module")
def markdowns(example: Contract) -> dict[str, str]:
    """The example's Markdown term sheet per language."""
    return {lang: render_termsheet(example, lang, "md", today=TODAY) for lang in ("en", "nl")}


# -- render_docx -------------------------------------------------------------------------------------------
class TestRenderDocx:
    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_headings_match_markdown(self, documents: dict[str, bytes], markdowns: dict[str, str], lang: str) -> None:
        """Title, sections (Heading 1) and sub-sections (Heading 2) are the Markdown's #, ## and ### lines, in order."""
        document = _open(documents[lang])
        md = markdowns[lang]
        sections = _docx_headings(document, "Heading 1")
        assert len(sections) == 20
        assert sections == _md_headings(md, "## ")
        assert _docx_headings(document, "Heading 2") == _md_headings(md, "### ")
        assert _docx_headings(document, "Title") == _md_headings(md, "# ")
        assert document.paragraphs[0].style is not None and document.paragraphs[0].style.name == "Title"

    def test_dutch_section_names(self, documents: dict[str, bytes]) -> None:
        """The Dutch document speaks Dutch, the English one English."""
        nl = _docx_headings(_open(documents["nl"]), "Heading 1")
        en = _docx_headings(_open(documents["en"]), "Heading 1")
        assert nl[0] == "Samenvatting voor het besluit" and en[0] == "Decision summary"
        assert nl[1] == "1. Partijen en rollen" and en[1] == "1. Parties and roles"
        assert nl[-1] == "Bijlage C. Bevindingen over prikkels, volledig uitgewerkt" and en[-1] == "Annex C. Incentive findings in full"

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_tables_match_markdown(self, documents: dict[str, bytes], markdowns: dict[str, str], lang: str) -> None:
        """Every Markdown table is a Word table with the same header and cells, in the same order (the
        label-and-value lists are extra two-column tables in Word)."""
        tables = [_cells(t) for t in _open(documents[lang]).tables]
        md_tables = _md_tables(markdowns[lang])
        assert len(md_tables) >= 8
        it = iter(tables)
        for md_table in md_tables:
            assert any(t == md_table for t in it), md_table[0]

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_header_fields(self, documents: dict[str, bytes], markdowns: dict[str, str], lang: str) -> None:
        """The header's label-and-value list (status, version, date, ...) is the first table, as in Markdown."""
        md = markdowns[lang].split("\n## ", 1)[0]
        pairs = [
            [_unescape(label), _unescape(value)]
            for label, value in re.findall(r"^- \*\*(.*?):\*\* (.*)$", md, flags=re.MULTILINE)
        ]
        assert len(pairs) == 5
        assert _cells(_open(documents[lang]).tables[0]) == pairs
        assert ("1 juni 2024" if lang == "nl" else "1 June 2024") in pairs[2]

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_tables_use_table_grid(self, documents: dict[str, bytes], lang: str) -> None:
        """Every table has Word's built-in Table Grid style, so an advisor can restyle them all at once."""
        tables = _open(documents[lang]).tables
        assert tables
        for table in tables:
            assert table.style is not None and table.style.name == "Table Grid"

    def test_providers_in_a_table(self, documents: dict[str, bytes], example: Contract) -> None:
        """The parties table names each provider."""
        for lang in ("en", "nl"):
            cells = {cell for table in _open(documents[lang]).tables for row in _cells(table) for cell in row}
            for provider in example.providers:
                assert provider.name in cells, (lang, provider.name)

    @pytest.mark.parametrize(("lang", "amount"), [("nl", "€\u00a0333.900,00"), ("en", "€333,900.00")])
    def test_scenario_table(
        self, documents: dict[str, bytes], markdowns: dict[str, str], lang: str, amount: str
    ) -> None:
        """The scenario table holds the Markdown version's formatted amounts (the Dutch ones with a no-break space)."""
        md_table = _md_tables(_md_section(markdowns[lang], "10"))[0]
        assert len(md_table) > 5
        assert amount in {cell for row in md_table for cell in row}
        assert md_table in [_cells(t) for t in _open(documents[lang]).tables]

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_chart_is_a_png_picture(self, documents: dict[str, bytes], example: Contract, lang: str) -> None:
        """The payoff chart is an inline PNG picture with alternative text, labels restored afterwards."""
        document = _open(documents[lang])
        assert len(document.inline_shapes) >= 1
        blobs = [part.blob for part in document.part.package.iter_parts() if part.partname.startswith("/word/media/")]
        assert not any(part.partname.startswith("/docProps/thumbnail") for part in document.part.package.iter_parts())
        assert blobs and all(blob.startswith(b"\x89PNG\r\n\x1a\n") for blob in blobs)
        alt = document.inline_shapes[0]._inline.docPr.get("descr")
        assert alt == Language(lang).gettext("Payoff chart of %(contract)s", contract=example.name)
        assert charts.LABELS["money_panel"] == "Payer cost and provider margin"

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_properties(self, documents: dict[str, bytes], lang: str) -> None:
        """Title, author sibkit, created on ``today``, A4 pages, text marked in the term sheet's language."""
        document = _open(documents[lang])
        props = document.core_properties
        assert props.title == document.paragraphs[0].text
        assert props.author == "sibkit" and props.last_modified_by == "sibkit"
        assert props.created == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
        tag = "nl-NL" if lang == "nl" else "en-GB"
        assert props.language == tag
        defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        assert defaults is not None
        lang_element = defaults.find(qn("w:lang"))
        assert lang_element is not None and lang_element.get(qn("w:val")) == tag
        section = document.sections[0]
        assert section.page_width is not None and round(section.page_width.cm, 1) == 21.0
        assert section.page_height is not None and round(section.page_height.cm, 1) == 29.7

    def test_hostile_name_is_literal(self, example: Contract) -> None:
        """A contract name that looks like a template and HTML is shown exactly as written, never evaluated."""
        contract = attrs.evolve(example, name=HOSTILE)
        document = _open(render_docx(contract, "en", today=TODAY))
        title = document.paragraphs[0].text
        assert title == f"Term sheet: {HOSTILE}"
        assert document.core_properties.title == title
        assert "Term sheet: 49" not in _text(document)

    def test_text_word_cannot_hold_never_reaches_it(self, example: Contract) -> None:
        """A contract cannot hold a control character (the model refuses it, see tests/test_text.py); any
        other text Word cannot hold becomes U+FFFD instead of breaking the document, and line breaks become
        spaces, as in Markdown; a ``$`` in the name is shown as written."""
        with pytest.raises(ModelError):
            attrs.evolve(example, name="Pilot\x00 $5")
        assert _word_text("Pilot\x00 $5\x0b\x7f line\nbreak\ufffe") == "Pilot\ufffd $5\ufffd\ufffd line break\ufffd"
        contract = attrs.evolve(example, name="Pilot $5")
        document = _open(render_docx(contract, "nl", today=TODAY))
        assert document.paragraphs[0].text == "Term sheet: Pilot $5"
        assert len(document.inline_shapes) == 2  # the payoff chart and the cash over time

    @pytest.mark.parametrize("length", [243, 244, 300, 1000])  # 1,000: the longest name a contract may have
    def test_long_name_is_whole_in_the_text_and_cut_in_the_title_property(
        self, example: Contract, length: int
    ) -> None:
        """A name of 244 characters or more ("Term sheet: " makes the title 256 or more) no longer
        breaks the document: the heading holds the whole name; the title property, which python-docx
        limits to 255 characters, keeps the first 254 and an ellipsis."""
        name = "Werk " * (length // 5) + "x" * (length % 5)
        assert len(name) == length
        document = _open(render_docx(attrs.evolve(example, name=name), "en", today=TODAY))
        heading = document.paragraphs[0].text
        assert heading == f"Term sheet: {name}".rstrip(" ")
        title = document.core_properties.title
        if len(heading) <= 255:
            assert title == heading
        else:
            assert len(title) <= 255 and title.endswith("…")
            assert heading.startswith(title[:-1])

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_each_empty_section_says_so(self, lang: str) -> None:
        """For the minimal contract every "no data" sentence of the Markdown version is in the document,
        and no section is dropped."""
        contract = loads(MINIMAL)
        document = _open(render_docx(contract, lang, today=TODAY))
        text = _text(document)
        for message in EMPTY_MESSAGES[lang]:
            assert message in text, message
        md = render_termsheet(contract, lang, "md", today=TODAY)
        assert _docx_headings(document, "Heading 1") == _md_headings(md, "## ")

    @pytest.mark.parametrize("path", ENGINE_CONTRACTS, ids=lambda p: p.stem)
    def test_engine_contracts(self, path: Path) -> None:
        """Contracts with tranches, guarantees, fees, cohort rules and savings give the Markdown's tables."""
        contract = load_contract(path)
        document = _open(render_docx(contract, "en", today=TODAY))
        tables = [_cells(t) for t in document.tables]
        for md_table in _md_tables(render_termsheet(contract, "en", "md", today=TODAY)):
            assert md_table in tables, md_table[0]
        assert "8. Financing" in _docx_headings(document, "Heading 1")

    def test_monte_carlo(self) -> None:
        """With a number of scenarios the simulation tables are in the document, as in Markdown."""
        contract = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        document = _open(render_docx(contract, "nl", today=TODAY, simulate_n=20))
        assert "20 willekeurig getrokken scenario's (seed 0)." in _text(document)
        headers = [_cells(t)[0] for t in document.tables]
        assert ["Tranche", "Kans op verlies", "Verwacht verlies"] in [h[:3] for h in headers]

    def test_bad_arguments(self, example: Contract) -> None:
        """An unknown language or fewer than one Monte Carlo scenario is refused."""
        with pytest.raises(ValueError, match="unknown language 'de'"):
            render_docx(example, "de", today=TODAY)
        with pytest.raises(ValueError, match="at least 1"):
            render_docx(example, "en", today=TODAY, simulate_n=0)


# -- write_docx --------------------------------------------------------------------------------------------
class TestWriteDocx:
    def test_writes_and_refuses_to_overwrite(self, tmp_path: Path, documents: dict[str, bytes]) -> None:
        """The bytes are written as they are; a second write without overwrite raises and leaves the file intact."""
        target = tmp_path / "termsheet.docx"
        write_docx(target, documents["nl"])
        assert target.read_bytes() == documents["nl"]
        with pytest.raises(FileExistsError):
            write_docx(target, documents["en"])
        assert target.read_bytes() == documents["nl"]
        assert [p.name for p in tmp_path.iterdir()] == ["termsheet.docx"]
        write_docx(str(target), documents["en"], overwrite=True)
        assert target.read_bytes() == documents["en"]
        assert _open(target.read_bytes()).paragraphs[0].text.startswith("Term sheet: ")


class TestTablesDoNotBreakWords:
    """Found by an advisor opening the Word sheet: narrow columns broke amounts in the middle
    ("€ 193.2" / "00,00")."""

    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_every_column_holds_its_longest_word(self, documents: dict[str, bytes], lang: str) -> None:
        """Each column is at least as wide as its longest word (an amount with its no-break space counts as
        one), at the width of a character the layout assumes; together they stay within the page."""
        from sibkit.report.docx import _CHAR, _TEXT_WIDTH

        for table in _open(documents[lang]).tables:
            texts = [[cell.text for cell in row.cells] for row in table.rows]
            columns = len(table.columns)
            longest = [max(len(w) for row in texts for w in re.split(r"[ \t\n]+", row[c])) for c in range(columns)]
            if sum(longest) * _CHAR > _TEXT_WIDTH:
                continue  # words wider than the page: nothing fits, the widths are scaled (checked below)
            widths = [table.rows[0].cells[c].width for c in range(columns)]
            for c in range(columns):
                assert widths[c] is not None and widths[c] >= longest[c] * _CHAR - 635, (texts[0], c)
            assert sum(w or 0 for w in widths) <= _TEXT_WIDTH + 635 * columns  # Word keeps widths in twips (635 EMU)

    def test_amounts_stay_on_one_line(self, documents: dict[str, bytes]) -> None:
        """Every figure in a table of figures (right-aligned) is marked not to wrap."""
        document = _open(documents["nl"])
        marked = 0
        for table in document.tables:
            for row in table.rows[1:]:
                for cell in row.cells[1:]:
                    if cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT:
                        assert cell._tc.tcPr is not None and cell._tc.tcPr.find(qn("w:noWrap")) is not None
                        marked += 1
        assert marked > 20
