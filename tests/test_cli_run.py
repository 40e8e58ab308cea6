"""`sibkit run` and `sibkit ledger` from the command line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibkit.cli import main
from sibkit.engine import break_even_success
from sibkit.load import load_contract
from sibkit.report.termsheet import render_termsheet

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


class TestRun:
    def test_example_shows_every_named_scenario(self) -> None:
        """Without --scenario the low, base and high scenarios appear side by side, with payer and providers."""
        code, out, _ = invoke("run", str(EXAMPLE))
        assert code == 0
        for word in ("low", "base", "high", "Payer: resultatenfonds", "Provider: dreamfabryk", "lowest cash"):
            assert word in out

    def test_json_is_exact_money(self) -> None:
        """--json gives cents as integers and amounts as decimal strings; base pays €333,900.00."""
        code, out, _ = invoke("run", str(EXAMPLE), "--scenario", "base", "--json")
        assert code == 0
        data = json.loads(out)
        assert data["outcome_payments"] == {"cents": 33_390_000, "amount": "333900.00"}
        assert data["scenario"] == "base"

    def test_success_factor_scales_results(self) -> None:
        """--success 0 pays nothing for outcomes."""
        code, out, _ = invoke("run", str(EXAMPLE), "--scenario", "base", "--success", "0", "--json")
        assert code == 0 and json.loads(out)["outcome_payments"]["cents"] == 0

    def test_unknown_scenario_is_a_usage_error(self) -> None:
        """An unknown scenario name exits 2 and lists the scenarios the contract has, without a traceback."""
        code, out, err = invoke("run", str(EXAMPLE), "--scenario", "middle")
        assert code == 2
        assert "no scenario 'middle' in this contract; it has: low, base, high" in err
        assert "Traceback" not in out + err

    def test_bad_success_factor_is_a_usage_error(self) -> None:
        """--success must be a number from 0 to 10."""
        code, _, err = invoke("run", str(EXAMPLE), "--success", "lots")
        assert code == 2 and "expected a number from 0 to 10, got 'lots'" in err

    def test_bad_file_exits_2(self) -> None:
        """A malformed contract gives its message and exit 2."""
        code, _, err = invoke("run", str(ROOT / "tests" / "malformed" / "weights-95-percent.toml"))
        assert code == 2 and "sum to 95%, expected 100%" in err

    def test_investor_contract_reports_tranches_and_break_even(self) -> None:
        """A contract with tranches shows each tranche's IRR and the break-even success level."""
        code, out, _ = invoke("run", str(SIB), "--scenario", "base")
        assert code == 0
        assert "Tranche: senior (bank)" in out and "IRR (annual)" in out
        assert "Tranche senior (Bank) gets its principal back (guarantees included) from 0.5× the 'base'" in out


    def test_dutch_tables_speak_dutch_with_dutch_numbers(self) -> None:
        """``--lang nl``: Dutch labels, € 333.900,00 with a no-break space, 53,00%, 1,29; the same figures as
        the English tables; JSON keys stay as they are."""
        code, out, _ = invoke("run", str(EXAMPLE), "--scenario", "base", "--lang", "nl")
        assert code == 0
        assert "succesfactor 1" in out and "Betaler: resultatenfonds" in out and "Aanbieder: dreamfabryk" in out
        assert "betaald voor resultaten" in out and "€\u00a0333.900,00" in out
        assert "53,00%" in out and "1,29" in out and "€\u00a0-51.650,00 (13)" in out
        assert "Geen investeerders" in out
        assert "paid for outcomes" not in out and "€333,900.00" not in out
        _, english, _ = invoke("run", str(EXAMPLE), "--scenario", "base")
        assert "€333,900.00" in english and "53.00%" in english
        _, as_json, _ = invoke("run", str(EXAMPLE), "--scenario", "base", "--json", "--lang", "nl")
        assert json.loads(as_json)["outcome_payments"]["cents"] == 333_900_00

    def test_dutch_tranche_tables(self) -> None:
        """Tranches and the break-even sentences in Dutch, with Dutch decimals (0,569×)."""
        code, out, _ = invoke("run", str(SIB), "--scenario", "base", "--lang", "nl")
        assert code == 0
        assert "Tranche: senior (bank)" in out and "IRR (per jaar)" in out and "veelvoud" in out
        assert "Tranche sub (Impact fund) krijgt de hoofdsom terug (garanties meegeteld) vanaf 0,569×" in out

