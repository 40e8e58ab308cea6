"""Rendering a term sheet's view as Markdown or standalone HTML, and writing it.

Contract text is data. Both formats share one template structure (``structure.j2``) and differ only
in their macros; each format has its own Jinja environment in which *every* value is escaped for that
format: HTML by autoescaping, Markdown by a ``finalize`` that backslash-escapes Markdown syntax and
turns HTML into entities. Both environments autoescape, so that macro output is ``Markup`` and is
never escaped twice. Messages in the templates come from the ``jinja2.ext.i18n`` extension (``_``,
``gettext``, ``ngettext``), through callables that escape the translated text and each filled-in value
separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from sibkit.atomic import write_text_atomic
from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.model.common import CONTROL_CHARACTERS
from sibkit.report.templating import install_messages, markdown_escape, templates_dir
from sibkit.report.termsheet.view import termsheet_view
from sibkit.report.termsheet.writer import squash

__all__ = ["FORMATS", "Format", "render_termsheet", "render_view", "termsheet_environment", "write_termsheet"]

Format = Literal["md", "html"]
"""The output formats: Markdown (``md``) and standalone HTML (``html``)."""

FORMATS: tuple[Format, ...] = get_args(Format)


_TEMPLATES = {"md": "termsheet/termsheet.md.j2", "html": "termsheet/termsheet.html.j2"}


def _clean(text: str) -> str:
    """Control characters (other than tab and newline) replaced by U+FFFD: they are not text in either format."""
    return CONTROL_CHARACTERS.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def _escape_markdown(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return markdown_escape(_clean(str(value)))


def _escape_html(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return str(escape(_clean(str(value))))


def _oneline(value: object) -> str:
    """Every run of whitespace (newlines included) as one space: a table cell or list item stays on its line."""
    if isinstance(value, Markup):
        return Markup(squash(value))
    return squash(str(value))


def termsheet_environment(fmt: str, lang: str) -> Environment:
    """The Jinja environment for ``fmt`` (``md`` or ``html``) in ``lang``, with ``_``/``gettext``/``ngettext``.

    Every template rendered in it is escaped for ``fmt``, whatever its file name: values with
    ``StrictUndefined`` (a misspelt name is an error), HTML by autoescaping, Markdown by a
    ``finalize`` that escapes Markdown syntax and HTML and marks the result safe. The translated
    messages and each value filled into them are escaped the same way.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    language = Language(lang)
    esc: Callable[[object], str] = _escape_markdown if fmt == "md" else _escape_html

    def finalize(value: Any) -> Any:
        return Markup(esc(value))

    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        undefined=StrictUndefined,
        autoescape=True,
        finalize=finalize if fmt == "md" else None,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    install_messages(env, language, esc)
    env.filters["oneline"] = _oneline
    return env


def render_view(view: dict[str, Any], fmt: str) -> str:
    """The term sheet of a ``termsheet_view`` as Markdown (``md``) or standalone HTML (``html``)."""
    env = termsheet_environment(fmt, view["lang"])
    return env.get_template(_TEMPLATES[fmt]).render(v=view, fmt=fmt)


def render_termsheet(contract: Contract, lang: str, fmt: str, *, today: dt.date, simulate_n: int | None = None) -> str:
    """The term sheet of ``contract`` in ``lang`` (``nl``, ``en``) as ``fmt`` (``md``, ``html``) text.

    ``today`` is the date shown in the header; ``simulate_n`` adds a Monte Carlo summary of that
    many scenarios. Raises ``ValueError`` for an unknown language or format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return render_view(termsheet_view(contract, lang, today=today, simulate_n=simulate_n), fmt)


def write_termsheet(path: str | Path, text: str, *, overwrite: bool = False) -> None:
    """Write a rendered term sheet to ``path`` atomically (UTF-8): the old file or the new one, never a part.

    Refuses to replace an existing file unless ``overwrite`` (``FileExistsError``, the file untouched).
    """
    write_text_atomic(Path(path), text, overwrite=overwrite)
