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

from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, axes
from sibkit.engine.canonical import Order, canonical, to_canonical, to_contract_order
from sibkit.engine.ledger import CONTRACT_ACCOUNT, Ledger
from sibkit.engine.month_loop import month_loop
from sibkit.engine.program import SCRATCH_ROWS, program, scratch_width
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


def run_batch(contract: Contract, batch: Batch, *, detail: bool = True) -> Flows:
    """Run the whole contract for every scenario of ``batch``; checks that money reconciles.

    The engine computes in canonical order (``sibkit.engine.canonical``: lists sorted by id, so no
    tie of the largest-remainder method depends on how the contract lists things) and returns every
    array in the contract's own order.

    ``detail=False`` (Monte Carlo) keeps each ledger movement only as a total over the term and
    providers' cash only as its lowest point and month counts, so memory stays small.
    """
    canon, order = canonical(contract)
    flows = _run(canon, to_canonical(batch, order), detail=detail)
    return _in_contract_order(contract, flows, order)


def _in_contract_order(contract: Contract, flows: Flows, order: Order) -> Flows:
    """``flows`` computed for the canonical contract, with every axis put back in ``contract``'s order."""
    sched = flows.schedule
    position = {(ln.rule, ln.metric, ln.provider): ln.index for ln in sched.lines}
    lines = np.asarray([position[key] for key in order.lines], dtype=np.int64)
    same_lines = bool(np.array_equal(lines, np.arange(lines.size)))

    def lines_back(value: I64, axis: int) -> I64:
        return value if same_lines else np.take(value, lines, axis=axis)

    payer_index = {p.id: k for k, p in enumerate(contract.payers)}
    metric_index = {m.id: k for k, m in enumerate(contract.metrics)}
    provider_index = {p.id: k for k, p in enumerate(contract.providers)}
    rules = {r.id: r for r in contract.rules}
    canon_lines = {(ln.rule, ln.metric, ln.provider): ln for ln in sched.lines}
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
    j, k, p, m = order.tranches, order.payers, order.providers, order.metrics

    def back(value: I64, axis: int, perm: I64) -> I64:
        return to_contract_order(value, axis, perm)

    schedule_back = attrs.evolve(
        sched,
        lines=restored_lines,
        costs=back(sched.costs, 2, p),
        due=back(lines_back(sched.due, 2), 3, k),
        due_after=back(lines_back(sched.due_after, 2), 3, k),
        units_paid_for=back(sched.units_paid_for, 1, m),
    )
    return attrs.evolve(
        flows,
        schedule=schedule_back,
        tranche_cash=back(flows.tranche_cash, 2, j),
        tranche_drawn=back(flows.tranche_drawn, 1, j),
        tranche_repaid=back(flows.tranche_repaid, 1, j),
        tranche_due_after=back(flows.tranche_due_after, 2, j),
        interest_unpaid=back(flows.interest_unpaid, 1, j),
        payer_paid=back(flows.payer_paid, 2, k),
        payer_vat=back(flows.payer_vat, 1, k),
        payer_fees=back(flows.payer_fees, 1, k),
        payer_refund=back(flows.payer_refund, 1, k),
        provider_cash=back(flows.provider_cash, 2, p),
        provider_lowest=back(flows.provider_lowest, 1, p),
        provider_lowest_month=back(flows.provider_lowest_month, 1, p),
        provider_months_below_zero=back(flows.provider_months_below_zero, 1, p),
        provider_months_below_minimum=back(flows.provider_months_below_minimum, 1, p),
        provider_closing=back(flows.provider_closing, 1, p),
        provider_revenue=back(flows.provider_revenue, 1, p),
        provider_cost=back(flows.provider_cost, 1, p),
        provider_other_income=back(flows.provider_other_income, 1, p),
        provider_invested=back(flows.provider_invested, 1, p),
        line_paid=lines_back(flows.line_paid, 1),
    )


