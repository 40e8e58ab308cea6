"""The Jinja environments of sibkit's reports.

Contract text is data, never a template: it only ever reaches a template as a
value, and every value is escaped for the output format. HTML templates
(``*.html`` and ``*.html.j2``) are autoescaped; Markdown templates (``*.md.j2``)
escape every value through ``finalize`` so a contract name like
``{{ 7*7 }} <script>`` comes out literally. Undefined names are errors
(``StrictUndefined``), never silent blanks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from sibkit.i18n import Language, interpolate

__all__ = ["install_messages", "markdown_environment", "markdown_escape", "templates_dir"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!~])")
"""Characters that mark up inline text anywhere in a line (``~`` strikes through in GitHub's Markdown)."""

_MD_INDENT = re.compile(r"(?<=\n)[ \t]+|^(?:[ ]{0,3}\t|[ ]{4})[ \t]*")
"""Indentation at the start of a line of the text (four spaces or a tab would begin a code block), and
at the start of the text if it is that deep."""

_MD_LINE_START = re.compile(
    r"^([ ]{0,3})(?:([-+=])(?=[-+= \t]*$|[ \t])|(\d{1,9})([.)])(?=[ \t]|$))", re.MULTILINE
)
"""What begins a block at the start of a line: a list item (``- ``, ``+ ``, ``1. ``, ``1) ``), or a
line of ``-`` or ``=`` (a rule, or the underline that turns the line above into a heading)."""


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, or ``templates/`` of a source checkout."""
    packaged = resources.files("sibkit") / "_data" / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "templates"


def markdown_escape(value: object) -> str:
    """Text that Markdown shows literally: Markdown syntax backslash-escaped, HTML as entities.

    Nothing in the text can change the document's structure around it: inline syntax is escaped
    wherever it is (``#``, ``|``, ``*``, ``[``, a backtick …), and at the start of each of its lines,
    indentation is dropped and a list marker, a rule or a heading underline is escaped (``1\\. ``,
    ``\\- ``, ``\\---``). Blank lines still separate paragraphs; a value that must stay on one line (a
    table cell, a heading) goes through a filter that joins its lines first (the term sheet's
    ``oneline``), and contract names are one line by the model's rule.
    """
    if isinstance(value, Markup):
        return str(value)
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", _MD_INDENT.sub("", text))
    return _MD_LINE_START.sub(lambda m: m[1] + (f"\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"), text)


def _finalize_markdown(value: Any) -> Any:
    if isinstance(value, (Markup, int, float)):
        return value
    return markdown_escape(value)


def markdown_environment(lang: Language | None = None) -> Environment:
    """The environment for ``*.md.j2`` templates: every value escaped for Markdown, and the template's
    messages (``_``, ``gettext``, ``ngettext``) from the catalogue of ``lang`` (English by default),
    each message and each value filled into it escaped the same way."""
    language = lang or Language("en")
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        finalize=_finalize_markdown,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    install_messages(env, language, markdown_escape)
    return env


def install_messages(env: Environment, language: Language, escape: Callable[[object], str]) -> None:
    """Give ``env``'s templates ``_``, ``gettext`` and ``ngettext`` (``jinja2.ext.i18n``) in ``language``:
    the translated message and each value filled into it escaped by ``escape`` for the output format."""

    def gettext(message: str, **variables: object) -> Markup:
        return Markup(interpolate(language.translations.gettext(message), variables, escape))

    def ngettext(singular: str, plural: str, n: int, **variables: object) -> Markup:
        text = language.translations.ngettext(singular, plural, n)
        return Markup(interpolate(text, {"num": n, **variables}, escape))

    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
