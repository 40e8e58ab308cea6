"""Text in a contract: what a name, a description and an id may hold, and that no output can be hijacked by it.

The rule is ``sibkit.model.common.text_problem``; the loader checks it at each field's own path, the model
checks it again for contracts built in Python, and the outputs escape what the rule lets through (Markdown
syntax, HTML). The malformed files of ``tests/malformed/`` cover one case each; here Hypothesis draws text
from every Unicode category, mixed with pieces of terminal escapes, bidirectional controls and Markdown,
and puts it in every kind of text field.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import tempfile
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from click.testing import CliRunner
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from test_malformed import MINIMAL

from sibkit.cli import main
from sibkit.errors import ContractFileError, ModelError, english
from sibkit.load import loads
from sibkit.model import Contract
from sibkit.model.common import CONTROL_CHARACTERS, text_problem, valid_id
from sibkit.report.docx import render_docx
from sibkit.report.overview import render_markdown
from sibkit.report.templating import markdown_escape
from sibkit.report.termsheet import render_termsheet
from sibkit.testing.strategies import texts

CATEGORIES = sorted({unicodedata.category(chr(c)) for c in range(0x110000)})
"""Every Unicode general category (surrogates, private use and unassigned code points included)."""

PIECES = [
    "\n",
    "\r\n",
    "\t",
    "\x1b[2J",
    "\x1b]0;owned\x07",
    "\x9b31m",
    "\x85",
    "\u2028",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\u202e",
    "\u202c",
    "\u2067",
    "\u2069",
    "\u202bשלום\u202c",
    "\u2068عمل\u2069",
    "\u200f",
    "# ",
    "## ",
    "| ",
    "|---|",
    "- ",
    "1. ",
    "2) ",
    "---",
    "===",
    "    ",
    "> ",
    "```",
    "~~~",
    "*",
    "_",
    "`",
    "[x](http://e.org)",
    "<b>",
    "<!--",
    "&amp;",
    "\\",
    "{{ 7*7 }}",
    "$x$",
    ":smile:",
    "[bold]x[/bold]",
]
"""Pieces that break terminals, bidirectional display or Markdown structure."""

HOSTILE = st.lists(
    st.one_of(st.text(st.characters(categories=CATEGORIES), min_size=1, max_size=4), st.sampled_from(PIECES)),
    min_size=1,
    max_size=8,
).map("".join)
"""Text from every Unicode category, with the pieces above mixed in."""

BASE: dict[str, Any] = tomllib.loads(MINIMAL)
"""The minimal contract as plain data, to put text into."""

FIELDS = {
    "name": (("name",), False),
    "description": (("description",), True),
    "provider name": (("providers", 0, "name"), False),
    "provider id": (("providers", 0, "id"), False),
    "metric name": (("metrics", 0, "name"), False),
    "metric description": (("metrics", 0, "description"), True),
}
"""Where the tests put text: the place in the file, and whether the field may hold several lines."""


def _with(values: dict[str, str]) -> str:
    """The minimal contract as JSON text (every character escaped, so a lone surrogate can be written)."""
    data = json.loads(json.dumps(BASE, default=str))
    for field, text in values.items():
        keys, _ = FIELDS[field]
        target = data
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = text
    return json.dumps(data, ensure_ascii=True)


def _path(field: str) -> str:
    """The ``$`` path of a field, as messages write it."""
    keys, _ = FIELDS[field]
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)


def _inert(output: str) -> None:
    """Output that a terminal shows as text: no control character but line feeds and tabs, no escape, no
    line break other than ``\\n``, no surrogate, and every bidirectional embedding or isolate closed."""
    assert CONTROL_CHARACTERS.search(output.replace("\r\n", "\n")) is None, output
    assert not re.search("[\x1b\x85\u2028\u2029\ud800-\udfff]", output), output
    for opener, closer in (("[\u202a\u202b\u202d\u202e]", "\u202c"), ("[\u2066\u2067\u2068]", "\u2069")):
        assert len(re.findall(opener, output)) == output.count(closer), output


_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def structure(markdown: str) -> list[tuple[str, str]]:
    """The Markdown document's structure: every block and inline element but paragraphs, text and line
    breaks (a description's lines and paragraphs are its own; headings, tables, lists, code, links,
    emphasis and HTML are the template's)."""
    out: list[tuple[str, str]] = []
    for token in _MD.parse(markdown):
        if token.type == "inline":
            out += [(t.type, t.tag) for t in token.children or () if t.type not in ("text", "softbreak", "hardbreak")]
        elif not token.type.startswith("paragraph"):
            out.append((token.type, token.tag))
    return out


# -- the rule -------------------------------------------------------------------------------------
def _why(text: str, lines: bool = False) -> str | None:
    """``text_problem`` in English (the message a user reads), or ``None``."""
    problem = text_problem(text, lines=lines)
    return None if problem is None else english(problem)


class TestTextProblem:
    """``text_problem(text, lines=False)``: why a text cannot be contract text, or None."""

    @pytest.mark.parametrize(
        "text",
        [
            "Gemeente Súdwest-Fryslân — € 3.500",
            "Stichting שלום en عمل",
            "mark \u200f and joiner \u200d🙂",
            "# | * _ ` [ ] < > & \\ {{ x }}",
            "private \ue000, no-break\u00a0space",
        ],
    )
    def test_text_of_every_script_is_a_name(self, text: str) -> None:
        """Any script, Markdown and HTML characters, marks, joiners and paired bidirectional controls are text."""
        assert _why(text) is None

    def test_a_description_holds_lines_tabs_and_paired_bidi_controls(self) -> None:
        """Line feeds, tabs and bidirectional controls closed in their line are allowed where the text may
        have several lines, and only there."""
        text = "First line\n\tindented \u202bשלום\u202c\n\nSecond \u2067عمل \u202e!\u202c\u2069"
        assert _why(text, lines=True) is None
        assert _why("a\nb") is not None
        assert _why("a\u2067b\u2069") == (
            "'a\\u2067b\\u2069' has the bidirectional control U+2067 (right-to-left isolate) at character 2; "
            "a one-line text holds none: any script shows in its own direction without it, and it could reverse "
            "the text after it"
        )

    @pytest.mark.parametrize(
        ("text", "lines", "message"),
        [
            ("a\x00b", False, "'a\\x00b' has the control character U+0000 (null) at character 2, which is not text"),
            ("\x7f", True, "'\\x7f' has the control character U+007F (delete) at character 1, which is not text"),
            ("a\x1b[2J", True, "'a\\x1b[2J' has the control character U+001B (escape) at character 2, which is not text"),
            ("x\x90", False, "'x\\x90' has the control character U+0090 at character 2, which is not text"),
            (
                "a\u2028b",
                True,
                "'a\\u2028b' has the line break U+2028 (line separator) at character 2; end the lines of a text with \\n only",
            ),
            (
                "a\u2029b",
                False,
                "'a\\u2029b' has the line break U+2029 (paragraph separator) at character 2; this text is one line: "
                "only a description, purpose, assumption or reason may hold line breaks",
            ),
            ("\ufdd0", False, "'\\ufdd0' has the noncharacter U+FDD0 at character 1, which is not text"),
            ("a\U0001fffe", False, "'a\\U0001fffe' has the noncharacter U+1FFFE at character 2, which is not text"),
            (
                "\u2069",
                True,
                "'\\u2069' has the bidirectional control U+2069 (pop directional isolate) at character 1 "
                "that closes nothing opened before it",
            ),
            (
                "a\u2066\u202ab\u2069\u202c",
                True,
                "'a\\u2066\\u202ab\\u2069\\u202c' has the bidirectional control U+202A (left-to-right embedding) "
                "at character 3 without its closing U+202C (pop directional formatting) in the same line; "
                "it would reverse the text after it",
            ),
            (
                "\u202dab\n\u202c",
                True,
                "'\\u202dab\\n\\u202c' has the bidirectional control U+202D (left-to-right override) at character 1 "
                "without its closing U+202C (pop directional formatting) in the same line; "
                "it would reverse the text after it",
            ),
        ],
    )
    def test_refuses_with_the_character_and_where_it_is(self, text: str, lines: bool, message: str) -> None:
        """The message quotes the text with escapes, names the character by code point and says where it is;
        nesting must be proper (an embedding inside an isolate closes first) and closes in its own line."""
        assert _why(text, lines=lines) == message

    def test_long_text_is_quoted_around_the_problem(self) -> None:
        """A long description is cut to the part around the character, so the message stays one short line."""
        text = "x" * 500 + "\x07" + "y" * 500
        assert _why(text, lines=True) == (
            "…'" + "x" * 30 + "\\x07" + "y" * 29 + "'… has the control character U+0007 (bell) at character 501, "
            "which is not text"
        )

    @given(HOSTILE)
    def test_the_message_is_itself_plain_text(self, text: str) -> None:
        """Whatever the text, the message that refuses it has no character the rule refuses: it can be printed."""
        for lines in (False, True):
            message = _why(text, lines=lines)
            assert message is None or _why(message) is None

    @given(texts(), texts(lines=True))
    def test_the_shipped_strategy_draws_valid_text(self, name: str, description: str) -> None:
        """``sibkit.testing.strategies.texts`` draws only text a contract may hold."""
        assert _why(name) is None
        assert _why(description, lines=True) is None


class TestValidId:
    """``valid_id``: an id is lower-case letters, digits, '-' and '_', matched against the whole text."""

    @pytest.mark.parametrize("text", ["coach\n", "coach\n\n", "Coach", "-coach", "coach bv", "coach\u0130", ""])
    def test_refuses_what_is_not_an_id(self, text: str) -> None:
        """A line break at the end no longer passes (``$`` matched before it); other shapes are refused as before."""

        @attrs.frozen
        class Thing:
            id: str = attrs.field(validator=valid_id)

        with pytest.raises(ValueError) as err:
            Thing(id=text)
        assert str(err.value) == f"expected an identifier of lower-case letters, digits, '-' or '_', got {text!r}"


class TestModel:
    """A contract built in Python obeys the same rule as one read from a file."""

    def test_a_contract_built_in_python_is_checked(self) -> None:
        """Every text of every part is checked, each at its path, keys of tables included."""
        contract = loads(MINIMAL)
        provider = attrs.evolve(contract.providers[0], name="Coach\x1b[2J", description="a\nb")
        with pytest.raises(ModelError) as err:
            attrs.evolve(contract, providers=(provider,), purpose="\u202e reversed")
        assert [p.render() for p in err.value.problems] == [
            "'\\u202e reversed' has the bidirectional control U+202E (right-to-left override) at character 1 "
            "without its closing U+202C (pop directional formatting) in the same line; it would reverse the text "
            "after it @ $.purpose",
            "'Coach\\x1b[2J' has the control character U+001B (escape) at character 6, which is not text "
            "@ $.providers[0].name",
        ]

    def test_checked_again_after_a_clean_contract_shared_its_parts(self) -> None:
        """Validation skips parts it found clean before (a contract changed with ``evolve`` shares them): a
        bad text put into a clean contract's part, or a bad part put at two paths, is still reported at every
        path, however often the contract is built again."""
        contract = loads(MINIMAL)
        attrs.evolve(contract, purpose="clean again")  # every part of it now known clean
        bad = attrs.evolve(contract.providers[0], name="Coach\x1b[2J")
        for _ in range(2):
            with pytest.raises(ModelError) as err:
                attrs.evolve(contract, providers=(bad, attrs.evolve(bad, id="other")))
            assert [p.path for p in err.value.problems] == ["providers[0].name", "providers[1].name"]


# -- loading ----------------------------------------------------------------------------------------
class TestLoader:
    """Text read from a file: refused at its own path with the rule's message, or kept exactly."""

    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(sorted(FIELDS)), HOSTILE)
    def test_refused_at_its_path_or_kept_exactly(self, field: str, text: str) -> None:
        """Either the loader refuses the text with one ``message @ path`` line at that field (the rule's
        message, or the id rule's), or the contract holds exactly that text; nothing is changed silently."""
        _, lines = FIELDS[field]
        try:
            contract = loads(_with({field: text}), fmt="json", file="c.json")
        except ContractFileError as err:
            problem = _why(text, lines=lines)
            if problem is None:
                assert field == "provider id"
                problem = f"expected an identifier of lower-case letters, digits, '-' or '_', got {text!r}"
            assert err.lines[0] == f"{problem} @ {_path(field)}"
            assert _why(str(err), lines=True) is None
            return
        assert _why(text, lines=lines) is None
        keys, _ = FIELDS[field]
        value: Any = contract
        for k in keys:
            value = value[k] if isinstance(k, int) else getattr(value, k)
        assert value == text


