"""Hypothesis strategies for contracts, their parts, scenarios and outcome vectors.

Built explicitly, field by field, so every generated object passes the model's
validators and the contract-level validations (``st.builds`` would ignore them):
they generate valid objects rather than filter invalid ones. Use them in your own
property tests::

    from hypothesis import given
    from sibkit.testing import strategies as sst

    @given(sst.contracts())
    def test_my_rule(contract): ...

Small strategies draw the parts of a contract, so a test can aim at its own deal shape, in
the style of ``hypothesis.extra.numpy``: ``timelines()``, ``payers()``, ``providers(timeline)``,
``metrics()``, ``tariffs(metrics)``, ``rate_cards(metrics)``, ``cohort_thresholds(metric)``,
``payment_rules(metrics)``, ``caps(metrics, payers, providers)``, ``tranches()``,
``waterfalls(tranches)`` and ``guarantees(tranches)``. A part that depends on others takes them as
its positional arguments; everything else is a keyword argument. Each strategy checks its
arguments when it is called and raises ``hypothesis.errors.InvalidArgument`` naming the argument
and what was expected. ``contracts(...)`` is built from them and takes any of them in place of
its own (``contracts(payers=sst.payers(min_size=2, max_size=2))``).

Units: money is integer cents (the minor unit of the contract currency); durations are whole
months; shares and rates are ``Decimal`` fractions (``Decimal("0.25")`` is 25%).

After ``pip install sibkit``, ``st.from_type(Contract)`` also works: sibkit
registers ``contracts()`` through Hypothesis's entry point.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sibkit.engine.batch import Batch, deterministic_batch
from sibkit.limits import MAX_LINE_CHARS, MAX_MONTHS, MAX_PARTICIPANTS
from sibkit.model import (
    Cap,
    CohortThreshold,
    Component,
    Contract,
    Contributor,
    DeferredFee,
    Drawdown,
    EnrolmentPlan,
    Equity,
    Grant,
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
    RecoverableGrant,
    ResidualShare,
    ResidualStep,
    ReturnCap,
    ReturnStep,
    Saving,
    Scenario,
    ScenarioOutcome,
    Segment,
    SegmentShare,
    ShareOfSavings,
    Tariff,
    Tier,
    Timeline,
    Tranche,
)
from sibkit.model.rules import PaymentRule
from sibkit.model.waterfall import WaterfallStep
from sibkit.money import Cents
from sibkit.testing import _check

__all__ = [
    "CAP_LEVELS",
    "METRIC_KINDS",
    "PAYMENT_FREQUENCIES",
    "RULE_KINDS",
    "TRANCHE_KINDS",
    "batches",
    "caps",
    "cohort_thresholds",
    "contracts",
    "guarantees",
    "metrics",
    "outcome_vectors",
    "payers",
    "payment_rules",
    "providers",
    "rate_cards",
    "scenarios",
    "scenarios_for",
    "segments",
    "shares",
    "tariffs",
    "texts",
    "timelines",
    "tranches",
    "waterfalls",
]

_T = TypeVar("_T")

PAYMENT_FREQUENCIES = ("monthly", "quarterly", "semiannual", "annual", "end")
"""The payment frequencies a timeline may have."""

METRIC_KINDS = ("event", "change", "milestone", "duration", "cohort_change")
"""The kinds of metric ``metrics(kinds=...)`` may draw (``sibkit.model.outcomes.MetricKind``)."""

RULE_KINDS = ("tariff", "rate_card")
"""The rules ``payment_rules(kinds=...)`` may pay per-participant metrics with (cohort changes always get a
cohort threshold)."""

CAP_LEVELS = ("participant", "segment", "metric", "provider", "payer", "contract")
"""The levels ``caps(levels=...)`` may draw a cap at (``sibkit.model.rules.CapLevel``)."""

TRANCHE_KINDS = ("senior", "junior", "equity", "recoverable_grant", "grant")
"""The tranches ``tranches(kinds=...)`` may draw, most senior first: a senior loan with a coupon (seniority 1,
from investor ``bank``), a subordinated loan with a return cap (2, ``fund``), equity with a return cap
(3, ``impact-fund``), a recoverable grant (4, ``foundation``) and a plain grant (9, ``philanthropy``)."""

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides, isolates and their closers: a contract may hold them only in pairs."""


