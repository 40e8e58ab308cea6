"""The opening sections: header, parties, purpose, target population and timeline."""

from __future__ import annotations

from typing import Any

from sibkit.report.termsheet.vocabulary import (
    BINDING,
    CONFIGURATION,
    EVALUATOR_ROLE,
    FREQUENCY,
    PAYER_KIND,
    STATUS,
)
from sibkit.report.termsheet.writer import Writer, join, squash
from sibkit.report.words import INVESTOR_KIND, word


def header(w: Writer) -> dict[str, Any]:
    """The header: name, status and what it binds, version, date, governing law, description."""
    c = w.c
    return {
        "name": w.text(c.name),
        "status": word(w.lang, STATUS, c.status),
        "binding": w.lang.translate(BINDING[c.status]) if c.status in BINDING else "",
        "version": w.text(c.version),
        "date": w.lang.date(w.today),
        "governing_law": w.text(c.governing_law) or w._("The contract names no governing law."),
        "currency": c.currency,
        "description": w.paragraphs(c.description),
    }


def parties(w: Writer) -> dict[str, Any]:
    """The parties section: one row per party with its role and key facts, and the configuration."""
    c = w.c
    rows: list[list[str]] = []
    for payer in c.payers:
        details = [word(w.lang, PAYER_KIND, payer.kind)]
        if payer.share is not None and len(c.payers) > 1:
            details.append(w._("pays %(share)s of outcome payments", share=w.lang.percent(payer.share)))
        if payer.budget is not None:
            details.append(w._("budget %(amount)s", amount=w.money(payer.budget)))
        if payer.borrowing_rate is not None:
            details.append(w._("borrows at %(rate)s a year", rate=w.lang.percent(payer.borrowing_rate)))
        rows.append([w._("Outcome payer"), w.text(payer.name), join(details)])
        for k in payer.contributors:
            rows.append(
                [
                    w._("Contributor to %(fund)s", fund=payer.name),
                    w.text(k.name),
                    join(
                        [
                            word(w.lang, PAYER_KIND, k.kind),
                            w._("commits %(amount)s", amount=w.money(k.commitment)),
                        ]
                    ),
                ]
            )
    for prov in c.providers:
        details = [
            w.lang.ngettext("%(num)d participant planned", "%(num)d participants planned", prov.enrolment.participants),
            w._("capacity %(capacity)s", capacity=w.lang.integer(prov.capacity)),
        ]
        text = join(details)
        if prov.description:
            text = w._("%(facts)s. %(description)s", facts=text, description=squash(w.text(prov.description)))
        rows.append([w._("Provider"), w.text(prov.name), text])
    for inv in c.investors:
        rows.append([w._("Investor"), w.text(inv.name), word(w.lang, INVESTOR_KIND, inv.kind)])
    for im in c.intermediaries:
        rows.append([w._("Intermediary"), w.text(im.name), w.text(im.role)])
    for ev in c.evaluators:
        role = word(w.lang, EVALUATOR_ROLE, ev.role)
        independence = w._("independent") if ev.independent else w._("not independent")
        rows.append([w._("Evaluator"), w.text(ev.name), join([role, independence])])
    missing = []
    if not c.investors:
        missing.append(w._("The contract names no investor."))
    if not c.intermediaries:
        missing.append(w._("The contract names no intermediary."))
    if not c.evaluators:
        missing.append(w._("The contract names no evaluator or validator."))
    if c.tranches:
        config = "intermediated" if c.intermediaries else "direct_investors"
    else:
        config = "fund" if any(p.contributors for p in c.payers) else "direct"
    return {"rows": rows, "missing": missing, "configuration": w.lang.translate(CONFIGURATION[config])}


def purpose(w: Writer) -> dict[str, Any]:
    """The purpose section: the contract's own words, in paragraphs."""
    return {
        "paragraphs": w.paragraphs(w.c.purpose),
        "missing": "" if w.c.purpose.strip() else w._("The contract states no purpose."),
    }


def population(w: Writer) -> dict[str, Any]:
    """The target population: description, eligibility, referrals, enrolment and segments."""
    pop = w.c.population
    fields: list[list[str]] = []
    fields.append(
        [w._("Referred by"), w.text(pop.referred_by) or w._("The contract does not say who refers participants.")]
    )
    if pop.minimum_participants is None and pop.maximum_participants is None:
        volumes = w._("The contract sets no minimum or maximum number of referrals.")
    else:
        parts = []
        if pop.minimum_participants is not None:
            parts.append(w._("at least %(num)s", num=w.lang.integer(pop.minimum_participants)))
        if pop.maximum_participants is not None:
            parts.append(w._("at most %(num)s", num=w.lang.integer(pop.maximum_participants)))
        volumes = w._("%(limits)s participants", limits=w._(" and ").join(parts))
    fields.append([w._("Referral volumes"), volumes])
    enrolment = []
    for prov in w.c.providers:
        plan = prov.enrolment.per_month()
        active = [i for i, n in enumerate(plan) if n]
        if active:
            enrolment.append(
                w.lang.ngettext(
                    "%(provider)s: %(num)d participant, starting from %(first)s to %(last)s",
                    "%(provider)s: %(num)d participants, starting from %(first)s to %(last)s",
                    prov.enrolment.participants,
                    provider=w.text(prov.name),
                    first=w.month(active[0]),
                    last=w.month(active[-1]),
                )
            )
        else:
            enrolment.append(w._("%(provider)s: no participants planned", provider=prov.name))
    segments = [
        w._("%(segment)s: %(description)s", segment=s.name, description=squash(w.text(s.description)))
        if s.description
        else w.text(s.name)
        for s in w.c.segments
    ]
    return {
        "description": w.paragraphs(pop.description) or [w._("The contract does not describe the target population.")],
        "eligibility": [squash(w.text(e)) for e in pop.eligibility],
        "eligibility_missing": "" if pop.eligibility else w._("The contract states no eligibility criteria."),
        "fields": fields,
        "enrolment": enrolment,
        "segments": segments,
        "segments_missing": "" if segments else w._("The contract defines no difficulty segments."),
    }


def timeline(w: Writer) -> dict[str, Any]:
    """The timeline: signing, start, enrolment, delivery, term and payment frequency."""
    tl = w.c.timeline
    fields = [
        [
            w._("Signing"),
            w.lang.date(tl.signing) if tl.signing else w._("The contract states no signing date."),
        ],
        [w._("Service start"), w.lang.date(tl.start)],
        [
            w._("Enrolment"),
            w._(
                "%(months)s, from %(first)s to %(last)s",
                months=w.months(tl.enrolment_months),
                first=w.month(0),
                last=w.month(tl.enrolment_months - 1),
            ),
        ],
        [
            w._("Service delivery"),
            w._(
                "%(months)s, to the end of %(last)s",
                months=w.months(tl.service_months),
                last=w.month(tl.service_months - 1),
            ),
        ],
        [
            w._("Contract term"),
            w._(
                "%(months)s, to the end of %(last)s; results verified later are not paid",
                months=w.months(tl.term_months),
                last=w.month(tl.term_months - 1),
            ),
        ],
        [
            w._("Payments"),
            w._(
                "verified outcomes are invoiced and paid %(frequency)s",
                frequency=word(w.lang, FREQUENCY, tl.payment_frequency),
            ),
        ],
    ]
    return {"fields": fields}
