"""Who defined the outcome: a paid party wrote the definition it is paid on."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Severity
from sibkit.model import Contract

__all__ = ["outcome_definition"]

CODE = "SIB-DEFINE-001"


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
        if m.proposed_by not in ("provider", "intermediary"):
            continue
        share = Decimal(by_metric.get(m.id, 0)) / Decimal(total) if total else Decimal(0)
        pct = f"{share * 100:.0f}%"
        severity: Severity = "warning" if m.proposed_by == "provider" else "info"
        who_en, who_nl = (
            ("the provider", "de aanbieder")
            if m.proposed_by == "provider"
            else (
                "the intermediary",
                "de intermediair",
            )
        )
        found.append(
            Finding(
                code=CODE,
                severity=severity,
                title_en=f"{m.name} was defined by {who_en}, who is paid on it",
                title_nl=f"{m.name} is gedefinieerd door {who_nl}, die erop betaald wordt",
                explanation_en=(
                    f"The definition of {m.name} ({pct} of the maximum outcome payment) was drafted by {who_en}. "
                    "A paid party that writes its own outcome will, even in good faith, choose what it is "
                    "confident of reaching and can measure easily, not necessarily what the payer most wants to "
                    "change. 'Paying a provider on outcomes it proposed itself is the world upside down.'"
                ),
                explanation_nl=(
                    f"De definitie van {m.name} ({pct} van de maximale resultaatbetaling) is opgesteld door "
                    f"{who_nl}. Een betaalde partij die haar eigen resultaat opschrijft, kiest ook te goeder "
                    "trouw wat ze zeker denkt te halen en makkelijk kan meten, niet per se wat de betaler het "
                    "liefst wil veranderen. 'Als je een uitvoerder gaat betalen op basis van uitkomsten die ze zelf "
                    "hebben aangedragen, dat is de wereld op z'n kop.'"
                ),
                mitigation_en=(
                    "Let the outcome payer define the outcomes it wants and what each is worth before talking to "
                    "providers and investors (the Outcomes Academy principle), or have the definition reviewed "
                    "and adopted by the payer or an independent evaluator; then record proposed_by as payer, "
                    "joint or evaluator."
                ),
                mitigation_nl=(
                    "Laat de uitkomstbetaler zelf bepalen welke resultaten hij wil en wat elk waard is, voordat "
                    "hij met aanbieders en investeerders praat (het uitgangspunt van de Outcomes Academy), of laat "
                    "de definitie toetsen en overnemen door de betaler of een onafhankelijke evaluator; leg dan "
                    "proposed_by vast als payer, joint of evaluator."
                ),
                path=f"$.metrics[{i}].proposed_by",
            )
        )
    return found
