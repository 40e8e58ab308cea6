"""The fund's reports: the chart of ``sibkit fund run --chart`` and the summary sheet of ``sibkit fund sheet``.

The Leeuwarden fund (``funds/leeuwarden-oost.toml``) is run once for the module; the sheet in Dutch and English
must show the engine's figures as the sheet's ``Language`` writes them, the definitions of ``docs/fund.md``, and,
in the pseudo-locale ``xx`` of ``tests/test_pseudo_locale.py``, no word the catalogue did not write. Names are
data (escaped in HTML and Markdown); files are written by the output policy (atomic, ``--force``).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from test_pseudo_locale import ALLOWED, _contract_texts, _sibkit, locale_path  # noqa: F401  (a fixture)

from sibkit.cli import main
from sibkit.engine.fund import RECYCLED, FundWhy
from sibkit.fund_load import load_fund
from sibkit.i18n import Language
from sibkit.report.fund import (
    DEFINITIONS,
    FundBooks,
    compute_fund,
    fund_chart,
    fund_chart_labels,
    fund_sheet_view,
    render_fund_sheet,
    render_fund_view,
)

from conftest import ROOT

LEEUWARDEN = ROOT / "funds" / "leeuwarden-oost.toml"
TINY = ROOT / "tests" / "fund_contracts" / "tiny.toml"
TODAY = dt.date(2024, 6, 1)
HOSTILE = "{{ 7*7 }} <script>alert(1)</script>"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def books() -> FundBooks:
    return compute_fund(load_fund(LEEUWARDEN))


@pytest.fixture(scope="module")
def views(books: FundBooks) -> dict[str, dict[str, Any]]:
    return {lang: fund_sheet_view(books.loaded, lang, today=TODAY, books=books) for lang in ("nl", "en")}


@pytest.fixture(scope="module")
def html(views: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {lang: render_fund_view(view, "html") for lang, view in views.items()}


def _text(html_text: str) -> str:
    """The visible text of an HTML sheet (tags and the chart's SVG left out), white space as single spaces."""
    text = re.sub(r"<svg.*?</svg>|<style>.*?</style>|<[^>]+>", " ", html_text, flags=re.S)
    text = text.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()  # not str.split(): it would split at a no-break space


class TestSheetFigures:
    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_engine_figures(self, books: FundBooks, html: dict[str, str], lang: str) -> None:
        """The yearly books, the year-end balances, liability and cover, and each contributor's commitment and
        charge are the engine's, written by the sheet's Language."""
        w = Language(lang)
        r = books.signed
        text = _text(html[lang])

        def money(cents: int) -> str:
            return w.money(int(cents), r.fund.currency)

        for monthly in (r.by_why[FundWhy.CONTRIBUTION], r.by_why[FundWhy.OUTCOME_PAYMENT], r.total(*RECYCLED)):
            for cents in r.per_year(monthly):
                assert money(cents) in text
        for stock in (r.balance, r.liability, r.balance + r.future_contributions):
            for cents in r.year_end(stock):
                assert money(cents) in text
        for c, (commitment, paid, charged) in zip(r.fund.contributors, books.charges, strict=True):
            assert money(commitment) in text and money(paid) in text and money(charged) in text
            assert w.text(c.name) in text
        assert r.first_overcommitted is not None
        assert w.month(r.month_start(r.first_overcommitted)) in text
        assert money(int(r.total(*RECYCLED).sum())) in text

    def test_negative_balance_reads_as_short(self, books: FundBooks, html: dict[str, str]) -> None:
        """The balance with the pipeline falls below zero at the end; the Dutch sheet says 'tekort', without a
        minus sign before the amount."""
        assert books.pipeline is not None
        lowest = int(books.pipeline.balance.min())
        assert lowest < 0
        w = Language("nl")
        text = _text(html["nl"])
        assert f"{w.money(-lowest, 'EUR')} tekort" in text
        assert "€\u00a0-" not in text and "-€" not in text

    def test_page_one_answers_the_council(self, views: dict[str, dict[str, Any]]) -> None:
        """Page 1 holds what the fund buys, the decision, each contributor, the verdicts, money back and three
        key figures (English)."""
        d = views["en"]["decision"]
        assert "5 starts" in d["buys"][0] and "1 start" in d["buys"][0]
        assert d["decision"].startswith("To agree to Leeuwarden Oost outcomes fund from January 2023 for 20 years")
        assert [row[0] for row in d["contributors"]["rows"]] == ["FNO", "Gemeente Leeuwarden"]
        assert "From January 2026 the committed liability exceeds" in " ".join(d["verdicts"])
        assert "The fund does not sustain itself without new contributions within its books." in d["verdicts"]
        assert len(d["key_figures"]["rows"]) == 3

    def test_definitions_are_those_of_the_docs(self, html: dict[str, str]) -> None:
        """Every definition of Annex B is written in docs/fund.md (markup aside), word for word."""
        docs = (ROOT / "docs" / "fund.md").read_text(encoding="utf-8")
        docs = " ".join(re.sub(r"[*`]", "", docs).split())
        text = _text(html["en"])
        for term, definition in DEFINITIONS:
            body = definition[0].lower() + definition[1:-1]
            assert body.replace("(+:", "(+:") in docs, term
            assert definition in text

    def test_assumptions_annex(self, views: dict[str, dict[str, Any]]) -> None:
        """Annex A lists every figure of the fund file with the source or the assumption its provenance gives it,
        and the fund file's sources."""
        a = views["en"]["assumptions"]
        rows = {row[0]: row for row in a["rows"]}
        assert rows["contributors[0].commitment"][2:4] == ["€1,000,000.00", "assumption"]
        assert rows["contributors[0].commitment"][4].startswith("The sources give no amount. €1 million is assumed")
        assert rows["loans[0].rate"][2] == "2% a year"
        assert rows["pipeline[0].probability"][2:] == [
            "50%",
            "assumption",
            "An even chance of approval: nothing has been decided yet.",
        ]
        assert rows["horizon_months"][3] == "source"
        assert rows["horizon_months"][4].startswith(
            "Pilot resultaatfinanciering in de brede wijkaanpak Leeuwarden Oost [s000], L14 ("
        )
        assert [s[0] for s in a["sources"]] == ["s000", "s001", "s002"]


class TestTranslated:
    def test_dutch_headings(self, html: dict[str, str]) -> None:
        """The Dutch sheet speaks Dutch: title, page-1 headings, Dutch money and months."""
        text = _text(html["nl"])
        for words in (
            "Fondsoverzicht: Resultatenfonds Leeuwarden Oost",
            "Samenvatting voor het besluit",
            "Kan het fonds elk vastgesteld resultaat betalen?",
            "De drie belangrijkste cijfers",
            "Bijlage B. Definities",
            "januari 2026",
            "€\u00a01.000.000,00",
        ):
            assert words in text

    def test_every_word_goes_through_the_catalogue(self, locale_path: Path) -> None:  # noqa: F811
        """In the pseudo-locale, once the catalogue's messages and the fund's and its contracts' own texts
        (names, ids, file paths, the fund file's sources and assumptions) are taken away, no Latin word is left."""
        out = _sibkit(locale_path, "fund", "sheet", str(LEEUWARDEN.relative_to(ROOT)), "--format", "md", "--lang", "xx")
        assert out.count("⟦") > 100
        text = re.sub(r"data:[\w/+;,=-]+", " ", out).replace("\\", "")
        while re.search(r"⟦[^⟦⟧]*⟧", text):
            text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        text = re.sub(r"\$\.\S+", " ", text)
        source = LEEUWARDEN.read_text(encoding="utf-8")
        data = set(_contract_texts(LEEUWARDEN))
        for entry in tomllib.loads(source)["contracts"]:
            data |= set(_contract_texts((LEEUWARDEN.parent / entry["file"]).resolve()))
        text = " ".join(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").split())
        for own in sorted(data, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(' '.join(own.split()))}(?!\w)", " ", text)
        left = sorted({w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w not in ALLOWED})
        assert left == []


FUND = f"""
id = "f"
name = "{HOSTILE}"
currency = "EUR"
start = 2024-01-01
horizon_months = 24

[[contributors]]
id = "a"
name = "<script>alert('a')</script> & Co"
commitment = 6000

[[contracts]]
file = "{TINY}"
start = 2024-01-01
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fund file whose fund and contributor names hold HTML, a script and a Jinja expression."""
    path = tmp_path_factory.mktemp("hostile") / "fund.toml"
    path.write_text(FUND, encoding="utf-8")
    return path


class TestEscaping:
    def test_html(self, hostile: Path) -> None:
        """A fund or contributor name with <script> is text in the HTML: escaped, never markup or a template."""
        out = render_fund_sheet(load_fund(hostile), "en", "html", today=TODAY)
        assert "<script>" not in out
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
        assert "{{ 7*7 }}" in out and ">49<" not in out
        assert "&lt;script&gt;alert(&#39;a&#39;)&lt;/script&gt; &amp; Co" in out

    def test_markdown(self, hostile: Path) -> None:
        """In Markdown the names are escaped too (HTML as entities, Markdown syntax with backslashes)."""
        out = render_fund_sheet(load_fund(hostile), "nl", "md", today=TODAY)
        assert "<script>" not in out and "&lt;script&gt;" in out
        assert out.startswith("# Fondsoverzicht: \\{\\{ 7\\*7 \\}\\} &lt;script&gt;")


class TestWriting:
    def test_writes_and_refuses_to_overwrite(self, tmp_path: Path) -> None:
        """The first run writes the HTML; a second without --force exits 2 and leaves the file; --force replaces it."""
        out = tmp_path / "fund.html"
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "--lang", "nl", "-o", str(out))
        assert code == 0, err
        assert out.read_text(encoding="utf-8").lower().startswith("<!doctype html>")
        out.write_text("kept", encoding="utf-8")
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "-o", str(out))
        assert code == 2 and "use --force" in err and "Traceback" not in err
        assert out.read_text(encoding="utf-8") == "kept"
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "--format", "md", "-o", str(tmp_path / "f.md"))
        assert code == 0, err
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "-o", str(out), "--force")
        assert code == 0, err
        assert out.read_text(encoding="utf-8") != "kept"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["f.md", "fund.html"]

    def test_failed_render_leaves_no_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When rendering fails, nothing is written: not the file, not a temporary one."""
        import sibkit.cli.fund as cli

        def broken(*args: object, **kwargs: object) -> str:
            raise ValueError("broken template")

        monkeypatch.setattr(cli, "render_fund_sheet", broken)
        result = CliRunner().invoke(main, ["fund", "sheet", str(LEEUWARDEN), "-o", str(tmp_path / "fund.html")])
        assert result.exit_code != 0 and isinstance(result.exception, ValueError)
        assert list(tmp_path.iterdir()) == []

    def test_pdf_without_chromium_is_refused_without_a_file(self, tmp_path: Path) -> None:
        """A PDF with a Chromium that is not there: a message, exit 2, no traceback and no file."""
        code, _, err = invoke(
            "fund",
            "sheet",
            str(LEEUWARDEN),
            "--format",
            "pdf",
            "-o",
            str(tmp_path / "f.pdf"),
            env={"SIBKIT_CHROMIUM": str(tmp_path / "no-such-browser")},
        )
        assert code == 2 and "PDF needs Chromium" in err and "Traceback" not in err
        assert list(tmp_path.iterdir()) == []

    def test_user_mistakes(self, tmp_path: Path) -> None:
        """A PDF needs -o; the file name must fit the format; both refused with exit 2, before any work."""
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "--format", "pdf")
        assert code == 2 and "needs -o" in err
        code, _, err = invoke("fund", "sheet", str(LEEUWARDEN), "--format", "pdf", "-o", str(tmp_path / "f.html"))
        assert code == 2 and "expected a .pdf file" in err
        assert list(tmp_path.iterdir()) == []


def _svg_texts(data: bytes) -> list[str]:
    """Every text of an SVG (matplotlib keeps text as <text> elements)."""
    root = ET.fromstring(data)
    return [" ".join("".join(el.itertext()).split()) for el in root.iter() if el.tag.endswith("}text")]


class TestChart:
    def test_svg_in_dutch(self, tmp_path: Path) -> None:
        """fund run --chart x.svg writes a valid SVG whose texts are Dutch: series, axis, the marked month."""
        out = tmp_path / "fund.svg"
        code, stdout, err = invoke("fund", "run", str(LEEUWARDEN), "--lang", "nl", "--chart", str(out))
        assert code == 0, err
        texts = _svg_texts(out.read_bytes())
        assert "Kasstand (het geld van het fonds)" in texts
        assert "Kas en toekomstige inleg" in texts
        assert "Verplichtingen hoger dan kas en toekomstige inleg vanaf januari 2026" in texts
        assert "Jaar" in texts and "2023" in texts and "3.000.000" in texts
        assert "Grafiek geschreven naar" in stdout

    def test_png_and_force(self, tmp_path: Path) -> None:
        """A .png is a PNG image; a second run without --force refuses to replace it (before running the fund)."""
        out = tmp_path / "fund.png"
        code, _, err = invoke("fund", "run", str(LEEUWARDEN), "--json", "--chart", str(out))
        assert code == 0, err
        data = out.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 800 and height >= 400
        code, _, err = invoke("fund", "run", str(LEEUWARDEN), "--chart", str(out))
        assert code == 2 and "use --force" in err
        code, _, err = invoke("fund", "run", str(LEEUWARDEN), "--chart", str(tmp_path / "fund.jpg"))
        assert code == 2 and "expected a .png or .svg file" in err

    def test_english_labels_and_marks(self, books: FundBooks) -> None:
        """In English (the default) the chart names its series and marks the month liability exceeds cover;
        a fund that never falls short has no shortfall mark."""
        texts = _svg_texts(fund_chart(books.signed, books.pipeline, "svg"))
        assert "Balance (the fund's cash)" in texts
        assert "Balance with the pipeline (expected value)" in texts
        assert "Liability above cash and future contributions from January 2026" in texts
        assert not any(t.startswith("First shortfall") for t in texts)
        assert books.signed.first_shortfall is None and np.all(books.signed.balance >= 0)


class TestRefusedBeforeWork:
    def test_existing_file_is_refused_before_the_fund_is_run(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """fund sheet -o and fund run --chart refuse an existing file with the one message, before any work."""
        import sibkit.cli.fund as cli

        def boom(*args: object, **kwargs: object) -> None:
            raise AssertionError("the work started before the output file was checked")

        monkeypatch.setattr(cli, "load_fund", boom)
        for name, args in (("f.html", ("sheet", "-o")), ("f.svg", ("run", "--chart"))):
            out = tmp_path / name
            out.write_bytes(b"kept")
            code, _, err = invoke("fund", args[0], str(LEEUWARDEN), args[1], str(out))
            assert code == 2
            assert err.strip() == f"{out}: the file exists; use --force to replace it"
            assert out.read_bytes() == b"kept"


SHORT = f"""
id = "short"
name = "Short fund"
currency = "EUR"
start = 2024-01-01
horizon_months = 12

