"""Ready-made properties of payout rules and waterfalls, for use in Hypothesis tests.

Each function runs the engine on a contract and a batch of scenarios and raises
``AssertionError`` with a plain explanation when the property does not hold::

    from hypothesis import given, strategies as st
    from sibkit.testing import properties, strategies as sst

    @given(st.data())
    def test_more_results_never_cost_less(data):
        contract = data.draw(sst.contracts())
        batch = data.draw(sst.outcome_vectors(contract))
        properties.monotone_payouts(contract, batch, data.draw(st.integers(0, 10**6)))
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import numpy as np
from hypothesis import note
from hypothesis.errors import InvalidArgument

from sibkit.engine.accounts import appropriations
from sibkit.engine.batch import Batch, axes, deterministic_batch, stack
from sibkit.engine.ledger import CONTRACT_ACCOUNT, Ledger, Why
from sibkit.engine.maximum import MaximumPayment, _everything, maximum_payment
from sibkit.engine.results import Results, results
from sibkit.engine.run import run
from sibkit.engine.schedule import covered_lines
from sibkit.engine.waterfall import Flows, run_batch
from sibkit.errors import EngineError
from sibkit.i18n import Language
from sibkit.load import scenario_toml
from sibkit.model import Contract, InterestStep, PrincipalStep, Scenario, ScenarioOutcome
from sibkit.model.rules import Cap, CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import Cents

__all__ = [
    "COUNTEREXAMPLE",
    "PAYER_QUESTIONS",
    "PropertyFailure",
    "binding_caps",
    "caps_respected",
    "conservation",
    "difficulty_order",
    "flows_differ",
    "full_price",
    "hard_cases_never_paid_less",
    "maximum_bounds_every_payment",
    "maximum_bounds_payments",
    "money_reconciles",
    "monotone_payouts",
    "more_results_never_cost_less",
    "no_participant_paid_above_full_price",
    "no_reward_for_failure",
    "order_independent",
    "reordered",
    "reordering_changes_nothing",
    "return_caps_respected",
    "savings_in_own_budgets",
    "scale_money",
    "segment_mix_respected",
    "seniority_respected",
    "vectorised_equals_scalar",
    "within_appropriations",
]


def conservation(contract: Contract, batch: Batch) -> Flows:
    """Money reconciles to the cent in every scenario: nothing created or lost, the contract
    account closes at zero, each provider's last cash equals its buffer plus its net movements."""
    flows = run_batch(contract, batch)  # the engine itself raises EngineError on any violation
    led = flows.ledger
    total = np.zeros(batch.n, dtype=np.int64)
    for account in led.accounts():
        total += (led.inflow(account) - led.outflow(account)).sum(axis=1)
    assert np.all(total == 0), f"money created or lost: {total}"
    net = (led.inflow(CONTRACT_ACCOUNT) - led.outflow(CONTRACT_ACCOUNT)).sum(axis=1)
    assert np.all(net == 0), f"the contract account keeps {net} cents"
    for p, prov in enumerate(contract.providers):
        end = prov.buffer + (led.inflow(prov.id) - led.outflow(prov.id)).sum(axis=1)
        assert np.array_equal(end, flows.provider_cash[:, -1, p]), f"{prov.id}: cash path does not end at its balance"
    return flows


_FROM_WATERFALL = (Why.INTEREST, Why.PRINCIPAL, Why.RETURN, Why.RESIDUAL)


def _received_from_waterfall(flows: Flows, contract: Contract, j: int) -> Any:
    t = contract.tranches[j]
    out = np.zeros(flows.tranche_cash.shape[:2], dtype=np.int64)
    for (source, _, reason), arr in flows.ledger.flows.items():
        if source == CONTRACT_ACCOUNT and reason.ref == t.id and reason.why in _FROM_WATERFALL:
            out += arr
    return out


def seniority_respected(contract: Contract, batch: Batch) -> None:
    """A tranche named in a later interest or principal step receives nothing from the waterfall in a
    month while a tranche of an earlier step still has principal or interest due (unless that senior
    tranche's return cap stops further payment)."""
    flows = run_batch(contract, batch)
    rank: dict[str, int] = {}
    for i, step in enumerate(contract.waterfall):
        if isinstance(step, (InterestStep, PrincipalStep)):
            for t in step.tranches:
                rank.setdefault(t, i)
    index = {t.id: j for j, t in enumerate(contract.tranches)}
    for junior, r_j in rank.items():
        got = _received_from_waterfall(flows, contract, index[junior])
        for senior, r_s in rank.items():
            if r_s >= r_j or contract.tranche(senior).return_cap is not None:
                continue
            owed = flows.tranche_due_after[:, :, index[senior]]
            bad = (got > 0) & (owed > 0)
            assert not bad.any(), (
                f"{junior!r} was paid while {senior!r} was still owed money "
                f"(scenario {np.argwhere(bad)[0][0]}, month {np.argwhere(bad)[0][1]})"
            )


def caps_respected(contract: Contract, batch: Batch) -> Results:
    """No outcome payments above a segment, metric, provider, payer or contract cap; no participant group paid
    more for per-participant outcomes than the participant cap times the participants who achieved anything
    (cohort payments are for a cohort and not under the participant cap, as the engine applies it)."""
    res = results(contract, run_batch(contract, batch))
    flows = res.flows
    lines = flows.schedule.lines
    for cap in contract.caps:
        if cap.level == "participant" or cap.amount is None:  # a count acts on prices, not as a cap on money
            continue
        paid = _paid_under(contract, cap, flows)
        assert np.all(paid <= cap.amount), f"{cap.level} cap {cap.target or ''} of {cap.amount} exceeded: {paid.max()}"
    # the participant cap limits per-participant payments; a cohort rule pays for a cohort, not a person
    cohort_rules = {r.id for r in contract.rules if isinstance(r, CohortThreshold)}
    per_participant = [ln.index for ln in lines if ln.rule not in cohort_rules]
    for cap in contract.caps:
        if cap.level == "participant":
            achievers = batch.achieved.max(axis=-1).sum(axis=(1, 2, 3))
            paid = flows.line_paid[:, per_participant].sum(axis=1)
            assert np.all(paid <= cap.money * achievers), "participant cap exceeded"
    return res


