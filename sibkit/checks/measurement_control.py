"""Who controls the measure: an outcome measured by a party whose money depends on it."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding
from sibkit.model import Contract

__all__ = ["interested_parties", "measurement_control"]

CODE = "SIB-MEASURE-001"


def interested_parties(contract: Contract) -> dict[str, tuple[str, str]]:
    """Parties whose money depends on the outcomes, by id (and ``providers``): ``(English, Dutch)`` labels.

    Providers and investors; evaluators that are not independent; intermediaries paid a fee that
    depends on outcome payments (a percentage of them, or paid from them).
    """
    out: dict[str, tuple[str, str]] = {"providers": ("the providers themselves", "de aanbieders zelf")}
    for p in contract.providers:
        out[p.id] = (f"the provider {p.name}", f"de aanbieder {p.name}")
    for inv in contract.investors:
        out[inv.id] = (f"the investor {inv.name}", f"de investeerder {inv.name}")
    for ev in contract.evaluators:
        if not ev.independent:
            out[ev.id] = (
                f"{ev.name}, an evaluator that is not independent",
                f"{ev.name}, een niet-onafhankelijke evaluator",
            )
    for im in contract.intermediaries:
        fees = [f for f in contract.fees if f.payee == im.id]
        if any(f.basis == "percent_of_outcome_payments" or f.paid_from == "outcome_payments" for f in fees):
            out[im.id] = (
                f"the intermediary {im.name}, whose fee depends on outcome payments",
                f"de intermediair {im.name}, wiens vergoeding afhangt van de resultaatbetalingen",
            )
    return out


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
        who_en, who_nl = interested[m.measured_by]
        pct = f"{Decimal(by_metric[m.id]) / Decimal(total) * 100:.0f}%"
        kind_en = "soft (self-reported or judged)" if m.evidence == "soft" else "hard"
        kind_nl = "zacht (zelfgerapporteerd of beoordeeld)" if m.evidence == "soft" else "hard"
        source_en = f" (data: {m.data_source})" if m.data_source else ""
        source_nl = f" (bron: {m.data_source})" if m.data_source else ""
        found.append(
            Finding(
                code=CODE,
                severity="warning",
                title_en=f"{m.name} ({pct} of the money) is measured by a party paid on it",
                title_nl=f"{m.name} ({pct} van het geld) wordt gemeten door een partij die erop betaald wordt",
                explanation_en=(
                    f"{m.name} carries {pct} of the maximum outcome payment and is recorded by {who_en}{source_en}. "
                    f"The evidence is {kind_en}, but the party that gains from a positive result decides whether "
                    "it happened: borderline cases tend to be counted, and the payer cannot easily check."
                ),
                explanation_nl=(
                    f"{m.name} is goed voor {pct} van de maximale resultaatbetaling en wordt vastgelegd door "
                    f"{who_nl}{source_nl}. Het bewijs is {kind_nl}, maar de partij die baat heeft bij een positief "
                    "resultaat bepaalt of het er is: twijfelgevallen worden eerder meegeteld, en de betaler kan dat "
                    "moeilijk controleren."
                ),
                mitigation_en=(
                    "Have an independent validator measure or audit the outcome (a sample of files, or the "
                    "questionnaire administered by the evaluator), or take the data from administrative registers "
                    "the payer controls (benefits, payroll, education records)."
                ),
                mitigation_nl=(
                    "Laat een onafhankelijke validator het resultaat meten of controleren (een steekproef van "
                    "dossiers, of de vragenlijst afgenomen door de evaluator), of haal de gegevens uit "
                    "administratieve registers die de betaler beheert (uitkeringen, polisadministratie, "
                    "onderwijsregistratie)."
                ),
                path=f"$.metrics[{i}].measured_by",
            )
        )
    return found
