"""docs/uncertainty.md agrees with the code: its numbers are recomputed, its outputs rerun.

* The worked Beta example and the table of ranges are recomputed from the formulas of the
  doc (method of moments, percentiles from ``scipy.stats.beta``) and compared with
  ``beta_parameters`` and with the ranges in the two example contracts.
* Every column pattern of the per-scenario export table appears in a real export, and
  every exported column is documented.
* Each pasted ``sibkit simulate`` output (marked ``<!-- output of: sibkit ... -->``) is what
  the command prints today at a terminal width of 100.
* The figures quoted from simulations that the doc does not paste are recomputed.
"""

from __future__ import annotations

import csv
import json
import math
import re
import shlex
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from sibkit.cli import main
from sibkit.engine import run
from sibkit.engine.simulate import Simulation, beta_parameters, export, simulate, summarise
from sibkit.load import load_contract
from sibkit.model import Contract, Uncertainty

from conftest import ROOT

DOC = ROOT / "docs" / "uncertainty.md"
PILOT = ROOT / "contracts" / "leeuwarden-oost-pilot.toml"
SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
CONTRACTS = {"pilot": PILOT, "SIB": SIB}
"""The label a row of the doc's range table starts with, and the contract it describes."""

EXAMPLE_WIDTH = "100"
"""Terminal width (``COLUMNS``) the doc's pasted tables were printed at."""

EXPORT_SECTION = "The per-scenario export"
RANGE_TABLE_HEADER = "| range | μ |"

_EXAMPLE = re.compile(r"^<!-- output of: sibkit (?P<args>.+?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```", re.M | re.S)
_BACKTICKED = re.compile(r"`([^`]+)`")


def doc_text() -> str:
    """The doc, as text."""
    return DOC.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of the level-2 section ``## heading``, up to the next level-2 heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def table_rows(text: str, header_start: str) -> list[list[str]]:
    """The cells of each body row of the Markdown table whose header line starts with ``header_start``."""
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[first + 2 :]:  # skip the header and the |---| line
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def column_pattern(name: str) -> re.Pattern[str]:
    """A documented column name as a regular expression: ``<id>`` stands for any id without a colon,
    ``<year>`` for a budget year."""
    parts = ["[^:]+".join(re.escape(part) for part in piece.split("<id>")) for piece in name.split("<year>")]
    return re.compile(r"\d{4}".join(parts))


def euros(cents: float) -> str:
    """Whole euros as the doc's prose writes them: ``−€19,800`` (rounded half up, Unicode minus)."""
    whole = math.floor(abs(cents) / 100 + 0.5)
    return f"{'−' if cents < 0 else ''}€{whole:,}"


def examples() -> list[tuple[tuple[str, ...], str, str]]:
    """(arguments, language, pasted output) of each marked code block of the doc."""
    return [(tuple(shlex.split(m["args"])), m["lang"], m["body"]) for m in _EXAMPLE.finditer(doc_text())]


def expected_rate(contract: Contract, metric: str) -> float:
    """The rate of ``metric`` in the contract's uncertainty scenario (same for every provider here)."""
    assert contract.uncertainty is not None
    line = contract.scenario(contract.uncertainty.scenario).line_for(metric, contract.providers[0].id, None)
    assert line is not None
    return float(line.expected_rate(contract.metric(metric)))


@pytest.fixture(scope="module")
def pilot_run() -> tuple[Contract, Simulation]:
    """The pilot simulated as in the doc's Example 1: 20,000 scenarios, seed 42."""
    contract = load_contract(PILOT)
    return contract, simulate(contract, 20_000, 42, workers=1)


