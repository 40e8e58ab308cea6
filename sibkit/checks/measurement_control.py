"""Who controls the measure: an outcome measured by a party whose money depends on it."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, percent
from sibkit.i18n import N_, Fact, Phrase, Word
from sibkit.model import Contract

__all__ = ["interested_parties", "measurement_control"]

CODE = "SIB-MEASURE-001"


def interested_parties(contract: Contract) -> dict[str, Phrase]:
    """Parties whose money depends on the outcomes, by id (and ``providers``), each described by its role.

    Providers and investors; evaluators that are not independent; intermediaries paid a fee that
    depends on outcome payments (a percentage of them, or paid from them).
    """
    out: dict[str, Phrase] = {"providers": Phrase.of(N_("the providers themselves"))}
    for p in contract.providers:
        out[p.id] = Phrase.of(N_("the provider %(name)s"), name=p.name)
    for inv in contract.investors:
        out[inv.id] = Phrase.of(N_("the investor %(name)s"), name=inv.name)
    for ev in contract.evaluators:
        if not ev.independent:
            out[ev.id] = Phrase.of(N_("%(name)s, an evaluator that is not independent"), name=ev.name)
    for im in contract.intermediaries:
        fees = [f for f in contract.fees if f.payee == im.id]
        if any(f.basis == "percent_of_outcome_payments" or f.paid_from == "outcome_payments" for f in fees):
            out[im.id] = Phrase.of(N_("the intermediary %(name)s, whose fee depends on outcome payments"), name=im.name)
    return out


_EVIDENCE = {"soft": N_("soft (self-reported or judged)"), "hard": N_("hard")}
"""How the explanation names the kind of evidence."""

messages(
    CODE,
    {
        "interested": Message(
            title=N_("%(metric)s (%(share)s of the money) is measured by a party paid on it"),
            explanation=(
                N_("%(metric)s carries %(share)s of the maximum outcome payment and is recorded by %(party)s"),
                Clause(N_(" (data: %(data_source)s)")),
                N_(
                    ". The evidence is %(evidence)s, but the party that gains from a positive result decides "
                    "whether it happened: borderline cases tend to be counted, and the payer cannot easily check."
                ),
            ),
            mitigation=N_(
                "Have an independent validator measure or audit the outcome (a sample of files, or the "
                "questionnaire administered by the evaluator), or take the data from administrative registers "
                "the payer controls (benefits, payroll, education records)."
            ),
        )
    },
)


@register(CODE, "measurement_control")
def measurement_control(contract: Contract, context: Context) -> list[Finding]:
    """Flag every paid metric measured by a party whose money depends on it, with the share of the maximum
    payment it carries (hard and soft evidence alike)."""
    by_metric: dict[str, int] = {}
    for metric, cents, _, _ in context.maximum_lines():
        by_metric[metric] = by_metric.get(metric, 0) + cents
    total = sum(by_metric.values())
    if total == 0:
        return []
    interested = interested_parties(contract)
    found: list[Finding] = []
    for i, m in enumerate(contract.metrics):
        if m.measured_by not in interested or by_metric.get(m.id, 0) == 0:
            continue
        facts: dict[str, Fact] = {
            "metric": m.name,
            "share": percent(Decimal(by_metric[m.id]) / Decimal(total)),
            "party": interested[m.measured_by],
            "evidence": Word(_EVIDENCE["soft" if m.evidence == "soft" else "hard"]),
        }
        if m.data_source:
            facts["data_source"] = m.data_source
        path = f"$.metrics[{i}].measured_by"
        found.append(Finding(code=CODE, kind="interested", severity="warning", path=path, facts=facts))
    return found
