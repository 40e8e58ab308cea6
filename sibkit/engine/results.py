"""Results per party, computed from the engine's flows (one scenario or many).

Units: money in cents (``int``); rates as fractions per year (``0.05`` is 5%
a year); months counted from the contract start (0-based). Every array has a
leading scenarios axis ``N``.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.accounts import Account, accounts, saving_owner
from sibkit.engine.irr import annualise, irr
from sibkit.engine.ledger import Why
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.engine.waterfall import Flows
from sibkit.jit import jit
from sibkit.model import Contract

__all__ = [
    "BudgetSavings",
    "FeeResults",
    "GuaranteeResults",
    "PayerResults",
    "ProviderResults",
    "Results",
    "TrancheResults",
    "payer_outlays",
    "provider_results",
    "results",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True, eq=False)
class TrancheResults:
    """One tranche, per scenario."""

    id: str
    investor: str
    drawn: I64
    """Capital drawn, cents."""
    returned: I64
    """Everything paid to the tranche (interest, principal, return, residual, guarantee), cents."""
    guaranteed: I64
    """Of ``returned``, what guarantees paid, cents."""
    irr: F64
    """Annual IRR (NaN where undefined; see ``irr_reason``)."""
    irr_reason: npt.NDArray[np.int64]
    """0 when the IRR is defined, else a key of ``sibkit.engine.irr.IRR_REASONS``."""
    multiple: F64
    """Returned over drawn (NaN when nothing was drawn)."""
    loss: I64
    """Drawn less returned, when positive; cents."""
    payback_month: I64
    """First month when cumulative cash turns non-negative (-1: never)."""
    interest_unpaid: I64
    """Interest accrued under the loan's coupon but never paid by the end of the term, cents (0 for
    tranches without a coupon). Not part of ``loss``, which counts capital only."""


@attrs.frozen(kw_only=True, eq=False)
class FeeResults:
    """One fee (an intermediary's, a manager's, an evaluator's), per scenario."""

    id: str
    payee: str
    paid: I64
    """Paid to the payee over the term, from capital, outcome payments or by a payer directly; cents."""
    unpaid: I64
    """Still due at the end of the term, and so never paid (capital or outcome payments ran short); cents."""


@attrs.frozen(kw_only=True, eq=False)
class BudgetSavings:
    """The savings that land in one budget, as the contract's ``savings`` name it, per scenario.

    A saving is credited only to the party whose budget it names: a payer (``budget`` is the payer's
    id) or a fund contributor (``budget`` is the contributor's id, credited to the fund it
    contributes to). A budget that names no party of the contract (a free description such as
    'Zvw' or 'the health insurer') is reported under its own name with ``payer`` ``None``: those
    savings help someone, but not the payers' accounts."""

    budget: str
    """The budget as written in the contract's ``savings`` (``""`` when a saving names none)."""
    payer: str | None
    """The payer whose account these savings are credited to; ``None`` when the budget belongs to
    nobody who pays in this contract."""
    savings: I64
    """All savings landing in this budget, cashable or not, cents."""
    cashable: I64
    """Of ``savings``, the cashable part, cents."""


@attrs.frozen(kw_only=True, eq=False)
class GuaranteeResults:
    """What one guarantee paid, and to whom, per scenario."""

    id: str
    guarantor: str
    """The party that gives the guarantee."""
    paid: I64
    """Drawn on the guarantee over the term, all covered tranches together, cents."""
    paid_to: tuple[tuple[str, I64], ...]
    """``(tranche id, cents)`` for each covered tranche, in the guarantee's ``covers`` order."""
    amount: int
    """The guarantee's maximum (the contract's ``amount``), cents."""


@attrs.frozen(kw_only=True, eq=False)
class PayerResults:
    """One outcome payer, per scenario."""

    id: str
    paid: I64
    """Outcome payments, VAT excluded, less refunds; cents."""
    vat: I64
    fees: I64
    """Fees the payer paid directly."""
    cost_per_participant: F64
    """cents per enrolled participant."""
    cost_per_outcome: F64
    """cents per unit of outcome paid for (NaN when none)."""
    maximum: int | None
    """This payer's maximum potential outcome payment, VAT excluded, cents (``None``: unbounded)."""
    share_of_maximum: F64
    """``paid`` over ``maximum`` (NaN when the maximum is unbounded or zero)."""
    cashable_savings: I64
    """Cashable savings landing in this payer's budget or a contributor's (never savings that name
    another budget or none), cents."""
    net_of_savings: I64
    """``paid + vat + fees - cashable_savings``, cents."""
    benefit_cost_ratio: F64
    """Cashable savings over what the payer paid (NaN when it paid nothing)."""
    budget_exceeded: npt.NDArray[np.bool_]


@attrs.frozen(kw_only=True, eq=False)
class ProviderResults:
    """One provider, per scenario."""

    id: str
    revenue: I64
    """Outcome payments, cost funding and residual shares received, cents."""
    other_income: I64
    cost: I64
    invested: I64
    """Capital the provider put into the deal itself (deferred fees, quasi-equity), cents."""
    margin: I64
    """``revenue + other_income - cost - invested``: the change in the provider's cash over the term, cents."""
    lowest_cash: I64
    lowest_cash_month: I64
    months_below_zero: I64
    months_below_minimum: I64


@attrs.frozen(kw_only=True, eq=False)
class Results:
    """Everything ``sibkit run`` reports, per scenario (leading axis N)."""

    tranches: tuple[TrancheResults, ...]
    payers: tuple[PayerResults, ...]
    providers: tuple[ProviderResults, ...]
    fees: tuple[FeeResults, ...]
    guarantees: tuple[GuaranteeResults, ...]
    """What each guarantee paid, and to which tranche, in the contract's order."""
    budgets: tuple[BudgetSavings, ...]
    """Savings per budget named in the contract, in order of first mention."""
    accounts: tuple[Account, ...]
    """Every party's own account (what it pays, receives and saves), in file order (``engine.accounts``)."""
    participants: I64
    """Enrolled participants."""
    outcome_units: I64
    """(N, M) units of each metric achieved and verified (whether or not a cap cut their payment,
    and including results verified after the term); cohort metrics count units of improvement
    (events avoided) in cohorts that reached a paying tier."""
    outcome_payments: I64
    """All outcome payments, VAT excluded, net of refunds, cents."""
    maximum_payment: int | None
    """Maximum potential outcome payment, cents (None: unbounded)."""
    savings: I64
    """All savings, cashable or not, cents."""
    cashable_savings: I64
    cap_cut: I64
    """Outcome payments not made because a cap was reached, cents."""
    unpaid_after_term: I64
    """Outcome payments for results verified after the term, cents (not paid)."""
    flows: Flows


def _payback(cash: I64) -> I64:
    """(N,) the month from which each row's cumulative cash stays at or above zero; -1 (never) when it
    ends below zero or nothing was drawn."""
    out = np.empty(cash.shape[0], dtype=np.int64)
    _payback_rows(np.ascontiguousarray(cash), out)
    return out


@jit
def _payback_rows(cash: I64, out: I64) -> None:
    n, t_len = cash.shape
    for i in range(n):
        total = 0
        last_negative = -1
        first_draw = -1
        for t in range(t_len):
            if cash[i, t] < 0 and first_draw < 0:
                first_draw = t
            total += cash[i, t]
            if total < 0:
                last_negative = t
        if first_draw < 0:
            out[i] = -1  # nothing drawn
        elif last_negative < 0:
            out[i] = first_draw  # never below zero: paid back as it was drawn
        elif last_negative < t_len - 1:
            out[i] = last_negative + 1
        else:
            out[i] = -1  # still below zero at the end


def results(contract: Contract, flows: Flows, *, maximum: MaximumPayment | None = None) -> Results:
    """Per-party results of a run (``maximum``: the contract's maximum payment, if already computed)."""
    n = flows.provider_cash.shape[0]
    sched = flows.schedule
    mx = maximum if maximum is not None else maximum_payment(contract)
    savings_total, cashable_total, budgets = _savings(contract, flows)
    return Results(
        tranches=tuple(_tranche(contract, flows, j) for j in range(len(contract.tranches))),
        payers=tuple(_payer(contract, flows, k, mx, budgets) for k in range(len(contract.payers))),
        providers=provider_results(contract, flows),
        fees=tuple(
            FeeResults(
                id=fee.id,
                payee=fee.payee,
                paid=flows.ledger.total(target=fee.payee, why=Why.FEE, ref=fee.id),
                unpaid=flows.fee_unpaid[:, f],
            )
            for f, fee in enumerate(contract.fees)
        ),
        guarantees=tuple(
            GuaranteeResults(
                id=g.id,
                guarantor=g.guarantor,
                paid=sum((_guarantee_total(flows, g.id, t) for t in g.covers), np.zeros(n, dtype=np.int64)),
                paid_to=tuple((t, _guarantee_total(flows, g.id, t)) for t in g.covers),
                amount=g.amount,
            )
            for g in contract.guarantees
        ),
        budgets=budgets,
        accounts=accounts(contract, flows.ledger, sched.units_paid_for, batch=flows.batch),
        participants=flows.participants,
        outcome_units=sched.units_paid_for,
        outcome_payments=flows.payer_paid.sum(axis=(1, 2)) - flows.payer_refund.sum(axis=1),
        maximum_payment=mx.total,
        savings=savings_total,
        cashable_savings=cashable_total,
        cap_cut=flows.cap_cut + sched.participant_cap_cut,
        unpaid_after_term=sched.unpaid_after_term,
        flows=flows,
    )


def _tranche(contract: Contract, flows: Flows, j: int) -> TrancheResults:
    """Tranche ``j``'s results: IRR, multiple and loss from its cash flow, what guarantees paid it."""
    t = contract.tranches[j]
    cash = flows.tranche_cash[:, :, j]
    rate, why = irr(cash)
    drawn = flows.tranche_drawn[:, j]
    returned = cash.sum(axis=1) + drawn  # draws are the negative part of the cash flow
    guaranteed = np.zeros(flows.provider_cash.shape[0], dtype=np.int64)
    for g in contract.guarantees:
        if t.id in g.covers:
            guaranteed += _guarantee_total(flows, g.id, t.id)
    with np.errstate(divide="ignore", invalid="ignore"):
        multiple = np.where(drawn > 0, returned / np.maximum(drawn, 1), np.nan)
    return TrancheResults(
        id=t.id,
        investor=t.investor,
        drawn=drawn,
        returned=returned,
        guaranteed=guaranteed,
        irr=annualise(rate),
        irr_reason=why,
        multiple=multiple,
        loss=np.maximum(drawn - returned, 0),
        payback_month=_payback(cash),
        interest_unpaid=flows.interest_unpaid[:, j],
    )


def _savings(contract: Contract, flows: Flows) -> tuple[I64, I64, tuple[BudgetSavings, ...]]:
    """Savings over the term, all and cashable, in total and by budget (credited to the budget's payer)."""
    n = flows.provider_cash.shape[0]
    savings_total = np.zeros(n, dtype=np.int64)
    cashable_total = np.zeros(n, dtype=np.int64)
    owner = _budget_owners(contract)
    by_budget: dict[str, tuple[I64, I64]] = {}
    metric_index = {m.id: i for i, m in enumerate(contract.metrics)}
    for s in contract.savings:
        value = flows.schedule.units_paid_for[:, metric_index[s.metric]] * s.per_unit_total
        cash = value if s.cashable else np.zeros(n, dtype=np.int64)
        savings_total += value
        cashable_total += cash
        all_before, cash_before = by_budget.get(s.budget, (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)))
        by_budget[s.budget] = (all_before + value, cash_before + cash)
    budgets = tuple(
        BudgetSavings(budget=b, payer=owner.get(saving_owner(contract, b) or ""), savings=all_, cashable=cash)
        for b, (all_, cash) in by_budget.items()
    )
    return savings_total, cashable_total, budgets


