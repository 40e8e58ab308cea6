"""The contract as integer arrays: everything the compiled month loop reads, and the ledger's keys.

The month loop (``sibkit.engine.month_loop``) is compiled and sees only arrays and
numbers. ``program`` turns a contract and its schedule into them once per run, as the typed
records of ``sibkit.engine.records``: caps as sets of (line, payer) cells in the order they bind,
tranches' terms, fees, the priority of payments as step codes, guarantees, pooled funds'
contributors, and a number for each kind of ledger movement ``(from, to, reason)``,
asked for in the order the loop records them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from sibkit.engine.ledger import CONTRACT_ACCOUNT, COSTS, OTHER_INCOME, REVOLVING_FUND, TAX, Reason, Why
from sibkit.engine.records import Capital, Caps, Fees, Funds, Guarantees, Keys, ProviderTerms, Steps, Terms
from sibkit.engine.schedule import Schedule, covered_lines, ragged, room_before_vat
from sibkit.model import Contract, Fee, Grant, Loan
from sibkit.model.parties import Contributor
from sibkit.model.rules import CohortThreshold
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep
from sibkit.money import share_weights

__all__ = ["program"]

I64 = npt.NDArray[np.int64]


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


# drawdown kinds
UPFRONT, SCHEDULE, AS_NEEDED = 0, 1, 2
# fee sources (``Fee.paid_from``) and the one basis the loop itself accrues
FROM_CAPITAL, FROM_OUTCOMES, FROM_PAYER = 0, 1, 2
# waterfall steps
FEES, INTEREST, PRINCIPAL, RETURN, RESIDUAL = 0, 1, 2, 3, 4
# residual parties
TO_TRANCHE, TO_FUND, TO_PROVIDER, TO_PAYER = 0, 1, 2, 3
# why a tranche is paid (ledger reasons, in this order)
TRANCHE_REASONS = (Why.INTEREST, Why.PRINCIPAL, Why.RETURN, Why.RESIDUAL, Why.UNUSED_CAPITAL)
R_INTEREST, R_PRINCIPAL, R_RETURN, R_RESIDUAL, R_UNUSED = 0, 1, 2, 3, 4
# why a payer gets money back (ledger reasons, in this order)
REFUND_REASONS = (Why.PAYER_RESIDUAL, Why.SETTLEMENT_REFUND)
STAMP = 10**7
"""Ledger movements are ordered by ``month × STAMP + call number within the month``."""


def _ints(values: Sequence[int]) -> I64:
    """``values`` as a one-dimensional array (also when empty)."""
    return np.asarray(values, dtype=np.int64).reshape(len(values))


def _bools(values: Sequence[bool]) -> npt.NDArray[np.bool_]:
    """``values`` as a one-dimensional boolean array (also when empty)."""
    return np.asarray(values, dtype=np.bool_).reshape(len(values))


def _pairs(values: Sequence[tuple[int, int]]) -> I64:
    """``values`` as a (len, 2) array (also when empty)."""
    return np.asarray(values, dtype=np.int64).reshape(len(values), 2)


class _Keys:
    """Ledger keys ``(from, to, reason)`` numbered in the order they are first asked for."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str, Reason], int] = {}

    def __call__(self, source: str, target: str, reason: Reason) -> int:
        return self.index.setdefault((source, target, reason), len(self.index))

    def table(self) -> list[tuple[str, str, Reason]]:
        return list(self.index)


def program(contract: Contract, sched: Schedule) -> tuple[Terms, Keys, list[tuple[str, str, Reason]]]:
    """Everything the month loop needs about ``contract``: its terms, the ledger key numbers the loop
    records under, and the ledger keys ``(from, to, reason)`` those numbers stand for."""
    steps = _steps(contract)
    key = _Keys()
    keys = _keys(contract, sched, key)
    terms = Terms(
        paying=np.asarray(sched.paying, dtype=np.bool_),
        has_account=bool(contract.tranches),
        after=sched.due_after is not sched.due,
        vat=_ints(contract.vat_rate.as_integer_ratio()),
        service_months=contract.timeline.service_months,
        caps=_caps(contract, sched),
        capital=_capital(contract),
        fees=_fees(contract),
        steps=steps,
        guarantees=_guarantees(contract),
        funds=_funds(contract),
        providers=_providers(contract, sched),
    )
    return terms, keys, key.table()


