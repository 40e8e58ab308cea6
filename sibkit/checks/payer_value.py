"""The payer overpays: it pays more than the outcomes save it, or pays investors far more than its own
borrowing would cost."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, amount_text
from sibkit.model import Contract, Grant

__all__ = ["capital_cost", "savings_cover"]

CODE_SAVINGS = "SIB-PAYER-001"
CODE_CAPITAL = "SIB-PAYER-002"


def _pct(x: float | Decimal) -> str:
    return f"{float(x) * 100:.0f}%"


def _pct_nl(x: float | Decimal) -> str:
    """As ``_pct``, with a decimal comma."""
    return _pct(x).replace(".", ",")


def _points(x: Decimal) -> str:
    return f"{float(x) * 100:g}"


def _rate(x: float | Decimal) -> str:
    return f"{float(x) * 100:.1f}%"


def _rate_nl(x: float | Decimal) -> str:
    """As ``_rate``, with a decimal comma."""
    return _rate(x).replace(".", ",")


@register(CODE_SAVINGS, "savings_cover")
def savings_cover(contract: Contract, context: Context, *, min_ratio: Decimal = Decimal(1)) -> list[Finding]:
    """Flag each payer whose cashable savings at the expected results are below ``min_ratio`` (default 1,
    i.e. 100%) times what it pays (outcome payments, VAT and fees): a warning. An info finding when the
    contract states no savings at all, so value for money cannot be judged."""
    base = context.base

    def money(cents: int) -> str:
        return amount_text(cents, contract.currency, "en")

    def money_nl(cents: int) -> str:
        return amount_text(cents, contract.currency, "nl")

    if not contract.savings:
        outlay = sum(int(p.paid[0] + p.vat[0] + p.fees[0]) for p in base.payers)
        return [
            Finding(
                code=CODE_SAVINGS,
                severity="info",
                title_en="No savings stated: value for money cannot be judged",
                title_nl="Geen besparingen vastgelegd: of het geld goed besteed is, is niet te beoordelen",
                explanation_en=(
                    f"At the expected results the payers pay {money(int(base.outcome_payments[0]))} in outcome "
                    f"payments ({money(outlay)} with VAT and fees), but the contract states no saving or other "
                    "value per outcome. Without it nobody can tell whether the payers pay more than the results "
                    "are worth to them, or which budget benefits."
                ),
                explanation_nl=(
                    f"Bij de verwachte resultaten betalen de betalers {money_nl(int(base.outcome_payments[0]))} aan "
                    f"resultaatbetalingen ({money_nl(outlay)} met btw en vergoedingen), maar het contract legt geen "
                    "besparing of andere waarde per resultaat vast. Zonder die gegevens kan niemand zien of de "
                    "betalers meer betalen dan de resultaten hun waard zijn, of welk budget ervan profiteert."
                ),
                mitigation_en=(
                    "Add the saving per outcome (from a social cost-benefit analysis or the payer's own cost "
                    "data), say whether it is cashable and in which budget it lands, and compare it with the price."
                ),
                mitigation_nl=(
                    "Leg per resultaat de besparing vast (uit een MKBA of de eigen kostengegevens van de betaler), "
                    "of die besparing echt geld vrijmaakt (kasbesparing) en in welk budget ze valt, en vergelijk "
                    "haar met de prijs."
                ),
                path="$.savings",
            )
        ]

    out: list[Finding] = []
    cashable_total = int(base.cashable_savings[0])
    not_cashable = int(base.savings[0]) - cashable_total
    landed = sum(int(p.cashable_savings[0]) for p in base.payers)
    elsewhere = cashable_total - landed
    for k, (payer, res) in enumerate(zip(contract.payers, base.payers, strict=True)):
        outlay = int(res.paid[0] + res.vat[0] + res.fees[0])
        saved = int(res.cashable_savings[0])
        if outlay <= 0 or Decimal(saved) >= min_ratio * outlay:
            continue
        ratio = saved / outlay
        extra_en, extra_nl = "", ""
        if not_cashable > 0:
            extra_en += f" A further {money(not_cashable)} of value is real but not cash (it frees no budget)."
            extra_nl += (
                f" Nog eens {money_nl(not_cashable)} aan waarde is echt, maar geen geld (er komt geen budget "
                "door vrij)."
            )
        if elsewhere > 0:
            extra_en += f" {money(elsewhere)} of cashable savings land in the budgets of other organisations."
            extra_nl += f" {money_nl(elsewhere)} aan kasbesparingen valt in de budgetten van andere organisaties."
        cut = 1 - ratio
        if saved > 0:
            lower_en = f"lower the prices by about {_pct(cut)} so that payments stay within the savings"
            lower_nl = (
                f"verlaag de prijzen met ongeveer {_pct_nl(cut)} zodat de betalingen binnen de besparingen blijven"
            )
        else:
            lower_en = "pay only for outcomes that free money in this payer's budget"
            lower_nl = "betaal alleen voor resultaten die geld vrijmaken in het budget van deze betaler"
        out.append(
            Finding(
                code=CODE_SAVINGS,
                severity="warning",
                title_en=f"{payer.name} pays more than the outcomes save it ({_pct(ratio)} covered)",
                title_nl=f"{payer.name} betaalt meer dan de resultaten besparen ({_pct_nl(ratio)} gedekt)",
                explanation_en=(
                    f"At the expected results {payer.name} pays {money(outlay)} (outcome payments, VAT and fees) "
                    f"while the cashable savings landing in its budget are {money(saved)}: {_pct(ratio)} of what "
                    f"it pays, a gap of {money(outlay - saved)}.{extra_en} The payer may still want the social "
                    "value, but it should know it is buying it, not saving money."
                ),
                explanation_nl=(
                    f"Bij de verwachte resultaten betaalt {payer.name} {money_nl(outlay)} (resultaatbetalingen, btw "
                    f"en vergoedingen), terwijl de kasbesparingen in het eigen budget {money_nl(saved)} zijn: "
                    f"{_pct_nl(ratio)} van wat de betaler betaalt, een verschil van {money_nl(outlay - saved)}."
                    f"{extra_nl} De betaler kan de maatschappelijke waarde nog steeds willen, maar moet weten dat "
                    "hij die koopt en er geen geld mee bespaart."
                ),
                mitigation_en=(
                    f"Either {lower_en}, or bring in the budget holders where the savings land as co-payers, or "
                    "record explicitly that the payer accepts paying for social value beyond its own savings."
                ),
                mitigation_nl=(
                    f"Ofwel {lower_nl}, ofwel laat de budgethouders bij wie de besparingen terechtkomen meebetalen, "
                    "ofwel leg expliciet vast dat de betaler bewust betaalt voor maatschappelijke waarde boven de "
                    "eigen besparing."
                ),
                path=f"$.payers[{k}]",
            )
        )
    return out


def _borrowing_cost(cash: npt.NDArray[np.int64], rate: Decimal) -> int:
    """What borrowing the same money at ``rate`` a year would cost: simple interest, month by month,
    on the capital outstanding (draws less receipts) at the end of each month."""
    outstanding = np.maximum(-np.cumsum(cash), 0)
    return round(float(outstanding.sum()) * float(rate) / 12)


@register(CODE_CAPITAL, "capital_cost")
def capital_cost(contract: Contract, context: Context, *, margin: Decimal = Decimal("0.05")) -> list[Finding]:
    """Flag a payer whose investors earn, at the expected results, an annual IRR more than ``margin``
    (default 0.05: 5 percentage points) above the payer's own ``borrowing_rate``: a warning. An info
    finding when there is investor capital but no payer states its borrowing rate."""
    base = context.base

    def money(cents: int) -> str:
        return amount_text(cents, contract.currency, "en")

    def money_nl(cents: int) -> str:
        return amount_text(cents, contract.currency, "nl")

    investors = {i.id: i.name for i in contract.investors}
    repayable = [
        (j, t, float(base.tranches[j].irr[0]))
        for j, t in enumerate(contract.tranches)
        if not isinstance(t, Grant) and int(base.tranches[j].drawn[0]) > 0
    ]
    if not repayable:
        return []
    rated = [(k, p) for k, p in enumerate(contract.payers) if p.borrowing_rate is not None]
    defined = [(j, t, irr) for j, t, irr in repayable if not math.isnan(irr)]
    if not rated:
        listed_en = ", ".join(f"{t.id} {_rate(irr)} a year" for _, t, irr in defined) or "not defined"
        listed_nl = ", ".join(f"{t.id} {_rate_nl(irr)} per jaar" for _, t, irr in defined) or "niet gedefinieerd"
        return [
            Finding(
                code=CODE_CAPITAL,
                severity="info",
                title_en="Investors' returns cannot be compared with the payer's own cost of borrowing",
                title_nl="Het rendement van investeerders is niet te vergelijken met wat lenen de betaler kost",
                explanation_en=(
                    f"At the expected results investors earn ({listed_en}), but no payer states its own borrowing "
                    "rate. A municipality borrows at a few percent a year; paying private investors much more is "
                    "the price of moving the risk of failure to them, and the council should see that price."
                ),
                explanation_nl=(
                    f"Bij de verwachte resultaten verdienen investeerders ({listed_nl}), maar geen betaler vermeldt "
                    "de eigen leenrente. Een gemeente leent tegen enkele procenten per jaar; investeerders veel "
                    "meer betalen is de prijs voor het overdragen van het risico op mislukking, en de raad moet "
                    "die prijs zien."
                ),
                mitigation_en=(
                    "State each payer's borrowing rate (borrowing_rate, e.g. 0.03 for 3% a year) so that the cost "
                    "of investor capital can be weighed against it."
                ),
                mitigation_nl=(
                    "Vermeld per betaler de eigen leenrente (borrowing_rate, bijvoorbeeld 0.03 voor 3% per jaar), "
                    "zodat de kosten van investeerderskapitaal ertegen kunnen worden afgewogen."
                ),
                path="$.payers",
            )
        ]
    out: list[Finding] = []
    for k, payer in rated:
        rate = payer.borrowing_rate
        assert rate is not None
        over = [(j, t, irr) for j, t, irr in defined if irr - float(rate) > float(margin)]
        if not over:
            continue
        parts_en, parts_nl = [], []
        extra = 0
        alternative = 0
        for j, t, irr in over:
            tr = base.tranches[j]
            drawn = int(tr.drawn[0])
            gain = int(tr.returned[0]) - drawn
            extra += max(gain, 0)
            alternative += _borrowing_cost(base.flows.tranche_cash[0, :, j], rate)
            who = investors.get(t.investor, t.investor)
            parts_en.append(f"{who} ({t.id}, {money(drawn)}) {_rate(irr)} a year")
            parts_nl.append(f"{who} ({t.id}, {money_nl(drawn)}) {_rate_nl(irr)} per jaar")
        top = max(irr for _, _, irr in over)
        out.append(
            Finding(
                code=CODE_CAPITAL,
                severity="warning",
                title_en=f"Investors earn up to {_rate(top)} a year; {payer.name} borrows at {_rate(rate)}",
                title_nl=(
                    f"Investeerders verdienen tot {_rate_nl(top)} per jaar; {payer.name} leent tegen {_rate_nl(rate)}"
                ),
                explanation_en=(
                    f"At the expected results investors earn: {'; '.join(parts_en)}. That is more than "
                    f"{_points(margin)} percentage points above the {_rate(rate)} a year at which {payer.name} "
                    f"borrows itself. They receive {money(extra)} on top of their capital, where borrowing the same "
                    f"money at {_rate(rate)} would cost about {money(alternative)}. Part of the difference pays for "
                    "the risk investors carry; the rest is money that could have paid for more services."
                ),
                explanation_nl=(
                    f"Bij de verwachte resultaten verdienen: {'; '.join(parts_nl)}. Dat is meer dan "
                    f"{_points(margin).replace('.', ',')} procentpunt boven de {_rate_nl(rate)} per jaar waartegen "
                    f"{payer.name} zelf leent. Ze ontvangen {money_nl(extra)} bovenop hun kapitaal, terwijl hetzelfde "
                    f"geld lenen tegen {_rate_nl(rate)} ongeveer {money_nl(alternative)} zou kosten. Een deel van het "
                    "verschil betaalt het risico dat investeerders dragen; de rest is geld dat naar meer "
                    "dienstverlening had kunnen gaan."
                ),
                mitigation_en=(
                    "Lower the coupon, cap investors' return (a maximum IRR or multiple) closer to the payer's "
                    "borrowing rate plus a fair risk premium, send upside to a revolving fund instead of "
                    "investors, or let the payer pre-finance the low-risk part itself."
                ),
                mitigation_nl=(
                    "Verlaag de rente, begrens het rendement van investeerders (een maximale IRR of veelvoud) "
                    "dichter bij de leenrente van de betaler plus een redelijke risicopremie, laat meeropbrengst "
                    "naar een revolverend fonds gaan in plaats van naar investeerders, of laat de betaler het "
                    "risicoarme deel zelf voorfinancieren."
                ),
                path=f"$.payers[{k}].borrowing_rate",
            )
        )
    return out
