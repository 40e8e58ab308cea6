"""The monthly loop: capital drawdowns, provider funding, capped outcome payments,
the priority of payments, guarantees and the end-of-term settlement.

Everything is vectorised over scenarios; the loop runs over months only,
because each month's waterfall depends on the balances left by the one before.

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

from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, axes
from sibkit.engine.ledger import CONTRACT_ACCOUNT, COSTS, OTHER_INCOME, REVOLVING_FUND, TAX, Ledger
from sibkit.engine.schedule import Schedule, schedule
from sibkit.errors import EngineError
from sibkit.model import Contract, Fee, Grant, Loan
from sibkit.model.rules import CohortThreshold
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep, ReturnStep
from sibkit.money import allocate_array

__all__ = ["Flows", "run_batch"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
UNLIMITED = np.int64(2**62)


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
    """(N, T, J) principal plus unpaid interest still owed to each tranche after each month's waterfall."""
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


def _pay(avail: I64, due: I64, mode: str) -> I64:
    """Pay ``due`` (N, K) from ``avail`` (N,): in order, or pro rata (largest remainder)."""
    if due.shape[1] == 0:
        return due
    if mode == "sequential":
        cum = np.cumsum(due, axis=1)
        paid_cum = np.minimum(cum, avail[:, None])
        return np.diff(paid_cum, axis=1, prepend=0)
    total = np.minimum(due.sum(axis=1), avail)
    return allocate_array(total, due)


def _half_up(amount: I64, num: int, den: int) -> I64:
    out: I64 = (2 * amount * num + den) // (2 * den)
    return out


