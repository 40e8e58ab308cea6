"""The small strategies of ``sibkit.testing.strategies`` (issue #18): each draws valid parts, each refuses bad
arguments with ``InvalidArgument`` naming the argument, and ``contracts()`` is built from them, so a user's own
parts really end up in the contracts it draws, which the engine then runs."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from sibkit.load import dumps, loads
from sibkit.model import (
    CohortThreshold,
    Contract,
    EnrolmentPlan,
    Equity,
    Grant,
    InterestStep,
    Loan,
    Metric,
    OutcomePayer,
    PrincipalStep,
    Provider,
    RateCard,
    RateCardEntry,
    RecoverableGrant,
    ResidualStep,
    ReturnStep,
    Tariff,
    Timeline,
    contract_problems,
)
from sibkit.testing import properties
from sibkit.testing import strategies as sst

FEW = settings(max_examples=15, deadline=None)
"""Enough examples to see each part's shapes; the engine runs get ``deadline=None`` (its first call compiles)."""

TIMELINE = Timeline(start=dt.date(2025, 1, 1), enrolment_months=4, service_months=8, term_months=14)
EVENT = Metric(id="entry", name="Entry to work")
COHORT = Metric(id="reconviction", name="Reconviction", kind="cohort_change", unit="event", baseline=Decimal("0.9"))
PAYER = OutcomePayer(id="city", name="City")
PROVIDER = Provider(id="coach", name="Coach", capacity=5, enrolment=EnrolmentPlan(monthly=(5,)), cost_per_participant=0)
SENIOR = Loan(id="senior", investor="bank", commitment=1_000_00)


def _with_timeline(make: Callable[[Timeline], st.SearchStrategy[Any]]) -> st.SearchStrategy[tuple[Timeline, Any]]:
    return sst.timelines().flatmap(lambda t: make(t).map(lambda part: (t, part)))


