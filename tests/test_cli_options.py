"""Every command checks its options the same way: a bad value is refused with its own message and
exit code 2, never a traceback (exit 1 from an exception, or 3, sibkit's "internal error")."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sibkit.cli import MAX_SCENARIOS, MAX_SEED, MAX_WORKERS, SUCCESS_FACTOR, main
from sibkit.sweep import MAX_SUCCESS, parse_success

from conftest import EXAMPLE, ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
FUND = ROOT / "funds" / "leeuwarden-oost.toml"
NUMBERS = "expected a number from 0 to 10"


def invoke(args: list[str]) -> Result:
    """Run ``sibkit ARGS`` in process and check that it did not end in a traceback."""
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"sibkit {' '.join(args)} raised {result.exception!r}") from result.exception
    assert result.exit_code != 3 and "Traceback" not in result.output, result.output
    return result


def last_line(result: Result) -> str:
    """The message of a refusal: standard error after its usage lines, on one line."""
    message = result.stderr.strip().split("\n\n")[-1]
    return " ".join(part.strip() for part in message.splitlines())


def range_message(option: str, value: str, low: int, high: int) -> str:
    """click's message for a whole number outside its range."""
    return f"Error: Invalid value for '{option}': {value} is not in the range {low}<=x<={high}."


def not_whole(option: str, value: str) -> str:
    """click's message for an option that needs a whole number."""
    return f"Error: Invalid value for '{option}': {value!r} is not a valid integer range."


FACTOR_CASES = [
    (value, f"Error: Invalid value for '--success': {NUMBERS}, got {value!r}")
    for value in ("sNaN", "nan", "NaN", "-1", "-0.001", "inf", "-inf", "Infinity", "1e400", "10.001", "1000", "lots", "",
                  " ", "1_0", "١", "0x10", "1,5", "1e999999999")
]  # fmt: skip

RANGE_CASES = [
    ("0:1:1e999999999", "the count must be at most 1001, got 1e999999999"),
    ("0:1e400:3", "success levels must be at most 10, got 1E+400"),
    ("0:10.5:3", "success levels must be at most 10, got 10.5"),
    ("nan:1:3", "expected start:stop:count such as 0:1.5:31, got 'nan:1:3'"),
    ("0:sNaN:3", "expected start:stop:count such as 0:1.5:31, got '0:sNaN:3'"),
    ("0:1:nan", "expected start:stop:count such as 0:1.5:31, got '0:1:nan'"),
    ("0:1_0:3", "expected start:stop:count such as 0:1.5:31, got '0:1_0:3'"),
    ("-1:1:3", "success levels must be at least 0, got -1"),
    ("1:0:3", "the start must not exceed the stop, got start 1 and stop 0"),
    ("0:1:2.5", "the count must be a whole number of at least 2, got 2.5"),
]