class TestRunMaximum:
    """The maximum potential payment in `sibkit run` (issue #11, item 2)."""

    @staticmethod
    def uncapped(tmp_path: Path) -> Path:
        text = (ROOT / "tests" / "engine_contracts" / "per-day-metric-cap.toml").read_text(encoding="utf-8")
        path = tmp_path / "per-day-uncapped.toml"
        path.write_text(text.split("[[caps]]")[0] + "[[scenarios]]" + text.split("[[scenarios]]")[1], encoding="utf-8")
        return path

    def test_capped_per_day_payment_shows_the_cap_as_maximum(self) -> None:
        """10 × 50 days × €10 under a €1,000 metric cap: paid €1,000.00 of a maximum of €1,000.00 (100%)."""
        code, out, _ = invoke("run", str(ROOT / "tests" / "engine_contracts" / "per-day-metric-cap.toml"))
        assert code == 0
        assert any(line.count("€1,000.00") == 1 and "maximum potential payment" in line for line in out.splitlines())
        assert any("share of maximum payment" in line and "100.00%" in line for line in out.splitlines())

    def test_unbounded_maximum_is_said_in_the_table(self, tmp_path: Path) -> None:
        """Without the cap nothing bounds the per-day payment: the table says so, in English and Dutch,
        for the maximum and for the payer's share of it."""
        path = self.uncapped(tmp_path)
        code, out, _ = invoke("run", str(path))
        assert code == 0
        assert any("maximum potential payment" in line and "unbounded" in line for line in out.splitlines())
        assert any("share of maximum payment" in line and "– (maximum unbounded)" in line for line in out.splitlines())
        code, out, _ = invoke("run", str(path), "--lang", "nl")
        assert code == 0
        assert any("maximaal mogelijke betaling" in line and "onbeperkt" in line for line in out.splitlines())
        assert any("deel van de maximale betaling" in line and "– (maximum onbeperkt)" in line for line in out.splitlines())

    def test_unbounded_maximum_is_null_in_json(self, tmp_path: Path) -> None:
        """--json gives null for the unbounded maximum and for the payer's share of it, the €5,000.00 paid
        (10 × 50 days × €10) as usual."""
        code, out, _ = invoke("run", str(self.uncapped(tmp_path)), "--scenario", "base", "--json")
        assert code == 0
        data = json.loads(out)
        assert data["maximum_payment"] == {"cents": None, "amount": None}
        assert data["outcome_payments"] == {"cents": 5_000_00, "amount": "5000.00"}
        assert data["payers"][0]["share_of_maximum"] is None


class TestBreakEven:
    def test_threshold_sets_the_break_even(self) -> None:
        """sib-guarantee: payments start only at a 10% reduction, i.e. at half the base scenario's 20%;
        there €100,000 is paid, more than the €73,800 the senior loan needs. Below it nothing is paid.
        So the senior principal comes back from a success factor of 0.5."""
        level = break_even_success(load_contract(SIB), load_contract(SIB).scenario("base"))
        assert level is not None and abs(level - 0.5) < 1e-3

    def test_run_sweep_and_term_sheet_give_the_same_level(self) -> None:
        """One break-even everywhere: the sub lender's principal-back level (0.569, worked out in test_sweep) is
        the same in ``run``, in ``sweep`` on another grid and in the term sheet, in the same words."""
        _, ran, _ = invoke("run", str(SIB))
        _, swept, _ = invoke("sweep", str(SIB), "--success", "0.2:2.4:12")
        sheet = render_termsheet(load_contract(SIB), "en", "md", today=dt.date(2024, 6, 1))
        sentence = "Tranche sub (Impact fund) gets its principal back (guarantees included) from 0.569× the 'base'"
        assert sentence in ran and sentence in swept
        assert "sub (Impact fund) gets its principal back from 0.569×" in sheet

    def test_no_tranches_means_no_break_even(self) -> None:
        """Without investors there is no senior principal to repay."""
        assert break_even_success(load_contract(EXAMPLE)) is None


class TestLedger:
    def test_csv_rows_reconcile_with_run(self) -> None:
        """The ledger's outcome payments add up to the run's outcome payments, to the cent."""
        code, out, _ = invoke("ledger", str(EXAMPLE), "--scenario", "base", "--csv")
        assert code == 0
        rows = list(csv.DictReader(io.StringIO(out)))
        assert list(rows[0]) == ["month", "date", "from", "to", "amount", "reason"]
        paid = sum(Decimal(r["amount"]) for r in rows if r["reason"].startswith("outcome payment"))
        assert paid == Decimal("333900.00")

    def test_table_lists_reasons(self) -> None:
        """The table form names who paid whom and why."""
        code, out, _ = invoke("ledger", str(SIB), "--scenario", "base")
        assert code == 0
        assert "guarantee draw" not in out  # base repays the senior loan: no guarantee draw
        assert "interest: senior" in out and "principal: sub" in out


