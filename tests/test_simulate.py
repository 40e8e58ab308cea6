"""Monte Carlo: reproducibility, the uncertainty model's maths, and `sibkit simulate`."""

from __future__ import annotations

import csv
import json
import math
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from babel.numbers import format_currency
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sibkit.cli import main
from sibkit.engine import run
from sibkit.engine.simulate import (
    CHUNK,
    _enrol,
    _spread_achievers,
    beta_parameters,
    sample,
    simulate,
    summarise,
)
from sibkit.load import load_contract
from sibkit.model import Uncertainty

from conftest import EXAMPLE, ROOT, reference_split

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"


class TestReproducibility:
    def test_same_seed_same_numbers_whatever_the_blocks_and_workers(self) -> None:
        """Two block sizes and two worker counts give identical per-scenario metrics (n not a multiple of
        the chunk size, so the last chunk is cut)."""
        c = load_contract(EXAMPLE)
        n = 3 * CHUNK + 123
        a = simulate(c, n, 7, block=CHUNK, workers=1)
        b = simulate(c, n, 7, block=3 * CHUNK, workers=2)
        assert a.metrics.keys() == b.metrics.keys()
        for key in a.metrics:
            assert np.array_equal(a.metrics[key], b.metrics[key], equal_nan=True), key
            assert len(a.metrics[key]) == n

    def test_different_seeds_differ(self) -> None:
        """Another seed draws other scenarios."""
        c = load_contract(EXAMPLE)
        a = simulate(c, 500, 1, workers=1).metrics["outcome_payments"]
        b = simulate(c, 500, 2, workers=1).metrics["outcome_payments"]
        assert not np.array_equal(a, b)

    def test_first_scenarios_do_not_depend_on_n(self) -> None:
        """The first 100 scenarios of a run of 200 are the scenarios of a run of 100."""
        c = load_contract(EXAMPLE)
        a = simulate(c, 100, 3, workers=1).metrics["outcome_payments"]
        b = simulate(c, 200, 3, workers=1).metrics["outcome_payments"][:100]
        assert np.array_equal(a, b)


class TestUncertaintyMaths:
    def test_beta_parameters_known_answer(self) -> None:
        """Mean 0.5 and a range of 3.29 × 0.1 give sd 0.1: k = 0.25 / 0.01 − 1 = 24, so Beta(12, 12)."""
        alpha, beta = beta_parameters(0.5, 0.5 - 0.1645, 0.5 + 0.1645) or (0.0, 0.0)
        assert alpha == pytest.approx(12.0) and beta == pytest.approx(12.0)

    def test_empty_range_means_a_fixed_rate(self) -> None:
        """low == high: no distribution, the rate is fixed."""
        assert beta_parameters(0.3, 0.3, 0.3) is None

    def test_too_wide_a_range_is_refused(self) -> None:
        """Mean 0.95 with a 0.1–1.0 range: sd 0.274 gives a variance of 0.075, above 0.95 × 0.05 = 0.0475,
        the largest any share with that mean can have."""
        with pytest.raises(ValueError, match="too wide"):
            beta_parameters(0.95, 0.1, 1.0)

    def test_sampled_rates_have_the_stated_mean_and_spread(self) -> None:
        """Without participant noise, one provider's share achieving an outcome follows the Beta: over
        20,000 draws its mean is the base rate and its 5th–95th percentiles lie near low and high."""
        c = load_contract(EXAMPLE)
        assert c.uncertainty is not None
        quiet = attrs.evolve(c, uncertainty=attrs.evolve(c.uncertainty, participant_noise=False, enrolment=()))
        batch = sample(quiet, 20_000, seed=11)
        m = [x.id for x in c.metrics].index("individueel")
        p = [x.id for x in c.providers].index("dreamfabryk")
        share = batch.achieved[:, :, p, :, m].sum(axis=(1, 2)) / batch.enrolled[:, :, p, :].sum(axis=(1, 2))
        assert share.mean() == pytest.approx(0.55, abs=0.005)
        p5, p95 = np.percentile(share, [5, 95])
        assert p5 == pytest.approx(0.35, abs=0.03) and p95 == pytest.approx(0.75, abs=0.03)

    def test_shared_factor_correlates_outcomes(self) -> None:
        """With shared = 0.9 the individual and societal results move together; with 0, hardly."""
        c = load_contract(EXAMPLE)
        assert c.uncertainty is not None

        def corr(shared: str) -> float:
            from decimal import Decimal

            u = attrs.evolve(c.uncertainty, shared=Decimal(shared), participant_noise=False, enrolment=())
            b = sample(attrs.evolve(c, uncertainty=u), 8_000, seed=5)
            ind = b.achieved[..., 0].sum(axis=(1, 2, 3))
            soc = b.achieved[..., 1].sum(axis=(1, 2, 3))
            return float(np.corrcoef(ind, soc)[0, 1])

        assert corr("0.9") > 0.8
        assert abs(corr("0")) < 0.1

    def test_no_uncertainty_and_no_noise_is_the_deterministic_run(self) -> None:
        """Every sampled scenario equals the deterministic base run when nothing is uncertain."""
        c = load_contract(EXAMPLE)
        fixed = attrs.evolve(c, uncertainty=Uncertainty(scenario="base", participant_noise=False))
        sim = simulate(fixed, 50, 0, workers=1)
        expected = int(run(c, "base").outcome_payments[0])
        assert set(sim.metrics["outcome_payments"].tolist()) == {expected}

    def test_binomial_noise_is_centred(self) -> None:
        """With participant noise only, the mean payment is close to the deterministic one (within 1%)."""
        c = load_contract(EXAMPLE)
        noisy = attrs.evolve(c, uncertainty=Uncertainty(scenario="base"))
        sim = simulate(noisy, 5_000, 0, workers=1)
        expected = int(run(c, "base").outcome_payments[0])
        assert sim.metrics["outcome_payments"].mean() == pytest.approx(expected, rel=0.01)
        assert sim.metrics["outcome_payments"].std() > 0


