"""The engine computes in one canonical order, so the order of a contract's lists never moves a cent.

Every split by the largest-remainder method gives a left-over cent to the part with the largest
remainder; between equal remainders someone must come first. If that were "whoever is listed
first", listing two equal subordinated lenders, two payers with equal shares or two providers in
another order would move a cent between them (found by the property
``sibkit.testing.properties.order_independent``). So before computing, ``run_batch`` puts every
list whose order carries no meaning into a canonical order — by id, or by content for items without
an id — computes, and hands the results back in the contract's own order:

* payers and their contributors, providers, tranches, investors, intermediaries, evaluators,
  segments, metrics and rules: by id;
* a provider's segment mix, a tariff's components, a rate card's entries, a rule's providers and
  payer shares, a metric's prerequisites: by the id they name;
* the tranches of a pro-rata waterfall step and the shares of a residual step: by id;
* caps and savings: by their content (level, target, amount, …).

Waterfall steps, guarantees, fees and scenarios keep their order: it means something (the priority of
payments, which guarantee pays first, which fee is paid first in a sequential step, the default
scenario). A tie between equal remainders thus goes to the id that sorts first (Python's string order).
"""

from __future__ import annotations

import weakref
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch
from sibkit.model import CohortThreshold, Contract, ResidualStep

__all__ = ["Order", "canonical", "to_canonical", "to_contract_order"]

I64 = npt.NDArray[np.int64]
A = TypeVar("A", npt.NDArray[np.int64], npt.NDArray[np.float64])


@attrs.frozen(kw_only=True, eq=False)
class Order:
    """For each axis, ``perm[c]`` is the contract's index of the item at canonical position ``c``."""

    providers: I64
    payers: I64
    tranches: I64
    segments: I64
    metrics: I64
    lines: tuple[tuple[str, str, str, str], ...]
    """The contract's payment lines as ``Line.key`` (rule, metric, provider, segment or ""), in the order
    the schedule builds them for the contract as written."""

    @property
    def identity(self) -> bool:
        """Whether the contract is already in canonical order (nothing to permute)."""
        return all(
            np.array_equal(p, np.arange(p.size))
            for p in (self.providers, self.payers, self.tranches, self.segments, self.metrics)
        )


def _by(items: tuple[Any, ...], key: Any) -> tuple[tuple[Any, ...], I64]:
    order = sorted(range(len(items)), key=lambda k: key(items[k]))
    return tuple(items[k] for k in order), np.asarray(order, dtype=np.int64)


def _sorted_rule(rule: Any) -> Any:
    changes: dict[str, Any] = {}
    if hasattr(rule, "components"):
        changes["components"] = tuple(sorted(rule.components, key=lambda c: c.metric))
    if hasattr(rule, "entries"):
        changes["entries"] = tuple(sorted(rule.entries, key=lambda e: e.metric))
    if rule.providers:
        changes["providers"] = tuple(sorted(rule.providers))
    if rule.paid_by:
        changes["paid_by"] = tuple(sorted(rule.paid_by, key=lambda s: s.payer))
    return attrs.evolve(rule, **changes)


def _sorted_step(step: Any) -> Any:
    if isinstance(step, ResidualStep):
        return attrs.evolve(step, shares=tuple(sorted(step.shares, key=lambda s: s.party)))
    if getattr(step, "mode", None) == "pro_rata":
        field = "tranches" if hasattr(step, "tranches") else "fees"
        return attrs.evolve(step, **{field: tuple(sorted(getattr(step, field)))})
    return step


def _lines(contract: Contract) -> tuple[tuple[str, str, str, str], ...]:
    """The schedule's payment lines as ``Line.key``, in the order ``schedule`` builds them (rules, then
    each rule's metrics, then its providers, then, where a segment cap splits them, its segments)."""
    split = [s.id for s in contract.segments] if contract.lines_by_segment else [""]
    return tuple(
        (rule.id, metric, provider, segment)
        for rule in contract.rules
        for metric in rule.metrics()
        for provider in contract.rule_providers(rule)
        for segment in ([""] if isinstance(rule, CohortThreshold) else split)
    )


_RECENT: list[tuple[Contract, tuple[Contract, Order]]] = []
"""The last few contracts put in canonical order and their answers, matched by identity: a Monte Carlo
worker runs the same contract object once per chunk, and building the canonical copy (every item
``attrs.evolve``d, so validated again) took about 6% of a simulation of the pilot."""

_RECENT_SIZE = 4


_OWN: dict[int, tuple[weakref.ref[Contract], Order]] = {}
"""The canonical copies ``canonical`` made and still alive, by ``id``, with their order (nothing to permute): a
copy asked for again is already canonical and is returned as it is. A fund's simulation runs a hundred
contracts' canonical copies in turn, more than ``_RECENT`` holds; copying each again cost a tenth of its time."""


