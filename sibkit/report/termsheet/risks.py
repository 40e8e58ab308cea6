"""The checks' findings and who bears which risk."""

from __future__ import annotations

from typing import Any

from sibkit.model import (
    DeferredFee,
    Grant,
    Guarantee,
    PrincipalStep,
    Provider,
    RecoverableGrant,
    ResidualStep,
    Tranche,
)
from sibkit.report.termsheet.financing import residual
from sibkit.report.termsheet.vocabulary import SEVERITY
from sibkit.report.termsheet.writer import Writer, join
from sibkit.report.words import GUARANTEE_KIND, word


def findings(w: Writer) -> dict[str, Any]:
    """The checks' findings, most severe first, in the term sheet's language."""
    items = [
        {
            "title": f.title(w.lang),
            "severity": word(w.lang, SEVERITY, f.severity),
            "code": f.code,
            "explanation": f.explanation(w.lang),
            "mitigation": f.mitigation(w.lang),
            "path": f.path,
        }
        for f in w.computed.findings
    ]
    return {
        "items": items,
        "missing": "" if items else w._("The checks found no perverse incentives."),
        # the body lists the findings; their full text, check codes and places in the file (for the advisor who
        # edits the contract) are in an annex
        "summary": [w._("%(severity)s: %(title)s", severity=i["severity"], title=i["title"]) for i in items],
    }


def _payers(w: Writer) -> str:
    mx = w.computed.maximum
    if mx.total is None:
        return w._(
            "The outcome payers pay only for verified outcomes; the contract sets no overall limit, because a "
            "rule without a natural maximum is not capped."
        )
    return w._(
        "The outcome payers pay only for verified outcomes, at most %(amount)s in all (the maximum "
        "potential outcome payment).",
        amount=w.money(mx.total),
    )


def _provider(w: Writer, prov: Provider) -> str:
    if prov.prefinances_own_costs:
        return w._(
            "%(provider)s pre-finances its costs (%(cost)s per participant and %(fixed)s a month) from a "
            "buffer of %(buffer)s and is paid only for verified results: when outcomes fall short, it "
            "bears the loss.",
            provider=prov.name,
            cost=w.money(prov.cost_per_participant),
            fixed=w.money(prov.fixed_cost_monthly),
            buffer=w.money(prov.buffer),
        )
    return w._(
        "The investors' capital pays the costs of %(provider)s as they fall due: it carries no working-capital risk.",
        provider=prov.name,
    )


def _principal(w: Writer) -> list[str]:
    """Who loses first when outcome payments fall short: the tranches the priority of payments repays last."""
    order: list[list[str]] = []
    seen: set[str] = set()
    for step in w.c.waterfall:
        if isinstance(step, PrincipalStep):
            group = [t for t in step.tranches if t not in seen]
            seen.update(group)
            if group:
                order.append(group)
    if not order:
        return []
    lose_first = [join([w.tranche(t) for t in group]) for group in reversed(order)]
    if len(lose_first) == 1:
        return [
            w._(
                "Outcome payments repay the principal of %(tranches)s; when they fall short, its investors "
                "bear the loss.",
                tranches=lose_first[0],
            )
        ]
    return [
        w._(
            "Outcome payments repay principal in the priority of payments; when they fall short, the "
            "tranches repaid last lose first: %(order)s.",
            order=w._(", then ").join(lose_first),
        )
    ]


def _tranche(w: Writer, t: Tranche) -> list[str]:
    """What a grant, a recoverable grant or a deferred fee gives up; nothing for a loan or equity."""
    if isinstance(t, Grant):
        return [
            w._(
                "The grant %(tranche)s of %(amount)s is never repaid: its funder gives it up in full.",
                tranche=w.tranche(t.id),
                amount=w.money(t.commitment),
            )
        ]
    if isinstance(t, RecoverableGrant):
        return [
            w._(
                "The recoverable grant %(tranche)s is repaid only from upside, without interest.",
                tranche=w.tranche(t.id),
            )
        ]
    if isinstance(t, DeferredFee):
        return [
            w._(
                "%(party)s defers up to %(amount)s of its fees and is paid them only from outcome payments: "
                "it bears that part of the risk.",
                party=w.name(t.investor),
                amount=w.money(t.commitment),
            )
        ]
    return []


def risks(w: Writer) -> list[str]:
    """Who bears which risk, in order: the payers, each provider, the investors by seniority, each grant or
    deferred fee, each guarantee, the upside, and outcomes beyond a cap."""
    c = w.c
    out = [_payers(w)]
    out.extend(_provider(w, prov) for prov in c.providers)
    out.extend(_principal(w))
    for t in c.tranches:
        out.extend(_tranche(w, t))
    out.extend(_guarantee(w, g) for g in c.guarantees)
    out.extend(
        w._("Upside, what is left after the steps before it, goes %(shares)s.", shares=residual(w, step))
        for step in c.waterfall
        if isinstance(step, ResidualStep)
    )
    if c.caps:
        out.append(w._("Outcomes achieved after a cap is reached are not paid: whoever funded their cost bears it."))
    return out


def _guarantee(w: Writer, g: Guarantee) -> str:
    """What a guarantee or first-loss piece covers, and that its guarantor loses before the investors."""
    return w._(
        "%(guarantee)s, a %(kind)s from %(guarantor)s, pays %(coverage)s of the principal shortfall of "
        "%(tranches)s at the end of the term, up to %(amount)s: %(guarantor)s bears that part of the loss "
        "before the investors do.",
        guarantee=g.id,
        kind=word(w.lang, GUARANTEE_KIND, g.kind),
        guarantor=w.name(g.guarantor),
        coverage=w.lang.percent(g.coverage),
        tranches=join([w.tranche(t) for t in g.covers]),
        amount=w.money(g.amount),
    )