class TestSpreadOverMonths:
    """The compiled spread of achievers over enrolment months equals the integer formula
    ``floor(count × cum / whole)`` differenced, on both of its paths (float and integer division)."""

    @staticmethod
    def reference(enrolled: np.ndarray, counts: np.ndarray) -> np.ndarray:
        cum = np.cumsum(enrolled, axis=1)
        whole = np.maximum(cum[:, -1:], 1)
        running = (counts[:, None] * cum[..., None]) // whole[..., None]
        return np.diff(running, axis=1, prepend=0)

    @given(
        st.integers(1, 4).flatmap(
            lambda t: st.tuples(
                arrays(np.int64, (3, t, 2, 1), elements=st.integers(0, 2**29)),
                st.integers(0, 2**62),
            )
        )
    )
    def test_equals_the_integer_formula(self, data: tuple[np.ndarray, int]) -> None:
        enrolled, seed = data
        rng = np.random.default_rng(seed)
        whole = enrolled.sum(axis=1)  # (3, 2, 1)
        # counts up to the group size; some far above 2**52 / whole, to take the integer path
        counts = np.floor(rng.uniform(0, 1, (3, 2, 1, 2)) * whole[..., None]).astype(np.int64)
        achieved = np.empty((*enrolled.shape, 2), dtype=np.int64)
        _spread_achievers(enrolled, counts, np.ones((2, 1, 2)), achieved, achieved, True)
        assert np.array_equal(achieved, self.reference(enrolled, counts))
        assert np.array_equal(achieved.sum(axis=1), np.where(whole[..., None] > 0, counts, 0))

    def test_units_per_achiever_are_rounded_half_up(self) -> None:
        enrolled = np.asarray([[[[2]], [[2]]]], dtype=np.int64)  # one scenario, two months
        counts = np.asarray([[[[3]]]], dtype=np.int64)
        achieved = np.empty((1, 2, 1, 1, 1), dtype=np.int64)
        units = np.empty_like(achieved)
        _spread_achievers(enrolled, counts, np.full((1, 1, 1), 2.5), achieved, units, False)
        assert achieved[0, :, 0, 0, 0].tolist() == [1, 2]  # floor(3 × 2 / 4) = 1, then 3
        assert units[0, :, 0, 0, 0].tolist() == [3, 5]  # 2.5 → 3, 5.0 → 5


