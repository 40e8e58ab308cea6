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
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["markdown_environment", "markdown_escape", "templates_dir"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!])")


def templates_dir() -> Path:
    """Where the templates are: inside the installed package, or ``templates/`` of a source checkout."""
    packaged = resources.files("sibkit") / "_data" / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "templates"


def markdown_escape(value: object) -> str:
    """Text that Markdown shows literally: Markdown syntax backslash-escaped, HTML as entities."""
    if isinstance(value, Markup):
        return str(value)
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _finalize_markdown(value: Any) -> Any:
    if isinstance(value, (Markup, int, float)):
        return value
    return markdown_escape(value)


def markdown_environment() -> Environment:
    """The environment for ``*.md.j2`` templates: every value escaped for Markdown."""
    return Environment(
        loader=FileSystemLoader(templates_dir()),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        finalize=_finalize_markdown,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