def maximum_bounds_payments(
    contract: Contract, batch: Batch, *, maximum: MaximumPayment | None = None
) -> MaximumPayment:
    """The maximum potential outcome payment bounds what every scenario pays: in total, per payer
    (with the cents ``rounding_by_payer`` allows), per metric, per rule and per provider (VAT
    excluded); where it is unbounded (``None``) there is nothing to check.

    The maximum holds at the planned enrolment with outcomes at their usual times, so ``batch`` must
    enrol no more than the plan in any month and time every outcome as ``observation_months`` say
    (as ``strategies.outcome_vectors`` does); a ``ValueError`` says so otherwise. ``maximum``: the
    contract's maximum payment when the caller has computed it already (it does not depend on the batch).
    """
    plan = _everything(contract)
    if batch.enrolled.shape[1:] != plan.enrolled.shape[1:] or np.any(batch.enrolled > plan.enrolled[0]):
        raise ValueError("the batch enrols more participants than planned: the maximum does not cover it")
    if not np.array_equal(batch.offset, plan.offset):
        raise ValueError("the batch times outcomes otherwise than the metrics' observation_months")
    mx = maximum_payment(contract) if maximum is None else maximum
    flows = run_batch(contract, batch)
    lines = flows.schedule.lines

    def check(what: str, paid: Any, most: int | None) -> None:
        if most is not None and np.any(paid > most):
            i = int(np.argmax(paid))
            raise AssertionError(f"{what}: scenario {i} pays {int(paid[i])} cents, above the maximum of {most}")

    check("all payers", flows.payer_paid.sum(axis=(1, 2)), mx.total)
    for k, payer in enumerate(contract.payers):
        most = mx.by_payer[payer.id]
        strict = None if most is None else most + mx.rounding_by_payer[payer.id]
        check(f"payer {payer.id!r}", flows.payer_paid[:, :, k].sum(axis=1), strict)
    for field, groups in (("metric", mx.by_metric), ("rule", mx.by_rule), ("provider", mx.by_provider)):
        for key, most in groups.items():
            keep = [ln.index for ln in lines if getattr(ln, field) == key]
            check(f"{field} {key!r}", flows.line_paid[:, keep].sum(axis=1), most)
    return mx


def return_caps_respected(contract: Contract, batch: Batch) -> None:
    """No tranche receives more than its multiple cap allows, nor earns an IRR above its IRR cap."""
    res = results(contract, run_batch(contract, batch))
    for t, tr in zip(contract.tranches, res.tranches, strict=True):
        if t.return_cap is None:
            continue
        if t.return_cap.multiple is not None:
            num, den = t.return_cap.multiple.as_integer_ratio()
            guarantee = tr.guaranteed
            assert np.all((tr.returned - guarantee) * den <= tr.drawn * num), f"{t.id}: above its multiple cap"
        if t.return_cap.irr is not None:
            defined = tr.irr_reason == 0
            # the hurdle balance is kept in whole cents: allow the rounding of one cent a month
            assert np.all(tr.irr[defined] <= float(t.return_cap.irr) + 1e-4), f"{t.id}: IRR above its cap"


def no_reward_for_failure(contract: Contract, batch: Batch) -> None:
    """With no outcome achieved, nothing is paid for outcomes and no tranche gets back more than it put in."""
    zero = attrs.evolve(
        batch,
        achieved=np.zeros_like(batch.achieved),
        units=np.zeros_like(batch.units),
        improvement=np.zeros_like(batch.improvement),
    )
    res = results(contract, run_batch(contract, zero))
    assert np.all(res.flows.payer_paid == 0), "outcome payments were made for no outcome"
    for tr in res.tranches:
        assert np.all(tr.returned <= tr.drawn), f"{tr.id} earned a return although nothing was achieved"


def monotone_payouts(contract: Contract, batch: Batch, pick: int) -> None:
    """One more participant achieving one more outcome never lowers the total outcome payments,
    nor (when no cap is shared between payers) any payer's total.

    Shared between payers: a contract, metric or provider cap, and a participant cap when there are
    several payers (it moves money between payment lines, and each line's split over the payers is
    rounded to the cent on its own, so a payer can pay a cent less while the total rises). With three
    or more payers, a payer may pay up to one cent less per month and line whose amount grew: the
    largest-remainder split of a growing amount is not monotone for every part (the Alabama paradox).

    ``pick`` chooses which cell of the outcome vector gets the extra achiever.
    """
    cells = np.argwhere(batch.enrolled[..., None] > batch.achieved)
    if len(cells) == 0:
        return
    cell = tuple(cells[pick % len(cells)])
    more_achieved = batch.achieved.copy()
    more_units = batch.units.copy()
    more_achieved[cell] += 1
    more_units[cell] += 1
    more = attrs.evolve(batch, achieved=more_achieved, units=more_units)
    both = run_batch(contract, stack([batch, more]))
    paid = both.payer_paid.sum(axis=1)
    assert paid[1].sum() >= paid[0].sum(), (
        f"one more result lowered the outcome payments from {paid[0].sum()} to {paid[1].sum()} cents"
    )
    shared = any(c.level in ("contract", "metric", "provider", "segment") for c in contract.caps) or (
        len(contract.payers) > 1 and any(c.level == "participant" for c in contract.caps)
    )
    if not shared:
        # With three or more payers a line's largest-remainder split is not monotone (the Alabama paradox
        # of apportionment): when a line's amount in a month grows, one payer's part of it can fall by a
        # cent. So each payer may pay at most one cent less per (month, line) whose amount changed.
        due = both.schedule.due.sum(axis=3)  # (2, T, L)
        slack = int(np.count_nonzero(due[1] != due[0])) if len(contract.payers) >= 3 else 0
        for k, payer in enumerate(contract.payers):
            assert paid[1, k] >= paid[0, k] - slack, (
                f"one more result lowered what {payer.id} pays from {paid[0, k]} to {paid[1, k]} cents"
                + (f" (more than the {slack} cent(s) rounding allows)" if slack else "")
            )


