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
from sibkit.engine.records import Book, Keys, Out, State, Terms
from sibkit.engine.split import allocate_into
from sibkit.jit import jit_loop, jit_step

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
def _record(book: Book, i: int, slot: int, month: int, key: int, amount: int) -> None:
    """Record a movement of ``amount`` cents under ledger ``key``; every call takes the next tick of
    the book's clock, so the first tick at which each key moves orders the ledger as the loop ran (kept per
    scenario with detail, so that one scenario's ledger can be taken out of a run of many: ``Ledger.row``)."""
    tick = book.clock[0]
    book.clock[0] = tick + 1
    if amount != 0:
        book.moves[key, i, slot] += amount
        row = min(i, book.first.shape[1] - 1)  # one column per scenario with detail, else one for all
        if tick < book.first[key, row]:
            book.first[key, row] = tick
        if amount < 0 and (book.error[0] < 0 or tick < book.error[0]):
            book.error[0] = tick
            book.error[1] = key
            book.error[2] = month


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


_UNLIMITED = 2**62
"""No limit: the hurdle balance of a tranche without an IRR cap, and a cap's room when none binds."""


@jit_loop
def month_loop(
    costs: I64, due: I64, due_after: I64, detail: bool, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """Run every scenario month by month, in the order of ``sibkit.engine.waterfall``'s docstring: the
    outputs are ``out`` (the arrays of ``Flows``) and the ledger's movements in ``book``.

    ``costs`` (N, T, P), ``due`` and ``due_after`` (N, T, L, K) come from the schedule; ``detail``
    keeps the ledger and providers' cash month by month (else as totals over the term)."""
    n, t_len = costs.shape[0], costs.shape[1]
    last = t_len - 1
    for i in range(n):
        _reset(i, terms, out, state)
        for month in range(t_len + 1):  # month t_len is the settlement after the last month
            book.clock[0] = month * STAMP
            slot = min(month, last) if detail else book.slot_of[min(month, last)]
            if month == t_len:
                _settle(i, last, slot, terms, keys, out, book, state)
                _same_ticks(book.month_ticks, month, book.clock[0] - month * STAMP)
                break
            _accrue(month, terms, state)
            _draw_capital(i, month, slot, costs, terms, keys, out, book, state)
            if terms.has_account:
                _fund_providers(i, month, slot, costs, terms, keys, out, book, state)
            receipts = 0
            if terms.paying[month]:
                _due_this_month(i, month, due, due_after, terms, out, state)
                receipts = _payers_pay(i, month, slot, terms, keys, out, book, state)
            _fees_on_outcomes(i, month, slot, receipts, terms, keys, out, book, state)
            # capital drawn but not spent goes back to the tranches that provided it once no more can be
            # drawn (the end of the service, or an early end), in proportion to what each drew, as repayment
            # of principal (it never pays anyone else's claims)
            if terms.has_account and month == terms.capital.drawing_ends - 1:
                _return_unused(i, month, slot, terms, keys, out, book, state)
            if terms.has_account:
                _priority_of_payments(i, month, slot, terms, keys, out, book, state)
            if detail:
                for j in range(state.principal.size):
                    out.tranche_due_after[i, month, j] = state.principal[j] + state.interest[j]
            _provider_cash(i, month, slot, costs, detail, terms, keys, out, book, state)
            _same_ticks(book.month_ticks, month, book.clock[0] - month * STAMP)
        _close(i, last, detail, terms, out, state)


@jit_step
def _reset(i: int, terms: Terms, out: Out, state: State) -> None:
    """Start scenario ``i``: nothing drawn, owed or paid; caps with all their room; providers at their buffer."""
    cap = terms.capital
    for j in range(cap.commitment.size):
        state.drawn[j] = state.principal[j] = state.repaid[j] = state.interest[j] = 0
        state.received[j] = state.covered[j] = 0
        state.left[j] = cap.commitment[j]
        state.hurdle[j] = 0 if cap.has_hurdle[j] else _UNLIMITED
    for f in range(state.fee_due.size):
        state.fee_due[f] = 0
    for c in range(state.room.size):
        state.room[c] = terms.caps.amount[c]
    for b in range(state.bucket.size):
        state.bucket[b] = 0
    for p in range(state.cash.size):
        state.cash[p] = terms.providers.buffer[p]
        out.provider_lowest[i, p] = _UNLIMITED
    state.cap_cash[0] = 0
    state.repaid_all[0] = False


@jit_step
def _accrue(month: int, terms: Terms, state: State) -> None:
    """1. Loans accrue interest, IRR-capped tranches their hurdle, fees what falls due this month."""
    cap = terms.capital
    for j in range(cap.commitment.size):
        if cap.coupon[j, 0]:
            state.interest[j] += _half_up(state.principal[j], cap.coupon[j, 0], 12 * cap.coupon[j, 1])
        if cap.hurdle_growth[j] != 1.0 and state.hurdle[j] > 0:
            # rounded down, so the cap is never exceeded by rounding
            state.hurdle[j] = math.floor(state.hurdle[j] * cap.hurdle_growth[j])
    for f in range(state.fee_due.size):
        state.fee_due[f] += terms.fees.accrual[month, f]


@jit_step
def _draw_capital(
    i: int, month: int, slot: int, costs: I64, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """2. Capital is drawn up front, on schedule, or as needed (undrawn commitments lapse when the service
    ends early)."""
    cap = terms.capital
    if month >= cap.ends:
        return
    for j in range(cap.commitment.size):
        amount = -1
        if cap.draw_kind[j] == UPFRONT and month == cap.draw_start[j]:
            amount = state.left[j]
        elif cap.draw_kind[j] == SCHEDULE and 0 <= month - cap.draw_start[j] < cap.draw_count[j]:
            amount = min(state.left[j], cap.draw_amounts[j, month - cap.draw_start[j]])
        if amount >= 0:
            _draw(j, amount, i, month, slot, terms, keys, out, book, state)
    if month < cap.drawing_ends:
        _draw_as_needed(i, month, slot, costs, terms, keys, out, book, state)


@jit_step
def _draw_as_needed(
    i: int, month: int, slot: int, costs: I64, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """Tranches drawn as needed cover this month's costs funded from capital and capital fees, less the
    capital on hand, in proportion to what each has left to draw."""
    cap = terms.capital
    j_len = cap.commitment.size
    as_needed = False
    for j in range(j_len):
        as_needed = as_needed or cap.draw_kind[j] == AS_NEEDED
    if not as_needed:
        return
    need = 0
    for p in range(state.cash.size):
        if terms.providers.funded_by_capital[p]:
            need += costs[i, month, p]
    for c in range(terms.fees.capital.size):
        need += state.fee_due[terms.fees.capital[c]]
    total_left = 0
    for j in range(j_len):
        eligible = cap.draw_kind[j] == AS_NEEDED and cap.draw_start[j] <= month
        state.weights[j] = state.left[j] if eligible else 0
        total_left += state.weights[j]
    want = min(max(need - state.cap_cash[0], 0), total_left)
    allocate_into(want, state.weights, j_len, state.split)
    for j in range(j_len):
        if cap.draw_kind[j] == AS_NEEDED and cap.draw_start[j] <= month:
            _draw(j, state.split[j], i, month, slot, terms, keys, out, book, state)


@jit_step
def _fund_providers(
    i: int, month: int, slot: int, costs: I64, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """3. The contract account funds providers' costs (shared out only where capital falls short), then
    fees paid from capital, in order (unpaid fees carry over)."""
    p_len, funded = state.cash.size, terms.providers.funded_by_capital
    wanted, paid = state.wanted, state.paid
    total = 0
    for p in range(p_len):
        wanted[p] = costs[i, month, p] if funded[p] else 0
        total += wanted[p]
    if total > state.cap_cash[0]:
        allocate_into(min(total, state.cap_cash[0]), wanted, p_len, paid)
    else:
        for p in range(p_len):
            paid[p] = wanted[p]
    for p in range(p_len):
        state.cap_cash[0] -= paid[p]
    for p in range(p_len):
        if funded[p]:
            _record(book, i, slot, month, keys.fund[p], paid[p])
            out.provider_revenue[i, p] += paid[p]
            state.cash[p] += paid[p]
    capital_fees = terms.fees.capital
    if capital_fees.size:
        for c in range(capital_fees.size):
            wanted[c] = state.fee_due[capital_fees[c]]
        _pay_sequential(state.cap_cash[0], wanted, capital_fees.size, paid)
        for c in range(capital_fees.size):
            state.cap_cash[0] -= paid[c]
        for c in range(capital_fees.size):
            f = capital_fees[c]
            state.fee_due[f] -= paid[c]
            _record(book, i, slot, month, keys.fee_account[f], paid[c])
            _provider_receives(terms.fees.payee_provider[f], paid[c], i, out.provider_revenue, state.cash)


@jit_step
def _due_this_month(i: int, month: int, due: I64, due_after: I64, terms: Terms, out: Out, state: State) -> None:
    """4a. This month's outcome payments into ``state.due_m``, cut by the caps in the order they bind
    (a cap's room is used only by what is finally paid, not by amounts a later cap cut)."""
    l_len, k_len = due.shape[2], due.shape[3]
    caps, due_m, members = terms.caps, state.due_m, state.members
    use_after = terms.after and state.repaid_all[0]
    before = 0
    for ln in range(l_len):
        for k in range(k_len):
            due_m[ln * k_len + k] = due_after[i, month, ln, k] if use_after else due[i, month, ln, k]
            before += due_m[ln * k_len + k]
    c_len = caps.amount.size
    if c_len:
        for c in range(c_len):
            total = 0
            for x in range(caps.size[c]):
                members[x] = due_m[caps.cells[c, x]]
                total += members[x]
            if total > state.room[c]:  # the cap binds: share its room over its cells
                allocate_into(state.room[c], members, caps.size[c], state.split)
                for x in range(caps.size[c]):
                    due_m[caps.cells[c, x]] = state.split[x]
        for c in range(c_len):
            for x in range(caps.size[c]):
                state.room[c] -= due_m[caps.cells[c, x]]
        after_caps = 0
        for x in range(l_len * k_len):
            after_caps += due_m[x]
        out.cap_cut[i] += before - after_caps
    for ln in range(l_len):
        state.by_line[ln] = 0
        for k in range(k_len):
            state.by_line[ln] += due_m[ln * k_len + k]
        out.line_paid[i, ln] += state.by_line[ln]


@jit_step
def _payers_pay(i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State) -> int:
    """4b. Payers pay this month's capped outcome payments plus VAT (half up to the cent) — providers
    directly when the contract has no tranches, else the contract account. Returns the payments, VAT excluded."""
    l_len, k_len = state.by_line.size, keys.vat.size
    vat, fees = terms.vat, terms.fees
    receipts = 0
    for k in range(k_len):
        total_k = 0
        for ln in range(l_len):
            total_k += state.due_m[ln * k_len + k]
        vat_k = _half_up(total_k, vat[0], vat[1]) if vat[0] else 0
        _to_contributors(total_k + vat_k, k, terms, keys.contrib_outcome[k], i, slot, month, book, state)
        out.payer_paid[i, month, k] += total_k
        out.payer_vat[i, k] += vat_k
        _record(book, i, slot, month, keys.vat[k], vat_k)
        for ln in range(l_len):
            _record(book, i, slot, month, keys.line[k, ln], state.due_m[ln * k_len + k])
        receipts += total_k
        for f in range(fees.source.size):
            if fees.source[f] == FROM_PAYER and fees.payer[f] == k and fees.rate[f, 0]:
                state.fee_due[f] += _half_up(total_k, fees.rate[f, 0], fees.rate[f, 1])
    line_provider, line_metric = terms.providers.line_provider, terms.providers.line_metric
    if not terms.has_account:
        for ln in range(l_len):
            out.provider_revenue[i, line_provider[ln]] += state.by_line[ln]
            state.cash[line_provider[ln]] += state.by_line[ln]
    elif state.bucket.size == 1:
        state.bucket[0] += receipts
    else:
        for ln in range(l_len):
            state.bucket[1 + line_metric[ln]] += state.by_line[ln]
    return receipts


@jit_step
def _fees_on_outcomes(
    i: int, month: int, slot: int, receipts: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """4c. Fees as a percentage of outcome payments accrue (half up to the cent); fees a payer pays
    directly are paid in full."""
    fees = terms.fees
    for f in range(fees.source.size):
        if fees.source[f] == FROM_OUTCOMES and fees.rate[f, 0]:
            state.fee_due[f] += _half_up(receipts, fees.rate[f, 0], fees.rate[f, 1])
    for f in range(fees.source.size):
        if fees.source[f] == FROM_PAYER and fees.payer[f] >= 0:
            k = fees.payer[f]
            amount = state.fee_due[f]
            _to_contributors(amount, k, terms, keys.contrib_fee[f], i, slot, month, book, state)
            _record(book, i, slot, month, keys.fee_payer[f], amount)
            _provider_receives(fees.payee_provider[f], amount, i, out.provider_revenue, state.cash)
            out.payer_fees[i, k] += amount
            state.fee_due[f] = 0


@jit_step
def _priority_of_payments(
    i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """5. The contract account runs the priority of payments over what it has received (the residual
    step only once no more capital can be drawn); then notes whether every loan is repaid."""
    steps, cap = terms.steps, terms.capital
    empty = True
    for b in range(state.bucket.size):
        empty = empty and state.bucket[b] == 0
    if empty:  # nothing to pay out: every payment of every step would be zero
        book.clock[0] += steps.ticks + (steps.residual_ticks if month >= cap.drawing_ends - 1 else 0)
    else:
        for w in range(steps.kind.size):
            if steps.kind[w] != RESIDUAL:
                _claims_step(w, i, month, slot, terms, keys, out, book, state)
            elif month >= cap.drawing_ends - 1:
                # the upside is shared out only once no more capital can be drawn (after the service
                # term, or an early end): before that, what is left stays to repay later drawdowns
                _residual_step(w, i, month, slot, terms, keys, out, book, state)
    done = True
    for j in range(cap.commitment.size):
        if not cap.is_grant[j]:
            done = done and state.principal[j] == 0 and state.interest[j] == 0 and state.left[j] == 0
    state.repaid_all[0] = done


@jit_step
def _claims_step(
    w: int, i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """A fees, interest, principal or return step: each item's claim (within its return cap), paid in order
    or pro rata from the contract account; items tied to outcomes one after another, each from its own buckets."""
    steps, cap = terms.steps, terms.capital
    kind, count = steps.kind[w], steps.item_count[w]
    wanted, paid = state.wanted, state.paid
    ring = False
    for c in range(count):
        x = steps.items[w, c]
        if kind == FEES:
            wanted[c] = state.fee_due[x]
        else:
            r = _room(x, state.hurdle, cap.multiple, state.drawn, state.received)
            if kind == INTEREST:
                wanted[c] = min(state.interest[x], r)
            elif kind == PRINCIPAL:
                wanted[c] = min(state.principal[x], r)
            else:
                wanted[c] = min(r, _UNLIMITED // 4) if cap.capped_return[x] else 0
            ring = ring or cap.group_size[x] > 0
    if not ring:
        _pay(_available(state.bucket, cap.groups, 0, 0), wanted, count, steps.mode[w], paid)
        taken = 0
        for c in range(count):
            taken += paid[c]
        _take(state.bucket, cap.groups, 0, 0, taken, state.weights, state.members)
    else:
        for c in range(count):
            x = steps.items[w, c]
            paid[c] = min(wanted[c], _available(state.bucket, cap.groups, x, cap.group_size[x]))
            _take(state.bucket, cap.groups, x, cap.group_size[x], paid[c], state.weights, state.members)
    for c in range(count):
        x = steps.items[w, c]
        if kind == FEES:
            state.fee_due[x] -= paid[c]
            _record(book, i, slot, month, keys.fee_account[x], paid[c])
            _provider_receives(terms.fees.payee_provider[x], paid[c], i, out.provider_revenue, state.cash)
            continue
        reason = R_RETURN
        if kind == INTEREST:
            state.interest[x] -= paid[c]
            reason = R_INTEREST
        elif kind == PRINCIPAL:
            state.principal[x] -= paid[c]
            state.repaid[x] += paid[c]
            reason = R_PRINCIPAL
        _pay_tranche(x, paid[c], i, month, slot, reason, terms, keys, out, book, state)


@jit_step
def _residual_step(
    w: int, i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """The residual step: what the contract account holds, split by the shares (largest remainder); a
    tranche's share within its return cap and its own buckets."""
    steps, cap = terms.steps, terms.capital
    shares = steps.share_count[w]
    _load(steps.share_weight, w, shares, state.weights)
    allocate_into(_available(state.bucket, cap.groups, 0, 0), state.weights, shares, state.split)
    for c in range(shares):
        state.paid[c] = state.split[c]
    for c in range(shares):
        amount = state.paid[c]
        target = steps.share_target[w, c]
        gsize = 0
        if steps.share_kind[w, c] == TO_TRANCHE:
            gsize = cap.group_size[target]
            amount = min(
                amount,
                _room(target, state.hurdle, cap.multiple, state.drawn, state.received),
                _available(state.bucket, cap.groups, target, gsize),
            )
            _pay_tranche(target, amount, i, month, slot, R_RESIDUAL, terms, keys, out, book, state)
        elif steps.share_kind[w, c] == TO_FUND:
            _record(book, i, slot, month, keys.fund_residual[0], amount)
        elif steps.share_kind[w, c] == TO_PROVIDER:
            _record(book, i, slot, month, keys.provider_residual[target], amount)
            out.provider_revenue[i, target] += amount
            state.cash[target] += amount
        else:
            out.payer_refund[i, target] += amount
            _record(book, i, slot, month, keys.refund[target, 0], amount)
            _to_contributors(amount, target, terms, keys.refund_contrib[target, 0], i, slot, month, book, state)
        _take(state.bucket, cap.groups, target, gsize, amount, state.weights, state.members)


@jit_step
def _provider_cash(
    i: int,
    month: int,
    slot: int,
    costs: I64,
    detail: bool,
    terms: Terms,
    keys: Keys,
    out: Out,
    book: Book,
    state: State,
) -> None:
    """6. Providers' own cash: other income in (service months only), costs out; month-end cash tracked."""
    prov = terms.providers
    last = costs.shape[1] - 1
    for p in range(state.cash.size):
        if prov.other_income[p] and month < terms.service_months:
            _record(book, i, slot, month, keys.other_income[p], prov.other_income[p])
            out.provider_other_income[i, p] += prov.other_income[p]
            state.cash[p] += prov.other_income[p]
        spend = costs[i, month, p]
        _record(book, i, slot, month, keys.costs[p], spend)
        out.provider_cost[i, p] += spend
        state.cash[p] -= spend
        if detail:
            out.provider_cash[i, month, p] = state.cash[p]
        if month < last:  # the last month is recorded after the settlement
            _low(i, p, month, state.cash[p], prov.minimum_cash, out)


@jit_step
def _settle(i: int, last: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State) -> None:
    """7. Settlement after the last month: unspent capital back to the lenders, guarantees, the rest of the
    contract account back to the payers in proportion to what they paid (all recorded in the last month)."""
    if terms.has_account:
        _return_unused(i, last, slot, terms, keys, out, book, state)
    _guarantees_pay(i, last, slot, terms, keys, out, book, state)
    if terms.has_account:
        _refund_payers(i, last, slot, terms, keys, out, book, state)


@jit_step
def _guarantees_pay(i: int, last: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State) -> None:
    """Each guarantee pays its covered share of each tranche's unrepaid principal, most senior first, net of
    what earlier guarantees paid, up to its amount."""
    g_terms, cap = terms.guarantees, terms.capital
    for j in range(state.covered.size):
        state.covered[j] = 0
    for g in range(g_terms.amount.size):
        left_g = g_terms.amount[g]
        for c in range(g_terms.cover_count[g]):
            j = g_terms.covers[g, c]
            unrepaid = state.drawn[j] - state.repaid[j]
            shortfall = max(_half_up(unrepaid, g_terms.coverage[g, 0], g_terms.coverage[g, 1]) - state.covered[j], 0)
            pay_g = min(shortfall, left_g)
            state.covered[j] += pay_g
            left_g -= pay_g
            out.guarantee_paid[i, g] += pay_g
            state.received[j] += pay_g
            out.tranche_cash[i, last, j] += pay_g
            _record(book, i, slot, last, keys.guarantee[g, c], pay_g)
            if g_terms.provider[g] >= 0:
                out.provider_invested[i, g_terms.provider[g]] += pay_g
                state.cash[g_terms.provider[g]] -= pay_g
            _provider_receives(cap.investor_provider[j], pay_g, i, out.provider_revenue, state.cash)


@jit_step
def _refund_payers(i: int, last: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State) -> None:
    """What is left in the contract account (it came from outcome payments) goes back to the payers in
    proportion to what each paid over the term (largest remainder)."""
    k_len, cap = keys.vat.size, terms.capital
    weights, split = state.weights, state.split
    for k in range(k_len):
        weights[k] = 0
        for t in range(out.payer_paid.shape[1]):
            weights[k] += out.payer_paid[i, t, k]
    allocate_into(_available(state.bucket, cap.groups, 0, 0), weights, k_len, split)
    taken = 0
    for k in range(k_len):
        amount = split[k]
        taken += amount
        out.payer_refund[i, k] += amount
        _record(book, i, slot, last, keys.refund[k, 1], amount)
        _to_contributors(amount, k, terms, keys.refund_contrib[k, 1], i, slot, last, book, state)
    _take(state.bucket, cap.groups, 0, 0, taken, weights, state.members)


@jit_step
def _close(i: int, last: int, detail: bool, terms: Terms, out: Out, state: State) -> None:
    """Scenario ``i``'s closing balances into ``out``."""
    for p in range(state.cash.size):
        if detail:
            out.provider_cash[i, last, p] = state.cash[p]
        _low(i, p, last, state.cash[p], terms.providers.minimum_cash, out)
        out.provider_closing[i, p] = state.cash[p]
    for j in range(state.drawn.size):
        out.tranche_drawn[i, j] = state.drawn[j]
        out.tranche_repaid[i, j] = state.repaid[j]
        out.interest_unpaid[i, j] = state.interest[j]
    for f in range(state.fee_due.size):
        out.fee_unpaid[i, f] = state.fee_due[f]
    out.closing_account[i] = _available(state.bucket, terms.capital.groups, 0, 0) + state.cap_cash[0]


@jit_loop
def _room(j: int, hurdle: I64, multiple: I64, drawn: I64, received: I64) -> int:
    """What tranche ``j`` may still receive under its return cap (hurdle balance, multiple), at least 0."""
    r = int(hurdle[j])
    if multiple[j, 1]:
        r = min(r, int(muldiv(drawn[j], multiple[j, 0], multiple[j, 1])[0] - received[j]))
    return max(r, 0)


@jit_step
def _low(i: int, p: int, month: int, cash: int, minimum_cash: I64, out: Out) -> None:
    """Track provider ``p``'s lowest month-end cash and the months it ends below zero and below its minimum."""
    if cash < out.provider_lowest[i, p]:
        out.provider_lowest[i, p] = cash
        out.provider_lowest_month[i, p] = month
    if cash < 0:
        out.provider_months_below_zero[i, p] += 1
    if cash < minimum_cash[p]:
        out.provider_months_below_minimum[i, p] += 1


@jit_step
def _draw(
    j: int, amount: int, i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State
) -> None:
    """Draw ``amount`` from tranche ``j`` into the contract account (capital on hand)."""
    p = terms.capital.investor_provider[j]
    if p >= 0:  # a provider investing in its own deal pays from its own cash
        out.provider_invested[i, p] += amount
        state.cash[p] -= amount
    state.drawn[j] += amount
    state.left[j] -= amount
    state.principal[j] += amount
    if state.hurdle[j] < _UNLIMITED:
        state.hurdle[j] += amount
    out.tranche_cash[i, month, j] -= amount
    _record(book, i, slot, month, keys.draw[j], amount)
    state.cap_cash[0] += amount


@jit_step
def _pay_tranche(
    j: int,
    amount: int,
    i: int,
    month: int,
    slot: int,
    reason: int,
    terms: Terms,
    keys: Keys,
    out: Out,
    book: Book,
    state: State,
) -> None:
    """Pay ``amount`` from the contract account to tranche ``j``'s investor, for ``reason`` (``R_INTEREST`` …)."""
    state.received[j] += amount
    if state.hurdle[j] < _UNLIMITED:
        state.hurdle[j] -= amount
    out.tranche_cash[i, month, j] += amount
    _record(book, i, slot, month, keys.tranche[j, reason], amount)
    _provider_receives(terms.capital.investor_provider[j], amount, i, out.provider_revenue, state.cash)


@jit_loop
def _provider_receives(p: int, amount: int, i: int, revenue: I64, cash: I64) -> None:
    """Provider ``p`` (-1: the party is not a provider) receives ``amount``: providers can also be investors,
    fee payees or guarantors, and their cash must stay in step."""
    if p >= 0:
        revenue[i, p] += amount
        cash[p] += amount


@jit_step
def _to_contributors(
    amount: int, k: int, terms: Terms, keys: I64, i: int, slot: int, month: int, book: Book, state: State
) -> None:
    """Record a pooled fund's (payer ``k``'s) movement of ``amount`` as its contributors' shares by commitment
    (largest remainder), under ``keys[c]`` for contributor ``c``. Every contributor takes a tick of the ledger's
    clock, moved or not, so the ticks do not depend on the scenario."""
    count = terms.funds.contributors[k]
    if count and amount:
        _load(terms.funds.weight, k, count, state.weights)
        allocate_into(amount, state.weights, count, state.members)
    for c in range(count):
        _record(book, i, slot, month, keys[c], state.members[c] if amount else 0)


@jit_step
def _return_unused(i: int, month: int, slot: int, terms: Terms, keys: Keys, out: Out, book: Book, state: State) -> None:
    """Capital drawn but not spent (``state.cap_cash``) goes back to the tranches in proportion to what each
    drew, as repayment of principal; a part a tranche no longer needs joins the contract account."""
    j_len = state.drawn.size
    allocate_into(state.cap_cash[0], state.drawn, j_len, state.split)
    for j in range(j_len):
        back = min(state.split[j], state.principal[j])
        state.principal[j] -= back
        state.repaid[j] += back
        _pay_tranche(j, back, i, month, slot, R_UNUSED, terms, keys, out, book, state)
        state.bucket[0] += state.split[j] - back
    state.cap_cash[0] = 0


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
