"""The checks' shared results (``Context``, ``Runs``) and the what-if grid's cheaper checks give the findings of
the checks computed the slow, straightforward way: a fresh context per check whose results are plain engine
runs, nothing shared. Compared with everything a finding says: code, severity, path, kind, facts and its
title, explanation and mitigation in every language, in the same order."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import attrs
import numpy as np
import pytest

from sibkit.checks import Context, Finding, order_findings, registered, run_checks
from sibkit.checks.context import LOW_SUCCESS, Payments, Runs, enrolled_counts
from sibkit.checks.non_monotone import probe_batch
from sibkit.engine import deterministic_batch, run
from sibkit.engine.batch import Batch
from sibkit.engine.maximum import composition, maximum_payment
from sibkit.engine.waterfall import run_batch
from sibkit.load import load_contract
from sibkit.model import Contract, Scenario
from sibkit.report.whatif import build_grid, contract_variant, default_levers, parse_lever, point_results
from sibkit.report.whatif.grid import _expected_contract, _scaled_scenario

from conftest import CONTRACTS, EXAMPLE, ROOT

GUARANTEE = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"
BUNDLED = sorted(CONTRACTS.glob("*.toml"))


class _Straight:
    """What a check may ask of its context, each computed on its own from the engine's public functions, on
    every ask: the reference the shared ``Context`` must agree with."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.scenario_read = False

    @property
    def scenario(self) -> Scenario:
        return self.contract.default_scenario()

    @property
    def batch(self) -> Batch:
        return deterministic_batch(self.contract, self.scenario)

    @property
    def enrolled(self) -> dict[tuple[str, str | None], int]:
        return enrolled_counts(self.contract, deterministic_batch(self.contract, self.scenario))

    @property
    def base(self) -> Any:
        return run(self.contract, self.scenario)

    @property
    def low(self) -> Any:
        return run(self.contract, self.scenario, success=Decimal("0.5"))

    @property
    def low_providers(self) -> Any:
        return self.low.providers

    @property
    def maximum(self) -> Any:
        return maximum_payment(self.contract)

    def maximum_lines(self) -> list[tuple[str, int, str, str]]:
        return composition(self.contract)

    def payments(self, batch: Batch) -> Payments:
        return Payments.of(run_batch(self.contract, batch, detail=False))


def slow_findings(contract: Contract) -> list[Finding]:
    """Every check's findings, each check with a fresh straightforward context, ordered as ``run_checks``."""
    found: list[Finding] = []
    for check in registered():
        found.extend(check.run(contract, cast(Context, _Straight(contract))))
    return order_findings(found)


def said(findings: list[Finding] | tuple[Finding, ...]) -> list[dict[str, object]]:
    """Everything the findings say, texts in every language included (``Finding.to_json``)."""
    return [f.to_json() for f in findings]


