"""Paying for deadweight: outcomes paid without any comparison with what would have happened anyway."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, messages, percent
from sibkit.i18n import N_, Fact, Listing, Phrase, Word
from sibkit.model import Contract

__all__ = ["NO_COUNTERFACTUAL", "deadweight"]

CODE = "SIB-DEAD-001"

NO_COUNTERFACTUAL = ("simple_verification", "pre_post")
"""Evaluation designs that compare with nothing (the event happened) or only with the same person before."""


_DESIGN = {"pre_post": N_("before/after"), "simple_verification": N_("event verified")}
"""How the explanation names an evaluation design without a counterfactual."""

messages(
    CODE,
    {
        "no-comparison": Message(
            title=N_("%(share)s of the money is paid without a comparison group"),
            explanation=N_(
                "Of the maximum outcome payment, %(share)s is paid for outcomes that are not compared with what "
                "would have happened anyway: %(metrics)s. Some participants would have reached these results "
                "without the programme (found work, finished a course, felt better); the payer pays for them too "
                "(deadweight), and cannot tell what the programme itself achieved."
            ),
            mitigation=N_(
                "Compare with a control or matched comparison group, or with a historical or predicted baseline "
                "(design), and pay only for results above that baseline rate; or lower the price by the share of "
                "results expected anyway."
            ),
        )
    },
)


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
    listed = Listing(
        tuple(Phrase.of(N_("%(metric)s (%(design)s)"), metric=m.name, design=Word(_DESIGN[m.design])) for m in bare)
    )
    index = next(i for i, m in enumerate(contract.metrics) if m in bare)
    facts: dict[str, Fact] = {"share": percent(share), "metrics": listed}
    return [
        Finding(code=CODE, kind="no-comparison", severity="warning", path=f"$.metrics[{index}].design", facts=facts)
    ]
