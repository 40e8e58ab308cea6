"""Paying for deadweight: outcomes paid without any comparison with what would have happened anyway."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding
from sibkit.model import Contract

__all__ = ["NO_COUNTERFACTUAL", "deadweight"]

CODE = "SIB-DEAD-001"

NO_COUNTERFACTUAL = ("simple_verification", "pre_post")
"""Evaluation designs that compare with nothing (the event happened) or only with the same person before."""


@register(CODE, "deadweight")
def deadweight(contract: Contract, context: Context, *, threshold: Decimal = Decimal("0.5")) -> list[Finding]:
    """Flag a contract whose maximum payment rests for more than ``threshold`` (default 50%) on metrics
    without a counterfactual (design ``simple_verification`` or ``pre_post``)."""
    by_metric: dict[str, int] = {}
    for metric, cents, _, _ in context.maximum_lines():
        by_metric[metric] = by_metric.get(metric, 0) + cents
    total = sum(by_metric.values())
    if total == 0:
        return []
    bare = [m for m in contract.metrics if m.design in NO_COUNTERFACTUAL and by_metric.get(m.id, 0) > 0]
    share = Decimal(sum(by_metric[m.id] for m in bare)) / Decimal(total)
    if share <= threshold:
        return []
    pct = f"{share * 100:.0f}%"
    listed_en = ", ".join(f"{m.name} ({'before/after' if m.design == 'pre_post' else 'event verified'})" for m in bare)
    listed_nl = ", ".join(
        f"{m.name} ({'voor/na-meting' if m.design == 'pre_post' else 'alleen vastgesteld'})" for m in bare
    )
    index = next(i for i, m in enumerate(contract.metrics) if m in bare)
    return [
        Finding(
            code=CODE,
            severity="warning",
            title_en=f"{pct} of the money is paid without a comparison group",
            title_nl=f"{pct} van het geld wordt betaald zonder vergelijkingsgroep",
            explanation_en=(
                f"Of the maximum outcome payment, {pct} is paid for outcomes that are not compared with what would "
                f"have happened anyway: {listed_en}. Some participants would have reached these results without "
                "the programme (found work, finished a course, felt better); the payer pays for them too "
                "(deadweight), and cannot tell what the programme itself achieved."
            ),
            explanation_nl=(
                f"Van de maximale resultaatbetaling gaat {pct} naar resultaten die niet worden vergeleken met wat "
                f"er zonder het programma was gebeurd (het o-alternatief): {listed_nl}. Een deel van de deelnemers "
                "had deze resultaten ook zonder het programma gehaald (werk gevonden, een opleiding afgerond, zich "
                "beter gevoeld); de betaler betaalt ook voor hen (dode last), en weet niet wat het programma zelf "
                "heeft bereikt."
            ),
            mitigation_en=(
                "Compare with a control or matched comparison group, or with a historical or predicted baseline "
                "(design), and pay only for results above that baseline rate; or lower the price by the share of "
                "results expected anyway."
            ),
            mitigation_nl=(
                "Vergelijk met een controlegroep of gematchte vergelijkingsgroep, of met een historische of "
                "voorspelde nulmeting (design), en betaal alleen voor resultaat boven dat basisniveau; of verlaag "
                "de prijs met het deel van de resultaten dat er toch wel was gekomen."
            ),
            path=f"$.metrics[{index}].design",
        )
    ]