def vectorised_equals_scalar(contract: Contract, batch: Batch) -> None:
    """Running N scenarios at once gives, row by row, what N single runs give."""
    together = run_batch(contract, batch)
    for i in range(batch.n):
        row = batch.row(i)
        alone = run_batch(contract, row)
        for name in ("payer_paid", "tranche_cash", "provider_cash", "guarantee_paid", "payer_refund"):
            a, b = getattr(together, name)[i], getattr(alone, name)[0]
            assert np.array_equal(a, b), f"{name} differs for scenario {i} when run alone"
        keys = set(together.ledger.flows) | set(alone.ledger.flows)
        for key in keys:
            a = together.ledger.flows.get(key, np.zeros((batch.n, 1), dtype=np.int64))[i]
            b = alone.ledger.flows.get(key, np.zeros((1, 1), dtype=np.int64))[0]
            assert a.sum() == b.sum(), f"ledger line {key} differs for scenario {i}"
        differs = flows_differ(together.row(i, batch=row), alone)
        assert differs is None, f"scenario {i} taken out of the run differs from its run alone: {differs}"


def flows_differ(a: Any, b: Any, path: str = "flows") -> str | None:
    """Where two engine outputs (``Flows``, and what they hold) differ, or None when equal: arrays in shape,
    dtype and every value; a ledger in its keys, their order and their arrays (not the tick numbers that
    ordered them, which only compare within one run: ``Ledger.first``); attrs objects field by field."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        ok = (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and np.array_equal(a, b)
        )
        return None if ok else path
    if isinstance(a, Ledger) and isinstance(b, Ledger):
        if (a.n, a.months, a.detail, a.years) != (b.n, b.months, b.detail, b.years):
            return f"{path}: shape"
        if list(a.flows) != list(b.flows):
            return f"{path}: keys or their order"
        for key in a.flows:
            got = flows_differ(a.flows[key], b.flows[key], f"{path}[{key}]")
            if got is not None:
                return got
        return None
    if attrs.has(type(a)) and type(a) is type(b):
        for field in attrs.fields(type(a)):
            got = flows_differ(getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}")
            if got is not None:
                return got
        return None
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            got = flows_differ(x, y, f"{path}[{k}]")
            if got is not None:
                return got
        return None
    return None if a == b else path


def scale_money(obj: Any, factor: int) -> Any:
    """A copy of a contract (or any model object) with every amount of money multiplied by ``factor``."""
    if isinstance(obj, tuple):
        return tuple(scale_money(x, factor) for x in obj)
    if isinstance(obj, dict):
        return {k: scale_money(v, factor) for k, v in obj.items()}
    if not attrs.has(type(obj)):
        return obj
    cls = type(obj)
    attrs.resolve_types(cls)
    changes: dict[str, Any] = {}
    for a in attrs.fields(cls):
        value = getattr(obj, a.name)
        if a.type in (Cents, Cents | None) and isinstance(value, int) and not isinstance(value, bool):
            changes[a.name] = value * factor
        elif a.name in ("amounts", "segment_prices"):
            changes[a.name] = (
                tuple(v * factor for v in value)
                if isinstance(value, tuple)
                else {k: v * factor for k, v in value.items()}
            )
        else:
            scaled = scale_money(value, factor)
            if scaled is not value:
                changes[a.name] = scaled
    return attrs.evolve(obj, **changes) if changes else obj


_ORDER_FREE = frozenset(
    {
        # Contract: lists whose order is presentation only (scenarios are left alone: the first is the default)
        "payers",
        "providers",
        "investors",
        "intermediaries",
        "evaluators",
        "segments",
        "metrics",
        "rules",
        "caps",
        "savings",
        "sources",
        # inside parties, rules and scenarios
        "contributors",
        "segment_mix",
        "components",
        "entries",
        "paid_by",
        "requires",
        "outcomes",
        "enrolment",
    }
)
"""Names of tuple fields whose order carries no meaning, wherever they appear in the model."""


def reordered(contract: Contract, rnd: random.Random) -> Contract:
    """A copy of ``contract`` with every list whose order carries no meaning shuffled by ``rnd``:
    providers, payers and their contributors, investors, segments and each provider's segment mix,
    metrics, rules with their entries, components and payer shares, caps, savings, scenario lines;
    the parties of a pro-rata waterfall step; and tranches within each level of seniority (their
    positions among other levels kept). Waterfall steps, guarantees, fees and scenarios keep their
    order: it is the priority of payments, or the default scenario."""
    shuffled: Contract = _shuffle(contract, rnd)
    return shuffled


def _shuffle(obj: Any, rnd: random.Random, name: str = "") -> Any:
    if isinstance(obj, tuple):
        items = [_shuffle(x, rnd) for x in obj]
        if name in _ORDER_FREE:
            rnd.shuffle(items)
        return tuple(items)
    if not attrs.has(type(obj)):
        return obj
    changes: dict[str, Any] = {}
    for a in attrs.fields(type(obj)):
        value = getattr(obj, a.name)
        new: Any
        if a.name == "tranches" and isinstance(obj, Contract):
            new = _shuffle_within_seniority([_shuffle(t, rnd) for t in value], rnd)
        elif (a.name in ("tranches", "fees") and getattr(obj, "mode", None) == "pro_rata") or (
            a.name == "shares" and not hasattr(obj, "mode")  # a residual step's shares are pro rata by definition
        ):
            items = list(_shuffle(value, rnd))
            rnd.shuffle(items)
            new = tuple(items)
        else:
            new = _shuffle(value, rnd, a.name)
        if new is not value:
            changes[a.name] = new
    return attrs.evolve(obj, **changes) if changes else obj


def _shuffle_within_seniority(tranches: list[Any], rnd: random.Random) -> tuple[Any, ...]:
    levels: dict[int, list[Any]] = {}
    for t in tranches:
        levels.setdefault(t.seniority, []).append(t)
    for group in levels.values():
        rnd.shuffle(group)
    return tuple(levels[t.seniority].pop(0) for t in tranches)


def order_independent(
    contract: Contract, rnd: random.Random, success: Decimal = Decimal(1), *, scenario: Scenario | None = None
) -> None:
    """Reordering any list of ``contract`` whose order carries no meaning (see ``reordered``) changes
    no cent of any movement of money: the ledger of ``scenario`` (the default scenario when ``None``) at the
    success factor ``success`` (every payment, from whom, to whom, why and in which month) is identical."""
    other = reordered(contract, rnd)
    a = run(contract, scenario, success=success).flows.ledger.flows
    b = run(other, scenario, success=success).flows.ledger.flows
    nonzero_a = {k for k, v in a.items() if v.any()}
    nonzero_b = {k for k, v in b.items() if v.any()}
    assert nonzero_a == nonzero_b, f"reordering changed which movements happen: {sorted(nonzero_a ^ nonzero_b)}"
    for key in sorted(nonzero_a):
        assert np.array_equal(a[key], b[key]), (
            f"reordering the contract's lists changed {key[2]!r} from {key[0]} to {key[1]}: "
            f"{a[key].sum(axis=1).tolist()} became {b[key].sum(axis=1).tolist()} cents"
        )


def segment_mix_respected(contract: Contract, batch: Batch) -> None:
    """Each provider's participants over the whole enrolment, and after every month, are split over the
    difficulty segments within one participant of the shares its ``segment_mix`` gives."""
    seg_ids = [s.id for s in contract.segments]
    for p, prov in enumerate(contract.providers):
        if not prov.segment_mix:
            continue
        share = {m.segment: m.share for m in prov.segment_mix}
        running = np.cumsum(batch.enrolled[:, :, p, :], axis=1)  # (N, T, S)
        starts = running.sum(axis=2)  # (N, T)
        for s, seg in enumerate(seg_ids):
            expected = starts * float(share.get(seg, 0))
            worst = float(np.max(np.abs(running[:, :, s] - expected), initial=0.0))
            assert worst < 1 + 1e-9, (
                f"{prov.id}: segment {seg!r} is {worst:.2f} participants away from its share "
                f"{share.get(seg, 0)} of the starts so far"
            )


def savings_in_own_budgets(contract: Contract, batch: Batch) -> Results:
    """Savings credited to a payer never exceed the savings whose ``budget`` names that payer or one of
    its contributors, and the savings per budget add up to all savings."""
    res = results(contract, run_batch(contract, batch))
    metric_index = {m.id: k for k, m in enumerate(contract.metrics)}
    for payer in contract.payers:
        own_budgets = {payer.id, *(c.id for c in payer.contributors)}
        own = np.zeros(batch.n, dtype=np.int64)
        for s in contract.savings:
            if s.cashable and s.budget in own_budgets:
                own += res.outcome_units[:, metric_index[s.metric]] * s.amount_per_unit
        credited = next(r for r in res.payers if r.id == payer.id).cashable_savings
        assert np.all(credited <= own), f"{payer.id} is credited with savings that land in other budgets"
    assert np.array_equal(sum((b.savings for b in res.budgets), np.zeros(batch.n, dtype=np.int64)), res.savings), (
        "the savings per budget do not add up to all savings"
    )
    return res


class PropertyFailure(AssertionError):
    """A property that does not hold for a scenario, told so that a person can read it and rerun it: one
    sentence on what broke (``sentence``, in the language asked) and the scenarios as ``[[scenarios]]``
    TOML blocks (``toml``) that ``sibkit run FILE --scenario NAME`` runs once appended to the contract's
    file. ``str()`` is both, so pytest and ``sibkit check`` show them as they are."""

    def __init__(self, sentence: str, toml: str, lang: str = "en") -> None:
        rerun = Language(lang).gettext(
            "To rerun it, add these scenarios to the contract file and run: sibkit run FILE --scenario %(name)s",
            name=COUNTEREXAMPLE,
        )
        super().__init__(f"{sentence}\n{rerun}\n\n{toml}")
        self.sentence = sentence
        self.toml = toml


COUNTEREXAMPLE = "counterexample"
"""The name a counterexample's scenario gets in its TOML block (the one with more results gets ``-more``)."""


