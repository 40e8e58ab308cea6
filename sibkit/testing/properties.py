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
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
from hypothesis import note
from hypothesis.errors import InvalidArgument

from sibkit.engine.batch import Batch, deterministic_batch, stack
from sibkit.engine.ledger import CONTRACT_ACCOUNT, Why
from sibkit.engine.maximum import MaximumPayment, _everything, maximum_payment
from sibkit.engine.results import Results, results
from sibkit.engine.run import run
from sibkit.engine.waterfall import Flows, run_batch
from sibkit.i18n import Language
from sibkit.load import scenario_toml
from sibkit.model import Contract, InterestStep, PrincipalStep, Scenario, ScenarioOutcome
from sibkit.money import Cents

__all__ = [
    "COUNTEREXAMPLE",
    "PropertyFailure",
    "caps_respected",
    "conservation",
    "maximum_bounds_payments",
    "monotone_payouts",
    "more_results_never_cost_less",
    "no_reward_for_failure",
    "order_independent",
    "reordered",
    "return_caps_respected",
    "savings_in_own_budgets",
    "scale_money",
    "segment_mix_respected",
    "seniority_respected",
    "vectorised_equals_scalar",
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
    """No outcome payments above a metric, provider, payer or contract cap; no participant group paid
    more than the participant cap times the participants who achieved anything."""
    res = results(contract, run_batch(contract, batch))
    flows = res.flows
    lines = flows.schedule.lines
    for cap in contract.caps:
        if cap.level == "participant" or cap.amount is None:  # a count acts on prices, not as a cap on money
            continue
        if cap.level == "payer":
            k = next(i for i, p in enumerate(contract.payers) if p.id == cap.target)
            paid = flows.payer_paid[:, :, k].sum(axis=1)
        else:
            keep = [
                ln.index
                for ln in lines
                if cap.level == "contract"
                or (cap.level == "metric" and ln.metric in cap.metric_ids())
                or (cap.level == "provider" and ln.provider == cap.target)
                or (cap.level == "segment" and ln.segment == cap.target)
            ]
            paid = flows.line_paid[:, keep].sum(axis=1)
        assert np.all(paid <= cap.amount), f"{cap.level} cap {cap.target or ''} of {cap.amount} exceeded: {paid.max()}"
    for cap in contract.caps:
        if cap.level == "participant":
            achievers = batch.achieved.max(axis=-1).sum(axis=(1, 2, 3))
            paid = flows.payer_paid.sum(axis=(1, 2))
            assert np.all(paid <= cap.amount * achievers), "participant cap exceeded"
    return res


def maximum_bounds_payments(contract: Contract, batch: Batch) -> MaximumPayment:
    """The maximum potential outcome payment bounds what every scenario pays: in total, per payer
    (with the cents ``rounding_by_payer`` allows), per metric, per rule and per provider (VAT
    excluded); where it is unbounded (``None``) there is nothing to check.

    The maximum holds at the planned enrolment with outcomes at their usual times, so ``batch`` must
    enrol no more than the plan in any month and time every outcome as ``observation_months`` say
    (as ``strategies.outcome_vectors`` does); a ``ValueError`` says so otherwise.
    """
    plan = _everything(contract)
    if batch.enrolled.shape[1:] != plan.enrolled.shape[1:] or np.any(batch.enrolled > plan.enrolled[0]):
        raise ValueError("the batch enrols more participants than planned: the maximum does not cover it")
    if not np.array_equal(batch.offset, plan.offset):
        raise ValueError("the batch times outcomes otherwise than the metrics' observation_months")
    mx = maximum_payment(contract)
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
        row = Batch(
            enrolled=batch.enrolled[i : i + 1],
            achieved=batch.achieved[i : i + 1],
            units=batch.units[i : i + 1],
            offset=batch.offset,
            improvement=batch.improvement[i : i + 1],
        )
        alone = run_batch(contract, row)
        for name in ("payer_paid", "tranche_cash", "provider_cash", "guarantee_paid", "payer_refund"):
            a, b = getattr(together, name)[i], getattr(alone, name)[0]
            assert np.array_equal(a, b), f"{name} differs for scenario {i} when run alone"
        keys = set(together.ledger.flows) | set(alone.ledger.flows)
        for key in keys:
            a = together.ledger.flows.get(key, np.zeros((batch.n, 1), dtype=np.int64))[i]
            b = alone.ledger.flows.get(key, np.zeros((1, 1), dtype=np.int64))[0]
            assert a.sum() == b.sum(), f"ledger line {key} differs for scenario {i}"


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


def order_independent(contract: Contract, rnd: random.Random, success: Decimal = Decimal(1)) -> None:
    """Reordering any list of ``contract`` whose order carries no meaning (see ``reordered``) changes
    no cent of any movement of money: the ledger of the default scenario (every payment, from whom,
    to whom, why and in which month) is identical."""
    other = reordered(contract, rnd)
    a = run(contract, success=success).flows.ledger.flows
    b = run(other, success=success).flows.ledger.flows
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


def more_results_never_cost_less(
    contract: Contract, scenario: Scenario, *, step: Decimal = Decimal("0.05"), lang: str = "en"
) -> None:
    """More results never make the payers together pay less: for each metric in turn, ``scenario`` with that
    metric's rates ``step`` higher (5 percentage points by default) costs the payers at least as much
    (outcome payments, VAT and fees, net of refunds). All the variants run in one engine batch.

    Raises ``PropertyFailure`` naming the metric, both costs and the two scenarios as TOML to rerun; inside
    a Hypothesis test the same text is a ``note`` of the falsifying example."""
    base = attrs.evolve(scenario, name=COUNTEREXAMPLE, probability=None)
    variants = [_more(base, m.id, step, f"{COUNTEREXAMPLE}-more") for m in contract.metrics]
    batch = stack([deterministic_batch(contract, sc) for sc in (base, *variants)])
    res = results(contract, run_batch(contract, batch), maximum=_maximum(contract))
    cost = sum((p.paid + p.vat + p.fees for p in res.payers), np.zeros(batch.n, dtype=np.int64))
    for k, metric in enumerate(contract.metrics, start=1):
        if int(cost[k]) < int(cost[0]):
            words = Language(lang)
            sentence = words.gettext(
                "With more '%(metric)s' results (every rate %(step)s higher), the payers together pay %(less)s "
                "less: %(after)s instead of %(before)s.",
                metric=metric.name,
                step=words.percent(step),
                less=words.money(int(cost[0] - cost[k]), contract.currency),
                after=words.money(int(cost[k]), contract.currency),
                before=words.money(int(cost[0]), contract.currency),
            )
            toml = scenario_toml(base) + "\n" + scenario_toml(variants[k - 1])
            failure = PropertyFailure(sentence, toml, lang)
            _note(str(failure))
            raise failure
