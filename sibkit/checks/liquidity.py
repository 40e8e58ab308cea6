"""Provider liquidity stress: outcome payments arrive in arrears, and a provider without working capital
runs out of cash before it is paid."""

from __future__ import annotations

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, Severity, messages, money
from sibkit.engine.ledger import Why
from sibkit.engine.results import ProviderResults, Results
from sibkit.i18n import N_, Count, Fact, Month, Word
from sibkit.model import Contract, Provider

__all__ = ["provider_liquidity"]

CODE = "SIB-CASH-001"

_HALF = Clause(
    N_("; at half the expected success it falls to %(half_lowest)s in month %(half_month_number)d (%(half_month)s)")
)
_WHY = (
    N_(
        ". It starts with a buffer of %(buffer)s and pays its costs from the month a participant starts, while "
        "outcome payments come only after the result is measured and verified"
    ),
    Clause(N_(" (the first payment arrives in month %(first_month_number)d (%(first_month)s))")),
    Clause(
        N_(
            ". Over the whole term it ends %(surplus)s up: the price covers its costs, the timing does not. "
            "A provider that cannot bridge the gap stops, or picks the participants who finish fastest."
        )
    ),
    Clause(
        N_(
            ". Over the whole term it loses %(loss)s: the payments do not even cover its costs. "
            "A provider that cannot bridge the gap stops, or picks the participants who finish fastest."
        )
    ),
)
_MITIGATION = (
    N_(
        "Give %(provider)s an advance or a working-capital facility of at least %(facility)s (what keeps its "
        "cash at its minimum of %(minimum)s %(scenario)s), pay part of the tariff on early milestones "
        "(engagement, start of the trajectory) and shorten the time between result and payment"
    ),
    Clause(N_("; pay monthly instead of %(frequency)s")),
    ".",
)
_MINIMUM_TITLE = N_("%(provider)s's cash falls below its safe minimum of %(minimum)s")
_MINIMUM_REST = N_(
    ", %(provider)s's cash falls to %(lowest)s in month %(month_number)d (%(month)s), below the %(minimum)s it "
    "needs to operate safely, for %(months_below_minimum)d of the %(term)d months"
)
_FREQUENCY = {
    "quarterly": N_("quarterly"),
    "semiannual": N_("every six months"),
    "annual": N_("once a year"),
    "end": N_("at the end"),
}
"""How the mitigation names a payment frequency less often than monthly."""

messages(
    CODE,
    {
        "zero": Message(
            # the title says how much is missing, as a positive amount: "short of cash: -€51,650" says it twice
            title=N_("%(provider)s runs out of cash: %(short)s short in month %(month_number)d (%(month)s)"),
            explanation=(
                N_(
                    "At the expected results, %(provider)s's cash falls to %(lowest)s in month %(month_number)d "
                    "(%(month)s) and is below zero in %(months_below_zero)d of the %(term)d months"
                ),
                _HALF,
                *_WHY,
            ),
            mitigation=_MITIGATION,
        ),
        "zero-low": Message(
            title=N_("%(provider)s runs out of cash if results are half the expected: %(half_short)s short"),
            explanation=(
                N_(
                    "At the expected results %(provider)s's cash stays at or above %(lowest)s, but at half the "
                    "expected success it falls to %(half_lowest)s in month %(half_month_number)d (%(half_month)s) "
                    "and is below zero in %(months_below_zero)d of the %(term)d months"
                ),
                *_WHY,
            ),
            mitigation=_MITIGATION,
        ),
        "minimum": Message(
            title=_MINIMUM_TITLE,
            explanation=(N_("At the expected results"), _MINIMUM_REST, *_WHY),
            mitigation=_MITIGATION,
        ),
        "minimum-low": Message(
            title=_MINIMUM_TITLE,
            explanation=(N_("At half the expected success"), _MINIMUM_REST, *_WHY),
            mitigation=_MITIGATION,
        ),
    },
)


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
    lowest, month, below_zero, below_min = expected
    low_lowest, low_month, low_zero, low_min = half
    cur = contract.currency
    facts: dict[str, Fact] = {
        "provider": prov.name,
        "term": Count(contract.timeline.term_months),
        "buffer": money(prov.buffer, cur),
        "minimum": money(prov.minimum_cash, cur),
    }
    if kind == "minimum" and below_min == 0:
        kind = "minimum-low"
    if kind in ("zero", "minimum"):
        facts |= _month(contract, "", lowest, month)
        facts["months_below_zero" if kind == "zero" else "months_below_minimum"] = Count(
            below_zero if kind == "zero" else below_min
        )
        if kind == "zero":
            facts["short"] = money(max(-lowest, 0), cur)
        if kind == "zero" and low_lowest < lowest:
            facts |= _month(contract, "half_", low_lowest, low_month)
    elif kind == "zero-low":
        facts["lowest"] = money(lowest, cur)
        facts |= _month(contract, "half_", low_lowest, low_month)
        facts["half_short"] = money(max(-low_lowest, 0), cur)
        facts["months_below_zero"] = Count(low_zero)
    else:
        facts |= _month(contract, "", low_lowest, low_month)
        facts["months_below_minimum"] = Count(low_min)
    first = _first_receipt(base, prov.id)
    if first is not None:
        facts |= {"first_month_number": Count(first), "first_month": Month(contract.timeline.month_start(first))}
    margin = int(base.providers[p].margin[0])
    facts["surplus" if margin >= 0 else "loss"] = money(abs(margin), cur)
    trigger = lowest if kind in ("zero", "minimum") else low_lowest
    facts["facility"] = money(max(prov.minimum_cash - trigger, 0), cur)
    at_base = trigger == lowest
    facts["scenario"] = Word(N_("at the expected results") if at_base else N_("at half the expected success"))
    freq = contract.timeline.payment_frequency
    if freq in _FREQUENCY:
        facts["frequency"] = Word(_FREQUENCY[freq])
    return Finding(code=CODE, kind=kind, severity=severity, path=f"$.providers[{p}].buffer", facts=facts)


def _month(contract: Contract, prefix: str, cents: int, month: int) -> dict[str, Fact]:
    """The lowest cash and its month as facts (``lowest``, ``month_number``, ``month``), names prefixed."""
    return {
        f"{prefix}lowest": money(cents, contract.currency),
        f"{prefix}month_number": Count(month),
        f"{prefix}month": Month(contract.timeline.month_start(month)),
    }
