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

from sibkit.engine.batch import Batch
from sibkit.engine.ledger import Ledger
from sibkit.errors import EngineError
from sibkit.model import Contract
from sibkit.money import allocate_array

__all__ = [
    "Account",
    "PresentValues",
    "Role",
    "YearAccount",
    "accounts",
    "appropriations",
    "parties",
    "saving_owner",
    "savings_by_month",
    "savings_by_year",
]

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
    savings: I64 | None
    """Cashable savings landing in its budgets in this year (outcomes placed in the months they happen);
    ``None`` in a Monte Carlo run, which keeps savings as totals only."""
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
class PresentValues:
    """A party's account discounted to the contract start at the contract's ``discount_rate``, per scenario
    (cents, each rounded half up once)."""

    pays: I64
    receives: I64
    savings: I64

    @property
    def net_of_savings(self) -> I64:
        """``receives - pays + savings`` in present value."""
        return self.receives - self.pays + self.savings


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
    """The same per budget year, in order (a Monte Carlo run has the years of the term, without savings).
    Years after the term appear when savings recur beyond it."""
    present: PresentValues | None = None
    """Present values at the contract start; ``None`` for a Monte Carlo run."""

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


def accounts(contract: Contract, ledger: Ledger, units: I64, *, batch: Batch | None = None) -> tuple[Account, ...]:
    """Every party's account (``parties`` order) from a run's ``ledger`` and the ``units`` of each metric
    achieved and paid for, shape (N, M) (``Schedule.units_paid_for``).

    With a ledger that keeps months (and the run's ``batch``), savings are placed in the months their outcomes
    happen (``savings_by_month``), so each budget year has its savings, and every account has present values at
    the contract's ``discount_rate``. A Monte Carlo ledger keeps payments per budget year and savings as totals.

    Raises ``EngineError`` when the accounts do not add up: the ledger's accounts (the parties' and the
    engine's own) must net to zero in every scenario, and a party's years must add up to its totals."""
    n = ledger.n
    term = ledger.months if ledger.detail else contract.timeline.term_months
    # a Monte Carlo ledger keeps savings as totals: placing every draw's units in months costs about 3 s per
    # 10^6 draws as written (the month arrays of every draw), more than half of a simulation of the pilot
    cashable, other = savings_by_month(contract, units, batch, term, detail=ledger.detail)
    horizon = max([term, *(_last_month(x) + 1 for x in cashable.values())])
    yearly: tuple[list[int], dict[str, I64]] = ([], {})
    if not ledger.detail and batch is not None:
        yearly = savings_by_year(contract, units, batch, term)
    reached = [y for i, y in enumerate(yearly[0]) if any(v[:, i].any() for v in yearly[1].values())]
    years = _year_index(contract, ledger, horizon, reached)
    factors = _discount_factors(contract, horizon) if ledger.detail else None
    appropriated = appropriations(contract)
    outflow, inflow = _by_account(ledger)
    out: list[Account] = []
    for party, name, roles in parties(contract):
        width = horizon if ledger.detail else ledger.months
        pays = _widen(outflow.get(party), n, width)
        receives = _widen(inflow.get(party), n, width)
        saved = _widen(_cut(cashable.get(party), horizon), n, horizon if ledger.detail else 1)
        timed = ledger.detail or batch is not None
        account = Account(
            id=party,
            name=name,
            roles=roles,
            pays=pays.sum(axis=1),
            receives=receives.sum(axis=1),
            savings=saved.sum(axis=1),
            other_savings=other[party].sum(axis=1) if party in other else np.zeros(n, dtype=np.int64),
            years=tuple(
                YearAccount(
                    year=year,
                    pays=pays[:, cols].sum(axis=1),
                    receives=receives[:, cols].sum(axis=1),
                    savings=_year_savings(saved, months, yearly, party, year, ledger.detail) if timed else None,
                    appropriated=appropriated.get(party, {}).get(year),
                )
                for year, cols, months in years
            ),
            present=None if factors is None else _present(pays, receives, saved, factors),
        )
        _reconcile(account, timed)
        out.append(account)
    total = (sum(inflow.values(), np.zeros((n, 1), dtype=np.int64)) - sum(outflow.values(), 0)).sum(axis=1)
    if np.any(total != 0):
        raise EngineError(f"the ledger's accounts do not net to zero: {total.tolist()[:5]} cents")
    return tuple(out)