class TestParts:
    @FEW
    @given(
        sst.timelines(min_enrolment_months=2, max_enrolment_months=4, max_term_months=10, payment_frequencies=("end",))
    )
    def test_timelines_keep_their_bounds(self, timeline: Timeline) -> None:
        """A timeline's enrolment window, term and frequency are those asked for, and it starts on the 1st."""
        assert 2 <= timeline.enrolment_months <= 4
        assert timeline.enrolment_months <= timeline.service_months <= timeline.term_months <= 10
        assert timeline.payment_frequency == "end"
        assert timeline.start.day == 1

    @FEW
    @given(sst.payers(min_size=2, max_size=4, funds=True))
    def test_payers_share_the_payments_and_funds_are_covered(self, payers: tuple[OutcomePayer, ...]) -> None:
        """Several payers have shares summing to 100%; a fund's budget is covered by its contributors."""
        assert 2 <= len(payers) <= 4
        assert sum((p.share or Fraction(0) for p in payers), Fraction(0)) == 1
        for p in payers:
            assert p.contributors
            assert p.budget is None or p.budget <= sum(c.commitment for c in p.contributors)

    @FEW
    @given(sst.payers(ids=("gemeente", "fonds")))
    def test_payers_take_their_ids(self, payers: tuple[OutcomePayer, ...]) -> None:
        """``ids`` fixes the payers and their number."""
        assert [p.id for p in payers] == ["gemeente", "fonds"]

    @FEW
    @given(_with_timeline(lambda t: sst.providers(t, ids=("north", "south"), capacity=5)))
    def test_providers_enrol_within_the_window_and_their_capacity(self, drawn: tuple[Timeline, Any]) -> None:
        """Each provider plans at most its capacity, inside the timeline's enrolment window."""
        timeline, providers = drawn
        assert [p.id for p in providers] == ["north", "south"]
        for p in providers:
            assert p.capacity == 5
            assert p.enrolment.participants <= 5
            assert len(p.enrolment.per_month()) <= timeline.enrolment_months

    @FEW
    @given(sst.metrics(min_size=3, max_size=5, kinds=("event", "milestone", "duration", "cohort_change"), chains=True))
    def test_metrics_of_every_kind_and_chains(self, metrics: tuple[Metric, ...]) -> None:
        """Metrics are of the kinds asked for; a milestone requires only metrics before it; a cohort change has a
        baseline."""
        seen: set[str] = set()
        for m in metrics:
            assert m.kind in ("event", "milestone", "duration", "cohort_change")
            assert set(m.requires) <= seen
            assert (m.baseline is not None) == (m.kind == "cohort_change")
            seen.add(m.id)

    @FEW
    @given(sst.tariffs((EVENT, Metric(id="course", name="Course")), min_price=1_000_00, max_price=2_000_00))
    def test_tariffs_weigh_their_metrics_to_one_hundred_percent(self, tariff: Tariff) -> None:
        """A tariff's weights sum to 100% and each component's price is whole cents."""
        assert sum(c.weight for c in tariff.components) == 1
        assert 1_000_00 <= tariff.price_per_participant <= 2_000_00
        assert tariff.price_per_participant % 100 == 0

    @FEW
    @given(sst.rate_cards((EVENT,), repeatable=True, max_per_participant=2))
    def test_rate_cards_price_every_metric(self, card: RateCard) -> None:
        """A rate card has an entry per metric; a repeatable entry has its maximum."""
        (entry,) = card.entries
        assert entry.metric == "entry" and entry.repeatable
        assert entry.max_per_participant is not None and 1 <= entry.max_per_participant <= 2

    @FEW
    @given(sst.cohort_thresholds(COHORT, max_tiers=3, pooled=True))
    def test_cohort_thresholds_have_ascending_tiers(self, rule: CohortThreshold) -> None:
        """Tiers start at strictly increasing improvements; a pooled threshold comes with its price."""
        starts = [t.from_improvement for t in rule.tiers]
        assert starts == sorted(set(starts)) and 1 <= len(starts) <= 3
        assert rule.pooled_threshold is not None and rule.pooled_price_per_unit is not None

    @FEW
    @given(sst.caps((EVENT,), (PAYER,), (PROVIDER,), levels=("metric", "payer"), max_amount=1_000_00))
    def test_caps_target_the_parts_given(self, caps: tuple[Any, ...]) -> None:
        """Caps are at the levels asked for, each on a part given, within the amount."""
        for cap in caps:
            assert cap.level in ("metric", "payer")
            assert cap.target in ("entry", "city")
            assert cap.amount <= 1_000_00

    @FEW
    @given(sst.caps((EVENT, COHORT, Metric(id="course", name="Course")), levels=("metric",), groups=True))
    def test_caps_may_limit_a_group_of_metrics(self, caps: tuple[Any, ...]) -> None:
        """With ``groups``, a metric cap names one metric or a group of two or more."""
        for cap in caps:
            assert (cap.target is None) == (len(cap.metrics) >= 2)

    @FEW
    @given(sst.tranches(kinds=sst.TRANCHE_KINDS).flatmap(lambda ts: sst.waterfalls(ts).map(lambda w: (ts, w))))
    def test_waterfalls_pay_every_tranche_by_seniority(self, drawn: tuple[Any, Any]) -> None:
        """Every repaid tranche has a principal step; steps follow seniority; a return step pays only capped
        tranches; interest only loans."""
        tranches, steps = drawn
        ranks = {t.id: t.seniority for t in tranches}
        repaid = {t for s in steps if isinstance(s, PrincipalStep) for t in s.tranches}
        assert repaid == {t.id for t in tranches if not isinstance(t, Grant)}
        order = [ranks[t] for s in steps if isinstance(s, (InterestStep, PrincipalStep)) for t in s.tranches]
        assert order == sorted(order)
        for s in steps:
            if isinstance(s, ReturnStep):
                assert all(next(t for t in tranches if t.id == i).return_cap is not None for i in s.tranches)
            if isinstance(s, InterestStep):
                assert all(isinstance(next(t for t in tranches if t.id == i), Loan) for i in s.tranches)


def _run(contract: Contract, data: st.DataObject) -> None:
    """The contract is valid as a whole and the engine runs it, every cent reconciled."""
    assert contract_problems(contract) == []
    properties.conservation(contract, data.draw(sst.batches(contract, 2)))


COMPOSED: dict[str, Callable[[], st.SearchStrategy[Contract]]] = {
    "default": lambda: sst.contracts(),
    "funds-and-two-payers": lambda: sst.contracts(payers=sst.payers(min_size=2, max_size=2, funds=True)),
    "cohorts-durations-chains": lambda: sst.contracts(
        metrics=sst.metrics(kinds=("event", "milestone", "duration", "cohort_change"), chains=True)
    ),
    "rate-card-per-payer": lambda: sst.contracts(
        payers=sst.payers(min_size=2, max_size=3),
        rules=sst.payment_rules,
        caps=functools.partial(sst.caps, groups=True),
    ),
    "every-tranche": lambda: sst.contracts(
        tranches=sst.tranches(kinds=sst.TRANCHE_KINDS),
        guarantees=functools.partial(sst.guarantees, max_size=2),
    ),
    "segments": lambda: sst.contracts(segments=sst.segments(), payers=sst.payers(max_size=2, funds=None)),
    "own-providers": lambda: sst.contracts(
        timelines=sst.timelines(max_term_months=18), providers=functools.partial(sst.providers, capacity=7)
    ),
}


