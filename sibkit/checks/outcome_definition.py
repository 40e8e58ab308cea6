"""Who defined the outcome: a paid party wrote the definition it is paid on."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, Severity, messages, percent
from sibkit.i18n import N_, Fact, Word
from sibkit.model import Contract

__all__ = ["outcome_definition"]

CODE = "SIB-DEFINE-001"


_WHO = {"provider": N_("the provider"), "intermediary": N_("the intermediary")}
"""How the messages name the paid party that proposed a metric."""

messages(
    CODE,
    {
        "paid-party": Message(
            title=N_("%(metric)s was defined by %(party)s, who is paid on it"),
            explanation=N_(
                "The definition of %(metric)s (%(share)s of the maximum outcome payment) was drafted by "
                "%(party)s. A paid party that writes its own outcome will, even in good faith, choose what it is "
                "confident of reaching and can measure easily, not necessarily what the payer most wants to "
                "change. 'Paying a provider on outcomes it proposed itself is the world upside down.'"
            ),
            mitigation=N_(
                "Let the outcome payer define the outcomes it wants and what each is worth before talking to "
                "providers and investors (the Outcomes Academy principle), or have the definition reviewed and "
                "adopted by the payer or an independent evaluator; then record proposed_by as payer, joint or "
                "evaluator."
            ),
        )
    },
)


@register(CODE, "outcome_definition")
def outcome_definition(contract: Contract, context: Context) -> list[Finding]:
    """Flag each metric a paid party proposed: a warning when the provider drafted it, information when
    the intermediary did (with the share of the maximum payment the metric carries)."""
    by_metric: dict[str, int] = {}
    for metric, cents, _, _ in context.maximum_lines():
        by_metric[metric] = by_metric.get(metric, 0) + cents
    total = sum(by_metric.values())
    found: list[Finding] = []
    for i, m in enumerate(contract.metrics):
        if m.proposed_by not in _WHO:
            continue
        share = Decimal(by_metric.get(m.id, 0)) / Decimal(total) if total else Decimal(0)
        severity: Severity = "warning" if m.proposed_by == "provider" else "info"
        facts: dict[str, Fact] = {"metric": m.name, "party": Word(_WHO[m.proposed_by]), "share": percent(share)}
        path = f"$.metrics[{i}].proposed_by"
        found.append(Finding(code=CODE, kind="paid-party", severity=severity, path=path, facts=facts))
    return found
