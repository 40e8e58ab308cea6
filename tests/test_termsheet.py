"""Term sheets: the view model, Dutch and English, Markdown and standalone HTML, written atomically.

Golden files: ``tests/golden/termsheet.{en,nl}.{md,html}`` hold the term sheet of the
Leeuwarden example (``contracts/leeuwarden-oost-pilot.toml``) rendered on 1 June 2024, and
the rendering must match them exactly. After an intended change to the templates, the
translations, the engine or the checks, regenerate them and review the diff::

    SIBKIT_UPDATE_GOLDEN=1 python -m pytest -q -p no:cacheprovider tests/test_termsheet.py

With the variable set the golden tests rewrite their files instead of comparing (and pass).
The payoff chart is matplotlib's SVG, so a new matplotlib version can change the HTML and
Markdown goldens too.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import os
import pkgutil
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import sibkit
import sibkit.engine.maximum
import sibkit.engine.waterfall
import sibkit.report.termsheet as termsheet
import sibkit.report.termsheet.render
import sibkit.sweep
from sibkit.i18n import Language
from sibkit.load import load_contract, loads
from sibkit.model import Contract
from sibkit.report import charts
from sibkit.report.docx import render_docx
from sibkit.report.templating import markdown_escape
from sibkit.report.termsheet import render_termsheet, render_view, termsheet_view, write_termsheet
from sibkit.testing.strategies import contracts

from conftest import EXAMPLE, ROOT

GOLDEN = Path(__file__).parent / "golden"
TODAY = dt.date(2024, 6, 1)
UPDATE = os.environ.get("SIBKIT_UPDATE_GOLDEN") == "1"
CATALOGUE = ROOT / "sibkit" / "locale" / "nl" / "LC_MESSAGES" / "sibkit.po"
RICH = sorted((ROOT / "contracts").glob("*.toml")) + sorted(
    (ROOT / "tests" / "engine_contracts").glob("*.toml")
)
"""Contracts with tranches, guarantees, fees, cohort rules, savings: every part of the term sheet."""

MINIMAL = """
format = 1
name = "Minimal"
[timeline]
start = 2025-01-01
enrolment_months = 6
service_months = 6
term_months = 12
[[payers]]
id = "city"
name = "City"
[[providers]]
id = "coach"
name = "Coach"
capacity = 10
enrolment = { total = 10, months = 6 }
cost_per_participant = 500
[[metrics]]
id = "work"
name = "Work"
[[rules]]
type = "tariff"
id = "tariff"
price_per_participant = 1000
components = [ { metric = "work", weight = 1 } ]
"""
"""A contract with only what the format requires: every optional section is empty."""

EMPTY_MESSAGES = {
    "en": [
        "The contract names no governing law.",
        "The contract names no investor.",
        "The contract names no intermediary.",
        "The contract names no evaluator or validator.",
        "The contract states no purpose.",
        "The contract does not describe the target population.",
        "The contract states no eligibility criteria.",
        "The contract does not say who refers participants.",
        "The contract sets no minimum or maximum number of referrals.",
        "The contract defines no difficulty segments.",
        "The contract states no signing date.",
        "The contract gives no definition.",
        "The contract does not say who measures.",
        "The contract names no data source.",
        "The contract sets no caps on outcome payments.",
        "The contract charges no VAT on outcome payments.",
        "The contract has no guarantees or first-loss pieces.",
        "The contract sets no priority of payments: outcome payments go straight to the providers.",
        "The contract sets no fees (intermediary, evaluation, legal or other).",
        "The contract defines no scenarios; the table shows the case where every participant achieves every outcome.",
        "No Monte Carlo simulation was run for this term sheet; ask for one with a number of scenarios.",
        "The contract lists no sources.",
        "The contract records no source or assumption for any of its numbers.",
    ],
    "nl": [
        "Het contract noemt geen toepasselijk recht.",
        "Het contract noemt geen investeerder.",
        "Het contract noemt geen intermediair.",
        "Het contract noemt geen evaluator of validator.",
        "Het contract noemt geen doel.",
        "Het contract beschrijft de doelgroep niet.",
        "Het contract noemt geen toelatingscriteria.",
        "Het contract zegt niet wie deelnemers verwijst.",
        "Het contract noemt geen minimum of maximum aantal verwijzingen.",
        "Het contract onderscheidt geen zwaartesegmenten.",
        "Het contract noemt geen datum van ondertekening.",
        "Het contract geeft geen definitie.",
        "Het contract zegt niet wie meet.",
        "Het contract noemt geen gegevensbron.",
        "Het contract stelt geen plafonds aan de resultaatbetalingen.",
        "Het contract rekent geen btw over resultaatbetalingen.",
        "Het contract kent geen garanties of first-lossdelen.",
        "Het contract kent geen uitbetalingsvolgorde: resultaatbetalingen gaan rechtstreeks naar de aanbieders.",
        "Het contract kent geen vergoedingen (voor intermediair, evaluatie, juridisch advies of anders).",
        "Het contract definieert geen scenario's; de tabel toont het geval waarin elke deelnemer elk resultaat behaalt.",
        "Voor deze term sheet is geen Monte-Carlosimulatie uitgevoerd; vraag er een aan met een aantal scenario's.",
        "Het contract noemt geen bronnen.",
        "Het contract legt voor geen van zijn getallen een bron of aanname vast.",
    ],
}

_NETWORK = re.compile(r"""\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I)


