"""Hypothesis strategies for contracts, scenarios and outcome vectors.

Built explicitly, field by field, so every generated object passes the model's
validators (``st.builds`` would ignore them). Use them in your own property
tests::

    from hypothesis import given
    from sibkit.testing import strategies as sst

    @given(sst.contracts())
    def test_my_rule(contract): ...

After ``pip install sibkit``, ``st.from_type(Contract)`` also works: sibkit
registers ``contracts()`` through Hypothesis's entry point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sibkit.engine.batch import Batch, axes, deterministic_batch
from sibkit.model import (
    Cap,
    Component,
    Contract,
    Drawdown,
    EnrolmentPlan,
    Guarantee,
    InterestStep,
    Investor,
    Loan,
    Metric,
    OutcomePayer,
    PayerShare,
    PerTime,
    PrincipalStep,
    Provider,
    RateCard,
    RateCardEntry,
    ResidualShare,
    ResidualStep,
    ReturnCap,
    ReturnStep,
    Saving,
    Scenario,
    ScenarioOutcome,
    ShareOfSavings,
    Tariff,
    Timeline,
)
from sibkit.model.rules import PaymentRule
from sibkit.model.waterfall import WaterfallStep
from sibkit.money import Cents

__all__ = ["batches", "contracts", "outcome_vectors", "scenarios", "scenarios_for", "shares", "texts"]


_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides, isolates and their closers: a contract may hold them only in pairs."""


def texts(*, lines: bool = False, min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    """Text a contract may hold (``sibkit.model.common.text_problem``): a name, or with ``lines``
    a description. Characters of every Unicode category except control characters (a description
    also gets line feeds and tabs), line and paragraph separators, surrogates, unassigned code
    points and bidirectional controls; ``min_size`` to ``max_size`` characters."""
    alphabet = st.characters(
        exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp"),
        exclude_characters=_BIDI_CONTROLS,
        include_characters="\n\t" if lines else "",
    )
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def shares(n: int) -> st.SearchStrategy[list[Decimal]]:
    """``n`` shares in whole percent that sum to exactly 100%, each above 0."""
    if n == 1:
        return st.just([Decimal(1)])
    return (
        st.lists(st.integers(min_value=1, max_value=99), min_size=n - 1, max_size=n - 1, unique=True)
        .map(lambda cuts: sorted(c for c in cuts))
        .map(lambda cuts: [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)])
        .filter(lambda parts: all(p > 0 for p in parts))
        .map(lambda parts: [Decimal(p) / 100 for p in parts])
    )