def _payer(
    contract: Contract, flows: Flows, k: int, mx: MaximumPayment, budgets: tuple[BudgetSavings, ...]
) -> PayerResults:
    """Payer ``k``'s results: what it paid net of refunds, per participant and outcome, against its savings."""
    payer = contract.payers[k]
    n, participants = flows.provider_cash.shape[0], flows.participants
    units_all = flows.schedule.units_paid_for.sum(axis=1)
    paid = _paid_net(flows, k)
    vat, fees = flows.payer_vat[:, k], flows.payer_fees[:, k]
    saved = np.zeros(n, dtype=np.int64)
    for b in budgets:
        if b.payer == payer.id:
            saved += b.cashable
    outlay = paid + vat + fees
    with np.errstate(divide="ignore", invalid="ignore"):
        per_participant = np.where(participants > 0, outlay / np.maximum(participants, 1), np.nan)
        per_outcome = np.where(units_all > 0, outlay / np.maximum(units_all, 1), np.nan)
        mx_k = mx.by_payer.get(payer.id)
        share_max = paid / mx_k if mx_k else np.full(n, np.nan)
        bcr = np.where(outlay > 0, saved / np.maximum(outlay, 1), np.nan)
    return PayerResults(
        id=payer.id,
        paid=paid,
        vat=vat,
        fees=fees,
        cost_per_participant=per_participant,
        cost_per_outcome=per_outcome,
        maximum=mx_k,
        share_of_maximum=np.asarray(share_max, dtype=np.float64),
        cashable_savings=saved,
        net_of_savings=outlay - saved,
        benefit_cost_ratio=bcr,
        budget_exceeded=(outlay > payer.budget) if payer.budget is not None else np.zeros(n, dtype=bool),
    )


