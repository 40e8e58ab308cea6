"""Soft metrics carry the money: most of the payment rests on self-reported or provider-judged outcomes."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, Severity, messages, percent
from sibkit.i18n import N_, Fact, Listing
from sibkit.model import Contract

__all__ = ["soft_metric_weight"]

CODE = "SIB-SOFT-001"


_TITLE = N_("%(share)s of the money rests on soft, self-reported outcomes")
_SOFT = N_(
    "Of the maximum outcome payment, %(share)s is paid for %(metrics)s, measured with soft evidence (a "
    "questionnaire or a judgement)"
)
_WHY = N_(
    ". Answers can be coached and definitions stretched, so the payer may pay for change that did not happen, "
    "and providers feel pressure to score well."
)
_MITIGATION = N_(
    "Give hard, verifiable outcomes the larger weight, have an independent party administer the questionnaire "
    "(T0 and T1), or pay the soft outcome only together with a hard one."
)
messages(
    CODE,
    {
        "soft": Message(title=_TITLE, explanation=(_SOFT, _WHY), mitigation=_MITIGATION),
        "self-measured": Message(
            title=_TITLE,
            explanation=(_SOFT, N_(" and the providers collect that evidence themselves"), _WHY),
            mitigation=_MITIGATION,
        ),
    },
)


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
    index = next(i for i, m in enumerate(contract.metrics) if m.id in soft)
    severity: Severity = "error" if self_measured else "warning"
    facts: dict[str, Fact] = {"share": percent(share), "metrics": Listing(tuple(metrics[m].name for m in soft))}
    kind = "self-measured" if self_measured else "soft"
    return [Finding(code=CODE, kind=kind, severity=severity, path=f"$.metrics[{index}].evidence", facts=facts)]