def _money(low: int = 0, high: int = 500_000_00, step: int = 1) -> st.SearchStrategy[Cents]:
    return st.integers(min_value=low // step, max_value=high // step).map(lambda x: Cents(x * step))


@st.composite
def contracts(
    draw: st.DrawFn,
    *,
    max_providers: int = 3,
    max_payers: int = 3,
    max_metrics: int = 3,
    investors: bool | None = None,
    caps: bool | None = None,
    money_step: int = 1,
    months_max: int = 36,
    open_rules: bool = False,
) -> Contract:
    """Valid contracts: payers, providers, event metrics, a tariff or a rate card, optional caps,
    and optionally a capital structure (senior loan, subordinated loan with a return cap, guarantee).

    ``money_step`` makes every amount a multiple of that many cents (for scaling properties).
    ``open_rules`` pays each metric by a rule of its own, also of the kinds without a natural
    maximum: a per-time payment (duration metric) with or without ``max_units_per_participant``,
    a repeatable rate-card entry with or without ``max_per_participant``, a share of savings; each
    paid by the payers' shares or by one payer; and caps may target any metric, provider or payer.
    """
    enrol = draw(st.integers(min_value=1, max_value=6))
    service = enrol + draw(st.integers(min_value=0, max_value=6))
    term = min(months_max, service + draw(st.integers(min_value=1, max_value=12)))
    term = max(term, service)
    timeline = Timeline(
        start=dt.date(
            draw(st.integers(min_value=2020, max_value=2030)), draw(st.integers(min_value=1, max_value=12)), 1
        ),
        enrolment_months=enrol,
        service_months=service,
        term_months=term,
        payment_frequency=draw(st.sampled_from(["monthly", "quarterly", "semiannual", "annual", "end"])),
    )
    n_payers = draw(st.integers(min_value=1, max_value=max_payers))
    payer_shares = draw(shares(n_payers))
    payers = tuple(
        OutcomePayer(id=f"payer-{k}", name=f"Payer {k}", share=(payer_shares[k] if n_payers > 1 else None))
        for k in range(n_payers)
    )
    use_investors = draw(st.booleans()) if investors is None else investors
    n_providers = draw(st.integers(min_value=1, max_value=max_providers))
    providers = []
    for p in range(n_providers):
        monthly = tuple(draw(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=enrol)))
        providers.append(
            Provider(
                id=f"provider-{p}",
                name=f"Provider {p}",
                capacity=max(1, sum(monthly)),
                enrolment=EnrolmentPlan(monthly=monthly),
                cost_per_participant=draw(_money(0, 5_000_00, money_step)),
                cost_profile=draw(st.sampled_from([(Decimal(1),), (Decimal("0.5"), Decimal("0.5"))])),
                buffer=draw(_money(0, 50_000_00, money_step)),
                prefinances_own_costs=draw(st.booleans()) if use_investors else True,
            )
        )
    n_metrics = draw(st.integers(min_value=1, max_value=max_metrics))
    metrics: tuple[Metric, ...]
    rules: tuple[PaymentRule, ...]
    savings: tuple[Saving, ...] = ()
    if open_rules:
        metrics, rules, savings = _open_rules(draw, n_metrics, payers, money_step)
    else:
        metrics, rules = _one_rule(draw, n_metrics, money_step)
    cap_list: list[Cap] = []

    # with open rules a cap may target any metric, provider or payer; otherwise the first one
    def pick(items: Sequence[Any]) -> st.SearchStrategy[Any]:
        return st.sampled_from(items) if open_rules else st.just(items[0])

    if caps if caps is not None else draw(st.booleans()):
        if draw(st.booleans()):
            cap_list.append(Cap(level="participant", amount=draw(_money(0, 8_000_00, money_step))))
        if draw(st.booleans()):
            cap_list.append(
                Cap(level="metric", target=draw(pick(metrics)).id, amount=draw(_money(0, 50_000_00, money_step)))
            )
        if draw(st.booleans()):
            cap_list.append(
                Cap(level="provider", target=draw(pick(providers)).id, amount=draw(_money(0, 80_000_00, money_step)))
            )
        if draw(st.booleans()):
            cap_list.append(
                Cap(level="payer", target=draw(pick(payers)).id, amount=draw(_money(0, 80_000_00, money_step)))
            )
        if draw(st.booleans()):
            cap_list.append(Cap(level="contract", amount=draw(_money(0, 150_000_00, money_step))))
    extra: dict[str, Any] = {}
    if use_investors:
        senior = Loan(
            id="senior",
            investor="bank",
            commitment=draw(_money(1_000_00, 100_000_00, max(money_step, 1_200_00))),
            seniority=1,
            coupon=Decimal(draw(st.integers(min_value=0, max_value=12))) / 100,
            drawdown=Drawdown(kind=draw(st.sampled_from(["upfront", "as_needed"]))),
        )
        sub = Loan(
            id="junior",
            investor="fund",
            commitment=draw(_money(0, 50_000_00, max(money_step, 1_200_00))),
            seniority=2,
            drawdown=Drawdown(kind=draw(st.sampled_from(["upfront", "as_needed"]))),
            return_cap=ReturnCap(
                irr=Decimal(draw(st.integers(min_value=0, max_value=20))) / 100,
                multiple=draw(st.sampled_from([None, Decimal("1.5"), Decimal(2)])),
            ),
        )
        steps: list[WaterfallStep] = [
            InterestStep(tranches=("senior",)),
            PrincipalStep(tranches=("senior",)),
            PrincipalStep(tranches=("junior",)),
            ReturnStep(tranches=("junior",)),
        ]
        if draw(st.booleans()):
            steps.append(
                ResidualStep(
                    shares=(
                        ResidualShare(party="revolving_fund", share=Decimal("0.5")),
                        ResidualShare(party=providers[0].id, share=Decimal("0.5")),
                    )
                )
            )
        extra = {
            "investors": (
                Investor(id="bank", name="Bank"),
                Investor(id="fund", name="Fund"),
                Investor(id="donor", name="Donor"),
            ),
            "tranches": (senior, sub),
            "waterfall": tuple(steps),
            "guarantees": (
                (
                    Guarantee(
                        id="guarantee",
                        guarantor="donor",
                        covers=("senior",),
                        amount=draw(_money(0, 50_000_00, money_step)),
                    ),
                )
                if draw(st.booleans())
                else ()
            ),
        }
    scenario = draw(scenarios_for(metrics, name="base"))
    return Contract(
        name=draw(texts()),
        timeline=timeline,
        payers=payers,
        providers=tuple(providers),
        metrics=metrics,
        rules=rules,
        savings=savings,
        caps=tuple(cap_list),
        scenarios=(scenario,),
        **extra,
    )


