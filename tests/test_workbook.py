"""``sibkit workbook``: the workbook read back with openpyxl, its formulas evaluated with the ``formulas`` package.

Every total equals the engine's run to the cent; the live formulas (SUM, SUMIF, SUMIFS, XIRR, IRR) evaluate to
the engine's figures and every check cell to OK; contract text never becomes a formula; the same input gives
the same bytes; the Dutch workbook speaks Dutch.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import os
import re
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sibkit.cli import main
from sibkit.engine.irr import xirr
from sibkit.engine.results import Results
from sibkit.engine.run import run
from sibkit.load import load_contract, loads
from sibkit.model import Contract
from sibkit.report.workbook import FIXED_TIME, workbook_bytes

from conftest import EXAMPLE, ROOT

GUARANTEE = ROOT / "tests" / "show_contracts" / "fund-guarantee-segments.toml"
SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
LOSING = ROOT / "contracts" / "peterborough.toml"
"""A tranche that loses money over nine years: XIRR must start from a guess of 0% to find its rate."""

SIBKIT_FORMULA = re.compile(r"^=(SUM\(|SUMIF\(|SUMIFS\(|IF\(|XIRR\(|\(1\+IRR\(|[A-Z]+\d+[-+][A-Z]+\d+$)")
"""The formulas sibkit writes; any other formula in a workbook would have come from somewhere else."""


@cache
def _bytes(path: Path, lang: str = "en") -> bytes:
    return workbook_bytes(load_contract(path), lang)


def _book(path: Path, lang: str = "en") -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(_bytes(path, lang)))


@cache
def _evaluated(path: Path, lang: str = "en") -> dict[tuple[str, str], Any]:
    """Every cell's value as the formula engine computes it: (sheet name in upper case, cell) → value."""
    if os.environ.get("CI") and importlib.util.find_spec("formulas") is None:
        pytest.fail('CI is set but the formula engine is not installed: pip install "formulas[excel]>=1.3"')
    formulas = pytest.importorskip("formulas")
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"{path.stem}-{lang}.xlsx"
        file.write_bytes(_bytes(path, lang))
        solution = formulas.ExcelModel().loads(str(file)).finish().calculate()
    out: dict[tuple[str, str], Any] = {}
    for key, value in solution.items():
        m = re.fullmatch(r"'\[[^\]]+\](.*)'!([A-Z]+\d+)", key)
        if m and hasattr(value, "value"):
            out[(m[1], m[2])] = value.value[0][0]
    return out


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(values_only=True))


def _run(path: Path) -> tuple[Contract, Results]:
    c = load_contract(path)
    return c, run(c)


def _cents(value: Any) -> int:
    return round(float(value) * 100)


class TestTotals:
    def test_accounts_engine_columns_equal_the_run_to_the_cent(self) -> None:
        """Each party's total row holds the engine's pays, receives and savings of the run, to the cent."""
        _, res = _run(EXAMPLE)
        rows = _rows(_book(EXAMPLE)["Accounts"])
        header = rows[0]
        totals = {r[0]: r for r in rows[1:] if r[3] == "total"}
        assert set(totals) == {a.id for a in res.accounts}
        for a in res.accounts:
            row = totals[a.id]
            assert _cents(row[header.index("Engine: pays")]) == int(a.pays[0])
            assert _cents(row[header.index("Engine: receives")]) == int(a.receives[0])
            assert _cents(row[header.index("Engine: cashable savings")]) == int(a.savings[0])

    def test_formulas_evaluate_to_the_engine_totals(self) -> None:
        """The live SUM/SUMIFS totals, evaluated, equal the run's accounts to the cent."""
        _, res = _run(EXAMPLE)
        values = _evaluated(EXAMPLE)
        ws = _book(EXAMPLE)["Accounts"]
        seen = 0
        for row in ws.iter_rows(min_row=2):
            if row[3].value != "total":
                continue
            a = next(x for x in res.accounts if x.id == row[0].value)
            assert _cents(values[("ACCOUNTS", row[4].coordinate)]) == int(a.pays[0])
            assert _cents(values[("ACCOUNTS", row[5].coordinate)]) == int(a.receives[0])
            assert _cents(values[("ACCOUNTS", row[6].coordinate)]) == int(a.net[0])
            seen += 1
        assert seen == len(res.accounts)

    def test_every_check_cell_says_ok(self) -> None:
        """Every check cell of the Leeuwarden workbook and of a deal with tranches evaluates to OK."""
        for path in (EXAMPLE, GUARANTEE, SIB, LOSING):
            checks = [v for v in _evaluated(path).values() if v in ("OK", "DIFFERS")]
            assert len(checks) > 10
            assert set(checks) == {"OK"}, path.name

    def test_ledger_total_is_every_movement(self) -> None:
        """The ledger sheet lists every movement of the run, and its total formula adds them up."""
        c, res = _run(EXAMPLE)
        entries = list(res.flows.ledger.entries(0))
        rows = _rows(_book(EXAMPLE)["Ledger"])
        body = rows[1:-1]
        assert len(body) == len(entries)
        assert [_cents(r[4]) for r in body] == [e.amount for e in entries]
        assert [r[1].date() for r in body] == [c.timeline.month_start(e.month) for e in entries]
        total_cell = f"E{len(rows)}"
        assert _cents(_evaluated(EXAMPLE)[("LEDGER", total_cell)]) == sum(e.amount for e in entries)