def savings_by_month(
    contract: Contract, units: I64, batch: Batch | None, months: int, *, detail: bool = True
) -> tuple[dict[str, I64], dict[str, I64]]:
    """Party → its cashable savings and its other savings, (N, H) cents by month from the contract start.

    Without ``detail`` (Monte Carlo) every saving is one total, shape (N, 1). Otherwise each metric's units
    paid for (``units``, (N, M)) are placed in the months the outcomes happen: split over those months in
    proportion to the units the batch achieves there (enrolment month + the metric's offset), largest
    remainder, so the months add up to the units exactly; a metric with no timed units (a cohort rule's
    improvement) lands in the last month of the term (``months`` − 1). A saving with ``months`` then recurs
    each month for that many months. Without the ``batch`` every outcome counts as untimed. Savings naming no
    party are left out (they land outside the contract)."""
    n = units.shape[0]
    index = {m.id: i for i, m in enumerate(contract.metrics)}
    cashable: dict[str, I64] = {}
    other: dict[str, I64] = {}
    for s in contract.savings:
        owner = saving_owner(contract, s.budget)
        if owner is None:
            continue
        m = index[s.metric]
        recur = s.months or 1
        if not detail:
            value = (units[:, m] * s.per_unit_total)[:, None]
        else:
            per = _unit_months(units[:, m], batch, m, months) * s.amount_per_unit
            value = np.zeros((n, per.shape[1] + recur - 1), dtype=np.int64)
            for k in range(recur):  # each month's units save again in each of the next ``recur`` months
                value[:, k : k + per.shape[1]] += per
        target = cashable if s.cashable else other
        before = target.get(owner)
        target[owner] = value if before is None else _add(before, value)
    return cashable, other


def _unit_months(paid: I64, batch: Batch | None, m: int, months: int) -> I64:
    """(N, H) metric ``m``'s units paid for (``paid``, (N,)), placed in the months their outcomes happen (see
    ``savings_by_month``)."""
    n = paid.shape[0]
    if batch is None:
        weights = np.zeros((n, months), dtype=np.int64)
    else:
        _, t_len, n_prov, n_seg, _ = batch.units.shape
        weights = np.zeros((n, max(months, t_len + int(batch.offset[:, :, m].max(initial=0)) + 1)), dtype=np.int64)
        for p in range(n_prov):
            for s in range(n_seg):
                off = int(batch.offset[p, s, m])
                weights[:, off : off + t_len] += batch.units[:, :, p, s, m]
    return _place(paid, weights, months - 1)


def _place(paid: I64, weights: I64, last: int) -> I64:
    """``paid`` (N,) split over the columns of ``weights`` (N, K) by the largest remainder; a row with no
    weight (a cohort's improvement, not counted per person) goes to column ``last``. Where the units paid for
    are the units achieved (no cap on units per person) the weights are the split itself: only the other
    rows are split (the split is slow on 10^6 draws)."""
    weights[weights.sum(axis=1) == 0, last] = 1
    rows = np.flatnonzero(weights.sum(axis=1) != paid)
    if rows.size:
        weights[rows] = allocate_array(paid[rows], weights[rows])
    return weights


def savings_by_year(contract: Contract, units: I64, batch: Batch, term: int) -> tuple[list[int], dict[str, I64]]:
    """For a Monte Carlo run: the budget years savings reach, and party → its cashable savings per year
    (N, Y). Placed as ``savings_by_month`` places them, but counted per year from running sums of the
    batch's units, without month arrays for every draw (a recurring saving still needs its months)."""
    n = units.shape[0]
    _, t_len, n_prov, n_seg, _ = batch.units.shape
    recur_most = max((s.months or 1 for s in contract.savings), default=1)
    horizon = max(term, t_len + int(batch.offset.max(initial=0)) + 1) + recur_most
    labels = [contract.timeline.budget_year(t) for t in range(horizon)]
    years = sorted(set(labels))
    bounds = [(labels.index(y), len(labels) - labels[::-1].index(y)) for y in years]
    last = years.index(labels[term - 1])
    index = {m.id: i for i, m in enumerate(contract.metrics)}
    out: dict[str, I64] = {}
    for sv in contract.savings:
        owner = saving_owner(contract, sv.budget)
        if owner is None or not sv.cashable:
            continue
        m = index[sv.metric]
        recur = sv.months or 1
        if recur == 1:
            weights = np.zeros((n, len(years)), dtype=np.int64)
            for p in range(n_prov):
                for s in range(n_seg):
                    off = int(batch.offset[p, s, m])
                    running = np.zeros((n, t_len + 1), dtype=np.int64)
                    np.cumsum(batch.units[:, :, p, s, m], axis=1, out=running[:, 1:])
                    for y, (start, stop) in enumerate(bounds):
                        lo, hi = min(max(start - off, 0), t_len), min(max(stop - off, 0), t_len)
                        weights[:, y] += running[:, hi] - running[:, lo]
            value = _place(units[:, m].copy(), weights, last) * sv.amount_per_unit
        else:
            monthly = _unit_months(units[:, m], batch, m, term) * sv.amount_per_unit
            spread = np.zeros((n, horizon), dtype=np.int64)
            for k in range(recur):
                spread[:, k : k + monthly.shape[1]] += monthly[:, : horizon - k]
            value = np.stack([spread[:, start:stop].sum(axis=1) for start, stop in bounds], axis=1)
        out[owner] = out[owner] + value if owner in out else value
    return years, out