def _one_rule(draw: st.DrawFn, n_metrics: int, money_step: int) -> tuple[tuple[Metric, ...], tuple[PaymentRule]]:
    """Event metrics paid by one tariff or one rate card (repeatable entries with a maximum)."""
    metrics = tuple(
        Metric(
            id=f"metric-{m}",
            name=f"Outcome {m}",
            kind=draw(st.sampled_from(["event", "change", "milestone"])),
            evidence=draw(st.sampled_from(["hard", "soft"])),
            observation_months=draw(st.integers(min_value=0, max_value=9)),
            lag_months=draw(st.integers(min_value=0, max_value=3)),
        )
        for m in range(n_metrics)
    )
    if draw(st.booleans()):
        weights = draw(shares(n_metrics))
        rule: Tariff | RateCard = Tariff(
            id="tariff",
            price_per_participant=draw(_money(1_00, 10_000_00, max(money_step, 100))),
            components=tuple(Component(metric=m.id, weight=w) for m, w in zip(metrics, weights, strict=True)),
        )
    else:
        entries = []
        for m in metrics:
            repeatable = draw(st.booleans())
            entries.append(
                RateCardEntry(
                    metric=m.id,
                    price=draw(_money(0, 5_000_00, money_step)),
                    repeatable=repeatable,
                    max_per_participant=draw(st.integers(min_value=1, max_value=4)) if repeatable else None,
                )
            )
        rule = RateCard(id="card", entries=tuple(entries))
    return metrics, (rule,)


def _open_rules(
    draw: st.DrawFn, n_metrics: int, payers: tuple[OutcomePayer, ...], money_step: int
) -> tuple[tuple[Metric, ...], tuple[PaymentRule, ...], tuple[Saving, ...]]:
    """One metric and one rule per metric for ``contracts(open_rules=True)``, with the savings entries
    that shares of savings need."""
    metrics: list[Metric] = []
    rules: list[PaymentRule] = []
    savings: list[Saving] = []
    for m in range(n_metrics):
        kind = draw(st.sampled_from(["once", "repeatable", "per_time", "share_of_savings"]))
        metric = Metric(
            id=f"metric-{m}",
            name=f"Outcome {m}",
            kind="duration" if kind == "per_time" else "event",
            unit="day" if kind == "per_time" else "participant",
            observation_months=draw(st.integers(min_value=0, max_value=9)),
            lag_months=draw(st.integers(min_value=0, max_value=3)),
        )
        metrics.append(metric)
        paid_by: tuple[PayerShare, ...] = ()
        if len(payers) > 1 and draw(st.booleans()):
            paid_by = (PayerShare(payer=draw(st.sampled_from(payers)).id, share=Decimal(1)),)
        limit = draw(st.none() | st.integers(min_value=1, max_value=4))
        if kind == "per_time":
            rules.append(
                PerTime(
                    id=f"rule-{m}",
                    metric=metric.id,
                    price_per_unit=draw(_money(0, 500_00, money_step)),
                    max_units_per_participant=limit,
                    paid_by=paid_by,
                )
            )
        elif kind == "share_of_savings":
            savings.append(Saving(metric=metric.id, amount_per_unit=draw(_money(0, 5_000_00, money_step))))
            rules.append(
                ShareOfSavings(
                    id=f"rule-{m}",
                    metric=metric.id,
                    share=Decimal(draw(st.integers(min_value=0, max_value=100))) / 100,
                    share_after=Decimal(draw(st.integers(min_value=0, max_value=100))) / 100,
                    paid_by=paid_by,
                )
            )
        else:
            entry = RateCardEntry(
                metric=metric.id,
                price=draw(_money(0, 5_000_00, money_step)),
                repeatable=kind == "repeatable",
                max_per_participant=limit if kind == "repeatable" else None,
            )
            rules.append(RateCard(id=f"rule-{m}", entries=(entry,), paid_by=paid_by))
    return tuple(metrics), tuple(rules), tuple(savings)


