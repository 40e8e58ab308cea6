"""The monthly loop: capital drawdowns, provider funding, capped outcome payments,
the priority of payments, guarantees and the end-of-term settlement.

Each month's waterfall depends on the balances the month before left, so this
part of the engine is a loop, compiled with Numba (``sibkit.jit``): the contract
is first turned into integer arrays (``_program``), then one compiled function
runs every scenario of the batch month by month (``_month_loop``), writing the
arrays of ``Flows`` and every ledger movement. One scenario or a million go
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

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, axes
from sibkit.engine.ledger import CONTRACT_ACCOUNT, COSTS, OTHER_INCOME, REVOLVING_FUND, TAX, Ledger
from sibkit.engine.schedule import Schedule, schedule
from sibkit.errors import EngineError
from sibkit.jit import jit_loop
from sibkit.model import Contract, Fee, Grant, Loan
from sibkit.model.rules import CohortThreshold
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep

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


def _fee_accrual(fee: Fee, month: int, service_months: int, total_commitment: int) -> int:
    """What a fee adds to its amount due this month (percentages of outcome payments accrue with the payments)."""
    if fee.basis == "fixed":
        return fee.amount if fee.month == month else 0
    if fee.basis == "monthly":
        return fee.amount if month < service_months else 0
    if fee.basis == "percent_of_capital" and fee.month == month:
        num, den = fee.rate.as_integer_ratio()
        return (2 * total_commitment * num + den) // (2 * den)
    return 0


# ---------------------------------------------------------------------------------------------------
# The contract as arrays: what the compiled month loop reads.

# drawdown kinds
_UPFRONT, _SCHEDULE, _AS_NEEDED = 0, 1, 2
# fee sources (``Fee.paid_from``) and the one basis the loop itself accrues
_FROM_CAPITAL, _FROM_OUTCOMES, _FROM_PAYER = 0, 1, 2
# waterfall steps
_FEES, _INTEREST, _PRINCIPAL, _RETURN, _RESIDUAL = 0, 1, 2, 3, 4
# residual parties
_TO_TRANCHE, _TO_FUND, _TO_PROVIDER, _TO_PAYER = 0, 1, 2, 3
# why a tranche is paid (ledger reasons, in this order)
_TRANCHE_REASONS = ("interest", "principal", "return", "residual", "unused capital returned")
_R_INTEREST, _R_PRINCIPAL, _R_RETURN, _R_RESIDUAL, _R_UNUSED = 0, 1, 2, 3, 4
# why a payer gets money back (ledger reasons, in this order)
_REFUND_REASONS = ("residual returned to payer", "unused money returned at settlement")
_STAMP = 10**7
"""Ledger movements are ordered by ``month × _STAMP + call number within the month``."""


def _ints(values: Sequence[int] | Sequence[bool], dtype: type = np.int64) -> npt.NDArray[np.int64]:
    """``values`` as a one-dimensional array (also when empty)."""
    return np.asarray(values, dtype=dtype).reshape(len(values))


def _ragged(rows: list[list[int]], fill: int = -1) -> I64:
    """Lists of different lengths as one (rows, longest) array, padded with ``fill``."""
    width = max((len(r) for r in rows), default=0)
    out = np.full((max(len(rows), 1), max(width, 1)), fill, dtype=np.int64)  # never empty: the loop may index row 0
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


class _Keys:
    """Ledger keys ``(from, to, reason)`` numbered in the order they are first asked for."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str, str], int] = {}

    def __call__(self, source: str, target: str, reason: str) -> int:
        return self.index.setdefault((source, target, reason), len(self.index))

    def table(self) -> list[tuple[str, str, str]]:
        return list(self.index)