def _cap_masks(contract: Contract, sched: Schedule) -> list[tuple[npt.NDArray[np.bool_], int]]:
    """Each cap as a (line, payer) mask and its room before VAT, in the order they bind."""
    payers, lines = contract.payers, sched.lines
    cap_masks: list[tuple[npt.NDArray[np.bool_], int]] = []
    level_order = {"segment": 0, "metric": 1, "provider": 3, "payer": 4, "contract": 5}
    for cap in sorted(contract.caps, key=lambda c: level_order.get(c.level, -1)):
        if cap.amount is None:  # a segment cap counting participants acts on prices, in the schedule
            continue
        mask = np.zeros((len(lines), len(payers)), dtype=bool)
        covered = covered_lines(cap, lines)
        if covered is not None:
            mask[covered, :] = True
        elif cap.level == "payer":
            mask[:, [k for k, p in enumerate(payers) if p.id == cap.target]] = True
        else:
            continue  # the participant cap acts in the schedule
        cap_masks.append((mask, room_before_vat(contract, cap.amount, cap.includes_vat)))
    for rule in contract.rules:  # a rule's own maximum sits between metric and provider caps
        if isinstance(rule, CohortThreshold) and rule.max_payment is not None:
            mask = np.zeros((len(lines), len(payers)), dtype=bool)
            mask[[ln.index for ln in lines if ln.rule == rule.id], :] = True
            position = sum(1 for c in contract.caps if c.level in ("segment", "metric"))
            cap_masks.insert(position, (mask, rule.max_payment))
    return cap_masks


def _caps(contract: Contract, sched: Schedule) -> Caps:
    """Caps applied month by month over (line, payer) cells, in the order they bind."""
    cap_masks = _cap_masks(contract, sched)
    return Caps(
        # each cap's cells as flat (line × K + payer) positions, in row-major order
        cells=ragged([list(np.flatnonzero(m)) for m, _ in cap_masks]),
        size=_ints([int(m.sum()) for m, _ in cap_masks]),
        amount=_ints([amount for _, amount in cap_masks]),
    )


def _capital(contract: Contract) -> Capital:
    """The tranches' terms and the contract account's buckets."""
    tranches, tl = contract.tranches, contract.timeline
    j_len = len(tranches)
    provider_at = {prov.id: p for p, prov in enumerate(contract.providers)}
    metric_pos = {m.id: i for i, m in enumerate(contract.metrics)}
    # The contract account, kept in buckets by where the money came from: bucket 0 for money not tied
    # to an outcome, bucket 1 + m for payments for metric m. Only contracts with tranches repaid from
    # named outcomes (``Loan.metrics``, Denver's investor groups) need more than one bucket.
    ring_fenced = any(t.metrics for t in tranches)
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
    kinds = {"upfront": UPFRONT, "schedule": SCHEDULE, "as_needed": AS_NEEDED}
    end = contract.termination.month if contract.termination is not None else None
    return Capital(
        commitment=_ints([t.commitment for t in tranches]),
        coupon=_pairs([(t.coupon.as_integer_ratio() if isinstance(t, Loan) else (0, 1)) for t in tranches]),
        has_hurdle=_bools(has_hurdle),
        hurdle_growth=np.asarray(hurdle_growth, dtype=np.float64).reshape(j_len),
        multiple=_pairs(multiple),
        capped_return=_bools([t.return_cap is not None for t in tranches]),
        is_grant=_bools([isinstance(t, Grant) for t in tranches]),
        investor_provider=_ints([provider_at.get(t.investor, -1) for t in tranches]),
        draw_kind=_ints([kinds[t.drawdown.kind] for t in tranches]),
        draw_start=_ints([t.drawdown.start_month for t in tranches]),
        draw_amounts=ragged([list(t.drawdown.amounts) for t in tranches], 0),
        draw_count=_ints([len(t.drawdown.amounts) for t in tranches]),
        drawing_ends=tl.service_months if end is None else min(tl.service_months, end),
        ends=end if end is not None else tl.term_months + 1,
        buckets=1 + len(metric_pos) if ring_fenced else 1,
        groups=ragged(groups),
        group_size=_ints([len(g) for g in groups]),
    )


