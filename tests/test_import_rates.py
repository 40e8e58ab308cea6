"""``sibkit import-rates``: rate cards read from spreadsheets into contracts.

The round trip contract → table (CSV, or the workbook's rate card sheet) → contract gives the same contract;
a corpus of bad tables (``tests/workbook/bad``, and an ``.xlsx`` made here) gets exact messages by row and
column; the command writes atomically, prints with ``-o -`` and never shows a traceback.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sibkit.cli import main
from sibkit.load import dumps, load_contract, loads
from sibkit.model import Contract
from sibkit.rates_import import RateSheetError, apply_rates, rate_card_of, rate_rows, read_rates
from sibkit.report.workbook import workbook_bytes

from conftest import CONTRACTS, ROOT

SEGMENTS = ROOT / "tests" / "show_contracts" / "fund-guarantee-segments.toml"
UK = CONTRACTS / "uk-rate-card.toml"
BAD = ROOT / "tests" / "workbook" / "bad"

EXPECTED = {
    "bad-flags.csv": [
        "bad-flags.csv: row 2, column 'repeatable': expected true or false, got 'maybe'",
        "bad-flags.csv: row 2, column 'max_per_participant': expected a whole number of at least 1, or nothing, got 'two'",
    ],
    "bad-id.csv": [
        "bad-id.csv: row 2, column 'id': expected an identifier of lower-case letters, digits, '-' or '_', got 'Werk!'"
    ],
    "bad-price.csv": [
        "bad-price.csv: row 3, column 'price': expected an amount such as 3500 or \"3500.00\", got 'abc'"
    ],
    "duplicate-id.csv": ["duplicate-id.csv: row 3, column 'id': 'werk' is given twice (first in row 2)"],
    "dutch-amount.csv": [
        "dutch-amount.csv: row 2, column 'price': expected an amount such as 3500 or \"3500.00\", got '3.500,00'; "
        "write 3500.00: a dot for decimals, no thousands separator"
    ],
    "empty.csv": ["empty.csv: the table is empty: no header row"],
    "header-only.csv": ["header-only.csv: the table has no rows below its header"],
    "missing-price.csv": ["missing-price.csv: row 2, column 'price': a price is required"],
    "negative-segment-price.csv": [
        "negative-segment-price.csv: row 2, column 'price:lang': expected an amount of at least 0, got '-5'"
    ],
    "new-metric-without-name.csv": [
        "new-metric-without-name.csv: row 2, column 'name': 'start' is not a metric of this contract: give its name to add it"
    ],
    "no-price-column.csv": ["no-price-column.csv: column 'price': the table has no such column, and it is required"],
    "too-many-decimals.csv": [
        "too-many-decimals.csv: row 2, column 'price': expected whole cents, got '12.345' (an amount has at most 2 decimals)"
    ],
    "unknown-column.csv": [
        "unknown-column.csv: column 'prize': unknown column; expected id, name, price, max_per_participant, repeatable "
        "or price:<segment>",
        "unknown-column.csv: column 'price': the table has no such column, and it is required",
    ],
    "unknown-segment.csv": [
        "unknown-segment.csv: column 'price:nope': no segment 'nope' in this contract; it has: kort, lang"
    ],
}


def _csv(contract: Contract, path: Path) -> Path:
    """The contract's rate card written as a CSV table (amounts as plain decimals, as a person types them)."""
    card = rate_card_of(contract)
    assert card is not None
    header, rows = rate_rows(contract, card)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if x is None else str(x).lower() if isinstance(x, bool) else x for x in row])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