# -- output -----------------------------------------------------------------------------------------
def _outputs(values: dict[str, str]) -> dict[str, str] | None:
    """What ``run --json``, ``validate``, ``show`` (text and Markdown), ``explain`` and ``check`` print for the
    minimal contract holding ``values``, or None when the loader refuses them (exit 2, no traceback)."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.json"
        path.write_text(_with(values), "utf-8")
        out: dict[str, str] = {}
        for name, args in {
            "run": ["run", str(path), "--json"],
            "validate": ["validate", str(path)],
            "show": ["show", str(path)],
            "show-md": ["show", str(path), "--format", "markdown"],
            "explain": ["explain", str(path)],
            "check": ["check", str(path)],
        }.items():
            result = runner.invoke(main, args)
            if result.exit_code == 2 and name == "run":
                assert result.exception is None or isinstance(result.exception, SystemExit)
                return None
            assert result.exit_code in (0, 1), (name, result.output, result.exception)
            out[name] = result.output
        return out


class TestOutputs:
    """A contract's own text never takes over an output: no escape reaches the terminal, and the
    Markdown documents keep their headings, tables and lists."""

    REFERENCE: ClassVar[dict[str, str]] = {field: "plain" if "id" not in field else "coach" for field in FIELDS}
    """Ordinary text in every field."""

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({field: HOSTILE for field in FIELDS if field != "provider id"}))
    def test_text_is_shown_only_as_text(self, values: dict[str, str]) -> None:
        """For text the loader accepts, every command's output is plain text (``_inert``), the JSON output
        reads back to the exact name, ``validate`` prints the name as written (no Rich markup or emoji
        codes read in it), and the Markdown overview has the structure it has with plain names."""
        # hostile text is mostly refused; make it acceptable by dropping what the rule refuses, so the outputs
        # see every character the rule allows
        values = {f: _acceptable(t, FIELDS[f][1]) for f, t in values.items()}
        out = _outputs(values)
        assert out is not None
        reference = _reference_outputs()
        for text in out.values():
            _inert(text)
        assert json.loads(out["run"])[0]["contract"] == values["name"]
        assert out["validate"].endswith(f": valid — {values['name']}\n")
        assert structure(out["show-md"]) == structure(reference["show-md"])

    @given(st.fixed_dictionaries(dict.fromkeys(FIELDS, HOSTILE)))
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    def test_refused_text_never_reaches_an_output(self, values: dict[str, str]) -> None:
        """Text the rule refuses stops every command at loading with exit 2, never a traceback."""
        refused = any(_why(t, lines=FIELDS[f][1]) for f, t in values.items())
        out = _outputs(values)
        if refused:
            assert out is None


@functools.cache
def _reference_outputs() -> dict[str, str]:
    """The outputs for plain text in every field."""
    out = _outputs(TestOutputs.REFERENCE)
    assert out is not None
    return out


@functools.cache
def _reference_termsheet() -> str:
    """The Markdown term sheet for plain text in every field."""
    return render_termsheet(loads(_with(TestOutputs.REFERENCE), fmt="json"), "en", "md", today=TODAY)


TODAY = dt.date(2024, 2, 1)
"""The date the term sheets show."""


class TestTermSheet:
    """The term sheet (Markdown, HTML, Word) shows a contract's text as text."""

    @settings(max_examples=6, suppress_health_check=[HealthCheck.too_slow])
    @given(st.fixed_dictionaries({field: HOSTILE for field in FIELDS if field != "provider id"}))
    def test_markdown_keeps_its_structure(self, values: dict[str, str]) -> None:
        """For any text the loader accepts, the Markdown term sheet is plain text with the headings, tables,
        lists and emphasis it has with plain names."""
        values = {f: _acceptable(t, FIELDS[f][1]) for f, t in values.items()}
        text = render_termsheet(loads(_with(values), fmt="json"), "en", "md", today=TODAY)
        _inert(text)
        assert structure(text) == structure(_reference_termsheet())

    def test_known_hostile_text_in_every_format(self) -> None:
        """Markdown and HTML syntax, paired right-to-left text and a script stay text in Markdown, HTML and
        Word: the same headings and tables as with plain names, no script element, and the name as written."""
        hostile = loads(_with(HOSTILE_EXAMPLE), fmt="json")
        plain = loads(_with(TestOutputs.REFERENCE), fmt="json")
        md = render_termsheet(hostile, "en", "md", today=TODAY)
        assert structure(md) == structure(_reference_termsheet())
        html, plain_html = (render_termsheet(c, "en", "html", today=TODAY) for c in (hostile, plain))
        _inert(html)
        assert "<script" not in html
        for tag in ("<h1", "<h2", "<h3", "<table", "<tr", "<td", "<li", "<a "):
            assert html.count(tag) == plain_html.count(tag), tag
        document = Document(io.BytesIO(render_docx(hostile, "en", today=TODAY)))
        assert f"Term sheet: {HOSTILE_EXAMPLE['name']}" in [p.text for p in document.paragraphs]


