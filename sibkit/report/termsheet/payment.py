"""The payment mechanism: each rule in words and figures, the caps, VAT and the maximum payment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from babel.lists import format_list

from sibkit.model import (
    Cap,
    CohortThreshold,
    PaymentRule,
    PerTime,
    RateCard,
    ShareOfSavings,
    Tariff,
)
from sibkit.report.termsheet.vocabulary import FREQUENCY, NOT_DEFINED
from sibkit.report.termsheet.writer import Writer, join
from sibkit.report.words import UNIT, word


class _Described(NamedTuple):
    """A rule in words: its kind, its sentences, its table (``headers`` names the template's column set)
    and further details (segment prices, limits)."""

    kind: str
    sentences: list[str]
    table: dict[str, Any] | None = None
    details: Sequence[str] = ()


def _tariff(w: Writer, rule: Tariff) -> _Described:
    sentence = w._(
        "%(price)s per participant at full result, split into the components below. Each component "
        "is paid once per participant who achieves it, independently of the others.",
        price=w.money(rule.price_per_participant),
    )
    rows = [
        [w.metric(comp.metric), w.lang.percent(comp.weight), w.money(rule.unit_price(comp.metric))]
        for comp in rule.components
    ]
    details = [
        w._(
            "In segment %(segment)s the price is %(price)s per participant.",
            segment=_segment(w, seg),
            price=w.money(price),
        )
        for seg, price in rule.segment_prices.items()
    ]
    return _Described(w._("weighted tariff"), [sentence], {"headers": "tariff", "rows": rows}, details)


def _rate_card(w: Writer, rule: RateCard) -> _Described:
    rows = []
    for e in rule.entries:
        if not e.repeatable:
            how = w._("once per participant")
        elif e.max_per_participant is None:
            how = w._("per unit, without a limit per participant")
        else:
            how = w._("per unit, at most %(num)s per participant", num=w.lang.integer(e.max_per_participant))
        segs = join(
            [
                w._("%(segment)s: %(price)s", segment=_segment(w, s), price=w.money(p))
                for s, p in e.segment_prices.items()
            ]
        )
        rows.append([w.metric(e.metric), w.money(e.price), how, segs or NOT_DEFINED])
    sentences = [w._("A price per outcome achieved, line by line:")]
    return _Described(w._("rate card"), sentences, {"headers": "rate_card", "rows": rows})


def _cohort_details(w: Writer, rule: CohortThreshold) -> list[str]:
    details = []
    if rule.pooled_threshold is not None and rule.pooled_price_per_unit is not None:
        details.append(
            w._(
                "A cohort that misses its own tiers is paid %(price)s per unit at the end of the term if all "
                "cohorts together improve by at least %(threshold)s.",
                price=w.money(rule.pooled_price_per_unit),
                threshold=w.lang.percent(rule.pooled_threshold),
            )
        )
    cancelled = rule.cancelled_cohorts
    if cancelled:
        details.append(
            w.lang.ngettext(
                "Cohort %(cohorts)s (counting from 0 in enrolment order) is not paid for.",
                "Cohorts %(cohorts)s (counting from 0 in enrolment order) are not paid for.",
                len(cancelled),
                cohorts=join([str(n) for n in cancelled]),
            )
        )
    if rule.max_payment is not None:
        details.append(w._("At most %(amount)s for this rule over the contract.", amount=w.money(rule.max_payment)))
    return details


def _cohort(w: Writer, rule: CohortThreshold) -> _Described:
    sentence = w._(
        "Pays for the improvement in %(metric)s of each cohort (the participants who enrol in the same "
        "%(months)s) against the counterfactual. Below an improvement of %(first)s nothing is paid; the "
        "highest tier a cohort reaches applies to all its units of improvement.",
        metric=w.c.metric(rule.metric).name,
        months=w.months(rule.cohort_months),
        first=w.lang.percent(rule.tiers[0].from_improvement),
    )
    rows = [[w.lang.percent(t.from_improvement), w.money(t.amount), w.money(t.price_per_unit)] for t in rule.tiers]
    table = {"headers": "tiers", "rows": rows}
    return _Described(w._("cohort improvement with a threshold"), [sentence], table, _cohort_details(w, rule))


def _per_time(w: Writer, rule: PerTime) -> _Described:
    metric = w.c.metric(rule.metric)
    if rule.max_units_per_participant is None:
        limit = w._("without a limit per participant")
    else:
        limit = w._("at most %(num)s per participant", num=w.lang.integer(rule.max_units_per_participant))
    sentence = w._(
        "%(price)s per %(unit)s a participant spends in the state %(metric)s, %(limit)s.",
        price=w.money(rule.price_per_unit),
        unit=word(w.lang, UNIT, metric.unit),
        metric=metric.name,
        limit=limit,
    )
    return _Described(w._("payment per unit of time"), [sentence])


def _savings(w: Writer, rule: ShareOfSavings) -> _Described:
    metric = w.c.metric(rule.metric)
    saving = next(s for s in w.c.savings if s.metric == rule.metric)
    until = (
        w._(
            "until every repayable tranche is repaid its principal and interest, then %(after)s",
            after=w.lang.percent(rule.share_after),
        )
        if w.c.tranches
        else w._("for the whole term")
    )
    sentence = w._(
        "Pays %(share)s of the savings of %(metric)s (%(amount)s per %(unit)s, %(cashable)s), %(until)s.",
        share=w.lang.percent(rule.share),
        metric=metric.name,
        amount=w.money(saving.amount_per_unit),
        unit=word(w.lang, UNIT, metric.unit),
        cashable=w._("cashable") if saving.cashable else w._("not cashable"),
        until=until,
    )
    return _Described(w._("share of savings"), [sentence])


def _described(w: Writer, rule: PaymentRule) -> _Described:
    if isinstance(rule, Tariff):
        return _tariff(w, rule)
    if isinstance(rule, RateCard):
        return _rate_card(w, rule)
    if isinstance(rule, CohortThreshold):
        return _cohort(w, rule)
    if isinstance(rule, PerTime):
        return _per_time(w, rule)
    return _savings(w, rule)


def rule_view(w: Writer, rule: PaymentRule) -> dict[str, Any]:
    """One payment rule: a title naming its kind, sentences, a table of prices or tiers (or ``None``) and
    details ending with whose participants it applies to and who pays it in what shares."""
    described = _described(w, rule)
    providers = (
        w._("Applies to the participants of every provider.")
        if not rule.providers
        else w._("Applies to the participants of %(providers)s.", providers=join([w.name(p) for p in rule.providers]))
    )
    shares = [w._("%(payer)s (%(share)s)", payer=w.name(p), share=w.lang.percent(s)) for p, s in w.c.rule_payers(rule)]
    payers = w._("Paid by %(payers)s.", payers=join(shares))
    return {
        "title": w._("Rule %(rule)s: %(kind)s", rule=rule.id, kind=described.kind),
        "sentences": described.sentences,
        "table": described.table,
        "details": [*described.details, providers, payers],
    }


def _segment(w: Writer, segment_id: str) -> str:
    return w.text(next((s.name for s in w.c.segments if s.id == segment_id), segment_id))


def _cap(w: Writer, cap: Cap) -> str:
    target = cap.target or ""
    if cap.amount is None:  # a segment cap counting participants
        return w._(
            "For each outcome, at most %(count)s participants of segment %(segment)s, over all providers, are "
            "paid the segment's price; the others are paid the ordinary price.",
            count=w.lang.integer(cap.participants or 0),
            segment=_segment(w, target),
        )
    amount = w.money(cap.amount)
    if cap.level == "participant":
        text = w._("At most %(amount)s per participant, over all outcomes.", amount=amount)
    elif cap.level == "segment":
        text = w._(
            "At most %(amount)s in all for the participants of segment %(segment)s, over all providers.",
            amount=amount,
            segment=_segment(w, target),
        )
    elif cap.level == "metric" and cap.metrics:
        text = w._(
            "At most %(amount)s in all for %(metrics)s together.",
            amount=amount,
            metrics=format_list([w.metric(m) for m in cap.metrics], locale=w.lang.locale),
        )
    elif cap.level == "metric":
        text = w._("At most %(amount)s in all for %(metric)s.", amount=amount, metric=w.metric(target))
    elif cap.level == "provider":
        text = w._(
            "At most %(amount)s in all for the participants of %(provider)s.",
            amount=amount,
            provider=w.name(target),
        )
    elif cap.level == "payer":
        text = w._("At most %(amount)s in all paid by %(payer)s.", amount=amount, payer=w.name(target))
    else:
        text = w._("At most %(amount)s for all outcome payments together (the contract cap).", amount=amount)
    if cap.includes_vat:
        text = w._("%(cap)s The amount includes VAT.", cap=text)
    return text


def payment(w: Writer) -> dict[str, Any]:
    """The payment mechanism: each rule, the caps, VAT, payment frequency and the maximum payment."""
    c = w.c
    mx = w.computed.maximum
    unbounded = w._("no limit: a rule without a natural maximum is not capped")
    maximum = [[w.name(p), w.lang.money_or(v, c.currency, unbounded)] for p, v in mx.by_payer.items()]
    maximum.append([w._("All payers together"), w.lang.money_or(mx.total, c.currency, unbounded)])
    vat = (
        w._(
            "Outcome payments carry VAT at %(rate)s on top of the price; the payers pay it and it goes to the "
            "tax authority, not to the providers.",
            rate=w.lang.percent(c.vat_rate),
        )
        if c.vat_rate
        else w._("The contract charges no VAT on outcome payments.")
    )
    return {
        "rules": [rule_view(w, r) for r in c.rules],
        "caps": [_cap(w, cap) for cap in c.caps],
        "caps_missing": "" if c.caps else w._("The contract sets no caps on outcome payments."),
        "caps_note": w._(
            "Once a cap is reached, the payments it covers are cut to what remains; cut amounts are not paid later."
        )
        if c.caps
        else "",
        "vat": vat,
        "frequency": w._(
            "Verified outcomes are invoiced and paid %(frequency)s.",
            frequency=word(w.lang, FREQUENCY, c.timeline.payment_frequency),
        ),
        "maximum": maximum,
    }