def scenarios_for(metrics: tuple[Metric, ...], name: str = "generated") -> st.SearchStrategy[Scenario]:
    """A scenario with a success rate (whole percent) and units for each metric."""
    return st.builds(
        lambda rates, units: Scenario(
            name=name,
            outcomes=tuple(
                ScenarioOutcome(metric=m.id, rate=Decimal(r) / 100, units=Decimal(u))
                for m, r, u in zip(metrics, rates, units, strict=True)
            ),
        ),
        st.lists(st.integers(min_value=0, max_value=100), min_size=len(metrics), max_size=len(metrics)),
        st.lists(st.integers(min_value=1, max_value=5), min_size=len(metrics), max_size=len(metrics)),
    )


def scenarios(contract: Contract) -> st.SearchStrategy[Scenario]:
    """Scenarios for ``contract``: a rate for each of its metrics."""
    return scenarios_for(contract.metrics)


@st.composite
def outcome_vectors(draw: st.DrawFn, contract: Contract) -> Batch:
    """One scenario as integer counts (N = 1): for every enrolment month, provider, segment and
    metric, how many participants achieve it (at most those enrolled) and their units.

    The counts are drawn as arrays (``hypothesis.extra.numpy.arrays``): one value fills the array and a few
    cells are drawn apart from it, so the smallest example stays small however many months, providers,
    segments and metrics the contract has (drawing every cell on its own failed Hypothesis's
    ``large_base_example`` health check for long contracts). A cell's count is the share drawn for it, in
    thousandths, of the participants enrolled there, rounded down."""
    base = deterministic_batch(contract, contract.scenarios[0] if contract.scenarios else draw(scenarios(contract)))
    enrolled = base.enrolled
    shape = base.achieved.shape
    permille = st.integers(min_value=0, max_value=1000)
    shares = draw(hnp.arrays(np.int64, shape, elements=permille, fill=permille))
    achieved = (enrolled[..., None] * shares) // 1000
    per_unit = st.integers(min_value=1, max_value=4)
    units = achieved * draw(hnp.arrays(np.int64, shape, elements=per_unit, fill=per_unit))
    percent = st.integers(min_value=0, max_value=60)
    improvement = draw(hnp.arrays(np.int64, base.improvement.shape, elements=percent, fill=percent)) / 100
    return Batch(
        enrolled=enrolled,
        achieved=achieved.astype(np.int64),
        units=units.astype(np.int64),
        offset=base.offset,
        improvement=improvement.astype(np.float64),
    )


def batches(contract: Contract, n: int) -> st.SearchStrategy[Batch]:
    """``n`` scenarios of outcome vectors stacked into one batch."""
    from sibkit.engine.batch import stack

    return st.lists(outcome_vectors(contract), min_size=n, max_size=n).map(stack)


_ = axes