class TestRoundTrip:
    @pytest.mark.parametrize("path", [UK, SEGMENTS], ids=lambda p: p.stem)
    def test_contract_to_csv_to_contract_is_identical(self, path: Path, tmp_path: Path) -> None:
        """A rate card written as a CSV table and read back gives the same contract, provenance included."""
        contract = load_contract(path)
        table = _csv(contract, tmp_path / "rates.csv")
        again = apply_rates(contract, read_rates(table, contract))
        assert again == contract
        assert dumps(again) == dumps(contract)

    @pytest.mark.parametrize("path", [UK, SEGMENTS], ids=lambda p: p.stem)
    def test_contract_to_workbook_to_contract_is_identical(self, path: Path, tmp_path: Path) -> None:
        """The workbook's rate card sheet (Dutch or English) is a table import-rates reads back to the same contract."""
        contract = load_contract(path)
        for lang in ("en", "nl"):
            book = tmp_path / f"model-{lang}.xlsx"
            book.write_bytes(workbook_bytes(contract, lang))
            assert apply_rates(contract, read_rates(book, contract)) == contract
        if path == SEGMENTS:  # the names are shown in the workbook's language, and read back in either
            sheet = openpyxl.load_workbook(tmp_path / "model-nl.xlsx")["Prijslijst"]
            assert [c.value for c in sheet[2]][:3] == ["werk", "Werk", 2000]

    def test_changed_prices_drop_their_provenance_and_new_outcomes_are_added(self, tmp_path: Path) -> None:
        """A changed price loses the source that no longer backs it; an unchanged one keeps it; a new id becomes a
        metric with its name; a new name renames the metric."""
        contract = load_contract(UK)
        table = _csv(contract, tmp_path / "rates.csv")
        text = table.read_text(encoding="utf-8")
        text = text.replace(
            "assessment,Initial assessment completed,500.00", "assessment,Initial assessment completed,600"
        )
        text = text.replace("Moves into non-hostel accommodation", "Moved into a home")
        table.write_text(text + "mentoring,Mentoring sessions,75.50,10,ja\n", encoding="utf-8")
        updated = apply_rates(contract, read_rates(table, contract))
        card = rate_card_of(updated)
        assert card is not None
        assert [e.metric for e in card.entries] == [*contract.rules[0].metrics(), "mentoring"]
        assert card.entry("assessment").price == 60000 and card.entry("assessment").provenance == {}
        assert "price" in card.entry("accommodation-entry").provenance
        mentoring = card.entry("mentoring")
        assert (mentoring.price, mentoring.max_per_participant, mentoring.repeatable) == (7550, 10, True)
        assert updated.metric("mentoring").name == "Mentoring sessions"
        assert updated.metric("accommodation-entry").name == "Moved into a home"
        assert loads(dumps(updated)) == updated

    def test_segment_prices(self, tmp_path: Path) -> None:
        """A price:<segment> column sets the segment's price; an empty cell leaves the ordinary price."""
        contract = load_contract(SEGMENTS)
        table = tmp_path / "rates.csv"
        table.write_text("ID,Price,Price:Kort,price: lang\nwerk,2000,,3500.5\n", encoding="utf-8")
        card = rate_card_of(apply_rates(contract, read_rates(table, contract)))
        assert card is not None and card.entry("werk").segment_prices == {"lang": 350050}


class TestBadTables:
    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_corpus(self, name: str) -> None:
        """Each bad table of the corpus is refused with every problem by row and column, exactly."""
        contract = load_contract(SEGMENTS)
        with pytest.raises(RateSheetError) as caught:
            read_rates(BAD / name, contract, label=name)
        assert caught.value.lines() == EXPECTED[name]

    def test_corpus_is_complete(self) -> None:
        """Every file of the corpus has its expected messages (a new file cannot be forgotten)."""
        assert sorted(p.name for p in BAD.glob("*.csv")) == sorted(EXPECTED)

    def test_bad_xlsx(self, tmp_path: Path) -> None:
        """An .xlsx table is read from its 'Rate card' sheet; bad cells are reported by row and column."""
        book = openpyxl.Workbook()
        first = book.active
        assert first is not None
        first.title = "Notes"
        first["A1"] = "not the table"
        ws = book.create_sheet("Rate card")
        ws.append(["id", "name", "price", "repeatable", "max_per_participant"])
        ws.append(["werk", "Work", 2000.5, True, 3])
        ws.append(["start", "Start", "abc", "nee", 1.5])
        ws.append([None, None, None, None, None])
        ws.append(["werk", "Work", Decimal("1"), False, None])
        path = tmp_path / "rates.xlsx"
        book.save(path)
        contract = load_contract(SEGMENTS)
        with pytest.raises(RateSheetError) as caught:
            read_rates(path, contract)
        assert caught.value.lines() == [
            f"{path}: row 3, column 'price': expected an amount such as 3500 or \"3500.00\", got 'abc'",
            f"{path}: row 3, column 'max_per_participant': expected a whole number of at least 1, or nothing, got 1.5",
            f"{path}: row 5, column 'id': 'werk' is given twice (first in row 2)",
        ]

    def test_not_a_workbook(self, tmp_path: Path) -> None:
        """A file named .xlsx that is no workbook, and a file of another type, get one clear line."""
        fake = tmp_path / "rates.xlsx"
        fake.write_text("id,price\n", encoding="utf-8")
        contract = load_contract(SEGMENTS)
        with pytest.raises(RateSheetError) as caught:
            read_rates(fake, contract, label="rates.xlsx")
        assert caught.value.lines() == ["rates.xlsx: not a readable .xlsx workbook"]
        with pytest.raises(RateSheetError) as caught:
            read_rates(tmp_path / "rates.ods", contract, label="rates.ods")
        assert caught.value.lines() == ["rates.ods: unknown file type '.ods'; expected a .csv or .xlsx file"]


