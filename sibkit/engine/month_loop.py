"""The compiled month loop: every scenario of a batch, month by month, in the order of
``sibkit.engine.waterfall``'s docstring.

Compiled with ``sibkit.jit.jit_loop`` (no reference counting: these functions only index
arrays they are given; scratch space comes from the caller). Sizes are passed rather than
slices, and helpers have a single exit, so that compiled code never updates reference counts.
Amounts are integer cents; ``_half_up`` rounds half up to the cent and ``allocate_into``
(``sibkit.engine.split``) splits by the largest remainder, exactly as ``sibkit.money`` does, also where
an amount times a weight exceeds 64 bits. A product of an amount and a rate's numerator can pass
2^63 too: ``muldiv`` forms such quotients exactly inside the ranges of ``sibkit.limits``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from sibkit.engine.program import (
    AS_NEEDED,
    FEES,
    FROM_OUTCOMES,
    FROM_PAYER,
    INTEREST,
    PRINCIPAL,
    R_INTEREST,
    R_PRINCIPAL,
    R_RESIDUAL,
    R_RETURN,
    R_UNUSED,
    RESIDUAL,
    SCHEDULE,
    STAMP,
    TO_FUND,
    TO_PROVIDER,
    TO_TRANCHE,
    UPFRONT,
)
from sibkit.engine.split import allocate_into
from sibkit.jit import jit_loop

__all__ = ["allocate_into", "month_loop", "muldiv"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


_SMALL = 2**31
"""Factors below this in size multiply exactly in an int64."""


@jit_loop
def muldiv(a: int, b: int, c: int) -> tuple[int, int]:
    """``(a × b) // c`` and ``(a × b) % c``, exact, without forming ``a × b`` when it passes 2^63.

    Exact whenever ``0 < c < 2^51`` and the quotient is below 2^62 in size (every amount, weight
    and rate denominator inside ``sibkit.limits`` is). A float64 estimate of the quotient is off by
    at most 2^11 + 1, so the true remainder ``a × b - q × c`` is within 2^12 × c < 2^63 of zero:
    computed in int64 arithmetic, which wraps modulo 2^64, it comes out exact, and corrects ``q``."""
    if -_SMALL < a < _SMALL and -_SMALL < b < _SMALL:
        p = a * b
        q = p // c
        r = p - q * c
    else:
        q = math.floor(float(a) * float(b) / float(c))
        r = a * b - q * c
        d = r // c
        q += d
        r -= d * c
    return q, r


@jit_loop
def _half_up(amount: int, num: int, den: int) -> int:
    """``amount × num / den`` rounded half up to the cent (``amount`` at least 0)."""
    q, r = muldiv(amount, num, den)
    return q + (1 if 2 * r >= den else 0)


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
        allocate_into(min(total, avail), due, count, out)


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
        allocate_into(amount, weights, count, split)
        for g in range(count):
            bucket[g if size == 0 else groups[row, g]] -= split[g]


@jit_loop
def _load(table: I64, row: int, count: int, into: I64) -> None:
    """Copy ``table[row, :count]`` into ``into`` (scratch space; see ``_allocate`` on why not a slice)."""
    for c in range(count):
        into[c] = table[row, c]


@jit_loop
def month_loop(
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
    month_ticks: I64,
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
        as_needed = as_needed or draw_kind[j] == AS_NEEDED
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
            clock[0] = month * STAMP
            m = min(month, last)
            slot = m if detail else 0
            if month == t_len:
                # 7. settlement: unspent capital back to the lenders, guarantees, the rest back to the payers
                if has_account:
                    cap_cash = _return_unused(
                        cap_cash,
                        i,
                        last,
                        slot,
                        drawn,
                        principal,
                        repaid,
                        received,
                        hurdle,
                        bucket,
                        split,
                        tranche_cash,
                        revenue,
                        cash,
                        investor_provider,
                        moves,
                        first,
                        error,
                        clock,
                        key_tranche,
                    )
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
                        _provider_receives(investor_provider[j], pay_g, i, revenue, cash)
                if has_account:
                    for k in range(k_len):
                        weights[k] = 0
                        for t in range(t_len):
                            weights[k] += payer_paid[i, t, k]
                    allocate_into(_available(bucket, groups, 0, 0), weights, k_len, split)
                    taken = 0
                    for k in range(k_len):
                        amount = split[k]
                        taken += amount
                        payer_refund[i, k] += amount
                        _record(moves, first, error, clock, i, slot, m, key_refund[k, 1], amount)
                        _to_contributors(
                            amount,
                            k,
                            contrib_weight,
                            contrib_count,
                            key_refund_contrib[k, 1],
                            weights,
                            members,
                            moves,
                            first,
                            error,
                            clock,
                            i,
                            slot,
                            m,
                        )
                    _take(bucket, groups, 0, 0, taken, weights, members)
                _same_ticks(month_ticks, month, clock[0] - month * STAMP)
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
                if draw_kind[j] == UPFRONT and month == draw_start[j]:
                    amount = left[j]
                elif draw_kind[j] == SCHEDULE and 0 <= month - draw_start[j] < draw_count[j]:
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
                    eligible = draw_kind[j] == AS_NEEDED and draw_start[j] <= month
                    weights[j] = left[j] if eligible else 0
                    total_left += weights[j]
                want = min(max(need - cap_cash, 0), total_left)
                allocate_into(want, weights, j_len, split)
                for j in range(j_len):
                    if draw_kind[j] == AS_NEEDED and draw_start[j] <= month:
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
                    allocate_into(min(total, cap_cash), wanted, p_len, paid)
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
                        _provider_receives(fee_payee_provider[f], paid[c], i, revenue, cash)

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
                            allocate_into(room[c], members, cap_size[c], split)
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
                    _to_contributors(
                        total_k + vat_k,
                        k,
                        contrib_weight,
                        contrib_count,
                        key_contrib_outcome[k],
                        weights,
                        members,
                        moves,
                        first,
                        error,
                        clock,
                        i,
                        slot,
                        month,
                    )
                    payer_paid[i, month, k] += total_k
                    payer_vat[i, k] += vat_k
                    _record(moves, first, error, clock, i, slot, month, key_vat[k], vat_k)
                    for ln in range(l_len):
                        _record(moves, first, error, clock, i, slot, month, key_line[k, ln], due_m[ln * k_len + k])
                    receipts += total_k
                    for f in range(f_len):
                        if fee_source[f] == FROM_PAYER and fee_payer[f] == k and fee_rate[f, 0]:
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
                if fee_source[f] == FROM_OUTCOMES and fee_rate[f, 0]:
                    fee_due[f] += _half_up(receipts, fee_rate[f, 0], fee_rate[f, 1])
            # fees paid by a payer directly, in full
            for f in range(f_len):
                if fee_source[f] == FROM_PAYER and fee_payer[f] >= 0:
                    k = fee_payer[f]
                    amount = fee_due[f]
                    _to_contributors(
                        amount,
                        k,
                        contrib_weight,
                        contrib_count,
                        key_contrib_fee[f],
                        weights,
                        members,
                        moves,
                        first,
                        error,
                        clock,
                        i,
                        slot,
                        month,
                    )
                    _record(moves, first, error, clock, i, slot, month, key_fee_payer[f], amount)
                    _provider_receives(fee_payee_provider[f], amount, i, revenue, cash)
                    payer_fees[i, k] += amount
                    fee_due[f] = 0

            # capital drawn but not spent goes back to the tranches that provided it once no more can be
            # drawn (the end of the service, or an early end), in proportion to what each drew, as repayment
            # of principal (it never pays anyone else's claims)
            if has_account and month == drawing_ends - 1:
                cap_cash = _return_unused(
                    cap_cash,
                    i,
                    month,
                    slot,
                    drawn,
                    principal,
                    repaid,
                    received,
                    hurdle,
                    bucket,
                    split,
                    tranche_cash,
                    revenue,
                    cash,
                    investor_provider,
                    moves,
                    first,
                    error,
                    clock,
                    key_tranche,
                )

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
                        if kind == RESIDUAL:
                            if month < drawing_ends - 1:
                                # the upside is shared out only once no more capital can be drawn (after the service
                                # term, or an early end): before that, what is left stays to repay later drawdowns
                                continue
                            shares = share_count[w]
                            _load(share_weight, w, shares, weights)
                            allocate_into(_available(bucket, groups, 0, 0), weights, shares, split)
                            for c in range(shares):
                                paid[c] = split[c]
                            for c in range(shares):
                                amount = paid[c]
                                target = share_target[w, c]
                                gsize = 0
                                if share_kind[w, c] == TO_TRANCHE:
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
                                        R_RESIDUAL,
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
                                elif share_kind[w, c] == TO_FUND:
                                    _record(moves, first, error, clock, i, slot, month, key_fund_residual[0], amount)
                                elif share_kind[w, c] == TO_PROVIDER:
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
                                    _to_contributors(
                                        amount,
                                        target,
                                        contrib_weight,
                                        contrib_count,
                                        key_refund_contrib[target, 0],
                                        weights,
                                        members,
                                        moves,
                                        first,
                                        error,
                                        clock,
                                        i,
                                        slot,
                                        month,
                                    )
                                _take(bucket, groups, target, gsize, amount, weights, members)
                            continue
                        ring = False
                        for c in range(count):
                            x = step_items[w, c]
                            if kind == FEES:
                                wanted[c] = fee_due[x]
                            else:
                                r = _room(x, hurdle, multiple, drawn, received)
                                if kind == INTEREST:
                                    wanted[c] = min(interest[x], r)
                                elif kind == PRINCIPAL:
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
                            if kind == FEES:
                                fee_due[x] -= paid[c]
                                _record(moves, first, error, clock, i, slot, month, key_fee_account[x], paid[c])
                                _provider_receives(fee_payee_provider[x], paid[c], i, revenue, cash)
                                continue
                            reason = R_RETURN
                            if kind == INTEREST:
                                interest[x] -= paid[c]
                                reason = R_INTEREST
                            elif kind == PRINCIPAL:
                                principal[x] -= paid[c]
                                repaid[x] += paid[c]
                                reason = R_PRINCIPAL
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
            _same_ticks(month_ticks, month, clock[0] - month * STAMP)

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
        r = min(r, int(muldiv(drawn[j], multiple[j, 0], multiple[j, 1])[0] - received[j]))
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
    _provider_receives(investor_provider[j], amount, i, revenue, cash)


@jit_loop
def _provider_receives(p: int, amount: int, i: int, revenue: I64, cash: I64) -> None:
    """Provider ``p`` (-1: the party is not a provider) receives ``amount``: providers can also be investors,
    fee payees or guarantors, and their cash must stay in step."""
    if p >= 0:
        revenue[i, p] += amount
        cash[p] += amount


@jit_loop
def _to_contributors(
    amount: int,
    k: int,
    contrib_weight: I64,
    contrib_count: I64,
    keys: I64,
    weights: I64,
    members: I64,
    moves: I64,
    first: I64,
    error: I64,
    clock: I64,
    i: int,
    slot: int,
    month: int,
) -> None:
    """Record a pooled fund's (payer ``k``'s) movement of ``amount`` as its contributors' shares by commitment
    (largest remainder), under ``keys[c]`` for contributor ``c``. Every contributor takes a tick of the ledger's
    clock, moved or not, so the ticks do not depend on the scenario."""
    count = contrib_count[k]
    if count and amount:
        _load(contrib_weight, k, count, weights)
        allocate_into(amount, weights, count, members)
    for c in range(count):
        _record(moves, first, error, clock, i, slot, month, keys[c], members[c] if amount else 0)


@jit_loop
def _return_unused(
    cap_cash: int,
    i: int,
    month: int,
    slot: int,
    drawn: I64,
    principal: I64,
    repaid: I64,
    received: I64,
    hurdle: I64,
    bucket: I64,
    split: I64,
    tranche_cash: I64,
    revenue: I64,
    cash: I64,
    investor_provider: I64,
    moves: I64,
    first: I64,
    error: I64,
    clock: I64,
    key_tranche: I64,
) -> int:
    """Capital drawn but not spent (``cap_cash``) goes back to the tranches in proportion to what each drew,
    as repayment of principal; a part a tranche no longer needs joins the contract account. Returns the
    capital left unspent: 0."""
    j_len = drawn.size
    allocate_into(cap_cash, drawn, j_len, split)
    for j in range(j_len):
        back = min(split[j], principal[j])
        principal[j] -= back
        repaid[j] += back
        _pay_tranche(
            j,
            back,
            i,
            month,
            R_UNUSED,
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
    return 0


@jit_loop
def _same_ticks(month_ticks: I64, month: int, ticks: int) -> None:
    """Check that every scenario takes as many ledger ticks in ``month`` as the first did (the first one
    sets ``month_ticks[month]``; a difference is marked with -2). Ticks order the ledger, so they must not
    depend on the scenario; months that skip the priority of payments advance the clock by counts worked
    out in ``program``, and this keeps those counts honest."""
    if month_ticks[month] == -1:
        month_ticks[month] = ticks
    elif month_ticks[month] != ticks:
        month_ticks[month] = -2
