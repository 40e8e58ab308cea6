"""The maximum potential outcome payment: what the payers could have to pay at most.

Computed from the contract alone, at the planned enrolment, with every
participant achieving every outcome, then limited by the caps. A rule with no
natural maximum (a repeatable outcome without a per-person limit, a share of
savings, a cohort rule without ``max_payment``) makes the total unbounded
unless a cap limits it; ``None`` stands for unbounded.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.model.contract import Contract
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import allocate, round_half_up

__all__ = ["MaximumPayment", "maximum_payment"]


@attrs.frozen(kw_only=True)
class MaximumPayment:
    """Maximum potential outcome payments in cents (``None``: no limit)."""

    by_rule: dict[str, int | None]
    """Per rule, before the payer, provider and contract caps."""
    by_provider: dict[str, int | None]
    """Per provider, after provider caps."""
    by_payer: dict[str, int | None]
    """Per payer, after payer caps."""
    total: int | None
    """All outcome payments, after every cap."""


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _segment_counts(contract: Contract, provider_id: str, participants: int) -> dict[str | None, int]:
    prov = contract.provider(provider_id)
    if not prov.segment_mix:
        return {None: participants}
    parts = allocate(participants, [m.share for m in prov.segment_mix])
    return {m.segment: n for m, n in zip(prov.segment_mix, parts, strict=True)}


def _per_person_by_metric(rule: PaymentRule, segment: str | None) -> dict[str, int | None]:
    """Most one participant can earn under ``rule``, per metric (``None``: no limit)."""
    if isinstance(rule, Tariff):
        price = rule.segment_prices.get(segment, rule.price_per_participant) if segment else rule.price_per_participant
        return {c.metric: _times(price, c.weight) for c in rule.components}
    if isinstance(rule, RateCard):
        out: dict[str, int | None] = {}
        for e in rule.entries:
            price = e.segment_prices.get(segment, e.price) if segment else e.price
            if e.repeatable:
                amount = None if e.max_per_participant is None else price * e.max_per_participant
            else:
                amount = price
            out[e.metric] = _add(out.get(e.metric, 0), amount)
        return out
    if isinstance(rule, PerTime) and rule.max_units_per_participant is not None:
        return {rule.metric: rule.price_per_unit * rule.max_units_per_participant}
    return dict.fromkeys(rule.metrics())


def _times(price: int, weight: Decimal) -> int:
    """``price × weight`` rounded half up to the cent (the engine's rule for a tariff component)."""
    num, den = weight.as_integer_ratio()
    return round_half_up(price * num, den)


def maximum_payment(contract: Contract) -> MaximumPayment:
    """The maximum potential outcome payment of ``contract`` at its planned enrolment."""
    participant_cap = min((c.amount for c in contract.caps if c.level == "participant"), default=None)
    metric_caps = {c.target: c.amount for c in contract.caps if c.level == "metric"}
    by_rule: dict[str, int | None] = {}
    by_provider: dict[str, int | None] = {p.id: 0 for p in contract.providers}
    by_payer: dict[str, int | None] = {p.id: 0 for p in contract.payers}
    for rule in contract.rules:
        by_metric: dict[str, int | None] = dict.fromkeys(rule.metrics(), 0)
        for prov_id in contract.rule_providers(rule):
            participants = contract.provider(prov_id).enrolment.participants
            prov_amount: int | None = 0
            if isinstance(rule, CohortThreshold):
                by_metric[rule.metric] = _add(by_metric[rule.metric], rule.max_payment)
                prov_amount = rule.max_payment
            elif isinstance(rule, ShareOfSavings):
                by_metric[rule.metric] = None
                prov_amount = None
            else:
                for segment, n in _segment_counts(contract, prov_id, participants).items():
                    per_metric = _per_person_by_metric(rule, segment)
                    person: int | None = 0
                    for amount in per_metric.values():
                        person = _add(person, amount)
                    person = _min(person, participant_cap)
                    prov_amount = _add(prov_amount, None if person is None else person * n)
                    for metric_id, amount in per_metric.items():
                        each = _min(amount, participant_cap)
                        by_metric[metric_id] = _add(by_metric[metric_id], None if each is None else each * n)
            by_provider[prov_id] = _add(by_provider[prov_id], prov_amount)
        rule_total: int | None = 0
        for metric_id, amount in by_metric.items():
            rule_total = _add(rule_total, _min(amount, metric_caps.get(metric_id)))
        if isinstance(rule, CohortThreshold):
            rule_total = _min(rule_total, rule.max_payment)
        by_rule[rule.id] = rule_total
        for payer_id, share in contract.rule_payers(rule):
            by_payer[payer_id] = _add(by_payer[payer_id], None if rule_total is None else _times(rule_total, share))
    for cap in contract.caps:
        if cap.level == "provider" and cap.target in by_provider:
            by_provider[cap.target] = _min(by_provider[cap.target], cap.amount)
        if cap.level == "payer" and cap.target in by_payer:
            by_payer[cap.target] = _min(by_payer[cap.target], cap.amount)
    payer_total: int | None = 0
    for value in by_payer.values():
        payer_total = _add(payer_total, value)
    provider_total: int | None = 0
    for value in by_provider.values():
        provider_total = _add(provider_total, value)
    total = _min(payer_total, provider_total)
    for cap in contract.caps:
        if cap.level == "contract":
            total = _min(total, cap.amount)
    return MaximumPayment(by_rule=by_rule, by_provider=by_provider, by_payer=by_payer, total=total)
