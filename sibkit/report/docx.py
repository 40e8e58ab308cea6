"""A contract's term sheet as a Word document (.docx) an advisor can edit.

``render_docx`` builds the document from the same view model as the Markdown and HTML
term sheets (``termsheet_view``) and in the same section order: it renders the shared
``templates/termsheet/structure.j2`` with Word building blocks instead of Markdown or HTML
ones. Those building blocks write nothing; each records one block (a heading, a paragraph,
a table, ...) that is then added to the document with python-docx. So a section added to
``structure.j2`` appears in Word too, with the same translated headings.

The document uses Word's built-in styles so an advisor can restyle it: ``Title`` for the
title, ``Heading 1`` for the sections, ``Heading 2`` below them, ``List Bullet`` and
``List Number`` for lists, ``Emphasis`` for notes and ``Table Grid`` for every table (the
label-and-value lists of the Markdown version are two-column tables here, as in a
classic term sheet). The page is A4 and the document's language is that of the term sheet.

Contract text is data: every value goes into the document as a plain text run (python-docx
escapes it for XML), never as a template or as markup. Characters XML cannot hold (control
characters) are replaced by U+FFFD, and whitespace is squashed to single spaces as in the
Markdown version, so the two show the same text. The payoff chart is a PNG picture drawn
by ``charts.payoff_chart`` from the same sweep as the view's SVG chart, labels translated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader, StrictUndefined

from sibkit.atomic import write_bytes_atomic
from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.report.templating import templates_dir
from sibkit.report.termsheet import chart_image, compute, termsheet_view

__all__ = ["AUTHOR", "render_docx", "write_docx"]

AUTHOR = "sibkit"
"""The author and last editor recorded in the document's properties."""

_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = Cm(21.0), Cm(29.7), Cm(2.5)
"""A4 with 2.5 cm margins."""

_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters a Word document cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF), and DEL."""

_PROPERTY_LIMIT = 255
"""The most characters python-docx lets a core property (the title) hold; it raises ``ValueError`` beyond."""

_BREAKING = re.compile(r"[ \t\n\r\f\v\x1c-\x1f\x85\u2028\u2029]+")
"""Breaking whitespace; no-break spaces are kept (Babel writes ``€ 3.500,00`` with one)."""

# The building blocks of the shared structure: each records a block and writes nothing.
_MACROS = """\
{% macro title(text) %}{{ emit("title", text) }}{% endmacro %}
{% macro section(label, text, anchor, major=false) %}{{ emit("section", label, text) }}{{ caller() }}{% endmacro %}
{% macro h3(text) %}{{ emit("h3", text) }}{% endmacro %}
{% macro para(text) %}{{ emit("para", text) }}{% endmacro %}
{% macro note(text) %}{{ emit("note", text) }}{% endmacro %}
{% macro bullets(items) %}{{ emit("bullets", items) }}{% endmacro %}
{% macro numbered(items) %}{{ emit("numbered", items) }}{% endmacro %}
{% macro fields(pairs) %}{{ emit("fields", pairs) }}{% endmacro %}
{% macro table(headers, rows, kind="") %}{{ emit("table", headers, rows, kind) }}{% endmacro %}
{% macro figure(chart) %}{{ emit("figure", chart) }}{% endmacro %}
"""
_TEMPLATES = {
    "termsheet/macros.docx.j2": _MACROS,
    "termsheet/termsheet.docx.j2": '{% import "termsheet/macros.docx.j2" as m %}{% include "termsheet/structure.j2" %}',
}


def _property(text: str) -> str:
    """``text`` cut to fit a core property: at most ``_PROPERTY_LIMIT`` characters, the last an ellipsis
    when cut (a long contract name makes a long title; the document itself keeps it whole)."""
    return text if len(text) <= _PROPERTY_LIMIT else text[: _PROPERTY_LIMIT - 1].rstrip() + "…"


def _text(value: object) -> str:
    """``value`` as text Word can hold, on one line: as the Markdown version shows it, unescaped."""
    text = _NOT_XML.sub("\ufffd", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return _BREAKING.sub(" ", text).strip(" ")


# -- the blocks of the shared structure --------------------------------------------------------------------
Block = tuple[Any, ...]


def _blocks(view: dict[str, Any]) -> list[Block]:
    """The term sheet of ``view`` as blocks in order, from ``structure.j2`` with recording macros.

    Messages are translated as in the other formats, values filled in as plain text.
    """
    language = Language(view["lang"])
    blocks: list[Block] = []

    def emit(kind: str, *args: Any) -> str:
        blocks.append((kind, *args))
        return ""

    env = Environment(
        loader=ChoiceLoader([DictLoader(_TEMPLATES), FileSystemLoader(templates_dir())]),
        undefined=StrictUndefined,
        autoescape=False,
        extensions=["jinja2.ext.i18n"],
    )

    env.install_gettext_callables(language.gettext, language.ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals["emit"] = emit
    env.get_template("termsheet/termsheet.docx.j2").render(v=view)
    return blocks


# -- building the document ---------------------------------------------------------------------------------
def _repeat_as_header(table: Table) -> None:
    """The table's first row is repeated at the top of every page the table runs onto."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