class TestBetaParameters:
    def test_worked_example_is_the_method_of_moments(self) -> None:
        """The doc's α and β for the pilot's 'individueel' range (mean 0.55, 0.35–0.75) follow from
        σ = (high − low) / 3.29 and k = μ(1 − μ)/σ² − 1, agree with ``beta_parameters`` and are
        printed to two decimals."""
        mean, low, high = 0.55, 0.35, 0.75
        sd = (high - low) / 3.29
        k = mean * (1 - mean) / sd**2 - 1
        alpha, beta = mean * k, (1 - mean) * k
        assert beta_parameters(mean, low, high) == pytest.approx((alpha, beta), rel=1e-12)
        text = doc_text()
        assert f"α = {alpha:.2f}" in text and f"β = {beta:.2f}" in text
        assert (f"{alpha:.2f}", f"{beta:.2f}") == ("8.66", "7.08")

    def test_range_table_matches_the_contracts_and_the_beta(self) -> None:
        """Each row of the range table is a range of an example contract, and its σ, k, α, β and the
        Beta's own 5th and 95th percentiles are what the formulas give, to the decimals printed."""
        rows = table_rows(doc_text(), RANGE_TABLE_HEADER)
        documented = set()
        for label, mu, low_high, sd, k, alpha, beta, p5, p95 in rows:
            contract = load_contract(CONTRACTS[label.split()[0]])
            metric = _BACKTICKED.findall(label)[0]
            low, high = (float(x) for x in low_high.split("–"))
            mean = expected_rate(contract, metric)
            assert float(mu) == pytest.approx(mean)
            documented.add((label.split()[0], metric, low, high))
            want_sd = (high - low) / 3.29
            want_k = mean * (1 - mean) / want_sd**2 - 1
            want_a, want_b = mean * want_k, (1 - mean) * want_k
            assert beta_parameters(mean, low, high) == pytest.approx((want_a, want_b), rel=1e-12)
            dist = stats.beta(want_a, want_b)
            assert (sd, k, alpha, beta) == (
                f"{want_sd:.4f}",
                f"{want_k:.2f}",
                f"{want_a:.2f}",
                f"{want_b:.2f}",
            ), label
            assert (p5, p95) == (f"{dist.ppf(0.05):.3f}", f"{dist.ppf(0.95):.3f}"), label
        in_contracts = set()
        for label, path in CONTRACTS.items():
            u = load_contract(path).uncertainty
            assert u is not None
            in_contracts |= {(label, o.metric, float(o.low), float(o.high)) for o in u.outcomes}
        assert documented == in_contracts

    def test_too_wide_limit_in_the_doc(self) -> None:
        """The doc's 'below about 10.3% or above about 89.7%' solves μ(1 − μ) = (1/3.29)², and
        ``beta_parameters`` refuses a 0–100% range just inside that limit but not just outside."""
        var = (1 / 3.29) ** 2
        edge = (1 - math.sqrt(1 - 4 * var)) / 2
        assert f"below about {edge:.1%} or above about {1 - edge:.1%}" in " ".join(doc_text().split())
        with pytest.raises(ValueError, match="too wide"):
            beta_parameters(edge - 0.001, 0.0, 1.0)
        assert beta_parameters(edge + 0.001, 0.0, 1.0) is not None


