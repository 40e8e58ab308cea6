"""The fund summary sheet as PDF: its HTML printed by a real headless Chromium and read back with poppler.

As ``tests/test_termsheet_pdf.py`` (whose ``chromium`` fixture this uses): without Chromium or poppler-utils the
test skips, except when ``CI`` is set, where it fails.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from test_termsheet_pdf import A4, A4_TOLERANCE, TIMEOUT, _read_back, chromium  # noqa: F401  (a fixture)

from sibkit.fund_load import load_fund
from sibkit.i18n import Language
from sibkit.report.fund import compute_fund, render_fund_pdf

from conftest import ROOT

LEEUWARDEN = ROOT / "funds" / "leeuwarden-oost.toml"
TODAY = dt.date(2024, 6, 1)

PAGES = range(4, 13)
"""Pages the Leeuwarden sheet may have: 9 (Dutch) and 10 (English) with Chromium on Debian 12 (page 1 the decision
summary, the accounts, the chart and the annexes each starting a page)."""


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pdf_reads_back(chromium: str, tmp_path: Path, lang: str) -> None:  # noqa: F811
    """The PDF has A4 pages; page 1 is the decision summary alone, with the contributors' engine figures; the
    annexes are in the document."""
    books = compute_fund(load_fund(LEEUWARDEN))
    data = render_fund_pdf(books.loaded, lang, today=TODAY, books=books, chromium=chromium, timeout=TIMEOUT)
    printed = _read_back(data, tmp_path)
    assert int(printed.info["Pages"]) in PAGES
    assert all(abs(w - A4[0]) <= A4_TOLERANCE and abs(h - A4[1]) <= A4_TOLERANCE for w, h in printed.page_sizes)
    page_one = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", printed.info["_path"], "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    page_one = " ".join(page_one.split())
    w = Language(lang)
    money = [" ".join(w.money(c, "EUR").split()) for _, _, c in books.charges]
    expected = {
        "nl": ("Samenvatting voor het besluit", "De drie belangrijkste cijfers", "1. Contracten van het fonds"),
        "en": ("Decision summary", "The three numbers that matter most", "1. Contracts of the fund"),
    }[lang]
    assert expected[0] in page_one and expected[1] in page_one
    assert expected[2] not in page_one and expected[2] in printed.text
    assert all(m in page_one for m in money)
    assert ("Bijlage B. Definities" if lang == "nl" else "Annex B. Definitions") in printed.text