def _program(contract: Contract, sched: Schedule) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Everything the month loop needs about ``contract``, as integer arrays, and the ledger keys."""
    tl = contract.timeline
    t_len = tl.term_months
    payers, providers, tranches, fees = contract.payers, contract.providers, contract.tranches, contract.fees
    lines = sched.lines
    k_len, l_len, j_len = len(payers), len(lines), len(tranches)
    has_account = bool(tranches)
    key = _Keys()
    provider_at = {prov.id: p for p, prov in enumerate(providers)}
    payer_at = {pay.id: k for k, pay in enumerate(payers)}
    tranche_at = {t.id: j for j, t in enumerate(tranches)}
    metric_names = {m.id: m.name for m in contract.metrics}
    metric_pos = {m.id: i for i, m in enumerate(contract.metrics)}

    # caps applied month by month over (line, payer) cells, in the order they bind
    vat_num, vat_den = contract.vat_rate.as_integer_ratio()
    cap_masks: list[tuple[npt.NDArray[np.bool_], int]] = []
    level_order = {"metric": 0, "provider": 2, "payer": 3, "contract": 4}
    for cap in sorted(contract.caps, key=lambda c: level_order.get(c.level, -1)):
        mask = np.zeros((l_len, k_len), dtype=bool)
        if cap.level == "metric":
            mask[[ln.index for ln in lines if ln.metric == cap.target], :] = True
        elif cap.level == "provider":
            mask[[ln.index for ln in lines if ln.provider == cap.target], :] = True
        elif cap.level == "payer":
            mask[:, [k for k, p in enumerate(payers) if p.id == cap.target]] = True
        elif cap.level == "contract":
            mask[:, :] = True
        else:
            continue
        room_before_vat: int = cap.amount
        if cap.includes_vat and vat_num:  # the cap counts VAT: the room before VAT is amount / (1 + rate)
            room_before_vat = (cap.amount * vat_den) // (vat_den + vat_num)
        cap_masks.append((mask, room_before_vat))
    for rule in contract.rules:  # a rule's own maximum sits between metric and provider caps
        if isinstance(rule, CohortThreshold) and rule.max_payment is not None:
            mask = np.zeros((l_len, k_len), dtype=bool)
            mask[[ln.index for ln in lines if ln.rule == rule.id], :] = True
            position = sum(1 for c in contract.caps if c.level == "metric")
            cap_masks.insert(position, (mask, rule.max_payment))
    # each cap's cells as flat (line × K + payer) positions, in row-major order
    cap_cells = _ragged([list(np.flatnonzero(m)) for m, _ in cap_masks])

    # The contract account, kept in buckets by where the money came from: bucket 0 for money not tied
    # to an outcome, bucket 1 + m for payments for metric m. Only contracts with tranches repaid from
    # named outcomes (``Loan.metrics``, Denver's investor groups) need more than one bucket.
    ring_fenced = any(t.metrics for t in tranches)
    buckets = 1 + len(metric_pos) if ring_fenced else 1
    groups = [[1 + metric_pos[m] for m in t.metrics] if (ring_fenced and t.metrics) else [] for t in tranches]

    hurdle_growth = [1.0] * j_len
    has_hurdle = [False] * j_len
    multiple = [(0, 0)] * j_len
    for j, t in enumerate(tranches):
        if t.return_cap is not None and t.return_cap.irr is not None:
            has_hurdle[j] = True
            hurdle_growth[j] = (1.0 + float(t.return_cap.irr)) ** (1.0 / 12.0)
        if t.return_cap is not None and t.return_cap.multiple is not None:
            multiple[j] = Decimal(t.return_cap.multiple).as_integer_ratio()
    coupon = [(t.coupon.as_integer_ratio() if isinstance(t, Loan) else (0, 1)) for t in tranches]
    kinds = {"upfront": _UPFRONT, "schedule": _SCHEDULE, "as_needed": _AS_NEEDED}

    total_commitment = sum(t.commitment for t in tranches)
    fee_accrual = np.asarray(
        [[_fee_accrual(f, m, tl.service_months, total_commitment) for f in fees] for m in range(t_len)],
        dtype=np.int64,
    ).reshape(t_len, len(fees))
    sources = {"capital": _FROM_CAPITAL, "outcome_payments": _FROM_OUTCOMES, "payer": _FROM_PAYER}
    fee_rate = [f.rate.as_integer_ratio() if f.basis == "percent_of_outcome_payments" else (0, 1) for f in fees]

    # the priority of payments
    step_kind, step_mode, step_items = [], [], []
    share_kind, share_target, share_weight = [], [], []
    for step in contract.waterfall if has_account else ():
        if isinstance(step, FeesStep):
            step_kind.append(_FEES)
            step_items.append([fees.index(next(f for f in fees if f.id == fid)) for fid in step.fees])
        elif isinstance(step, ResidualStep):
            step_kind.append(_RESIDUAL)
            step_items.append([])
            kinds_row, targets_row, weights_row = [], [], []
            for share in step.shares:
                if share.party in tranche_at:
                    kinds_row.append(_TO_TRANCHE)
                    targets_row.append(tranche_at[share.party])
                elif share.party == "revolving_fund":
                    kinds_row.append(_TO_FUND)
                    targets_row.append(0)
                elif share.party in provider_at:
                    kinds_row.append(_TO_PROVIDER)
                    targets_row.append(provider_at[share.party])
                else:
                    kinds_row.append(_TO_PAYER)
                    targets_row.append(payer_at[share.party])
                weights_row.append(int(share.share * 10**9))
            share_kind.append(kinds_row)
            share_target.append(targets_row)
            share_weight.append(weights_row)
        else:
            step_kind.append(
                _INTEREST
                if isinstance(step, InterestStep)
                else _PRINCIPAL
                if isinstance(step, PrincipalStep)
                else _RETURN
            )
            step_items.append([tranche_at[t] for t in step.tranches])
        step_mode.append(0 if getattr(step, "mode", "sequential") == "sequential" else 1)
        if not isinstance(step, ResidualStep):
            share_kind.append([])
            share_target.append([])
            share_weight.append([])

    # guarantees, each covering its tranches most senior first
    covers = [
        [tranche_at[t] for t in sorted(g.covers, key=lambda x: tranches[tranche_at[x]].seniority)]
        for g in contract.guarantees
    ]
    coverage = [g.coverage.as_integer_ratio() for g in contract.guarantees]

    # pooled funds pass money on to (and back from) their contributors by commitment
    contributors = [list(getattr(pay, "contributors", ())) for pay in payers]
    contrib_weight = []
    for row in contributors:
        w = [c.commitment for c in row]
        contrib_weight.append([1] * len(w) if w and sum(w) == 0 else w)

    # ledger keys, asked for in the order the loop records them (the order only breaks ties in listings)
    line_payee = [CONTRACT_ACCOUNT if has_account else ln.provider for ln in lines]
    line_reason = [f"outcome payment: {metric_names[ln.metric]}, {providers[ln.provider_index].name}" for ln in lines]
    fee_payer = [payer_at[f.payer] if f.paid_from == "payer" and f.payer is not None else -1 for f in fees]
    keys = {
        "draw": _ints([key(t.investor, CONTRACT_ACCOUNT, f"capital drawn: {t.id}") for t in tranches]),
        "fund": _ints([key(CONTRACT_ACCOUNT, prov.id, "service fee from capital") for prov in providers]),
        "fee_account": _ints([key(CONTRACT_ACCOUNT, f.payee, f"fee: {f.id}") for f in fees]),
        "contrib_outcome": _ragged(
            [
                [key(c.id, pay.id, "contribution to outcome payments") for c in contributors[k]]
                for k, pay in enumerate(payers)
            ]
        ),
        "vat": _ints([key(pay.id, TAX, "VAT on outcome payments") for pay in payers]),
        "line": np.asarray(
            [[key(pay.id, line_payee[ln.index], line_reason[ln.index]) for ln in lines] for pay in payers],
            dtype=np.int64,
        ).reshape(k_len, l_len),
        "contrib_fee": _ragged(
            [
                [key(c.id, payers[fee_payer[i]].id, f"contribution to fee: {f.id}") for c in contributors[fee_payer[i]]]
                if fee_payer[i] >= 0
                else []
                for i, f in enumerate(fees)
            ]
        ),
        "fee_payer": _ints(
            [
                key(payers[fee_payer[i]].id, f.payee, f"fee: {f.id}") if fee_payer[i] >= 0 else -1
                for i, f in enumerate(fees)
            ]
        ),
        "tranche": np.asarray(
            [[key(CONTRACT_ACCOUNT, t.investor, f"{r}: {t.id}") for r in _TRANCHE_REASONS] for t in tranches],
            dtype=np.int64,
        ).reshape(j_len, len(_TRANCHE_REASONS)),
        "fund_residual": _ints([key(CONTRACT_ACCOUNT, REVOLVING_FUND, "residual to the revolving fund")]),
        "provider_residual": _ints(
            [key(CONTRACT_ACCOUNT, prov.id, "residual: provider incentive") for prov in providers]
        ),
        "refund": np.asarray(
            [[key(CONTRACT_ACCOUNT, pay.id, r) for r in _REFUND_REASONS] for pay in payers], dtype=np.int64
        ).reshape(k_len, len(_REFUND_REASONS)),
        "refund_contrib": np.stack(
            [
                _ragged([[key(pay.id, c.id, r) for c in contributors[k]] for k, pay in enumerate(payers)])
                for r in _REFUND_REASONS
            ],
            axis=1,
        ).reshape(k_len, len(_REFUND_REASONS), -1)
        if k_len
        else np.zeros((0, len(_REFUND_REASONS), 1), dtype=np.int64),
        "other_income": _ints([key(OTHER_INCOME, prov.id, "other income") for prov in providers]),
        "costs": _ints([key(prov.id, COSTS, "delivery costs") for prov in providers]),
        "guarantee": _ragged(
            [
                [
                    key(g.guarantor, tranches[j].investor, f"guarantee draw: {g.id} for {tranches[j].id}")
                    for j in covers[gi]
                ]
                for gi, g in enumerate(contract.guarantees)
            ]
        ),
    }
    drawing_ends = (
        tl.service_months if contract.termination is None else min(tl.service_months, contract.termination.month)
    )
    program: dict[str, Any] = {
        "paying": np.asarray(sched.paying, dtype=np.bool_),
        "has_account": has_account,
        "after": sched.due_after is not sched.due,
        "vat": _ints([vat_num, vat_den]),
        "cap_cells": cap_cells,
        "cap_size": _ints([int(m.sum()) for m, _ in cap_masks]),
        "cap_amount": _ints([amount for _, amount in cap_masks]),
        "buckets": buckets,
        "groups": _ragged(groups),
        "group_size": _ints([len(g) for g in groups]),
        "commitment": _ints([t.commitment for t in tranches]),
        "coupon": np.asarray(coupon, dtype=np.int64).reshape(j_len, 2),
        "has_hurdle": _ints(has_hurdle, np.bool_),
        "hurdle_growth": np.asarray(hurdle_growth, dtype=np.float64).reshape(j_len),
        "multiple": np.asarray(multiple, dtype=np.int64).reshape(j_len, 2),
        "capped_return": _ints([t.return_cap is not None for t in tranches], np.bool_),
        "is_grant": _ints([isinstance(t, Grant) for t in tranches], np.bool_),
        "investor_provider": _ints([provider_at.get(t.investor, -1) for t in tranches]),
        "draw_kind": _ints([kinds[t.drawdown.kind] for t in tranches]),
        "draw_start": _ints([t.drawdown.start_month for t in tranches]),
        "draw_amounts": _ragged([list(t.drawdown.amounts) for t in tranches], 0),
        "draw_count": _ints([len(t.drawdown.amounts) for t in tranches]),
        "drawing_ends": drawing_ends,
        "ends": contract.termination.month if contract.termination is not None else t_len + 1,
        "service_months": tl.service_months,
        "fee_accrual": fee_accrual,
        "fee_source": _ints([sources[f.paid_from] for f in fees]),
        "fee_payer": _ints(fee_payer),
        "fee_rate": np.asarray(fee_rate, dtype=np.int64).reshape(len(fees), 2),
        "fee_payee_provider": _ints([provider_at.get(f.payee, -1) for f in fees]),
        "capital_fees": _ints([i for i, f in enumerate(fees) if f.paid_from == "capital"]),
        "step_kind": _ints(step_kind),
        "step_mode": _ints(step_mode),
        "step_items": _ragged(step_items),
        "step_count": _ints([len(x) for x in step_items]),
        "share_kind": _ragged(share_kind),
        "share_target": _ragged(share_target),
        "share_weight": _ragged(share_weight, 0),
        "share_count": _ints([len(x) for x in share_kind]),
        # movements the steps record each month (the residual's only once it runs): skipped months
        # advance the ledger's clock by as much, so every scenario numbers its movements alike
        "step_ticks": sum(len(items) for kind, items in zip(step_kind, step_items, strict=True) if kind != _RESIDUAL),
        "residual_ticks": sum(
            1 + (len(contributors[t]) if k == _TO_PAYER else 0)
            for kinds_row, targets_row in zip(share_kind, share_target, strict=True)
            for k, t in zip(kinds_row, targets_row, strict=True)
        ),
        "guarantee_amount": _ints([g.amount for g in contract.guarantees]),
        "coverage": np.asarray(coverage, dtype=np.int64).reshape(len(contract.guarantees), 2),
        "covers": _ragged(covers),
        "cover_count": _ints([len(c) for c in covers]),
        "guarantor_provider": _ints([provider_at.get(g.guarantor, -1) for g in contract.guarantees]),
        "contrib_weight": _ragged(contrib_weight, 0),
        "contrib_count": _ints([len(c) for c in contributors]),
        "line_provider": _ints([ln.provider_index for ln in lines]),
        "line_metric": _ints([ln.metric_index for ln in lines]),
        "buffer": _ints([prov.buffer for prov in providers]),
        "minimum_cash": _ints([prov.minimum_cash for prov in providers]),
        "other_income": _ints([prov.other_income_monthly for prov in providers]),
        "funded_by_capital": _ints([not prov.prefinances_own_costs for prov in providers], np.bool_),
        **{f"key_{name}": value for name, value in keys.items()},
    }
    return program, key.table()


# ---------------------------------------------------------------------------------------------------
# The compiled month loop.


@jit_loop
def _allocate(total: int, weights: I64, k_len: int, out: I64) -> None:
    """Largest-remainder split of ``total`` by ``weights[:k_len]`` into ``out[:k_len]``, exactly as
    ``money.allocate_array``: larger remainders first, the earlier part first among equals; all-zero
    weights give everything to the first part.

    Sizes are passed, not slices, and the compiled helpers of the month loop have a single exit (no
    early ``return``): either would make Numba update the arrays' reference counts (atomic operations)
    at every call, which costs far more than the split itself."""
    wsum = 0
    for k in range(k_len):
        wsum += weights[k]
    if k_len == 1 or wsum == 0:
        for k in range(k_len):
            out[k] = 0
        out[0] = total
    else:
        sign = -1 if total < 0 else 1
        mag = -total if total < 0 else total
        left = mag
        for k in range(k_len):
            out[k] = (mag * weights[k]) // wsum
            left -= out[k]
        if left:
            for k in range(k_len):
                rem_k = (mag * weights[k]) % wsum
                rank = 0
                for j in range(k_len):
                    rem_j = (mag * weights[j]) % wsum
                    if rem_j > rem_k or (rem_j == rem_k and j < k):
                        rank += 1
                if rank < left:
                    out[k] += 1
        if sign < 0:
            for k in range(k_len):
                out[k] = -out[k]


@jit_loop
def _half_up(amount: int, num: int, den: int) -> int:
    """``amount × num / den`` rounded half up to the cent."""
    return (2 * amount * num + den) // (2 * den)


@jit_loop
def _record(
    moves: I64, first: I64, error: I64, clock: I64, i: int, slot: int, month: int, key: int, amount: int
) -> None:
    """Record a movement of ``amount`` cents under ledger ``key``; every call takes the next tick of
    ``clock``, so the first tick at which each key moves orders the ledger as the loop ran."""
    tick = clock[0]
    clock[0] = tick + 1
    if amount != 0:
        moves[i, slot, key] += amount
        if tick < first[key]:
            first[key] = tick
        if amount < 0 and (error[0] < 0 or tick < error[0]):
            error[0] = tick
            error[1] = key
            error[2] = month


@jit_loop
def _pay_sequential(avail: int, due: I64, count: int, out: I64) -> None:
    """Pay ``due[:count]`` from ``avail`` in order (running totals capped at ``avail``, differenced)."""
    cum = 0
    before = 0
    for c in range(count):
        cum += due[c]
        upto = min(cum, avail)
        out[c] = upto - before
        before = upto


@jit_loop
def _pay(avail: int, due: I64, count: int, mode: int, out: I64) -> None:
    """Pay ``due[:count]`` from ``avail``: in order (mode 0) or pro rata by the largest remainder (mode 1)."""
    if mode == 0:
        _pay_sequential(avail, due, count, out)
    else:
        total = 0
        for c in range(count):
            total += due[c]
        _allocate(min(total, avail), due, count, out)


@jit_loop
def _available(bucket: I64, groups: I64, row: int, size: int) -> int:
    """Money in the contract account that may pay an item tied to the buckets ``groups[row, :size]``
    (all buckets when ``size`` is 0)."""
    total = 0
    if size == 0:
        for b in range(bucket.size):
            total += bucket[b]
    else:
        for g in range(size):
            total += bucket[groups[row, g]]
    return total


@jit_loop
def _take(bucket: I64, groups: I64, row: int, size: int, amount: int, weights: I64, split: I64) -> None:
    """Take ``amount`` from the buckets ``groups[row, :size]`` (all when ``size`` is 0) in proportion to
    what each holds (``weights`` and ``split`` are scratch space)."""
    if bucket.size == 1:
        bucket[0] -= amount
    else:
        count = bucket.size if size == 0 else size
        for g in range(count):
            weights[g] = bucket[g if size == 0 else groups[row, g]]
        _allocate(amount, weights, count, split)
        for g in range(count):
            bucket[g if size == 0 else groups[row, g]] -= split[g]


@jit_loop
def _load(table: I64, row: int, count: int, into: I64) -> None:
    """Copy ``table[row, :count]`` into ``into`` (scratch space; see ``_allocate`` on why not a slice)."""
    for c in range(count):
        into[c] = table[row, c]


@jit_loop
def _month_loop(
    costs: I64,
    due: I64,
    due_after: I64,
    detail: bool,
    paying: npt.NDArray[np.bool_],
    has_account: bool,
    after: bool,
    vat: I64,
    cap_cells: I64,
    cap_size: I64,
    cap_amount: I64,
    buckets: int,
    groups: I64,
    group_size: I64,
    commitment: I64,
    coupon: I64,
    has_hurdle: npt.NDArray[np.bool_],
    hurdle_growth: F64,
    multiple: I64,
    capped_return: npt.NDArray[np.bool_],
    is_grant: npt.NDArray[np.bool_],
    investor_provider: I64,
    draw_kind: I64,
    draw_start: I64,
    draw_amounts: I64,
    draw_count: I64,
    drawing_ends: int,
    ends: int,
    service_months: int,
    fee_accrual: I64,
    fee_source: I64,
    fee_payer: I64,
    fee_rate: I64,
    fee_payee_provider: I64,
    capital_fees: I64,
    step_kind: I64,
    step_mode: I64,
    step_items: I64,
    step_count: I64,
    share_kind: I64,
    share_target: I64,
    share_weight: I64,
    share_count: I64,
    step_ticks: int,
    residual_ticks: int,
    guarantee_amount: I64,
    coverage: I64,
    covers: I64,
    cover_count: I64,
    guarantor_provider: I64,
    contrib_weight: I64,
    contrib_count: I64,
    line_provider: I64,
    line_metric: I64,
    buffer: I64,
    minimum_cash: I64,
    other_income: I64,
    funded_by_capital: npt.NDArray[np.bool_],
    key_draw: I64,
    key_fund: I64,
    key_fee_account: I64,
    key_contrib_outcome: I64,
    key_vat: I64,
    key_line: I64,
    key_contrib_fee: I64,
    key_fee_payer: I64,
    key_tranche: I64,
    key_fund_residual: I64,
    key_provider_residual: I64,
    key_refund: I64,
    key_refund_contrib: I64,
    key_other_income: I64,
    key_costs: I64,
    key_guarantee: I64,
    tranche_cash: I64,
    tranche_drawn: I64,
    tranche_repaid: I64,
    tranche_due_after: I64,
    guarantee_paid: I64,
    payer_paid: I64,
    payer_vat: I64,
    payer_fees: I64,
    payer_refund: I64,
    provider_cash: I64,
    lowest: I64,
    lowest_month: I64,
    below_zero: I64,
    below_minimum: I64,
    cash_out: I64,
    revenue: I64,
    spent: I64,
    other: I64,
    invested: I64,
    fee_unpaid: I64,
    interest_unpaid: I64,
    cap_cut: I64,
    line_paid: I64,
    closing_account: I64,
    moves: I64,
    first: I64,
    error: I64,
    scratch: I64,
) -> None:
    """Run every scenario month by month; the outputs are the arrays of ``Flows`` plus the ledger's
    ``moves`` (N, T or 1, keys), the first tick of each key, and the first negative movement (``error``)."""
    n, t_len, p_len = costs.shape
    l_len, k_len = due.shape[2], due.shape[3]
    j_len, f_len, c_len, g_len = commitment.size, fee_source.size, cap_amount.size, guarantee_amount.size
    unlimited = 2**62
    size = scratch.shape[1]
    # scratch space, allocated by the caller: this loop runs without Numba's reference counting
    drawn = scratch[0, :j_len]
    left = scratch[1, :j_len]
    principal = scratch[2, :j_len]
    repaid = scratch[3, :j_len]
    interest = scratch[4, :j_len]
    received = scratch[5, :j_len]
    hurdle = scratch[6, :j_len]
    covered = scratch[7, :j_len]
    fee_due = scratch[8, :f_len]
    room = scratch[9, :c_len]
    bucket = scratch[10, :buckets]
    cash = scratch[11, :p_len]
    due_m = scratch[12, : l_len * k_len]
    by_line = scratch[13, :l_len]
    wanted = scratch[14, :size]
    paid = scratch[15, :size]
    weights = scratch[16, :size]
    split = scratch[17, :size]
    members = scratch[18, :size]
    clock = scratch[19, :1]
    as_needed = False
    for j in range(j_len):
        as_needed = as_needed or draw_kind[j] == _AS_NEEDED
    last = t_len - 1

    for i in range(n):
        for j in range(j_len):
            drawn[j] = principal[j] = repaid[j] = interest[j] = received[j] = covered[j] = 0
            left[j] = commitment[j]
            hurdle[j] = 0 if has_hurdle[j] else unlimited
        for f in range(f_len):
            fee_due[f] = 0
        for c in range(c_len):
            room[c] = cap_amount[c]
        for b in range(buckets):
            bucket[b] = 0
        for p in range(p_len):
            cash[p] = buffer[p]
        for p in range(p_len):
            lowest[i, p] = unlimited
        cap_cash = 0
        repaid_all = False

        for month in range(t_len + 1):  # month t_len is the settlement after the last month
            clock[0] = month * _STAMP
            m = min(month, last)
            slot = m if detail else 0
            if month == t_len:
                # 7. settlement: unspent capital back to the lenders, guarantees, the rest back to the payers
                if has_account:
                    _allocate(cap_cash, drawn, j_len, split)
                    for j in range(j_len):
                        back = min(split[j], principal[j])
                        principal[j] -= back
                        repaid[j] += back
                        _pay_tranche(
                            j,
                            back,
                            i,
                            last,
                            _R_UNUSED,
                            received,
                            hurdle,
                            tranche_cash,
                            revenue,
                            cash,
                            investor_provider,
                            moves,
                            first,
                            error,
                            clock,
                            slot,
                            key_tranche,
                        )
                        bucket[0] += split[j] - back
                    cap_cash = 0
                for j in range(j_len):
                    covered[j] = 0
                for g in range(g_len):
                    left_g = guarantee_amount[g]
                    for c in range(cover_count[g]):
                        j = covers[g, c]
                        shortfall = max(_half_up(drawn[j] - repaid[j], coverage[g, 0], coverage[g, 1]) - covered[j], 0)
                        pay_g = min(shortfall, left_g)
                        covered[j] += pay_g
                        left_g -= pay_g
                        guarantee_paid[i, g] += pay_g
                        received[j] += pay_g
                        tranche_cash[i, last, j] += pay_g
                        _record(moves, first, error, clock, i, slot, m, key_guarantee[g, c], pay_g)
                        if guarantor_provider[g] >= 0:
                            invested[i, guarantor_provider[g]] += pay_g
                            cash[guarantor_provider[g]] -= pay_g
                        if investor_provider[j] >= 0:
                            revenue[i, investor_provider[j]] += pay_g
                            cash[investor_provider[j]] += pay_g
                if has_account:
                    for k in range(k_len):
                        weights[k] = 0
                        for t in range(t_len):
                            weights[k] += payer_paid[i, t, k]
                    _allocate(_available(bucket, groups, 0, 0), weights, k_len, split)
                    taken = 0
                    for k in range(k_len):
                        amount = split[k]
                        taken += amount
                        payer_refund[i, k] += amount
                        _record(moves, first, error, clock, i, slot, m, key_refund[k, 1], amount)
                        if contrib_count[k] and amount:
                            _load(contrib_weight, k, contrib_count[k], weights)
                            _allocate(amount, weights, contrib_count[k], members)
                            for c in range(contrib_count[k]):
                                _record(moves, first, error, clock, i, slot, m, key_refund_contrib[k, 1, c], members[c])
                    _take(bucket, groups, 0, 0, taken, weights, members)
                break

            # 1. accruals
            for j in range(j_len):
                if coupon[j, 0]:
                    interest[j] += _half_up(principal[j], coupon[j, 0], 12 * coupon[j, 1])
                if hurdle_growth[j] != 1.0 and hurdle[j] > 0:
                    # rounded down, so the cap is never exceeded by rounding
                    hurdle[j] = math.floor(hurdle[j] * hurdle_growth[j])
            for f in range(f_len):
                fee_due[f] += fee_accrual[month, f]

            # 2. drawdowns
            ended = month >= ends
            for j in range(j_len):
                amount = -1
                if ended:  # undrawn commitments lapse when the service ends early
                    continue
                if draw_kind[j] == _UPFRONT and month == draw_start[j]:
                    amount = left[j]
                elif draw_kind[j] == _SCHEDULE and 0 <= month - draw_start[j] < draw_count[j]:
                    amount = min(left[j], draw_amounts[j, month - draw_start[j]])
                if amount >= 0:
                    cap_cash += _draw(
                        j,
                        amount,
                        i,
                        month,
                        drawn,
                        left,
                        principal,
                        hurdle,
                        tranche_cash,
                        invested,
                        cash,
                        investor_provider,
                        moves,
                        first,
                        error,
                        clock,
                        slot,
                        key_draw,
                    )
            if as_needed and month < drawing_ends:
                need = 0
                for p in range(p_len):
                    if funded_by_capital[p]:
                        need += costs[i, month, p]
                for c in range(capital_fees.size):
                    need += fee_due[capital_fees[c]]
                total_left = 0
                for j in range(j_len):
                    eligible = draw_kind[j] == _AS_NEEDED and draw_start[j] <= month
                    weights[j] = left[j] if eligible else 0
                    total_left += weights[j]
                want = min(max(need - cap_cash, 0), total_left)
                _allocate(want, weights, j_len, split)
                for j in range(j_len):
                    if draw_kind[j] == _AS_NEEDED and draw_start[j] <= month:
                        cap_cash += _draw(
                            j,
                            split[j],
                            i,
                            month,
                            drawn,
                            left,
                            principal,
                            hurdle,
                            tranche_cash,
                            invested,
                            cash,
                            investor_provider,
                            moves,
                            first,
                            error,
                            clock,
                            slot,
                            key_draw,
                        )

            # 3. the contract account funds providers' costs, then capital fees
            if has_account:
                total = 0
                for p in range(p_len):
                    wanted[p] = costs[i, month, p] if funded_by_capital[p] else 0
                    total += wanted[p]
                if total > cap_cash:  # share what there is only where capital falls short
                    _allocate(min(total, cap_cash), wanted, p_len, paid)
                else:
                    for p in range(p_len):
                        paid[p] = wanted[p]
                for p in range(p_len):
                    cap_cash -= paid[p]
                for p in range(p_len):
                    if funded_by_capital[p]:
                        _record(moves, first, error, clock, i, slot, month, key_fund[p], paid[p])
                        revenue[i, p] += paid[p]
                        cash[p] += paid[p]
                if capital_fees.size:
                    for c in range(capital_fees.size):
                        wanted[c] = fee_due[capital_fees[c]]
                    _pay_sequential(cap_cash, wanted, capital_fees.size, paid)
                    for c in range(capital_fees.size):
                        cap_cash -= paid[c]
                    for c in range(capital_fees.size):
                        f = capital_fees[c]
                        fee_due[f] -= paid[c]
                        _record(moves, first, error, clock, i, slot, month, key_fee_account[f], paid[c])
                        if fee_payee_provider[f] >= 0:
                            revenue[i, fee_payee_provider[f]] += paid[c]
                            cash[fee_payee_provider[f]] += paid[c]

            # 4. outcome payments, capped month by month (nothing to do in months without payments)
            receipts = 0
            if paying[month]:
                use_after = after and repaid_all
                before = 0
                for ln in range(l_len):
                    for k in range(k_len):
                        due_m[ln * k_len + k] = due_after[i, month, ln, k] if use_after else due[i, month, ln, k]
                        before += due_m[ln * k_len + k]
                if c_len:
                    for c in range(c_len):
                        total = 0
                        for x in range(cap_size[c]):
                            members[x] = due_m[cap_cells[c, x]]
                            total += members[x]
                        if total > room[c]:  # the cap binds: share its room over its cells
                            _allocate(room[c], members, cap_size[c], split)
                            for x in range(cap_size[c]):
                                due_m[cap_cells[c, x]] = split[x]
                    # a cap's room is used only by what is finally paid, not by amounts a later cap cut
                    for c in range(c_len):
                        for x in range(cap_size[c]):
                            room[c] -= due_m[cap_cells[c, x]]
                    after_caps = 0
                    for x in range(l_len * k_len):
                        after_caps += due_m[x]
                    cap_cut[i] += before - after_caps
                for ln in range(l_len):
                    by_line[ln] = 0
                    for k in range(k_len):
                        by_line[ln] += due_m[ln * k_len + k]
                    line_paid[i, ln] += by_line[ln]
                for k in range(k_len):
                    total_k = 0
                    for ln in range(l_len):
                        total_k += due_m[ln * k_len + k]
                    vat_k = _half_up(total_k, vat[0], vat[1]) if vat[0] else 0
                    if contrib_count[k] and total_k + vat_k:
                        _load(contrib_weight, k, contrib_count[k], weights)
                        _allocate(total_k + vat_k, weights, contrib_count[k], members)
                    for c in range(contrib_count[k]):
                        share = members[c] if total_k + vat_k else 0
                        _record(moves, first, error, clock, i, slot, month, key_contrib_outcome[k, c], share)
                    payer_paid[i, month, k] += total_k
                    payer_vat[i, k] += vat_k
                    _record(moves, first, error, clock, i, slot, month, key_vat[k], vat_k)
                    for ln in range(l_len):
                        _record(moves, first, error, clock, i, slot, month, key_line[k, ln], due_m[ln * k_len + k])
                    receipts += total_k
                    for f in range(f_len):
                        if fee_source[f] == _FROM_PAYER and fee_payer[f] == k and fee_rate[f, 0]:
                            fee_due[f] += _half_up(total_k, fee_rate[f, 0], fee_rate[f, 1])
                if not has_account:
                    for ln in range(l_len):
                        revenue[i, line_provider[ln]] += by_line[ln]
                        cash[line_provider[ln]] += by_line[ln]
                elif buckets == 1:
                    bucket[0] += receipts
                else:
                    for ln in range(l_len):
                        bucket[1 + line_metric[ln]] += by_line[ln]
            for f in range(f_len):
                if fee_source[f] == _FROM_OUTCOMES and fee_rate[f, 0]:
                    fee_due[f] += _half_up(receipts, fee_rate[f, 0], fee_rate[f, 1])
            # fees paid by a payer directly, in full
            for f in range(f_len):
                if fee_source[f] == _FROM_PAYER and fee_payer[f] >= 0:
                    k = fee_payer[f]
                    amount = fee_due[f]
                    if contrib_count[k] and amount:
                        _load(contrib_weight, k, contrib_count[k], weights)
                        _allocate(amount, weights, contrib_count[k], members)
                    for c in range(contrib_count[k]):
                        _record(
                            moves,
                            first,
                            error,
                            clock,
                            i,
                            slot,
                            month,
                            key_contrib_fee[f, c],
                            members[c] if amount else 0,
                        )
                    _record(moves, first, error, clock, i, slot, month, key_fee_payer[f], amount)
                    if fee_payee_provider[f] >= 0:
                        revenue[i, fee_payee_provider[f]] += amount
                        cash[fee_payee_provider[f]] += amount
                    payer_fees[i, k] += amount
                    fee_due[f] = 0

            # capital drawn but not spent goes back to the tranches that provided it once no more can be
            # drawn (the end of the service, or an early end), in proportion to what each drew, as repayment
            # of principal (it never pays anyone else's claims)
            if has_account and month == drawing_ends - 1:
                _allocate(cap_cash, drawn, j_len, split)
                for j in range(j_len):
                    back = min(split[j], principal[j])
                    principal[j] -= back
                    repaid[j] += back
                    _pay_tranche(
                        j,
                        back,
                        i,
                        month,
                        _R_UNUSED,
                        received,
                        hurdle,
                        tranche_cash,
                        revenue,
                        cash,
                        investor_provider,
                        moves,
                        first,
                        error,
                        clock,
                        slot,
                        key_tranche,
                    )
                    bucket[0] += split[j] - back
                cap_cash = 0

            # 5. priority of payments
            if has_account:
                empty = True
                for b in range(buckets):
                    empty = empty and bucket[b] == 0
                if empty:  # nothing to pay out: every payment of every step would be zero
                    clock[0] += step_ticks + (residual_ticks if month >= drawing_ends - 1 else 0)
                else:
                    for w in range(step_kind.size):
                        kind = step_kind[w]
                        count = step_count[w]
                        if kind == _RESIDUAL:
                            if month < drawing_ends - 1:
                                # the upside is shared out only once no more capital can be drawn (after the service
                                # term, or an early end): before that, what is left stays to repay later drawdowns
                                continue
                            shares = share_count[w]
                            _load(share_weight, w, shares, weights)
                            _allocate(_available(bucket, groups, 0, 0), weights, shares, split)
                            for c in range(shares):
                                paid[c] = split[c]
                            for c in range(shares):
                                amount = paid[c]
                                target = share_target[w, c]
                                gsize = 0
                                if share_kind[w, c] == _TO_TRANCHE:
                                    gsize = group_size[target]
                                    amount = min(
                                        amount,
                                        _room(target, hurdle, multiple, drawn, received),
                                        _available(bucket, groups, target, gsize),
                                    )
                                    _pay_tranche(
                                        target,
                                        amount,
                                        i,
                                        month,
                                        _R_RESIDUAL,
                                        received,
                                        hurdle,
                                        tranche_cash,
                                        revenue,
                                        cash,
                                        investor_provider,
                                        moves,
                                        first,
                                        error,
                                        clock,
                                        slot,
                                        key_tranche,
                                    )
                                elif share_kind[w, c] == _TO_FUND:
                                    _record(moves, first, error, clock, i, slot, month, key_fund_residual[0], amount)
                                elif share_kind[w, c] == _TO_PROVIDER:
                                    _record(
                                        moves,
                                        first,
                                        error,
                                        clock,
                                        i,
                                        slot,
                                        month,
                                        key_provider_residual[target],
                                        amount,
                                    )
                                    revenue[i, target] += amount
                                    cash[target] += amount
                                else:
                                    payer_refund[i, target] += amount
                                    _record(moves, first, error, clock, i, slot, month, key_refund[target, 0], amount)
                                    if contrib_count[target] and amount:
                                        _load(contrib_weight, target, contrib_count[target], weights)
                                        _allocate(amount, weights, contrib_count[target], members)
                                    for x in range(contrib_count[target]):
                                        _record(
                                            moves,
                                            first,
                                            error,
                                            clock,
                                            i,
                                            slot,
                                            month,
                                            key_refund_contrib[target, 0, x],
                                            members[x] if amount else 0,
                                        )
                                _take(bucket, groups, target, gsize, amount, weights, members)
                            continue
                        ring = False
                        for c in range(count):
                            x = step_items[w, c]
                            if kind == _FEES:
                                wanted[c] = fee_due[x]
                            else:
                                r = _room(x, hurdle, multiple, drawn, received)
                                if kind == _INTEREST:
                                    wanted[c] = min(interest[x], r)
                                elif kind == _PRINCIPAL:
                                    wanted[c] = min(principal[x], r)
                                else:
                                    wanted[c] = min(r, unlimited // 4) if capped_return[x] else 0
                                ring = ring or group_size[x] > 0
                        if not ring:
                            _pay(_available(bucket, groups, 0, 0), wanted, count, step_mode[w], paid)
                            taken = 0
                            for c in range(count):
                                taken += paid[c]
                            _take(bucket, groups, 0, 0, taken, weights, members)
                        else:  # items tied to outcomes: one after another, each from its own buckets
                            for c in range(count):
                                x = step_items[w, c]
                                paid[c] = min(wanted[c], _available(bucket, groups, x, group_size[x]))
                                _take(bucket, groups, x, group_size[x], paid[c], weights, members)
                        for c in range(count):
                            x = step_items[w, c]
                            if kind == _FEES:
                                fee_due[x] -= paid[c]
                                _record(moves, first, error, clock, i, slot, month, key_fee_account[x], paid[c])
                                if fee_payee_provider[x] >= 0:
                                    revenue[i, fee_payee_provider[x]] += paid[c]
                                    cash[fee_payee_provider[x]] += paid[c]
                                continue
                            reason = _R_RETURN
                            if kind == _INTEREST:
                                interest[x] -= paid[c]
                                reason = _R_INTEREST
                            elif kind == _PRINCIPAL:
                                principal[x] -= paid[c]
                                repaid[x] += paid[c]
                                reason = _R_PRINCIPAL
                            _pay_tranche(
                                x,
                                paid[c],
                                i,
                                month,
                                reason,
                                received,
                                hurdle,
                                tranche_cash,
                                revenue,
                                cash,
                                investor_provider,
                                moves,
                                first,
                                error,
                                clock,
                                slot,
                                key_tranche,
                            )
                done = True
                for j in range(j_len):
                    if not is_grant[j]:
                        done = done and principal[j] == 0 and interest[j] == 0 and left[j] == 0
                repaid_all = done

            if detail:
                for j in range(j_len):
                    tranche_due_after[i, month, j] = principal[j] + interest[j]

            # 6. providers' own cash
            for p in range(p_len):
                if other_income[p] and month < service_months:
                    _record(moves, first, error, clock, i, slot, month, key_other_income[p], other_income[p])
                    other[i, p] += other_income[p]
                    cash[p] += other_income[p]
                spend = costs[i, month, p]
                _record(moves, first, error, clock, i, slot, month, key_costs[p], spend)
                spent[i, p] += spend
                cash[p] -= spend
                if detail:
                    provider_cash[i, month, p] = cash[p]
                if month < last:  # the last month is recorded after the settlement
                    _low(i, p, month, cash[p], lowest, lowest_month, below_zero, below_minimum, minimum_cash)

        for p in range(p_len):
            if detail:
                provider_cash[i, last, p] = cash[p]
            _low(i, p, last, cash[p], lowest, lowest_month, below_zero, below_minimum, minimum_cash)
            cash_out[i, p] = cash[p]
        for j in range(j_len):
            tranche_drawn[i, j] = drawn[j]
            tranche_repaid[i, j] = repaid[j]
        for f in range(f_len):
            fee_unpaid[i, f] = fee_due[f]
        for j in range(j_len):
            interest_unpaid[i, j] = interest[j]
        closing_account[i] = _available(bucket, groups, 0, 0) + cap_cash


@jit_loop
def _room(j: int, hurdle: I64, multiple: I64, drawn: I64, received: I64) -> int:
    """What tranche ``j`` may still receive under its return cap (hurdle balance, multiple), at least 0."""
    r = int(hurdle[j])
    if multiple[j, 1]:
        r = min(r, int((drawn[j] * multiple[j, 0]) // multiple[j, 1] - received[j]))
    return max(r, 0)


@jit_loop
def _low(
    i: int,
    p: int,
    month: int,
    cash: int,
    lowest: I64,
    lowest_month: I64,
    below_zero: I64,
    below_minimum: I64,
    minimum_cash: I64,
) -> None:
    """Track provider ``p``'s lowest month-end cash and the months it ends below zero and below its minimum."""
    if cash < lowest[i, p]:
        lowest[i, p] = cash
        lowest_month[i, p] = month
    if cash < 0:
        below_zero[i, p] += 1
    if cash < minimum_cash[p]:
        below_minimum[i, p] += 1


