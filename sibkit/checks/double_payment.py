"""Double payment: the same person-outcome paid twice, by two rules or through two providers."""

from __future__ import annotations

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, Severity, messages
from sibkit.i18n import N_, Count, Fact, Listing
from sibkit.model import Contract

__all__ = ["double_payment"]

CODE = "SIB-DOUBLE-001"


_TWICE_TITLE = N_("%(metric)s is paid %(times)d times for the same person")
_TWICE = N_(
    "Rules %(rules)s each pay for %(metric)s achieved with %(providers)s, paid by %(payers)s. One result of one "
    "person is then paid %(times)d times."
)
_TWICE_MITIGATION = N_(
    "Pay each outcome under one rule (several payers share it with paid_by), limit what one person can earn "
    "with a participant cap, and keep a shared register of person-outcomes paid."
)
messages(
    CODE,
    {
        "twice": Message(
            title=_TWICE_TITLE,
            explanation=(_TWICE, N_(" No participant cap limits what one person can earn.")),
            mitigation=_TWICE_MITIGATION,
        ),
        "twice-capped": Message(
            title=_TWICE_TITLE,
            explanation=(
                _TWICE,
                N_(
                    " A participant cap limits what one person can earn in all, but within it the outcome is "
                    "still paid twice."
                ),
            ),
            mitigation=_TWICE_MITIGATION,
        ),
        "open-rule": Message(
            title=N_("Several providers, nothing stops one person being paid for twice"),
            explanation=N_(
                "%(providers)s are paid under the same rule (%(rules)s), which does not say which provider is "
                "paid for whom, and there is no participant cap. A person enrolled with two providers, one after "
                "the other or at the same time, can be claimed by both for the same outcome."
            ),
            mitigation=N_(
                "Keep a shared register of participants and paid outcomes across providers (one person, one "
                "outcome, one payment), refer participants through one intake, or add a participant cap."
            ),
        ),
    },
)


def _names(items: list[str], *, quoted: bool = False) -> Listing:
    return Listing(tuple(items), "and", quoted=quoted)


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
        key = (metric, tuple(rules))
        if len(rules) < 2 or key in reported:
            continue
        reported.add(key)
        providers = [contract.provider(p).name for (m, p), r in paying.items() if m == metric and r == rules]
        ids = list(dict.fromkeys(contract.rules[i].id for i in rules))
        who = sorted({payers[p] for i in rules for p, _ in contract.rule_payers(contract.rules[i])})
        facts: dict[str, Fact] = {
            "metric": contract.metric(metric).name,
            "times": Count(len(rules)),
            "rules": _names(ids, quoted=True),
            "providers": _names(providers),
            "payers": _names(who),
        }
        severity: Severity = "info" if has_participant_cap else "warning"
        kind = "twice-capped" if has_participant_cap else "twice"
        found.append(Finding(code=CODE, kind=kind, severity=severity, path=f"$.rules[{rules[1]}]", facts=facts))
    if len(contract.providers) > 1 and not has_participant_cap:
        open_rules = [(i, r) for i, r in enumerate(contract.rules) if not r.providers]
        if open_rules:
            open_facts: dict[str, Fact] = {
                "providers": _names([p.name for p in contract.providers]),
                "rules": _names([r.id for _, r in open_rules], quoted=True),
            }
            path = f"$.rules[{open_rules[0][0]}]"
            found.append(Finding(code=CODE, kind="open-rule", severity="info", path=path, facts=open_facts))
    return found