# (command line, the exact last line of standard error) for every option of every command.
CASES: list[tuple[list[str], str]] = [
    # validate
    (["validate"], "Error: Missing argument 'FILES...'."),
    (["validate", "no-such-file.toml"], "no-such-file.toml: no such file"),
    # show
    (["show", str(EXAMPLE), "--format", "pdf"], "Error: Invalid value for '--format': 'pdf' is not one of 'text', 'markdown'."),
    (["show", str(EXAMPLE), "--lang", "de"], "Error: Invalid value for '--lang': 'de' is not one of 'en', 'nl'."),
    # run and ledger: the same success factor, the same scenario names
    *((["run", str(SIB), "--success", v], m) for v, m in FACTOR_CASES),
    *((["ledger", str(SIB), "--success", v], m) for v, m in FACTOR_CASES),
    (["run", str(SIB), "--scenario", ""], "Error: Invalid value for --scenario: no scenario '' in this contract; it has: low, mid, base"),
    (["ledger", str(SIB), "--scenario", ""], "Error: Invalid value for --scenario: no scenario '' in this contract; it has: low, mid, base"),
    (["ledger", str(SIB), "--scenario", "middle"], "Error: Invalid value for --scenario: no scenario 'middle' in this contract; it has: low, mid, base"),
    (["run", str(SIB), "--lang", "fr"], "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'nl'."),
    # simulate
    (["simulate", str(SIB), "--n", "0"], range_message("--n", "0", 1, MAX_SCENARIOS)),
    (["simulate", str(SIB), "--n", "-1"], range_message("--n", "-1", 1, MAX_SCENARIOS)),
    (["simulate", str(SIB), "--n", "99999999999999999999999"], range_message("--n", "99999999999999999999999", 1, MAX_SCENARIOS)),
    (["simulate", str(SIB), "--n", "1e3"], not_whole("--n", "1e3")),
    (["simulate", str(SIB), "--n", "nan"], not_whole("--n", "nan")),
    (["simulate", str(SIB), "--seed", "-1"], range_message("--seed", "-1", 0, MAX_SEED)),
    (["simulate", str(SIB), "--seed", str(2**64)], range_message("--seed", str(2**64), 0, MAX_SEED)),
    (["simulate", str(SIB), "--seed", "1.5"], not_whole("--seed", "1.5")),
    (["simulate", str(SIB), "--block", "0"], range_message("--block", "0", 1, MAX_SCENARIOS)),
    (["simulate", str(SIB), "--block", "1" + "0" * 400], range_message("--block", "1" + "0" * 400, 1, MAX_SCENARIOS)),
    (["simulate", str(SIB), "--workers", "0"], range_message("--workers", "0", 1, MAX_WORKERS)),
    (["simulate", str(SIB), "--workers", "100000"], range_message("--workers", "100000", 1, MAX_WORKERS)),
    (["simulate", str(SIB), "--out", "metrics.xlsx"], "Error: Invalid value for '--out': expected a .csv or .parquet file, got 'metrics.xlsx'"),
    (["simulate", str(SIB), "--out", ""], "Error: Invalid value for '--out': expected a file name, got ''"),
    (["simulate", str(SIB), "--out", "a\x00.csv"], "Error: Invalid value for '--out': expected a file name, got 'a\\x00.csv'"),
    (["simulate", str(SIB), "--lang", "de"], "Error: Invalid value for '--lang': 'de' is not one of 'en', 'nl'."),
    # sweep
    *((["sweep", str(SIB), "--success", v], f"Error: Invalid value for '--success': {m}") for v, m in RANGE_CASES),
    (["sweep", str(SIB), "--scenario", ""], "Error: Invalid value for --scenario: no scenario '' in this contract; it has: low, mid, base"),
    (["sweep", str(SIB), "--chart", "chart.gif"], "Error: Invalid value for '--chart': expected a .png or .svg file, got 'chart.gif'"),
    (["sweep", str(SIB), "--chart", "chart"], "Error: Invalid value for '--chart': expected a .png or .svg file, got 'chart'"),
    # check
    (["check", str(SIB), "--fail-on", "info"], "Error: Invalid value for '--fail-on': 'info' is not one of 'warning', 'error'."),
    (["check", str(SIB), "--format", "md"], "Error: Invalid value for '--format': 'md' is not one of 'text', 'json'."),
    # termsheet
    (["termsheet", str(SIB), "--simulate", "0"], range_message("--simulate", "0", 1, MAX_SCENARIOS)),
    (["termsheet", str(SIB), "--simulate", "1e9"], not_whole("--simulate", "1e9")),
    (["termsheet", str(SIB), "--simulate", str(MAX_SCENARIOS + 1)], range_message("--simulate", str(MAX_SCENARIOS + 1), 1, MAX_SCENARIOS)),
    (["termsheet", str(SIB), "--format", "docx"], "Error: Invalid value for --format: a docx file needs -o FILE.docx"),
    (["termsheet", str(SIB), "--format", "odt"], "Error: Invalid value for '--format': 'odt' is not one of 'md', 'html', 'docx', 'pdf'."),
    (["termsheet", str(SIB), "-o", ""], "Error: Invalid value for '-o' / '--output': expected a file name, got ''"),
    (["termsheet", str(SIB), "--format", "docx", "-o", "sheet.html"], "Error: Invalid value for -o: expected a .docx file for --format docx, got 'sheet.html'"),
    (["termsheet", str(SIB), "-o", "sheet.docx"], "Error: Invalid value for -o: expected a .html or .htm file for --format html, got 'sheet.docx'"),
    (["termsheet", str(SIB), "--format", "md", "-o", "sheet"], "Error: Invalid value for -o: expected a .md, .markdown or .txt file for --format md, got 'sheet'"),
    # workbook
    (["workbook", str(SIB)], "Error: Missing option '-o' / '--output'."),
    (["workbook", str(SIB), "-o", "model.csv"], "Error: Invalid value for '-o' / '--output': expected a .xlsx file, got 'model.csv'"),
    (["workbook", str(SIB), "-o", "m.xlsx", "--simulate", "0"], range_message("--simulate", "0", 1, MAX_SCENARIOS)),
    (["workbook", str(SIB), "-o", "m.xlsx", "--scenario", ""], "Error: Invalid value for --scenario: no scenario '' in this contract; it has: low, mid, base"),
    (["workbook", str(SIB), "-o", "m.xlsx", "--lang", "de"], "Error: Invalid value for '--lang': 'de' is not one of 'en', 'nl'."),
    # import-rates
    (["import-rates", "rates.csv"], "Error: Missing option '--into'."),
    (["import-rates", "rates.ods", "--into", str(SIB), "-o", "-"], "rates.ods: unknown file type '.ods'; expected a .csv or .xlsx file"),
    (["import-rates", "rates.csv", "--into", str(SIB), "--rule", "x", "-o", "-"], "rates.csv: no such file"),
    # new
    (["new", "X"], "Error: Missing option '--like'. Choose from: rate-card, tariff, cohort-threshold, sib-with-guarantee"),
    (["new", "X", "--like", "bond"], "Error: Invalid value for '--like': 'bond' is not one of 'rate-card', 'tariff', 'cohort-threshold', 'sib-with-guarantee'."),
    (["new", "X", "--like", "tariff", "--lang", "de"], "Error: Invalid value for '--lang': 'de' is not one of 'nl', 'en'."),
    (["new", "X", "--like", "tariff", "-o", "x.txt"], "Error: Invalid value for '-o' / '--output': expected a .toml or .json file, got 'x.txt'"),
    (["new", " ", "--like", "tariff", "-o", "blank.toml"], "the contract name is empty; give the contract a name"),
    # explain
    (["explain", str(SIB), "--lang", "xx"], "Error: Invalid value for '--lang': 'xx' is not one of 'en', 'nl'."),
    # fund
    (["fund", "run", "no-such-fund.toml"], "no-such-fund.toml: no such file"),
    (["fund", "run", str(FUND), "--lang", "de"], "Error: Invalid value for '--lang': 'de' is not one of 'en', 'nl'."),
    (["fund", "run", str(FUND), "--scenario", "low"], "Error: Invalid value for --scenario: no scenario 'low' in '../contracts/buzinezzclub.toml'"),
    # whatif
    (["whatif", str(SIB), "-o", "page.txt"], "Error: Invalid value for '-o' / '--output': expected a .html or .htm file, got 'page.txt'"),
    (["whatif", str(SIB), "-o", "page.html", "--lever", "success=1:2"], "Error: Invalid value for --lever: expected success=LO:HI:STEPS (for example success=0.5:1.5:5), got '1:2'"),
]  # fmt: skip


