"""``sibkit fund simulate``: the fund's contracts drawn together, seeding, the Dask path, and the command."""

from __future__ import annotations

import importlib
import json
import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fund import _CONTRACTS, funds

from sibkit.cli import main
from sibkit.engine.accounts import savings_by_month
from sibkit.engine.fund import FundWhy, fund_ledger
from sibkit.engine.fund_simulate import (
    CHUNK,
    FUND_FACING,
    ClusterError,
    FundSimulation,
    Setup,
    _check_workers,
    _prepared,
    _rows,
    fund_simulate,
    prepare,
    run_block,
    sample_start,
    sibkit_version,
    summarise_fund,
)
from sibkit.engine.results import results
from sibkit.engine.waterfall import run_batch
from sibkit.fund_load import load_fund
from sibkit.model.fund import Fund
from sibkit.model.fund import FundSimulation as FundSimulationTable

from conftest import ROOT

TINY = ROOT / "tests" / "fund_contracts" / "tiny.toml"
UNCERTAIN = (
    TINY.read_text(encoding="utf-8")
    + """
[uncertainty]
scenario = "base"
shared = 0.3

[[uncertainty.outcomes]]
metric = "done"
low = 0.3
high = 0.7
"""
)
"""The tiny contract (ten participants, half succeed, €1,000 each) with a range on its success rate."""


def fund_text(contract: str, *, shared: str = "0", pipeline: str = "", extra: str = "") -> str:
    return f"""
id = "test-fund"
name = {{ en = "Test fund", nl = "Testfonds" }}
currency = "EUR"
start = 2024-01-01
horizon_months = 24

[[contributors]]
id = "a"
name = "A"
commitment = 6000
payments = [ {{ year = 2024, amount = 4000 }}, {{ year = 2025, amount = 2000 }} ]

[[loans]]
id = "loan"
lender = "bank"
amount = 1000
rate = 0.12
drawn = 2024-02-01
repayment_months = 2

[recycling]
residual = 0.5
savings = [ {{ owner = "city", share = "1/4" }} ]

[[fees]]
id = "management"
payee = "manager"
per_year = 120
share_of_payments = 0.01

[simulation]
shared = {shared}

[[contracts]]
file = "{contract}"
start = 2024-01-01
repeat = 2
every_months = 6
{pipeline}{extra}"""


