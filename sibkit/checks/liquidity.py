"""Provider liquidity stress: outcome payments arrive in arrears, and a provider without working capital
runs out of cash before it is paid."""

from __future__ import annotations

from babel.dates import format_date

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Severity, amount_text
from sibkit.engine.ledger import Why
from sibkit.engine.results import ProviderResults, Results
from sibkit.i18n import LOCALES
from sibkit.model import Contract, Provider

__all__ = ["provider_liquidity"]

CODE = "SIB-CASH-001"


_FREQUENCY_EN = {
    "quarterly": "quarterly",
    "semiannual": "every six months",
    "annual": "once a year",
    "end": "at the end",
}
_FREQUENCY_NL = {
    "quarterly": "per kwartaal",
    "semiannual": "per halfjaar",
    "annual": "per jaar",
    "end": "pas aan het eind",
}


def _when(contract: Contract, month: int, lang: str) -> str:
    """``month 13 (February 2024)`` / ``maand 13 (februari 2024)``."""
    date = contract.timeline.month_start(month)
    # month names as Babel writes them for the locale (the term sheets use the same)
    name = format_date(date, "MMMM yyyy", locale=LOCALES["nl"] if lang == "nl" else LOCALES["en"])
    return f"maand {month} ({name})" if lang == "nl" else f"month {month} ({name})"


def _first_receipt(results: Results, provider: str) -> int | None:
    """First month in which the provider receives an outcome payment (or its share of the upside)."""
    ledger = results.flows.ledger
    if not ledger.detail:
        return None
    first: int | None = None
    for (_, target, reason), arr in ledger.flows.items():
        if target == provider and reason.why in (Why.OUTCOME_PAYMENT, Why.RESIDUAL, Why.PROVIDER_INCENTIVE):
            months = arr[0].nonzero()[0]
            if len(months) and (first is None or int(months[0]) < first):
                first = int(months[0])
    return first


def _stats(r: ProviderResults) -> tuple[int, int, int, int]:
    return (
        int(r.lowest_cash[0]),
        int(r.lowest_cash_month[0]),
        int(r.months_below_zero[0]),
        int(r.months_below_minimum[0]),
    )


@register(CODE, "provider_liquidity")
def provider_liquidity(contract: Contract, context: Context, *, tolerated_months: int = 0) -> list[Finding]:
    """Flag each provider whose cash runs out before it is paid.

    An error when its cash goes below zero in the expected scenario (``context.base``) for more than
    ``tolerated_months`` months (default 0: any month); a warning when that happens only at half the
    expected success (``context.low``), or when its cash only dips below its own ``minimum_cash``.
    """
    out: list[Finding] = []
    base, low = context.base, context.low
    for p, prov in enumerate(contract.providers):
        lowest, month, below_zero, below_min = _stats(base.providers[p])
        low_lowest, low_month, low_zero, low_min = _stats(low.providers[p])
        if lowest < 0 and below_zero > tolerated_months:
            severity: Severity = "error"
            kind = "zero"
        elif low_lowest < 0 and low_zero > tolerated_months:
            severity, kind = "warning", "zero-low"
        elif below_min > 0 or low_min > 0:
            severity, kind = "warning", "minimum"
        else:
            continue
        expected = (lowest, month, below_zero, below_min)
        half = (low_lowest, low_month, low_zero, low_min)
        out.append(_finding(contract, base, prov, p, severity, kind, expected, half))
    return out