# -- shared renderings -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def example() -> Contract:
    return load_contract(EXAMPLE)


@pytest.fixture(scope="module")
def views(example: Contract) -> dict[str, dict[str, Any]]:
    """The example's view model per language, computed once for the module."""
    return {lang: termsheet_view(example, lang, today=TODAY) for lang in ("en", "nl")}


@pytest.fixture(scope="module")
def minimal() -> dict[tuple[str, str], str]:
    """The minimal contract's term sheet per (language, format)."""
    contract = loads(MINIMAL)
    out = {}
    for lang in ("en", "nl"):
        view = termsheet_view(contract, lang, today=TODAY)
        for fmt in ("md", "html"):
            out[lang, fmt] = render_view(view, fmt)
    return out


def _table_widths(markdown: str) -> Iterator[tuple[int, list[int]]]:
    """For each Markdown table: its first line number and the number of unescaped pipes in each row."""
    rows: list[int] = []
    start = 0
    for number, line in enumerate([*markdown.splitlines(), ""], start=1):
        if line.startswith("|"):
            if not rows:
                start = number
            rows.append(len(re.findall(r"(?<!\\)\|", line)))
        elif rows:
            yield start, rows
            rows = []


def _money_cells(view: dict[str, Any]) -> list[str]:
    return [
        cell
        for row in view["scenarios"]["rows"]
        if row["kind"] == "money"
        for cell in row["cells"]
        if cell != view["not_defined"]
    ]