def _fees(contract: Contract) -> Fees:
    """The fees' accruals, sources and payees."""
    tl, fees = contract.timeline, contract.fees
    total_commitment = sum(t.commitment for t in contract.tranches)
    accrual = np.asarray(
        [[_fee_accrual(f, m, tl.service_months, total_commitment) for f in fees] for m in range(tl.term_months)],
        dtype=np.int64,
    ).reshape(tl.term_months, len(fees))
    sources = {"capital": FROM_CAPITAL, "outcome_payments": FROM_OUTCOMES, "payer": FROM_PAYER}
    provider_at = {prov.id: p for p, prov in enumerate(contract.providers)}
    return Fees(
        accrual=accrual,
        source=_ints([sources[f.paid_from] for f in fees]),
        payer=_ints(_fee_payers(contract)),
        rate=_pairs([f.rate.as_integer_ratio() if f.basis == "percent_of_outcome_payments" else (0, 1) for f in fees]),
        payee_provider=_ints([provider_at.get(f.payee, -1) for f in fees]),
        capital=_ints([i for i, f in enumerate(fees) if f.paid_from == "capital"]),
    )


def _fee_payers(contract: Contract) -> list[int]:
    """Each fee's paying payer (index), -1 for fees the contract account pays."""
    payer_at = {pay.id: k for k, pay in enumerate(contract.payers)}
    return [payer_at[f.payer] if f.paid_from == "payer" and f.payer is not None else -1 for f in contract.fees]


def _residual_shares(contract: Contract, step: ResidualStep) -> tuple[list[int], list[int]]:
    """A residual step's parties: their kinds and their indexes among their kind."""
    tranche_at = {t.id: j for j, t in enumerate(contract.tranches)}
    provider_at = {prov.id: p for p, prov in enumerate(contract.providers)}
    payer_at = {pay.id: k for k, pay in enumerate(contract.payers)}
    kinds_row, targets_row = [], []
    for share in step.shares:
        if share.party in tranche_at:
            kinds_row.append(TO_TRANCHE)
            targets_row.append(tranche_at[share.party])
        elif share.party == "revolving_fund":
            kinds_row.append(TO_FUND)
            targets_row.append(0)
        elif share.party in provider_at:
            kinds_row.append(TO_PROVIDER)
            targets_row.append(provider_at[share.party])
        else:
            kinds_row.append(TO_PAYER)
            targets_row.append(payer_at[share.party])
    return kinds_row, targets_row


