"""Term sheets as PDF: the HTML printed by a real headless Chromium, and the PDF read back.

The Leeuwarden example (``contracts/leeuwarden-oost-pilot.toml``) is printed in Dutch and English
and read back with poppler's ``pdfinfo`` and ``pdftotext``: page count, A4 pages, its text.

Needs Chromium (Debian's ``chromium``, or ``SIBKIT_CHROMIUM``) and poppler-utils. Without them the
tests that print skip, except when the environment variable ``CI`` is set: then they fail, so
that CI cannot pass without printing. ``.ci/install-chromium`` installs both.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import attrs
import pytest

import sibkit.report.pdf as pdf
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.report.pdf import CHROMIUM_ENV, find_chromium, html_to_pdf, render_pdf
from sibkit.report.termsheet import render_termsheet

from conftest import EXAMPLE

TODAY = dt.date(2024, 6, 1)
TIMEOUT = 60.0
"""Seconds each print may take; the example takes about 2 s (term sheet and Chromium together)."""

PAGES = range(10, 41)
"""Pages the example may have: 19 with Chromium 156 on Debian 12 (page 1 the decision summary, type at its full
size); the bounds leave room for other fonts."""

A4 = (595.0, 842.0)
"""An A4 page in PDF points (210 × 297 mm), to within ``A4_TOLERANCE``."""
A4_TOLERANCE = 2.0

HOSTILE = "{{ 7*7 }} <script>alert(1)</script>"

EXPECTED = {
    "nl": {
        "date": "1 juni 2024",
        "money": "€ 333.900,00",
        "headings": ("1. Partijen en rollen", "6. Betaalmechanisme", "Bijlage B. Woordenlijst"),
    },
    "en": {
        "date": "1 June 2024",
        "money": "€333,900.00",
        "headings": ("1. Parties and roles", "6. Payment mechanism", "Annex B. Glossary"),
    },
}
"""Per language: the date shown, the base scenario's outcome payments (as the scenario table writes
them) and some section headings."""

CI = bool(os.environ.get("CI"))
posix_only = pytest.mark.skipif(os.name != "posix", reason="fake browsers here are POSIX shell scripts")


# -- what the printing tests need ----------------------------------------------------------------------
def _require(what: str) -> None:
    """Skip for want of ``what``; fail instead under CI, where it must be installed."""
    if CI:
        pytest.fail(f"CI is set but {what} was not found: .ci/install-chromium should have installed it")
    pytest.skip(f"{what} not found (install the chromium and poppler-utils packages, or set {CHROMIUM_ENV})")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium executable, and poppler's ``pdfinfo`` and ``pdftotext`` to read its PDFs."""
    found = find_chromium()
    if found is None:
        _require("Chromium")
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            _require(f"{tool} (poppler-utils)")
    assert found is not None
    return found


@attrs.frozen
class Printed:
    """A PDF and what poppler reads from it."""

    data: bytes
    seconds: float
    info: dict[str, str]
    page_sizes: list[tuple[float, float]]
    text: str
    """The text with every run of white space made one space (lines wrap anywhere in a PDF)."""


def _read_back(data: bytes, folder: Path) -> Printed:
    """Read ``data`` back with ``pdfinfo`` and ``pdftotext``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "doc.pdf"
    path.write_bytes(data)
    info_text = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    info = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in info_text.splitlines())}
    pages = int(info["Pages"])
    sizes_text = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(pages), str(path)], capture_output=True, text=True, check=True
    ).stdout
    sizes = [
        (float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", sizes_text, re.M)
    ]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    info["_path"] = str(path)  # where it was written, for tests that read single pages
    return Printed(data, 0.0, info, sizes, " ".join(text.decode("utf-8").split()))


def _print(contract: Contract, lang: str, chromium: str, folder: Path) -> Printed:
    """``render_pdf`` of ``contract`` in ``lang``, timed, and read back."""
    start = time.perf_counter()
    data = render_pdf(contract, lang, today=TODAY, chromium=chromium, timeout=TIMEOUT)
    return attrs.evolve(_read_back(data, folder), seconds=time.perf_counter() - start)


@pytest.fixture(scope="module")
def example() -> Contract:
    return load_contract(EXAMPLE)


@pytest.fixture(scope="module")
def printed(chromium: str, example: Contract, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Printed]:
    """The example printed in each language, once for the module."""
    return {lang: _print(example, lang, chromium, tmp_path_factory.mktemp(lang)) for lang in ("nl", "en")}


def _squeeze(text: str) -> str:
    """``text`` without any white space, to compare text that a line break may have split anywhere."""
    return "".join(text.split())


def _fake(folder: Path, name: str, script: str) -> Path:
    """An executable shell script ``name`` in ``folder`` standing in for a browser."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An environment with no Chromium: ``SIBKIT_CHROMIUM`` unset and ``PATH`` an empty folder (returned)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)
    monkeypatch.setenv("PATH", str(empty))
    return empty