def _last_month(x: I64) -> int:
    """The last month (column) of ``x`` holding anything in some scenario; -1 when none does."""
    used = np.flatnonzero(x.any(axis=0))
    return int(used[-1]) if used.size else -1


def _add(a: I64, b: I64) -> I64:
    """``a + b`` for (N, H) arrays of different lengths H (the shorter padded with zeros)."""
    width = max(a.shape[1], b.shape[1])
    return _widen(a, a.shape[0], width) + _widen(b, b.shape[0], width)


def _cut(x: I64 | None, width: int) -> I64 | None:
    """``x`` without its months from ``width`` on (empty months only: ``width`` covers every used month)."""
    return None if x is None else x[:, :width]


def _widen(x: I64 | None, n: int, width: int) -> I64:
    """``x`` (N, H) padded with zero months to ``width`` (zeros when ``None``); ``x`` itself when it is
    already that wide (callers only read it)."""
    if x is not None and x.shape == (n, width):
        return x
    out = np.zeros((n, width), dtype=np.int64)
    if x is not None:
        out[:, : x.shape[1]] = x
    return out


def _discount_factors(contract: Contract, horizon: int) -> npt.NDArray[np.float64]:
    """(H,) the present value at the contract start of one cent in each month: ``(1 + rate) ** (-t / 12)``."""
    rate = float(contract.discount_rate)
    return np.asarray((1.0 + rate) ** (-np.arange(horizon) / 12.0), dtype=np.float64)


def _present(pays: I64, receives: I64, saved: I64, factors: npt.NDArray[np.float64]) -> PresentValues:
    """The present values of a party's months, each rounded half up to the cent once, at the end."""

    def pv(x: I64) -> I64:
        return np.floor(x @ factors + 0.5).astype(np.int64)

    return PresentValues(pays=pv(pays), receives=pv(receives), savings=pv(saved))


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
        # the first array is taken as it is: every later one makes a new sum, so the ledger is never changed
        outflow[source] = outflow[source] + arr if source in outflow else arr
        inflow[target] = inflow[target] + arr if target in inflow else arr
    return outflow, inflow


def _year_index(contract: Contract, ledger: Ledger, months: int, more: list[int]) -> list[tuple[int, slice, slice]]:
    """``(budget year, its ledger columns, its months)`` in order. A ledger that keeps months has one column
    per month (widened to ``months``, the months that savings reach); a Monte Carlo ledger has one column per
    budget year of the term. Years after the term appear when savings reach them (``more``: the years a
    Monte Carlo run's savings reach)."""
    # budget years are runs of consecutive months, so each year is a slice (a view: no copies of 10^6 rows)
    labels = [contract.timeline.budget_year(t) for t in range(months)]
    out = []
    for year in sorted(set(labels) | set(ledger.years) | set(more)):
        in_months = slice(labels.index(year), months - labels[::-1].index(year)) if year in labels else slice(0, 0)
        if ledger.detail:
            cols = in_months
        elif year in ledger.years:
            cols = slice(ledger.years.index(year), ledger.years.index(year) + 1)
        else:
            cols = slice(0, 0)
        out.append((int(year), cols, in_months))
    return out


def _year_savings(
    saved: I64, months: slice, yearly: tuple[list[int], dict[str, I64]], party: str, year: int, detail: bool
) -> I64:
    """A party's cashable savings in one budget year: its months' sum (a ledger that keeps months), or the
    year's column of ``savings_by_year`` (Monte Carlo)."""
    if detail:
        total: I64 = saved[:, months].sum(axis=1)
        return total
    years, by_party = yearly
    if party not in by_party or year not in years:
        return np.zeros(saved.shape[0], dtype=np.int64)
    column: I64 = by_party[party][:, years.index(year)]
    return column


def _reconcile(account: Account, detail: bool) -> None:
    """A party's years add up to its totals, to the cent."""
    if not detail:
        return
    pays = sum((y.pays for y in account.years), np.zeros_like(account.pays))
    receives = sum((y.receives for y in account.years), np.zeros_like(account.receives))
    saved = sum((y.savings for y in account.years if y.savings is not None), np.zeros_like(account.savings))
    if np.any(pays != account.pays) or np.any(receives != account.receives) or np.any(saved != account.savings):
        raise EngineError(f"the budget years of {account.id!r} do not add up to its totals")