def _steps(contract: Contract) -> Steps:
    """The priority of payments as step codes (none without tranches)."""
    fees = contract.fees
    tranche_at = {t.id: j for j, t in enumerate(contract.tranches)}
    step_kind, step_mode, step_items = [], [], []
    share_kind: list[list[int]] = []
    share_target: list[list[int]] = []
    share_weight: list[list[int]] = []
    for step in contract.waterfall if contract.tranches else ():
        kinds_row: list[int] = []
        targets_row: list[int] = []
        weights_row: list[int] = []
        if isinstance(step, FeesStep):
            step_kind.append(FEES)
            step_items.append([fees.index(next(f for f in fees if f.id == fid)) for fid in step.fees])
        elif isinstance(step, ResidualStep):
            step_kind.append(RESIDUAL)
            step_items.append([])
            kinds_row, targets_row = _residual_shares(contract, step)
            # exact integer weights: three shares of "1/3" split as 1:1:1
            weights_row = share_weights([share.share for share in step.shares])
        else:
            step_kind.append(
                INTEREST if isinstance(step, InterestStep) else PRINCIPAL if isinstance(step, PrincipalStep) else RETURN
            )
            step_items.append([tranche_at[t] for t in step.tranches])
        step_mode.append(0 if getattr(step, "mode", "sequential") == "sequential" else 1)
        share_kind.append(kinds_row)
        share_target.append(targets_row)
        share_weight.append(weights_row)
    contributors = [len(pay.contributors) for pay in contract.payers]
    return Steps(
        kind=_ints(step_kind),
        mode=_ints(step_mode),
        items=ragged(step_items),
        item_count=_ints([len(x) for x in step_items]),
        share_kind=ragged(share_kind),
        share_target=ragged(share_target),
        share_weight=ragged(share_weight, 0),
        share_count=_ints([len(x) for x in share_kind]),
        # movements the steps record each month (the residual's only once it runs): skipped months
        # advance the ledger's clock by as much, so every scenario numbers its movements alike
        ticks=sum(len(items) for kind, items in zip(step_kind, step_items, strict=True) if kind != RESIDUAL),
        residual_ticks=sum(
            1 + (contributors[t] if k == TO_PAYER else 0)
            for kinds_row, targets_row in zip(share_kind, share_target, strict=True)
            for k, t in zip(kinds_row, targets_row, strict=True)
        ),
    )


def _covers(contract: Contract) -> list[list[int]]:
    """Each guarantee's tranches (indexes), most senior first."""
    tranches = contract.tranches
    tranche_at = {t.id: j for j, t in enumerate(tranches)}
    return [
        [tranche_at[t] for t in sorted(g.covers, key=lambda x: tranches[tranche_at[x]].seniority)]
        for g in contract.guarantees
    ]


def _guarantees(contract: Contract) -> Guarantees:
    """Guarantees, each covering its tranches most senior first."""
    provider_at = {prov.id: p for p, prov in enumerate(contract.providers)}
    covers = _covers(contract)
    return Guarantees(
        amount=_ints([g.amount for g in contract.guarantees]),
        coverage=_pairs([g.coverage.as_integer_ratio() for g in contract.guarantees]),
        covers=ragged(covers),
        cover_count=_ints([len(c) for c in covers]),
        provider=_ints([provider_at.get(g.guarantor, -1) for g in contract.guarantees]),
    )


def _funds(contract: Contract) -> Funds:
    """Pooled funds pass money on to (and back from) their contributors by commitment."""
    weights: list[list[int]] = []
    for pay in contract.payers:
        w: list[int] = [c.commitment for c in pay.contributors]
        weights.append([1] * len(w) if w and sum(w) == 0 else w)
    return Funds(weight=ragged(weights, 0), contributors=_ints([len(w) for w in weights]))


def _providers(contract: Contract, sched: Schedule) -> ProviderTerms:
    """Providers' own terms, and the provider and metric of each payment line."""
    providers = contract.providers
    return ProviderTerms(
        buffer=_ints([prov.buffer for prov in providers]),
        minimum_cash=_ints([prov.minimum_cash for prov in providers]),
        other_income=_ints([prov.other_income_monthly for prov in providers]),
        funded_by_capital=_bools([not prov.prefinances_own_costs for prov in providers]),
        line_provider=_ints([ln.provider_index for ln in sched.lines]),
        line_metric=_ints([ln.metric_index for ln in sched.lines]),
    )