def _run(contract: Contract, batch: Batch, *, detail: bool) -> Flows:
    """The engine proper: ``run_batch`` for a contract already in canonical order."""
    ax = axes(contract)
    n, t_len = batch.n, ax.months
    sched = schedule(contract, batch)
    arrays, keys = program(contract, sched)
    p_len, k_len, j_len = len(contract.providers), len(contract.payers), len(contract.tranches)
    l_len, g_len = len(sched.lines), len(contract.guarantees)

    def zeros(*shape: int) -> I64:
        return np.zeros(shape, dtype=np.int64)

    out = {
        "tranche_cash": zeros(n, t_len, j_len),
        "tranche_drawn": zeros(n, j_len),
        "tranche_repaid": zeros(n, j_len),
        "tranche_due_after": zeros(n, t_len if detail else 0, j_len),
        "guarantee_paid": zeros(n, g_len),
        "payer_paid": zeros(n, t_len, k_len),
        "payer_vat": zeros(n, k_len),
        "payer_fees": zeros(n, k_len),
        "payer_refund": zeros(n, k_len),
        "provider_cash": zeros(n, t_len if detail else 0, p_len),
        "lowest": zeros(n, p_len),
        "lowest_month": zeros(n, p_len),
        "below_zero": zeros(n, p_len),
        "below_minimum": zeros(n, p_len),
        "cash_out": zeros(n, p_len),
        "revenue": zeros(n, p_len),
        "spent": zeros(n, p_len),
        "other": zeros(n, p_len),
        "invested": zeros(n, p_len),
        "fee_unpaid": zeros(n, len(contract.fees)),
        "interest_unpaid": zeros(n, j_len),
        "cap_cut": zeros(n),
        "line_paid": zeros(n, l_len),
        "closing_account": zeros(n),
        "moves": zeros(n, t_len if detail else 1, len(keys)),
        "first": np.full(len(keys), np.iinfo(np.int64).max, dtype=np.int64),
        "error": np.full(3, -1, dtype=np.int64),
        "month_ticks": np.full(t_len + 1, -1, dtype=np.int64),
        "scratch": zeros(SCRATCH_ROWS, scratch_width(arrays, l_len, k_len)),
    }
    # called by keyword: ``program`` and ``out`` name every parameter of the loop
    cast(Any, month_loop)(costs=sched.costs, due=sched.due, due_after=sched.due_after, detail=detail, **arrays, **out)
    error = out["error"]
    if error[0] >= 0:
        source, target, reason = keys[int(error[1])]
        raise EngineError(f"a negative movement from {source} to {target} ({reason}) in month {int(error[2])}")
    if np.any(out["month_ticks"] == -2):
        month = int(np.flatnonzero(out["month_ticks"] == -2)[0])
        raise EngineError(f"scenarios recorded different numbers of ledger movements in month {month}")
    ledger = Ledger.from_moves(out["moves"], out["first"], keys, months=t_len, detail=detail)
    flows = Flows(
        ledger=ledger,
        schedule=sched,
        tranche_cash=out["tranche_cash"],
        tranche_drawn=out["tranche_drawn"],
        tranche_repaid=out["tranche_repaid"],
        tranche_due_after=out["tranche_due_after"],
        guarantee_paid=out["guarantee_paid"],
        payer_paid=out["payer_paid"],
        payer_vat=out["payer_vat"],
        payer_fees=out["payer_fees"],
        payer_refund=out["payer_refund"],
        provider_cash=out["provider_cash"],
        provider_revenue=out["revenue"],
        provider_cost=out["spent"],
        provider_other_income=out["other"],
        provider_invested=out["invested"],
        provider_lowest=out["lowest"],
        provider_lowest_month=out["lowest_month"],
        provider_months_below_zero=out["below_zero"],
        provider_months_below_minimum=out["below_minimum"],
        provider_closing=out["cash_out"],
        fee_unpaid=out["fee_unpaid"],
        interest_unpaid=out["interest_unpaid"],
        cap_cut=out["cap_cut"],
        line_paid=out["line_paid"],
        participants=batch.enrolled.sum(axis=(1, 2, 3)),
    )
    reconcile(contract, flows, closing_account=out["closing_account"], closing_cash=out["cash_out"])
    return flows


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
            if target == t.investor and (reason.endswith(f": {t.id}") or reason.endswith(f" for {t.id}")):
                got = got + arr.sum(axis=1)
        if np.any(got != flows.tranche_cash[:, :, j].sum(axis=1) + flows.tranche_drawn[:, j]):
            problems.append(f"tranche {t.id}: the ledger and the tranche's cash flow disagree")
    for k, payer in enumerate(contract.payers):
        paid = zero.copy()
        for (source, _, reason), arr in led.flows.items():
            if source == payer.id and reason.startswith("outcome payment"):
                paid = paid + arr.sum(axis=1)
        if np.any(paid != flows.payer_paid[:, :, k].sum(axis=1)):
            problems.append(f"payer {payer.id}: the ledger and its outcome payments disagree")
    if problems:
        raise EngineError("money does not reconcile: " + "; ".join(problems))