class TestComposedContracts:
    @pytest.mark.parametrize("shape", sorted(COMPOSED))
    def test_every_composed_contract_runs_through_the_engine(self, shape: str) -> None:
        """Contracts built from any mix of parts are valid and conserve money in the engine."""

        @settings(max_examples=8, deadline=None)
        @given(st.data())
        def run(data: st.DataObject) -> None:
            _run(data.draw(COMPOSED[shape]()), data)

        run()

    @pytest.mark.parametrize("shape", sorted(COMPOSED))
    def test_every_composed_contract_survives_a_round_trip(self, shape: str) -> None:
        """Written to TOML and read back, a composed contract is the same contract: its parts are what a
        contract file can say."""

        @settings(max_examples=10, deadline=None)
        @given(COMPOSED[shape]())
        def round_trip(contract: Contract) -> None:
            assert loads(dumps(contract, fmt="toml"), fmt="toml") == contract

        round_trip()

    @FEW
    @given(sst.contracts(payers=sst.payers(min_size=2, max_size=2), rules=sst.rate_cards))
    def test_two_payers_and_a_rate_card(self, contract: Contract) -> None:
        """The parts given are the contract's: two payers, paid by one rate card."""
        assert len(contract.payers) == 2
        assert [type(r) for r in contract.rules] == [RateCard]

    @FEW
    @given(sst.contracts(providers=functools.partial(sst.providers, ids=("a", "b"), capacity=7), caps=False))
    def test_own_providers(self, contract: Contract) -> None:
        """A function of the timeline gives the providers."""
        assert [(p.id, p.capacity) for p in contract.providers] == [("a", 7), ("b", 7)]
        assert contract.caps == ()

    @FEW
    @given(sst.contracts(tranches=sst.tranches(kinds=("senior", "equity", "recoverable_grant"), min_size=3)))
    def test_own_tranches_bring_their_investors(self, contract: Contract) -> None:
        """The tranches given are the contract's, each investor a party, each repaid by the waterfall."""
        assert [type(t) for t in contract.tranches] == [Loan, Equity, RecoverableGrant]
        investors = {i.id for i in contract.investors}
        assert {t.investor for t in contract.tranches} <= investors
        assert {g.guarantor for g in contract.guarantees} <= investors

    @FEW
    @given(sst.contracts(metrics=sst.metrics(kinds=("cohort_change",), min_size=2, max_size=2)))
    def test_cohort_metrics_get_cohort_thresholds(self, contract: Contract) -> None:
        """Each cohort change metric is paid by a cohort threshold of its own."""
        assert [type(r) for r in contract.rules] == [CohortThreshold, CohortThreshold]

    @FEW
    @given(sst.contracts(segments=sst.segments(ids=("easy", "hard")), rules=sst.tariffs))
    def test_segments_reach_providers_and_prices(self, contract: Contract) -> None:
        """Segments given are the contract's; every provider mixes its participants over them; a segment's
        own price, if any, names one of them."""
        assert [g.id for g in contract.segments] == ["easy", "hard"]
        for p in contract.providers:
            assert [m.segment for m in p.segment_mix] == ["easy", "hard"]
            assert sum(m.share for m in p.segment_mix) == 1
        (tariff,) = contract.rules
        assert isinstance(tariff, Tariff) and set(tariff.segment_prices) <= {"easy", "hard"}

    @FEW
    @given(sst.contracts(waterfalls=functools.partial(sst.waterfalls, residual=True)))
    def test_own_waterfall(self, contract: Contract) -> None:
        """A waterfall given implies capital; its residual step is there."""
        assert contract.tranches
        assert isinstance(contract.waterfall[-1], ResidualStep)