def texts(*, lines: bool = False, min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    """Text a contract may hold (``sibkit.model.common.text_problem``): a name, or with ``lines``
    a description. Characters of every Unicode category except control characters (a description
    also gets line feeds and tabs), line and paragraph separators, surrogates, unassigned code
    points and bidirectional controls; ``min_size`` to ``max_size`` characters (at most 1,000)."""
    _check.flag("texts", "lines", lines, optional=False)
    _check.sizes("texts", min_size, max_size, most=MAX_LINE_CHARS)
    alphabet = st.characters(
        exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp"),
        exclude_characters=_BIDI_CONTROLS,
        include_characters="\n\t" if lines else "",
    )
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def shares(n: int) -> st.SearchStrategy[list[Decimal]]:
    """``n`` (1 to 100) shares in whole percent that sum to exactly 100%, each above 0, as ``Decimal`` fractions."""
    _check.whole("shares", "n", n, least=1, most=100)
    if n == 1:
        return st.just([Decimal(1)])
    return (
        st.lists(st.integers(min_value=1, max_value=99), min_size=n - 1, max_size=n - 1, unique=True)
        .map(sorted)
        .map(lambda cuts: [Decimal(b - a) / 100 for a, b in zip([0, *cuts], [*cuts, 100], strict=True)])
    )


def _money(low: int = 0, high: int = 500_000_00, step: int = 1) -> st.SearchStrategy[Cents]:
    return st.integers(min_value=-(-low // step), max_value=high // step).map(lambda x: Cents(x * step))


def _step(where: str, money_step: object) -> int:
    return _check.whole(where, "money_step", money_step, least=1, most=10**9)


def _size(where: str, given_ids: Sequence[str] | None, min_size: int | None, max_size: int | None, most: int) -> None:
    """Check ``ids`` against ``min_size`` and ``max_size``: either the ids, or the sizes (default 1 to 3)."""
    if given_ids is not None:
        _check.ids(where, "ids", given_ids)
        if min_size is not None or max_size is not None:
            _check.fail(where, "give either ids (which fix the number) or min_size/max_size, not both")
        if len(given_ids) > most:
            _check.fail(where, f"ids: {len(given_ids)} given; expected at most {most}")
    else:
        low, high = 1 if min_size is None else min_size, 3 if max_size is None else max_size
        _check.sizes(where, low, high, least=1, most=most)


# -- the parts of a contract -----------------------------------------------------------------------


def timelines(
    *,
    min_enrolment_months: int = 1,
    max_enrolment_months: int = 6,
    max_term_months: int = 36,
    payment_frequencies: Sequence[str] = PAYMENT_FREQUENCIES,
    min_start: dt.date = dt.date(2020, 1, 1),
    max_start: dt.date = dt.date(2030, 12, 1),
) -> st.SearchStrategy[Timeline]:
    """Timelines: an enrolment window of ``min_enrolment_months`` to ``max_enrolment_months`` months, a service
    term up to 6 months longer, and a term that ends 1 to 12 months after the service (at most
    ``max_term_months`` in all); starting on the first of a month from ``min_start`` to ``max_start``, paid at
    one of ``payment_frequencies``."""
    where = "timelines"
    low, high = _check.sizes(
        where,
        min_enrolment_months,
        max_enrolment_months,
        least=1,
        most=MAX_MONTHS,
        names=("min_enrolment_months", "max_enrolment_months"),
    )
    term = _check.whole(where, "max_term_months", max_term_months, least=1, most=MAX_MONTHS)
    if high > term:
        _check.fail(
            where,
            f"max_enrolment_months={high} is more than max_term_months={term}; the enrolment window lies within "
            "the term",
        )
    freqs = _check.choices(where, "payment_frequencies", payment_frequencies, PAYMENT_FREQUENCIES)
    first = _check.a_date(where, "min_start", min_start)
    last = _check.a_date(where, "max_start", max_start)
    if first > last:
        _check.fail(where, f"min_start={first} is after max_start={last}; expected min_start <= max_start")
    first_month = first.year * 12 + first.month - 1 + (first.day > 1)
    last_month = last.year * 12 + last.month - 1
    if first_month > last_month:
        _check.fail(where, f"no first day of a month from min_start={first} to max_start={last}")
    return _timelines(low, high, term, freqs, first_month, last_month)


@st.composite
def _timelines(
    draw: st.DrawFn, low: int, high: int, term_most: int, freqs: tuple[str, ...], first: int, last: int
) -> Timeline:
    enrol = draw(st.integers(min_value=low, max_value=high))
    service = min(term_most, enrol + draw(st.integers(min_value=0, max_value=6)))
    term = min(term_most, service + draw(st.integers(min_value=1, max_value=12)))
    month = draw(st.integers(min_value=first, max_value=last))
    return Timeline(
        start=dt.date(month // 12, month % 12 + 1, 1),
        enrolment_months=enrol,
        service_months=service,
        term_months=term,
        payment_frequency=draw(st.sampled_from(freqs)),
    )


def payers(
    *,
    ids: Sequence[str] | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    funds: bool | None = False,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[OutcomePayer, ...]]:
    """Outcome payers: ``min_size`` to ``max_size`` of them (default 1 to 3, at most 100), ids ``payer-0``,
    ``payer-1``, ... (or exactly ``ids``). Several payers have fixed shares in whole percent that sum to 100%.
    With ``funds=True`` every payer is a pooled outcomes fund with 1 to 3 contributors, whose commitments
    (cents, multiples of ``money_step``) cover its budget; ``None``: each payer may be one."""
    where = "payers"
    _size(where, ids, min_size, max_size, 100)
    _check.flag(where, "funds", funds)
    step = _step(where, money_step)
    names = tuple(ids) if ids is not None else None
    return _payers(names, 1 if min_size is None else min_size, 3 if max_size is None else max_size, funds, step)


@st.composite
def _payers(
    draw: st.DrawFn, ids: tuple[str, ...] | None, low: int, high: int, funds: bool | None, step: int
) -> tuple[OutcomePayer, ...]:
    n = len(ids) if ids is not None else draw(st.integers(min_value=low, max_value=high))
    names = ids if ids is not None else tuple(f"payer-{k}" for k in range(n))
    cut = draw(shares(n))
    out = []
    for k, pid in enumerate(names):
        fund = draw(st.booleans()) if funds is None else funds
        contributors: tuple[Contributor, ...] = ()
        budget: Cents | None = None
        if fund:
            contributors = tuple(
                Contributor(
                    id=f"{pid}-contributor-{j}",
                    name=f"Contributor {j} of {pid}",
                    kind=draw(st.sampled_from(["municipality", "health_insurer", "philanthropy", "other"])),
                    commitment=draw(_money(step, 500_000_00, step)),
                )
                for j in range(draw(st.integers(min_value=1, max_value=3)))
            )
            committed = sum(c.commitment for c in contributors)
            budget = draw(st.none() | _money(0, committed, step))
        out.append(
            OutcomePayer(
                id=pid,
                name=f"Payer {k}",
                kind="outcomes_fund" if fund else "other",
                share=cut[k] if n > 1 else None,
                budget=budget,
                contributors=contributors,
            )
        )
    return tuple(out)


def segments(
    *, ids: Sequence[str] | None = None, min_size: int | None = None, max_size: int | None = None
) -> st.SearchStrategy[tuple[Segment, ...]]:
    """Difficulty segments of the target population: ``min_size`` to ``max_size`` of them (default 1 to 3, at
    most 100), ids ``segment-0``, ... (or exactly ``ids``). Give them to ``providers`` (each gets a mix over
    them) and to ``tariffs``, ``rate_cards`` or ``payment_rules`` (prices that differ by segment)."""
    where = "segments"
    _size(where, ids, min_size, max_size, 100)
    if ids is not None:
        return st.just(tuple(Segment(id=i, name=f"Segment {k}") for k, i in enumerate(ids)))
    low, high = 1 if min_size is None else min_size, 3 if max_size is None else max_size
    return st.integers(min_value=low, max_value=high).map(
        lambda n: tuple(Segment(id=f"segment-{k}", name=f"Segment {k}") for k in range(n))
    )


def _segment_list(where: str, value: object) -> tuple[Segment, ...]:
    found: tuple[Segment, ...] = _check.optional_items(
        where, "segments", value, Segment, "sibkit.model.Segment objects (draw them with segments())"
    )
    if len(found) > 100:
        _check.fail(where, f"segments: {len(found)} given; a mix in whole percent allows at most 100")
    return found


def _segment_prices(draw: st.DrawFn, segs: tuple[Segment, ...], price: st.SearchStrategy[Cents]) -> dict[str, Cents]:
    """Prices for some of ``segs`` (perhaps none), replacing the general price there."""
    return {g.id: draw(price) for g in segs if draw(st.booleans())}


def providers(
    timeline: Timeline,
    segments: Sequence[Segment] = (),
    *,
    ids: Sequence[str] | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    capacity: int | None = None,
    max_starts_per_month: int = 12,
    max_cost_per_participant: int = 5_000_00,
    max_buffer: int = 50_000_00,
    prefinance: bool | None = True,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[Provider, ...]]:
    """Providers that enrol within ``timeline``'s enrolment window: ``min_size`` to ``max_size`` of them (default
    1 to 3), ids ``provider-0``, ... (or exactly ``ids``); with ``segments``, each has a mix of participants over
    them in whole percent (summing to 100%). Each starts 0 to ``max_starts_per_month`` participants a
    month; its capacity is ``capacity`` (its plan then stays within it) or, with ``None``, what it plans (at least
    1). Costs per participant (cents) up to ``max_cost_per_participant`` and a buffer (cents) up to ``max_buffer``,
    multiples of ``money_step``. ``prefinance``: whether providers pay their own costs (``False`` needs a
    contract with tranches to fund them; ``None``: each may or may not)."""
    where = "providers"
    _check.instance(where, "timeline", timeline, Timeline, "a sibkit.model.Timeline (draw one with timelines())")
    segs = _segment_list(where, segments)
    _size(where, ids, min_size, max_size, 1000)
    if capacity is not None:
        _check.whole(where, "capacity", capacity, least=1, most=MAX_PARTICIPANTS)
    _check.whole(where, "max_starts_per_month", max_starts_per_month, most=MAX_PARTICIPANTS)
    _check.money(where, "max_cost_per_participant", max_cost_per_participant)
    _check.money(where, "max_buffer", max_buffer)
    _check.flag(where, "prefinance", prefinance)
    step = _step(where, money_step)
    return _providers(
        timeline.enrolment_months,
        segs,
        tuple(ids) if ids is not None else None,
        1 if min_size is None else min_size,
        3 if max_size is None else max_size,
        capacity,
        max_starts_per_month,
        max_cost_per_participant,
        max_buffer,
        prefinance,
        step,
    )


@st.composite
def _providers(
    draw: st.DrawFn,
    window: int,
    segs: tuple[Segment, ...],
    ids: tuple[str, ...] | None,
    low: int,
    high: int,
    capacity: int | None,
    per_month: int,
    max_cost: int,
    max_buffer: int,
    prefinance: bool | None,
    step: int,
) -> tuple[Provider, ...]:
    n = len(ids) if ids is not None else draw(st.integers(min_value=low, max_value=high))
    names = ids if ids is not None else tuple(f"provider-{p}" for p in range(n))
    out = []
    for p, pid in enumerate(names):
        wanted = draw(st.lists(st.integers(min_value=0, max_value=per_month), min_size=1, max_size=window))
        monthly: list[int] = []
        for k in wanted:  # within the capacity, when it is given: later months get what is left
            monthly.append(k if capacity is None else min(k, capacity - sum(monthly)))
        out.append(
            Provider(
                id=pid,
                name=f"Provider {p}",
                capacity=max(1, sum(monthly)) if capacity is None else capacity,
                enrolment=EnrolmentPlan(monthly=tuple(monthly)),
                cost_per_participant=draw(_money(0, max_cost, step)),
                cost_profile=draw(st.sampled_from([(Decimal(1),), (Decimal("0.5"), Decimal("0.5"))])),
                buffer=draw(_money(0, max_buffer, step)),
                prefinances_own_costs=draw(st.booleans()) if prefinance is None else prefinance,
                segment_mix=_mix(draw, segs),
            )
        )
    return tuple(out)


def _mix(draw: st.DrawFn, segs: tuple[Segment, ...]) -> tuple[SegmentShare, ...]:
    if not segs:
        return ()
    cut = draw(shares(len(segs)))
    return tuple(SegmentShare(segment=g.id, share=c) for g, c in zip(segs, cut, strict=True))


@st.composite
def _metric_list(
    draw: st.DrawFn,
    ids: tuple[str, ...] | None,
    low: int,
    high: int,
    kinds: tuple[str, ...],
    evidence: tuple[str, ...],
    max_observation: int,
    max_lag: int,
    chains: bool,
) -> tuple[Metric, ...]:
    n = len(ids) if ids is not None else draw(st.integers(min_value=low, max_value=high))
    names = ids if ids is not None else tuple(f"metric-{m}" for m in range(n))
    out: list[Metric] = []
    for m, mid in enumerate(names):
        kind = draw(st.sampled_from(kinds))
        extra: dict[str, Any] = {}
        if kind == "duration":
            extra["unit"] = draw(st.sampled_from(["day", "week", "month"]))
        elif kind == "cohort_change":
            extra["unit"] = "event"
            extra["baseline"] = Decimal(draw(st.integers(min_value=1, max_value=300))) / 100
            extra["direction"] = draw(st.sampled_from(["decrease", "increase"]))
        if chains and kind == "milestone":
            earlier = [x.id for x in out if x.kind != "cohort_change"]
            if earlier:
                extra["requires"] = tuple(
                    sorted(draw(st.lists(st.sampled_from(earlier), unique=True, min_size=1, max_size=2)))
                )
        out.append(
            Metric(
                id=mid,
                name=f"Outcome {m}",
                kind=kind,  # type: ignore[arg-type]
                evidence=draw(st.sampled_from(evidence)),
                observation_months=draw(st.integers(min_value=0, max_value=max_observation)),
                lag_months=draw(st.integers(min_value=0, max_value=max_lag)),
                **extra,
            )
        )
    return tuple(out)


def metrics(
    *,
    ids: Sequence[str] | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    kinds: Sequence[str] = ("event", "change", "milestone"),
    evidence: Sequence[str] = ("hard", "soft"),
    max_observation_months: int = 9,
    max_lag_months: int = 3,
    chains: bool = False,
) -> st.SearchStrategy[tuple[Metric, ...]]:
    """Outcome metrics: ``min_size`` to ``max_size`` of them (default 1 to 3, at most 100), ids ``metric-0``, ...
    (or exactly ``ids``), each of one of ``kinds`` (of ``METRIC_KINDS``; a ``duration`` metric counts days,
    weeks or months, a ``cohort_change`` one has a baseline of 0.01 to 3 events per participant) and of one of
    ``evidence`` (``hard``, ``soft``), observed 0 to ``max_observation_months`` months after enrolment and
    verified 0 to ``max_lag_months`` months later. With ``chains``, a ``milestone`` metric requires one or two
    metrics before it (a milestone chain)."""
    where = "metrics"
    _size(where, ids, min_size, max_size, 100)
    kinds_ = _check.choices(where, "kinds", kinds, METRIC_KINDS)
    evidence_ = _check.choices(where, "evidence", evidence, ("hard", "soft"))
    _check.whole(where, "max_observation_months", max_observation_months, most=MAX_MONTHS)
    _check.whole(where, "max_lag_months", max_lag_months, most=MAX_MONTHS)
    _check.flag(where, "chains", chains, optional=False)
    return _metric_list(
        tuple(ids) if ids is not None else None,
        1 if min_size is None else min_size,
        3 if max_size is None else max_size,
        kinds_,
        evidence_,
        max_observation_months,
        max_lag_months,
        chains,
    )


def _rule_parts(where: str, metrics: object, payers: object) -> tuple[tuple[Metric, ...], tuple[OutcomePayer, ...]]:
    """The metrics a rule pays (at least one) and the payers that may pay it (possibly none)."""
    ms = _check.items(where, "metrics", metrics, Metric, "sibkit.model.Metric objects (draw them with metrics())")
    ps = _check.optional_items(where, "payers", payers, OutcomePayer, "sibkit.model.OutcomePayer objects")
    return ms, ps


def _per_participant(where: str, ms: tuple[Metric, ...], rule: str) -> None:
    for m in ms:
        if m.kind == "cohort_change":
            _check.fail(
                where,
                f"metrics: {m.id!r} is a cohort_change metric, which a {rule} cannot pay; pay it with "
                "cohort_thresholds()",
            )


def _paid_by(draw: st.DrawFn, payers: tuple[OutcomePayer, ...]) -> tuple[PayerShare, ...]:
    """Who pays a rule: the payers' fixed shares (when they have them) or one payer, drawn."""
    if len(payers) < 2:
        return ()
    fixed = all(p.share is not None for p in payers)
    if fixed and draw(st.booleans()):
        return ()
    return (PayerShare(payer=draw(st.sampled_from(payers)).id, share=Decimal(1)),)


def tariffs(
    metrics: Sequence[Metric],
    payers: Sequence[OutcomePayer] = (),
    segments: Sequence[Segment] = (),
    *,
    min_price: int = 1_00,
    max_price: int = 10_000_00,
    money_step: int = 1,
) -> st.SearchStrategy[Tariff]:
    """One weighted tariff (id ``tariff``) over ``metrics`` (none a ``cohort_change``): a price per participant
    at full result (cents, ``min_price`` to ``max_price``, a multiple of 100 and of ``money_step``, so that
    each component's price is whole cents) split into weights in whole percent that sum to 100%; some of
    ``segments`` may have a price of their own. With two or more ``payers``, it is paid by their fixed shares
    or by one of them."""
    where = "tariffs"
    ms, ps = _rule_parts(where, metrics, payers)
    _per_participant(where, ms, "tariff")
    if len(ms) > 100:
        _check.fail(where, f"metrics: {len(ms)} given; a tariff's weights in whole percent allow at most 100")
    low, high = _check.money_range(where, "min_price", min_price, "max_price", max_price)
    step = math.lcm(_step(where, money_step), 100)
    if -(-low // step) > high // step:
        _check.fail(where, f"no multiple of {step} cents from min_price={low} to max_price={high}")
    return _tariffs(ms, ps, _segment_list(where, segments), low, high, step)


@st.composite
def _tariffs(
    draw: st.DrawFn,
    ms: tuple[Metric, ...],
    ps: tuple[OutcomePayer, ...],
    segs: tuple[Segment, ...],
    low: int,
    high: int,
    step: int,
) -> Tariff:
    weights = draw(shares(len(ms)))
    return Tariff(
        id="tariff",
        price_per_participant=draw(_money(low, high, step)),
        segment_prices=_segment_prices(draw, segs, _money(low, high, step)),
        components=tuple(Component(metric=m.id, weight=w) for m, w in zip(ms, weights, strict=True)),
        paid_by=_paid_by(draw, ps),
    )


def rate_cards(
    metrics: Sequence[Metric],
    payers: Sequence[OutcomePayer] = (),
    segments: Sequence[Segment] = (),
    *,
    max_price: int = 5_000_00,
    repeatable: bool | None = None,
    max_per_participant: int = 4,
    money_step: int = 1,
) -> st.SearchStrategy[RateCard]:
    """One rate card (id ``card``) with an entry for each of ``metrics`` (none a ``cohort_change``): a price per
    unit (cents, 0 to ``max_price``, a multiple of ``money_step``), once per participant or, when
    ``repeatable`` (``None``: either, per entry), per unit up to 1 to ``max_per_participant`` units; an entry may
    have its own price for some of ``segments``. With two or more ``payers``, it is paid by their fixed shares
    or by one of them."""
    where = "rate_cards"
    ms, ps = _rule_parts(where, metrics, payers)
    _per_participant(where, ms, "rate card")
    _check.money(where, "max_price", max_price)
    _check.flag(where, "repeatable", repeatable)
    _check.whole(where, "max_per_participant", max_per_participant, least=1, most=100_000)
    segs = _segment_list(where, segments)
    return _rate_cards(ms, ps, segs, max_price, repeatable, max_per_participant, _step(where, money_step))


@st.composite
def _rate_cards(
    draw: st.DrawFn,
    ms: tuple[Metric, ...],
    ps: tuple[OutcomePayer, ...],
    segs: tuple[Segment, ...],
    max_price: int,
    repeatable: bool | None,
    most: int,
    step: int,
) -> RateCard:
    entries = []
    for m in ms:
        again = draw(st.booleans()) if repeatable is None else repeatable
        entries.append(
            RateCardEntry(
                metric=m.id,
                price=draw(_money(0, max_price, step)),
                repeatable=again,
                max_per_participant=draw(st.integers(min_value=1, max_value=most)) if again else None,
                segment_prices=_segment_prices(draw, segs, _money(0, max_price, step)),
            )
        )
    return RateCard(id="card", entries=tuple(entries), paid_by=_paid_by(draw, ps))


def cohort_thresholds(
    metric: Metric,
    payers: Sequence[OutcomePayer] = (),
    *,
    max_tiers: int = 3,
    max_improvement: Decimal = Decimal("0.6"),
    max_cohort_months: int = 12,
    pooled: bool | None = None,
    max_amount: int = 50_000_00,
    max_price_per_unit: int = 5_000_00,
    money_step: int = 1,
) -> st.SearchStrategy[CohortThreshold]:
    """A cohort-threshold rule (id ``cohort-<metric id>``) for one ``cohort_change`` ``metric``: cohorts of 1 to
    ``max_cohort_months`` months of enrolment; 1 to ``max_tiers`` tiers starting at strictly increasing
    improvements (whole percent, 0 to ``max_improvement``, a ``Decimal`` share: 0.6 is 60%), each paying an
    amount per cohort (cents, up to ``max_amount``) and a price per unit of improvement (cents, up to
    ``max_price_per_unit``); optionally a maximum payment. With ``pooled`` (``None``: either) a pooled
    threshold (in the same range) pays, at the end, cohorts that missed their own tiers. With two or more
    ``payers``, it is paid by their fixed shares or by one of them."""
    where = "cohort_thresholds"
    m = _check.instance(where, "metric", metric, Metric, "one sibkit.model.Metric of kind 'cohort_change'")
    if m.kind != "cohort_change":
        _check.fail(where, f"metric: {m.id!r} is of kind {m.kind!r}; expected a cohort_change metric")
    _, ps = _rule_parts(where, (m,), payers)
    top = int(_check.share(where, "max_improvement", max_improvement) * 100)
    _check.whole(where, "max_tiers", max_tiers, least=1, most=top + 1)
    _check.whole(where, "max_cohort_months", max_cohort_months, least=1, most=MAX_MONTHS)
    _check.flag(where, "pooled", pooled)
    _check.money(where, "max_amount", max_amount)
    _check.money(where, "max_price_per_unit", max_price_per_unit)
    return _cohort_thresholds(
        m, ps, max_tiers, top, max_cohort_months, pooled, max_amount, max_price_per_unit, _step(where, money_step)
    )


@st.composite
def _cohort_thresholds(
    draw: st.DrawFn,
    m: Metric,
    ps: tuple[OutcomePayer, ...],
    max_tiers: int,
    top: int,
    max_months: int,
    pooled: bool | None,
    max_amount: int,
    max_price: int,
    step: int,
) -> CohortThreshold:
    starts = sorted(
        draw(st.lists(st.integers(min_value=0, max_value=top), unique=True, min_size=1, max_size=max_tiers))
    )
    tiers = tuple(
        Tier(
            from_improvement=Decimal(s) / 100,
            amount=draw(_money(0, max_amount, step)),
            price_per_unit=draw(_money(0, max_price, step)),
        )
        for s in starts
    )
    pool = draw(st.booleans()) if pooled is None else pooled
    return CohortThreshold(
        id=f"cohort-{m.id}",
        metric=m.id,
        tiers=tiers,
        cohort_months=draw(st.integers(min_value=1, max_value=max_months)),
        pooled_threshold=Decimal(draw(st.integers(min_value=0, max_value=top))) / 100 if pool else None,
        pooled_price_per_unit=draw(_money(0, max_price, step)) if pool else None,
        max_payment=draw(st.none() | _money(0, 10 * max_amount, step)),
        paid_by=_paid_by(draw, ps),
    )


def payment_rules(
    metrics: Sequence[Metric],
    payers: Sequence[OutcomePayer] = (),
    segments: Sequence[Segment] = (),
    *,
    kinds: Sequence[str] = RULE_KINDS,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[PaymentRule, ...]]:
    """Rules that pay every one of ``metrics``: the per-participant metrics by one tariff or one rate card
    (drawn among ``kinds``, perhaps with prices by segment), each ``cohort_change`` metric by a cohort threshold
    of its own. Amounts are
    multiples of ``money_step`` cents; with two or more ``payers`` a rule may be paid by one of them."""
    where = "payment_rules"
    ms, ps = _rule_parts(where, metrics, payers)
    kinds_ = _check.choices(where, "kinds", kinds, RULE_KINDS)
    segs = _segment_list(where, segments)
    step = _step(where, money_step)
    per_participant = tuple(m for m in ms if m.kind != "cohort_change")
    if len(per_participant) > 100 and kinds_ == ("tariff",):
        _check.fail(where, f"metrics: {len(per_participant)} given; a tariff's weights allow at most 100")
    parts: list[st.SearchStrategy[PaymentRule]] = []
    if per_participant:
        options: list[st.SearchStrategy[PaymentRule]] = []
        if "tariff" in kinds_:
            options.append(tariffs(per_participant, ps, segs, money_step=step))
        if "rate_card" in kinds_:
            options.append(rate_cards(per_participant, ps, segs, money_step=step))
        parts.append(st.one_of(options))
    parts += [cohort_thresholds(m, ps, money_step=step) for m in ms if m.kind == "cohort_change"]
    return st.tuples(*parts)


def caps(
    metrics: Sequence[Metric] = (),
    payers: Sequence[OutcomePayer] = (),
    providers: Sequence[Provider] = (),
    segments: Sequence[Segment] = (),
    *,
    levels: Sequence[str] | None = None,
    max_amount: int | None = None,
    groups: bool = False,
    counts: bool = False,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[Cap, ...]]:
    """Caps on outcome payments, at most one at each of ``levels`` (of ``CAP_LEVELS``; ``None``: the
    ``participant`` and ``contract`` levels and every level whose targets are given): a segment cap on one of
    ``segments``, a metric cap on one of ``metrics``, a provider cap on one of ``providers``, a payer cap on one
    of ``payers``. Amounts in cents, a multiple of ``money_step``, up to ``max_amount`` (``None``: €8,000 a
    participant, €50,000 a segment or metric, €80,000 a provider or payer, €150,000 for the contract). With
    ``groups``, a metric cap may instead limit two or more of ``metrics`` together (one maximum for a group).
    With ``counts``, a segment cap may instead count 1 to 30 ``participants`` paid the segment's price (valid
    only where the rules pay the segment's prices once per participant, not per unit). May draw no cap at all."""
    where = "caps"
    ms = _check.optional_items(where, "metrics", metrics, Metric, "sibkit.model.Metric objects")
    ps = _check.optional_items(where, "payers", payers, OutcomePayer, "sibkit.model.OutcomePayer objects")
    vs = _check.optional_items(where, "providers", providers, Provider, "sibkit.model.Provider objects")
    ss = _segment_list(where, segments)
    targets = {"metric": ms, "payer": ps, "provider": vs, "segment": ss}
    if levels is None:
        chosen = tuple(lv for lv in CAP_LEVELS if lv not in targets or targets[lv])
    else:
        chosen = _check.choices(where, "levels", levels, CAP_LEVELS)
        for lv in chosen:
            if lv in targets and not targets[lv]:
                _check.fail(where, f"levels includes {lv!r} but {lv}s is empty: a {lv} cap needs a {lv} to limit")
    if max_amount is not None:
        _check.money(where, "max_amount", max_amount)
    _check.flag(where, "groups", groups, optional=False)
    _check.flag(where, "counts", counts, optional=False)
    return _caps(ms, ps, vs, chosen, max_amount, _step(where, money_step), groups, ss, counts)


_CAP_MOST = {
    "participant": 8_000_00,
    "segment": 50_000_00,
    "metric": 50_000_00,
    "provider": 80_000_00,
    "payer": 80_000_00,
}


@st.composite
def _caps(
    draw: st.DrawFn,
    ms: tuple[Metric, ...],
    ps: tuple[OutcomePayer, ...],
    vs: tuple[Provider, ...],
    levels: tuple[str, ...],
    most: int | None,
    step: int,
    groups: bool = False,
    ss: tuple[Segment, ...] = (),
    counts: bool = False,
) -> tuple[Cap, ...]:
    out = []
    targets: dict[str, Sequence[Any]] = {"metric": ms, "provider": vs, "payer": ps, "segment": ss}
    for level in CAP_LEVELS:
        if level not in levels or not draw(st.booleans()):
            continue
        if level == "segment" and not ss:
            continue  # the default levels name "segment"; a contract without segments has none to cap
        if level == "segment" and counts and draw(st.booleans()):
            segment = draw(st.sampled_from(ss)).id
            out.append(Cap(level="segment", target=segment, participants=draw(st.integers(1, 30))))
            continue
        amount = draw(_money(0, most if most is not None else _CAP_MOST.get(level, 150_000_00), step))
        if level == "metric" and groups and len(ms) > 1 and draw(st.booleans()):
            group = set(draw(st.lists(st.sampled_from([m.id for m in ms]), unique=True, min_size=2)))
            out.append(Cap(level="metric", metrics=tuple(m.id for m in ms if m.id in group), amount=amount))
            continue
        target = draw(st.sampled_from(targets[level])).id if level in targets else None
        out.append(Cap(level=level, target=target, amount=amount))  # type: ignore[arg-type]
    return tuple(out)


_TRANCHE_ORDER = {kind: i for i, kind in enumerate(TRANCHE_KINDS)}


def tranches(
    *,
    kinds: Sequence[str] = ("senior", "junior"),
    min_size: int = 1,
    max_size: int | None = None,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[Tranche, ...]]:
    """Tranches of capital: ``min_size`` to ``max_size`` (default all) of ``kinds`` (of ``TRANCHE_KINDS``), each at
    most once, most senior first. Commitments in cents, multiples of €1,200 and of ``money_step``: the senior
    loan €1,000 to €100,000 with a coupon of 0 to 12% a year, the others up to €50,000 (grants €20,000); the
    subordinated loan and equity have a return cap (an IRR of 0 to 20% a year, perhaps a multiple of 1.5 or 2);
    each is drawn up front or as needed. Their investors (``bank``, ``fund``, ...) are the tranche's ``investor``
    ids: ``contracts()`` adds them as parties."""
    where = "tranches"
    kinds_ = _check.choices(where, "kinds", kinds, TRANCHE_KINDS)
    high = len(kinds_) if max_size is None else max_size
    _check.sizes(where, min_size, high, least=1)
    if min_size > len(kinds_):
        _check.fail(where, f"min_size={min_size} is more than the {len(kinds_)} kinds given; each kind is drawn once")
    step = max(_step(where, money_step), 1_200_00)
    return _tranches(kinds_, min_size, min(high, len(kinds_)), step)


@st.composite
def _tranches(draw: st.DrawFn, kinds: tuple[str, ...], low: int, high: int, step: int) -> tuple[Tranche, ...]:
    if low == len(kinds):
        chosen = list(kinds)
    else:
        chosen = draw(st.lists(st.sampled_from(kinds), unique=True, min_size=low, max_size=high))
    out: list[Tranche] = []
    for kind in sorted(chosen, key=_TRANCHE_ORDER.__getitem__):
        drawdown = Drawdown(kind=draw(st.sampled_from(["upfront", "as_needed"])))
        if kind == "senior":
            out.append(
                Loan(
                    id="senior",
                    investor="bank",
                    commitment=draw(_money(1_000_00, 100_000_00, step)),
                    seniority=1,
                    coupon=Decimal(draw(st.integers(min_value=0, max_value=12))) / 100,
                    drawdown=drawdown,
                )
            )
        elif kind in ("junior", "equity"):
            cap = ReturnCap(
                irr=Decimal(draw(st.integers(min_value=0, max_value=20))) / 100,
                multiple=draw(st.sampled_from([None, Decimal("1.5"), Decimal(2)])),
            )
            cls = Loan if kind == "junior" else Equity
            out.append(
                cls(
                    id=kind,
                    investor="fund" if kind == "junior" else "impact-fund",
                    commitment=draw(_money(0, 50_000_00, step)),
                    seniority=2 if kind == "junior" else 3,
                    drawdown=drawdown,
                    return_cap=cap,
                )
            )
        elif kind == "recoverable_grant":
            out.append(
                RecoverableGrant(
                    id="recoverable-grant",
                    investor="foundation",
                    commitment=draw(_money(0, 20_000_00, step)),
                    drawdown=drawdown,
                )
            )
        else:
            out.append(
                Grant(
                    id="grant",
                    investor="philanthropy",
                    commitment=draw(_money(0, 20_000_00, step)),
                    drawdown=drawdown,
                )
            )
    return tuple(out)


def _tranche_list(where: str, value: object) -> tuple[Tranche, ...]:
    what = "tranches (sibkit.model.Loan, Equity, ...; draw them with tranches())"
    found: tuple[Tranche, ...] = _check.items(
        where, "tranches", value, (Loan, Equity, RecoverableGrant, Grant, DeferredFee), what
    )
    return found


def waterfalls(
    tranches: Sequence[Tranche],
    *,
    residual_parties: Sequence[str] = ("revolving_fund",),
    residual: bool | None = None,
) -> st.SearchStrategy[tuple[WaterfallStep, ...]]:
    """A valid priority of payments for ``tranches``, by seniority: for each rank, most senior first, the
    interest of its loans that carry a coupon, then the principal of every tranche that is repaid (all but
    plain grants); then the return of every tranche with a return cap; then, with ``residual`` (``None``:
    perhaps), what is left shared out between ``residual_parties`` (``revolving_fund``, tranche, provider or
    payer ids) in whole percent. A step over tranches of equal seniority is sequential or pro rata."""
    where = "waterfalls"
    ts = _tranche_list(where, tranches)
    parties = _check.ids(where, "residual_parties", residual_parties)
    if len(parties) > 100:
        _check.fail(where, f"residual_parties: {len(parties)} given; shares in whole percent allow at most 100")
    _check.flag(where, "residual", residual)
    return _waterfalls(ts, parties, residual)


@st.composite
def _waterfalls(
    draw: st.DrawFn, ts: tuple[Tranche, ...], parties: tuple[str, ...], residual: bool | None
) -> tuple[WaterfallStep, ...]:
    modes = st.sampled_from(["sequential", "pro_rata"])

    def mode(group: Sequence[Tranche], default: str) -> Any:
        return draw(modes) if len(group) > 1 else default

    steps: list[WaterfallStep] = []
    for rank in sorted({t.seniority for t in ts}):
        group = [t for t in ts if t.seniority == rank]
        loans = [t for t in group if isinstance(t, Loan) and t.coupon > 0]
        if loans:
            steps.append(InterestStep(tranches=tuple(t.id for t in loans), mode=mode(loans, "sequential")))
        repaid = [t for t in group if not isinstance(t, Grant)]
        if repaid:
            steps.append(PrincipalStep(tranches=tuple(t.id for t in repaid), mode=mode(repaid, "sequential")))
    capped = [t for t in sorted(ts, key=lambda t: t.seniority) if t.return_cap is not None and not isinstance(t, Grant)]
    if capped:
        steps.append(ReturnStep(tranches=tuple(t.id for t in capped), mode=mode(capped, "pro_rata")))
    if draw(st.booleans()) if residual is None else residual:
        cut = draw(shares(len(parties)))
        steps.append(
            ResidualStep(shares=tuple(ResidualShare(party=p, share=s) for p, s in zip(parties, cut, strict=True)))
        )
    return tuple(steps)


def guarantees(
    tranches: Sequence[Tranche],
    *,
    guarantor: str = "donor",
    min_size: int = 0,
    max_size: int = 1,
    max_amount: int = 50_000_00,
    money_step: int = 1,
) -> st.SearchStrategy[tuple[Guarantee, ...]]:
    """``min_size`` to ``max_size`` guarantees from ``guarantor`` (a party id: ``contracts()`` adds it as an
    investor), each covering one or more of the repaid ``tranches`` (not plain grants) up to an amount in cents
    (0 to ``max_amount``, a multiple of ``money_step``); ids ``guarantee``, ``guarantee-1``, ... When no tranche
    is repaid, none."""
    where = "guarantees"
    ts = _tranche_list(where, tranches)
    _check.ids(where, "guarantor", (guarantor,))
    _check.sizes(where, min_size, max_size, most=100)
    covered = tuple(t.id for t in ts if not isinstance(t, Grant))
    if min_size > 0 and not covered:
        _check.fail(where, f"min_size={min_size}, but every tranche given is a plain grant, which nothing guarantees")
    _check.money(where, "max_amount", max_amount)
    step = _step(where, money_step)
    if not covered:
        return st.just(())
    return _guarantees(covered, guarantor, min_size, max_size, max_amount, step)


@st.composite
def _guarantees(
    draw: st.DrawFn, covered: tuple[str, ...], guarantor: str, low: int, high: int, most: int, step: int
) -> tuple[Guarantee, ...]:
    n = draw(st.integers(min_value=low, max_value=high))
    out = []
    for k in range(n):
        chosen = set(draw(st.lists(st.sampled_from(covered), unique=True, min_size=1)))
        out.append(
            Guarantee(
                id="guarantee" if k == 0 else f"guarantee-{k}",
                guarantor=guarantor,
                covers=tuple(t for t in covered if t in chosen),
                amount=draw(_money(0, most, step)),
            )
        )
    return tuple(out)


# -- the contract --------------------------------------------------------------------------------

_Part = st.SearchStrategy[_T] | Callable[..., st.SearchStrategy[_T]] | None
"""A part given to ``contracts()``: a strategy, or a function of the parts it depends on that returns one."""


def _draw_part(draw: st.DrawFn, part: Any, *depends: Any) -> Any:
    return draw(part if isinstance(part, st.SearchStrategy) else part(*depends))


def contracts(
    *,
    max_providers: int | None = None,
    max_payers: int | None = None,
    max_metrics: int | None = None,
    investors: bool | None = None,
    caps: bool | _Part[tuple[Cap, ...]] = None,
    money_step: int = 1,
    months_max: int | None = None,
    open_rules: bool = False,
    timelines: st.SearchStrategy[Timeline] | None = None,
    payers: st.SearchStrategy[tuple[OutcomePayer, ...]] | None = None,
    segments: st.SearchStrategy[tuple[Segment, ...]] | None = None,
    providers: _Part[tuple[Provider, ...]] = None,
    metrics: st.SearchStrategy[tuple[Metric, ...]] | None = None,
    rules: _Part[Any] = None,
    tranches: st.SearchStrategy[tuple[Tranche, ...]] | None = None,
    waterfalls: _Part[tuple[WaterfallStep, ...]] = None,
    guarantees: _Part[tuple[Guarantee, ...]] = None,
) -> st.SearchStrategy[Contract]:
    """Valid contracts, built from the part strategies: a timeline, payers, providers, metrics, the rules that
    pay them, optional caps, and optionally capital (tranches, their priority of payments, a guarantee).

    By default: 1 to 3 payers (``max_payers``), providers (``max_providers``) and event, change or milestone
    metrics (``max_metrics``), a term of at most ``months_max`` months (36), one tariff or one rate card, caps
    (``caps``: ``True`` draws some, ``False`` none, ``None`` either) on the first metric, provider and payer,
    and with ``investors`` (``None``: either) a senior and a subordinated loan and perhaps a guarantee.
    ``money_step`` makes every amount a multiple of that many cents (for scaling properties). ``open_rules``
    pays each metric by a rule of its own, also of the kinds without a natural maximum: a per-time payment
    (duration metric) with or without ``max_units_per_participant``, a repeatable rate-card entry with or
    without ``max_per_participant``, a share of savings; each paid by the payers' shares or by one payer; and
    caps may target any metric, provider or payer.

    Any part can be your own instead: ``timelines``, ``payers``, ``segments`` (difficulty segments: none by
    default), ``metrics`` and ``tranches`` take a strategy (``payers=sst.payers(min_size=2, max_size=2)``); a
    part that depends on others takes a strategy or a function that returns one, called with the parts drawn
    as the strategy of that name takes them: ``providers(timeline, segments)``, ``rules(metrics, payers,
    segments)`` (a rule or a tuple of rules: ``sst.rate_cards``, ``sst.payment_rules``), ``caps(metrics,
    payers, providers)``, ``waterfalls(tranches)`` and ``guarantees(tranches)``; so pass the strategy itself or
    a ``functools.partial`` of it (``providers=functools.partial(sst.providers, capacity=40)``). Investors are
    the parties the tranches and guarantees name; a share of savings gets its savings entry. A part's own knob
    (``max_payers`` with ``payers``) cannot be given with it.
    """
    where = "contracts"
    for name, knob, own in (
        ("max_providers", max_providers, providers),
        ("max_payers", max_payers, payers),
        ("max_metrics", max_metrics, metrics),
        ("months_max", months_max, timelines),
    ):
        if knob is not None:
            _check.whole(where, name, knob, least=1, most=MAX_MONTHS if name == "months_max" else 100)
            if own is not None:
                _check.fail(where, f"give either {name} or {_PART_OF[name]}, not both")
    _check.flag(where, "investors", investors)
    _check.flag(where, "open_rules", open_rules, optional=False)
    step = _step(where, money_step)
    _check.strategy_or_none(where, "timelines", timelines)
    _check.strategy_or_none(where, "payers", payers)
    _check.strategy_or_none(where, "segments", segments)
    _check.strategy_or_none(where, "metrics", metrics)
    _check.strategy_or_none(where, "tranches", tranches)
    _check.part(where, "providers", providers)
    _check.part(where, "rules", rules)
    _check.part(where, "waterfalls", waterfalls)
    _check.part(where, "guarantees", guarantees)
    if not isinstance(caps, bool):
        _check.part(where, "caps", caps)
    if open_rules and (metrics is not None or rules is not None):
        _check.fail(where, "open_rules=True draws its own metrics and rules; give neither metrics nor rules with it")
    capital = tranches is not None or waterfalls is not None or guarantees is not None
    if investors is False and capital:
        _check.fail(where, "investors=False, but tranches, waterfalls or guarantees are given")
    if (waterfalls is not None or guarantees is not None) and tranches is None and investors is None:
        investors = True
    if months_max is not None and months_max < 6:
        timeline_part = _timelines_part(1, months_max, months_max)
    else:
        timeline_part = timelines if timelines is not None else _timelines_part(1, 6, months_max or 36)
    return _contracts(
        timeline_part=timeline_part,
        payer_part=payers if payers is not None else _payers(None, 1, max_payers or 3, False, 1),
        segment_part=segments,
        max_providers=max_providers or 3,
        max_metrics=max_metrics or 3,
        investors=True if tranches is not None else investors,
        caps=caps,
        step=step,
        open_rules=open_rules,
        providers=providers,
        metrics=metrics,
        rules=rules,
        tranches=tranches,
        waterfalls=waterfalls,
        guarantees=guarantees,
    )


_PART_OF = {"max_providers": "providers", "max_payers": "payers", "max_metrics": "metrics", "months_max": "timelines"}


def _timelines_part(low: int, high: int, term: int) -> st.SearchStrategy[Timeline]:
    return _timelines(low, min(high, term), term, PAYMENT_FREQUENCIES, 2020 * 12, 2030 * 12 + 11)


@st.composite
def _contracts(
    draw: st.DrawFn,
    *,
    timeline_part: st.SearchStrategy[Timeline],
    payer_part: st.SearchStrategy[tuple[OutcomePayer, ...]],
    segment_part: st.SearchStrategy[tuple[Segment, ...]] | None,
    max_providers: int,
    max_metrics: int,
    investors: bool | None,
    caps: Any,
    step: int,
    open_rules: bool,
    providers: Any,
    metrics: Any,
    rules: Any,
    tranches: Any,
    waterfalls: Any,
    guarantees: Any,
) -> Contract:
    timeline = draw(timeline_part)
    payer_list = draw(payer_part)
    segs = draw(segment_part) if segment_part is not None else ()
    use_investors = draw(st.booleans()) if investors is None else investors
    if providers is None:
        provider_list = draw(
            _providers(
                timeline.enrolment_months,
                segs,
                None,
                1,
                max_providers,
                None,
                12,
                5_000_00,
                50_000_00,
                None if use_investors else True,
                step,
            )
        )
    else:
        provider_list = _draw_part(draw, providers, timeline, segs)
    savings: tuple[Saving, ...] = ()
    if open_rules:
        metric_list, rule_list, savings = _open_rules(
            draw, draw(st.integers(min_value=1, max_value=max_metrics)), payer_list, step
        )
    else:
        metric_list = (
            draw(metrics)
            if metrics is not None
            else draw(
                _metric_list(None, 1, max_metrics, ("event", "change", "milestone"), ("hard", "soft"), 9, 3, False)
            )
        )
        if rules is None:
            # payers with fixed shares pay every rule (as before); payers without them are named on each rule
            shared = len(payer_list) == 1 or all(p.share is not None for p in payer_list)
            rule_list = draw(payment_rules(metric_list, () if shared else payer_list, segs, money_step=step))
        else:
            drawn = _draw_part(draw, rules, metric_list, payer_list, segs)
            rule_list = tuple(drawn) if isinstance(drawn, tuple | list) else (drawn,)
        have = {s.metric for s in savings}
        savings = tuple(
            Saving(metric=r.metric, amount_per_unit=draw(_money(0, 5_000_00, step)))
            for r in rule_list
            if isinstance(r, ShareOfSavings) and r.metric not in have
        )
    if isinstance(caps, bool) or caps is None:
        cap_list: tuple[Cap, ...] = ()
        if caps if caps is not None else draw(st.booleans()):
            # with open rules a cap may target any metric, provider or payer; otherwise the first one
            def first(items: tuple[_T, ...]) -> tuple[_T, ...]:
                return items if open_rules else items[:1]

            # a segment cap may count participants where no rule prices a segment per unit (the model refuses that)
            counts = not any(
                isinstance(r, RateCard) and any(e.repeatable and e.segment_prices for e in r.entries) for r in rule_list
            )
            cap_list = draw(
                _caps(
                    first(metric_list),
                    first(payer_list),
                    first(provider_list),
                    CAP_LEVELS,
                    None,
                    step,
                    False,
                    segs,
                    counts,
                )
            )
    else:
        cap_list = _draw_part(draw, caps, metric_list, payer_list, provider_list, segs)
    extra: dict[str, Any] = {}
    if use_investors:
        tranche_list = draw(
            tranches if tranches is not None else _tranches(("senior", "junior"), 2, 2, max(step, 1_200_00))
        )
        if waterfalls is None:
            steps = draw(_waterfalls(tranche_list, ("revolving_fund", provider_list[0].id), None))
        else:
            steps = _draw_part(draw, waterfalls, tranche_list)
        if guarantees is None:
            covered = tuple(t.id for t in tranche_list if not isinstance(t, Grant))[:1]
            guarantee_list = draw(_guarantees(covered, "donor", 0, 1, 50_000_00, step)) if covered else ()
        else:
            guarantee_list = _draw_part(draw, guarantees, tranche_list)
        parties = dict.fromkeys([*(t.investor for t in tranche_list), *(g.guarantor for g in guarantee_list)])
        known = {p.id for p in payer_list} | {p.id for p in provider_list}
        extra = {
            "investors": tuple(Investor(id=i, name=i.replace("-", " ").title()) for i in parties if i not in known),
            "tranches": tranche_list,
            "waterfall": steps,
            "guarantees": guarantee_list,
        }
    scenario = draw(scenarios_for(metric_list, name="base"))
    return Contract(
        name=draw(texts()),
        timeline=timeline,
        payers=payer_list,
        providers=provider_list,
        segments=segs,
        metrics=metric_list,
        rules=rule_list,
        savings=savings,
        caps=cap_list,
        scenarios=(scenario,),
        **extra,
    )


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


# -- scenarios and outcomes for a contract ---------------------------------------------------------


def _metrics_of(where: str, value: object) -> tuple[Metric, ...]:
    if isinstance(value, Contract):
        return value.metrics
    return _check.items(where, "metrics", value, Metric, "sibkit.model.Metric objects, or a Contract")


def scenarios_for(metrics: Contract | Sequence[Metric], name: str = "generated") -> st.SearchStrategy[Scenario]:
    """Scenarios named ``name`` for ``metrics`` (or a contract's metrics): for each, a success rate in whole
    percent (0 to 100%; for a ``cohort_change`` metric, the improvement) and 1 to 5 units per achiever."""
    ms = _metrics_of("scenarios_for", metrics)
    _check.ids("scenarios_for", "name", (name,))
    return st.builds(
        lambda rates, units: Scenario(
            name=name,
            outcomes=tuple(
                ScenarioOutcome(metric=m.id, rate=Decimal(r) / 100, units=Decimal(u))
                for m, r, u in zip(ms, rates, units, strict=True)
            ),
        ),
        st.lists(st.integers(min_value=0, max_value=100), min_size=len(ms), max_size=len(ms)),
        st.lists(st.integers(min_value=1, max_value=5), min_size=len(ms), max_size=len(ms)),
    )


def scenarios(contract: Contract) -> st.SearchStrategy[Scenario]:
    """Scenarios for ``contract``: a rate for each of its metrics."""
    _check.instance("scenarios", "contract", contract, Contract, "a sibkit.model.Contract")
    return scenarios_for(contract.metrics)


def outcome_vectors(contract: Contract) -> st.SearchStrategy[Batch]:
    """One scenario as integer counts (N = 1): for every enrolment month, provider, segment and
    metric, how many participants achieve it (at most those enrolled) and their units.

    The counts are drawn as arrays (``hypothesis.extra.numpy.arrays``): one value fills the array and a few
    cells are drawn apart from it, so the smallest example stays small however many months, providers,
    segments and metrics the contract has (drawing every cell on its own failed Hypothesis's
    ``large_base_example`` health check for long contracts). A cell's count is the share drawn for it, in
    thousandths, of the participants enrolled there, rounded down."""
    _check.instance("outcome_vectors", "contract", contract, Contract, "a sibkit.model.Contract")
    return _outcome_vectors(contract)


@st.composite
def _outcome_vectors(draw: st.DrawFn, contract: Contract) -> Batch:
    base = deterministic_batch(contract, contract.scenarios[0] if contract.scenarios else draw(scenarios(contract)))
    enrolled = base.enrolled
    shape = base.achieved.shape
    permille = st.integers(min_value=0, max_value=1000)
    cut = draw(hnp.arrays(np.int64, shape, elements=permille, fill=permille))
    achieved = (enrolled[..., None] * cut) // 1000
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
    """``n`` (at least 1) scenarios of outcome vectors stacked into one batch."""
    from sibkit.engine.batch import stack

    _check.instance("batches", "contract", contract, Contract, "a sibkit.model.Contract")
    _check.whole("batches", "n", n, least=1, most=10_000)
    return st.lists(_outcome_vectors(contract), min_size=n, max_size=n).map(stack)