def _finding(
    contract: Contract,
    base: Results,
    prov: Provider,
    p: int,
    severity: Severity,
    kind: str,
    expected: tuple[int, int, int, int],
    half: tuple[int, int, int, int],
) -> Finding:
    def money(cents: int) -> str:
        return amount_text(cents, contract.currency, "en")

    def money_nl(cents: int) -> str:
        return amount_text(cents, contract.currency, "nl")

    lowest, month, below_zero, below_min = expected
    low_lowest, low_month, low_zero, low_min = half
    term = contract.timeline.term_months
    name = prov.name
    trigger = lowest if kind == "zero" or (kind == "minimum" and below_min > 0) else low_lowest
    facility = max(prov.minimum_cash - trigger, 0)
    at_base = trigger == lowest
    scenario_en = "at the expected results" if at_base else "at half the expected success"
    scenario_nl = "bij de verwachte resultaten" if at_base else "bij de helft van het verwachte succes"
    margin = int(base.providers[p].margin[0])
    first = _first_receipt(base, prov.id)

    if kind == "zero":
        title_en = f"{name} runs out of cash: {money(lowest)} in {_when(contract, month, 'en')}"
        title_nl = f"{name} komt geld tekort: {money_nl(lowest)} in {_when(contract, month, 'nl')}"
        what_en = (
            f"At the expected results, {name}'s cash falls to {money(lowest)} in {_when(contract, month, 'en')} "
            f"and is below zero in {below_zero} of the {term} months"
        )
        what_nl = (
            f"Bij de verwachte resultaten daalt het geld van {name} tot {money_nl(lowest)} in "
            f"{_when(contract, month, 'nl')} en staat het {below_zero} van de {term} maanden onder nul"
        )
    elif kind == "zero-low":
        title_en = f"{name} runs out of cash if results are half the expected: {money(low_lowest)}"
        title_nl = f"{name} komt geld tekort bij de helft van de verwachte resultaten: {money_nl(low_lowest)}"
        what_en = (
            f"At the expected results {name}'s cash stays at or above {money(lowest)}, but at half the expected "
            f"success it falls to {money(low_lowest)} in {_when(contract, low_month, 'en')} and is below zero in "
            f"{low_zero} of the {term} months"
        )
        what_nl = (
            f"Bij de verwachte resultaten blijft het geld van {name} op minstens {money_nl(lowest)}, maar bij de helft "
            f"van het verwachte succes daalt het tot {money_nl(low_lowest)} in {_when(contract, low_month, 'nl')} en "
            f"staat het {low_zero} van de {term} maanden onder nul"
        )
    else:
        m, months, where_en, where_nl = (
            (month, below_min, "at the expected results", "bij de verwachte resultaten")
            if below_min > 0
            else (low_month, low_min, "at half the expected success", "bij de helft van het verwachte succes")
        )
        value = lowest if below_min > 0 else low_lowest
        title_en = f"{name}'s cash falls below its safe minimum of {money(prov.minimum_cash)}"
        title_nl = f"Het geld van {name} zakt onder het veilige minimum van {money_nl(prov.minimum_cash)}"
        what_en = (
            f"{where_en.capitalize()}, {name}'s cash falls to {money(value)} in {_when(contract, m, 'en')}, below "
            f"the {money(prov.minimum_cash)} it needs to operate safely, for {months} of the {term} months"
        )
        what_nl = (
            f"{where_nl.capitalize()} daalt het geld van {name} tot {money_nl(value)} in {_when(contract, m, 'nl')}, "
            f"onder de {money_nl(prov.minimum_cash)} die het nodig heeft om veilig te werken, {months} van de "
            f"{term} maanden lang"
        )
    if kind == "zero" and low_lowest < lowest:
        what_en += (
            f"; at half the expected success it falls to {money(low_lowest)} in {_when(contract, low_month, 'en')}"
        )
        what_nl += (
            f"; bij de helft van het verwachte succes daalt het tot {money_nl(low_lowest)} in "
            f"{_when(contract, low_month, 'nl')}"
        )
    why_en = (
        f". It starts with a buffer of {money(prov.buffer)} and pays its costs from the month a participant "
        "starts, while outcome payments come only after the result is measured and verified"
    )
    why_nl = (
        f". Het begint met een buffer van {money_nl(prov.buffer)} en betaalt zijn kosten vanaf de maand dat een "
        "deelnemer start, terwijl resultaatbetalingen pas komen als het resultaat gemeten en gecontroleerd is"
    )
    if first is not None:
        why_en += f" (the first payment arrives in {_when(contract, first, 'en')})"
        why_nl += f" (de eerste betaling komt in {_when(contract, first, 'nl')})"
    if margin >= 0:
        why_en += (
            f". Over the whole term it ends {money(margin)} up: the price covers its costs, the timing does not. "
            "A provider that cannot bridge the gap stops, or picks the participants who finish fastest."
        )
        why_nl += (
            f". Over de hele looptijd houdt het {money_nl(margin)} over: de prijs dekt de kosten, de timing niet. "
            "Een aanbieder die het gat niet kan overbruggen stopt, of kiest de deelnemers die het snelst klaar zijn."
        )
    else:
        why_en += (
            f". Over the whole term it loses {money(-margin)}: the payments do not even cover its costs. "
            "A provider that cannot bridge the gap stops, or picks the participants who finish fastest."
        )
        why_nl += (
            f". Over de hele looptijd verliest het {money_nl(-margin)}: de betalingen dekken de kosten niet eens. "
            "Een aanbieder die het gat niet kan overbruggen stopt, of kiest de deelnemers die het snelst klaar zijn."
        )

    freq = contract.timeline.payment_frequency
    mitigation_en = (
        f"Give {name} an advance or a working-capital facility of at least {money(facility)} (what keeps its "
        f"cash at its minimum of {money(prov.minimum_cash)} {scenario_en}), pay part of the tariff on early "
        "milestones (engagement, start of the trajectory) and shorten the time between result and payment"
    )
    mitigation_nl = (
        f"Geef {name} een voorschot of werkkapitaal van minstens {money_nl(facility)} (genoeg om het minimum van "
        f"{money_nl(prov.minimum_cash)} aan te houden {scenario_nl}), betaal een deel van het tarief op vroege "
        "mijlpalen (deelname, start van het traject) en verkort de tijd tussen resultaat en betaling"
    )
    if freq in _FREQUENCY_EN:
        mitigation_en += f"; pay monthly instead of {_FREQUENCY_EN[freq]}"
        mitigation_nl += f"; betaal maandelijks in plaats van {_FREQUENCY_NL[freq]}"
    return Finding(
        code=CODE,
        severity=severity,
        title_en=title_en,
        title_nl=title_nl,
        explanation_en=what_en + why_en,
        explanation_nl=what_nl + why_nl,
        mitigation_en=mitigation_en + ".",
        mitigation_nl=mitigation_nl + ".",
        path=f"$.providers[{p}].buffer",
    )
