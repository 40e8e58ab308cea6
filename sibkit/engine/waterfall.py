"""The monthly loop: capital drawdowns, provider funding, capped outcome payments,
the priority of payments, guarantees and the end-of-term settlement.

Each month's waterfall depends on the balances the month before left, so this
part of the engine is a loop, compiled with Numba (``sibkit.jit``): the contract
is first turned into integer arrays (``sibkit.engine.program``), then one compiled
function runs every scenario of the batch month by month
(``sibkit.engine.month_loop``), writing the arrays of ``Flows`` and every ledger
movement. ``run_batch`` ties them together and checks that the money reconciles. One scenario or a million go
through the same code. All amounts are integer cents; every rounding is stated
where it happens (``_half_up``: half up to the cent; ``_allocate``: largest
remainder) and in ``docs/results.md``.

Order within a month:

1. loans accrue interest on outstanding principal: ``coupon / 12`` of it, rounded
   half up to the cent (simple interest; unpaid interest is carried, not compounded);
   return-capped tranches accrue their hurdle at the capped IRR;
2. capital is drawn (up front, on schedule, or as needed) into the contract account;
3. the contract account pays providers that do not pre-finance their costs, then
   fees paid from capital (unpaid fees carry over);
4. outcome payments fall due, are cut by metric, rule, provider, payer and contract
   caps in that order (cumulative over the term), VAT is added, and payers pay —
   providers directly when the contract has no tranches, else the contract account;
5. the contract account runs the priority of payments over what it has received (the residual
   step only once no more capital can be drawn: from the last service month on);
6. providers' cash moves: other income in, costs out, receipts in.

Capital drawn but never spent goes back to the tranches that drew it, in
proportion to what each drew, when the service term ends, before that month's
priority of payments (it repays principal). After the last month, guarantees pay
covered tranches' unrepaid principal (net of what earlier guarantees paid), then
anything left in the contract account (it came from outcome payments) goes back
to the payers in proportion to what they paid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine import records
from sibkit.engine.batch import Batch, axes, scenario_row
from sibkit.engine.canonical import Order, canonical, to_canonical, to_contract_order
from sibkit.engine.ledger import CONTRACT_ACCOUNT, Ledger, Reason, Why
from sibkit.engine.month_loop import month_loop
from sibkit.engine.program import program
from sibkit.engine.schedule import Schedule, schedule
from sibkit.errors import EngineError
from sibkit.model import Contract

__all__ = ["Flows", "run_batch"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True, eq=False)
class Flows:
    """The engine's raw output for a batch: the ledger plus arrays the results are built from."""

    ledger: Ledger
    schedule: Schedule
    tranche_cash: I64
    """(N, T, J) each tranche's cash flow seen by its investor: draws negative, receipts positive."""
    tranche_drawn: I64
    """(N, J) capital drawn."""
    tranche_repaid: I64
    """(N, J) principal repaid."""
    tranche_due_after: I64
    """(N, T, J) principal plus unpaid interest still owed to each tranche after each month's waterfall
    (T = 0 when run without detail)."""
    guarantee_paid: I64
    """(N, G) paid by each guarantee."""
    payer_paid: I64
    """(N, T, K) outcome payments by each payer, VAT excluded."""
    payer_vat: I64
    """(N, K) VAT paid on top."""
    payer_fees: I64
    """(N, K) fees the payer pays directly."""
    payer_refund: I64
    """(N, K) money returned to each payer at settlement or from the residual."""
    provider_cash: I64
    """(N, T, P) each provider's cash at the end of each month (T = 0 when run without detail)."""
    provider_lowest: I64
    """(N, P) lowest month-end cash."""
    provider_lowest_month: I64
    """(N, P) first month with that lowest cash."""
    provider_months_below_zero: I64
    """(N, P) months ending with negative cash."""
    provider_months_below_minimum: I64
    """(N, P) months ending below the provider's ``minimum_cash``."""
    provider_closing: I64
    """(N, P) cash at the end of the term."""
    provider_revenue: I64
    """(N, P) outcome payments, cost funding and residual received."""
    provider_cost: I64
    """(N, P) provider spending."""
    provider_other_income: I64
    """(N, P) other income."""
    provider_invested: I64
    """(N, P) capital the provider put in itself (deferred fees, quasi-equity) or paid as guarantor."""
    fee_unpaid: I64
    """(N, F) each fee's amount still due after the settlement (fees are never paid after the term)."""
    interest_unpaid: I64
    """(N, J) interest each loan had accrued but not received by the end of the term (never paid)."""
    cap_cut: I64
    """(N,) outcome payments removed by in-loop caps."""
    line_paid: I64
    """(N, L) paid per line after caps, VAT excluded."""
    participants: I64
    """(N,) participants enrolled."""
    batch: Batch | None = None
    """The scenarios that were run, in the contract's order (``run_batch`` keeps them so that savings can be
    placed in the months their outcomes happen)."""

    def row(self, i: int, batch: Batch | None = None) -> Flows:
        """Scenario ``i``'s flows, equal in every array, ledger key and key order to those of that scenario
        run alone (``run_batch`` with detail; the engine's scenarios do not depend on one another): every
        array's row ``i`` (views), the schedule's and the ledger's rows (``Schedule.row``, ``Ledger.row``).
        ``batch``: the batch of one to keep (default: row ``i`` of this one's)."""
        if batch is None and self.batch is not None:
            batch = self.batch.row(i)
        return scenario_row(self, i, ledger=self.ledger.row(i), schedule=self.schedule.row(i), batch=batch)