def canonical(contract: Contract) -> tuple[Contract, Order]:
    """``contract`` with its order-free lists in canonical order, and the order to map results back.

    Contracts are frozen, so the answer for the same object is kept and reused (by identity, not by
    equality: comparing two contracts field by field would cost as much as building the copy). A
    canonical copy made here is its own canonical form."""
    own = _OWN.get(id(contract))
    if own is not None and own[0]() is contract:
        return contract, own[1]
    for seen, answer in _RECENT:
        if seen is contract:
            return answer
    answer = _canonical(contract)
    _RECENT.insert(0, (contract, answer))
    del _RECENT[_RECENT_SIZE:]
    canon = answer[0]
    key = id(canon)
    _OWN[key] = (weakref.ref(canon, lambda _: _OWN.pop(key, None)), _unmoved(canon))
    return answer


def _unmoved(canon: Contract) -> Order:
    """The order of a contract already in canonical order: every axis as it is."""

    def same(items: tuple[Any, ...]) -> I64:
        return np.arange(len(items), dtype=np.int64)

    return Order(
        providers=same(canon.providers),
        payers=same(canon.payers),
        tranches=same(canon.tranches),
        segments=same(canon.segments) if canon.segments else np.zeros(1, dtype=np.int64),  # the one pseudo-segment
        metrics=same(canon.metrics),
        lines=_lines(canon),
    )


def _canonical(contract: Contract) -> tuple[Contract, Order]:
    payers, payer_perm = _by(contract.payers, lambda p: p.id)
    payers = tuple(attrs.evolve(p, contributors=tuple(sorted(p.contributors, key=lambda c: c.id))) for p in payers)
    providers, provider_perm = _by(contract.providers, lambda p: p.id)
    providers = tuple(
        attrs.evolve(p, segment_mix=tuple(sorted(p.segment_mix, key=lambda m: m.segment))) for p in providers
    )
    tranches, tranche_perm = _by(contract.tranches, lambda t: t.id)
    segments, segment_perm = _by(contract.segments, lambda s: s.id)
    metrics, metric_perm = _by(contract.metrics, lambda m: m.id)
    metrics = tuple(attrs.evolve(m, requires=tuple(sorted(m.requires))) for m in metrics)
    rules = tuple(_sorted_rule(r) for r in sorted(contract.rules, key=lambda r: r.id))
    canon = attrs.evolve(
        contract,
        payers=payers,
        providers=providers,
        tranches=tranches,
        segments=segments,
        metrics=metrics,
        rules=rules,
        investors=tuple(sorted(contract.investors, key=lambda x: x.id)),
        intermediaries=tuple(sorted(contract.intermediaries, key=lambda x: x.id)),
        evaluators=tuple(sorted(contract.evaluators, key=lambda x: x.id)),
        caps=tuple(
            sorted(
                contract.caps,
                key=lambda c: (
                    c.level,
                    c.target or "",
                    sorted(c.metrics),
                    -1 if c.amount is None else c.amount,
                    c.participants or 0,
                    c.includes_vat,
                ),
            )
        ),
        savings=tuple(
            sorted(
                contract.savings,
                key=lambda s: (s.metric, s.budget, s.amount_per_unit, s.cashable, s.description),
            )
        ),
        waterfall=tuple(_sorted_step(s) for s in contract.waterfall),
    )
    if not contract.segments:
        segment_perm = np.zeros(1, dtype=np.int64)  # the one pseudo-segment
    order = Order(
        providers=provider_perm,
        payers=payer_perm,
        tranches=tranche_perm,
        segments=segment_perm,
        metrics=metric_perm,
        lines=_lines(contract),
    )
    return canon, order


def to_canonical(batch: Batch, order: Order) -> Batch:
    """``batch`` (axes in the contract's order) with its provider, segment and metric axes in canonical order.

    Only the axes whose order changes are taken (one copy per array and axis), so a contract listed in id
    order costs nothing and one listed otherwise costs a copy of the scenario arrays."""
    if order.identity:
        return batch  # nothing to move: no copy of the (possibly large) scenario arrays

    def moved(value: A, axes: dict[int, I64]) -> A:
        for axis, perm in axes.items():
            if not np.array_equal(perm, np.arange(perm.size)):
                value = np.take(value, perm, axis=axis)
        return value

    p, s, m = order.providers, order.segments, order.metrics
    same = batch.units is batch.achieved
    achieved = moved(batch.achieved, {2: p, 3: s, 4: m})
    return Batch(
        enrolled=moved(batch.enrolled, {2: p, 3: s}),
        achieved=achieved,
        units=achieved if same else moved(batch.units, {2: p, 3: s, 4: m}),
        offset=moved(batch.offset, {0: p, 1: s, 2: m}),
        improvement=moved(batch.improvement, {1: p, 2: m}),
    )


def inverse(perm: I64) -> I64:
    """The permutation that undoes ``perm``: ``inverse(perm)[perm[c]] == c``."""
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size, dtype=np.int64)
    return inv


def to_contract_order(value: I64, axis: int, perm: I64) -> I64:
    """``value`` computed in canonical order along ``axis``, put back in the contract's order (``value``
    itself when ``perm`` is already the identity)."""
    if np.array_equal(perm, np.arange(perm.size)):
        return value
    return np.take(value, inverse(perm), axis=axis)
