"""Appropriation: a budget year whose payments exceed what the council appropriated for it.

A municipality budgets per year; paying more in a year than the council appropriated needs a new council
decision (a *begrotingswijziging*), and paying in a year for which nothing is appropriated needs one too.
"""

from __future__ import annotations

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Message, messages, money
from sibkit.engine.accounts import appropriations
from sibkit.i18n import N_, Fact
from sibkit.model import Contract

__all__ = ["appropriation"]

CODE = "SIB-BUDGET-001"

messages(
    CODE,
    {
        "over": Message(
            title=N_("%(party)s pays %(paid)s in %(year)s, %(excess)s more than it appropriated"),
            explanation=N_(
                "At the expected results %(party)s pays %(paid)s in budget year %(year)s, while %(appropriated)s is "
                "appropriated for the contract that year: %(excess)s more. Paying it needs a new decision on the "
                "budget, or the payment waits, which the providers feel first."
            ),
            mitigation=N_(
                "Raise the appropriation for %(year)s (or move part of an earlier year's), cap what the contract "
                "pays per year, or pay results less often so that payments follow the budget years."
            ),
        ),
        "none": Message(
            title=N_("%(party)s pays %(paid)s in %(year)s, a year with no appropriation"),
            explanation=N_(
                "At the expected results %(party)s pays %(paid)s in budget year %(year)s, but it states "
                "appropriations for other years only."
            ),
            mitigation=N_("Appropriate the payments of %(year)s too, or say why that year needs none."),
        ),
    },
)


@register(CODE, "appropriation")
def appropriation(contract: Contract, context: Context) -> list[Finding]:
    """Flag, at the expected results, each budget year in which a payer or contributor that states
    appropriations pays more than appropriated, or pays in a year it states none for: a warning."""
    base = context.base
    cur = contract.currency
    stated = appropriations(contract)
    paths: dict[str, str] = {}
    for k, payer in enumerate(contract.payers):
        paths[payer.id] = f"$.payers[{k}].appropriations"
        for j, contributor in enumerate(payer.contributors):
            paths[contributor.id] = f"$.payers[{k}].contributors[{j}].appropriations"
    out: list[Finding] = []
    for account in base.accounts:
        if account.id not in stated:
            continue
        for year in account.years:
            paid = int(year.pays[0])
            if paid <= 0:
                continue
            facts: dict[str, Fact] = {"party": account.name, "paid": money(paid, cur), "year": str(year.year)}
            if year.appropriated is None:
                out.append(Finding(code=CODE, kind="none", severity="warning", path=paths[account.id], facts=facts))
            elif paid > year.appropriated:
                facts |= {
                    "appropriated": money(year.appropriated, cur),
                    "excess": money(paid - year.appropriated, cur),
                }
                out.append(Finding(code=CODE, kind="over", severity="warning", path=paths[account.id], facts=facts))
    return out
