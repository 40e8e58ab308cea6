"""Soft metrics carry the money: most of the payment rests on self-reported or provider-judged outcomes."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Severity
from sibkit.model import Contract

__all__ = ["soft_metric_weight"]

CODE = "SIB-SOFT-001"


@register(CODE, "soft_metric_weight")
def soft_metric_weight(contract: Contract, context: Context, *, threshold: Decimal = Decimal("0.5")) -> list[Finding]:
    """Flag a contract whose maximum payment rests for more than ``threshold`` (default 50%) on soft
    evidence; an error when that soft evidence is also collected by the paid provider."""
    by_metric: dict[str, int] = {}
    for line in context.maximum_lines():
        by_metric[line[0]] = by_metric.get(line[0], 0) + line[1]
    total = sum(by_metric.values())
    if total == 0:
        return []
    metrics = {m.id: m for m in contract.metrics}
    soft = {m: v for m, v in by_metric.items() if metrics[m].evidence == "soft"}
    share = Decimal(sum(soft.values())) / Decimal(total)
    if share <= threshold:
        return []
    self_measured = [m for m in soft if metrics[m].measured_by in ({"providers"} | {p.id for p in contract.providers})]
    pct = f"{share * 100:.0f}%"
    names = ", ".join(metrics[m].name for m in soft)
    index = next(i for i, m in enumerate(contract.metrics) if m.id in soft)
    severity: Severity = "error" if self_measured else "warning"
    who_en = " and the providers collect that evidence themselves" if self_measured else ""
    who_nl = " en de aanbieders verzamelen dat bewijs zelf" if self_measured else ""
    return [
        Finding(
            code=CODE,
            severity=severity,
            title_en=f"{pct} of the money rests on soft, self-reported outcomes",
            title_nl=f"{pct} van het geld hangt af van zachte, zelfgerapporteerde resultaten",
            explanation_en=(
                f"Of the maximum outcome payment, {pct} is paid for {names}, measured with soft evidence "
                f"(a questionnaire or a judgement){who_en}. Answers can be coached and definitions stretched, so "
                "the payer may pay for change that did not happen, and providers feel pressure to score well."
            ),
            explanation_nl=(
                f"Van de maximale resultaatbetaling gaat {pct} naar {names}, gemeten met zachte indicatoren "
                f"(een vragenlijst of een oordeel){who_nl}. Antwoorden zijn te sturen en definities op te rekken; "
                "de betaler betaalt dan misschien voor verandering die er niet is, en aanbieders voelen druk om "
                "goed te scoren."
            ),
            mitigation_en=(
                "Give hard, verifiable outcomes the larger weight, have an independent party administer the "
                "questionnaire (T0 and T1), or pay the soft outcome only together with a hard one."
            ),
            mitigation_nl=(
                "Geef harde, controleerbare resultaten het grootste gewicht, laat een onafhankelijke partij de "
                "vragenlijst afnemen (T0 en T1), of betaal het zachte resultaat alleen samen met een hard resultaat."
            ),
            path=f"$.metrics[{index}].evidence",
        )
    ]