class TestRates:
    def test_xirr_and_irr_recompute_to_the_engine(self) -> None:
        """The XIRR formula over the monthly flows and their dates agrees with the engine's xirr within 1e-6,
        and the annualised monthly IRR formula with the engine's IRR."""
        for path in (GUARANTEE, SIB, LOSING):
            c, res = _run(path)
            values = _evaluated(path)
            ws = _book(path)["Tranches"]
            header = [cell.value for cell in ws[1]]
            for j, t in enumerate(res.tranches):
                row = ws[2 + j]
                assert row[0].value == t.id
                flows = [float(x) for x in res.flows.tranche_cash[0, :, j]]
                dates = [c.timeline.month_start(m) for m in range(len(flows))]
                live_x = values[("TRANCHES", row[header.index("XIRR (actual days)")].coordinate)]
                live_irr = values[("TRANCHES", row[header.index("IRR (monthly, annualised)")].coordinate)]
                assert abs(float(live_x) - xirr(flows, dates)) < 1e-6
                assert abs(float(live_irr) - float(t.irr[0])) < 1e-6
                assert row[header.index("XIRR (actual days)")].value.startswith("=XIRR(")

    def test_cash_flow_dates_are_real_dates(self) -> None:
        """The cash flows sheet has one row per month with the month's first day as a date cell."""
        c = load_contract(EXAMPLE)
        ws = _book(EXAMPLE)["Cash flows"]
        assert ws.freeze_panes == "D2"
        dates = [ws.cell(row=2 + m, column=2) for m in range(c.timeline.term_months)]
        assert all(cell.is_date for cell in dates)
        assert dates[0].value == dt.datetime(2023, 1, 1) and dates[-1].value == dt.datetime(2025, 12, 1)


_HOSTILE = {
    'name = "Leeuwarden Oost — pilot resultatenfonds"': 'name = "=HYPERLINK(\\"http://x\\",\\"klik\\")"',
    'name = "Wijkbedrijf Bilgaard"': "name = \"+cmd|' /C calc'!A0\"",
    'name = "Dreamfabryk"': 'name = "-2+3"',
    'name = "FNO"': 'name = "@SUM(1+1)"',
}


def _hostile() -> Contract:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in _HOSTILE.items():
        assert old in text
        text = text.replace(old, new)
    return loads(text)


