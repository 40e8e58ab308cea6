"""Every party's own account: what it pays, what it receives, and the savings that land with it.

A party's account is read from the ledger, so it holds every movement of money the party takes part in,
whatever its role: a fund contributor is charged its share of what the fund pays (``contribution to
outcome payments``), a guarantor pays what its guarantee is drawn for, an investor pays in capital and
receives interest, principal and guarantee draws, a provider receives payments and other income and pays
its costs. Savings are credited to the **owner of the budget** they land in (``[[budgets]]``, or the party
a saving names directly), not to whoever pays: this is where the "wrong pocket" shows.

Units: cents (``int``), arrays with a leading scenario axis ``N``. Per budget year (``Timeline.budget_year``:
the calendar year by default) only where the ledger keeps months (a deterministic run); a Monte Carlo
ledger keeps totals only, so its accounts have totals and no years.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.ledger import Ledger
from sibkit.errors import EngineError
from sibkit.model import Contract

__all__ = ["Account", "Role", "YearAccount", "accounts", "appropriations", "parties", "saving_owner"]

I64 = npt.NDArray[np.int64]

Role = Literal[
    "outcome_payer",
    "fund_contributor",
    "investor",
    "guarantor",
    "provider",
    "intermediary",
    "evaluator",
    "budget_owner",
    "other",
]
"""What a party does in the contract; a party may have several roles (an investor that also guarantees)."""


@attrs.frozen(kw_only=True, eq=False)
class YearAccount:
    """One budget year of a party's account, per scenario (cents)."""

    year: int
    """The budget year, named by the calendar year it starts in (``Timeline.budget_year``)."""
    pays: I64
    receives: I64
    appropriated: int | None = None
    """What the party appropriated for this year (a payer's or contributor's ``appropriations``), cents;
    ``None`` when it states none for the year."""

    @property
    def over_appropriation(self) -> I64:
        """What it pays beyond its appropriation that year, per scenario (0 where within or none stated)."""
        if self.appropriated is None:
            return np.zeros_like(self.pays)
        return np.maximum(self.pays - self.appropriated, 0)

    @property
    def net(self) -> I64:
        """``receives - pays``: negative when the party is out of pocket that year."""
        return self.receives - self.pays


@attrs.frozen(kw_only=True, eq=False)
class Account:
    """One party's account over the term, per scenario (cents)."""

    id: str
    name: str
    roles: tuple[Role, ...]
    pays: I64
    """Everything the party paid: outcome payments, contributions, capital, guarantee draws, fees, costs."""
    receives: I64
    """Everything it received: payments for outcomes, returns, fees, other income, contributions (a fund)."""
    savings: I64
    """Cashable savings landing in budgets the party owns (money that actually stays in its budget)."""
    other_savings: I64
    """Savings that are real but not cash (wellbeing, broad prosperity) landing with it."""
    years: tuple[YearAccount, ...]
    """The same per budget year, in order; empty for a Monte Carlo run (its ledger keeps totals only)."""

    @property
    def net(self) -> I64:
        """``receives - pays``: negative when the party is out of pocket."""
        return self.receives - self.pays

    @property
    def net_of_savings(self) -> I64:
        """``net + savings``: what the deal leaves the party with once its cashable savings are counted."""
        return self.net + self.savings


def parties(contract: Contract) -> Iterator[tuple[str, str, tuple[Role, ...]]]:
    """``(id, name, roles)`` of every party of the contract, in file order: payers (each followed by its
    fund's contributors), investors, providers, intermediaries, evaluators, other parties."""
    guarantors = {g.guarantor for g in contract.guarantees}
    owners = {b.owner for b in contract.budgets}

    def roles(party: str, *own: Role) -> tuple[Role, ...]:
        extra: list[Role] = []
        if party in guarantors:
            extra.append("guarantor")
        if party in owners:
            extra.append("budget_owner")
        out = tuple(dict.fromkeys((*own, *extra)))
        return out or ("other",)

    for payer in contract.payers:
        yield payer.id, payer.name, roles(payer.id, "outcome_payer")
        for c in payer.contributors:
            yield c.id, c.name, roles(c.id, "fund_contributor")
    for inv in contract.investors:
        yield inv.id, inv.name, roles(inv.id, "investor")
    for prov in contract.providers:
        yield prov.id, prov.name, roles(prov.id, "provider")
    for med in contract.intermediaries:
        yield med.id, med.name, roles(med.id, "intermediary")
    for ev in contract.evaluators:
        yield ev.id, ev.name, roles(ev.id, "evaluator")
    for other in contract.parties:
        yield other.id, other.name, roles(other.id)