def _more(scenario: Scenario, metric: str, step: Decimal, name: str) -> Scenario:
    """``scenario`` with every rate of ``metric`` raised by ``step`` (shares of participants at most 1), named
    ``name``; a metric the scenario does not mention gets the rate ``step``."""
    outcomes = tuple(
        attrs.evolve(o, rate=min((o.rate or Decimal(0)) + step, Decimal(1)) if o.treatment is None else o.rate)
        if o.metric == metric
        else o
        for o in scenario.outcomes
    )
    if not any(o.metric == metric for o in scenario.outcomes):
        outcomes += (ScenarioOutcome(metric=metric, rate=step),)
    return attrs.evolve(scenario, name=name, outcomes=outcomes, probability=None)


_MAXIMUM: list[tuple[Contract, MaximumPayment]] = []
"""The maximum payment of the last contract a property ran (matched by identity): a Hypothesis test runs the
same contract object for every example, and the maximum does not depend on the scenario."""


def _maximum(contract: Contract) -> MaximumPayment:
    if not _MAXIMUM or _MAXIMUM[0][0] is not contract:
        _MAXIMUM[:] = [(contract, maximum_payment(contract))]
    return _MAXIMUM[0][1]


def _note(text: str) -> None:
    """``hypothesis.note(text)`` when a Hypothesis test is running (it is then printed with the falsifying
    example); nothing otherwise."""
    with contextlib.suppress(InvalidArgument):  # not inside a Hypothesis test
        note(text)