def run_batch(contract: Contract, batch: Batch, *, detail: bool = True) -> Flows:
    """Run the whole contract for every scenario of ``batch``; checks that money reconciles.

    The engine computes in canonical order (``sibkit.engine.canonical``: lists sorted by id, so no
    tie of the largest-remainder method depends on how the contract lists things) and returns every
    array in the contract's own order.

    ``detail=False`` (Monte Carlo) keeps each ledger movement only as a total per budget year and
    providers' cash only as its lowest point and month counts, so memory stays small.
    """
    canon, order = canonical(contract)
    flows = _run(canon, to_canonical(batch, order), detail=detail)
    return attrs.evolve(_in_contract_order(contract, flows, order), batch=batch)


_AXES_BACK = {
    "tranche_cash": (2, "tranches"),
    "tranche_drawn": (1, "tranches"),
    "tranche_repaid": (1, "tranches"),
    "tranche_due_after": (2, "tranches"),
    "interest_unpaid": (1, "tranches"),
    "payer_paid": (2, "payers"),
    "payer_vat": (1, "payers"),
    "payer_fees": (1, "payers"),
    "payer_refund": (1, "payers"),
    **{name: (2 if name == "provider_cash" else 1, "providers") for name in records.PROVIDER_ARRAYS},
}
"""The arrays of ``Flows`` kept in canonical order by the engine: their axis and the list it runs over."""


def _in_contract_order(contract: Contract, flows: Flows, order: Order) -> Flows:
    """``flows`` computed for the canonical contract, with every axis put back in ``contract``'s order."""
    lines = _line_order(flows.schedule, order)

    def lines_back(value: I64, axis: int) -> I64:
        return value if lines is None else np.take(value, lines, axis=axis)

    back: dict[str, Any] = {
        name: to_contract_order(getattr(flows, name), axis, getattr(order, kind))
        for name, (axis, kind) in _AXES_BACK.items()
    }
    return attrs.evolve(
        flows,
        schedule=_schedule_back(contract, flows.schedule, order, lines_back),
        line_paid=lines_back(flows.line_paid, 1),
        **back,
    )


def _line_order(sched: Schedule, order: Order) -> I64 | None:
    """The canonical position of each of the contract's payment lines (None: the same order)."""
    position = {ln.key: ln.index for ln in sched.lines}
    lines = np.asarray([position[key] for key in order.lines], dtype=np.int64)
    return None if np.array_equal(lines, np.arange(lines.size)) else lines


def _schedule_back(
    contract: Contract, sched: Schedule, order: Order, lines_back: Callable[[I64, int], I64]
) -> Schedule:
    """The canonical contract's schedule in ``contract``'s order: its lines renumbered, its arrays reordered."""
    payer_index = {p.id: k for k, p in enumerate(contract.payers)}
    metric_index = {m.id: k for k, m in enumerate(contract.metrics)}
    provider_index = {p.id: k for k, p in enumerate(contract.providers)}
    rules = {r.id: r for r in contract.rules}
    canon_lines = {ln.key: ln for ln in sched.lines}
    restored_lines = tuple(
        attrs.evolve(
            canon_lines[key],
            index=o,
            metric_index=metric_index[key[1]],
            provider_index=provider_index[key[2]],
            payers=tuple((payer_index[pid], share) for pid, share in contract.rule_payers(rules[key[0]])),
        )
        for o, key in enumerate(order.lines)
    )
    k, p = order.payers, order.providers
    return attrs.evolve(
        sched,
        lines=restored_lines,
        costs=to_contract_order(sched.costs, 2, p),
        due=to_contract_order(lines_back(sched.due, 2), 3, k),
        due_after=to_contract_order(lines_back(sched.due_after, 2), 3, k),
        units_paid_for=to_contract_order(sched.units_paid_for, 1, order.metrics),
    )


