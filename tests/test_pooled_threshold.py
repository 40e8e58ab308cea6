"""The pooled trigger of a cohort rule, over generated contracts and in Monte Carlo (issue #11).

Worked examples with figures by hand are in ``tests/test_engine_contracts.py``
(``TestPooledThreshold``); here the rule as docs/contract-format.md states it is
checked against the engine over many generated cases: a reference written from
the doc in exact fractions, monotone in every cohort's improvement, and
independent of the order of the providers.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sibkit.engine import deterministic_batch
from sibkit.engine.schedule import schedule
from sibkit.engine.simulate import sample, simulate
from sibkit.load import load_contract
from sibkit.model import (
    CohortThreshold,
    Contract,
    EnrolmentPlan,
    OutcomeUncertainty,
    Scenario,
    ScenarioOutcome,
    Tier,
    Uncertainty,
)
from sibkit.money import Cents

from conftest import ROOT

POOLED = load_contract(ROOT / "tests" / "engine_contracts" / "pooled-cohorts.toml")
"""Two providers of 1,000 people, one 12-month cohort each, baseline 1.55, tiers from 10%, pooled 7.5%."""


@attrs.frozen(kw_only=True)
class Case:
    """A generated pooled-rule case: one cohort per provider."""

    sizes: tuple[int, ...]
    """Participants per provider (all enrol within the 12-month cohort)."""
    improvements: tuple[Decimal, ...]
    """Improvement per provider, a fraction."""
    rule: CohortThreshold


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """2–4 providers of 0–2,000 participants with improvements of 0–25% (in tenths of a percent), a pooled
    threshold between the lowest and the highest of them, and a rule whose payment can only grow with the
    improvement: tier starts ascending, each tier's amount and
    price at least the previous one's, and every tier's price at least the pooled price (a cohort that
    moves from the pooled price to its own tier is never paid less)."""
    k = draw(st.integers(min_value=2, max_value=4))
    sizes = tuple(draw(st.lists(st.integers(min_value=0, max_value=2000), min_size=k, max_size=k)))
    permille = draw(st.lists(st.integers(min_value=0, max_value=250), min_size=k, max_size=k))
    improvements = tuple(Decimal(x) / 1000 for x in permille)
    starts = sorted(draw(st.sets(st.integers(min_value=1, max_value=300), min_size=1, max_size=3)))
    pooled_price = draw(st.integers(min_value=0, max_value=50_000))
    prices = sorted(draw(st.lists(st.integers(min_value=pooled_price, max_value=100_000), min_size=len(starts), max_size=len(starts))))
    amounts = sorted(draw(st.lists(st.integers(min_value=0, max_value=1_000_000), min_size=len(starts), max_size=len(starts))))
    tiers = tuple(
        Tier(from_improvement=Decimal(s) / 1000, amount=Cents(a), price_per_unit=Cents(p))
        for s, a, p in zip(starts, amounts, prices, strict=True)
    )
    rule = POOLED.rules[0]
    assert isinstance(rule, CohortThreshold)
    # a threshold between the lowest and the highest improvement, where pooling decides most often
    threshold = Decimal(draw(st.integers(min_value=min(permille), max_value=max(permille)))) / 1000
    rule = attrs.evolve(rule, tiers=tiers, pooled_threshold=threshold, pooled_price_per_unit=Cents(pooled_price))
    return Case(sizes=sizes, improvements=improvements, rule=rule)


def build(case: Case, order: list[int] | None = None) -> Contract:
    """The pooled-cohorts contract with ``case``'s providers (``p0``, ``p1``, …, in ``order``), sizes, rule
    and one scenario ``case`` giving each provider its improvement."""
    template = POOLED.providers[0]
    providers = [
        attrs.evolve(template, id=f"p{i}", name=f"Provider {i}", enrolment=EnrolmentPlan(total=size, months=12))
        for i, size in enumerate(case.sizes)
    ]
    order = order if order is not None else list(range(len(providers)))
    lines = tuple(
        ScenarioOutcome(metric="reconviction", provider=f"p{i}", rate=x) for i, x in enumerate(case.improvements)
    )
    return attrs.evolve(
        POOLED,
        providers=tuple(providers[i] for i in order),
        rules=(case.rule,),
        scenarios=(Scenario(name="case", outcomes=lines),),
    )


def paid_by_provider(contract: Contract) -> dict[str, int]:
    """Cents falling due to each provider under the scenario ``case`` (before the month loop's caps;
    this contract has none)."""
    sched = schedule(contract, deterministic_batch(contract, contract.scenario("case")))
    out: dict[str, int] = {}
    for line in sched.lines:
        out[line.provider] = out.get(line.provider, 0) + int(sched.due[0, :, line.index, :].sum())
    return out


def half_up(x: Fraction) -> int:
    """A non-negative fraction rounded half up to a whole number."""
    return int(x + Fraction(1, 2))


def documented(case: Case) -> dict[str, int]:
    """What docs/contract-format.md says the rule pays each provider, in exact fractions: units = baseline ×
    participants × improvement (none at or below 0); the highest tier reached pays amount + units × price
    (rounded half up once); otherwise, if Σ participants × improvement / Σ participants reaches the pooled
    threshold, units × pooled price (rounded half up once)."""
    baseline = Fraction(POOLED.metrics[0].baseline or 0)
    rule = case.rule
    people = sum(case.sizes)
    pooled = Fraction(sum(n * Fraction(x) for n, x in zip(case.sizes, case.improvements, strict=True)))
    pooled_hit = (
        people > 0 and rule.pooled_threshold is not None and pooled / people >= Fraction(rule.pooled_threshold)
    )
    out: dict[str, int] = {}
    for i, (n, x) in enumerate(zip(case.sizes, case.improvements, strict=True)):
        units = baseline * n * max(Fraction(x), Fraction(0))
        reached = [t for t in rule.tiers if x >= t.from_improvement]
        if n == 0:
            out[f"p{i}"] = 0
        elif reached:
            out[f"p{i}"] = reached[-1].amount + half_up(units * reached[-1].price_per_unit)
        elif pooled_hit:
            out[f"p{i}"] = half_up(units * (rule.pooled_price_per_unit or 0))
        else:
            out[f"p{i}"] = 0
    return out


class TestPooledRule:
    @given(cases())
    def test_engine_pays_what_the_documented_rule_pays(self, case: Case) -> None:
        """Every provider's cohort payment equals the rule as documented, worked out in exact fractions."""
        assert paid_by_provider(build(case)) == documented(case)

    @given(cases(), st.data())
    def test_payment_never_falls_as_a_cohort_improves(self, case: Case, data: st.DataObject) -> None:
        """Raising any one cohort's improvement never lowers the rule's total payment (it may lift the pooled
        improvement over the threshold, or the cohort into a tier)."""
        j = data.draw(st.integers(min_value=0, max_value=len(case.sizes) - 1))
        more = Decimal(data.draw(st.integers(min_value=1, max_value=100))) / 1000
        better = list(case.improvements)
        better[j] += more
        improved = attrs.evolve(case, improvements=tuple(better))
        assert sum(paid_by_provider(build(improved)).values()) >= sum(paid_by_provider(build(case)).values())

    @given(cases(), st.randoms(use_true_random=False))
    def test_the_order_of_providers_does_not_matter(self, case: Case, rnd: object) -> None:
        """The same providers listed in another order are paid the same, provider by provider."""
        order = list(range(len(case.sizes)))
        rnd.shuffle(order)  # type: ignore[attr-defined]
        assert paid_by_provider(build(case, order)) == paid_by_provider(build(case))