_TEXT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
"""The width a table may take: the page less its margins (EMU)."""

_CHAR = Cm(0.2)
"""The width of an average character of the body font at 10 pt, with room for the cell's padding: enough
that a column as wide as its longest word times this never breaks that word."""


def column_widths(cells: Sequence[Sequence[str]], columns: int) -> list[int]:
    """Column widths (EMU) for a table of ``cells`` (rows of text) across the page's text width.

    Word breaks a word that does not fit its column in the middle ("€ 193.2|00,00"), so every column first
    gets the width of its longest word (an amount with its no-break space is one word), then the rest of the
    width is shared in proportion to how much longer each column's longest text is. When the longest words
    alone are wider than the page, the widths are scaled down to fit (a word then breaks: nothing else can
    be done on the page)."""
    longest_word = [1] * columns
    longest_text = [1] * columns
    for row in cells:
        for col, text in enumerate(row[:columns]):
            words = re.split(r"[ \t\n]+", text)  # the no-break space (U+00A0) is not a place to break
            longest_word[col] = max(longest_word[col], *(len(word) for word in words))
            longest_text[col] = max(longest_text[col], min(len(text), 60))
    least = [n * _CHAR for n in longest_word]
    spare = _TEXT_WIDTH - sum(least)
    if spare <= 0:
        return [int(w * _TEXT_WIDTH / sum(least)) for w in least]
    wish = [max(t - w, 0) for t, w in zip(longest_text, longest_word, strict=True)]
    total_wish = sum(wish) or 1
    return [int(w + spare * x / total_wish) for w, x in zip(least, wish, strict=True)]


def _no_wrap(cell: Any) -> None:
    """Keep a cell's text (an amount) on one line: Word's ``w:noWrap``."""
    properties = cell._tc.get_or_add_tcPr()
    properties.append(OxmlElement("w:noWrap"))


def _table(document: Document, headers: Sequence[object] | None, rows: Sequence[Sequence[object]], kind: str) -> None:
    """A ``Table Grid`` table: a bold header row (when given) repeated on each page, one row per item.

    In a table of figures every column but the first is right-aligned; in a table of fields
    (no header) the first column, the labels, is bold.
    """
    width = max([len(headers or ()), *(len(r) for r in rows)])
    table = document.add_table(rows=len(rows) + (1 if headers else 0), cols=width)
    table.style = document.styles["Table Grid"]
    lines: list[tuple[Sequence[object], bool]] = [(list(headers), True)] if headers else []
    lines.extend((row, False) for row in rows)
    widths = column_widths([[_text(v) for v in values] for values, _ in lines], width)
    table.autofit = False
    for tr, (values, header) in zip(table.rows, lines, strict=True):
        for col, (cell, value) in enumerate(zip(tr.cells, values, strict=False)):
            cell.width = widths[col]
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(_text(value))
            if header or (headers is None and col == 0):
                run.bold = True
            if kind == "figures" and col > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if not header:
                    _no_wrap(cell)
    if headers:
        _repeat_as_header(table)
    document.add_paragraph()