def _paid_net(flows: Flows, k: int) -> I64:
    """(N,) cents payer ``k`` paid for outcomes, net of what it got back (``PayerResults.paid``)."""
    paid: I64 = flows.payer_paid[:, :, k].sum(axis=1) - flows.payer_refund[:, k]
    return paid


def payer_outlays(contract: Contract, flows: Flows) -> dict[str, I64]:
    """Payer id → (N,) cents it paid in all: for outcomes net of refunds, VAT and fees (``paid + vat + fees`` of
    its ``PayerResults``), from the engine's arrays alone; for callers that need no other result (the fund's
    simulation checks each start's payments against it)."""
    return {
        payer.id: _paid_net(flows, k) + flows.payer_vat[:, k] + flows.payer_fees[:, k]
        for k, payer in enumerate(contract.payers)
    }


def provider_results(contract: Contract, flows: Flows) -> tuple[ProviderResults, ...]:
    """Each provider's results (``Results.providers``) from the engine's arrays alone, for callers that need no
    other result (the checks' providers at half the expected success)."""
    return tuple(_provider(flows, p, prov.id) for p, prov in enumerate(contract.providers))


def _provider(flows: Flows, p: int, provider: str) -> ProviderResults:
    """Provider ``p``'s results: revenue, costs, margin and its cash at its lowest."""
    revenue = flows.provider_revenue[:, p]
    other = flows.provider_other_income[:, p]
    cost = flows.provider_cost[:, p]
    return ProviderResults(
        id=provider,
        revenue=revenue,
        other_income=other,
        cost=cost,
        invested=flows.provider_invested[:, p],
        margin=revenue + other - cost - flows.provider_invested[:, p],
        lowest_cash=flows.provider_lowest[:, p],
        lowest_cash_month=flows.provider_lowest_month[:, p],
        months_below_zero=flows.provider_months_below_zero[:, p],
        months_below_minimum=flows.provider_months_below_minimum[:, p],
    )


def _budget_owners(contract: Contract) -> dict[str, str]:
    """Party id → the payer credited with the savings in its budgets: a payer itself, or a contributor
    (credited to the fund it contributes to). A contributor to several funds is credited to none of
    them, since its saving cannot be split between them without a rule the contract does not state.
    A saving's ``budget`` names its party as the accounts read it (``accounts.saving_owner``: a
    ``[[budgets]]`` entry's owner, or a party id), so both views credit the same party."""
    owners: dict[str, str] = {p.id: p.id for p in contract.payers}
    funds: dict[str, set[str]] = {}
    for p in contract.payers:
        for c in p.contributors:
            funds.setdefault(c.id, set()).add(p.id)
    for contributor, funded in funds.items():
        if contributor not in owners and len(funded) == 1:
            owners[contributor] = next(iter(funded))
    return owners


def _guarantee_total(flows: Flows, guarantee: str, tranche: str) -> I64:
    """What ``guarantee`` paid the investor of ``tranche``, per scenario."""
    return flows.ledger.total(why=Why.GUARANTEE_DRAW, ref=guarantee, of=tranche)