class TestEveryOption:
    @pytest.mark.parametrize(("args", "message"), CASES, ids=lambda x: repr(x)[:60] if isinstance(x, list) else "")
    def test_bad_value_is_refused_with_its_message(self, args: list[str], message: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad value exits 2 with the exact message, writes nothing, and prints no traceback."""
        monkeypatch.chdir(tmp_path)
        result = invoke(args)
        assert result.exit_code == 2, result.output
        assert last_line(result) == message
        assert list(tmp_path.iterdir()) == []

    def test_every_command_is_covered(self) -> None:
        """The table above tries a bad value for every command sibkit has."""
        assert {args[0] for args, _ in CASES} == set(main.commands)  # type: ignore[attr-defined]


class TestSuccessFactor:
    """``run --success`` and ``ledger --success`` take one parameter type, read by ``parse_success``."""

    def test_run_and_ledger_share_one_parameter_type(self) -> None:
        """Both commands' --success is the same click type (so they refuse the same values)."""
        types = {
            name: next(p.type for p in main.commands[name].params if p.name == "success")  # type: ignore[attr-defined]
            for name in ("run", "ledger")
        }
        assert types == {"run": SUCCESS_FACTOR, "ledger": SUCCESS_FACTOR}

    @pytest.mark.parametrize(
        ("text", "factor"),
        [("0", Decimal(0)), ("-0", Decimal(0)), (" 1.2 ", Decimal("1.2")), ("10", MAX_SUCCESS), ("10.000", MAX_SUCCESS), ("1e-400", Decimal("1e-400")),
         ("+.5", Decimal("0.5")), ("5E-1", Decimal("0.5"))],
    )  # fmt: skip
    def test_plain_numbers_are_read_exactly(self, text: str, factor: Decimal) -> None:
        """A plain decimal number from 0 to 10 is read exactly, -0 as 0."""
        value = parse_success(text)
        assert value == factor and str(value) != "-0"

    def test_ledger_refuses_what_run_refuses(self) -> None:
        """The values of issue #19 (sNaN, nan, -1) are refused by both commands with the same message."""
        for value in ("sNaN", "nan", "-1"):
            run, ledger = invoke(["run", str(SIB), "--success", value]), invoke(["ledger", str(SIB), "--success", value])
            assert (run.exit_code, last_line(run)) == (ledger.exit_code, last_line(ledger)) == (
                2,
                f"Error: Invalid value for '--success': {NUMBERS}, got {value!r}",
            )

    @pytest.mark.parametrize("path", [SIB, ROOT / "contracts" / "roca-massachusetts.toml"], ids=lambda p: p.stem)
    def test_largest_factor_runs(self, path: Path) -> None:
        """The largest factor allowed runs to the end on contracts with cohort improvements (scaled
        without a cap): Roca's 30% fewer days of incarceration becomes 300%."""
        result = invoke(["run", str(path), "--success", str(MAX_SUCCESS), "--json"])
        assert result.exit_code == 0, result.output


class TestRealProcess:
    """A few refusals through the real console entry point, in a process of their own."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["ledger", str(SIB), "--success", "sNaN"], f"Error: Invalid value for '--success': {NUMBERS}, got 'sNaN'"),
            (["sweep", str(SIB), "--success", "0:1:1e999999999"],
             "Error: Invalid value for '--success': the count must be at most 1001, got 1e999999999"),
            (["simulate", str(SIB), "--n", "99999999999999999999999"],
             range_message("--n", "99999999999999999999999", 1, MAX_SCENARIOS)),
        ],
    )  # fmt: skip
    def test_refusal_in_a_subprocess(self, args: list[str], message: str, tmp_path: Path) -> None:
        """The installed command exits 2 with the message on standard error and no traceback."""
        done = subprocess.run(
            [sys.executable, "-m", "sibkit.cli", *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines()[-1] == message
        assert "Traceback" not in done.stderr + done.stdout
