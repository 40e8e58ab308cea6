"""The ledger: every movement of money, with who paid whom, when and why.

Movements are stored as integer-cent arrays shaped ``(N, T)`` keyed by
``(from, to, reason)``: one array per kind of movement, one value per scenario
and month. ``entries(n)`` lists the movements of one scenario as rows.

Account names are party ids from the contract plus these accounts of the
engine's own:

* ``contract-account``: the account of the deal (the SPV or the intermediary's
  trust account) that receives capital and outcome payments in an investor deal;
* ``costs``: where providers' spending on staff and delivery goes;
* ``other-income``: providers' other funding;
* ``tax-authority``: VAT on outcome payments;
* ``revolving-fund``: upside recycled into the programme.

Every movement says why it happened with a typed ``Reason`` (after Hastructure's ``TxnComment``): a
``Why`` and the ids or names it refers to. A reason is also its text (``"interest: senior"``), the
words written in ledger tables and CSV files; code finds movements by ``why`` and ``ref``, never by
matching that text.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["CONTRACT_ACCOUNT", "COSTS", "EXTERNAL", "OTHER_INCOME", "REVOLVING_FUND", "TAX", "Entry", "Ledger"]
__all__ += ["Reason", "Why"]

I64 = npt.NDArray[np.int64]

CONTRACT_ACCOUNT = "contract-account"
COSTS = "costs"
OTHER_INCOME = "other-income"
TAX = "tax-authority"
REVOLVING_FUND = "revolving-fund"
EXTERNAL = frozenset({COSTS, OTHER_INCOME, TAX})
"""Accounts outside the deal: money that leaves to, or comes from, the rest of the world."""


class Why(Enum):
    """Why money moved: each kind of movement the engine records, with its text (``{ref}`` and ``{of}``
    stand for the reason's references)."""

    CAPITAL_DRAWN = "capital drawn: {ref}"
    """An investor's capital into the contract account (``ref``: the tranche)."""
    COSTS_FUNDED = "service fee from capital"
    """The contract account pays a provider's costs."""
    FEE = "fee: {ref}"
    """A fee paid, from the contract account or by a payer (``ref``: the fee)."""
    FUND_CONTRIBUTION = "contribution to outcome payments"
    """A contributor's share of what its pooled fund pays for outcomes."""
    VAT = "VAT on outcome payments"
    """VAT on a payer's outcome payments."""
    OUTCOME_PAYMENT = "outcome payment: {ref}, {of}"
    """An outcome payment (``ref``: the metric's name, ``of``: the provider's name)."""
    FEE_CONTRIBUTION = "contribution to fee: {ref}"
    """A contributor's share of a fee its pooled fund pays (``ref``: the fee)."""
    INTEREST = "interest: {ref}"
    """Interest paid to a tranche (``ref``: the tranche)."""
    PRINCIPAL = "principal: {ref}"
    """Principal repaid to a tranche (``ref``: the tranche)."""
    RETURN = "return: {ref}"
    """A return step's payment to a tranche (``ref``: the tranche)."""
    RESIDUAL = "residual: {ref}"
    """A tranche's share of the residual (``ref``: the tranche)."""
    UNUSED_CAPITAL = "unused capital returned: {ref}"
    """Capital drawn and not spent, back to its tranche (``ref``: the tranche)."""
    RESIDUAL_TO_FUND = "residual to the revolving fund"
    """The revolving fund's share of the residual."""
    PROVIDER_INCENTIVE = "residual: provider incentive"
    """A provider's share of the residual."""
    PAYER_RESIDUAL = "residual returned to payer"
    """A payer's share of the residual (also passed on to a pooled fund's contributors)."""
    SETTLEMENT_REFUND = "unused money returned at settlement"
    """What the contract account holds at the settlement, back to the payers (and contributors)."""
    OTHER_INCOME = "other income"
    """A provider's other income."""
    COSTS = "delivery costs"
    """A provider's spending."""
    GUARANTEE_DRAW = "guarantee draw: {ref} for {of}"
    """A guarantee pays a tranche's investor (``ref``: the guarantee, ``of``: the tranche)."""


TRANCHE_PAYMENTS = frozenset({Why.INTEREST, Why.PRINCIPAL, Why.RETURN, Why.RESIDUAL, Why.UNUSED_CAPITAL})
"""Reasons for which the contract account pays a tranche's investor (``ref``: the tranche)."""


class Reason(str):
    """Why a movement happened: ``why`` and the ids or names it refers to (``ref``, ``of``), immutable.

    A reason is also the text written in ledger tables and CSV files (``str(reason)``, e.g.
    ``"guarantee draw: g1 for senior"``), and equal to that text, so a ledger key can still be looked
    up by its words; code that looks for movements reads ``why``, ``ref`` and ``of`` instead.
    """

    why: Why
    ref: str
    of: str

    def __new__(cls, why: Why, ref: str = "", of: str = "") -> Reason:
        self = super().__new__(cls, why.value.format(ref=ref, of=of))
        self.__dict__.update(why=why, ref=ref, of=of)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Reason cannot be changed: {name}")

    def __reduce__(self) -> tuple[type[Reason], tuple[Why, str, str]]:
        return (Reason, (self.why, self.ref, self.of))

    @property
    def tranche(self) -> str | None:
        """The tranche whose investor this movement pays (tranche payments and guarantee draws), else None."""
        if self.why in TRANCHE_PAYMENTS:
            return self.ref
        return self.of if self.why is Why.GUARANTEE_DRAW else None


@attrs.frozen(kw_only=True)
class Entry:
    """One movement: ``amount`` cents from ``source`` to ``target`` in ``month`` (0-based), and why."""

    month: int
    source: str
    target: str
    amount: int
    reason: Reason


class Ledger:
    """Movements of money for ``n`` scenarios over ``months`` months.

    With ``detail=False`` (Monte Carlo) only each movement's total per budget year is kept,
    shape ``(N, Y)`` with ``years`` naming the columns, so memory does not grow with the number
    of months; ``entries`` then lists each year's total in the column's index as its month.
    """

    def __init__(self, n: int, months: int, *, detail: bool = True, years: tuple[int, ...] = ()) -> None:
        self.n = n
        self.detail = detail
        self.years = years
        """Without detail: the budget year of each column (one column when none are given)."""
        self.months = months if detail else max(len(years), 1)
        self.flows: dict[tuple[str, str, Reason], I64] = {}
        self.first: I64 | None = None
        """With detail, from the engine: (keys, N) the tick at which each key of ``flows``, in its order, first
        moved in each scenario (int64 max: not in that scenario), for ``row``; else None. Ticks order the
        movements of one run; their numbers are not comparable across runs (``records.Book.first``)."""

    @classmethod
    def from_moves(
        cls,
        moves: I64,
        first: I64,
        keys: list[tuple[str, str, Reason]],
        *,
        months: int,
        detail: bool,
        years: tuple[int, ...] = (),
    ) -> Ledger:
        """The ledger of the engine's month loop: ``moves`` (keys, N, T or Y) in cents (``years``: without detail,
        the budget year of each column), one column per
        key ``(from, to, reason)``. Keys that never moved are left out; the others are kept in the order
        they first moved (``first``, (keys, N) or (keys, 1): the loop's tick at which each key first moved in
        each scenario, or in any)."""
        ledger = cls(moves.shape[1], months, detail=detail, years=years if not detail else ())
        never = np.iinfo(np.int64).max
        earliest = first.min(axis=1)
        moved = sorted(np.flatnonzero(earliest < never).tolist(), key=lambda e: int(earliest[e]))
        for e in moved:
            # with detail, each key's (N, T) block is taken as it is (copying them out cost a tenth of a fund's
            # simulation); without, the few (N, Y) totals are copied, so the keys that never moved are freed
            ledger.flows[keys[e]] = moves[e] if detail else moves[e].copy()
        if detail and first.shape[1] == ledger.n:
            ledger.first = first[moved]
        return ledger

    def row(self, i: int) -> Ledger:
        """The ledger of scenario ``i`` alone, as the engine gives it when that scenario is run by itself:
        the keys that moved in it, in the order they first moved in it, each array its row ``i`` (a view).
        Only for a ledger with detail from the engine (``first`` known); else ``ValueError``."""
        if self.first is None:
            raise ValueError("only a ledger with detail from the engine can be split by scenario")
        out = Ledger(1, self.months, detail=True)
        never = np.iinfo(np.int64).max
        ticks = self.first[:, i]
        keys = list(self.flows)
        moved = sorted(np.flatnonzero(ticks < never).tolist(), key=lambda e: int(ticks[e]))
        for e in moved:
            out.flows[keys[e]] = self.flows[keys[e]][i : i + 1]
        out.first = ticks[moved][:, None]
        return out

    def net(self, account: str) -> I64:
        """Received less paid by ``account`` over the term, per scenario, shape ``(N,)``."""
        out = np.zeros(self.n, dtype=np.int64)
        for (source, target, _), arr in self.flows.items():
            if target == account:
                out += arr.sum(axis=1)
            if source == account:
                out -= arr.sum(axis=1)
        return out

    def inflow(self, account: str) -> I64:
        """Total received by ``account`` per scenario and month, shape ``(N, T)``."""
        out = np.zeros((self.n, self.months), dtype=np.int64)
        for (_, target, _), arr in self.flows.items():
            if target == account:
                out += arr
        return out

    def outflow(self, account: str) -> I64:
        """Total paid by ``account`` per scenario and month, shape ``(N, T)``."""
        out = np.zeros((self.n, self.months), dtype=np.int64)
        for (source, _, _), arr in self.flows.items():
            if source == account:
                out += arr
        return out

    def accounts(self) -> set[str]:
        """Every account that appears in a movement."""
        return {k[0] for k in self.flows} | {k[1] for k in self.flows}

    def total(
        self,
        *,
        source: str | None = None,
        target: str | None = None,
        why: Why | None = None,
        ref: str | None = None,
        of: str | None = None,
        reason_prefix: str = "",
        exact: bool = False,
    ) -> I64:
        """Sum over matching movements per scenario, shape ``(N,)``: from ``source``, to ``target``, for
        ``why`` with references ``ref`` and ``of`` (each when given); and with reasons whose text starts with
        ``reason_prefix``, or (``exact``) equals it."""
        out = np.zeros(self.n, dtype=np.int64)
        for (s, t, r), arr in self.flows.items():
            if (
                (source is None or s == source)
                and (target is None or t == target)
                and (why is None or r.why is why)
                and (ref is None or r.ref == ref)
                and (of is None or r.of == of)
                and (r == reason_prefix if exact else r.startswith(reason_prefix))
            ):
                out += arr.sum(axis=1)
        return out

    def entries(self, scenario: int = 0) -> Iterator[Entry]:
        """The movements of one scenario, in month order (ties in the order they were first recorded).

        Raises ``ValueError`` for a ledger without months (a Monte Carlo ledger keeps totals per budget year:
        its columns are years, and listing them as months would put a year's total in month 0, 1, …)."""
        if not self.detail:
            raise ValueError("a ledger kept per budget year (Monte Carlo) has no monthly entries")
        rows = []
        for order, ((source, target, reason), arr) in enumerate(self.flows.items()):
            for month in np.nonzero(arr[scenario])[0]:
                rows.append(
                    (
                        int(month),
                        order,
                        Entry(
                            month=int(month),
                            source=source,
                            target=target,
                            amount=int(arr[scenario, month]),
                            reason=reason,
                        ),
                    )
                )
        rows.sort(key=lambda r: (r[0], r[1]))
        for _, _, entry in rows:
            yield entry