def saving_owner(contract: Contract, budget: str) -> str | None:
    """The party a saving's ``budget`` credits: the owner of the budget with that id, the party with that
    id, or ``None`` when it names neither (a budget of nobody in the contract, such as ``'Zvw'``)."""
    for b in contract.budgets:
        if b.id == budget:
            return b.owner
    known = {party for party, _, _ in parties(contract)}
    return budget if budget in known else None


def accounts(contract: Contract, ledger: Ledger, units: I64) -> tuple[Account, ...]:
    """Every party's account (``parties`` order) from a run's ``ledger`` and the ``units`` of each metric
    achieved and paid for, shape (N, M) (``Schedule.units_paid_for``).

    Raises ``EngineError`` when the accounts do not add up: the ledger's accounts (the parties' and the
    engine's own) must net to zero in every scenario, and a party's years must add up to its totals."""
    n = ledger.n
    cashable: dict[str, I64] = {}
    other: dict[str, I64] = {}
    metric_index = {m.id: i for i, m in enumerate(contract.metrics)}
    for s in contract.savings:
        owner = saving_owner(contract, s.budget)
        if owner is None:
            continue
        value = units[:, metric_index[s.metric]] * s.amount_per_unit
        target = cashable if s.cashable else other
        target[owner] = target.get(owner, np.zeros(n, dtype=np.int64)) + value
    years = _year_index(contract, ledger)
    appropriated = appropriations(contract)
    outflow, inflow = _by_account(ledger)
    none = np.zeros((n, ledger.months), dtype=np.int64)
    out: list[Account] = []
    for party, name, roles in parties(contract):
        pays, receives = outflow.get(party, none), inflow.get(party, none)
        account = Account(
            id=party,
            name=name,
            roles=roles,
            pays=pays.sum(axis=1),
            receives=receives.sum(axis=1),
            savings=cashable.get(party, np.zeros(n, dtype=np.int64)),
            other_savings=other.get(party, np.zeros(n, dtype=np.int64)),
            years=tuple(
                YearAccount(
                    year=year,
                    pays=pays[:, cols].sum(axis=1),
                    receives=receives[:, cols].sum(axis=1),
                    appropriated=appropriated.get(party, {}).get(year),
                )
                for year, cols in years
            ),
        )
        _reconcile(account, ledger.detail)
        out.append(account)
    total = sum((x.sum(axis=1) for x in inflow.values()), np.zeros(n, dtype=np.int64))
    total -= sum((x.sum(axis=1) for x in outflow.values()), np.zeros(n, dtype=np.int64))
    if np.any(total != 0):
        raise EngineError(f"the ledger's accounts do not net to zero: {total.tolist()[:5]} cents")
    return tuple(out)


def appropriations(contract: Contract) -> dict[str, dict[int, int]]:
    """Party id → budget year → cents appropriated, for every payer and contributor that states any."""
    out: dict[str, dict[int, int]] = {}
    stated = [(p.id, p.appropriations) for p in contract.payers]
    stated += [(c.id, c.appropriations) for p in contract.payers for c in p.contributors]
    for party, years in stated:
        if years:
            out[party] = {a.year: a.amount for a in years}
    return out


def _by_account(ledger: Ledger) -> tuple[dict[str, I64], dict[str, I64]]:
    """What each ledger account paid and received, (N, T) per account, in one pass over the movements (the
    accounts run inside every Monte Carlo chunk, so they read the ledger once, not once per party)."""
    outflow: dict[str, I64] = {}
    inflow: dict[str, I64] = {}
    for (source, target, _), arr in ledger.flows.items():
        outflow[source] = outflow[source] + arr if source in outflow else arr.copy()
        inflow[target] = inflow[target] + arr if target in inflow else arr.copy()
    return outflow, inflow


def _year_index(contract: Contract, ledger: Ledger) -> list[tuple[int, I64]]:
    """``(budget year, its month columns)`` in order, for a ledger that keeps months; none for totals only."""
    if not ledger.detail:
        return []
    labels = np.asarray([contract.timeline.budget_year(t) for t in range(ledger.months)], dtype=np.int64)
    return [(int(y), np.flatnonzero(labels == y)) for y in np.unique(labels)]


def _reconcile(account: Account, detail: bool) -> None:
    """A party's years add up to its totals, to the cent."""
    if not detail:
        return
    pays = sum((y.pays for y in account.years), np.zeros_like(account.pays))
    receives = sum((y.receives for y in account.years), np.zeros_like(account.receives))
    if np.any(pays != account.pays) or np.any(receives != account.receives):
        raise EngineError(f"the budget years of {account.id!r} do not add up to its totals")