def spread(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Reference: split each ``total`` over ``weights`` by rounding the running total down,
    ``floor(total × cumsum(w) / sum(w))`` differenced, as whole-array integer arithmetic."""
    cum = np.cumsum(weights)
    running = (total[:, None] * cum) // max(int(cum[-1]), 1)
    return np.diff(running, axis=-1, prepend=0)


class TestEnrolment:
    @given(
        st.integers(1, 6).flatmap(
            lambda t: st.tuples(
                arrays(np.int64, (t, 2), elements=st.integers(0, 50)),
                arrays(np.int64, (5, 2), elements=st.integers(0, 10**6)),
                arrays(np.int64, (2, 3), elements=st.integers(0, 10**9)),
            )
        )
    )
    def test_equals_spread_then_segment_split(self, data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """The compiled enrolment equals ``spread`` over the planned months followed by the
        documented segment split (``reference_split``: whole enrolment first, then running
        totals, ties by rank), for any plan, totals and segment weights."""
        plan, total, shares = data
        t_len = plan.shape[0]
        rank = np.asarray([2, 0, 1], dtype=np.int64)
        enrolled = np.empty((5, t_len, 2, 3), dtype=np.int64)
        group_total = np.zeros((5, 2, 3), dtype=np.int64)
        _enrol(total, plan, shares, rank, enrolled, group_total)
        for p in range(2):
            by_month = spread(total[:, p], plan[:, p]) if plan[:, p].any() else np.zeros((5, t_len), dtype=np.int64)
            for i in range(5):
                expected = reference_split(by_month[i].tolist(), shares[p].tolist(), rank.tolist())
                assert enrolled[i, :, p, :].tolist() == expected
        assert np.array_equal(group_total, enrolled.sum(axis=1))


class TestSummary:
    def test_guarantee_contract_risk_figures(self) -> None:
        """sib-guarantee: the senior loan loses only when the reduction falls below the 10% threshold,
        and never more than €30,000 net of the guarantee; the subordinated loan loses at least as often."""
        c = load_contract(SIB)
        sim = simulate(c, 20_000, 1, workers=1)
        s = summarise(c, sim)
        senior, sub = s.tranches
        assert 0 < senior.chance_of_loss <= sub.chance_of_loss < 1
        assert sim.metrics["tranche:senior:loss"].max() <= 30_000_00
        assert senior.irr_p95 == pytest.approx(((73_800 / 60_000) ** (1 / 23)) ** 12 - 1, abs=1e-9)


class TestCli:
    def test_simulate_prints_risks_and_exports(self, tmp_path: Path) -> None:
        """`sibkit simulate` prints a table per party and writes one CSV row per scenario."""
        out = tmp_path / "metrics.csv"
        result = CliRunner().invoke(
            main, ["simulate", str(SIB), "--n", "3000", "--seed", "42", "--out", str(out)], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 0, result.output
        assert "chance of loss" in result.stdout and "Payers" in result.stdout
        rows = list(csv.reader(out.open()))
        assert rows[0][:3] == ["scenario", "outcome_payments", "payer:city:cost"]
        assert len(rows) == 3001

    def test_dutch_tables(self) -> None:
        """`--lang nl` prints the summary's own figures in Dutch notation: the senior tranche's chance of loss
        and expected loss, as the summary computes them, written the Dutch way (decimal comma; € and a
        no-break space, dots between thousands)."""
        args = ["simulate", str(SIB), "--n", "20000", "--seed", "42"]
        nl = CliRunner().invoke(main, [*args, "--lang", "nl"], env={"COLUMNS": "200"})
        assert nl.exit_code == 0, nl.output
        c = load_contract(SIB)
        senior = summarise(c, simulate(c, 20000, 42)).tranches[0]
        chance = f"{senior.chance_of_loss * 100:.2f}".replace(".", ",") + "%"
        whole = math.floor(senior.expected_loss + 0.5)
        loss = format_currency(Decimal(whole) / 100, "EUR", locale="nl_NL")
        assert chance in nl.stdout and loss in nl.stdout and "\u00a0" in loss
        assert "20.000 scenario's" in nl.stdout and "kans op verlies" in nl.stdout and "geen budget" in nl.stdout
        assert "chance of loss" not in nl.stdout

    def test_json_summary(self) -> None:
        """--json prints the summary: tranche, payer and provider risks."""
        result = CliRunner().invoke(main, ["simulate", str(EXAMPLE), "--n", "2000", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["n"] == 2000 and data["payers"][0]["id"] == "resultatenfonds"
        assert data["providers"][1]["chance_below_zero"] == 1.0  # Dreamfabryk always dips below zero

    def test_bad_output_type_is_a_user_error(self, tmp_path: Path) -> None:
        """An --out file that is neither .csv nor .parquet exits 2 before simulating and writes nothing."""
        out = tmp_path / "metrics.xlsx"
        result = CliRunner().invoke(main, ["simulate", str(EXAMPLE), "--n", "100", "--out", str(out)])
        assert result.exit_code == 2 and f"expected a .csv or .parquet file, got '{out}'" in result.stderr
        assert list(tmp_path.iterdir()) == []