class TestSafety:
    def test_contract_text_never_becomes_a_formula(self) -> None:
        """Names starting with =, +, - and @ are text cells; every formula in the workbook is one of sibkit's."""
        data = workbook_bytes(_hostile(), "en")
        book = openpyxl.load_workbook(io.BytesIO(data))
        hostile = {'=HYPERLINK("http://x","klik")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"}
        found = set()
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        assert SIBKIT_FORMULA.match(str(cell.value)), (ws.title, cell.coordinate, cell.value)
                    if cell.value in hostile:
                        assert cell.data_type == "s", (ws.title, cell.coordinate)
                        found.add(cell.value)
        assert found == hostile
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    formulas = re.findall(rb"<f>(.*?)</f>", z.read(name))
                    assert not [f for f in formulas if b"HYPERLINK" in f or b"cmd" in f or b"@SUM" in f]


class TestDeterminism:
    def test_same_input_same_bytes(self) -> None:
        """Two workbooks of the same contract are byte for byte the same, whenever they are made."""
        c = load_contract(GUARANTEE)
        assert workbook_bytes(c, "nl") == workbook_bytes(c, "nl")

    def test_fixed_metadata_and_zip_times(self) -> None:
        """The document properties and every zip entry carry the fixed time, and the creator is sibkit."""
        data = _bytes(EXAMPLE)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert {i.date_time for i in z.infolist()} == {FIXED_TIME.timetuple()[:6]}
        props = openpyxl.load_workbook(io.BytesIO(data)).properties
        assert props.creator == "sibkit"
        assert props.created == FIXED_TIME and props.modified == FIXED_TIME
        assert openpyxl.load_workbook(io.BytesIO(data)).calculation.fullCalcOnLoad


class TestLayout:
    def test_dutch_sheets_headers_and_formats(self) -> None:
        """With --lang nl the sheets and headers are Dutch and money has the Dutch euro format."""
        book = _book(EXAMPLE, "nl")
        assert book.sheetnames == [
            "Toelichting",
            "Invoer",
            "Scenario’s",
            "Rekeningen",
            "Kasstromen",
            "Grootboek",
            "Tranches",
            "Bevindingen",
        ]
        header = [c.value for c in book["Rekeningen"][1]]
        assert header[:8] == [
            "Partij",
            "Naam",
            "Rollen",
            "Jaar",
            "Betaalt",
            "Ontvangt",
            "Netto",
            "Verzilverbare besparingen",
        ]
        ws = book["Kasstromen"]
        assert ws["D2"].number_format == "[$€-413] #,##0.00;[$€-413] -#,##0.00"
        assert ws["B2"].number_format.startswith("[$-413]")
        assert [c.value for c in book["Invoer"][1]][:3] == ["Pad", "Onderdeel", "Waarde"]

    def test_english_money_format_and_frozen_headers(self) -> None:
        """English money has the euro sign before the amount; every sheet freezes its header row."""
        book = _book(EXAMPLE)
        assert book["Cash flows"]["D2"].number_format == "[$€-809]#,##0.00;-[$€-809]#,##0.00"
        for ws in book.worksheets:
            assert ws.freeze_panes in ("A2", "D2"), ws.title
            widths = [d.width for d in ws.column_dimensions.values()]
            assert widths and all(8 <= w <= 60 for w in widths), ws.title

    def test_inputs_say_where_each_number_comes_from(self) -> None:
        """Every number of the contract is on the inputs sheet with its basis; the main ones are named ranges."""
        book = _book(EXAMPLE)
        rows = {r[0]: r for r in _rows(book["Inputs"])[1:]}
        price = rows["rules[0].price_per_participant"]
        assert _cents(price[2]) == 350000 and price[3] == "money" and price[4] == "source"
        assert rows["payers[0].budget"][4] == "assumption"
        assert rows["payers[0].budget"][5].startswith("The fund size is not published.")
        assert rows["timeline.term_months"][3] == "months"
        names = book.defined_names
        assert names["in_timeline_term_months"].attr_text == "'Inputs'!$C$" + str(
            next(i for i, r in enumerate(_rows(book["Inputs"]), start=1) if r[0] == "timeline.term_months")
        )
        assert "in_payers_0_budget" in names and "in_discount_rate" in names


class TestCommand:
    def test_writes_and_refuses_to_overwrite(self, tmp_path: Path) -> None:
        """The command writes the workbook; again without --force it exits 2 and leaves the file alone."""
        out = tmp_path / "model.xlsx"
        first = CliRunner().invoke(main, ["workbook", str(EXAMPLE), "--lang", "nl", "-o", str(out)])
        assert first.exit_code == 0, first.output
        assert out.read_bytes() == _bytes(EXAMPLE, "nl")
        out.write_bytes(b"kept")
        second = CliRunner().invoke(main, ["workbook", str(EXAMPLE), "-o", str(out)])
        assert second.exit_code == 2 and "use --force" in second.stderr
        assert out.read_bytes() == b"kept"
        forced = CliRunner().invoke(main, ["workbook", str(EXAMPLE), "--lang", "nl", "-o", str(out), "--force"])
        assert forced.exit_code == 0 and out.read_bytes() == _bytes(EXAMPLE, "nl")

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["-o", "model.csv"], "expected a .xlsx file, got 'model.csv'"),
            (
                ["-o", "model.xlsx", "--scenario", "nope"],
                "no scenario 'nope' in this contract; it has: low, base, high",
            ),
            (["-o", "missing/model.xlsx"], "model.xlsx: the folder missing does not exist"),
        ],
    )
    def test_wrong_input_is_a_message(
        self, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A wrong option or output gives a clear message and exit 2, never a traceback."""
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(main, ["workbook", str(EXAMPLE), *args])
        assert result.exit_code == 2
        assert message in result.output
        assert "Traceback" not in result.output

    def test_bad_contract_is_a_message(self, tmp_path: Path) -> None:
        """A contract file that does not load is reported as sibkit reports it, exit 2."""
        bad = tmp_path / "bad.toml"
        bad.write_text("name = 3\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["workbook", str(bad), "-o", str(tmp_path / "m.xlsx")])
        assert result.exit_code == 2 and "bad.toml" in result.stderr and "Traceback" not in result.output

    def test_simulation_sheet(self, tmp_path: Path) -> None:
        """--simulate adds the Monte Carlo sheet with the scenarios drawn."""
        out = tmp_path / "m.xlsx"
        result = CliRunner().invoke(main, ["workbook", str(GUARANTEE), "--simulate", "200", "-o", str(out)])
        assert result.exit_code == 0, result.output
        rows = _rows(openpyxl.load_workbook(out)["Monte Carlo"])
        assert rows[1][0] == "scenarios" and rows[1][2] == 200
        assert any(r[1] == "chance of loss" for r in rows)