@jit_loop
def _draw(
    j: int,
    amount: int,
    i: int,
    month: int,
    drawn: I64,
    left: I64,
    principal: I64,
    hurdle: I64,
    tranche_cash: I64,
    invested: I64,
    cash: I64,
    investor_provider: I64,
    moves: I64,
    first: I64,
    error: I64,
    clock: I64,
    slot: int,
    key_draw: I64,
) -> int:
    """Draw ``amount`` from tranche ``j`` into the contract account; returns the amount."""
    if investor_provider[j] >= 0:  # a provider investing in its own deal pays from its own cash
        invested[i, investor_provider[j]] += amount
        cash[investor_provider[j]] -= amount
    drawn[j] += amount
    left[j] -= amount
    principal[j] += amount
    if hurdle[j] < 2**62:
        hurdle[j] += amount
    tranche_cash[i, month, j] -= amount
    _record(moves, first, error, clock, i, slot, month, key_draw[j], amount)
    return amount


@jit_loop
def _pay_tranche(
    j: int,
    amount: int,
    i: int,
    month: int,
    reason: int,
    received: I64,
    hurdle: I64,
    tranche_cash: I64,
    revenue: I64,
    cash: I64,
    investor_provider: I64,
    moves: I64,
    first: I64,
    error: I64,
    clock: I64,
    slot: int,
    key_tranche: I64,
) -> None:
    """Pay ``amount`` from the contract account to tranche ``j``'s investor, for ``reason``."""
    received[j] += amount
    if hurdle[j] < 2**62:
        hurdle[j] -= amount
    tranche_cash[i, month, j] += amount
    _record(moves, first, error, clock, i, slot, month, key_tranche[j, reason], amount)
    if investor_provider[j] >= 0:
        revenue[i, investor_provider[j]] += amount
        cash[investor_provider[j]] += amount