[[contributors]]
id = "a"
name = "A"
commitment = 1000

[[contracts]]
file = "{TINY}"
start = 2024-01-01
"""
"""A fund of €1,000 paying the tiny contract's €5,000 in April 2024: it falls €4,000 short."""


class TestShortfall:
    def test_sheet_and_chart_name_the_first_shortfall(self, tmp_path: Path) -> None:
        """A fund that cannot pay a result: page 1 names the month and how short it falls, the tables write the
        balance as 'tekort', and the chart marks the month in its legend."""
        path = tmp_path / "short.toml"
        path.write_text(SHORT, encoding="utf-8")
        books = compute_fund(load_fund(path))
        r = books.signed
        assert r.first_shortfall == 3 and r.shortfall == 400_000
        view = fund_sheet_view(books.loaded, "nl", today=TODAY, books=books)
        verdicts = " ".join(view["decision"]["verdicts"])
        assert (
            "Eerste maand waarin het fonds een vastgesteld resultaat niet volledig kan betalen: april 2024" in verdicts
        )
        assert "€\u00a04.000,00" in verdicts
        assert view["decision"]["key_figures"]["rows"][0][1] == "€\u00a04.000,00 tekort"
        texts = _svg_texts(fund_chart(r, None, "svg", labels=fund_chart_labels(Language("nl")), lang=Language("nl")))
        assert "Eerste tekort: april 2024" in texts

    def test_a_fund_with_only_a_pipeline(self, tmp_path: Path) -> None:
        """A fund whose only contract is not yet approved renders in both languages and says it is bound to
        nothing."""
        path = tmp_path / "pipeline.toml"
        path.write_text(SHORT.replace("[[contracts]]", "[[pipeline]]\nprobability = 0.5"), encoding="utf-8")
        loaded = load_fund(path)
        assert "has no signed contract yet" in render_fund_sheet(loaded, "en", "html", today=TODAY)
        assert "heeft nog geen ondertekend contract" in render_fund_sheet(loaded, "nl", "md", today=TODAY)