def _named(scenario: Scenario, name: str = COUNTEREXAMPLE) -> Scenario:
    """``scenario`` renamed ``name`` without a probability: a block to append to the contract's file."""
    return attrs.evolve(scenario, name=name, probability=None)


def _fail(sentence: str, toml: str, lang: str) -> NoReturn:
    """Raise the ``PropertyFailure`` of ``sentence`` and ``toml``, noted for Hypothesis first."""
    failure = PropertyFailure(sentence, toml, lang)
    _note(str(failure))
    raise failure


def _cap_label(contract: Contract, cap: Cap, words: Language) -> str:
    """The cap in words, with its amount: "the cap on 'Work' of €1,500.00" (a cap that limits money)."""
    amount = words.money(cap.money, contract.currency)
    if cap.level == "contract":
        return words.gettext("the contract cap of %(amount)s", amount=amount)
    if cap.level == "participant":
        return words.gettext("the cap of %(amount)s per participant", amount=amount)
    if cap.level == "metric":
        names = ", ".join(f"'{words.text(contract.metric(m).name)}'" for m in cap.metric_ids())
        return words.gettext("the cap on %(what)s of %(amount)s", what=names, amount=amount)
    if cap.level == "provider":
        name = next(p.name for p in contract.providers if p.id == cap.target)
        return words.gettext("the cap on what %(party)s is paid of %(amount)s", party=name, amount=amount)
    if cap.level == "segment":
        name = next(seg.name for seg in contract.segments if seg.id == cap.target)
        return words.gettext("the cap on the segment '%(segment)s' of %(amount)s", segment=name, amount=amount)
    name = next(p.name for p in contract.payers if p.id == cap.target)
    return words.gettext("the cap on what %(party)s pays of %(amount)s", party=name, amount=amount)


def _paid_under(contract: Contract, cap: Cap, flows: Flows) -> Any:
    """(N,) cents paid, VAT excluded, under a cap on money (not a participant cap): by its payer, or on the
    payment lines it covers (a segment cap: the lines the schedule split for its segment)."""
    if cap.level == "payer":
        k = next(i for i, p in enumerate(contract.payers) if p.id == cap.target)
        return flows.payer_paid[:, :, k].sum(axis=1)
    keep = covered_lines(cap, flows.schedule.lines) or []
    return flows.line_paid[:, keep].sum(axis=1)


def binding_caps(contract: Contract, flows: Flows, row: int) -> tuple[Cap, ...]:
    """The caps that bind in scenario ``row`` of ``flows``: the payments they cover (VAT excluded) reach their
    amount (a cap that ``includes_vat``: its amount net of the contract's VAT, to the cent), or, for a
    participant cap, the engine cut payments while no other cap is reached."""
    out: list[Cap] = []
    for cap in contract.caps:
        if cap.level == "participant" or cap.amount is None:  # a count acts on prices, not as a cap on money
            continue
        paid = int(_paid_under(contract, cap, flows)[row])
        room: int = cap.amount
        if cap.includes_vat and contract.vat_rate:
            num, den = (1 + contract.vat_rate).as_integer_ratio()
            room = cap.amount * den // num
        if paid >= room:
            out.append(cap)
    if not out and int(flows.cap_cut[row]) > 0:
        out.extend(c for c in contract.caps if c.level == "participant")
    return tuple(out)


def _because(contract: Contract, flows: Flows, base: int, more: int, words: Language) -> str:
    """'It is caused by …': the caps that bind with more results, or else the shares of savings that fall once
    the investors are repaid and pay less with more results, said as a clause (empty when neither)."""
    caps = binding_caps(contract, flows, more)
    if not caps:
        return _falling_shares(contract, flows, base, more, words)
    before = set(map(id, binding_caps(contract, flows, base)))
    new = [c for c in caps if id(c) not in before] or list(caps)
    named = "; ".join(_cap_label(contract, c, words) for c in new)
    return " " + words.gettext("It is caused by %(caps)s, which binds with more results.", caps=named)


def _falling_shares(contract: Contract, flows: Flows, base: int, more: int, words: Language) -> str:
    """The clause naming each share-of-savings rule whose share falls once the investors are repaid
    (``share_after`` below ``share``) and whose lines pay less in scenario ``more`` than in ``base``."""
    lines = flows.schedule.lines
    named: list[str] = []
    for rule in contract.rules:
        if not isinstance(rule, ShareOfSavings) or rule.share_after >= rule.share:
            continue
        keep = [ln.index for ln in lines if ln.rule == rule.id]
        if int(flows.line_paid[more, keep].sum()) < int(flows.line_paid[base, keep].sum()):
            named.append(
                words.gettext(
                    "the share of the savings on '%(metric)s', which falls from %(share)s to %(after)s once the "
                    "investors are repaid: more results repay them sooner",
                    metric=contract.metric(rule.metric).name,
                    share=words.percent(rule.share),
                    after=words.percent(rule.share_after),
                )
            )
    if not named:
        return ""
    return " " + words.gettext("It is caused by %(cause)s.", cause="; ".join(named))


def _one_metric_changed(contract: Contract, first: Batch, variant: Scenario, m: int) -> Batch:
    """``deterministic_batch(contract, variant)`` where ``variant`` differs from the scenario of ``first`` in the
    rates of metric ``m`` only: ``first`` with that metric's counts recomputed (the counts of each metric depend on
    its own scenario lines alone, so the other metrics' need not be computed again)."""
    metric = contract.metrics[m].id
    alone = deterministic_batch(
        contract, attrs.evolve(variant, outcomes=tuple(o for o in variant.outcomes if o.metric == metric))
    )
    achieved, units, improvement = first.achieved.copy(), first.units.copy(), first.improvement.copy()
    achieved[..., m] = alone.achieved[..., m]
    units[..., m] = alone.units[..., m]
    improvement[..., m] = alone.improvement[..., m]
    return attrs.evolve(first, achieved=achieved, units=units, improvement=improvement)