# -- golden files ------------------------------------------------------------------------------------------
class TestGolden:
    @pytest.mark.parametrize("fmt", ["md", "html"])
    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_example(self, views: dict[str, dict[str, Any]], lang: str, fmt: str) -> None:
        """The Leeuwarden term sheet is exactly the golden file (SIBKIT_UPDATE_GOLDEN=1 rewrites it)."""
        text = render_view(views[lang], fmt)
        path = GOLDEN / f"termsheet.{lang}.{fmt}"
        if UPDATE:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
        assert path.read_text(encoding="utf-8") == text

    def test_render_termsheet_is_the_view_rendered(self, example: Contract, views: dict[str, dict[str, Any]]) -> None:
        """``render_termsheet`` gives the same text as ``render_view`` of ``termsheet_view``."""
        assert render_termsheet(example, "nl", "md", today=TODAY) == render_view(views["nl"], "md")

    def test_dutch_money_has_a_no_break_space(self, views: dict[str, dict[str, Any]]) -> None:
        """Dutch amounts read like € 3.500,00 with Babel's no-break space, in both formats."""
        for fmt in ("md", "html"):
            text = render_view(views["nl"], fmt)
            assert "€\u00a03.500,00 per deelnemer" in text
            assert "| Resultatenfonds Leeuwarden Oost | €\u00a0630.000,00 |" in text or fmt == "html"
            assert "€ 3.500,00 per deelnemer" not in text

    def test_english_money(self, views: dict[str, dict[str, Any]]) -> None:
        """English amounts read like €3,500.00; the 70/20/10 split is shown with its amounts."""
        text = render_view(views["en"], "md")
        assert "| Individual result (individueel resultaat) | 70% | €2,450.00 |" in text
        assert "€3,500.00 per participant at full result" in text

    def test_scenario_table(self, views: dict[str, dict[str, Any]]) -> None:
        """One column per named scenario, in the contract's order, with payer cost and provider margins."""
        scenarios = views["en"]["scenarios"]
        assert scenarios["columns"] == ["low", "base", "high"]
        labels = [row["label"] for row in scenarios["rows"]]
        assert "Resultatenfonds Leeuwarden Oost: cost per outcome" in labels
        assert "Dreamfabryk: margin" in labels
        margin = next(r for r in scenarios["rows"] if r["label"] == "Dreamfabryk: margin")
        assert margin["cells"] == ["-€49,800.00", "€9,100.00", "€72,100.00"]


class TestChartLabels:
    def test_chart_labels_follow_the_charts_module(self) -> None:
        """``chart_labels`` gives every text of ``charts.LABELS`` (all three charts): English as written, and in
        Dutch a translation for each, its ``{…}`` fields kept."""
        assert termsheet.chart_labels(Language("en")) == charts.LABELS
        dutch = termsheet.chart_labels(Language("nl"))
        assert dutch.keys() == charts.LABELS.keys()
        assert dutch["money_panel"] == "Kosten van de betaler en marge van de aanbieder"
        for key, text in charts.LABELS.items():
            assert sorted(re.findall(r"\{\w+\}", dutch[key])) == sorted(re.findall(r"\{\w+\}", text)), key

    def test_chart_is_translated_and_labels_restored(self, views: dict[str, dict[str, Any]]) -> None:
        """The Dutch chart speaks Dutch; drawing it leaves ``charts.LABELS`` in English."""
        assert "Kosten van de betaler en marge van de aanbieder" in views["nl"]["chart"]["svg"]
        assert "Payer cost and provider margin" in views["en"]["chart"]["svg"]
        assert charts.LABELS["money_panel"] == "Payer cost and provider margin"


