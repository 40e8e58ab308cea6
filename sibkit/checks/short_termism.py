"""Short-termism: most of the money is paid for reaching a state (entering work), not for keeping it."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding
from sibkit.model import Contract, Metric

__all__ = ["entry_metrics", "short_termism"]

CODE = "SIB-SHORT-001"

_MITIGATION_EN = (
    "Pay more for sustained outcomes than for entry: add a milestone that requires the entry outcome and "
    "sustained_months of at least 6 ('still in work after 6 months'), and move most of the price to it."
)
_MITIGATION_NL = (
    "Betaal meer voor blijvende resultaten dan voor instroom: voeg een mijlpaal toe die het instroomresultaat "
    "vereist en sustained_months van minstens 6 heeft ('na 6 maanden nog aan het werk'), en leg daar het "
    "grootste deel van de prijs."
)


def entry_metrics(contract: Contract) -> list[Metric]:
    """Metrics paid on reaching a state: kind ``event`` or ``milestone`` with ``sustained_months == 0``."""
    return [m for m in contract.metrics if m.kind in ("event", "milestone") and m.sustained_months == 0]


def _requires_entry(contract: Contract, metric: Metric, entry: set[str]) -> bool:
    """Whether ``metric`` requires, directly or through a chain, one of the ``entry`` metrics."""
    seen: set[str] = set()
    todo = list(metric.requires)
    while todo:
        m = todo.pop()
        if m in entry:
            return True
        if m not in seen:
            seen.add(m)
            todo.extend(contract.metric(m).requires)
    return False


def _pct(x: Decimal) -> str:
    return f"{x * 100:.0f}%"


@register(CODE, "short_termism")
def short_termism(
    contract: Contract, context: Context, *, threshold: Decimal = Decimal("0.5"), long_term_months: int = 12
) -> list[Finding]:
    """Flag a contract whose maximum payment rests mostly on entry outcomes.

    A warning when the contract has a chain from an entry outcome to a sustained one (a metric with
    ``sustained_months > 0`` that requires an entry metric) and entry outcomes still carry more than
    ``threshold`` (default 50%) of the maximum payment. Information when no outcome has to last
    (``sustained_months > 0``) at all, entry outcomes are paid, and the contract runs longer than
    ``long_term_months`` (default 12).
    """
    by_metric: dict[str, int] = {}
    for metric, cents, _, _ in context.maximum_lines():
        by_metric[metric] = by_metric.get(metric, 0) + cents
    total = sum(by_metric.values())
    if total == 0:
        return []
    entry = [m for m in entry_metrics(contract) if by_metric.get(m.id, 0) > 0]
    entry_ids = {m.id for m in entry}
    sustained = [m for m in contract.metrics if m.sustained_months > 0]
    entry_share = Decimal(sum(by_metric[m.id] for m in entry)) / Decimal(total)
    sustained_share = Decimal(sum(by_metric.get(m.id, 0) for m in sustained)) / Decimal(total)
    if not entry:
        return []
    index = next(i for i, m in enumerate(contract.metrics) if m.id in entry_ids)
    path = f"$.metrics[{index}].sustained_months"
    names = ", ".join(m.name for m in entry)
    chained = [m for m in sustained if _requires_entry(contract, m, entry_ids)]
    if chained and entry_share > threshold:
        kept = ", ".join(f"{m.name} ({m.sustained_months} months)" for m in chained)
        kept_nl = ", ".join(f"{m.name} ({m.sustained_months} maanden)" for m in chained)
        return [
            Finding(
                code=CODE,
                severity="warning",
                title_en=f"{_pct(entry_share)} of the money is paid for entry, not for lasting results",
                title_nl=f"{_pct(entry_share)} van het geld gaat naar instroom, niet naar blijvend resultaat",
                explanation_en=(
                    f"Of the maximum outcome payment, {_pct(entry_share)} is paid for reaching a result ({names}) "
                    f"and only {_pct(sustained_share)} for keeping it ({kept}). Most of the money is earned the "
                    "day someone starts, so a temporary or insecure job pays nearly as well as a lasting one; a "
                    "short-term saving does not mean the person is better off in the long run."
                ),
                explanation_nl=(
                    f"Van de maximale resultaatbetaling gaat {_pct(entry_share)} naar het bereiken van een "
                    f"resultaat ({names}) en maar {_pct(sustained_share)} naar het vasthouden ervan ({kept_nl}). "
                    "Het meeste geld is verdiend op de dag dat iemand begint, dus een tijdelijke, onzekere baan "
                    "levert bijna evenveel op als een blijvende; een besparing op korte termijn betekent niet dat "
                    "iemand er op lange termijn op vooruitgaat."
                ),
                mitigation_en=_MITIGATION_EN,
                mitigation_nl=_MITIGATION_NL,
                path=path,
            )
        ]
    if not sustained and contract.timeline.term_months > long_term_months:
        months = contract.timeline.term_months
        if len(entry) > 1:
            verb_en = "are paid when they are reached, even if they are lost a month later"
            verb_nl = "worden betaald zodra ze bereikt zijn, ook als ze een maand later weer verloren gaan"
        else:
            verb_en = "is paid when it is reached, even if it is lost a month later"
            verb_nl = "wordt betaald zodra het bereikt is, ook als het een maand later weer verloren gaat"
        return [
            Finding(
                code=CODE,
                severity="info",
                title_en="No outcome has to last to be paid",
                title_nl="Geen enkel resultaat hoeft stand te houden om betaald te worden",
                explanation_en=(
                    f"The contract runs {months} months, but none of its outcomes has to last: {names} "
                    f"({_pct(entry_share)} of the maximum payment) {verb_en}. That rewards quick, temporary "
                    "results, such as an insecure job, over lasting ones."
                ),
                explanation_nl=(
                    f"Het contract loopt {months} maanden, maar geen van de resultaten hoeft stand te houden: "
                    f"{names} ({_pct(entry_share)} van de maximale betaling) {verb_nl}. Dat beloont snelle, "
                    "tijdelijke resultaten, zoals een onzekere baan, boven blijvende."
                ),
                mitigation_en=_MITIGATION_EN,
                mitigation_nl=_MITIGATION_NL,
                path=path,
            )
        ]
    return []