@attrs.frozen
class _Toml:
    """The two scenarios of a counterexample, written as TOML only when a failure is reported."""

    base: Scenario
    more: Scenario

    def __str__(self) -> str:
        return scenario_toml(self.base) + "\n" + scenario_toml(self.more)


def more_results_never_cost_less(
    contract: Contract, scenario: Scenario, *, step: Decimal = Decimal("0.05"), lang: str = "en"
) -> None:
    """More results never cost the payers less: for each metric in turn, ``scenario`` with that metric's rates
    ``step`` higher (5 percentage points by default) costs the payers together at least as much (outcome
    payments, VAT and fees, in cents; not net of what the waterfall's residual returns to a payer, which
    grows when investors are repaid sooner and so earn less interest), and costs no payer less, beyond the cents the
    largest-remainder split of a line among three or more payers, or a cap's pro-rata cut, may move: one
    cent per payment month and line whose amount changed (see ``monotone_payouts``), and, with VAT, one
    cent per payer and month whose payment changed (VAT is rounded per payer and month). All the variants run
    in one engine batch.

    Raises ``PropertyFailure`` naming the metric, who pays less, both costs, the cap that binds with more
    results (where one does: a shared cap that moves money between payers, for instance) and the two
    scenarios as TOML to rerun; inside a Hypothesis test the same text is a ``note`` of the falsifying example."""
    base = _named(scenario)
    variants = [_more(base, m.id, step, f"{COUNTEREXAMPLE}-more") for m in contract.metrics]
    first = deterministic_batch(contract, base)
    batch = stack([first, *(_one_metric_changed(contract, first, v, m) for m, v in enumerate(variants))])
    flows = run_batch(contract, batch)
    each = [
        flows.payer_paid[:, :, k].sum(axis=1) + flows.payer_vat[:, k] + flows.payer_fees[:, k]
        for k in range(len(contract.payers))
    ]
    cost = sum(each, np.zeros(batch.n, dtype=np.int64))
    words = Language(lang)
    cur = contract.currency
    due = flows.schedule.due.sum(axis=3)  # (N, T, L)
    may_round = len(contract.payers) >= 3 or bool(contract.caps)
    for k, metric in enumerate(contract.metrics, start=1):
        toml = _Toml(base, variants[k - 1])
        step_text = words.percent(step)
        # VAT is rounded to the cent per payer and month: a VAT-inclusive cap may leave a cent less per changed month
        vat_slack = int(np.count_nonzero(flows.payer_paid[k] != flows.payer_paid[0])) if contract.vat_rate else 0
        if int(cost[k]) < int(cost[0]) - vat_slack:
            sentence = words.gettext(
                "With more '%(metric)s' results (every rate %(step)s higher), the payers together pay %(less)s "
                "less: %(after)s instead of %(before)s.",
                metric=metric.name,
                step=step_text,
                less=words.money(int(cost[0] - cost[k]), cur),
                after=words.money(int(cost[k]), cur),
                before=words.money(int(cost[0]), cur),
            )
            _fail(sentence + _because(contract, flows, 0, k, words), str(toml), lang)
        if len(contract.payers) < 2:
            continue
        slack = (int(np.count_nonzero(due[k] != due[0])) if may_round else 0) + vat_slack
        for j, payer in enumerate(contract.payers):
            before, after = int(each[j][0]), int(each[j][k])
            if after < before - slack:
                sentence = words.gettext(
                    "With more '%(metric)s' results (every rate %(step)s higher), %(payer)s pays %(less)s less: "
                    "%(after)s instead of %(before)s.",
                    metric=metric.name,
                    step=step_text,
                    payer=payer.name,
                    less=words.money(before - after, cur),
                    after=words.money(after, cur),
                    before=words.money(before, cur),
                )
                _fail(sentence + _because(contract, flows, 0, k, words), str(toml), lang)


def full_price(contract: Contract, provider: str, segment: str | None = None) -> int | None:
    """The full price of one participant of ``provider`` in ``segment``: the most, in cents, the contract's
    rules pay for one participant's results (VAT excluded). A tariff's components at the segment's price
    (each rounded as the engine rounds it), every rate-card entry (a repeatable one times its
    ``max_per_participant``), a per-time payment times its ``max_units_per_participant``; no more than a
    participant cap. Cohort rules pay for a cohort, not a participant, and count for nothing. ``None`` when a
    rule has no such maximum (a share of savings, a repeatable entry or per-time payment without a maximum)
    and no participant cap bounds it. Where a segment cap counts participants (only so many of the segment are
    paid its price, the others the ordinary one), each price is the higher of the two."""
    counted = any(c.level == "segment" and c.amount is None and c.target == segment for c in contract.caps)

    def unit(rule: Tariff | RateCard, metric: str) -> int:
        price = rule.unit_price(metric, segment)
        return max(price, rule.unit_price(metric, None)) if counted else price

    total, unbounded = 0, False
    for rule in contract.rules:
        if provider not in contract.rule_providers(rule) or isinstance(rule, CohortThreshold):
            continue
        if isinstance(rule, Tariff):
            total += sum(unit(rule, c.metric) for c in rule.components)
        elif isinstance(rule, RateCard):
            for e in rule.entries:
                price = unit(rule, e.metric)
                if not e.repeatable:
                    total += price
                elif e.max_per_participant is None:
                    unbounded = True
                else:
                    total += price * e.max_per_participant
        elif isinstance(rule, PerTime) and rule.max_units_per_participant is not None:
            total += rule.price_per_unit * rule.max_units_per_participant
        else:
            unbounded = True
    caps = [c.money for c in contract.caps if c.level == "participant"]
    if unbounded:
        return min(caps) if caps else None
    return min([total, *caps])