# -- engine work, done once --------------------------------------------------------------------------------
def _count_engine_calls(monkeypatch: pytest.MonkeyPatch, contract: Contract) -> Counter[str]:
    """Wrap ``maximum_payment``, ``run_batch`` and ``sweep`` wherever a sibkit module has imported them and
    count their calls (``maximum_payment`` only for ``contract``, not for the changed copies a check builds)."""
    for info in pkgutil.walk_packages(sibkit.__path__, "sibkit."):
        importlib.import_module(info.name)
    originals: dict[str, Callable[..., Any]] = {
        "maximum_payment": sibkit.engine.maximum.maximum_payment,
        "run_batch": sibkit.engine.waterfall.run_batch,
        "sweep": sibkit.sweep.sweep,
    }
    calls: Counter[str] = Counter()

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if name != "maximum_payment" or args[0] == contract:
                calls[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    for module_name, module in list(sys.modules.items()):
        if module_name == "sibkit" or module_name.startswith("sibkit."):
            for name, fn in originals.items():
                if getattr(module, name, None) is fn:
                    monkeypatch.setattr(module, name, counting(name, fn))
    return calls


class TestComputeOnce:
    def test_term_sheet_computes_the_maximum_once(self, example: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
        """A term sheet computes the maximum payment once and sweeps once: the scenario runs, the checks, the
        payment and risk sections and the payoff chart all reuse them (before: 11 maximums, 2 sweeps)."""
        calls = _count_engine_calls(monkeypatch, example)
        render_termsheet(example, "nl", "md", today=TODAY)
        assert calls["maximum_payment"] == 1
        assert calls["sweep"] == 1
        # three scenarios, the sweep, the checks' expected and half-success runs, one check's own batch, the run
        # at the maximum (page 1); and the bisection of each provider's break-even inside its bracket of 0.1:
        # a bracket shrinks 16-fold a run, so 5 runs reach a millionth (16^5 > 10^5)
        assert calls["run_batch"] <= 8 + 5 * len(example.providers)

    def test_word_document_computes_once(self, example: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
        """The Word document draws its pictures from the results its text shows: one computation, not two."""
        calls = _count_engine_calls(monkeypatch, example)
        render_docx(example, "en", today=TODAY)
        assert calls["maximum_payment"] == 1
        assert calls["sweep"] == 1
        assert calls["run_batch"] <= 8 + 5 * len(example.providers)  # as for the term sheet above


class TestPackage:
    PACKAGE = ROOT / "sibkit" / "report" / "termsheet"

    def test_small_modules_and_functions(self) -> None:
        """The term sheet package keeps one concept per module: no module over 500 lines, no function over 60."""
        too_long = []
        for path in sorted(self.PACKAGE.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > 500:
                too_long.append(path.name)
            for node in ast.walk(ast.parse(text)):
                length = (node.end_lineno or 0) - node.lineno + 1 if isinstance(node, ast.FunctionDef) else 0
                if length > 60:
                    too_long.append(f"{path.name}:{getattr(node, 'name', '')}")
        assert too_long == []

    def test_no_language_branches(self) -> None:
        """No section or template asks which language it writes: every word goes through the catalogue."""
        templates = sorted((ROOT / "templates" / "termsheet").glob("*.j2"))
        branches = [
            f"{path.name}:{number}"
            for path in [*sorted(self.PACKAGE.glob("*.py")), *templates]
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            if re.search(r"""(?:\.code|\blang)\s*[!=]=\s*["'](?:nl|en)["']""", line)
        ]
        assert branches == []


# -- formatting --------------------------------------------------------------------------------------------
class TestLanguage:
    def test_money(self) -> None:
        """Whole cents as money per locale: Dutch with a no-break space, English without."""
        assert Language("nl").money(350000, "EUR") == "€\u00a03.500,00"
        assert Language("en").money(350000, "EUR") == "€3,500.00"
        assert Language("en").money(-1250, "EUR") == "-€12.50"

    def test_money_needs_whole_cents(self) -> None:
        """A fraction of a cent is refused: the engine rounds before anything is formatted."""
        with pytest.raises(ValueError, match=r"expected whole cents, got 12\.5"):
            Language("en").money(12.5, "EUR")  # type: ignore[arg-type]

    def test_percent_keeps_decimals(self) -> None:
        """7.25% stays 7.25% (Babel's default pattern would show 7%)."""
        assert Language("en").percent(Decimal("0.0725")) == "7.25%"
        assert Language("nl").percent(Decimal("0.0725")) == "7,25%"
        assert Language("nl").percent(Decimal("0.7")) == "70%"

    def test_rates_and_dates(self) -> None:
        """Computed rates with one decimal, undefined ones as None; dates written out."""
        assert Language("nl").rate(0.0512) == "5,1%"
        assert Language("en").rate(float("nan")) is None
        assert Language("nl").date(dt.date(2023, 1, 1)) == "1 januari 2023"
        assert Language("en").month(dt.date(2023, 1, 1)) == "January 2023"

    def test_plural(self) -> None:
        """ngettext picks the Dutch plural form."""
        nl = Language("nl")
        assert nl.ngettext("%(num)d month", "%(num)d months", 1) == "1 maand"
        assert nl.ngettext("%(num)d month", "%(num)d months", 9) == "9 maanden"

    def test_unknown_language(self, example: Contract) -> None:
        """Only nl and en are known."""
        with pytest.raises(ValueError, match="unknown language 'de'; expected one of: en, nl"):
            Language("de")
        with pytest.raises(ValueError, match="unknown format 'pdf'; expected one of: md, html"):
            render_termsheet(example, "en", "pdf", today=TODAY)


# -- contract text is data ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """The example under the name ``{{ 7*7 }} <script>alert(1)</script>``, in both formats."""
    contract = attrs.evolve(load_contract(EXAMPLE), name="{{ 7*7 }} <script>alert(1)</script>")
    view = termsheet_view(contract, "en", today=TODAY)
    return {fmt: render_view(view, fmt) for fmt in ("md", "html")}


class TestEscaping:
    def test_markdown(self, rendered: dict[str, str]) -> None:
        """In Markdown the name is escaped: no template evaluated, no HTML, no Markdown syntax."""
        first = rendered["md"].splitlines()[0]
        assert first == r"# Term sheet: \{\{ 7\*7 \}\} &lt;script&gt;alert(1)&lt;/script&gt;"
        assert "<script" not in rendered["md"]

    def test_html(self, rendered: dict[str, str]) -> None:
        """In HTML the name is shown literally, as entities; no script element anywhere (the chart included)."""
        html = rendered["html"]
        assert "<title>Term sheet: {{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
        assert "<h1>Term sheet: {{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
        assert "<script" not in html
        assert "Term sheet: 49" not in html


# -- empty sections ----------------------------------------------------------------------------------------
class TestEmptySections:
    @pytest.mark.parametrize("fmt", ["md", "html"])
    @pytest.mark.parametrize("lang", ["en", "nl"])
    def test_each_empty_section_says_so(self, minimal: dict[tuple[str, str], str], lang: str, fmt: str) -> None:
        """A section the contract has no data for says so in a sentence, in the language."""
        text = minimal[lang, fmt]
        for message in EMPTY_MESSAGES[lang]:
            shown = markdown_escape(message) if fmt == "md" else message.replace("'", "&#39;")
            assert shown in text, message

    def test_no_section_is_dropped(self, minimal: dict[tuple[str, str], str]) -> None:
        """The minimal contract's term sheet has every section of the full one."""
        full = render_termsheet(load_contract(EXAMPLE), "en", "md", today=TODAY)
        headings = [line for line in full.splitlines() if line.startswith("## ")]
        assert len(headings) == 20
        assert [line for line in minimal["en", "md"].splitlines() if line.startswith("## ")] == headings

    def test_example_has_no_intermediary(self, views: dict[str, dict[str, Any]]) -> None:
        """The pilot names no intermediary, and says so in both languages."""
        assert "The contract names no intermediary." in render_view(views["en"], "md")
        assert "Het contract noemt geen intermediair." in render_view(views["nl"], "html")


class TestUnpaidAtTheEnd:
    def test_interest_never_paid_gets_a_row_in_both_languages(self) -> None:
        """In the guarantee contract's `low` scenario the senior loan's €13,800 of interest is never paid:
        the scenario table says so (in `mid` and `base` it is paid: €0)."""
        contract = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        en = render_termsheet(contract, "en", "md", today=TODAY)
        nl = render_termsheet(contract, "nl", "md", today=TODAY)
        assert "| senior (Bank): interest still due at the end, not paid | €13,800.00 | €0.00 | €0.00 |" in en
        assert "senior (Bank): rente aan het eind nog verschuldigd, niet betaald | €\u00a013.800,00" in nl

    def test_nothing_unpaid_means_no_row(self) -> None:
        """The pilot has no loans or fees: no such rows."""
        text = render_termsheet(load_contract(EXAMPLE), "en", "md", today=TODAY)
        assert "still due at the end" not in text

# -- standalone HTML ---------------------------------------------------------------------------------------
class TestHtml:
    def test_nothing_from_the_network(self, views: dict[str, dict[str, Any]]) -> None:
        """No src or href points outside the file; no stylesheet, script or font is fetched."""
        for lang in ("en", "nl"):
            html = render_view(views[lang], "html")
            assert _NETWORK.findall(html) == []
            assert not re.search(r"<(?:link|script|iframe|img)\b", html)
            assert "@import" not in html
            assert re.findall(r"url\(\s*['\"]?(?!#)", html) == []  # only the chart's own clip paths

    def test_standalone_and_printable(self, views: dict[str, dict[str, Any]]) -> None:
        """One file: inline CSS with an A4 print stylesheet and page breaks, the chart as inline SVG."""
        html = render_view(views["nl"], "html")
        assert html.startswith('<!DOCTYPE html>\n<html lang="nl">')
        assert "@page { size: A4;" in html
        assert "section.major { break-before: page;" in html
        assert html.count('<section id="') == 20 and html.count('class="major"') == 2
        assert html.count("<svg ") == 2 and "<?xml" not in html and "<metadata>" not in html

    def test_rich_contracts(self) -> None:
        """Contracts with tranches, guarantees, fees and cohort rules render, tables well formed."""
        for path in RICH:
            text = render_termsheet(load_contract(path), "en", "md", today=TODAY)
            for start, widths in _table_widths(text):
                assert len(set(widths)) == 1, f"{path.name}: table at line {start}"
            assert "## 8. Financing" in text

    def test_monte_carlo(self) -> None:
        """With a number of scenarios the term sheet summarises a simulation with seed 0."""
        contract = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        text = render_termsheet(contract, "nl", "md", today=TODAY, simulate_n=40)
        assert "40 willekeurig getrokken scenario's (seed 0)." in text
        assert "| Tranche | Kans op verlies | Verwacht verlies |" in text
        assert text == render_termsheet(contract, "nl", "md", today=TODAY, simulate_n=40)


# -- properties --------------------------------------------------------------------------------------------
class TestProperties:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(contracts())
    def test_any_contract_renders(self, contract: Contract) -> None:
        """Every generated contract renders in both languages and formats; every amount of the scenario
        table appears, formatted, in both outputs; Markdown tables stay well formed."""
        for lang in ("en", "nl"):
            view = termsheet_view(contract, lang, today=TODAY)
            cells = _money_cells(view)
            assert cells
            for fmt in ("md", "html"):
                text = render_view(view, fmt)
                for cell in cells:
                    assert cell in text
                if fmt == "md":
                    for start, widths in _table_widths(text):
                        assert len(set(widths)) == 1, f"table at line {start}"
                else:
                    assert _NETWORK.findall(text) == []


# -- writing -----------------------------------------------------------------------------------------------
class TestWrite:
    def test_writes_and_refuses_to_overwrite(self, tmp_path: Path) -> None:
        """The text is written as UTF-8; a second write without overwrite raises and leaves the file as it was."""
        target = tmp_path / "termsheet.md"
        write_termsheet(target, "€\u00a03.500,00\n")
        assert target.read_text(encoding="utf-8") == "€\u00a03.500,00\n"
        with pytest.raises(FileExistsError):
            write_termsheet(target, "other")
        assert target.read_text(encoding="utf-8") == "€\u00a03.500,00\n"
        write_termsheet(target, "new", overwrite=True)
        assert target.read_text(encoding="utf-8") == "new"

    def test_no_file_when_rendering_fails(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When rendering raises, nothing is written: no file, no temporary file."""

        def broken(view: dict[str, Any], fmt: str) -> str:
            raise RuntimeError("template failed")

        monkeypatch.setattr(sibkit.report.termsheet.render, "render_view", broken)
        target = tmp_path / "termsheet.html"
        with pytest.raises(RuntimeError, match="template failed"):
            write_termsheet(target, termsheet.render_termsheet(loads(MINIMAL), "en", "html", today=TODAY))
        assert list(tmp_path.iterdir()) == []

    def test_no_partial_file_when_writing_fails(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the write itself fails, the old file stays whole and no temporary file is left."""
        target = tmp_path / "termsheet.md"
        target.write_text("old", encoding="utf-8")

        def failing_replace(src: str, dst: str) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError, match="disk full"):
            write_termsheet(target, "new " * 10_000, overwrite=True)
        assert target.read_text(encoding="utf-8") == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["termsheet.md"]
