"""Short-termism: most of the money is paid for reaching a state (entering work), not for keeping it."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, messages, percent
from sibkit.i18n import N_, Count, Fact, Listing, Phrase
from sibkit.model import Contract, Metric

__all__ = ["entry_metrics", "short_termism"]

CODE = "SIB-SHORT-001"

_MITIGATION = N_(
    "Pay more for sustained outcomes than for entry: add a milestone that requires the entry outcome and "
    "sustained_months of at least 6 ('still in work after 6 months'), and move most of the price to it."
)
_NOTHING_LASTS = N_(
    "The contract runs %(term)d months, but none of its outcomes has to last: %(metrics)s (%(share)s of the "
    "maximum payment) "
)
_REWARDS = N_(". That rewards quick, temporary results, such as an insecure job, over lasting ones.")
messages(
    CODE,
    {
        "entry": Message(
            title=N_("%(share)s of the money is paid for entry, not for lasting results"),
            explanation=N_(
                "Of the maximum outcome payment, %(share)s is paid for reaching a result (%(metrics)s) and only "
                "%(sustained_share)s for keeping it (%(sustained)s). Most of the money is earned the day someone "
                "starts, so a temporary or insecure job pays nearly as well as a lasting one; a short-term "
                "saving does not mean the person is better off in the long run."
            ),
            mitigation=_MITIGATION,
        ),
        "nothing-lasts": Message(
            title=N_("No outcome has to last to be paid"),
            explanation=(
                _NOTHING_LASTS,
                N_("is paid when it is reached, even if it is lost a month later"),
                _REWARDS,
            ),
            mitigation=_MITIGATION,
        ),
        "nothing-lasts-several": Message(
            title=N_("No outcome has to last to be paid"),
            explanation=(
                _NOTHING_LASTS,
                N_("are paid when they are reached, even if they are lost a month later"),
                _REWARDS,
            ),
            mitigation=_MITIGATION,
        ),
    },
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
    names = Listing(tuple(m.name for m in entry))
    chained = [m for m in sustained if _requires_entry(contract, m, entry_ids)]
    if chained and entry_share > threshold:
        kept = Listing(
            tuple(
                Phrase.of(N_("%(metric)s (%(months)d months)"), metric=m.name, months=Count(m.sustained_months))
                for m in chained
            )
        )
        facts: dict[str, Fact] = {
            "share": percent(entry_share),
            "metrics": names,
            "sustained_share": percent(sustained_share),
            "sustained": kept,
        }
        return [Finding(code=CODE, kind="entry", severity="warning", path=path, facts=facts)]
    if not sustained and contract.timeline.term_months > long_term_months:
        facts_info: dict[str, Fact] = {
            "term": Count(contract.timeline.term_months),
            "metrics": names,
            "share": percent(entry_share),
        }
        kind = "nothing-lasts-several" if len(entry) > 1 else "nothing-lasts"
        return [Finding(code=CODE, kind=kind, severity="info", path=path, facts=facts_info)]
    return []