class TestSweep:
    def test_table_break_even_and_chart(self, tmp_path: Path) -> None:
        """`sibkit sweep` prints one row per level, the break-even sentences, and writes a PNG chart."""
        chart = tmp_path / "payoff.png"
        code, out, _ = invoke("sweep", str(SIB), "--success", "0:1:11", "--chart", str(chart))
        assert code == 0
        assert out.count("€") > 11 and "gets its principal back" in out
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    def test_json_curves(self) -> None:
        """--json gives the levels and each party's curve; payer cost is 0 below the 10% threshold."""
        code, out, _ = invoke("sweep", str(SIB), "--success", "0:1:11", "--json")
        assert code == 0
        data = json.loads(out)
        assert data["levels"][5] == 0.5
        assert data["payer_cost_cents"]["city"][:5] == [0, 0, 0, 0, 0]
        assert data["payer_cost_cents"]["city"][10] == 200_000_00

    def test_dutch_table_break_even_and_chart(self, tmp_path: Path) -> None:
        """`--lang nl`: Dutch columns and notation, the break-even sentence in Dutch with the same level as
        the English one, and a Dutch chart. Dreamfabryk's margin is −€37,450 at 0.75 and €9,100 at 1; inside that
        bracket it first reaches 0 with the 53rd individual result, at 52.5 / 55 = 0.955 (see test_sweep), not
        where a straight line would cross (0.951)."""
        chart = tmp_path / "curves.svg"
        code, out, _ = invoke("sweep", str(EXAMPLE), "--success", "0.5:1.25:4", "--lang", "nl", "--chart", str(chart))
        assert code == 0
        assert "Uitbetalingscurven" in out and "resultatenfonds betaalt" in out and "dreamfabryk marge" in out
        assert "€\u00a0-37.450,00" in out and "€\u00a09.100,00" in out and "0,75" in out
        assert "Dreamfabryk speelt quitte (marge ten minste 0) vanaf 0,955× de succespercentages van 'base'." in out
        svg = chart.read_text(encoding="utf-8")
        assert "Succesniveau" in svg and "400.000" in svg

    def test_bad_range_and_chart_type_are_usage_errors(self, tmp_path: Path) -> None:
        """A malformed range or an unknown chart type exits 2 without a traceback and writes nothing."""
        code, _, err = invoke("sweep", str(SIB), "--success", "1:0:5")
        assert code == 2 and "Traceback" not in err
        code, _, err = invoke("sweep", str(SIB), "--chart", str(tmp_path / "chart.gif"))
        assert code == 2 and "expected a .png or .svg file" in err
        assert list(tmp_path.iterdir()) == []


class TestShow:
    def test_dutch_overview(self) -> None:
        """`show --lang nl`: Dutch tables and notation; the figures are the contract's."""
        code, out, _ = invoke("show", str(EXAMPLE), "--lang", "nl")
        assert code == 0
        assert "Partijen" in out and "uitkomstbetaler" in out and "legt €\u00a0350.000,00 in" in out
        assert "70% van €\u00a03.500,00 per deelnemer" in out and "betaling per kwartaal" in out
        assert "Maximale resultaatbetaling" in out and "€\u00a0630.000,00" in out

    def test_markdown_in_dutch(self) -> None:
        """The Markdown overview speaks Dutch too: headings, column names, words and money; no English left."""
        code, out, _ = invoke("show", str(EXAMPLE), "--format", "markdown", "--lang", "nl")
        assert code == 0
        assert "## Uitkomstbetalers" in out and "| betaler | budget | inleggers |" in out
        assert "## Maximale resultaatbetaling" in out and "| **totaal** | **€\u00a0630.000,00** |" in out
        assert "*Status: " in out and ", versie " in out
        for english in ("Outcome payers", "Providers", "cost per participant", "Maximum potential", "version"):
            assert english not in out

class TestContractTextIsData:
    """Contract files are data: a name that looks like Rich markup is printed as written, never styled or
    refused with a traceback."""

    NAME = "Pilot [red]x[/red] [/bold] y"

    @pytest.mark.parametrize(
        "args",
        [
            ["run", "--scenario", "base"],
            ["run", "--scenario", "base", "--lang", "nl"],
            ["show"],
            ["simulate", "--n", "100"],
            ["sweep", "--success", "0:1:3"],
            ["ledger"],
            ["check"],
        ],
        ids=lambda a: " ".join(a),
    )
    def test_markup_in_a_name_is_printed_as_written(self, tmp_path: Path, args: list[str]) -> None:
        text = SIB.read_text(encoding="utf-8").replace('name = "Test SIB with a guarantee"', f'name = "{self.NAME}"', 1)
        path = tmp_path / "markup.toml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, [args[0], str(path), *args[1:]], env={"COLUMNS": "200"})
        assert result.exit_code in (0, 1), result.output  # check exits 1 on errors it finds
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if args[0] != "check":  # the findings of this contract do not quote its name
            assert self.NAME in result.output