def _run(contract: Contract, batch: Batch, *, detail: bool) -> Flows:
    """The engine proper: ``run_batch`` for a contract already in canonical order."""
    n, t_len = batch.n, axes(contract).months
    sched = schedule(contract, batch)
    terms, keys, table = program(contract, sched)
    sizes = {"j": len(contract.tranches), "k": len(contract.payers), "p": len(contract.providers)}
    sizes |= {"g": len(contract.guarantees), "f": len(contract.fees), "l": len(sched.lines)}
    out = records.out(n, t_len, detail, sizes)
    years = [contract.timeline.budget_year(t) for t in range(t_len)]
    labels = sorted(set(years))
    slot_of = np.asarray([labels.index(y) for y in years], dtype=np.int64)
    book = records.book(n, t_len, detail, len(table), slot_of)
    state = records.state(terms, len(sched.lines), len(contract.payers))
    month_loop(sched.costs, sched.due, sched.due_after, detail, terms, keys, out, book, state)
    _check_book(book, table)
    arrays = out._asdict()
    closing_account = arrays.pop("closing_account")
    flows = Flows(
        ledger=Ledger.from_moves(book.moves, book.first, table, months=t_len, detail=detail, years=tuple(labels)),
        schedule=sched,
        participants=batch.enrolled.sum(axis=(1, 2, 3)),
        **arrays,
    )
    reconcile(contract, flows, closing_account=closing_account, closing_cash=out.provider_closing)
    return flows


def _check_book(book: records.Book, table: list[tuple[str, str, Reason]]) -> None:
    """Raise ``EngineError`` if the loop recorded a negative movement, or if scenarios took different
    numbers of ledger ticks in a month (ticks order the ledger, so they must not depend on the scenario)."""
    if book.error[0] >= 0:
        source, target, reason = table[int(book.error[1])]
        raise EngineError(f"a negative movement from {source} to {target} ({reason}) in month {int(book.error[2])}")
    if np.any(book.month_ticks == -2):
        month = int(np.flatnonzero(book.month_ticks == -2)[0])
        raise EngineError(f"scenarios recorded different numbers of ledger movements in month {month}")


def reconcile(contract: Contract, flows: Flows, *, closing_account: I64, closing_cash: I64) -> None:
    """Check, for every scenario, that money reconciles to the cent; raise ``EngineError`` if not.

    * the contract account ends empty and its movements net to zero;
    * each provider's closing cash equals its buffer plus what it received less what it paid;
    * each pooled fund passes on exactly what it receives;
    * each tranche's cash flow and each payer's outcome payments match the ledger;
    * no movement is negative (checked as each one is recorded).

    Every movement has a payer and a payee, so money in equals money out plus closing
    balances across all accounts once these hold.
    """
    led = flows.ledger
    problems: list[str] = []
    zero = np.zeros(led.n, dtype=np.int64)
    nets: dict[str, I64] = {}
    for (source, target, _), arr in led.flows.items():
        total = arr.sum(axis=1)
        nets[target] = nets.get(target, zero) + total
        nets[source] = nets.get(source, zero) - total
    net_account = nets.get(CONTRACT_ACCOUNT, zero)
    if np.any(closing_account != 0) or np.any(net_account != closing_account):
        bad = int(np.nonzero((closing_account != 0) | (net_account != closing_account))[0][0])
        problems.append(
            f"contract account does not close at zero in scenario {bad}: "
            f"state {int(closing_account[bad])}, ledger {int(net_account[bad])} cents"
        )
    for p, prov in enumerate(contract.providers):
        net = nets.get(prov.id, zero) + prov.buffer
        if np.any(net != closing_cash[:, p]):
            bad = int(np.nonzero(net != closing_cash[:, p])[0][0])
            problems.append(
                f"provider {prov.id} cash does not reconcile in scenario {bad}: "
                f"state {int(closing_cash[bad, p])}, ledger {int(net[bad])} cents"
            )
    for payer in contract.payers:
        if payer.contributors and np.any(nets.get(payer.id, zero) != 0):
            problems.append(f"outcomes fund {payer.id} keeps money it should pass on")
    # what the engine believes it paid each tranche and each payer, against the ledger
    for j, t in enumerate(contract.tranches):
        got = zero.copy()
        for (_, target, reason), arr in led.flows.items():
            if target == t.investor and reason.tranche == t.id:
                got = got + arr.sum(axis=1)
        if np.any(got != flows.tranche_cash[:, :, j].sum(axis=1) + flows.tranche_drawn[:, j]):
            problems.append(f"tranche {t.id}: the ledger and the tranche's cash flow disagree")
    for k, payer in enumerate(contract.payers):
        paid = led.total(source=payer.id, why=Why.OUTCOME_PAYMENT)
        if np.any(paid != flows.payer_paid[:, :, k].sum(axis=1)):
            problems.append(f"payer {payer.id}: the ledger and its outcome payments disagree")
    if problems:
        raise EngineError("money does not reconcile: " + "; ".join(problems))
