"""The wrong pocket: who pays for the outcomes is not who saves from them.

Savings land in budgets owned by different bodies (welfare with the municipality, care with the health
insurer), while the contract charges whoever signed it. When a party saves much and pays little (or pays
much and saves little), the one that pays has a weaker case and the one that saves has no stake: the deal
is fragile, and the payer shares that would match who benefits are the natural starting point for
co-payment.
"""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, messages, money, percent
from sibkit.engine.accounts import Account
from sibkit.i18n import N_, Fact, Listing, Phrase
from sibkit.model import Contract

__all__ = ["wrong_pocket"]

CODE = "SIB-POCKET-001"

messages(
    CODE,
    {
        "mismatch": Message(
            title=N_("The wrong pocket: %(party)s gets %(saved)s of the savings and pays %(paid)s of the cost"),
            explanation=N_(
                "At the expected results the payers and contributors (philanthropic funders not counted) pay "
                "%(cost)s for the outcomes, and %(savings)s of cashable savings land in budgets. Who pays and who "
                "saves do not match: %(parties)s. A party that saves without "
                "paying has no stake in the deal, and one that pays for another's savings has a weaker case to "
                "its council."
            ),
            mitigation=N_(
                "Bring the budget holders where the savings land in as co-payers, with payer shares that follow "
                "the savings (%(shares)s), or agree how the saving party pays back part of what it saves; or "
                "record that the payer buys the outcome for its own sake."
            ),
        ),
    },
)

_FUNDERS = ("outcome_payer", "fund_contributor")


def _cost(account: Account, philanthropy: set[str]) -> int:
    """What a payer or contributor is out of pocket for outcomes (a fund passing money on costs nothing). A
    philanthropic funder counts for nothing: it pays for social value by design and owns no budget that saves,
    so its gift lowers everyone's cost rather than making a wrong pocket."""
    if account.id in philanthropy or not any(role in account.roles for role in _FUNDERS):
        return 0
    return max(-int(account.net[0]), 0)


@register(CODE, "wrong_pocket")
def wrong_pocket(contract: Contract, context: Context, *, gap: Decimal = Decimal("0.25")) -> list[Finding]:
    """Flag, at the expected results, a party whose share of the cashable savings and share of the cost of
    the outcomes (what payers and contributors other than philanthropic funders are out of pocket) differ by
    more than ``gap`` (default 0.25: 25 percentage points): a warning, with the payer shares that would follow
    the savings. Savings that name no party of the contract count as landing outside it. Nothing when no
    savings are stated or nothing is paid."""
    base = context.base
    cur = contract.currency
    philanthropy = {p.id for p in contract.payers if p.kind == "philanthropy"}
    philanthropy |= {c.id for p in contract.payers for c in p.contributors if c.kind == "philanthropy"}
    cost = {a.id: _cost(a, philanthropy) for a in base.accounts}
    saved = {a.id: int(a.savings[0]) for a in base.accounts}
    total_cost, total_saved = sum(cost.values()), int(base.cashable_savings[0])
    if total_cost <= 0 or total_saved <= 0:
        return []
    outside = total_saved - sum(saved.values())
    rows = [
        (a, Decimal(saved[a.id]) / total_saved, Decimal(cost[a.id]) / total_cost)
        for a in base.accounts
        if saved[a.id] or cost[a.id]
    ]
    worst = max(rows, key=lambda r: abs(r[1] - r[2]))
    if abs(worst[1] - worst[2]) <= gap:
        return []
    parties: list[Fact] = [
        Phrase.of(
            N_("%(party)s pays %(paid)s of the cost and gets %(saved)s of the savings"),
            party=a.name,
            paid=percent(c),
            saved=percent(s),
        )
        for a, s, c in rows
    ]
    if outside > 0:
        parties.append(
            Phrase.of(N_("%(saved)s of the savings land outside the contract's parties"), saved=money(outside, cur))
        )
    shares = [Phrase.of(N_("%(party)s %(share)s"), party=a.name, share=percent(s)) for a, s, _ in rows if s]
    if outside > 0:
        share = percent(Decimal(outside) / total_saved)
        shares.append(Phrase.of(N_("the budget holders outside the contract %(share)s"), share=share))
    facts: dict[str, Fact] = {
        "party": worst[0].name,
        "saved": percent(worst[1]),
        "paid": percent(worst[2]),
        "cost": money(total_cost, cur),
        "savings": money(total_saved, cur),
        "parties": Listing(tuple(parties), "semicolon"),
        "shares": Listing(tuple(shares), "comma"),
    }
    return [Finding(code=CODE, kind="mismatch", severity="warning", path="$.savings", facts=facts)]
