"""Provider liquidity stress: outcome payments arrive in arrears, and a provider without working capital
runs out of cash before it is paid.

The finding says why, as one of four causes (the last part of its ``kind``: ``zero-capital``,
``minimum-low-timing`` …), decided from the provider's month-end cash in the scenario that triggered it
(the expected results, or half the expected success) and its margin over the term there:

* ``capital``: the money it has before the first outcome payment reaches it (its buffer, other income and
  the capital paid to it for its costs) is already below its planned costs by then: more capital, a larger
  buffer or a facility of the size of that gap, since no payment can come before the work is done;
* ``timing``: its cash holds until the first payment and the price covers its costs over the term (margin
  at least zero), but the payments come too late or too rarely to keep up: earlier milestones, a shorter
  lag, more frequent payment, or a bridging facility;
* ``both``: the money falls short before the first payment, and the payments that follow, although they
  cover the costs over the term, still come too late to catch up;
* ``price``: its cash holds until the first payment, but the payments do not cover its costs over the term:
  no timing helps, and a facility would only defer the loss.
"""

from __future__ import annotations

import numpy as np

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, Part, Severity, message_for, messages, money
from sibkit.engine.ledger import Why
from sibkit.engine.results import ProviderResults, Results
from sibkit.i18n import N_, Count, Fact, Month, Word
from sibkit.model import Contract, Provider

__all__ = ["CAUSES", "provider_liquidity"]

CODE = "SIB-CASH-001"

CAUSES = ("capital", "timing", "both", "price")
"""Why a provider runs short, the last part of a finding's kind (see the module's docstring)."""

_HALF = Clause(
    N_("; at half the expected success it falls to %(half_lowest)s in month %(half_month_number)d (%(half_month)s)")
)
_START: tuple[Part, ...] = (
    N_(
        ". It starts with a buffer of %(buffer)s and pays its costs from the month a participant starts, while "
        "outcome payments come only after the result is measured and verified"
    ),
    Clause(N_(" (the first payment arrives in month %(first_month_number)d (%(first_month)s))")),
)
_CAPITAL: tuple[Part, ...] = (
    N_(". Up to month %(before_month_number)d (%(before_month)s)"),
    Clause(N_(", before its first payment,"), when="first_month"),
    N_(
        " it spends %(before_costs)s on its participants and overhead and has %(before_money)s to pay them from "
        "(its buffer, other income and the capital paid to it): %(capital_gap)s too little to pay them and keep its "
        "minimum of %(minimum)s, however fast results are paid"
    ),
)
_SURPLUS = N_(". Over the whole term, %(scenario)s, it ends %(surplus)s up")
_LOSS = N_(". Over the whole term, %(scenario)s, it loses %(loss)s: the payments do not even cover its costs")
_STOPS = N_(" A provider that cannot bridge the gap stops, or picks the participants who finish fastest.")
_WHY: dict[str, tuple[Part, ...]] = {
    "capital": (*_START, *_CAPITAL, Clause(_SURPLUS), Clause(_LOSS), ".", _STOPS),
    "timing": (*_START, _SURPLUS, N_(": the price covers its costs, the timing of the payments does not"), ".", _STOPS),
    "both": (
        *_START,
        *_CAPITAL,
        _SURPLUS,
        N_(", but the payments after the first still come too late to catch up with its costs"),
        ".",
        _STOPS,
    ),
    "price": (*_START, _LOSS, N_(", so no timing of the payments closes the gap"), ".", _STOPS),
}
"""The second half of each explanation, by cause: why the cash runs short."""