# -- find_chromium -------------------------------------------------------------------------------------
@posix_only
class TestFindChromium:
    def test_nothing_found(self, no_browser: Path) -> None:
        """With no browser on PATH and no SIBKIT_CHROMIUM, there is none."""
        assert find_chromium() is None

    def test_path_order(self, no_browser: Path) -> None:
        """On PATH, chromium comes before chromium-browser, which comes before google-chrome."""
        chrome = _fake(no_browser, "google-chrome", "exit 0")
        assert find_chromium() == str(chrome)
        browser = _fake(no_browser, "chromium-browser", "exit 0")
        assert find_chromium() == str(browser)
        plain = _fake(no_browser, "chromium", "exit 0")
        assert find_chromium() == str(plain)

    def test_variable_path_wins(self, no_browser: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """SIBKIT_CHROMIUM naming an executable by path wins over the browsers on PATH."""
        _fake(no_browser, "chromium", "exit 0")
        mine = _fake(tmp_path / "elsewhere", "my-browser", "exit 0")
        monkeypatch.setenv(CHROMIUM_ENV, str(mine))
        assert find_chromium() == str(mine)

    def test_variable_name_on_path(self, no_browser: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """SIBKIT_CHROMIUM may name an executable on PATH."""
        mine = _fake(no_browser, "my-browser", "exit 0")
        monkeypatch.setenv(CHROMIUM_ENV, "my-browser")
        assert find_chromium() == str(mine)

    def test_wrong_variable_has_no_fallback(
        self, no_browser: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A SIBKIT_CHROMIUM that names no executable finds nothing, rather than another browser."""
        _fake(no_browser, "chromium", "exit 0")
        monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "missing-browser"))
        assert find_chromium() is None

    def test_empty_variable_is_unset(self, no_browser: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An empty SIBKIT_CHROMIUM counts as unset."""
        plain = _fake(no_browser, "chromium", "exit 0")
        monkeypatch.setenv(CHROMIUM_ENV, "")
        assert find_chromium() == str(plain)


# -- html_to_pdf ---------------------------------------------------------------------------------------
class TestHtmlToPdf:
    def test_missing(self, no_browser: Path) -> None:
        """Without Chromium the error says what to install or set."""
        with pytest.raises(
            RuntimeError, match=r"PDF needs Chromium: install the chromium package or set SIBKIT_CHROMIUM"
        ):
            html_to_pdf("<p>x</p>")

    def test_missing_names_the_variable(self, no_browser: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A wrong SIBKIT_CHROMIUM is quoted in the error."""
        monkeypatch.setenv(CHROMIUM_ENV, "/no/such/chromium")
        with pytest.raises(RuntimeError, match=r"PDF needs Chromium.*SIBKIT_CHROMIUM='/no/such/chromium'"):
            html_to_pdf("<p>x</p>")

    def test_unstartable(self, tmp_path: Path) -> None:
        """An explicit executable that cannot be started gives the same clear error."""
        with pytest.raises(RuntimeError, match=r"PDF needs Chromium.*could not start"):
            html_to_pdf("<p>x</p>", chromium=str(tmp_path / "nothing-here"))

    @posix_only
    def test_failure_quotes_stderr(self, tmp_path: Path) -> None:
        """When Chromium fails, the error gives its exit status and the end of its stderr, without D-Bus noise."""
        noise = "[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus: nothing"
        browser = _fake(tmp_path, "chromium", f"echo '{noise}' >&2; echo 'boom: cannot print' >&2; exit 3")
        with pytest.raises(RuntimeError, match=r"exit status 3[\s\S]*boom: cannot print") as caught:
            html_to_pdf("<p>x</p>", chromium=str(browser))
        assert "dbus" not in str(caught.value)

    @posix_only
    def test_no_pdf_written(self, tmp_path: Path) -> None:
        """Chromium exiting 0 without a PDF (as it does when it cannot print) is an error too."""
        browser = _fake(tmp_path, "chromium", "echo 'printing failed' >&2; exit 0")
        with pytest.raises(RuntimeError, match=r"wrote no PDF[\s\S]*printing failed"):
            html_to_pdf("<p>x</p>", chromium=str(browser))

    @posix_only
    def test_arguments(self, tmp_path: Path) -> None:
        """Chromium runs headless, kept off the network, with a fresh profile in a temporary folder that is removed."""
        record = tmp_path / "args.txt"
        browser = _fake(tmp_path, "chromium", f"printf '%s\\n' \"$@\" > '{record}'; exit 7")
        with pytest.raises(RuntimeError):
            html_to_pdf("<p>x</p>", chromium=str(browser))
        args = record.read_text(encoding="utf-8").splitlines()
        for flag in pdf.CHROMIUM_FLAGS:
            assert flag in args
        for flag in ("--headless", "--no-sandbox", "--disable-background-networking", "--no-pdf-header-footer"):
            assert flag in args
        profile = next(a.removeprefix("--user-data-dir=") for a in args if a.startswith("--user-data-dir="))
        output = next(a.removeprefix("--print-to-pdf=") for a in args if a.startswith("--print-to-pdf="))
        page = args[-1]
        folder = Path(profile).parent
        assert folder.name.startswith("sibkit-pdf-")
        assert Path(output).parent == folder
        assert page == (folder / "termsheet.html").as_uri()
        assert not folder.exists()

    @posix_only
    def test_timeout_stops_everything(self, tmp_path: Path) -> None:
        """A browser that hangs is stopped after the timeout, with the processes it started."""
        child_pid = tmp_path / "child.pid"
        browser = _fake(tmp_path, "chromium", f"sleep 60 & echo $! > '{child_pid}'; wait")
        start = time.perf_counter()
        with pytest.raises(RuntimeError, match=r"did not print the PDF within 1 s"):
            html_to_pdf("<p>x</p>", chromium=str(browser), timeout=1)
        assert time.perf_counter() - start < 10
        stat = Path(f"/proc/{child_pid.read_text().strip()}/stat")
        if stat.exists():  # a killed orphan may linger as a zombie until it is reaped
            assert stat.read_text().split(") ")[1].startswith("Z")

    def test_prints(self, chromium: str, tmp_path: Path) -> None:
        """A small document becomes a one-page PDF whose text reads back, without Chromium's header and footer."""
        html = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>A title</title></head><body><p>Hallo wereld — €&nbsp;1.234,50</p></body></html>'
        data = html_to_pdf(html, chromium=chromium, timeout=TIMEOUT)
        back = _read_back(data, tmp_path)
        assert data.startswith(b"%PDF-")
        assert back.info["Pages"] == "1"
        assert "Hallo wereld — € 1.234,50" in back.text
        assert "A title" not in back.text
        assert "file://" not in back.text

    def test_csp_stops_scripts(self, chromium: str, example: Contract, tmp_path: Path) -> None:
        """A script slipped into the term sheet does not run: its Content-Security-Policy stops it.

        The same script in a page without the policy does run, so the test can tell.
        """
        script = "<script>document.body.textContent = 'SCRIPT' + ' RAN';</script>"
        html = render_termsheet(example, "en", "html", today=TODAY).replace("</body>", script + "</body>")
        stopped = _read_back(html_to_pdf(html, chromium=chromium, timeout=TIMEOUT), tmp_path / "csp")
        assert "SCRIPT RAN" not in stopped.text
        assert "Payment mechanism" in stopped.text
        control = f"<!DOCTYPE html><html><body><p>static</p>{script}</body></html>"
        ran = _read_back(html_to_pdf(control, chromium=chromium, timeout=TIMEOUT), tmp_path / "control")
        assert ran.text == "SCRIPT RAN"


# -- render_pdf ----------------------------------------------------------------------------------------
class TestRenderPdf:
    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_is_pdf_in_time(self, printed: dict[str, Printed], lang: str) -> None:
        """The example prints to a PDF, well within the timeout."""
        assert printed[lang].data.startswith(b"%PDF-")
        assert printed[lang].seconds < TIMEOUT

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_pages(self, printed: dict[str, Printed], lang: str) -> None:
        """A sensible number of pages, every one of them A4."""
        pages = int(printed[lang].info["Pages"])
        assert pages in PAGES
        assert len(printed[lang].page_sizes) == pages
        for width, height in printed[lang].page_sizes:
            assert abs(width - A4[0]) <= A4_TOLERANCE
            assert abs(height - A4[1]) <= A4_TOLERANCE

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_text(self, printed: dict[str, Printed], example: Contract, lang: str) -> None:
        """The text holds the contract's name, the date, the base scenario's payments and the section headings."""
        text = printed[lang].text
        expected = EXPECTED[lang]
        assert f"Term sheet: {example.name}" in text
        assert expected["date"] in text
        assert expected["money"] in text
        for heading in expected["headings"]:
            assert heading in text

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_document(self, printed: dict[str, Printed], example: Contract, lang: str) -> None:
        """The PDF's title is the term sheet's; no JavaScript in it, and no header or footer of Chromium's."""
        assert printed[lang].info["Title"] == f"Term sheet: {example.name}"
        assert printed[lang].info["JavaScript"] == "no"
        assert "file://" not in printed[lang].text
        assert "sibkit-pdf-" not in printed[lang].text

    @pytest.mark.parametrize(("lang", "simulate_n"), [("nl", None), ("nl", 500), ("en", 500)])
    def test_pages_print_well(
        self, chromium: str, example: Contract, tmp_path: Path, lang: str, simulate_n: int | None
    ) -> None:
        """Found by a council member: with --simulate every page shrank to about 67% (body text near 7 pt),
        because a table of amounts that may not wrap ran off the page and Chromium shrank every page to fit
        it; page 1 ran over onto a nearly empty page 2. Body text is 10 pt: a word's box is about 11.5 pt high,
        shrunk about 7.7 pt (page 1, the decision summary, is set at 9 pt to fit one page). No page is
        nearly empty (text ending above the middle of the page) unless the next one starts a part that always
        starts on a new page (the parties after page 1, the annexes), or it is the last."""
        data = render_pdf(example, lang, today=TODAY, simulate_n=simulate_n, chromium=chromium, timeout=TIMEOUT)
        path = tmp_path / "doc.pdf"
        path.write_bytes(data)
        boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
        pages = boxes.split("<page ")[1:]
        word = re.compile(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<')
        words = [[(float(a), float(b), text) for a, b, text in word.findall(page)] for page in pages]
        heights = [b - a for page in words[1:4] for a, b, _ in page]
        assert heights and statistics.median(heights) > 10.5
        assert min(b - a for a, b, _ in words[0]) > 10.2  # 9 pt on page 1 (a box of 10.5 pt), none smaller
        starts = {"nl": ("1. Partijen en rollen", "Bijlage A."), "en": ("1. Parties and roles", "Annex A.")}[lang]
        first_lines = [
            subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), str(path), "-"], capture_output=True, text=True)
            .stdout.strip()
            .split("\n")[0]
            for k in range(1, len(pages) + 1)
        ]
        assert first_lines[1].startswith(starts[0]), "page 1 holds the summary and nothing of the body"
        for k in range(len(pages) - 1):
            filled = max(b for _, b, _ in words[k]) / A4[1]
            if filled < 0.5:
                assert first_lines[k + 1].startswith(starts), (k + 1, filled, first_lines[k + 1])

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_page_one_is_the_decision_summary_alone(self, printed: dict[str, Printed], lang: str) -> None:
        """A council member reads page 1: the decision summary, all of it, and nothing of the body."""
        path = Path(printed[lang].info.get("_path", "")) if "_path" in printed[lang].info else None
        assert path is not None
        first, second = (
            subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), str(path), "-"], capture_output=True, text=True)
            .stdout.strip()
            .splitlines()
            for k in (1, 2)
        )
        summary, body = {
            "nl": ("Samenvatting voor het besluit", "1. Partijen en rollen"),
            "en": ("Decision summary", "1. Parties and roles"),
        }[lang]
        assert summary in first and body not in first
        assert second[0] == body

    def test_hostile_name(self, chromium: str, example: Contract, tmp_path: Path) -> None:
        """A name of template syntax and a script element is printed literally, as text; nothing runs."""
        hostile = attrs.evolve(example, name=HOSTILE)
        back = _print(hostile, "en", chromium, tmp_path)
        assert back.seconds < TIMEOUT
        assert _squeeze(f"Term sheet: {HOSTILE}") in _squeeze(back.text)  # the heading may wrap anywhere
        assert "alert(1)" in back.text
        assert "Term sheet: 49" not in back.text
        assert back.info["Title"] == f"Term sheet: {HOSTILE}"
        assert back.info["JavaScript"] == "no"

    def test_missing_chromium_fails_first(self, no_browser: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without Chromium the error comes before the term sheet is computed."""

        def render(*args: object, **kwargs: object) -> str:
            raise AssertionError("the term sheet was computed")

        monkeypatch.setattr(pdf, "render_termsheet", render)
        with pytest.raises(RuntimeError, match=r"PDF needs Chromium"):
            render_pdf(load_contract(EXAMPLE), "en", today=TODAY)

    def test_unknown_language(self, example: Contract) -> None:
        """An unknown language is a ValueError, as for the other formats."""
        with pytest.raises(ValueError):
            render_pdf(example, "de", today=TODAY, chromium="/bin/false")
