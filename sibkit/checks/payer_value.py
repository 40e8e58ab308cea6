"""The payer overpays: it pays more than the outcomes save it, or pays investors far more than its own
borrowing would cost."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money, percent
from sibkit.i18n import N_, Decimal_, Fact, Listing, Phrase, Rate, Word
from sibkit.model import Contract, Grant

__all__ = ["capital_cost", "savings_cover"]

CODE_SAVINGS = "SIB-PAYER-001"
CODE_CAPITAL = "SIB-PAYER-002"


messages(
    CODE_SAVINGS,
    {
        "no-savings": Message(
            title=N_("No savings stated: value for money cannot be judged"),
            explanation=N_(
                "At the expected results the payers pay %(outcome_payments)s in outcome payments (%(outlay)s with "
                "VAT and fees), but the contract states no saving or other value per outcome. Without it nobody "
                "can tell whether the payers pay more than the results are worth to them, or which budget benefits."
            ),
            mitigation=N_(
                "Add the saving per outcome (from a social cost-benefit analysis or the payer's own cost data), say "
                "whether it is cashable and in which budget it lands, and compare it with the price."
            ),
        ),
        "not-covered": Message(
            title=N_("%(payer)s pays more than the outcomes save it (%(covered)s covered)"),
            explanation=(
                N_(
                    "At the expected results %(payer)s pays %(outlay)s (outcome payments, VAT and fees) while the "
                    "cashable savings landing in its budget are %(saved)s: %(covered)s of what it pays, a gap of "
                    "%(gap)s."
                ),
                Clause(N_(" A further %(not_cashable)s of value is real but not cash (it frees no budget).")),
                Clause(N_(" %(elsewhere)s of cashable savings land in the budgets of other organisations.")),
                N_(" The payer may still want the social value, but it should know it is buying it, not saving money."),
            ),
            mitigation=(
                N_("Either "),
                Clause(N_("lower the prices by about %(cut)s so that payments stay within the savings")),
                Clause(N_("pay only for outcomes that free money in this payer's budget"), unless="cut"),
                N_(
                    ", or bring in the budget holders where the savings land as co-payers, or record explicitly "
                    "that the payer accepts paying for social value beyond its own savings."
                ),
            ),
        ),
    },
)
messages(
    CODE_CAPITAL,
    {
        "no-borrowing-rate": Message(
            title=N_("Investors' returns cannot be compared with the payer's own cost of borrowing"),
            explanation=N_(
                "At the expected results investors earn (%(returns)s), but no payer states its own borrowing "
                "rate. A municipality borrows at a few percent a year; paying private investors much more is the "
                "price of moving the risk of failure to them, and the council should see that price."
            ),
            mitigation=N_(
                "State each payer's borrowing rate (borrowing_rate, e.g. 0.03 for 3% a year) so that the cost of "
                "investor capital can be weighed against it."
            ),
        ),
        "above-borrowing": Message(
            title=N_("Investors earn up to %(top)s a year; %(payer)s borrows at %(borrowing_rate)s"),
            explanation=N_(
                "At the expected results investors earn: %(returns)s. That is more than %(margin)s percentage "
                "points above the %(borrowing_rate)s a year at which %(payer)s borrows itself. They receive "
                "%(extra)s on top of their capital, where borrowing the same money at %(borrowing_rate)s would "
                "cost about %(alternative)s. Part of the difference pays for the risk investors carry; the rest "
                "is money that could have paid for more services."
            ),
            mitigation=N_(
                "Lower the coupon, cap investors' return (a maximum IRR or multiple) closer to the payer's "
                "borrowing rate plus a fair risk premium, send upside to a revolving fund instead of investors, "
                "or let the payer pre-finance the low-risk part itself."
            ),
        ),
    },
)


@register(CODE_SAVINGS, "savings_cover")
def savings_cover(contract: Contract, context: Context, *, min_ratio: Decimal = Decimal(1)) -> list[Finding]:
    """Flag each payer whose cashable savings at the expected results are below ``min_ratio`` (default 1,
    i.e. 100%) times what it pays (outcome payments, VAT and fees): a warning. An info finding when the
    contract states no savings at all, so value for money cannot be judged."""
    base = context.base
    cur = contract.currency
    if not contract.savings:
        facts: dict[str, Fact] = {
            "outcome_payments": money(int(base.outcome_payments[0]), cur),
            "outlay": money(sum(int(p.paid[0] + p.vat[0] + p.fees[0]) for p in base.payers), cur),
        }
        return [Finding(code=CODE_SAVINGS, kind="no-savings", severity="info", path="$.savings", facts=facts)]
    out: list[Finding] = []
    cashable_total = int(base.cashable_savings[0])
    not_cashable = int(base.savings[0]) - cashable_total
    elsewhere = cashable_total - sum(int(p.cashable_savings[0]) for p in base.payers)
    for k, (payer, res) in enumerate(zip(contract.payers, base.payers, strict=True)):
        outlay = int(res.paid[0] + res.vat[0] + res.fees[0])
        saved = int(res.cashable_savings[0])
        if outlay <= 0 or Decimal(saved) >= min_ratio * outlay:
            continue
        ratio = saved / outlay
        facts = {
            "payer": payer.name,
            "outlay": money(outlay, cur),
            "saved": money(saved, cur),
            "covered": percent(ratio),
            "gap": money(outlay - saved, cur),
        }
        if not_cashable > 0:
            facts["not_cashable"] = money(not_cashable, cur)
        if elsewhere > 0:
            facts["elsewhere"] = money(elsewhere, cur)
        if saved > 0:
            facts["cut"] = percent(1 - ratio)
        out.append(
            Finding(code=CODE_SAVINGS, kind="not-covered", severity="warning", path=f"$.payers[{k}]", facts=facts)
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
    cur = contract.currency
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
        returns = tuple(
            Phrase.of(N_("%(tranche)s %(irr)s a year"), tranche=t.id, irr=Rate(irr)) for _, t, irr in defined
        )
        facts: dict[str, Fact] = {"returns": Listing(returns) if returns else Word(N_("not defined"))}
        return [Finding(code=CODE_CAPITAL, kind="no-borrowing-rate", severity="info", path="$.payers", facts=facts)]
    out: list[Finding] = []
    for k, payer in rated:
        rate = payer.borrowing_rate
        assert rate is not None
        over = [(j, t, irr) for j, t, irr in defined if irr - float(rate) > float(margin)]
        if not over:
            continue
        parts: list[Phrase] = []
        extra = 0
        alternative = 0
        for j, t, irr in over:
            tr = base.tranches[j]
            drawn = int(tr.drawn[0])
            extra += max(int(tr.returned[0]) - drawn, 0)
            alternative += _borrowing_cost(base.flows.tranche_cash[0, :, j], rate)
            parts.append(
                Phrase.of(
                    N_("%(investor)s (%(tranche)s, %(drawn)s) %(irr)s a year"),
                    investor=investors.get(t.investor, t.investor),
                    tranche=t.id,
                    drawn=money(drawn, cur),
                    irr=Rate(irr),
                )
            )
        facts = {
            "payer": payer.name,
            "top": Rate(max(irr for _, _, irr in over)),
            "borrowing_rate": Rate(float(rate)),
            "returns": Listing(tuple(parts), "semicolon"),
            "margin": Decimal_((margin * 100).normalize()),
            "extra": money(extra, cur),
            "alternative": money(alternative, cur),
        }
        path = f"$.payers[{k}].borrowing_rate"
        out.append(Finding(code=CODE_CAPITAL, kind="above-borrowing", severity="warning", path=path, facts=facts))
    return out