_MORE_CAPITAL = N_(
    "Give %(provider)s at least %(capital_gap)s more working capital for the months before it is paid: a larger "
    "buffer, more committed capital or a facility"
)
_EARLIER = N_(
    "pay part of the tariff on early milestones (engagement, start of the trajectory) and shorten the time "
    "between result and payment"
)
_MONTHLY = Clause(N_("; pay monthly instead of %(frequency)s"))
_MITIGATION: dict[str, tuple[Part, ...]] = {
    "capital": (
        _MORE_CAPITAL,
        N_(". Faster payment does not close this gap: no result is paid before the work is done."),
    ),
    "timing": (
        N_("The price covers the costs, so bring the payments forward: "),
        _EARLIER,
        _MONTHLY,
        N_(
            ". Bridge the gap until then with a facility of at least %(facility)s, repaid from the outcome payments "
            "(what keeps its cash at its minimum of %(minimum)s %(scenario)s)."
        ),
    ),
    "both": (
        _MORE_CAPITAL,
        N_("; after the first payment, pay part of the tariff on early milestones and sooner after the result"),
        _MONTHLY,
        N_(", or widen the facility to %(facility)s in all."),
    ),
    "price": (
        N_(
            "The payments do not cover %(provider)s's costs %(scenario)s: a facility would only defer the loss. "
            "Raise the price of the results it can reach, pay part of its costs whatever the results (a fee for "
            "early milestones), or let investors pre-finance its costs and carry that risk; to carry the loss "
            "itself, it needs %(facility)s more of its own money to keep its minimum of %(minimum)s."
        ),
    ),
}
"""The remedy, by cause: it matches why the cash runs short."""

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

_SHORT: dict[str, tuple[str, tuple[Part, ...]]] = {
    # the title says how much is missing, as a positive amount: "short of cash: -€51,650" says it twice
    "zero": (
        N_("%(provider)s runs out of cash: %(short)s short in month %(month_number)d (%(month)s)"),
        (
            N_(
                "At the expected results, %(provider)s's cash falls to %(lowest)s in month %(month_number)d "
                "(%(month)s) and is below zero in %(months_below_zero)d of the %(term)d months"
            ),
            _HALF,
        ),
    ),
    "zero-low": (
        N_("%(provider)s runs out of cash if results are half the expected: %(half_short)s short"),
        (
            N_(
                "At the expected results %(provider)s's cash stays at or above %(lowest)s, but at half the "
                "expected success it falls to %(half_lowest)s in month %(half_month_number)d (%(half_month)s) "
                "and is below zero in %(months_below_zero)d of the %(term)d months"
            ),
        ),
    ),
    "minimum": (_MINIMUM_TITLE, (N_("At the expected results"), _MINIMUM_REST)),
    "minimum-low": (_MINIMUM_TITLE, (N_("At half the expected success"), _MINIMUM_REST)),
}
"""The title and the first half of each explanation, by how far the cash falls and in which scenario."""