_SCRATCH_ROWS = 20
"""Rows of scratch space the month loop uses (one per state vector or work buffer)."""


def _scratch_width(program: dict[str, Any], l_len: int, k_len: int) -> int:
    """Longest state vector or work buffer the month loop needs for ``program``."""
    widths = [l_len * k_len, int(program["buckets"]), 1]
    widths += [len(program[name]) for name in ("commitment", "fee_source", "cap_amount", "buffer")]
    widths += [
        program[name].shape[1] for name in ("share_weight", "contrib_weight", "cap_cells", "groups", "step_items")
    ]
    return max(widths) + k_len


def run_batch(contract: Contract, batch: Batch, *, detail: bool = True) -> Flows:
    """Run the whole contract for every scenario of ``batch``; checks that money reconciles.

    ``detail=False`` (Monte Carlo) keeps each ledger movement only as a total over the term and
    providers' cash only as its lowest point and month counts, so memory stays small.
    """
    ax = axes(contract)
    n, t_len = batch.n, ax.months
    sched = schedule(contract, batch)
    program, keys = _program(contract, sched)
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
        "scratch": zeros(_SCRATCH_ROWS, _scratch_width(program, l_len, k_len)),
    }
    # called by keyword: ``program`` and ``out`` name every parameter of the loop
    cast(Any, _month_loop)(costs=sched.costs, due=sched.due, due_after=sched.due_after, detail=detail, **program, **out)
    error = out["error"]
    if error[0] >= 0:
        source, target, reason = keys[int(error[1])]
        raise EngineError(f"a negative movement from {source} to {target} ({reason}) in month {int(error[2])}")
    ledger = Ledger(n, t_len, detail=detail)
    moves, first = out["moves"], out["first"]
    for e in sorted(np.flatnonzero(first < np.iinfo(np.int64).max), key=lambda e: int(first[e])):
        ledger.flows[keys[e]] = np.ascontiguousarray(moves[:, :, e])
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