class TestPooledMonteCarlo:
    def test_each_sampled_scenario_applies_the_pooled_trigger(self) -> None:
        """The reproducer with north's improvement uncertain (5–95% range 0–14%, mean 7%), south fixed at
        9.5%. In every sampled scenario the pooled improvement is (1,000 × north + 1,000 × 9.5%) / 2,000, so
        the trigger is met exactly when north ≥ 5.5%; then south is paid 147.25 × £100 = £14,725.00 and north
        1.55 × 1,000 × its improvement × £100 (improvement counted in trillionths, the product rounded half up);
        at 10% or more north is paid the same from its own tier. Sampled scenarios fall on both sides of
        5.5%, and simulate pays each one what the rule says."""
        u = Uncertainty(
            scenario="both-below-tier",
            outcomes=(
                OutcomeUncertainty(
                    metric="reconviction", provider="north", low=Decimal(0), high=Decimal("0.14")
                ),
            ),
        )
        c = attrs.evolve(POOLED, uncertainty=u)
        n, seed = 2000, 11
        north = sample(c, n, seed).improvement[:, 0, 0]
        steps = np.floor(north * 10**12 + 0.5).astype(np.int64)
        hit = steps >= 55 * 10**9  # 5.5%
        assert hit.any() and (~hit).any() and (steps >= 100 * 10**9).any()
        expected = [
            (half_up(Fraction(31, 20) * 1000 * Fraction(int(s), 10**12) * 10_000) + 14_725_00) if h else 0
            for s, h in zip(steps, hit, strict=True)
        ]
        paid = simulate(c, n, seed, workers=1).metrics["outcome_payments"]
        assert [int(x) for x in paid] == expected

    def test_published_levels_are_the_expected_values(self) -> None:
        """Monte Carlo over the scenario that gives the evaluator's levels (7.0% and 9.5%, see
        TestPooledThreshold) with no range: every sampled scenario pays the reproducer's £25,575.00."""
        c = attrs.evolve(POOLED, uncertainty=Uncertainty(scenario="published-levels"))
        paid = simulate(c, 300, 3, workers=1).metrics["outcome_payments"]
        assert {int(x) for x in paid} == {25_575_00}