class TestExport:
    @pytest.mark.parametrize("path", [SIB, PILOT], ids=lambda p: p.name)
    def test_every_documented_column_is_exported(self, path: Path, tmp_path: Path) -> None:
        """Each column pattern of the export table appears in the CSV header of a small run, every
        exported column matches a documented pattern, and columns in cents or months hold whole
        numbers."""
        contract = load_contract(path)
        out = tmp_path / "metrics.csv"
        export(simulate(contract, 50, 3, workers=1), str(out))
        with out.open(newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        table = table_rows(section(doc_text(), EXPORT_SECTION), "| column |")
        documented = {_BACKTICKED.findall(cells[0])[0]: cells[1] for cells in table}
        patterns = {name: column_pattern(name) for name in documented}
        for name, pattern in patterns.items():
            if name.startswith("tranche:") and not contract.tranches:
                continue
            if name == "account:<id>:savings:<year>" and not any(s.cashable for s in contract.savings):
                continue
            assert any(pattern.fullmatch(col) for col in header), f"{name} is not in {header}"
        for i, col in enumerate(header):
            names = [n for n, p in patterns.items() if p.fullmatch(col)]
            assert len(names) == 1, f"{col} matches {names}"
            if documented[names[0]] in ("cents", "months"):
                assert all(re.fullmatch(r"-?\d+", row[i]) for row in rows[1:]), col

    def test_undefined_irr_is_an_empty_cell(self, tmp_path: Path) -> None:
        """An undefined IRR (the subordinated loan when nothing comes back) is an empty CSV cell, and
        only then; a defined one is a fraction per year."""
        contract = load_contract(SIB)
        sim = simulate(contract, 4096, 42, workers=1)
        irr = sim.metrics["tranche:sub:irr"]
        assert np.isnan(irr).any()
        out = tmp_path / "metrics.csv"
        export(sim, str(out))
        with out.open(newline="") as f:
            cells = [row["tranche:sub:irr"] for row in csv.DictReader(f)]
        for cell, value in zip(cells, irr, strict=True):
            assert (cell == "") == bool(np.isnan(value))
            if cell:
                assert float(cell) == pytest.approx(value, rel=1e-9)


class TestSimulateCommand:
    def test_the_doc_pastes_both_contracts(self) -> None:
        """The doc pastes `sibkit simulate` for the pilot and the SIB test contract, and a JSON summary."""
        found = examples()
        assert {args[0] for args, _, _ in found} == {"simulate"}
        assert {args[1] for args, _, _ in found} == {str(p.relative_to(ROOT)) for p in (PILOT, SIB)}
        assert any(lang == "json" for _, lang, _ in found)

    @pytest.mark.parametrize(
        ("args", "lang", "body"), examples(), ids=lambda x: " ".join(x) if isinstance(x, tuple) else ""
    )
    def test_pasted_output_is_the_current_output(self, args: tuple[str, ...], lang: str, body: str) -> None:
        """Each pasted output is exactly what the command prints today (JSON: the same object)."""
        resolved = [str(ROOT / a) if (ROOT / a).is_file() else a for a in args]
        result = CliRunner().invoke(main, resolved, env={"COLUMNS": EXAMPLE_WIDTH})
        assert result.exit_code == 0, result.output
        if lang == "json":
            assert json.loads(result.stdout) == json.loads(body)
        else:
            assert result.stdout == body


class TestSimulate:
    def test_dreamfabryk_figures(self, pilot_run: tuple[Contract, Simulation]) -> None:
        """Example 1's prose: Dreamfabryk's cash goes below zero even in the best scenario (the figure
        quoted), and its margin is negative in about the share of scenarios quoted."""
        _, sim = pilot_run
        lowest = sim.metrics["provider:dreamfabryk:lowest_cash"]
        margin = sim.metrics["provider:dreamfabryk:margin"]
        text = doc_text()
        assert lowest.max() < 0
        assert f"−€{-int(lowest.max()) // 100:,}" in text
        assert f"about {np.mean(margin < 0):.0%} of the scenarios" in text

    def test_shared_factor_table(self, pilot_run: tuple[Contract, Simulation]) -> None:
        """The table of the fund's expected, P95 and maximum payment for shared = 0, 0.3 and 0.6."""
        contract, _ = pilot_run
        assert contract.uncertainty is not None
        rows = table_rows(doc_text(), "| `shared` | fund:")
        assert [r[0] for r in rows] == ["0", "0.3", "0.6"]
        for shared, expected, p95, maximum in rows:
            u = attrs.evolve(contract.uncertainty, shared=Decimal(shared))
            varied = attrs.evolve(contract, uncertainty=u)
            payer = summarise(varied, simulate(varied, 20_000, 42, workers=1)).payers[0]
            assert [expected, p95, maximum] == [euros(payer.expected), euros(payer.p95), euros(payer.maximum)]

    def test_timing_against_the_deterministic_run(self) -> None:
        """Fixed base rates without noise: the same payments and margins as `sibkit run`, but
        Dreamfabryk's lowest cash is the (deeper) figure quoted, because results come later."""
        contract = load_contract(PILOT)
        fixed = attrs.evolve(contract, uncertainty=Uncertainty(scenario="base", participant_noise=False))
        m = simulate(fixed, 2, 0, workers=1).metrics
        det = run(contract, "base")
        dream = next(p for p in det.providers if p.id == "dreamfabryk")
        assert int(m["outcome_payments"][0]) == int(det.outcome_payments[0])
        assert int(m["provider:dreamfabryk:margin"][0]) == int(dream.margin[0])
        simulated, deterministic = int(m["provider:dreamfabryk:lowest_cash"][0]), int(dream.lowest_cash[0])
        assert simulated < deterministic
        text = " ".join(doc_text().split())
        assert f"{euros(simulated)} in the simulation against {euros(deterministic)} in `sibkit run`" in text


class TestSweepDoc:
    def test_every_sweep_json_key_is_documented(self) -> None:
        """Each key `sibkit sweep --json` prints (top level and break-even points) has a row in the doc's
        sweep section, and each row names a key the JSON has."""
        result = CliRunner().invoke(main, ["sweep", str(SIB), "--success", "0:1:5", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        printed = set(data) | {f"break_even[].{k}" for k in data["break_even"][0]}
        text = section(doc_text(), "Payoff curves: `sibkit sweep`")
        rows = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
        documented = {key for row in rows for key in _BACKTICKED.findall(row)}
        options = {key for key in documented if key.startswith("--")}
        assert printed == documented - options
