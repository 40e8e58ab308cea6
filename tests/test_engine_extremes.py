"""The engine at extreme success: every bundled contract computes and reconciles however many results its
scenarios assume, up to and far beyond what its caps allow (issue #11, item 7).

The two reproducers of the issue stopped with "a negative movement": the largest-remainder split multiplied an
amount by a weight in 64 bits, and ~2·10^10 cents × a share scaled to 10^9 does not fit.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sibkit.engine import Results, deterministic_batch, run, stack
from sibkit.engine.month_loop import allocate_into
from sibkit.engine.run import default_scenario
from sibkit.engine.split import allocate_rows
from sibkit.limits import MAX_NUMBER
from sibkit.load import load_contract
from sibkit.model import Contract, Loan, Scenario, ScenarioOutcome
from sibkit.model.rules import ShareOfSavings
from sibkit.testing import properties

from conftest import CONTRACTS, ROOT

BUNDLED = sorted(CONTRACTS.glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))
INT64_MAX = 2**63 - 1


@functools.cache
def _load(path: Path) -> Contract:
    return load_contract(path)


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """The largest-remainder split in Python's unbounded integers (the reference): parts rounded down, the
    cents left over one each to the largest remainders, ties to the earlier part; all-zero weights give
    everything to the first part; a negative total is split as its magnitude."""
    wsum = sum(weights)
    if len(weights) == 1 or wsum == 0:
        return [total] + [0] * (len(weights) - 1)
    mag = abs(total)
    parts = [mag * w // wsum for w in weights]
    order = sorted(range(len(weights)), key=lambda k: (-(mag * weights[k] % wsum), k))
    for k in order[: mag - sum(parts)]:
        parts[k] += 1
    return [-p for p in parts] if total < 0 else parts


def with_outcome(scenario: Scenario, metric: str, rate: Decimal, units: Decimal) -> Scenario:
    """``scenario`` with the outcome line of ``metric`` set to ``rate`` and ``units`` (the issue's edit)."""
    lines = tuple(attrs.evolve(o, rate=rate, units=units) if o.metric == metric else o for o in scenario.outcomes)
    assert lines != scenario.outcomes, f"the scenario has no line for {metric}"
    return attrs.evolve(scenario, outcomes=lines)


class TestExactSplit:
    """``allocate_into`` (the month loop's split) and ``allocate_rows`` (the schedule's) against the reference,
    with amounts whose product by a weight needs more than 64 bits."""

    @given(
        st.integers(min_value=-(2**62), max_value=2**62),
        st.lists(st.integers(min_value=0, max_value=2**59), min_size=1, max_size=8),
    )
    def test_any_amount_and_weights(self, total: int, weights: list[int]) -> None:
        """Parts are exactly the reference's for totals and weights up to 2^62 and 2^59 (products up to 2^121)."""
        out = np.zeros(len(weights), dtype=np.int64)
        allocate_into(total, np.asarray(weights, dtype=np.int64), len(weights), out)
        assert out.tolist() == largest_remainder(total, weights)

    def test_the_residual_of_the_chicago_reproducer(self) -> None:
        """2·10^10 cents split 50/50 with shares scaled to 10^9 (the product 10^19 is above 2^63 ≈ 9.2·10^18):
        10^10 each, where the 64-bit product gave -8,446,744,073 each."""
        out = np.zeros(2, dtype=np.int64)
        allocate_into(2 * 10**10, np.asarray([5 * 10**8, 5 * 10**8], dtype=np.int64), 2, out)
        assert out.tolist() == [10**10, 10**10]

    def test_largest_weights_and_amounts(self) -> None:
        """At the limits (total 2^63 - 1, weights summing to 2^63 - 1) the parts still add up and match."""
        weights = [2**62, 2**61, 2**61 - 1]
        out = np.zeros(3, dtype=np.int64)
        allocate_into(INT64_MAX, np.asarray(weights, dtype=np.int64), 3, out)
        assert out.tolist() == largest_remainder(INT64_MAX, weights)
        assert sum(out.tolist()) == INT64_MAX

    @given(
        st.lists(st.integers(min_value=0, max_value=10**15), min_size=1, max_size=6),
        st.lists(st.integers(min_value=0, max_value=10**12), min_size=2, max_size=4),
    )
    def test_rows_share_or_bring_their_weights(self, totals: list[int], weights: list[int]) -> None:
        """One weight row for every total, or one per total (the reversed row), each row as the reference."""
        shared = allocate_rows(np.asarray(totals, dtype=np.int64), np.asarray(weights, dtype=np.int64))
        assert shared.tolist() == [largest_remainder(t, weights) for t in totals]
        own = np.asarray([weights if i % 2 else weights[::-1] for i in range(len(totals))], dtype=np.int64)
        each = allocate_rows(np.asarray(totals, dtype=np.int64), own)
        assert each.tolist() == [largest_remainder(t, list(w)) for t, w in zip(totals, own.tolist(), strict=True)]

    def test_rows_refuse_negative_weights(self) -> None:
        """A negative weight has no meaning in a split."""
        with pytest.raises(ValueError, match=r"^weights must be non-negative$"):
            allocate_rows(np.asarray([10], dtype=np.int64), np.asarray([1, -1], dtype=np.int64))


def largest_remainder_by_id(total: int, weights: list[int], ids: list[str]) -> list[int]:
    """``largest_remainder`` with ties going to the id that sorts first, as the engine breaks them
    (it computes in canonical order, ``sibkit.engine.canonical``), in the order of ``ids``."""
    order = sorted(range(len(ids)), key=lambda k: ids[k])
    sorted_parts = largest_remainder(total, [weights[k] for k in order])
    parts = [0] * len(ids)
    for pos, k in enumerate(order):
        parts[k] = sorted_parts[pos]
    return parts


def _residual_ids(contract: Contract) -> list[str]:
    """The residual step's parties, in its order (the ids its ties are broken by)."""
    return [s.party for s in contract.waterfall[-1].shares]  # type: ignore[attr-defined]


def _residual_moves(res: Results, targets: list[tuple[str, str]]) -> np.ndarray:
    """(parties, T) the residual paid each month to each (target, reason) of the contract account."""
    return np.stack([res.flows.ledger.flows[("contract-account", *tr)][0] for tr in targets])


def _shares(contract: Contract) -> list[int]:
    """The residual step's shares in billionths (exact for the contracts' two-decimal shares)."""
    step = contract.waterfall[-1]
    return [int(s.share * 10**9) for s in step.shares]  # type: ignore[attr-defined]


def _saving_per_unit(contract: Contract, rule_id: str) -> tuple[int, Decimal, Decimal]:
    """(saving per unit in cents, share, share after repayment) of a share-of-savings rule."""
    rule = next(r for r in contract.rules if r.id == rule_id)
    assert isinstance(rule, ShareOfSavings)
    saving = next(s for s in contract.savings if s.metric == rule.metric).amount_per_unit
    return saving, rule.share, rule.share_after


def _lenders_paid_in_full(contract: Contract, res: Results) -> None:
    """Each loan gets back what it drew plus interest at its coupon, no more: without a return cap or a
    residual share, principal and interest are all a lender may receive. Simple interest on at most the
    drawn amount for the whole term bounds the interest."""
    flows = res.flows
    years = Decimal(contract.timeline.term_months) / 12
    for j, t in enumerate(contract.tranches):
        assert isinstance(t, Loan)
        drawn = int(flows.tranche_drawn[0, j])
        assert int(flows.tranche_repaid[0, j]) == drawn and int(flows.interest_unpaid[0, j]) == 0
        interest = int(flows.ledger.total(source="contract-account", reason_prefix=f"interest: {t.id}")[0])
        assert 0 < interest <= drawn * t.coupon * years


class TestIssueReproducers:
    """The issue's two reproducers compute, reconcile, split the residual as the contract says and pay what
    the rules allow. Neither contract writes a cap (``caps`` is empty: checked), so the rules' own amounts are
    the limit: payers pay exactly that for the scenario, nothing is cut."""

    def test_chicago_at_rate_1_and_40_child_years(self) -> None:
        """All 2,600 children avoid special education for 40 years each: Chicago Public Schools pays
        2,600 × 40 × $15,000 × 0.6 = $936m (the rule's own figures), the City its rate card for the base
        scenario's 60% and 50%. What is left after the loans goes back 50/50 to the two payers each month,
        by the largest remainder (before the fix, the split's 64-bit product overflowed and stopped the run)."""
        contract = _load(CONTRACTS / "chicago-cpc.toml")
        assert contract.caps == ()
        scenario = with_outcome(contract.scenario("base"), "special-ed-avoided", Decimal(1), Decimal(40))
        properties.conservation(contract, deterministic_batch(contract, scenario))
        res = run(contract, scenario)
        flows = res.flows
        children = contract.provider("child-parent-centers").enrolment.participants
        saving, share, _ = _saving_per_unit(contract, "special-ed-savings")
        cps, city = (flows.payer_paid[0, :, k].sum() for k in range(2))
        assert int(cps) == children * 40 * saving * share
        city_due = sum(
            children * next(o.rate for o in scenario.outcomes if o.metric == e.metric) * e.price
            for e in contract.rules[0].entries  # type: ignore[attr-defined]
        )
        assert int(city) == city_due
        assert int(flows.cap_cut[0]) == 0
        moves = _residual_moves(
            res, [("cps", "residual returned to payer"), ("city-of-chicago", "residual returned to payer")]
        )
        assert (moves >= 0).all() and moves.sum() > 0
        for month in range(moves.shape[1]):
            assert moves[:, month].tolist() == largest_remainder_by_id(
                int(moves[:, month].sum()), _shares(contract), _residual_ids(contract)
            )
        _lenders_paid_in_full(contract, res)

    def test_utah_at_rate_1_and_45_child_years(self) -> None:
        """All 3,500 children avoid special education for 45 years each: the payers pay 95% of $2,607 per
        child-year until the loans are repaid, 40% after, so between 157,500 × $1,042.80 and 157,500 ×
        $2,476.65, half each (largest remainder per payment). The residual goes 66/34 to the senior and
        subordinated lenders each month (it went negative in month 59 before the fix)."""
        contract = _load(CONTRACTS / "utah-preschool.toml")
        assert contract.caps == ()
        scenario = with_outcome(contract.scenario("base"), "special-ed-avoided", Decimal(1), Decimal(45))
        properties.conservation(contract, deterministic_batch(contract, scenario))
        res = run(contract, scenario)
        flows = res.flows
        units = contract.provider("preschools").enrolment.participants * 45
        saving, share, after = _saving_per_unit(contract, "special-ed-savings")
        paid = flows.payer_paid[0]  # (T, K)
        assert units * saving * after < int(paid.sum()) < units * saving * share
        for month in np.flatnonzero(paid.sum(axis=1)):
            assert paid[month].tolist() == largest_remainder_by_id(
                int(paid[month].sum()), [1, 1], [p.id for p in contract.payers]
            )
        assert int(flows.cap_cut[0]) == 0
        moves = _residual_moves(res, [("goldman-sachs", "residual: senior"), ("pritzker", "residual: subordinated")])
        assert (moves >= 0).all() and moves.sum() > 0
        for month in range(moves.shape[1]):
            assert moves[:, month].tolist() == largest_remainder_by_id(
                int(moves[:, month].sum()), _shares(contract), _residual_ids(contract)
            )


CAPPED = [p for p in BUNDLED if load_contract(p).caps]


class TestCapsAtEverything:
    @pytest.mark.parametrize("path", CAPPED, ids=lambda p: p.stem)
    def test_everyone_achieving_everything_a_hundred_times_stays_within_the_caps(self, path: Path) -> None:
        """Every participant achieves every outcome, with 100 times the units the base scenario writes: the
        run reconciles and no cap written in the contract file is exceeded (``properties.caps_respected``
        reads each cap's amount from the contract)."""
        contract = _load(path)
        base = default_scenario(contract)
        everything = attrs.evolve(
            base,
            outcomes=tuple(
                ScenarioOutcome(
                    metric=m.id,
                    rate=Decimal(1),
                    units=min(
                        100
                        * next(
                            (o.units for o in base.outcomes if o.metric == m.id and o.units is not None), Decimal(1)
                        ),
                        Decimal(MAX_NUMBER),  # the most units per achiever a contract may state
                    ),
                )
                for m in contract.metrics
            ),
        )
        batch = deterministic_batch(contract, everything)
        properties.conservation(contract, batch)
        properties.caps_respected(contract, batch)


@st.composite
def extreme_scenario(draw: st.DrawFn, contract: Contract, scenario: Scenario) -> Scenario:
    """``scenario`` with every metric's success anywhere from none to everyone (a rate or cohort improvement
    of 0..1, or the written rate times up to 1,000, capped at 1) and its units times 1..100; metrics the
    scenario leaves out may join. Months and providers/segments of the written lines are kept."""
    lines = list(scenario.outcomes)
    for metric in contract.metrics:
        if not any(o.metric == metric.id for o in lines) and draw(st.booleans()):
            lines.append(ScenarioOutcome(metric=metric.id, rate=Decimal(0)))
    out = []
    for o in lines:
        written = o.expected_rate(contract.metric(o.metric))  # a line may give treatment/comparison levels
        rate = draw(
            st.one_of(
                st.sampled_from([Decimal(0), Decimal(1)]),
                st.decimals(min_value=0, max_value=1, places=3),
                st.integers(min_value=1, max_value=1000).map(lambda f, r=written: min(r * f, Decimal(1))),
            )
        )
        units = min(
            (o.units if o.units is not None else Decimal(1)) * draw(st.integers(min_value=1, max_value=100)),
            Decimal(MAX_NUMBER),  # the most units per achiever a contract may state (sibkit.limits)
        )
        out.append(attrs.evolve(o, rate=rate, units=units, treatment=None, comparison=None))
    return attrs.evolve(scenario, outcomes=tuple(out))


class TestEveryContractAtAnySuccess:
    """Any scenario of a bundled contract, with success scaled from nothing to far beyond the caps, computes
    (no ``EngineError``), reconciles to the cent and keeps every cap and return cap."""

    @pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
    @settings(max_examples=max(10, settings.default.max_examples // 4))
    @given(data=st.data())
    def test_computes_reconciles_and_keeps_its_caps(self, path: Path, data: st.DataObject) -> None:
        """Three scaled variants of one scenario, run as one batch."""
        contract = _load(path)
        base = data.draw(st.sampled_from(contract.scenarios or (default_scenario(contract),)))
        variants = data.draw(st.lists(extreme_scenario(contract, base), min_size=3, max_size=3))
        batch = stack([deterministic_batch(contract, s) for s in variants])
        properties.conservation(contract, batch)
        properties.caps_respected(contract, batch)
        properties.return_caps_respected(contract, batch)
