"""Terminal tables of figures (``sibkit.cli.tables.FittedTable``): on a narrow terminal every figure is shown
whole, the columns split over numbered tables that repeat the first column; on a wide one, one table."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner
from rich.console import Console

from sibkit.cli import main
from sibkit.cli.tables import FittedTable

from conftest import CONTRACTS, ROOT

FUND = ROOT / "funds" / "leeuwarden-oost.toml"
MONEY = re.compile(r"€\s?-?[\d.]+,\d\d")
"""A Dutch amount as sibkit writes it (Babel puts a no-break space after the euro sign)."""


def render(table: FittedTable, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(table)
    return out.getvalue()


def sample() -> FittedTable:
    t = FittedTable("Geld per jaar", ["jaar", *(f"kolom nummer {k}" for k in range(7))])
    for year in range(2023, 2026):
        t.add_row(str(year), *(f"€\xa0{year - 2000 + k}.350.000,{k}{k}" for k in range(7)))
    t.caption = "* een voetnoot"
    return t


class TestFittedTable:
    @pytest.mark.parametrize("width", [40, 60, 80, 100])
    def test_every_cell_whole_at_any_width(self, width: int) -> None:
        """No cell is cut short or broken: each figure appears whole on one line; no line is wider than the
        terminal; every part repeats the first column (each year once per part)."""
        text = render(sample(), width)
        assert "…" not in text
        for year in range(2023, 2026):
            for k in range(7):
                assert f"€\xa0{year - 2000 + k}.350.000,{k}{k}" in text
        assert max(len(line) for line in text.splitlines()) <= width
        parts = text.count("Geld per jaar")
        assert parts > 1
        assert all(text.count(f" {year} ") == parts for year in range(2023, 2026))

    def test_parts_numbered_and_caption_last(self) -> None:
        text = render(sample(), 80)
        titles = re.findall(r"Geld per jaar \((\d)/(\d)\)", text)
        n = len(titles)
        assert titles == [(str(k + 1), str(n)) for k in range(n)]
        assert text.count("* een voetnoot") == 1
        assert text.index("* een voetnoot") > text.rindex("Geld per jaar")

    def test_one_table_when_it_fits(self) -> None:
        """Wide enough: one table, its title as given, headers on one line."""
        text = render(sample(), 200)
        assert text.count("Geld per jaar") == 1 and "(1/" not in text
        assert "kolom nummer 6" in text

    def test_a_long_label_folds_rather_than_cut(self) -> None:
        t = FittedTable("t", ["partij", "bedrag"])
        name = "Investeringsfonds-Leeuwarden-Oost-zonder-spaties-in-de-naam"
        t.add_row(name, "€ 1,00")
        text = render(t, 40)
        assert "…" not in text
        assert "".join(re.findall(r"│ ([^│]*?) *│", text)).replace(" ", "").startswith(name)

    def test_rows_must_match_the_columns(self) -> None:
        with pytest.raises(ValueError, match="a row of 1 cells in a table of 2 columns"):
            FittedTable("t", ["a", "b"]).add_row("x")


class TestCommands:
    def test_fund_run_on_80_columns_shows_every_figure(self) -> None:
        """``sibkit fund run`` on an 80-column terminal, in Dutch: nothing cut short, no line too wide, and
        every figure the same command shows on a wide terminal shows here too."""
        narrow = CliRunner().invoke(main, ["fund", "run", str(FUND), "--lang", "nl"], env={"COLUMNS": "80"})
        assert narrow.exit_code == 0, narrow.output
        assert "…" not in narrow.stdout
        rules = [line for line in narrow.stdout.splitlines() if line[:1] in "┏┃┡│└"]
        assert rules and max(len(line) for line in rules) <= 80  # the tables; prose lines wrap in the terminal
        assert "(1/2)" in narrow.stdout  # the case: the yearly tables do not fit side by side
        wide = CliRunner().invoke(main, ["fund", "run", str(FUND), "--lang", "nl"], env={"COLUMNS": "250"})
        shown = set(MONEY.findall(wide.stdout))
        assert "€\xa01.000.000,00" in shown and "€\xa02.592.000,00" in shown
        assert shown <= set(MONEY.findall(narrow.stdout))

    def test_simulate_on_80_columns_shows_every_figure(self) -> None:
        result = CliRunner().invoke(
            main,
            ["simulate", str(CONTRACTS / "leeuwarden-oost-pilot.toml"), "--lang", "nl", "--n", "500"],
            env={"COLUMNS": "80"},
        )
        assert result.exit_code == 0, result.output
        assert "…" not in result.stdout
        assert not re.search(r"€\s*\n", result.stdout)  # no euro sign left alone at the end of a cell's line


def test_headers_wrap_between_words_only() -> None:
    """A table a little too wide for the terminal: every word of every header, and every label, still shows
    whole on one line (Rich's own squeeze broke 'resultaatbetalingen' into 'resultaatbetaling' and 'en')."""
    headers = ["jaar", "inleg", "teruggevloeid", "leningen ontvangen", "resultaatbetalingen", "rente en aflossing"]
    t = FittedTable("Geld", headers)
    t.add_row("2025", *("€\xa0350.000,00" for _ in headers[1:]))
    for width in (60, 80, 100, 120):
        text = render(t, width)
        lines = text.splitlines()
        for word in " ".join(headers).split():
            assert any(re.search(rf"(^|[ ┃]){re.escape(word)}([ ┃]|$)", line) for line in lines), (width, word)
        assert max(len(line) for line in lines) <= width


def test_key_columns_repeat_in_every_part() -> None:
    """``keys=2``: a row named by two columns (a contract and its start) keeps both in every part."""
    t = FittedTable("Contracten", ["contract", "start", *(f"bedrag {k}" for k in range(6))], keys=2)
    for start in ("2023-01", "2024-01"):
        t.add_row("leeuwarden-oost-pilot", start, *(f"€\xa0{k}.630.000,00" for k in range(6)))
    text = render(t, 80)
    parts = text.count("Contracten (")
    assert parts > 1
    assert text.count("│ leeuwarden-oost-pilot │ 2023-01 │") == parts
    assert text.count("│ leeuwarden-oost-pilot │ 2024-01 │") == parts


def test_ledger_on_80_columns_cuts_nothing() -> None:
    """``sibkit ledger`` (a controller's trace of every movement) on 80 columns: no id or reason cut short."""
    result = CliRunner().invoke(
        main, ["ledger", str(CONTRACTS / "leeuwarden-oost-pilot.toml"), "--lang", "nl"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert "0 (2023-01)".replace(" ", "\xa0") in result.stdout


def test_sweep_of_many_parties_on_80_columns_is_readable() -> None:
    """``sibkit sweep`` of a contract with many payers, providers and tranches (Stevig Staan) on 80 columns:
    every figure whole (it showed a grid of 'g…' and '0…' cells), in numbered parts."""
    result = CliRunner().invoke(
        main, ["sweep", str(CONTRACTS / "stevig-staan.toml"), "--lang", "nl"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert "Uitbetalingscurven (1/" in result.stdout