PIPELINE = """
[[pipeline]]
file = "{contract}"
start = 2024-03-01
probability = 0.3
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fundsim")
    (path / "uncertain.toml").write_text(UNCERTAIN, encoding="utf-8")
    return path


def write_fund(folder: Path, text: str, name: str = "fund.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def setup_of(folder: Path, *, shared: str = "0", pipeline: bool = True) -> Setup:
    text = fund_text(
        "uncertain.toml", shared=shared, pipeline=PIPELINE.format(contract="uncertain.toml") if pipeline else ""
    )
    loaded = load_fund(write_fund(folder, text, f"fund-{shared}-{pipeline}.toml"))
    return prepare(loaded.fund, loaded.contracts)


def same(a: FundSimulation, b: FundSimulation) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("outcome", "balance", "lowest", "lowest_ever"))


def replay(setup: Setup, seed: int, i: int) -> list[int]:
    """Scenario ``i`` (of chunk 0) rebuilt from its draws and run through ``fund_ledger``, the books of
    ``sibkit fund run``: its balance at each year end (a pipeline start counted when it is approved)."""
    fund = setup.fund
    starts = []
    for k, s in enumerate(setup.starts):
        contract, plan = _prepared(setup, k)
        batch, approved, _ = sample_start(
            plan, seed, 0, k, float(fund.simulation.shared), float(s.weight) if s.pipeline else None
        )
        if not approved[i]:
            continue
        res = results(contract, run_batch(contract, _rows(batch, i, i + 1)))
        cashable, _ = savings_by_month(contract, res.outcome_units, res.flows.batch, res.flows.ledger.months)
        starts.append(
            attrs.evolve(
                s, results=res, pipeline=False, weight=Fraction(1), savings={o: v[0] for o, v in cashable.items()}
            )
        )
    books = fund_ledger(fund, starts)
    ends = books.year_end(books.balance).tolist()
    return ends + [int(books.balance[-1])] * (len(setup.years) - len(ends))


class TestSeeding:
    def test_same_seed_same_numbers_whatever_the_workers(self, folder: Path) -> None:
        """One worker or two processes: the same seed gives the same figures, scenario by scenario."""
        setup = setup_of(folder)
        one = fund_simulate(setup, 300, 7, workers=1)
        two = fund_simulate(setup, 300, 7, workers=2)
        assert same(one, two)
        assert not same(one, fund_simulate(setup, 300, 8, workers=1))

    def test_same_seed_same_numbers_whatever_the_block(self, folder: Path) -> None:
        """Blocks of one chunk or of two give the same scenarios; the first scenarios do not depend on n."""
        setup = setup_of(folder)
        n = CHUNK + 100
        small = fund_simulate(setup, n, 3, block=CHUNK, workers=1)
        large = fund_simulate(setup, n, 3, block=2 * CHUNK, workers=2)
        assert same(small, large)
        first = fund_simulate(setup, 200, 3, workers=1)
        assert np.array_equal(first.balance, small.balance[:200])


    def test_same_numbers_whether_a_block_holds_every_start_or_some(self, folder: Path) -> None:
        """With enough chunks each block holds every start and comes back as figures; with more workers than that
        the starts are split over blocks summed by the driver. Both give the same scenarios."""
        setup = setup_of(folder)
        n = 2 * CHUNK + 50
        whole = fund_simulate(setup, n, 4, workers=1)
        split = fund_simulate(setup, n, 4, workers=4)
        assert same(whole, split)
        seen: list[tuple[int, int]] = []
        fund_simulate(setup, n, 4, workers=4, progress=lambda done, total: seen.append((done, total)))
        assert seen[-1][0] == seen[-1][1] > 3  # three groups, each split into more than one block

    def test_a_block_sums_its_starts(self, folder: Path) -> None:
        """A block of two starts holds the sum of the two one-start blocks, month by month."""
        setup = setup_of(folder, pipeline=False)
        both = run_block(setup, [0, 1], 6, [0], 300)
        ones = [run_block(setup, [k], 6, [0], 300) for k in (0, 1)]
        months = setup.months
        for why in FUND_FACING:
            total = np.zeros((300, months), dtype=np.int64)
            for p in ones:
                if why in p.amounts:
                    total[:, p.offset : p.offset + p.amounts[why].shape[1]] += p.amounts[why]
            got = np.zeros((300, months), dtype=np.int64)
            if why in both.amounts:
                got[:, both.offset : both.offset + both.amounts[why].shape[1]] += both.amounts[why]
            assert np.array_equal(got, total), why


class TestDask:
    @pytest.fixture(scope="class")
    @classmethod
    def cluster(cls) -> Iterator[str]:
        # under CI (``.ci/run`` installs the test extra, which has it) a missing Dask fails the run rather than skips
        distributed = (
            importlib.import_module("distributed") if os.environ.get("CI") else pytest.importorskip("distributed")
        )
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            yield cluster.scheduler_address

    def test_cluster_gives_the_local_numbers(self, folder: Path, cluster: str) -> None:
        """Blocks run on a Dask cluster (two worker processes) give exactly the numbers of a local run."""
        setup = setup_of(folder, shared="0.5")
        local = fund_simulate(setup, 300, 11, workers=1)
        remote = fund_simulate(setup, 300, 11, scheduler=cluster)
        assert same(local, remote)

    def test_workers_of_another_sibkit_are_refused(self, cluster: str) -> None:
        """A worker whose sibkit is not this machine's version would give other numbers for the same seed: refused,
        naming the versions; the same version is accepted."""
        from distributed import Client

        with Client(cluster, set_as_default=False) as client:
            _check_workers(client, sibkit_version())
            with pytest.raises(ClusterError, match=r"this machine has sibkit 0\.0\.0-other, but .* has sibkit "):
                _check_workers(client, "0.0.0-other")

    def test_command_on_the_cluster(self, folder: Path, cluster: str) -> None:
        """``--scheduler`` prints the same JSON as the local run."""
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-dask.toml")
        local = invoke("fund", "simulate", str(path), "--n", "200", "--json", "--workers", "1")
        remote = invoke("fund", "simulate", str(path), "--n", "200", "--json", "--scheduler", cluster)
        assert local[0] == remote[0] == 0
        assert json.loads(local[1]) == json.loads(remote[1])


class TestBooks:
    def test_each_scenario_is_the_books_of_fund_run(self, folder: Path) -> None:
        """Rebuilt from its own draws, a scenario's books by ``fund_ledger`` (``sibkit fund run``'s engine) have the
        simulation's balance at every year end, to the cent; pipeline starts counted only when approved."""
        setup = setup_of(folder, shared="0.5")
        sim = fund_simulate(setup, 40, 5, workers=1)
        for i in range(0, 40, 7):
            assert replay(setup, 5, i) == sim.balance[i].tolist()

    @settings(max_examples=8, deadline=None)
    @given(funds(), st.integers(0, 2**32))
    def test_books_reconcile_in_every_draw(self, fund: Fund, seed: int) -> None:
        """Random small funds: every scenario's books reconcile to the cent (the engine raises otherwise), and a
        scenario rebuilt through ``fund_ledger`` has the simulation's year-end balances."""
        setup = prepare(attrs.evolve(fund, simulation=FundSimulationTable(shared=Fraction(1, 2))), _CONTRACTS)
        sim = fund_simulate(setup, 20, seed, workers=1)
        assert sim.balance.shape == (20, len(setup.years))
        assert replay(setup, seed, 3) == sim.balance[3].tolist()


