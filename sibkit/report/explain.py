"""``sibkit explain``: the money flow of a contract in plain language, for a non-specialist.

Built from the contract and one engine run of its expected scenario: who pays whom,
when, for what, and who bears which risk. Every figure comes from the engine.
"""

from __future__ import annotations

from sibkit.checks.finding import amount_text
from sibkit.engine.run import default_scenario, run
from sibkit.model import Contract, Grant, Loan
from sibkit.model.common import percent
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff

__all__ = ["explain"]

_FREQ = {
    "en": {"monthly": "every month", "quarterly": "every quarter", "semiannual": "every six months",
           "annual": "once a year", "end": "at the end of the contract"},
    "nl": {"monthly": "elke maand", "quarterly": "elk kwartaal", "semiannual": "elk half jaar",
           "annual": "eens per jaar", "end": "aan het eind van het contract"},
}  # fmt: skip


def _rule_text(contract: Contract, rule: object, lang: str) -> str:
    cur = contract.currency
    nl = lang == "nl"
    if isinstance(rule, Tariff):
        parts = ", ".join(
            f"{percent(c.weight)} {'voor' if nl else 'for'} '{contract.metric(c.metric).name}'" for c in rule.components
        )
        price = amount_text(rule.price_per_participant, cur, lang)
        if nl:
            return f"maximaal {price} per deelnemer, verdeeld als {parts}"
        return f"up to {price} per participant, split as {parts}"
    if isinstance(rule, RateCard):
        lines = "; ".join(
            f"'{contract.metric(e.metric).name}' {amount_text(e.price, cur, lang)}"
            + ((" per keer" if nl else " each time") if e.repeatable else (" eenmalig" if nl else " once"))
            for e in rule.entries
        )
        return ("een prijslijst: " if nl else "a rate card: ") + lines
    if isinstance(rule, CohortThreshold):
        first = rule.tiers[0]
        name = contract.metric(rule.metric).name
        if nl:
            return f"per groep deelnemers, pas vanaf {percent(first.from_improvement)} verbetering op '{name}'"
        return f"per cohort, only from a {percent(first.from_improvement)} improvement in '{name}'"
    if isinstance(rule, PerTime):
        price = amount_text(rule.price_per_unit, cur, lang)
        unit = contract.metric(rule.metric).unit
        return f"{price} per {unit} '{contract.metric(rule.metric).name}'"
    assert isinstance(rule, ShareOfSavings)
    if nl:
        return f"{percent(rule.share)} van de besparing op '{contract.metric(rule.metric).name}'"
    return f"{percent(rule.share)} of the savings from '{contract.metric(rule.metric).name}'"


def _names(names: list[str], lang: str) -> str:
    """``A``, ``A and B``, ``A, B and C`` (``en`` in Dutch)."""
    joiner = " en " if lang == "nl" else " and "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + joiner + names[-1]


def explain(contract: Contract, lang: str = "en") -> str:
    """A few paragraphs on how money moves in ``contract`` and who carries which risk."""
    nl = lang == "nl"
    cur = contract.currency
    scenario = default_scenario(contract)
    res = run(contract, scenario)
    tl = contract.timeline
    payers = _names([p.name for p in contract.payers], lang)
    providers = _names([p.name for p in contract.providers], lang)
    many_payers, many_providers = len(contract.payers) > 1, len(contract.providers) > 1
    out: list[str] = []
    if nl:
        out.append(f"# Hoe het geld loopt: {contract.name}")
        out.append(
            f"{payers} {'betalen' if many_payers else 'betaalt'} alleen voor gemeten resultaten. {providers} "
            f"{'voeren' if many_providers else 'voert'} het werk uit. Het contract begint "
            f"op {tl.start}, deelnemers kunnen {tl.enrolment_months} maanden instromen en het loopt "
            f"{tl.term_months} maanden; resultaten worden {_FREQ['nl'][tl.payment_frequency]} betaald, nadat ze "
            "gemeten en gecontroleerd zijn."
        )
    else:
        out.append(f"# How the money moves: {contract.name}")
        out.append(
            f"{payers} {'pay' if many_payers else 'pays'} only for measured results. {providers} "
            f"{'deliver' if many_providers else 'delivers'} the work. The contract starts on "
            f"{tl.start}, participants can enrol for {tl.enrolment_months} months and it runs "
            f"{tl.term_months} months; results are paid {_FREQ['en'][tl.payment_frequency]}, once measured and "
            "verified."
        )
    out.append("## Waarvoor wordt betaald" if nl else "## What is paid for")
    for rule in contract.rules:
        out.append(f"- {_rule_text(contract, rule, lang)}.")
    paid = int(res.outcome_payments[0])
    mx = res.maximum_payment
    if nl:
        out.append(
            f"In het verwachte scenario ('{scenario.name}') betalen de betalers {amount_text(paid, cur, lang)}"
            + (f", van maximaal {amount_text(mx, cur, lang)}." if mx is not None else "; het maximum is onbegrensd.")
        )
    else:
        out.append(
            f"In the expected scenario ('{scenario.name}') the payers pay {amount_text(paid, cur, lang)}"
            + (f", out of at most {amount_text(mx, cur, lang)}." if mx is not None else "; the maximum is unbounded.")
        )
    out.append("## Wie loopt welk risico" if nl else "## Who bears which risk")
    if not contract.tranches:
        for prov in res.providers:
            p = contract.provider(prov.id)
            low = amount_text(int(prov.lowest_cash[0]), cur, lang)
            if nl:
                out.append(
                    f"- {p.name} betaalt eerst zelf de kosten en wacht op betaling: het laagste saldo is {low} "
                    f"(maand {int(prov.lowest_cash_month[0])}); vallen de resultaten tegen, dan draagt {p.name} het "
                    "verlies."
                )
            else:
                out.append(
                    f"- {p.name} pays its costs first and waits to be paid: its lowest cash is {low} "
                    f"(month {int(prov.lowest_cash_month[0])}); if results fall short, {p.name} bears the loss."
                )
    else:
        for t, tr in zip(contract.tranches, res.tranches, strict=True):
            drawn = amount_text(int(tr.drawn[0]), cur, lang)
            back = amount_text(int(tr.returned[0]), cur, lang)
            kind = (
                ("lening" if nl else "loan")
                if isinstance(t, Loan)
                else (("gift" if nl else "grant") if isinstance(t, Grant) else type(t).__name__)
            )
            if nl:
                out.append(
                    f"- {t.investor} ({kind} '{t.id}', rang {t.seniority}) legt {drawn} in en krijgt in het "
                    f"verwachte scenario {back} terug; bij tegenvallende resultaten verliest deze investeerder "
                    "geld, in omgekeerde volgorde van rang."
                )
            else:
                out.append(
                    f"- {t.investor} ({kind} '{t.id}', seniority {t.seniority}) puts in {drawn} and gets back {back} "
                    "in the expected scenario; if results fall short, it loses money, juniors first."
                )
        for g in contract.guarantees:
            amount = amount_text(g.amount, cur, lang)
            covers = ", ".join(g.covers)
            out.append(
                f"- {g.guarantor} garandeert tot {amount} van het verlies op {covers}."
                if nl
                else f"- {g.guarantor} guarantees up to {amount} of the loss on {covers}."
            )
    out.append(
        "Gebruik `sibkit check` voor de risico's en prikkels, en `sibkit simulate` voor de kansen."
        if nl
        else "Use `sibkit check` for risks and incentives, and `sibkit simulate` for the odds."
    )
    return "\n\n".join(out) + "\n"