def red(findings: list[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity in ("error", "warning"))


class TestRunChecks:
    @pytest.mark.parametrize("path", [*BUNDLED, GUARANTEE], ids=lambda p: p.stem)
    def test_the_same_findings_as_each_check_on_its_own(self, path: Path) -> None:
        """``run_checks`` (one shared context) gives, on every bundled contract, the findings of each check run
        with a fresh context that computes everything itself: equal, and saying the same in every language."""
        c = load_contract(path)
        fast = run_checks(c)
        slow = slow_findings(c)
        assert fast == slow
        assert said(fast) == said(slow)

    @pytest.mark.parametrize("path", [EXAMPLE, CONTRACTS / "stevig-staan.toml"], ids=lambda p: p.stem)
    def test_the_same_at_other_expected_scenarios(self, path: Path) -> None:
        """At a lower and a higher expected success (the contract rebuilt with it), the same."""
        base = attrs.evolve(load_contract(path), uncertainty=None)
        for success in (Decimal("0.4"), Decimal("1.7")):
            c = _expected_contract(base, _scaled_scenario(base.default_scenario(), success))
            assert said(run_checks(c)) == said(slow_findings(c)), success


def _grid_points(c: Contract, levers: tuple[Any, ...], count: int, seed: int) -> list[tuple[int, ...]]:
    points = list(itertools.product(*(range(len(lv.levels)) for lv in levers)))
    return random.Random(seed).sample(points, min(count, len(points)))


class TestGridChecks:
    @pytest.mark.parametrize(
        ("path", "levers"),
        [
            (EXAMPLE, ("success=0:2:5", "enrolment.dreamfabryk=0.5:1.1:3", "price=2000:5000:3", "lag=0:2:2")),
            (EXAMPLE, ("success.maatschappelijk=0.5:1.5:3", "cap=300000:900000:3", "weight.individueel=0.5:0.7:2")),
            (GUARANTEE, ("success=0.2:1.6:4", "investor", "lag=0:2:2", "buffer.prov=0:20000:2")),
            (CONTRACTS / "uk-rate-card.toml", None),
            (CONTRACTS / "denver-housing.toml", None),
        ],
        ids=["pilot-scenario-levers", "pilot-contract-levers", "guarantee", "uk-rate-card", "denver"],
    )
    def test_every_point_as_its_contract_checked_slowly(self, path: Path, levers: tuple[str, ...] | None) -> None:
        """The grid's findings (checks at every point, with the shared batches and runs) at sampled points
        equal the red findings of the straightforward checks on the contract variant with that point's
        scenario as its default one."""
        c = load_contract(path)
        built = tuple(parse_lever(s, c) for s in levers) if levers is not None else default_levers(c)
        if levers is None:  # the default levers, thinned to three levels each, to keep the test short
            built = tuple(_thin(lv) for lv in built)
        grid = build_grid(c, built, checks="all", workers=1)
        for indices in _grid_points(c, built, 12, seed=len(built)):
            variant, scenario, success = point_results(c, built, indices)
            expected = red(slow_findings(_expected_contract(variant, _scaled_scenario(scenario, success))))
            assert said(grid.checks[indices]) == said(expected), indices
            assert grid.checks[indices] == expected, indices


def _thin(lever: Any) -> Any:
    keep = sorted({0, lever.default, len(lever.levels) - 1})
    return attrs.evolve(lever, levels=tuple(lever.levels[i] for i in keep), default=keep.index(lever.default))


class TestShared:
    def test_contract_levers_keep_the_deterministic_batches(self) -> None:
        """Every kind of contract lever leaves a scenario's deterministic batch as it is on the contract as
        written (at full and at low success): the grid computes them once for all contract variants."""
        pilot = load_contract(EXAMPLE)
        g = load_contract(GUARANTEE)
        cases = [
            (pilot, ("price=3000:4000:2", "buffer.dreamfabryk=0:15000:2", "frequency", "cap=300000:700000:2")),
            (pilot, ("weight.individueel=0.5:0.7:2", "lag=0:3:2")),
            (g, ("investor", "lag=0:2:2")),
        ]
        for c, names in cases:
            levers = tuple(parse_lever(s, c) for s in names)
            scenario = _scaled_scenario(c.default_scenario(), Decimal("0.8"))
            for indices in itertools.product(*(range(len(lv.levels)) for lv in levers)):
                setting = {lv.name: lv.levels[k] for lv, k in zip(levers, indices, strict=True)}
                variant = contract_variant(c, setting)
                for success in (Decimal(1), LOW_SUCCESS):
                    assert _same(
                        deterministic_batch(variant, scenario, success), deterministic_batch(c, scenario, success)
                    )

    def test_runs_run_an_equal_batch_once(self) -> None:
        """Two equal batches (made apart) give the very same results; another batch others."""
        c = load_contract(EXAMPLE)
        runs = Runs(c, maximum=maximum_payment(c))
        sc = c.default_scenario()
        first = runs.results(deterministic_batch(c, sc))
        assert runs.results(deterministic_batch(c, sc)) is first
        assert runs.results(deterministic_batch(c, sc, LOW_SUCCESS)) is not first

    def test_runs_of_another_contract_are_refused(self) -> None:
        """A context is not given another contract's shared runs."""
        c = load_contract(EXAMPLE)
        other = attrs.evolve(c, uncertainty=None)
        with pytest.raises(ValueError, match=r"^a context's shared runs must be of its own contract$"):
            Context(other, runs=Runs(c, maximum=maximum_payment(c)))

    def test_given_batches_are_the_context_s(self) -> None:
        """Batches given to a context are its expected and low batches, and what it runs."""
        c = load_contract(EXAMPLE)
        sc = _scaled_scenario(c.default_scenario(), Decimal("1.3"))
        batches = (deterministic_batch(c, sc), deterministic_batch(c, sc, LOW_SUCCESS))
        given = Context(c, scenario=sc, batches=batches)
        assert given.batch is batches[0]
        assert given.base.flows.batch is batches[0] and given.low.flows.batch is batches[1]
        own = Context(c, scenario=sc)
        assert int(own.base.outcome_payments[0]) == int(given.base.outcome_payments[0])


def _same(a: Batch, b: Batch) -> bool:
    return all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("enrolled", "achieved", "units", "offset", "improvement")
    )