class TestModel:
    def test_shared_factor_one_moves_contracts_together(self, folder: Path) -> None:
        """With ``shared = 1`` every rate of every start sits at the same normal score: the two starts' success rates
        are drawn as one."""
        setup = setup_of(folder, shared="1")
        scores = [sample_start(_prepared(setup, k)[1], 9, 0, k, 1.0, None)[2][:, 0, 0, 0] for k in (0, 1)]
        assert np.allclose(scores[0], scores[1])

    @pytest.mark.parametrize("shared", [0.0, 0.5])
    def test_shared_factor_sets_the_correlation(self, folder: Path, shared: float) -> None:
        """The normal scores of two starts' rates are correlated by ``shared``: 0 independent, 0.5 half.

        Over one chunk of 4,096 draws the sample correlation has a standard deviation of about
        (1 − ρ²)/√4096 (≤ 0.016); the tolerance of 0.065 is four of them, so a correct model fails this test less
        than once in 10,000 seeds (and the seed is fixed)."""
        setup = setup_of(folder, shared=str(shared))
        scores = [sample_start(_prepared(setup, k)[1], 9, 0, k, shared, None)[2][:, 0, 0, 0] for k in (0, 1)]
        assert abs(float(np.corrcoef(scores[0], scores[1])[0, 1]) - shared) < 0.065

    def test_shared_factor_moves_what_the_fund_pays(self, folder: Path) -> None:
        """What the fund pays two cohorts moves together with ``shared = 1`` and independently with ``shared = 0``.

        Each cohort has ten participants, so even at one shared rate the luck among them keeps the payments apart:
        the correlation expected at ``shared = 1`` is var(rate) / var(share achieving) ≈ 0.0146 / 0.038 ≈ 0.38.
        Over 2,000 draws a sample correlation has a standard deviation below 1/√2000 ≈ 0.022: the bounds (above
        0.25 at 1, within ±0.09 of 0 at 0) are four of them from the expected values."""
        corr = {}
        for shared in ("0", "1"):
            setup = setup_of(folder, shared=shared, pipeline=False)
            paid = [run_block(setup, [k], 3, [0], 2000).amounts[FundWhy.OUTCOME_PAYMENT].sum(axis=1) for k in (0, 1)]
            corr[shared] = float(np.corrcoef(paid[0], paid[1])[0, 1])
        assert corr["1"] > 0.25
        assert abs(corr["0"]) < 0.09

    def test_without_the_fund_factor_a_start_is_sibkit_simulate(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With ``shared = 0`` a start's draws are exactly those of ``sibkit simulate`` for its contract, given the same
        random stream (the fund's sampler repeats the contract's model, then only mixes in its factor)."""
        import sibkit.engine.fund_simulate as module
        from sibkit.engine.canonical import canonical
        from sibkit.engine.simulate import _plan, sample
        from sibkit.load import load_contract

        class NoApproval:  # the stream of sibkit simulate's chunk, without the fund's approval draw in front
            def __init__(self, rng: np.random.Generator) -> None:
                self.rng = rng

            def random(self, n: int) -> np.ndarray:
                return np.zeros(n)

            def __getattr__(self, name: str) -> object:
                return getattr(self.rng, name)

        def streams(seed: int, chunk: int, k: int) -> tuple[object, object]:
            def gen(*key: int) -> np.random.Generator:
                return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))

            return gen(chunk, 0), NoApproval(gen(chunk))

        monkeypatch.setattr(module, "_streams", streams)
        contract, _ = canonical(load_contract(ROOT / "contracts" / "leeuwarden-oost-pilot.toml"))
        ours, _, _ = sample_start(_plan(contract), 5, 0, 0, 0.0, None)
        theirs = sample(contract, CHUNK, 5)
        for key in ("enrolled", "achieved", "units", "improvement", "offset"):
            assert np.array_equal(getattr(ours, key), getattr(theirs, key)), key

    def test_contracts_keep_their_own_distribution(self, folder: Path) -> None:
        """Whatever the fund's ``shared``, a start's normal scores stay standard normal (mean 0, variance 1, within
        four standard errors over 4,096 draws: 0.0625 for the mean, 0.09 for the variance)."""
        setup = setup_of(folder, shared="0.7")
        x = sample_start(_prepared(setup, 0)[1], 4, 0, 0, 0.7, None)[2][:, 0, 0, 0]
        assert abs(float(x.mean())) < 0.0625
        assert abs(float(x.var()) - 1) < 0.09

    def test_pipeline_is_approved_with_its_probability(self, folder: Path) -> None:
        """A pipeline start is approved in about 30% of the draws (p = 0.3; over 4,096 draws the share has a standard
        deviation of 0.0072, the tolerance is four of them); signed starts always are."""
        setup = setup_of(folder)
        k = next(i for i, s in enumerate(setup.starts) if s.pipeline)
        _, approved, _ = sample_start(_prepared(setup, k)[1], 2, 0, k, 0.0, 0.3)
        assert abs(float(approved.mean()) - 0.3) < 0.029
        _, signed, _ = sample_start(_prepared(setup, 0)[1], 2, 0, 0, 0.0, None)
        assert signed.all()

    def test_pipeline_only_fund_pays_in_about_p_of_the_scenarios(self, folder: Path) -> None:
        """A fund whose only contract is a pipeline entry (p = 0.3) pays for results in about 30% of the scenarios:
        each draw approves it or not, never at expected value (400 draws: standard deviation 0.023, tolerance four
        of them)."""
        text = fund_text("uncertain.toml").split("[[contracts]]")[0] + PIPELINE.format(contract="uncertain.toml")
        loaded = load_fund(write_fund(folder, text, "pipeline-only.toml"))
        sim = fund_simulate(prepare(loaded.fund, loaded.contracts), 400, 1, workers=1)
        paid = sim.outcome.sum(axis=1)
        assert abs(float(np.mean(paid > 0)) - 0.3) < 0.092
        assert set((paid[paid > 0] % 100_000).tolist()) == {0}  # whole results of €1,000, never 0.3 of one

    def test_summary_percentiles_are_scenarios(self, folder: Path) -> None:
        """The summary's percentiles are the scenarios' own values, whole cents; the chances are shares of them."""
        setup = setup_of(folder, shared="0.5")
        sim = fund_simulate(setup, 100, 2, workers=1)
        summary = summarise_fund(sim)
        for i, year in enumerate(summary.years):
            assert year.outcome_p95 in sim.outcome[:, i].tolist()
            assert year.balance_p5 in sim.balance[:, i].tolist()
            assert year.chance_dry == pytest.approx(float(np.mean(sim.lowest[:, i] < 0)))
        assert summary.chance_any_shortfall == pytest.approx(float(np.mean(sim.lowest_ever < 0)))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


class TestCommand:
    def test_english_tables(self, folder: Path) -> None:
        """The command prints what the fund pays per year, its cash at year end and the verdict sentences."""
        path = write_fund(folder, fund_text("uncertain.toml", shared="0.5"), "cli.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "200", "--workers", "1")
        assert code == 0, err
        assert "Test fund — 200 scenarios, seed 0" in out
        assert "What the fund pays for results per year" in out
        assert "chance of running short" in out
        assert "50.00% of the variance is shared by all contracts" in out or "50% of the variance" in out

    def test_dutch_tables(self, folder: Path) -> None:
        """``--lang nl`` writes the tables and sentences in Dutch."""
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-nl.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "200", "--workers", "1", "--lang", "nl")
        assert code == 0, err
        assert "Testfonds — 200 scenario's, seed 0" in out
        assert "Wat het fonds per jaar voor resultaten betaalt" in out
        assert "kans op een tekort" in out

    def test_json(self, folder: Path) -> None:
        """``--json``: per year the percentiles in whole cents and the chance of running short."""
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-json.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "200", "--json", "--seed", "4")
        assert code == 0, err
        data = json.loads(out)
        assert (data["n"], data["seed"], data["shared"]) == (200, 4, "0")
        assert [y["year"] for y in data["years"]] == [2024, 2025]
        year = data["years"][0]
        assert all(isinstance(year[k], int) for k in year if k.endswith("_cents"))
        assert (
            year["outcome_payments_p5_cents"]
            <= year["outcome_payments_p50_cents"]
            <= year["outcome_payments_p95_cents"]
        )
        assert 0 <= data["chance_any_shortfall"] <= 1

    @pytest.mark.parametrize(
        ("option", "value", "message"),
        [
            ("--n", "0", "0 is not in the range 1<=x<="),
            ("--seed", "-1", "-1 is not in the range"),
            ("--workers", "0", "0 is not in the range 1<=x<="),
            ("--scheduler", "not an address", "expected the address of a Dask scheduler, such as tcp://10.0.0.5:8786"),
            ("--scheduler", "tcp://host:99999", "expected the address of a Dask scheduler"),
        ],
    )
    def test_bad_options(self, folder: Path, option: str, value: str, message: str) -> None:
        """A wrong option is refused with exit code 2 and a message naming it, never a traceback."""
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-bad.toml")
        code, out, err = invoke("fund", "simulate", str(path), option, value)
        assert code == 2
        assert message in err
        assert "Traceback" not in out + err

    def test_too_many_scenarios(self, folder: Path) -> None:
        """More scenarios than the fund's figures fit in memory: refused before anything runs, exit code 2."""
        text = fund_text("uncertain.toml").replace("horizon_months = 24", "horizon_months = 600")  # 50 years
        path = write_fund(folder, text, "cli-many.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "9000000")
        assert code == 2
        assert (
            "9,000,000 scenarios are more than sibkit can hold for this fund: at most 1,655,629 (each scenario keeps 151 figures in memory)"
            in err
        )
        assert "Traceback" not in out + err

    def test_workers_and_scheduler_together(self, folder: Path) -> None:
        """``--workers`` with ``--scheduler`` is refused: the cluster decides its workers."""
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-both.toml")
        code, _, err = invoke("fund", "simulate", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
        assert code == 2
        assert "--workers is for a run on this machine" in err

    def test_unreachable_scheduler(self, folder: Path) -> None:
        """A scheduler that does not answer: a clear message and exit code 2, no traceback."""
        pytest.importorskip("distributed")
        path = write_fund(folder, fund_text("uncertain.toml"), "cli-unreachable.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "10", "--scheduler", "tcp://127.0.0.1:9")
        assert code == 2
        assert "the Dask cluster cannot be used: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
        assert "Traceback" not in out + err

    @pytest.mark.parametrize(
        ("table", "message"),
        [
            (
                "shared = 1.5",
                'expected a share between 0 and 1 (0% and 100%), got 1.5; write 0.015 or "1.5%" @ $.simulation.shared',
            ),
            ('shared = "half"', 'expected a share such as 0.25, "25%" or "1/4", got \'half\' @ $.simulation.shared'),
            ("rho = 0.5", "unknown key 'rho'; expected one of: provenance, shared @ $.simulation.rho"),
        ],
    )
    def test_bad_simulation_table(self, folder: Path, table: str, message: str) -> None:
        """A bad ``[simulation]`` table is reported as ``message @ path``, exit code 2."""
        text = fund_text("uncertain.toml").replace("[simulation]\nshared = 0", f"[simulation]\n{table}")
        path = write_fund(folder, text, "bad-simulation.toml")
        code, out, err = invoke("fund", "simulate", str(path), "--n", "10")
        assert code == 2
        assert message in err
        assert "Traceback" not in out + err


def test_leeuwarden_example_runs(tmp_path: Path) -> None:
    """The Leeuwarden fund simulates (a few hundred draws) with its shared factor of one half."""
    code, out, err = invoke("fund", "simulate", str(ROOT / "funds" / "leeuwarden-oost.toml"), "--n", "200", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["shared"] == "1/2"
    assert sum(1 for s in data["starts"] if s["pipeline"]) == 2
    assert not math.isnan(data["chance_any_shortfall"])


def test_all_lists_the_public_names() -> None:
    """``sibkit.engine.fund_simulate``'s ``__all__`` lists exactly the public functions and classes it defines."""
    import inspect

    import sibkit.engine.fund_simulate as module

    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
    }
    assert defined <= set(module.__all__)