def no_participant_paid_above_full_price(
    contract: Contract, scenario: Scenario, *, price: int | None = None, lang: str = "en"
) -> None:
    """No participant is paid more than the full price: in ``scenario``, each provider's payments for its
    participants' results (per-participant rules, VAT excluded, cents) are at most, summed over its groups of
    participants (enrolment month and segment), the participants of the group who achieve anything times the
    full price of one of them. Participants who achieve anything are counted generously, as the fewer of
    those enrolled and the results achieved, so a failure is certain overpayment.

    ``price``: the full price the contract states, in cents (e.g. ``350_000`` for €3,500), to check the rules
    against; by default ``full_price`` per provider and segment (where it is ``None`` there is nothing to
    check). Raises ``PropertyFailure`` with the provider, what it is paid, the most the full price allows and
    the scenario as TOML."""
    base = _named(scenario)
    batch = deterministic_batch(contract, base)
    flows = run_batch(contract, batch)
    ax = axes(contract)
    cohort = {r.id for r in contract.rules if isinstance(r, CohortThreshold)}
    per_person = np.asarray([contract.metric(m).kind != "cohort_change" for m in ax.metrics], dtype=bool)
    achievers = np.minimum(batch.enrolled[0], batch.achieved[0][..., per_person].sum(axis=-1))  # (T, P, S)
    words = Language(lang)
    cur = contract.currency
    for p, prov in enumerate(contract.providers):
        most = 0
        for s, seg in enumerate(ax.segments):
            each = price if price is not None else full_price(contract, prov.id, seg)
            if each is None:
                break
            most += int(achievers[:, p, s].sum()) * each
        else:
            keep = [ln.index for ln in flows.schedule.lines if ln.provider == prov.id and ln.rule not in cohort]
            paid = int(flows.line_paid[0, keep].sum())
            if paid > most:
                sentence = words.gettext(
                    "%(provider)s is paid %(paid)s for the results of at most %(count)s participants, more than the "
                    "full price per participant allows: %(most)s at most.",
                    provider=prov.name,
                    paid=words.money(paid, cur),
                    count=str(int(achievers[:, p, :].sum())),
                    most=words.money(most, cur),
                )
                _fail(sentence, scenario_toml(base), lang)


def difficulty_order(contract: Contract) -> tuple[str, ...]:
    """The contract's segment ids from the easiest to the hardest: by the average success rate the default
    scenario expects over the metrics paid per participant and the providers (higher is easier); segments
    with equal rates keep the order of the file. The properties compare only segments whose rates differ."""
    rates = _segment_rates(contract)
    return tuple(sorted(rates, key=lambda seg: -rates[seg]))


def _segment_rates(contract: Contract) -> dict[str, Decimal]:
    scenario = contract.default_scenario()
    metrics = [m for m in contract.metrics if m.kind != "cohort_change"]
    out: dict[str, Decimal] = {}
    for seg in contract.segments:
        rates = [
            line.expected_rate(m) if (line := scenario.line_for(m.id, prov.id, seg.id)) is not None else Decimal(0)
            for m in metrics
            for prov in contract.providers
        ]
        out[seg.id] = sum(rates, Decimal(0)) / max(len(rates), 1)
    return out


def hard_cases_never_paid_less(
    contract: Contract, scenario: Scenario, *, easiest_first: tuple[str, ...] | None = None, lang: str = "en"
) -> None:
    """Hard cases are never paid less than easy ones at the same results: the participants of ``scenario`` with
    the results they achieve (the same counts per enrolment month, provider and metric) are placed all in one
    difficulty segment, then all in another, and for a harder segment no provider is paid less (cents, outcome
    payments VAT excluded) than for an easier one. All the placements run in one engine batch.

    ``easiest_first``: segment ids from the easiest to the hardest (every segment compared with every later
    one); by default ``difficulty_order``, comparing only segments whose expected success rates differ.
    Raises ``PropertyFailure`` with the provider, both payments and the scenario as TOML (a scenario file
    cannot place every participant in one segment: the sentence gives what each placement pays)."""
    ax = axes(contract)
    if len(contract.segments) < 2:
        return
    if easiest_first is None:
        rates = _segment_rates(contract)
        order = difficulty_order(contract)
        pairs = [(a, b) for i, a in enumerate(order) for b in order[i + 1 :] if rates[a] > rates[b]]
    else:
        unknown = [s for s in easiest_first if s not in ax.segments]
        if unknown:
            raise ValueError(f"unknown segment(s) {unknown}; expected some of {list(ax.segments)}")
        pairs = [(a, b) for i, a in enumerate(easiest_first) for b in easiest_first[i + 1 :]]
    if not pairs:
        return
    base = _named(scenario)
    one = deterministic_batch(contract, base)
    rows = []
    for s in range(len(ax.segments)):
        enrolled = np.zeros_like(one.enrolled)
        achieved = np.zeros_like(one.achieved)
        units = np.zeros_like(one.units)
        enrolled[:, :, :, s] = one.enrolled.sum(axis=3)
        achieved[:, :, :, s, :] = one.achieved.sum(axis=3)
        units[:, :, :, s, :] = one.units.sum(axis=3)
        rows.append(attrs.evolve(one, enrolled=enrolled, achieved=achieved, units=units))
    flows = run_batch(contract, stack(rows))
    names = {seg.id: seg.name for seg in contract.segments}
    words = Language(lang)
    cur = contract.currency
    for p, prov in enumerate(contract.providers):
        keep = [ln.index for ln in flows.schedule.lines if ln.provider_index == p]
        paid = flows.line_paid[:, keep].sum(axis=1)
        for easier, harder in pairs:
            e, h = int(paid[ax.segments.index(easier)]), int(paid[ax.segments.index(harder)])
            if h < e:
                sentence = words.gettext(
                    "At the same results, %(provider)s is paid %(harder_pays)s when its participants are in "
                    "'%(harder)s' and %(easier_pays)s when they are in '%(easier)s': the harder cases pay %(less)s "
                    "less.",
                    provider=prov.name,
                    harder_pays=words.money(h, cur),
                    harder=names[harder],
                    easier_pays=words.money(e, cur),
                    easier=names[easier],
                    less=words.money(e - h, cur),
                )
                _fail(sentence, scenario_toml(base), lang)


