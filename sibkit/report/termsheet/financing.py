"""The financing: tranches, guarantees, the priority of payments, and the costs and fees."""

from __future__ import annotations

from typing import Any

from sibkit.model import (
    Fee,
    FeesStep,
    Grant,
    InterestStep,
    Loan,
    PrincipalStep,
    ResidualStep,
    Tranche,
)
from sibkit.model.waterfall import WaterfallStep
from sibkit.report.termsheet.vocabulary import INSTRUMENT, MODE, NOT_DEFINED
from sibkit.report.termsheet.writer import Writer, join, squash
from sibkit.report.words import GUARANTEE_KIND, word


def _return_cap(w: Writer, t: Tranche) -> str:
    if isinstance(t, Grant):
        return w._("never repaid")
    cap = t.return_cap
    if cap is None:
        return w._("no cap")
    parts = []
    if cap.irr is not None:
        parts.append(w._("IRR %(rate)s a year", rate=w.lang.percent(cap.irr)))
    if cap.multiple is not None:
        parts.append(w._("multiple %(multiple)s×", multiple=w.lang.decimal(cap.multiple)))
    if len(parts) == 2:
        return w._("%(first)s or %(second)s, whichever is lower", first=parts[0], second=parts[1])
    return parts[0]


def _drawdown(w: Writer, t: Tranche) -> str:
    d = t.drawdown
    if d.kind == "upfront":
        return w._("all at once in %(month)s", month=w.month(d.start_month))
    if d.kind == "as_needed":
        return w._("as costs fall due, from %(month)s", month=w.month(d.start_month))
    return w._(
        "by schedule from %(month)s: %(amounts)s",
        month=w.month(d.start_month),
        amounts=join([w.money(a) for a in d.amounts]),
    )


def _step(w: Writer, step: WaterfallStep) -> str:
    if isinstance(step, FeesStep):
        return w._("Fees: %(fees)s, %(mode)s.", fees=join(list(step.fees)), mode=word(w.lang, MODE, step.mode))
    if isinstance(step, ResidualStep):
        return w._("Everything left: %(shares)s.", shares=residual(w, step))
    names = join([w.tranche(t) for t in step.tranches])
    mode = word(w.lang, MODE, step.mode)
    if isinstance(step, InterestStep):
        return w._("Interest due on %(tranches)s, %(mode)s.", tranches=names, mode=mode)
    if isinstance(step, PrincipalStep):
        return w._("Principal of %(tranches)s, %(mode)s.", tranches=names, mode=mode)
    return w._("A return up to the cap of %(tranches)s, %(mode)s.", tranches=names, mode=mode)


def residual(w: Writer, step: ResidualStep) -> str:
    """What is left after the steps before it, in words: each share and who gets it."""
    shares = [
        w._("%(share)s to %(party)s", share=w.lang.percent(s.share), party=party_or_tranche(w, s.party))
        for s in step.shares
    ]
    return join(shares)


def party_or_tranche(w: Writer, party: str) -> str:
    """A party by name, or a tranche with its investor (a residual share can go to either)."""
    if any(t.id == party for t in w.c.tranches):
        return w._("tranche %(tranche)s", tranche=w.tranche(party))
    return w.name(party)


def financing(w: Writer) -> dict[str, Any]:
    """The financing section: the tranches by seniority, guarantees and the priority of payments."""
    c = w.c
    rows = []
    notes = []
    for t in sorted(c.tranches, key=lambda t: t.seniority):
        rows.append(
            [
                t.id,
                word(w.lang, INSTRUMENT, type(t).__name__),
                w.name(t.investor),
                w.money(t.commitment),
                w.lang.integer(t.seniority),
                w.lang.percent(t.coupon) if isinstance(t, Loan) else NOT_DEFINED,
                _return_cap(w, t),
                _drawdown(w, t),
            ]
        )
        if t.metrics:
            notes.append(
                w._(
                    "Tranche %(tranche)s is repaid only from payments for %(metrics)s.",
                    tranche=t.id,
                    metrics=join([w.metric(m) for m in t.metrics]),
                )
            )
    guarantees = [
        [
            g.id,
            word(w.lang, GUARANTEE_KIND, g.kind),
            w.name(g.guarantor),
            join([w.tranche(x) for x in g.covers]),
            w.money(g.amount),
            w.lang.percent(g.coverage),
        ]
        for g in c.guarantees
    ]
    if c.tranches:
        total = w._("Total committed capital: %(amount)s.", amount=w.money(sum(t.commitment for t in c.tranches)))
    else:
        total = w._(
            "The contract has no investors: the providers pre-finance their own work and are paid from outcome "
            "payments once results are verified."
        )
    return {
        "total": total,
        "tranches": rows,
        "tranche_notes": notes,
        "guarantees": guarantees,
        "guarantees_missing": "" if guarantees else w._("The contract has no guarantees or first-loss pieces."),
        "waterfall": [_step(w, s) for s in c.waterfall],
        "waterfall_missing": ""
        if c.waterfall
        else w._("The contract sets no priority of payments: outcome payments go straight to the providers."),
    }


def _fee_amount(w: Writer, fee: Fee) -> str:
    if fee.basis == "fixed":
        return w._("%(amount)s once, in %(month)s", amount=w.money(fee.amount), month=w.month(fee.month))
    if fee.basis == "monthly":
        return w._("%(amount)s a month over the service term", amount=w.money(fee.amount))
    if fee.basis == "percent_of_capital":
        return w._(
            "%(rate)s of the committed capital, due in %(month)s",
            rate=w.lang.percent(fee.rate),
            month=w.month(fee.month),
        )
    return w._("%(rate)s of the outcome payments, as they arrive", rate=w.lang.percent(fee.rate))


def fees(w: Writer) -> dict[str, Any]:
    """The costs and fees section: who is paid what, from which money, and whether it is at risk."""
    rows = []
    for fee in w.c.fees:
        if fee.paid_from == "capital":
            source = w._("investors' capital")
        elif fee.paid_from == "outcome_payments":
            source = w._("outcome payments, through the priority of payments")
        else:
            source = w._("directly by %(payer)s", payer=w.name(fee.payer or ""))
        rows.append(
            [
                fee.id,
                w.name(fee.payee),
                _fee_amount(w, fee),
                source,
                w._("at risk") if fee.paid_from == "outcome_payments" else w._("fixed"),
                squash(w.text(fee.description)) or NOT_DEFINED,
            ]
        )
    return {
        "rows": rows,
        "missing": "" if rows else w._("The contract sets no fees (intermediary, evaluation, legal or other)."),
    }