def run_batch(contract: Contract, batch: Batch, *, detail: bool = True) -> Flows:
    """Run the whole contract for every scenario of ``batch``; checks that money reconciles.

    ``detail=False`` (Monte Carlo) keeps each ledger movement only as a total over the term and
    providers' cash only as its lowest point and month counts, so memory stays small.
    """
    ax = axes(contract)
    n, t_len = batch.n, ax.months
    tl = contract.timeline
    sched = schedule(contract, batch)
    ledger = Ledger(n, t_len, detail=detail)
    payers = contract.payers
    providers = contract.providers
    tranches = contract.tranches
    k_len, p_len, j_len = len(payers), len(providers), len(tranches)
    has_account = bool(tranches)
    lines = sched.lines
    l_len = len(lines)
    metric_names = {m.id: m.name for m in contract.metrics}
    # who each line's payment goes to, and why, fixed for the whole run
    line_payee = [CONTRACT_ACCOUNT if has_account else ln.provider for ln in lines]
    line_reason = [f"outcome payment: {metric_names[ln.metric]}, {providers[ln.provider_index].name}" for ln in lines]
    payer_at = {p.id: k for k, p in enumerate(payers)}

    # caps applied month by month over (line, payer) cells
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
    cap_room = [np.full(n, amount, dtype=np.int64) for _, amount in cap_masks]

    # tranche state
    drawn = np.zeros((n, j_len), dtype=np.int64)
    left = np.asarray([t.commitment for t in tranches], dtype=np.int64)[None, :].repeat(n, axis=0)
    principal = np.zeros((n, j_len), dtype=np.int64)
    repaid = np.zeros((n, j_len), dtype=np.int64)
    interest_due = np.zeros((n, j_len), dtype=np.int64)
    received = np.zeros((n, j_len), dtype=np.int64)
    hurdle = np.full((n, j_len), UNLIMITED, dtype=np.int64)
    hurdle_growth = np.ones(j_len)
    multiple: list[Decimal | None] = [None] * j_len
    for j, t in enumerate(tranches):
        if t.return_cap is not None and t.return_cap.irr is not None:
            hurdle[:, j] = 0
            hurdle_growth[j] = (1.0 + float(t.return_cap.irr)) ** (1.0 / 12.0)
        if t.return_cap is not None and t.return_cap.multiple is not None:
            multiple[j] = t.return_cap.multiple
    tranche_cash = np.zeros((n, t_len, j_len), dtype=np.int64)
    tranche_due_after = np.zeros((n, t_len, j_len), dtype=np.int64)
    coupon = [(t.coupon.as_integer_ratio() if isinstance(t, Loan) else (0, 1)) for t in tranches]
    tranche_index = {t.id: j for j, t in enumerate(tranches)}
    as_needed = np.asarray([t.drawdown.kind == "as_needed" for t in tranches], dtype=bool)
    drawing_ends = (
        tl.service_months if contract.termination is None else min(tl.service_months, contract.termination.month)
    )

    # fees
    fees = contract.fees
    fee_due = np.zeros((n, len(fees)), dtype=np.int64)
    fee_index = {f.id: i for i, f in enumerate(fees)}
    total_commitment = sum(t.commitment for t in tranches)
    capital_fees = [i for i, f in enumerate(fees) if f.paid_from == "capital"]
    paying = sched.paying
    lines_of_provider = [[ln.index for ln in lines if ln.provider_index == p] for p in range(p_len)]

    cap_cash = np.zeros(n, dtype=np.int64)
    # The contract account, kept in buckets by where the money came from: bucket 0 for money not tied
    # to an outcome, bucket 1 + m for payments for metric m. Only contracts with tranches repaid from
    # named outcomes (``Loan.metrics``, Denver's investor groups) need more than one bucket.
    metric_pos = {m.id: i for i, m in enumerate(contract.metrics)}
    ring_fenced = any(t.metrics for t in tranches)
    buckets = np.zeros((n, 1 + len(metric_pos) if ring_fenced else 1), dtype=np.int64)
    tranche_groups: list[list[int] | None] = [
        [1 + metric_pos[m] for m in t.metrics] if (ring_fenced and t.metrics) else None for t in tranches
    ]

    def available(groups: list[int] | None) -> I64:
        out: I64 = buckets.sum(axis=1) if groups is None else buckets[:, groups].sum(axis=1)
        return out

    def take(amount: I64, groups: list[int] | None) -> None:
        """Take ``amount`` from the buckets in ``groups`` (all when None) in proportion to what each holds."""
        nonlocal buckets
        if buckets.shape[1] == 1:
            buckets = buckets - amount[:, None]
            return
        cols = list(range(buckets.shape[1])) if groups is None else groups
        buckets[:, cols] -= allocate_array(amount, buckets[:, cols])

    def pay_items(due_items: I64, groups: list[list[int] | None], mode: str) -> I64:
        """Pay items in a step from the account, each from the buckets it may use."""
        if all(g is None for g in groups):
            paid = _pay(available(None), due_items, mode)
            take(paid.sum(axis=1), None)
            return paid
        # items tied to outcomes: one after another, each from its own buckets
        paid = np.zeros_like(due_items)
        for col, g in enumerate(groups):
            paid[:, col] = np.minimum(due_items[:, col], available(g))
            take(paid[:, col], g)
        return paid

    cash = np.asarray([p.buffer for p in providers], dtype=np.int64)[None, :].repeat(n, axis=0)
    provider_cash = np.zeros((n, t_len if detail else 0, p_len), dtype=np.int64)
    minimum_cash = np.asarray([p.minimum_cash for p in providers], dtype=np.int64)
    lowest = np.full((n, p_len), UNLIMITED, dtype=np.int64)
    lowest_month = np.zeros((n, p_len), dtype=np.int64)
    below_zero = np.zeros((n, p_len), dtype=np.int64)
    below_minimum = np.zeros((n, p_len), dtype=np.int64)
    revenue = np.zeros((n, p_len), dtype=np.int64)
    spent = np.zeros((n, p_len), dtype=np.int64)
    other = np.zeros((n, p_len), dtype=np.int64)
    invested = np.zeros((n, p_len), dtype=np.int64)
    payer_paid = np.zeros((n, t_len, k_len), dtype=np.int64)
    payer_vat = np.zeros((n, k_len), dtype=np.int64)
    payer_fees = np.zeros((n, k_len), dtype=np.int64)
    payer_refund = np.zeros((n, k_len), dtype=np.int64)
    cap_cut = np.zeros(n, dtype=np.int64)
    line_paid = np.zeros((n, l_len), dtype=np.int64)
    repaid_all = np.zeros(n, dtype=bool)
    funded_by_capital = np.asarray([not p.prefinances_own_costs for p in providers], dtype=bool)

    provider_at = {prov.id: p for p, prov in enumerate(providers)}

    def provider_receives(party: str, amount: I64) -> None:
        """Providers can also be investors, fee payees or guarantors: keep their cash in step."""
        if party in provider_at:
            revenue[:, provider_at[party]] += amount
            cash[:, provider_at[party]] += amount

    def provider_pays(party: str, amount: I64) -> None:
        if party in provider_at:
            invested[:, provider_at[party]] += amount
            cash[:, provider_at[party]] -= amount

    def draw(j: int, amount: I64, month: int) -> None:
        nonlocal cap_cash
        t = tranches[j]
        provider_pays(t.investor, amount)
        drawn[:, j] += amount
        left[:, j] -= amount
        principal[:, j] += amount
        hurdle[:, j] = np.where(hurdle[:, j] >= UNLIMITED, UNLIMITED, hurdle[:, j] + amount)
        cap_cash = cap_cash + amount
        tranche_cash[:, month, j] -= amount
        ledger.add(t.investor, CONTRACT_ACCOUNT, f"capital drawn: {t.id}", month, amount)

    def room(j: int) -> I64:
        r = hurdle[:, j]
        m = multiple[j]
        if m is not None:
            num, den = Decimal(m).as_integer_ratio()
            r = np.minimum(r, (drawn[:, j] * num) // den - received[:, j])
        out: I64 = np.maximum(r, 0)
        return out

    def pay_tranche(j: int, amount: I64, month: int, reason: str) -> None:
        t = tranches[j]
        received[:, j] += amount
        hurdle[:, j] = np.where(hurdle[:, j] >= UNLIMITED, UNLIMITED, hurdle[:, j] - amount)
        tranche_cash[:, month, j] += amount
        ledger.add(CONTRACT_ACCOUNT, t.investor, f"{reason}: {t.id}", month, amount)
        provider_receives(t.investor, amount)

    def return_unused(month: int) -> None:
        """Unspent capital repays each tranche's principal (in proportion to what it drew); any part a
        tranche no longer needs, because outcome payments already repaid it, joins the waterfall."""
        nonlocal cap_cash
        split = allocate_array(cap_cash, drawn)
        for j in range(j_len):
            back = np.minimum(split[:, j], principal[:, j])
            principal[:, j] -= back
            repaid[:, j] += back
            pay_tranche(j, back, month, "unused capital returned")
            buckets[:, 0] += split[:, j] - back
        cap_cash = np.zeros(n, dtype=np.int64)

    def refund_payer(k: int, amount: I64, month: int, reason: str) -> None:
        payer = payers[k]
        payer_refund[:, k] += amount
        ledger.add(CONTRACT_ACCOUNT, payer.id, reason, month, amount)
        _pass_to_contributors(ledger, payer, amount, month, reason, inbound=False)

    for month in range(t_len):
        # 1. accruals
        for j in range(j_len):
            num, den = coupon[j]
            if num:
                interest_due[:, j] += _half_up(principal[:, j], num, 12 * den)
            if hurdle_growth[j] != 1.0:
                # rounded down, so the cap is never exceeded by rounding
                grown = np.floor(hurdle[:, j] * hurdle_growth[j]).astype(np.int64)
                hurdle[:, j] = np.where(hurdle[:, j] > 0, grown, hurdle[:, j])
        # fees accruing this month (percent of outcome payments accrue in step 4)
        for i, fee in enumerate(fees):
            fee_due[:, i] += _fee_accrual(fee, month, tl.service_months, total_commitment)

        # 2. drawdowns
        ended = contract.termination is not None and month >= contract.termination.month
        for j, t in enumerate(tranches):
            dd = t.drawdown
            if ended:  # undrawn commitments lapse when the service ends early
                continue
            if dd.kind == "upfront" and month == dd.start_month:
                draw(j, left[:, j].copy(), month)
            elif dd.kind == "schedule" and 0 <= month - dd.start_month < len(dd.amounts):
                draw(j, np.minimum(left[:, j], dd.amounts[month - dd.start_month]), month)
        costs = sched.costs[:, month, :]
        if as_needed.any() and month < drawing_ends:
            need = (costs * funded_by_capital).sum(axis=1) + fee_due[:, capital_fees].sum(axis=1)
            eligible = as_needed & np.asarray([t.drawdown.start_month <= month for t in tranches])
            avail_commit = np.where(eligible[None, :], left, 0)
            want = np.minimum(np.maximum(need - cap_cash, 0), avail_commit.sum(axis=1))
            split = allocate_array(want, avail_commit)
            for j in range(j_len):
                if eligible[j]:
                    draw(j, split[:, j], month)

        # 3. the contract account funds providers' costs, then capital fees
        if has_account:
            wanted = costs * funded_by_capital
            short = wanted.sum(axis=1) > cap_cash
            funded = wanted.copy()
            if short.any():  # share what there is only where capital falls short
                funded[short] = _pay(cap_cash[short], wanted[short], "pro_rata")
            cap_cash = cap_cash - funded.sum(axis=1)
            for p, prov in enumerate(providers):
                if funded_by_capital[p]:
                    ledger.add(CONTRACT_ACCOUNT, prov.id, "service fee from capital", month, funded[:, p])
                    revenue[:, p] += funded[:, p]
                    cash[:, p] += funded[:, p]
            if capital_fees:
                paid = _pay(cap_cash, fee_due[:, capital_fees], "sequential")
                cap_cash = cap_cash - paid.sum(axis=1)
                for col, i in enumerate(capital_fees):
                    fee_due[:, i] -= paid[:, col]
                    ledger.add(CONTRACT_ACCOUNT, fees[i].payee, f"fee: {fees[i].id}", month, paid[:, col])
                    provider_receives(fees[i].payee, paid[:, col])

        # 4. outcome payments, capped month by month (nothing to do in months without payments)
        receipts = np.zeros(n, dtype=np.int64)
        if paying[month]:
            due = (
                np.where(repaid_all[:, None, None], sched.due_after[month], sched.due[month])
                if sched.due_after is not sched.due
                else sched.due[month].copy()
            )
            if cap_masks:
                before = due.sum(axis=(1, 2))
                for c, (mask, _) in enumerate(cap_masks):
                    members = due[:, mask]
                    total = members.sum(axis=1)
                    binding = total > cap_room[c]
                    if binding.any():  # cut only the scenarios where the cap binds this month
                        rows = np.nonzero(binding)[0]
                        cut = members[rows]
                        cut = allocate_array(cap_room[c][rows], cut)
                        members[rows] = cut
                        due[:, mask] = members
                # a cap's room is used only by what is finally paid, not by amounts a later cap cut
                for c, (mask, _) in enumerate(cap_masks):
                    cap_room[c] = cap_room[c] - due[:, mask].sum(axis=1)
                cap_cut += before - due.sum(axis=(1, 2))
            by_line = due.sum(axis=2)
            line_paid += by_line
            for k, payer in enumerate(payers):
                total_k = due[:, :, k].sum(axis=1)
                if not np.any(total_k):
                    continue
                vat = _half_up(total_k, vat_num, vat_den) if vat_num else np.zeros(n, dtype=np.int64)
                _pass_to_contributors(
                    ledger, payer, total_k + vat, month, "contribution to outcome payments", inbound=True
                )
                payer_paid[:, month, k] += total_k
                payer_vat[:, k] += vat
                ledger.add(payer.id, TAX, "VAT on outcome payments", month, vat)
                for line in lines:
                    ledger.add(payer.id, line_payee[line.index], line_reason[line.index], month, due[:, line.index, k])
                receipts += total_k
                for i, fee in enumerate(fees):
                    if (
                        fee.paid_from == "payer"
                        and fee.payer == payer.id
                        and fee.basis == "percent_of_outcome_payments"
                    ):
                        num, den = fee.rate.as_integer_ratio()
                        fee_due[:, i] += _half_up(total_k, num, den)
            if not has_account:
                for p in range(p_len):
                    received_p = by_line[:, lines_of_provider[p]].sum(axis=1)
                    revenue[:, p] += received_p
                    cash[:, p] += received_p
            else:
                if buckets.shape[1] == 1:
                    buckets[:, 0] += receipts
                else:
                    for line in lines:
                        buckets[:, 1 + line.metric_index] += by_line[:, line.index]
        for i, fee in enumerate(fees):
            if fee.paid_from == "outcome_payments" and fee.basis == "percent_of_outcome_payments":
                num, den = fee.rate.as_integer_ratio()
                fee_due[:, i] += _half_up(receipts, num, den)
        # fees paid by a payer directly, in full
        for i, fee in enumerate(fees):
            if fee.paid_from == "payer" and fee.payer is not None and np.any(fee_due[:, i]):
                k = payer_at[fee.payer]
                fee_amount = fee_due[:, i].copy()
                _pass_to_contributors(
                    ledger, payers[k], fee_amount, month, f"contribution to fee: {fee.id}", inbound=True
                )
                ledger.add(payers[k].id, fee.payee, f"fee: {fee.id}", month, fee_amount)
                provider_receives(fee.payee, fee_amount)
                payer_fees[:, k] += fee_amount
                fee_due[:, i] = 0

        # capital drawn but not spent goes back to the tranches that provided it once no more can be
        # drawn (the end of the service, or an early end), in proportion to what each drew, as repayment
        # of principal (it never pays anyone else's claims)
        if has_account and month == drawing_ends - 1:
            return_unused(month)

        # 5. priority of payments
        if has_account:
            for step in contract.waterfall:
                if isinstance(step, FeesStep):
                    idx = [fee_index[f] for f in step.fees]
                    paid = pay_items(fee_due[:, idx], [None] * len(idx), step.mode)
                    for col, i in enumerate(idx):
                        fee_due[:, i] -= paid[:, col]
                        ledger.add(CONTRACT_ACCOUNT, fees[i].payee, f"fee: {fees[i].id}", month, paid[:, col])
                        provider_receives(fees[i].payee, paid[:, col])
                elif isinstance(step, (InterestStep, PrincipalStep, ReturnStep)):
                    idx = [tranche_index[t] for t in step.tranches]
                    rooms = np.stack([room(j) for j in idx], axis=1)
                    if isinstance(step, InterestStep):
                        want = np.minimum(interest_due[:, idx], rooms)
                        reason = "interest"
                    elif isinstance(step, PrincipalStep):
                        want = np.minimum(principal[:, idx], rooms)
                        reason = "principal"
                    else:
                        capped = np.asarray([tranches[j].return_cap is not None for j in idx])
                        want = np.where(capped[None, :], np.minimum(rooms, UNLIMITED // 4), 0)
                        reason = "return"
                    paid = pay_items(want, [tranche_groups[j] for j in idx], step.mode)
                    for col, j in enumerate(idx):
                        if isinstance(step, InterestStep):
                            interest_due[:, j] -= paid[:, col]
                        elif isinstance(step, PrincipalStep):
                            principal[:, j] -= paid[:, col]
                            repaid[:, j] += paid[:, col]
                        pay_tranche(j, paid[:, col], month, reason)
                elif isinstance(step, ResidualStep) and month >= drawing_ends - 1:
                    # the upside is shared out only once no more capital can be drawn (after the service
                    # term, or an early end): before that, what is left stays to repay later drawdowns
                    weights = np.asarray([int(s.share * 10**9) for s in step.shares], dtype=np.int64)
                    split = allocate_array(available(None), weights)
                    for col, share in enumerate(step.shares):
                        amount: I64 = split[:, col]
                        groups: list[int] | None = None
                        if share.party in tranche_index:
                            j = tranche_index[share.party]
                            groups = tranche_groups[j]
                            amount = np.minimum(np.minimum(amount, room(j)), available(groups))
                            pay_tranche(j, amount, month, "residual")
                        elif share.party == "revolving_fund":
                            ledger.add(
                                CONTRACT_ACCOUNT, REVOLVING_FUND, "residual to the revolving fund", month, amount
                            )
                        elif share.party in provider_at:
                            ledger.add(CONTRACT_ACCOUNT, share.party, "residual: provider incentive", month, amount)
                            provider_receives(share.party, amount)
                        else:
                            refund_payer(payer_at[share.party], amount, month, "residual returned to payer")
                        take(amount, groups)
            done = np.ones(n, dtype=bool)
            for j, t in enumerate(tranches):
                if not isinstance(t, Grant):
                    done &= (principal[:, j] == 0) & (interest_due[:, j] == 0) & (left[:, j] == 0)
            repaid_all = done

        tranche_due_after[:, month, :] = principal + interest_due

        # 6. providers' own cash
        for p, prov in enumerate(providers):
            if prov.other_income_monthly and month < tl.service_months:
                income = np.full(n, prov.other_income_monthly, dtype=np.int64)
                ledger.add(OTHER_INCOME, prov.id, "other income", month, income)
                other[:, p] += income
                cash[:, p] += income
            ledger.add(prov.id, COSTS, "delivery costs", month, costs[:, p])
            spent[:, p] += costs[:, p]
            cash[:, p] -= costs[:, p]
        if detail:
            provider_cash[:, month, :] = cash
        if month < t_len - 1:  # the last month is recorded after the settlement below
            lower = cash < lowest
            lowest = np.where(lower, cash, lowest)
            lowest_month = np.where(lower, month, lowest_month)
            below_zero += cash < 0
            below_minimum += cash < minimum_cash

    # 7. settlement
    last = t_len - 1
    if has_account:
        return_unused(last)
    guarantee_paid = np.zeros((n, len(contract.guarantees)), dtype=np.int64)
    covered = np.zeros((n, j_len), dtype=np.int64)  # what guarantees already paid each tranche
    for g_i, g in enumerate(contract.guarantees):
        left_g = np.full(n, g.amount, dtype=np.int64)
        for t_id in sorted(g.covers, key=lambda x: tranches[tranche_index[x]].seniority):
            j = tranche_index[t_id]
            num, den = g.coverage.as_integer_ratio()
            shortfall = np.maximum(_half_up(drawn[:, j] - repaid[:, j], num, den) - covered[:, j], 0)
            draw_g = np.minimum(shortfall, left_g)
            covered[:, j] += draw_g
            left_g -= draw_g
            guarantee_paid[:, g_i] += draw_g
            received[:, j] += draw_g
            tranche_cash[:, last, j] += draw_g
            ledger.add(g.guarantor, tranches[j].investor, f"guarantee draw: {g.id} for {t_id}", last, draw_g)
            provider_pays(g.guarantor, draw_g)
            provider_receives(tranches[j].investor, draw_g)
    if has_account:
        # what is left came from outcome payments: back to the payers in proportion to what they paid
        split = allocate_array(available(None), payer_paid.sum(axis=1))
        for k in range(k_len):
            refund_payer(k, split[:, k], last, "unused money returned at settlement")
        take(split.sum(axis=1), None)

    if detail:
        provider_cash[:, last, :] = cash
    lower = cash < lowest
    lowest = np.where(lower, cash, lowest)
    lowest_month = np.where(lower, last, lowest_month)
    below_zero += cash < 0
    below_minimum += cash < minimum_cash
    flows = Flows(
        ledger=ledger,
        schedule=sched,
        tranche_cash=tranche_cash,
        tranche_drawn=drawn,
        tranche_repaid=repaid,
        tranche_due_after=tranche_due_after,
        guarantee_paid=guarantee_paid,
        payer_paid=payer_paid,
        payer_vat=payer_vat,
        payer_fees=payer_fees,
        payer_refund=payer_refund,
        provider_cash=provider_cash,
        provider_revenue=revenue,
        provider_cost=spent,
        provider_other_income=other,
        provider_invested=invested,
        provider_lowest=lowest,
        provider_lowest_month=lowest_month,
        provider_months_below_zero=below_zero,
        provider_months_below_minimum=below_minimum,
        provider_closing=cash,
        cap_cut=cap_cut,
        line_paid=line_paid,
        participants=batch.enrolled.sum(axis=(1, 2, 3)),
    )
    reconcile(contract, flows, closing_account=available(None) + cap_cash, closing_cash=cash)
    return flows


def _pass_to_contributors(
    ledger: Ledger, payer: object, amount: I64, month: int, reason: str, *, inbound: bool
) -> None:
    """A pooled fund's money comes from (or goes back to) its contributors in proportion to their commitments."""
    contributors = getattr(payer, "contributors", ())
    if not contributors or not np.any(amount):
        return
    weights = np.asarray([c.commitment for c in contributors], dtype=np.int64)
    if weights.sum() == 0:
        weights = np.ones(len(contributors), dtype=np.int64)
    split = allocate_array(amount, weights)
    for i, c in enumerate(contributors):
        if inbound:
            ledger.add(c.id, payer.id, reason, month, split[:, i])  # type: ignore[attr-defined]
        else:
            ledger.add(payer.id, c.id, reason, month, split[:, i])  # type: ignore[attr-defined]


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