HOSTILE_EXAMPLE = {
    "name": "# Evil | name *x* [l](http://e.org) ~~s~~ שלום :smile:",
    "description": "\u202bשלום\u202c First\n# Injected\n| a | b |\n|---|---|\n- item\n1. one\n    code\n---\n===\n\n  - second",
    "provider name": "- Coach | B.V. #1",
    "metric name": "1. Paid | work",
    "metric description": "<script>alert(1)</script>\n# x\n| y |",
}
"""Text the rule accepts that would change a Markdown or HTML document if it were not escaped."""


def _acceptable(text: str, lines: bool) -> str:
    """``text`` without the characters ``text_problem`` refuses (each dropped until the rule is met)."""
    while (problem := _why(text, lines=lines)) is not None:
        at = int(re.search(r" at character (\d+)", problem)[1]) - 1  # type: ignore[index]
        text = text[:at] + text[at + 1 :]
    return text


class TestMarkdownEscape:
    """``markdown_escape``: a value in a Markdown document is only ever text."""

    @pytest.mark.parametrize(
        ("text", "escaped"),
        [
            ("# Heading", "\\# Heading"),
            ("a | b", "a \\| b"),
            ("- item", "\\- item"),
            ("  + item", "  \\+ item"),
            ("12. item", "12\\. item"),
            ("3) item", "3\\) item"),
            ("---", "\\---"),
            ("title\n===", "title\n\\==="),
            ("    code", "code"),
            ("a\n\tcode", "a\ncode"),
            ("~~struck~~", "\\~\\~struck\\~\\~"),
            ("> quote <b>", "&gt; quote &lt;b&gt;"),
            ("-€ 3,500 and 12.5%", "-€ 3,500 and 12.5%"),
        ],
    )
    def test_escapes_what_would_start_a_block(self, text: str, escaped: str) -> None:
        """Headings, table pipes, list markers, rules, setext underlines, indented code and HTML are escaped;
        a minus sign or a decimal point that starts no block is left alone."""
        assert markdown_escape(text) == escaped

    @given(HOSTILE.map(lambda t: _acceptable(t, lines=True)))
    def test_any_text_is_one_paragraph_of_text(self, text: str) -> None:
        """Whatever the description, escaped it parses as paragraphs of plain text only."""
        assert structure("Before.\n\n" + markdown_escape(text) + "\n\nAfter.\n") == []

    def test_overview_of_a_hostile_contract_keeps_its_structure(self) -> None:
        """Known hostile names and descriptions (a heading, a table row, a list, a rule) change nothing."""
        hostile = loads(_with(HOSTILE_EXAMPLE), fmt="json")
        plain = loads(_with(TestOutputs.REFERENCE), fmt="json")
        assert isinstance(hostile, Contract)
        assert structure(render_markdown(hostile)) == structure(render_markdown(plain))