def _figure(document: Document, chart: dict[str, Any], png: bytes) -> None:
    """The chart as a picture the width of the text, with its description as alternative text."""
    document.add_picture(io.BytesIO(png), width=_PAGE_WIDTH - 2 * _MARGIN)
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", _text(chart["alt"]))


def _add(document: Document, block: Block, png: Callable[[str], bytes]) -> None:
    kind, *args = block
    if kind == "title":
        document.add_paragraph(_text(args[0]), style="Title")
    elif kind == "section":
        # page 1, the decision summary, has no number
        document.add_paragraph(_text(f"{args[0]}. {args[1]}" if args[0] else args[1]), style="Heading 1")
    elif kind == "h3":
        document.add_paragraph(_text(args[0]), style="Heading 2")
    elif kind == "para":
        document.add_paragraph(_text(args[0]))
    elif kind == "note":
        document.add_paragraph().add_run(_text(args[0]), style="Emphasis")
    elif kind in ("bullets", "numbered"):
        style = "List Bullet" if kind == "bullets" else "List Number"
        for item in args[0]:
            document.add_paragraph(_text(item), style=style)
    elif kind == "fields":
        _table(document, None, args[0], "fields")
    elif kind == "table":
        _table(document, args[0], args[1], args[2])
    elif kind == "figure":
        _figure(document, args[0], png(args[0]["kind"]))
    else:  # pragma: no cover - the macros above emit only these
        raise ValueError(f"unknown block {kind!r}")


def _set_language(document: Document, tag: str) -> None:
    """Mark all text as ``tag`` (``nl-NL``), so Word checks the spelling in the right language."""
    r_pr = document.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if r_pr is None:  # pragma: no cover - python-docx's template has one
        return
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), tag)


def _drop_thumbnail(document: Document) -> None:
    """Leave out python-docx's template thumbnail, a picture of some other document."""
    rels = document.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RELATIONSHIP_TYPE.THUMBNAIL]:
        del rels[rid]


def render_docx(contract: Contract, lang: str, *, today: dt.date, simulate_n: int | None = None) -> bytes:
    """The term sheet of ``contract`` in ``lang`` (``nl``, ``en``) as the bytes of a Word document.

    The sections, texts and tables are those of ``render_termsheet``; the payoff chart is a PNG
    picture. ``today`` is the date shown in the header and the document's creation date;
    ``simulate_n`` adds a Monte Carlo summary of that many scenarios. Raises ``ValueError`` for
    an unknown language or a ``simulate_n`` below 1.
    """
    language = Language(lang)
    if simulate_n is not None and simulate_n < 1:
        raise ValueError(f"the number of Monte Carlo scenarios must be at least 1, got {simulate_n}")
    computed = compute(contract, simulate_n)  # once: the view's text and the pictures show the same results
    view = termsheet_view(contract, lang, today=today, computed=computed)
    blocks = _blocks(view)

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = _PAGE_WIDTH, _PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = _MARGIN
    tag = language.locale.replace("_", "-")  # the language's Babel locale as a BCP 47 tag: nl_NL -> nl-NL
    _set_language(document, tag)

    images: dict[str, bytes] = {}

    def png(kind: str) -> bytes:
        """A chart of the view as PNG: the same engine results and translated labels as its SVG."""
        if kind not in images:
            images[kind] = chart_image(contract, language, computed, kind, "png")
        return images[kind]

    for block in blocks:
        _add(document, block, png)

    created = dt.datetime(today.year, today.month, today.day)
    props = document.core_properties
    props.title = _property(next((_text(b[1]) for b in blocks if b[0] == "title"), _text(language.text(contract.name))))
    props.author = props.last_modified_by = AUTHOR
    props.created = props.modified = created
    props.revision = 1
    props.comments = ""
    props.language = tag
    _drop_thumbnail(document)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_docx(path: str | Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write a rendered Word document to ``path`` atomically: the old file or the new one, never a part.

    Refuses to replace an existing file unless ``overwrite`` (``FileExistsError``, the file untouched).
    """
    write_bytes_atomic(Path(path), data, overwrite=overwrite)