class TestCommand:
    def test_prints_and_writes(self, tmp_path: Path) -> None:
        """-o - prints the contract; -o FILE writes it; the contract file itself is written back only with --force
        when it has comments (they would be lost)."""
        contract_file = tmp_path / "uk.toml"
        contract_file.write_text(UK.read_text(encoding="utf-8"), encoding="utf-8")
        table = _csv(load_contract(UK), tmp_path / "rates.csv")
        printed = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "-o", "-"])
        assert printed.exit_code == 0, printed.output
        assert loads(printed.stdout) == load_contract(UK)
        out = tmp_path / "out.toml"
        written = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "-o", str(out)])
        assert written.exit_code == 0 and load_contract(out) == load_contract(UK)
        again = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "-o", str(out)])
        assert again.exit_code == 2 and "use --force" in again.stderr
        refused = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file)])
        assert refused.exit_code == 2 and "the file has comments" in refused.stderr
        forced = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "--force"])
        assert forced.exit_code == 0 and load_contract(contract_file) == load_contract(UK)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.toml", "rates.csv", "uk.toml"]

    @pytest.mark.parametrize(
        ("table", "into", "message"),
        [
            (BAD / "bad-price.csv", SEGMENTS, "row 3, column 'price': expected an amount such as 3500"),
            (BAD / "bad-price.csv", ROOT / "nope.toml", "nope.toml: no such file"),
            (ROOT / "nope.csv", SEGMENTS, "nope.csv: no such file"),
            (BAD / "new-metric-without-name.csv", UK, "'start' is not a metric"),
        ],
    )
    def test_bad_input_is_a_message(self, table: Path, into: Path, message: str) -> None:
        """A bad table or contract file is a message and exit 2, never a traceback."""
        result = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(into), "-o", "-"])
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert "Traceback" not in result.output and result.stdout == ""

    def test_an_outcome_left_unpriced_is_a_contract_problem(self, tmp_path: Path) -> None:
        """A table that leaves a metric of the contract without a price gives the contract's own problem, exit 2."""
        table = tmp_path / "rates.csv"
        table.write_text("id,price\nwerk,2000\n", encoding="utf-8")
        contract_file = tmp_path / "c.toml"
        contract_file.write_text(UK.read_text(encoding="utf-8"), encoding="utf-8")
        result = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "-o", "-"])
        assert result.exit_code == 2
        assert "'werk' is not a metric of this contract" in result.stderr
        table.write_text("id,price\nassessment,500\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["import-rates", str(table), "--into", str(contract_file), "-o", "-"])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "no payment rule pays for metric 'wellbeing-step' @ $.metrics[12]" in result.stderr

    def test_unknown_rule(self) -> None:
        """--rule naming no rate card is refused with the ones the contract has."""
        result = CliRunner().invoke(
            main, ["import-rates", str(BAD / "bad-price.csv"), "--into", str(SEGMENTS), "--rule", "x", "-o", "-"]
        )
        assert result.exit_code == 2
        assert "no rate card 'x' in this contract; it has: kaart" in result.stderr

    def test_dutch_messages(self) -> None:
        """With --lang nl the places and problems are Dutch."""
        result = CliRunner().invoke(
            main, ["import-rates", str(BAD / "bad-price.csv"), "--into", str(SEGMENTS), "-o", "-", "--lang", "nl"]
        )
        assert result.exit_code == 2
        assert "rij 3, kolom 'price': verwacht een bedrag" in result.stderr
