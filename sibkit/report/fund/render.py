"""Rendering the fund summary sheet as Markdown, standalone HTML or PDF.

The sheet is rendered in the term sheet's Jinja environments (``termsheet_environment``: every value escaped
for the format, HTML autoescaped, undefined names an error) from its own templates in ``templates/fund/``,
which use the term sheet's macros and include its stylesheet (A4 print rules: page 1 the decision summary,
each major section on a new page). The PDF is that HTML printed by the term sheet's headless Chromium
(``sibkit.report.pdf.html_to_pdf``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sibkit.fund_load import LoadedFund
from sibkit.report.fund.view import FundBooks, fund_sheet_view
from sibkit.report.pdf import DEFAULT_TIMEOUT, find_chromium, html_to_pdf
from sibkit.report.termsheet import FORMATS, termsheet_environment

__all__ = ["render_fund_pdf", "render_fund_sheet", "render_fund_view"]

_TEMPLATES = {"md": "fund/sheet.md.j2", "html": "fund/sheet.html.j2"}


def render_fund_view(view: dict[str, Any], fmt: str) -> str:
    """The sheet of a ``fund_sheet_view`` as Markdown (``md``) or standalone HTML (``html``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    env = termsheet_environment(fmt, view["lang"])
    return env.get_template(_TEMPLATES[fmt]).render(v=view, fmt=fmt)


def render_fund_sheet(
    loaded: LoadedFund,
    lang: str,
    fmt: str,
    *,
    today: dt.date,
    scenario: str | None = None,
    books: FundBooks | None = None,
) -> str:
    """The fund summary sheet of ``loaded`` in ``lang`` (``nl``, ``en``) as ``fmt`` (``md``, ``html``) text;
    ``today`` is the date shown. Raises ``ValueError`` for an unknown language or format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return render_fund_view(fund_sheet_view(loaded, lang, today=today, scenario=scenario, books=books), fmt)


def render_fund_pdf(
    loaded: LoadedFund,
    lang: str,
    *,
    today: dt.date,
    scenario: str | None = None,
    books: FundBooks | None = None,
    chromium: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """The fund summary sheet as a PDF of A4 pages (its HTML printed by headless Chromium). Raises
    ``RuntimeError`` (``PrintError``) when Chromium is missing, checked before the fund is computed, or fails."""
    executable = chromium if chromium is not None else find_chromium()
    if executable is None:
        html_to_pdf("", chromium=None)  # raises PrintError saying why no Chromium was found
    html = render_fund_sheet(loaded, lang, "html", today=today, scenario=scenario, books=books)
    return html_to_pdf(html, chromium=executable, timeout=timeout)