def _keys(contract: Contract, sched: Schedule, key: _Keys) -> Keys:
    """The ledger key numbers, asked for in the order the loop records them (the order only breaks ties
    in listings)."""
    payers, providers, tranches, fees = contract.payers, contract.providers, contract.tranches, contract.fees
    lines = sched.lines
    metric_names = {m.id: m.name for m in contract.metrics}
    contributors = [list(pay.contributors) for pay in payers]
    line_payee = [CONTRACT_ACCOUNT if tranches else ln.provider for ln in lines]
    line_reason = [
        Reason(Why.OUTCOME_PAYMENT, metric_names[ln.metric], providers[ln.provider_index].name) for ln in lines
    ]
    fee_payer = _fee_payers(contract)
    draw = _ints([key(t.investor, CONTRACT_ACCOUNT, Reason(Why.CAPITAL_DRAWN, t.id)) for t in tranches])
    fund = _ints([key(CONTRACT_ACCOUNT, prov.id, Reason(Why.COSTS_FUNDED)) for prov in providers])
    fee_account = _ints([key(CONTRACT_ACCOUNT, f.payee, Reason(Why.FEE, f.id)) for f in fees])
    contrib_outcome = ragged(
        [[key(c.id, pay.id, Reason(Why.FUND_CONTRIBUTION)) for c in contributors[k]] for k, pay in enumerate(payers)]
    )
    vat = _ints([key(pay.id, TAX, Reason(Why.VAT)) for pay in payers])
    line = np.asarray(
        [[key(pay.id, line_payee[ln.index], line_reason[ln.index]) for ln in lines] for pay in payers], dtype=np.int64
    ).reshape(len(payers), len(lines))
    contrib_fee = ragged(
        [
            [key(c.id, payers[fee_payer[i]].id, Reason(Why.FEE_CONTRIBUTION, f.id)) for c in contributors[fee_payer[i]]]
            if fee_payer[i] >= 0
            else []
            for i, f in enumerate(fees)
        ]
    )
    by_payer = _ints(
        [
            key(payers[fee_payer[i]].id, f.payee, Reason(Why.FEE, f.id)) if fee_payer[i] >= 0 else -1
            for i, f in enumerate(fees)
        ]
    )
    tranche = np.asarray(
        [[key(CONTRACT_ACCOUNT, t.investor, Reason(r, t.id)) for r in TRANCHE_REASONS] for t in tranches],
        dtype=np.int64,
    ).reshape(len(tranches), len(TRANCHE_REASONS))
    return _later_keys(
        contract,
        key,
        contributors,
        Keys(draw, fund, fee_account, contrib_outcome, vat, line, contrib_fee, by_payer, tranche, *([_ints([])] * 7)),
    )


def _later_keys(contract: Contract, key: _Keys, contributors: list[list[Contributor]], keys: Keys) -> Keys:
    """``keys`` with the numbers of the residual, refunds, providers' own cash and guarantees (asked for
    after the others, in this order)."""
    payers, providers, tranches = contract.payers, contract.providers, contract.tranches
    k_len = len(payers)
    fund_residual = _ints([key(CONTRACT_ACCOUNT, REVOLVING_FUND, Reason(Why.RESIDUAL_TO_FUND))])
    provider_residual = _ints([key(CONTRACT_ACCOUNT, prov.id, Reason(Why.PROVIDER_INCENTIVE)) for prov in providers])
    refund = np.asarray(
        [[key(CONTRACT_ACCOUNT, pay.id, Reason(r)) for r in REFUND_REASONS] for pay in payers], dtype=np.int64
    ).reshape(k_len, len(REFUND_REASONS))
    refund_contrib = (
        np.stack(
            [
                ragged([[key(pay.id, c.id, Reason(r)) for c in contributors[k]] for k, pay in enumerate(payers)])
                for r in REFUND_REASONS
            ],
            axis=1,
        ).reshape(k_len, len(REFUND_REASONS), -1)
        if k_len
        else np.zeros((0, len(REFUND_REASONS), 1), dtype=np.int64)
    )
    other_income = _ints([key(OTHER_INCOME, prov.id, Reason(Why.OTHER_INCOME)) for prov in providers])
    costs = _ints([key(prov.id, COSTS, Reason(Why.COSTS)) for prov in providers])
    guarantee = ragged(
        [
            [key(g.guarantor, tranches[j].investor, Reason(Why.GUARANTEE_DRAW, g.id, tranches[j].id)) for j in covers]
            for g, covers in zip(contract.guarantees, _covers(contract), strict=True)
        ]
    )
    return keys._replace(
        fund_residual=fund_residual,
        provider_residual=provider_residual,
        refund=refund,
        refund_contrib=refund_contrib,
        other_income=other_income,
        costs=costs,
        guarantee=guarantee,
    )
