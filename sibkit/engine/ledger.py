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
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import numpy as np
import numpy.typing as npt

__all__ = ["CONTRACT_ACCOUNT", "COSTS", "EXTERNAL", "OTHER_INCOME", "REVOLVING_FUND", "TAX", "Entry", "Ledger"]

I64 = npt.NDArray[np.int64]

CONTRACT_ACCOUNT = "contract-account"
COSTS = "costs"
OTHER_INCOME = "other-income"
TAX = "tax-authority"
REVOLVING_FUND = "revolving-fund"
EXTERNAL = frozenset({COSTS, OTHER_INCOME, TAX})
"""Accounts outside the deal: money that leaves to, or comes from, the rest of the world."""


@attrs.frozen(kw_only=True)
class Entry:
    """One movement: ``amount`` cents from ``source`` to ``target`` in ``month`` (0-based), and why."""

    month: int
    source: str
    target: str
    amount: int
    reason: str


class Ledger:
    """Movements of money for ``n`` scenarios over ``months`` months.

    With ``detail=False`` (Monte Carlo) only each movement's total over the term is kept,
    shape ``(N, 1)``, so memory does not grow with the number of months; ``entries`` then
    lists each total in month 0.
    """

    def __init__(self, n: int, months: int, *, detail: bool = True) -> None:
        self.n = n
        self.months = months if detail else 1
        self.detail = detail
        self.flows: dict[tuple[str, str, str], I64] = {}

    @classmethod
    def from_moves(
        cls, moves: I64, first: I64, keys: list[tuple[str, str, str]], *, months: int, detail: bool
    ) -> Ledger:
        """The ledger of the engine's month loop: ``moves`` (N, T or 1, keys) in cents, one column per
        key ``(from, to, reason)``. Keys that never moved are left out; the others are kept in the order
        they first moved (``first``: the loop's tick at which each key first moved)."""
        ledger = cls(moves.shape[0], months, detail=detail)
        never = np.iinfo(np.int64).max
        for e in sorted(np.flatnonzero(first < never), key=lambda e: int(first[e])):
            ledger.flows[keys[e]] = np.ascontiguousarray(moves[:, :, e])
        return ledger

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
        self, *, source: str | None = None, target: str | None = None, reason_prefix: str = "", exact: bool = False
    ) -> I64:
        """Sum over matching movements per scenario, shape ``(N,)``: reasons starting with ``reason_prefix``,
        or (``exact``) equal to it."""
        out = np.zeros(self.n, dtype=np.int64)
        for (s, t, r), arr in self.flows.items():
            if (
                (source is None or s == source)
                and (target is None or t == target)
                and (r == reason_prefix if exact else r.startswith(reason_prefix))
            ):
                out += arr.sum(axis=1)
        return out

    def entries(self, scenario: int = 0) -> Iterator[Entry]:
        """The movements of one scenario, in month order (ties in the order they were first recorded)."""
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