BAD: list[tuple[str, Callable[[], object], str]] = [
    ("texts sizes", lambda: sst.texts(min_size=5, max_size=2), "min_size=5 is more than max_size=2"),
    ("shares n", lambda: sst.shares(0), "n=0"),
    ("timelines months", lambda: sst.timelines(min_enrolment_months=0), "min_enrolment_months=0"),
    (
        "timelines order",
        lambda: sst.timelines(min_enrolment_months=5, max_enrolment_months=2),
        "min_enrolment_months=5",
    ),
    ("timelines term", lambda: sst.timelines(max_enrolment_months=12, max_term_months=6), "max_term_months=6"),
    ("timelines frequency", lambda: sst.timelines(payment_frequencies=("weekly",)), "payment_frequencies"),
    ("timelines no frequency", lambda: sst.timelines(payment_frequencies=()), "payment_frequencies"),
    (
        "timelines start",
        lambda: sst.timelines(min_start=dt.date(2030, 1, 1), max_start=dt.date(2020, 1, 1)),
        "min_start",
    ),
    ("payers sizes", lambda: sst.payers(min_size=3, max_size=2), "min_size=3 is more than max_size=2"),
    ("payers none", lambda: sst.payers(min_size=0), "min_size=0"),
    ("payers ids empty", lambda: sst.payers(ids=()), "ids=()"),
    ("payers ids twice", lambda: sst.payers(ids=("a", "a")), "ids: 'a' is given twice"),
    ("payers ids bad", lambda: sst.payers(ids=("Gemeente",)), "ids: 'Gemeente' is not an identifier"),
    ("payers ids and sizes", lambda: sst.payers(ids=("a",), max_size=2), "ids"),
    ("payers funds", lambda: sst.payers(funds="yes"), "funds='yes'"),  # type: ignore[arg-type]
    ("payers money_step", lambda: sst.payers(money_step=0), "money_step=0"),
    ("providers timeline", lambda: sst.providers(None), "timeline=None"),  # type: ignore[arg-type]
    ("providers capacity", lambda: sst.providers(TIMELINE, capacity=0), "capacity=0"),
    ("providers cost", lambda: sst.providers(TIMELINE, max_cost_per_participant=-1), "max_cost_per_participant=-1"),
    ("providers cost float", lambda: sst.providers(TIMELINE, max_buffer=10.5), "max_buffer=10.5"),  # type: ignore[arg-type]
    ("providers segments", lambda: sst.providers(TIMELINE, ("easy",)), "segments: 'easy' is not one of"),
    ("segments sizes", lambda: sst.segments(min_size=4, max_size=2), "min_size=4 is more than max_size=2"),
    ("segments ids", lambda: sst.segments(ids=("Hard",)), "ids: 'Hard' is not an identifier"),
    ("contracts segments", lambda: sst.contracts(segments=("easy",)), "segments=('easy',)"),  # type: ignore[arg-type]
    ("providers ids", lambda: sst.providers(TIMELINE, ids=["costs"]), "ids: 'costs'"),
    ("metrics kinds", lambda: sst.metrics(kinds=("outcome",)), "kinds: unknown value 'outcome'"),
    ("metrics kinds str", lambda: sst.metrics(kinds="event"), "kinds='event'"),
    ("metrics evidence", lambda: sst.metrics(evidence=()), "evidence=()"),
    ("metrics lag", lambda: sst.metrics(max_lag_months=-1), "max_lag_months=-1"),
    ("tariffs no metrics", lambda: sst.tariffs(()), "metrics=()"),
    ("tariffs cohort", lambda: sst.tariffs((COHORT,)), "metrics: 'reconviction' is a cohort_change metric"),
    (
        "tariffs prices",
        lambda: sst.tariffs((EVENT,), min_price=5_00, max_price=1_00),
        "min_price=500 is more than max_price=100",
    ),
    ("tariffs negative", lambda: sst.tariffs((EVENT,), min_price=-1), "min_price=-1"),
    ("tariffs payers", lambda: sst.tariffs((EVENT,), ("city",)), "payers"),  # type: ignore[arg-type]
    ("rate_cards cohort", lambda: sst.rate_cards((COHORT,)), "metrics: 'reconviction'"),
    ("rate_cards maximum", lambda: sst.rate_cards((EVENT,), max_per_participant=0), "max_per_participant=0"),
    ("rate_cards metrics twice", lambda: sst.rate_cards((EVENT, EVENT)), "id 'entry' is used twice"),
    ("cohort_thresholds kind", lambda: sst.cohort_thresholds(EVENT), "metric: 'entry' is of kind 'event'"),
    ("cohort_thresholds tiers", lambda: sst.cohort_thresholds(COHORT, max_tiers=0), "max_tiers=0"),
    (
        "cohort_thresholds improvement",
        lambda: sst.cohort_thresholds(COHORT, max_improvement=Decimal("1.5")),
        "max_improvement=Decimal('1.5'): expected a share from 0 to 1",
    ),
    ("cohort_thresholds float", lambda: sst.cohort_thresholds(COHORT, max_improvement=0.5), "max_improvement=0.5"),  # type: ignore[arg-type]
    (
        "cohort_thresholds room",
        lambda: sst.cohort_thresholds(COHORT, max_tiers=5, max_improvement=Decimal("0.02")),
        "max_tiers=5: expected a whole number of at most 3",
    ),
    (
        "payment_rules kinds",
        lambda: sst.payment_rules((EVENT,), kinds=("per_time",)),
        "kinds: unknown value 'per_time'",
    ),
    ("caps levels", lambda: sst.caps((EVENT,), levels=("payer",)), "levels includes 'payer' but payers is empty"),
    ("caps level unknown", lambda: sst.caps(levels=("budget",)), "levels: unknown value 'budget'"),
    ("caps amount", lambda: sst.caps(max_amount=-5), "max_amount=-5"),
    ("caps groups", lambda: sst.caps(groups=None), "groups=None: expected True or False"),  # type: ignore[arg-type]
    ("tranches kinds", lambda: sst.tranches(kinds=("mezzanine",)), "kinds: unknown value 'mezzanine'"),
    ("tranches sizes", lambda: sst.tranches(kinds=("senior",), min_size=2), "min_size=2"),
    ("waterfalls empty", lambda: sst.waterfalls(()), "tranches=()"),
    ("waterfalls parties", lambda: sst.waterfalls((SENIOR,), residual_parties=()), "residual_parties=()"),
    (
        "guarantees sizes",
        lambda: sst.guarantees((SENIOR,), min_size=2, max_size=1),
        "min_size=2 is more than max_size=1",
    ),
    (
        "guarantees grants",
        lambda: sst.guarantees((Grant(id="g", investor="x", commitment=0),), min_size=1),
        "min_size=1",
    ),
    (
        "contracts knob and part",
        lambda: sst.contracts(max_payers=2, payers=sst.payers()),
        "give either max_payers or payers",
    ),
    ("contracts open rules", lambda: sst.contracts(open_rules=True, metrics=sst.metrics()), "open_rules=True"),
    ("contracts investors", lambda: sst.contracts(investors=False, tranches=sst.tranches()), "investors=False"),
    ("contracts part type", lambda: sst.contracts(payers=3), "payers=3"),  # type: ignore[arg-type]
    ("contracts providers", lambda: sst.contracts(providers=5), "providers=5"),  # type: ignore[arg-type]
    ("contracts money_step", lambda: sst.contracts(money_step=0), "money_step=0"),
    ("scenarios_for metrics", lambda: sst.scenarios_for(()), "metrics=()"),
    ("scenarios contract", lambda: sst.scenarios("contract.toml"), "contract='contract.toml'"),  # type: ignore[arg-type]
    ("outcome_vectors contract", lambda: sst.outcome_vectors(None), "contract=None"),  # type: ignore[arg-type]
    ("batches n", lambda: sst.batches(_CONTRACT, 0), "n=0"),
]


def _contract() -> Contract:
    return Contract(
        name="c",
        timeline=TIMELINE,
        payers=(PAYER,),
        providers=(PROVIDER,),
        metrics=(EVENT,),
        rules=(RateCard(id="card", entries=(RateCardEntry(metric="entry", price=1_00),)),),
    )


_CONTRACT = _contract()


class TestArguments:
    @pytest.mark.parametrize(("call", "names"), [(c, n) for _, c, n in BAD], ids=[i for i, _, _ in BAD])
    def test_bad_arguments_are_refused_by_name(self, call: Callable[[], object], names: str) -> None:
        """A bad argument raises InvalidArgument when the strategy is made, naming the argument and its value."""
        with pytest.raises(InvalidArgument) as err:
            call()
        assert names in str(err.value)

    def test_the_message_says_which_strategy_and_what_was_expected(self) -> None:
        """The whole message of one refusal, as a developer reads it."""
        with pytest.raises(InvalidArgument) as err:
            sst.payers(min_size=3, max_size=2)
        assert str(err.value) == "payers(): min_size=3 is more than max_size=2; expected min_size <= max_size"
