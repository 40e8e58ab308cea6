"""Double payment: the same person-outcome paid twice, by two rules or through two providers."""

from __future__ import annotations

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Severity
from sibkit.model import Contract

__all__ = ["double_payment"]

CODE = "SIB-DOUBLE-001"


def _names(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]


def _namen(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" en {items[-1]}" if len(items) > 1 else items[0]


@register(CODE, "double_payment")
def double_payment(contract: Contract, context: Context) -> list[Finding]:
    """Flag outcomes that can be paid twice for one person.

    * The same metric paid by two rules (or twice by one rule) for the same provider: a warning, or
      information when a participant cap limits what one person can earn.
    * Several providers paid under a rule that does not say which provider is paid for whom, with no
      participant cap: information (one person enrolled with two providers can be paid for twice).
    """
    found: list[Finding] = []
    has_participant_cap = any(c.level == "participant" for c in contract.caps)
    payers = {p.id: p.name for p in contract.payers}
    paying: dict[tuple[str, str], list[int]] = {}
    for i, rule in enumerate(contract.rules):
        for metric in rule.metrics():
            for prov in contract.rule_providers(rule):
                paying.setdefault((metric, prov), []).append(i)
    reported: set[tuple[str, tuple[int, ...]]] = set()
    for (metric, _), rules in paying.items():
        if len(rules) < 2:
            continue
        key = (metric, tuple(rules))
        providers = [contract.provider(p).name for (m, p), r in paying.items() if m == metric and r == rules]
        if key in reported:
            continue
        reported.add(key)
        ids = list(dict.fromkeys(f"'{contract.rules[i].id}'" for i in rules))
        who = sorted({payers[p] for i in rules for p, _ in contract.rule_payers(contract.rules[i])})
        name = contract.metric(metric).name
        severity: Severity = "info" if has_participant_cap else "warning"
        cap_en = (
            " A participant cap limits what one person can earn in all, but within it the outcome is still paid twice."
            if has_participant_cap
            else " No participant cap limits what one person can earn."
        )
        cap_nl = (
            " Een plafond per deelnemer begrenst wat één persoon in totaal oplevert, maar daarbinnen wordt het "
            "resultaat nog steeds twee keer betaald."
            if has_participant_cap
            else " Geen plafond per deelnemer begrenst wat één persoon oplevert."
        )
        found.append(
            Finding(
                code=CODE,
                severity=severity,
                title_en=f"{name} is paid {len(rules)} times for the same person",
                title_nl=f"{name} wordt {len(rules)} keer betaald voor dezelfde persoon",
                explanation_en=(
                    f"Rules {_names(ids)} each pay for {name} achieved with {_names(providers)}, paid by "
                    f"{_names(who)}. One result of one person is then paid {len(rules)} times.{cap_en}"
                ),
                explanation_nl=(
                    f"De regels {_namen(ids)} betalen elk voor {name} behaald bij {_namen(providers)}, betaald "
                    f"door {_namen(who)}. Eén resultaat van één persoon wordt dan {len(rules)} keer betaald.{cap_nl}"
                ),
                mitigation_en=(
                    "Pay each outcome under one rule (several payers share it with paid_by), limit what one person "
                    "can earn with a participant cap, and keep a shared register of person-outcomes paid."
                ),
                mitigation_nl=(
                    "Betaal elk resultaat onder één regel (meerdere betalers delen via paid_by), begrens wat één "
                    "persoon kan opleveren met een plafond per deelnemer, en houd een gedeeld register bij van "
                    "betaalde resultaten per persoon."
                ),
                path=f"$.rules[{rules[1]}]",
            )
        )
    if len(contract.providers) > 1 and not has_participant_cap:
        open_rules = [(i, r) for i, r in enumerate(contract.rules) if not r.providers]
        if open_rules:
            provs = [p.name for p in contract.providers]
            ids = [f"'{r.id}'" for _, r in open_rules]
            found.append(
                Finding(
                    code=CODE,
                    severity="info",
                    title_en="Several providers, nothing stops one person being paid for twice",
                    title_nl="Meerdere aanbieders; niets voorkomt dat één persoon twee keer wordt betaald",
                    explanation_en=(
                        f"{_names(provs)} are paid under the same rule ({_names(ids)}), which does not say which "
                        "provider is paid for whom, and there is no participant cap. A person enrolled with two "
                        "providers, one after the other or at the same time, can be claimed by both for the same "
                        "outcome."
                    ),
                    explanation_nl=(
                        f"{_namen(provs)} worden betaald onder dezelfde regel ({_namen(ids)}), die niet zegt welke "
                        "aanbieder voor wie wordt betaald, en er is geen plafond per deelnemer. Iemand die bij twee "
                        "aanbieders instroomt, na elkaar of tegelijk, kan door beide voor hetzelfde resultaat worden "
                        "gedeclareerd."
                    ),
                    mitigation_en=(
                        "Keep a shared register of participants and paid outcomes across providers (one person, "
                        "one outcome, one payment), refer participants through one intake, or add a participant "
                        "cap."
                    ),
                    mitigation_nl=(
                        "Houd één gedeeld register bij van deelnemers en betaalde resultaten over alle aanbieders "
                        "(één persoon, één resultaat, één betaling), laat deelnemers via één loket instromen, of "
                        "voeg een plafond per deelnemer toe."
                    ),
                    path=f"$.rules[{open_rules[0][0]}]",
                )
            )
    return found