class TestStackedProbes:
    @pytest.mark.parametrize("path", [EXAMPLE, *(CONTRACTS / f for f in ("uk-rate-card.toml", "denver-housing.toml"))], ids=lambda p: p.stem)
    def test_probes_run_together_equal_each_run_alone(self, path: Path) -> None:
        """The non-monotone check's probes of several expected scenarios, run in one engine run
        (``Runs.prepare_payments``), give each scenario's payments exactly as its probes run alone: the engine's
        rows do not depend on the other scenarios of a run."""
        c = attrs.evolve(load_contract(path), uncertainty=None)
        runs = Runs(c, maximum=maximum_payment(c))
        probes = []
        for success in (Decimal("0.3"), Decimal("0.8"), Decimal(1), Decimal("1.6")):
            batch = probe_batch(c, deterministic_batch(c, _scaled_scenario(c.default_scenario(), success)))
            if batch is not None:
                probes.append(batch)
        assert len(probes) >= 2
        runs.prepare_payments(probes)
        assert len(runs._payments) == len(probes)  # one run made them all, none is left to run alone
        for batch in probes:
            together = runs.payments(batch)
            alone = Payments.of(run_batch(c, batch, detail=False))
            for name in ("payer_paid", "provider_revenue", "tranche_cash"):
                assert np.array_equal(getattr(together, name), getattr(alone, name)), name

    def test_batches_that_cannot_stack_run_alone(self) -> None:
        """Batches with different outcome timing cannot be run together: each is run alone when asked for,
        and gives the payments of a run of its own."""
        c = attrs.evolve(load_contract(EXAMPLE), uncertainty=None)
        base = deterministic_batch(c, c.default_scenario())
        later = attrs.evolve(base, offset=base.offset + 1)
        runs = Runs(c, maximum=maximum_payment(c))
        runs.prepare_payments([base, later])
        assert runs._payments == {}
        for batch in (base, later):
            got = runs.payments(batch)
            assert np.array_equal(got.payer_paid, run_batch(c, batch, detail=False).payer_paid)
        assert not np.array_equal(runs.payments(base).payer_paid, runs.payments(later).payer_paid)


class TestContractScenario:
    def test_risk_transfer_is_checked_at_each_point_s_scenario(self) -> None:
        """The risk-transfer check reads the expected scenario from the contract itself (``CONTRACT_SCENARIO``):
        on a contract whose guarantee covers its senior loan in full, the finding is there at a low success and
        not at the expected one, and the grid gives each point the findings of its own scenario. Without the
        ``CONTRACT_SCENARIO`` entry the grid would give every point the finding of the contract as written."""
        g = load_contract(GUARANTEE)
        c = attrs.evolve(g, guarantees=tuple(attrs.evolve(x, amount=6_000_000) for x in g.guarantees))
        levers = (parse_lever("success=0.1:2:4", c),)
        grid = build_grid(c, levers, checks="all", workers=1)
        seen = set()
        for indices in itertools.product(range(len(levers[0].levels))):
            variant, scenario, success = point_results(c, levers, indices)
            expected = red(slow_findings(_expected_contract(variant, _scaled_scenario(scenario, success))))
            assert said(grid.checks[indices]) == said(expected), indices
            seen.add(any(f.code == "SIB-RISK-001" for f in expected))
        assert seen == {True, False}  # the finding depends on the point: the case the entry is for
