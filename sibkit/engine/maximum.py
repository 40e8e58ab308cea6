"""The maximum potential outcome payment: an upper bound on what the payers could have to pay.

The bound holds for every scenario at the planned enrolment with the outcomes at their
usual times (each metric's ``observation_months``): more participants, or outcomes
moved earlier so that more fall inside the term, can pay more. It is built in two steps.

1. **Natural maximum of each payment line** (a rule paying one metric for one provider):
   the engine's schedule for one scenario (N = 1) at the planned enrolment with every
   participant achieving every outcome, repeatable outcomes and per-time payments at their
   per-participant maximum, before any cap. Outcomes verified after the term are not
   payable and so not part of it. Some lines have no natural maximum (infinite here): a
   repeatable rate-card entry without ``max_per_participant``, a per-time payment without
   ``max_units_per_participant``, a share of savings, and a cohort rule (its units grow
   with the counterfactual's events; ``max_payment`` bounds it like a cap).

2. **Caps.** For any set of (line, payer) cells the bound is the smallest of: the natural
   maximum of the set; the room of any cap that covers the whole set (segment, metric, rule
   ``max_payment``, provider, payer, contract cap; the participant cap as its amount times
   a provider's planned participants); and the sum of the bounds of its parts when the set
   is split by metric, rule, provider, payer, segment or kind of line. Every cap the engine applies
   limits what its cells are paid, so each of these is an upper bound; where none of them is
   finite the set is unbounded (``None``).

A payer's part of a line it shares with other payers follows its share, and caps shared
between payers cut every cell of a line in proportion, so a payer's bound is also its
share of the lines' bound. Every one of those splits is rounded to the cent by the
largest-remainder method, which can give a payer one cent more than its share per
split: where the share bound is the tighter one, ``by_payer`` is that share (as a
contract states it: 50% of an £8m cap is £4m) and ``rounding_by_payer`` the cents
rounding may add, one per payment date for each rounding step that can act on a line
(the payer split and each cap covering it). When another payer sharing its lines has a
payer cap (which moves that payer's part to the others) only the cell bound is used.

Rounding: the natural maximum of a payer's part of a line is its share of each month's
line amount rounded up to the cent; share bounds are rounded up to the cent once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, axes, deterministic_batch
from sibkit.engine.schedule import Line, covered_lines, payer_weights, payment_months, room_before_vat, schedule
from sibkit.model import Contract, Scenario, ScenarioOutcome
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings

__all__ = ["MaximumPayment", "composition", "full_success", "maximum_payment"]

_INF = math.inf
Bound = int | Fraction | float
"""Cents, exact (``int``, ``Fraction``) or infinite (``math.inf``)."""
Cell = tuple[int, int]
"""(line index, payer index)."""
Item = TypeVar("Item", bound=Hashable)


@attrs.frozen(kw_only=True)
class MaximumPayment:
    """Maximum potential outcome payments in cents of the contract currency (``None``: no limit).

    Each figure is an upper bound on its own: the parts may add up to more than ``total``
    when a cap shared between them limits them together."""

    by_rule: dict[str, int | None]
    """Per rule, after every cap."""
    by_metric: dict[str, int | None]
    """Per metric (all rules paying it), after every cap."""
    by_provider: dict[str, int | None]
    """Per provider (paid for its participants' outcomes), after every cap."""
    by_payer: dict[str, int | None]
    """Per payer, after every cap, VAT excluded; up to ``rounding_by_payer`` cents below a strict bound."""
    rounding_by_payer: dict[str, int]
    """Cents a payer may pay above ``by_payer`` because each payment of a line it shares with other
    payers, and each pro-rata cut of a cap, is split to the cent (one cent per payment date and
    rounding step at most); ``by_payer + rounding_by_payer`` is a strict bound."""
    by_line: dict[tuple[str, str, str], int | None]
    """Per payment line ``(rule, metric, provider)`` (all its segments), after every cap."""
    total: int | None
    """All outcome payments, after every cap, VAT excluded."""
    before_caps: int | None
    """All outcome payments if no cap applied (``None`` when a line has no natural maximum)."""


def _unbounded_metrics(rule: PaymentRule) -> set[str]:
    """Metrics whose payments under ``rule`` have no per-participant maximum."""
    if isinstance(rule, RateCard):
        return {e.metric for e in rule.entries if e.repeatable and e.max_per_participant is None}
    if isinstance(rule, PerTime):
        return set() if rule.max_units_per_participant is not None else {rule.metric}
    if isinstance(rule, (ShareOfSavings, CohortThreshold)):
        return {rule.metric}
    return set()


def _max_units(contract: Contract, metric: str) -> int:
    """Units per achiever at their per-participant maximum (1 where no limit; those lines count as
    unbounded in the maximum, and at one unit in ``_everything``'s composition)."""
    best = 1
    for rule in contract.rules:
        if isinstance(rule, RateCard):
            for e in rule.entries:
                if e.metric == metric and e.repeatable and e.max_per_participant:
                    best = max(best, e.max_per_participant)
        if isinstance(rule, PerTime) and rule.metric == metric and rule.max_units_per_participant:
            best = max(best, rule.max_units_per_participant)
    return best


def _everything(contract: Contract) -> Batch:
    """The planned enrolment with every participant achieving every outcome at its usual time, at the
    per-participant maximum of units, and every cohort at a 100% improvement (N = 1)."""
    scenario = Scenario(
        name="maximum",
        outcomes=tuple(ScenarioOutcome(metric=m.id, rate=Decimal(1)) for m in contract.metrics),
    )
    base = deterministic_batch(contract, scenario)
    units = base.achieved.copy()
    for m, metric in enumerate(contract.metrics):
        units[..., m] *= _max_units(contract, metric.id)
    return attrs.evolve(base, units=units)


def full_success(contract: Contract) -> Batch:
    """The scenario the maximum is computed at, as a batch of one (N = 1): the planned enrolment with every
    participant achieving every outcome at its usual time, at the per-participant maximum of units, and
    every cohort at a 100% improvement. Run through the engine it gives each party's account at the
    maximum: what each payer and contributor pays at most (VAT and fees included) where every rule has a
    natural maximum (``MaximumPayment.by_payer`` is not ``None``)."""
    return _everything(contract)


def composition(contract: Contract, *, maximum: MaximumPayment | None = None) -> list[tuple[str, int, str, str]]:
    """``(metric, cents, provider, rule)`` per payment line: how the maximum payment is made up, for
    shares "of the money". A line with a natural maximum counts at it (every planned participant
    achieving every outcome, repeatable ones at their per-participant maximum, before caps other
    than the participant cap; a cohort rule at a 100% improvement); a line without one counts at the
    tightest cap that covers it (its bound in ``maximum_payment``) and, where nothing bounds it, at one
    unit per achiever (a floor: its real share can be any larger). ``maximum``: ``maximum_payment(contract)``,
    if the caller already has it."""
    sched = schedule(contract, _everything(contract))
    totals = sched.due[0].sum(axis=(0, 2)) if sched.due.shape[2] else np.zeros(0, dtype=np.int64)
    rules = {r.id: r for r in contract.rules}
    capped = (maximum if maximum is not None else maximum_payment(contract)).by_line
    per_line: dict[tuple[str, str, str], int] = {}  # a line split by segment (for a segment cap) counts once
    for ln in sched.lines:
        key = (ln.rule, ln.metric, ln.provider)
        per_line[key] = per_line.get(key, 0) + int(totals[ln.index])
    out = []
    for (rule_id, metric, provider), cents in per_line.items():
        bound = capped[(rule_id, metric, provider)]
        rule = rules[rule_id]
        if not isinstance(rule, CohortThreshold) and metric in _unbounded_metrics(rule) and bound is not None:
            cents = bound
        out.append((metric, cents, provider, rule_id))
    return out


def _payer_weights(line: Line, k_len: int) -> list[int]:
    """The integer weights the engine splits ``line`` over the payers with (as ``schedule._split_payers``)."""
    weights = payer_weights(line, k_len)
    if sum(1 for w in weights if w) == 1:  # one payer pays the whole line
        return [1 if w else 0 for w in weights]
    return weights


def _smallest(
    natural: Callable[[frozenset[Item]], Bound],
    rooms: list[tuple[frozenset[Item], int]],
    keys: list[Callable[[Item], Hashable]],
    scale: Callable[[frozenset[Item]], Bound] | None = None,
) -> Callable[[frozenset[Item]], Bound]:
    """The bound of a set of items: the least of its natural maximum, the room of each cap covering
    all of it (times ``scale`` of the set, when given), and the sum of its parts' bounds when split
    by one of ``keys``. Memoised; the sets met are intersections of the keys' groups."""
    memo: dict[frozenset[Item], Bound] = {}

    def bound(items: frozenset[Item]) -> Bound:
        if not items:
            return 0
        if items in memo:
            return memo[items]
        best = natural(items)
        for covered, room in rooms:
            if items <= covered:
                best = min(best, room if scale is None else scale(items) * room)
        for key in keys:
            groups: dict[Hashable, set[Item]] = {}
            for item in items:
                groups.setdefault(key(item), set()).add(item)
            if len(groups) > 1:
                parts: Bound = 0
                for g in groups.values():
                    parts = parts + bound(frozenset(g))
                    if parts >= best:
                        break
                best = min(best, parts)
        memo[items] = best
        return best

    return bound


def _cents(value: Bound) -> int | None:
    """A bound in whole cents, rounded up (``None`` when infinite)."""
    if value == _INF:
        return None
    return math.ceil(value)


def maximum_payment(contract: Contract) -> MaximumPayment:
    """The maximum potential outcome payment of ``contract`` at its planned enrolment (see the module)."""
    everything = _everything(contract)
    # the natural maximum is before every cap; the participant cap enters below as a room
    uncapped = attrs.evolve(contract, caps=tuple(c for c in contract.caps if c.level != "participant"))
    sched = schedule(uncapped, everything)
    lines = sched.lines
    rules = {r.id: r for r in contract.rules}
    open_lines = {ln.index for ln in lines if ln.metric in _unbounded_metrics(rules[ln.rule])}
    natural = _Natural(contract, lines, sched.due[0].sum(axis=2), open_lines)
    cells = frozenset(natural.cells)
    line_rooms = _line_rooms(contract, lines, everything)
    bound = _smallest(natural, _rooms(contract, cells, line_rooms), _splits(contract, lines))
    line_of = {ln.index: ln for ln in lines}

    def of(select: Callable[[Line], bool]) -> int | None:
        return _cents(bound(frozenset(c for c in cells if select(line_of[c[0]]))))

    by_payer, rounding = _payer_bounds(contract, lines, cells, bound, natural, line_rooms)
    return MaximumPayment(
        by_rule={r.id: of(lambda ln, r=r: ln.rule == r.id) for r in contract.rules},  # type: ignore[misc]
        by_metric={m.id: of(lambda ln, m=m: ln.metric == m.id) for m in contract.metrics},  # type: ignore[misc]
        by_provider={p.id: of(lambda ln, p=p: ln.provider == p.id) for p in contract.providers},  # type: ignore[misc]
        by_payer=by_payer,
        rounding_by_payer=rounding,
        by_line={
            key: of(lambda x, key=key: (x.rule, x.metric, x.provider) == key)  # type: ignore[misc]
            for key in dict.fromkeys((ln.rule, ln.metric, ln.provider) for ln in lines)
        },
        total=_cents(bound(cells)),
        before_caps=None if open_lines else sum(natural.line_total),
    )


class _Natural:
    """The natural maximum (before caps) of each payment line and each (line, payer) cell; called on a
    set of cells, their natural maximum (infinite when one of their lines has none)."""

    def __init__(
        self, contract: Contract, lines: tuple[Line, ...], per_month: npt.NDArray[np.int64], open_lines: set[int]
    ) -> None:
        # per_month: (T, L) cents due per payment month and line, before caps
        k_len = len(contract.payers)
        self.open_lines = open_lines
        self.line_total = [int(per_month[:, ln.index].sum()) for ln in lines]
        self.paying = [int(np.count_nonzero(per_month[:, ln.index])) for ln in lines]  # months each line pays in
        self.weights = [_payer_weights(ln, k_len) for ln in lines]
        self.cells: dict[Cell, int] = {}
        for ln in lines:
            w, total_w = self.weights[ln.index], sum(self.weights[ln.index])
            for k in range(k_len):
                if w[k]:  # the largest remainder never gives a payer more than its share rounded up
                    # in Python integers: cents × a weight in billionths can pass 2**63 (10^14 × 10^9)
                    months = per_month[:, ln.index].tolist()
                    self.cells[(ln.index, k)] = sum(-(-cents * w[k] // total_w) for cents in months)
        self.payers_of = {ln.index: frozenset(k for k in range(k_len) if self.weights[ln.index][k]) for ln in lines}

    def __call__(self, items: frozenset[Cell]) -> Bound:
        by_line: dict[int, set[int]] = {}
        for index, k in items:
            by_line.setdefault(index, set()).add(k)
        if any(index in self.open_lines for index in by_line):
            return _INF
        return sum(
            self.line_total[index] if ks == self.payers_of[index] else sum(self.cells[(index, k)] for k in ks)
            for index, ks in by_line.items()
        )


def _rooms(
    contract: Contract, cells: frozenset[Cell], line_rooms: list[tuple[frozenset[int], int, int]]
) -> list[tuple[frozenset[Cell], int]]:
    """Every cap as the cells it covers and its room: those covering whole lines, then payer caps."""
    rooms = [(frozenset(c for c in cells if c[0] in covered), room) for covered, room, _ in line_rooms]
    for cap in contract.caps:
        if cap.level == "payer":
            k = next(k for k, p in enumerate(contract.payers) if p.id == cap.target)
            room = room_before_vat(contract, cap.money, cap.includes_vat)
            rooms.append((frozenset(c for c in cells if c[1] == k), room))
    return rooms


def _splits(contract: Contract, lines: tuple[Line, ...]) -> list[Callable[[Cell], Hashable]]:
    """The ways a set of cells is split into parts whose bounds add up: by metric, rule, provider,
    payer, kind of line, and each group of metrics a cap covers."""
    rules = {r.id: r for r in contract.rules}
    line_of = {ln.index: ln for ln in lines}
    cohort = {ln.index for ln in lines if isinstance(rules[ln.rule], CohortThreshold)}
    return [
        lambda c: line_of[c[0]].metric,
        lambda c: line_of[c[0]].rule,
        lambda c: line_of[c[0]].provider,
        lambda c: c[1],
        lambda c: c[0] in cohort,  # the participant cap covers only per-participant lines
        lambda c: line_of[c[0]].segment or "",  # a segment cap bounds its segment's part of any set
        # a cap over a group of metrics bounds the group's part of any set
        *(
            (lambda c, group=frozenset(cap.metrics): line_of[c[0]].metric in group)
            for cap in contract.caps
            if cap.level == "metric" and cap.metrics
        ),
    ]


def _payer_bounds(
    contract: Contract,
    lines: tuple[Line, ...],
    cells: frozenset[Cell],
    bound: Callable[[frozenset[Cell]], Bound],
    natural: _Natural,
    line_rooms: list[tuple[frozenset[int], int, int]],
) -> tuple[dict[str, int | None], dict[str, int]]:
    """Each payer's bound (the tighter of its cells' bound and its share of the lines' bound) and the
    cents rounding may add to a share bound (see the module)."""
    by_payer: dict[str, int | None] = {}
    rounding: dict[str, int] = {}
    for k, payer in enumerate(contract.payers):
        best = bound(frozenset(c for c in cells if c[1] == k))
        share = _share_bound(
            contract, k, lines, natural.weights, natural.line_total, natural.paying, natural.open_lines, line_rooms
        )
        strict = _cents(best)
        by_payer[payer.id], rounding[payer.id] = strict, 0
        if share is not None and (strict is None or share[0] < strict):
            by_payer[payer.id] = share[0]
            rounding[payer.id] = share[1] if strict is None else min(share[1], strict - share[0])
    return by_payer, rounding


def _line_rooms(
    contract: Contract, lines: tuple[Line, ...], everything: Batch
) -> list[tuple[frozenset[int], int, int]]:
    """Caps that cover whole lines (all their payers): ``(line indices, room in cents, rounding steps)``.
    A cap that shares a cut over its cells may give one payer a cent more than its share of a line
    each payment date (one step); the participant cap acts on lines before the payer split (none).

    The participant cap bounds a provider's per-participant lines by its amount times the provider's
    planned participants (``everything``'s enrolment); a rule's ``max_payment`` bounds its lines."""
    out: list[tuple[frozenset[int], int, int]] = []
    for cap in contract.caps:  # a count of participants is in the natural maximum: covered_lines gives None
        covered = covered_lines(cap, lines)
        if covered is not None:
            out.append((frozenset(covered), room_before_vat(contract, cap.money, cap.includes_vat), 1))
    rules = {r.id: r for r in contract.rules}
    for rule in contract.rules:
        if isinstance(rule, CohortThreshold) and rule.max_payment is not None:
            out.append((frozenset(ln.index for ln in lines if ln.rule == rule.id), rule.max_payment, 1))
    per_person = [c.money for c in contract.caps if c.level == "participant"]
    if per_person:
        for p, prov in enumerate(axes(contract).providers):
            own = frozenset(
                ln.index for ln in lines if ln.provider == prov and not isinstance(rules[ln.rule], CohortThreshold)
            )
            out.append((own, min(per_person) * int(everything.enrolled[..., p, :].sum()), 0))
    return out


def _share_bound(
    contract: Contract,
    k: int,
    lines: tuple[Line, ...],
    weights: list[list[int]],
    line_total: list[int],
    paying: list[int],
    open_lines: set[int],
    line_rooms: list[tuple[frozenset[int], int, int]],
) -> tuple[int, int] | None:
    """Payer ``k``'s share of its lines' bound (rounded up to the cent) and the cents rounding can move
    to it, or ``None`` when that is unbounded or another payer of its lines has a payer cap (a cut there
    moves that payer's part to the others)."""
    mine = [ln for ln in lines if weights[ln.index][k]]
    co_payers = {contract.payers[j].id for ln in mine for j, w in enumerate(weights[ln.index]) if w and j != k}
    if any(c.level == "payer" and c.target in co_payers for c in contract.caps):
        return None
    share = {ln.index: Fraction(weights[ln.index][k], sum(weights[ln.index])) for ln in mine}
    line_of = {ln.index: ln for ln in lines}
    rules = {r.id: r for r in contract.rules}

    def natural(items: frozenset[int]) -> Bound:
        if any(i in open_lines for i in items):
            return _INF
        return sum((share[i] * line_total[i] for i in items), Fraction(0))

    bound = _smallest(
        natural,
        [(covered, room) for covered, room, _ in line_rooms],
        [
            lambda i: line_of[i].metric,
            lambda i: line_of[i].rule,
            lambda i: line_of[i].provider,
            lambda i: isinstance(rules[line_of[i].rule], CohortThreshold),
            lambda i: line_of[i].segment or "",
        ],
        scale=lambda items: max(share[i] for i in items),  # a cap's room, at the largest share in it
    )
    value = bound(frozenset(share))
    if value == _INF:
        return None
    dates = len({int(m) for m in payment_months(contract)[: contract.timeline.term_months]})
    slack = 0
    for ln in mine:
        if share[ln.index] < 1:  # split over payers: the split and each cap may round a cent its way
            # a per-participant line pays only in months its planned participants' outcomes fall due
            when = dates if isinstance(rules[ln.rule], CohortThreshold) else paying[ln.index]
            slack += (1 + sum(step for covered, _, step in line_rooms if ln.index in covered)) * when
    return math.ceil(value), slack