def within_appropriations(contract: Contract, scenario: Scenario, *, lang: str = "en") -> None:
    """No payer (nor fund contributor) pays more in a budget year than it appropriated for that year, or pays in
    a year it appropriated nothing for, when it states ``appropriations``; and no payer pays more over the term
    than its ``budget`` (outcome payments, VAT and fees, net of refunds), when it states one. Budget years
    follow ``Timeline.fiscal_year_start``; amounts in cents. A party that states neither is not checked (a
    payer cap is checked by ``caps_respected``).

    Raises ``PropertyFailure`` with the party, the year, what it pays and what it appropriated, and the
    scenario as TOML."""
    base = _named(scenario)
    res = results(contract, run_batch(contract, deterministic_batch(contract, base)), maximum=_maximum(contract))
    stated = appropriations(contract)
    words = Language(lang)
    cur = contract.currency
    toml = scenario_toml(base)
    for account in res.accounts:
        if account.id not in stated:
            continue
        for year in account.years:
            paid = int(year.pays[0])
            if paid <= 0 or (year.appropriated is not None and paid <= year.appropriated):
                continue
            if year.appropriated is None:
                sentence = words.gettext(
                    "%(party)s pays %(paid)s in budget year %(year)s, for which it appropriated nothing.",
                    party=account.name,
                    paid=words.money(paid, cur),
                    year=str(year.year),
                )
            else:
                sentence = words.gettext(
                    "%(party)s pays %(paid)s in budget year %(year)s, %(excess)s more than the %(appropriated)s "
                    "it appropriated for that year.",
                    party=account.name,
                    paid=words.money(paid, cur),
                    year=str(year.year),
                    excess=words.money(paid - year.appropriated, cur),
                    appropriated=words.money(year.appropriated, cur),
                )
            _fail(sentence, toml, lang)
    for payer, result in zip(contract.payers, res.payers, strict=True):
        outlay = int((result.paid + result.vat + result.fees)[0])
        if payer.budget is not None and outlay > payer.budget:
            sentence = words.gettext(
                "%(party)s pays %(paid)s over the term, %(excess)s more than its budget of %(budget)s.",
                party=payer.name,
                paid=words.money(outlay, cur),
                excess=words.money(outlay - payer.budget, cur),
                budget=words.money(payer.budget, cur),
            )
            _fail(sentence, toml, lang)


def _engine_promise(check: Callable[[], object], sentence: str, base: Scenario, lang: str) -> None:
    """Run ``check``; turn its ``AssertionError`` (or the engine's own ``EngineError``) into a
    ``PropertyFailure``: ``sentence`` (already in the language asked, ending in a colon) and the message."""
    try:
        check()
    except (AssertionError, EngineError) as exc:
        _fail(f"{sentence} {exc}", scenario_toml(base), lang)


def maximum_bounds_every_payment(contract: Contract, scenario: Scenario, *, lang: str = "en") -> None:
    """The maximum potential payment bounds what ``scenario`` pays: in total, per payer, per metric, per rule and
    per provider (``maximum_bounds_payments`` on the scenario's expected counts). The maximum holds at the
    planned enrolment with outcomes at their usual times, so a scenario that enrols more (an ``enrolment``
    factor above 1) or moves an outcome's ``month`` raises ``ValueError``. Raises ``PropertyFailure`` with who
    is paid how much above which maximum (cents) and the scenario as TOML."""
    base = _named(scenario)
    batch = deterministic_batch(contract, base)
    sentence = Language(lang).gettext("This scenario pays more than the stated maximum potential payment:")
    _engine_promise(lambda: maximum_bounds_payments(contract, batch, maximum=_maximum(contract)), sentence, base, lang)


def reordering_changes_nothing(contract: Contract, scenario: Scenario, *, seed: int = 0, lang: str = "en") -> None:
    """Reordering the contract changes nothing: with every list whose order carries no meaning shuffled
    (``reordered``, by ``random.Random(seed)``), ``scenario`` moves the same money, to the cent, between the
    same parties in the same months (``order_independent``). Raises ``PropertyFailure`` with what changed and
    the scenario as TOML."""
    base = _named(scenario)
    sentence = Language(lang).gettext(
        "Listing the contract's items in another order (seed %(seed)s) changes a payment in this scenario:",
        seed=str(seed),
    )
    _engine_promise(lambda: order_independent(contract, random.Random(seed), scenario=base), sentence, base, lang)


def money_reconciles(contract: Contract, scenario: Scenario, *, lang: str = "en") -> None:
    """Conservation to the cent in ``scenario``: nothing created or lost, the contract account closes at zero,
    each provider's cash path ends at its balance (``conservation``). Raises ``PropertyFailure`` with what does
    not reconcile and the scenario as TOML."""
    base = _named(scenario)
    batch = deterministic_batch(contract, base)
    sentence = Language(lang).gettext("In this scenario the money does not reconcile to the cent:")
    _engine_promise(lambda: conservation(contract, batch), sentence, base, lang)


PAYER_QUESTIONS: tuple[Callable[..., None], ...] = (
    no_participant_paid_above_full_price,
    more_results_never_cost_less,
    hard_cases_never_paid_less,
    within_appropriations,
    maximum_bounds_every_payment,
    reordering_changes_nothing,
    money_reconciles,
)
"""The ready properties in scenario form, each ``prop(contract, scenario, *, lang="en")``: the questions a payer
asks of a contract, in the order of ``docs/property-testing.md``."""