messages(
    CODE,
    {
        f"{kind}-{cause}": Message(title=title, explanation=(*head, *_WHY[cause]), mitigation=_MITIGATION[cause])
        for kind, (title, head) in _SHORT.items()
        for cause in CAUSES
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


_AT_BASE = ("zero", "minimum")
"""The kinds found at the expected results; the others at half the expected success."""


@register(CODE, "provider_liquidity")
def provider_liquidity(contract: Contract, context: Context, *, tolerated_months: int = 0) -> list[Finding]:
    """Flag each provider whose cash runs out before it is paid, and say why (``CAUSES``).

    An error when its cash goes below zero in the expected scenario (``context.base``) for more than
    ``tolerated_months`` months (default 0: any month); a warning when that happens only at half the
    expected success (``context.low``), or when its cash only dips below its own ``minimum_cash``.
    """
    out: list[Finding] = []
    base, low_providers = context.base, context.low_providers  # the whole low run only for a finding
    for p, prov in enumerate(contract.providers):
        lowest, month, below_zero, below_min = _stats(base.providers[p])
        low_lowest, low_month, low_zero, low_min = _stats(low_providers[p])
        if lowest < 0 and below_zero > tolerated_months:
            severity: Severity = "error"
            kind = "zero"
        elif low_lowest < 0 and low_zero > tolerated_months:
            severity, kind = "warning", "zero-low"
        elif below_min > 0:
            severity, kind = "warning", "minimum"
        elif low_min > 0:
            severity, kind = "warning", "minimum-low"
        else:
            continue
        expected = (lowest, month, below_zero, below_min)
        half = (low_lowest, low_month, low_zero, low_min)
        # the run that triggered the finding: its cash, first payment and margin say why
        results = base if kind in _AT_BASE else context.low
        out.append(_finding(contract, results, prov, p, severity, kind, expected, half))
    return out


def _finding(
    contract: Contract,
    results: Results,
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
    if kind in _AT_BASE:
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
    # the scenario that triggered the finding (``results``): its cash, first payment and margin say why
    at_base = kind in _AT_BASE
    trigger = lowest if at_base else low_lowest
    facts["scenario"] = Word(N_("at the expected results") if at_base else N_("at half the expected success"))
    first = _first_receipt(results, prov.id)
    if first is not None:
        facts |= {"first_month_number": Count(first), "first_month": Month(contract.timeline.month_start(first))}
    margin = int(results.providers[p].margin[0])
    facts["surplus" if margin >= 0 else "loss"] = money(abs(margin), cur)
    facts["facility"] = money(max(prov.minimum_cash - trigger, 0), cur)
    threshold = 0 if kind.startswith("zero") else prov.minimum_cash
    cause, before = _cause(results, p, first, threshold, margin)
    if before is not None:
        before_month, before_cash, before_costs = before
        facts |= {
            "before_month_number": Count(before_month),
            "before_month": Month(contract.timeline.month_start(before_month)),
            "before_costs": money(before_costs, cur),
            "before_money": money(before_cash + before_costs, cur),
            "capital_gap": money(prov.minimum_cash - before_cash, cur),
        }
    freq = contract.timeline.payment_frequency
    if freq in _FREQUENCY:
        facts["frequency"] = Word(_FREQUENCY[freq])
    kind = f"{kind}-{cause}"
    names = message_for(CODE, kind).names()  # each cause tells only the facts its words need
    facts = {name: value for name, value in facts.items() if name in names}
    return Finding(code=CODE, kind=kind, severity=severity, path=f"$.providers[{p}].buffer", facts=facts)


def _cause(
    results: Results, p: int, first: int | None, threshold: int, margin: int
) -> tuple[str, tuple[int, int, int] | None]:
    """Why provider ``p``'s cash falls below ``threshold`` (zero, or its minimum), one of ``CAUSES``; when the
    capital falls short (``capital``, ``both``), ``(month, cash, costs)``: the month of its lowest cash before
    the first payment (all the term when none comes), its cash then and its costs up to and including it.

    Without the cash of each month (a run without detail), only the margin can tell: ``timing`` when it
    is at least zero, else ``price``.
    """
    cash = results.flows.provider_cash[0, :, p]
    if not len(cash):
        return ("timing" if margin >= 0 else "price"), None
    end = len(cash) if first is None else first
    if end == 0 or int(cash[:end].min()) >= threshold:
        return ("timing" if margin >= 0 else "price"), None
    month = int(np.argmin(cash[:end]))
    before = (month, int(cash[month]), _costs_until(results, p, month))
    late = first is not None and int(cash[first:].min()) < threshold
    return ("both" if late and margin >= 0 else "capital"), before


def _costs_until(results: Results, p: int, month: int) -> int:
    """Provider ``p``'s delivery costs from the start up to and including ``month``, cents."""
    provider = results.providers[p].id
    total = 0
    for (source, _, reason), arr in results.flows.ledger.flows.items():
        if source == provider and reason.why is Why.COSTS:
            total += int(arr[0, : month + 1].sum())
    return total


def _month(contract: Contract, prefix: str, cents: int, month: int) -> dict[str, Fact]:
    """The lowest cash and its month as facts (``lowest``, ``month_number``, ``month``), names prefixed."""
    return {
        f"{prefix}lowest": money(cents, contract.currency),
        f"{prefix}month_number": Count(month),
        f"{prefix}month": Month(contract.timeline.month_start(month)),
    }
