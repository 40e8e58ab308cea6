"""The fund engine: many contracts, one budget over the years.

Each contract start is run by the one contract engine (``sibkit.engine.run`` on the contract with its
timeline moved to the start month); its monthly ledger is then placed on the fund's calendar and read
as the fund's own movements:

* the fund pays what the contract's fund payers (``ContractStart.payers``, all payers by default) pay:
  outcome payments and their VAT (``outcome payment``), fees they pay directly (``contract fee``);
* the contract's own contributors of those payers are replaced by the fund's contributors: their
  contributions inside the contract, and what the payers pass on to them, are left out;
* what the contract returns to the fund payers or pays its revolving fund (its residual and settlement
  refund) comes back to the fund at the recycling rule's ``residual`` share; the rest goes to the fund's
  contributors in proportion to their commitments (largest remainder);
* of the principal the contract repays to the recycling rule's investors, the ``repaid_capital`` share is
  passed on by the investor to the fund; of the cashable savings landing with a named budget owner, its
  share is paid back to the fund in the month they land;
* the fund's own movements: contributions on their schedules, loans drawn, interest and principal, and the
  fund manager's fees.

A pipeline entry's flows are counted at expected value (each month's amount × its probability, rounded
half up) in the run "with the pipeline" and left out otherwise.

Within a month the fund receives first (contributions, loans, recycled money) and then pays outcome
payments, then fees and loan service. The fund never refuses to pay: a month whose outcome payments exceed
the cash it has (the balance it starts the month with plus what it receives) is a shortfall, reported.

Units: cents (``int``; ``int64`` arrays shaped ``(T,)`` over the fund's months, 0 = the fund's start month);
years are calendar years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from fractions import Fraction

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.accounts import parties, savings_by_month
from sibkit.engine.ledger import CONTRACT_ACCOUNT, EXTERNAL, REVOLVING_FUND, Reason, Why
from sibkit.engine.results import Results
from sibkit.engine.run import run
from sibkit.errors import EngineError
from sibkit.model import Contract
from sibkit.model.fund import ContractStart, Fund, FundLoan, month_index
from sibkit.money import allocate, allocate_array, muldiv_array, round_half_up

__all__ = [
    "FundAccount",
    "FundFlow",
    "FundResults",
    "FundWhy",
    "StartRun",
    "check_paid",
    "contributor_charges",
    "fund_ledger",
    "fund_run",
    "run_starts",
    "scaled",
    "start_movements",
]

I64 = npt.NDArray[np.int64]


class FundWhy(Enum):
    """Why money moved on the fund's books (``{ref}``: the contract start, party, loan or fee it concerns)."""

    CONTRIBUTION = "contribution: {ref}"
    LOAN_DRAWN = "loan drawn: {ref}"
    INTEREST = "loan interest: {ref}"
    PRINCIPAL = "loan principal: {ref}"
    OUTCOME_PAYMENT = "outcome payment: {ref}"
    CONTRACT_FEE = "contract fee: {ref}"
    FEE = "fund fee: {ref}"
    RECYCLED_RESIDUAL = "recycled residual: {ref}"
    RESIDUAL_TO_CONTRIBUTORS = "residual to contributors: {ref}"
    RECYCLED_CAPITAL = "recycled capital: {ref}"
    RECYCLED_SAVINGS = "recycled savings: {ref}"
    IN_CONTRACT = "{ref}"
    """A movement inside a contract that does not touch the fund (a provider's costs, an investor's capital)."""


INFLOWS: tuple[FundWhy, ...] = (
    FundWhy.CONTRIBUTION,
    FundWhy.LOAN_DRAWN,
    FundWhy.RECYCLED_RESIDUAL,
    FundWhy.RECYCLED_CAPITAL,
    FundWhy.RECYCLED_SAVINGS,
)
"""Every reason money comes into the fund."""

OUTFLOWS = (FundWhy.OUTCOME_PAYMENT, FundWhy.CONTRACT_FEE, FundWhy.FEE, FundWhy.INTEREST, FundWhy.PRINCIPAL)
"""Every reason money leaves the fund."""

RECYCLED = (FundWhy.RECYCLED_RESIDUAL, FundWhy.RECYCLED_CAPITAL, FundWhy.RECYCLED_SAVINGS)
"""The money that flows back."""


@attrs.frozen(kw_only=True, eq=False)
class FundFlow:
    """One kind of movement: cents from ``source`` to ``target`` per fund month, and why."""

    source: str
    target: str
    why: FundWhy
    ref: str
    amounts: I64
    """(T,) cents per fund month."""

    @property
    def reason(self) -> str:
        """The movement's reason as text (English: a ledger's words)."""
        return self.why.value.format(ref=self.ref)


@attrs.frozen(kw_only=True, eq=False)
class StartRun:
    """One start of one contract, run by the contract engine."""

    label: str
    """``<file> @ <YYYY-MM>``: which contract, which start; unique among the fund's starts (a second start of
    the same file in the same month is ``<file> @ <YYYY-MM> (2)``): the fund's movements name it."""
    file: str
    pipeline: bool
    weight: Fraction
    """1 for a signed contract; the approval probability for a pipeline entry."""
    offset: int
    """The fund month the contract starts in."""
    contract: Contract
    """The contract with its timeline moved to this start."""
    results: Results
    payers: frozenset[str]
    """The contract's payers the fund pays for."""
    contributors: frozenset[str]
    """Their contributors in the contract (replaced by the fund's)."""
    maximum: int | None
    """The fund payers' maximum potential outcome payment, VAT excluded, cents (``None``: unbounded)."""
    savings: Mapping[str, I64]
    """Owner → cashable savings by contract month (cents)."""

    @property
    def term(self) -> int:
        """The contract's term in months."""
        return self.contract.timeline.term_months


@attrs.frozen(kw_only=True, eq=False)
class FundAccount:
    """One party's account across the fund and all its contracts, per calendar year (cents)."""

    id: str
    name: str
    roles: tuple[str, ...]
    years: tuple[int, ...]
    pays: I64
    """(Y,) what it paid each year."""
    receives: I64
    """(Y,) what it received each year."""
    savings: I64
    """(Y,) cashable savings landing in its budgets each year (signed contracts at full value)."""


@attrs.frozen(kw_only=True, eq=False)
class FundResults:
    """The fund's books over its months (``T``), every figure in cents."""

    fund: Fund
    pipeline: bool
    """Whether pipeline entries are counted (at expected value)."""
    starts: tuple[StartRun, ...]
    """The contract starts counted."""
    flows: tuple[FundFlow, ...]
    """Every movement: the fund's and those inside its contracts."""
    inflow: I64
    """(T,) money into the fund each month."""
    outflow: I64
    """(T,) money out of the fund each month."""
    balance: I64
    """(T,) the fund's cash at the end of each month."""
    by_why: Mapping[FundWhy, I64]
    """(T,) the fund's inflows and outflows by reason."""
    liability: I64
    """(T,) the maximum the fund may still have to pay for outcomes of contracts live in that month (started,
    term not ended): each one's maximum potential payment less what the fund has paid for it so far."""
    unbounded: npt.NDArray[np.bool_]
    """(T,) months in which a live contract has no maximum (``liability`` counts the bounded ones only)."""
    future_contributions: I64
    """(T,) contributions scheduled after each month."""
    first_shortfall: int | None
    """The first month whose outcome payments exceed the cash the fund has that month, or ``None``."""
    sustaining_year: int | None
    """The first calendar year from which the fund pays everything due to the end of its ledger without any
    further contribution while it still has outcome payments to make, or ``None``."""
    savings: Mapping[str, I64]
    """Owner → (T,) cashable savings landing in its budgets."""
    accounts: tuple[FundAccount, ...]

    @property
    def months(self) -> int:
        """The number of months on the fund's books."""
        return int(self.balance.shape[0])

    def month_start(self, t: int) -> dt.date:
        """The first day of fund month ``t``."""
        k = self.fund.start.year * 12 + self.fund.start.month - 1 + t
        return dt.date(k // 12, k % 12 + 1, 1)

    @property
    def years(self) -> tuple[int, ...]:
        """The calendar years of the fund's months, in order."""
        return tuple(sorted({self.month_start(t).year for t in range(self.months)}))

    def per_year(self, monthly: I64) -> I64:
        """(Y,) a monthly array summed per calendar year."""
        labels = np.array([self.month_start(t).year for t in range(self.months)])
        return np.array([int(monthly[labels == y].sum()) for y in self.years], dtype=np.int64)

    def year_end(self, monthly: I64) -> I64:
        """(Y,) a monthly stock (a balance) at the end of each calendar year."""
        labels = [self.month_start(t).year for t in range(self.months)]
        return np.array([int(monthly[len(labels) - 1 - labels[::-1].index(y)]) for y in self.years], dtype=np.int64)

    def total(self, *whys: FundWhy) -> I64:
        """(T,) the fund's movements for these reasons."""
        return sum((self.by_why[w] for w in whys), np.zeros(self.months, dtype=np.int64))

    @property
    def first_overcommitted(self) -> int | None:
        """The first month whose committed liability exceeds the fund's cash plus its future contributions (or a
        live contract has no maximum): were every live contract to pay its maximum, the fund could not pay."""
        over = np.flatnonzero((self.liability > self.balance + self.future_contributions) | self.unbounded)
        return int(over[0]) if over.size else None

    @property
    def first_below_zero(self) -> int | None:
        """The first month whose closing cash is below zero, whatever takes it there (outcome payments, fees or
        loan service), or ``None``; ``fund simulate`` counts a scenario as running short by the same test."""
        below = np.flatnonzero(self.balance < 0)
        return int(below[0]) if below.size else None

    @property
    def shortfall(self) -> int:
        """The most the fund's cash falls below zero (0 when it never does), cents: what it would need more."""
        return max(0, -int(self.balance.min(initial=0)))


def scaled(amounts: Iterable[int] | I64, share: Fraction) -> I64:
    """Each amount (cents) × ``share``, rounded half away from zero to the cent; exact (``muldiv_array``) and
    vectorised, for any shape of array."""
    a = np.asarray(amounts if isinstance(amounts, np.ndarray) else list(amounts), dtype=np.int64)
    if share == 1:
        return a.copy()
    sign = np.where(a < 0, -1, 1)
    num, den = np.asarray(share.numerator, dtype=np.int64), np.asarray(share.denominator, dtype=np.int64)
    q, r = muldiv_array(np.abs(a), num, den)
    out: I64 = sign * (q + (2 * r >= share.denominator))
    return out


def _moved(contract: Contract, start: dt.date) -> Contract:
    """The contract with its timeline starting at ``start`` (a signing date after it is dropped)."""
    tl = contract.timeline
    if tl.start == start:
        return contract
    signing = tl.signing if tl.signing is not None and tl.signing <= start else None
    return attrs.evolve(contract, timeline=attrs.evolve(tl, start=start, signing=signing))


def run_starts(fund: Fund, contracts: Mapping[str, Contract], scenario: str | None = None) -> tuple[StartRun, ...]:
    """Run every start of every contract and pipeline entry once with the contract engine (``scenario``:
    every contract's scenario of that name, else the entry's, else the contract's default)."""
    out: list[StartRun] = []
    entries: list[tuple[bool, ContractStart]] = [(False, e) for e in fund.contracts]
    entries += [(True, e) for e in fund.pipeline]
    for pipeline, entry in entries:
        base = contracts[entry.file]
        payers = frozenset(entry.payers or [p.id for p in base.payers])
        contributors = frozenset(c.id for p in base.payers if p.id in payers for c in p.contributors)
        weight = getattr(entry, "probability", Fraction(1)) if pipeline else Fraction(1)
        for start in entry.starts():
            contract = _moved(base, start)
            res = run(contract, scenario or entry.scenario)
            ours = [p.maximum for p in res.payers if p.id in payers]
            maximum = None if any(m is None for m in ours) else sum(m for m in ours if m is not None)
            cashable, _ = savings_by_month(contract, res.outcome_units, res.flows.batch, res.flows.ledger.months)
            label = f"{entry.file} @ {start.isoformat()[:7]}"
            same = sum(1 for s in out if s.label == label or s.label.startswith(f"{label} ("))
            out.append(
                StartRun(
                    label=label if not same else f"{label} ({same + 1})",
                    file=entry.file,
                    pipeline=pipeline,
                    weight=Fraction(weight),
                    offset=month_index(fund.start, start),
                    contract=contract,
                    results=res,
                    payers=payers,
                    contributors=contributors,
                    maximum=maximum,
                    savings={k: v[0] for k, v in cashable.items()},
                )
            )
    return tuple(out)


@attrs.define
class _Book:
    """Movements collected before the fund's length is known: ``(source, target, why, ref, first month, cents)``."""

    rows: list[tuple[str, str, FundWhy, str, int, I64]] = attrs.field(factory=list)

    def add(self, source: str, target: str, why: FundWhy, ref: str, at: int, amounts: I64) -> None:
        if np.any(amounts):
            self.rows.append((source, target, why, ref, at, np.asarray(amounts, dtype=np.int64)))

    def end(self) -> int:
        return max((at + len(a) for *_, at, a in self.rows), default=0)


def fund_ledger(fund: Fund, starts: Iterable[StartRun], *, pipeline: bool = False) -> FundResults:
    """The fund's books from its contract starts (pipeline starts only with ``pipeline``); raises
    ``EngineError`` when the books do not reconcile to the cent."""
    counted = tuple(s for s in starts if pipeline or not s.pipeline)
    book = _Book()
    saved: list[tuple[str, int, I64]] = []
    commitments = [c.commitment for c in fund.contributors]
    rule = fund.recycling
    recycle_savings = {s.owner: s.share for s in rule.savings}
    for s in counted:
        _contract_flows(fund, s, book, commitments)
        for owner, monthly in s.savings.items():
            amounts = scaled(monthly, s.weight)
            saved.append((owner, s.offset, amounts))
            if owner in recycle_savings:
                book.add(
                    owner,
                    fund.id,
                    FundWhy.RECYCLED_SAVINGS,
                    s.label,
                    s.offset,
                    scaled(amounts, recycle_savings[owner]),
                )
    for c in fund.contributors:
        for at, amount in c.schedule(fund.start):
            book.add(c.id, fund.id, FundWhy.CONTRIBUTION, c.id, at, np.array([amount], dtype=np.int64))
    for loan in fund.loans:
        _loan(fund, loan, book)
    months = max(fund.horizon_months, book.end(), max((o + len(a) for _, o, a in saved), default=0))
    # the fund manager's fees: the fixed part over the horizon, the share part on each month's outcome payments
    paid_out = np.zeros(months, dtype=np.int64)
    for source, _, why, _, at, amounts in book.rows:
        if source == fund.id and why is FundWhy.OUTCOME_PAYMENT:
            paid_out[at : at + len(amounts)] += amounts
    for fee in fund.fees:
        fixed = np.zeros(fund.horizon_months, dtype=np.int64)
        if fee.per_year:
            parts = allocate(fee.per_year, [1] * 12)
            fixed = np.array([parts[t % 12] for t in range(fund.horizon_months)], dtype=np.int64)
        fixed_full = np.zeros(months, dtype=np.int64)
        fixed_full[: fund.horizon_months] = fixed
        book.add(
            fund.id, fee.payee, FundWhy.FEE, fee.id, 0, fixed_full + scaled(paid_out, fee.share_of_payments)
        )
    flows = tuple(_flow(row, months) for row in book.rows)
    return _results(fund, pipeline, counted, flows, saved, months)


def _contract_flows(fund: Fund, s: StartRun, book: _Book, commitments: Sequence[int]) -> None:
    """One contract start's ledger as movements on the fund's books (see the module's description)."""
    moves, net = start_movements(fund, s, s.results.flows.ledger.flows, commitments, s.weight)
    for source, target, why, ref, amounts in moves:
        book.add(source, target, why, ref, s.offset, amounts[0])
    if s.weight == 1:
        check_paid(s, {p.id: p.paid + p.vat + p.fees for p in s.results.payers}, net)


Movement = tuple[str, str, FundWhy, str, I64]
"""``(source, target, why, ref, cents)``: one movement of a contract start, cents shaped ``(N, H)`` (scenarios,
months from the contract's start)."""


def start_movements(
    fund: Fund,
    s: StartRun,
    flows: Mapping[tuple[str, str, Reason], I64],
    commitments: Sequence[int],
    weight: Fraction = Fraction(1),
) -> tuple[list[Movement], I64]:
    """One contract start's ledger (``flows``: the contract engine's ``(N, H)`` cents per movement, N scenarios)
    as movements on the fund's books, each amount × ``weight`` rounded half up; and ``(N,)`` what the fund paid
    for the start net of what came back to the fund payers (cents), to compare with the contract's results."""
    rule = fund.recycling
    investors = set(rule.investors) or {t.investor for t in s.contract.tranches}
    moves: list[Movement] = []
    n = next(iter(flows.values())).shape[0] if flows else 1
    gross_out = np.zeros(n, dtype=np.int64)
    gross_back = np.zeros(n, dtype=np.int64)
    def part(a: I64, share: Fraction) -> I64:
        # a whole share is the array itself (nothing here writes into it): a hundred starts × every movement
        # copied cost a twentieth of a fund's simulation
        return a if share == 1 else scaled(a, share)

    for (source, target, reason), arr in flows.items():
        amounts = part(arr, weight)
        if (source in s.contributors and target in s.payers) or (source in s.payers and target in s.contributors):
            continue
        if source in s.payers:
            why = FundWhy.OUTCOME_PAYMENT if reason.why in (Why.OUTCOME_PAYMENT, Why.VAT) else FundWhy.CONTRACT_FEE
            moves.append((fund.id, target, why, s.label, amounts))
            gross_out += amounts.sum(axis=1)
        elif target in s.payers or (target == REVOLVING_FUND and reason.why is Why.RESIDUAL_TO_FUND):
            back = part(amounts, rule.residual)
            moves.append((source, fund.id, FundWhy.RECYCLED_RESIDUAL, s.label, back))
            rest = amounts - back
            if rest.any():
                split = allocate_array(rest, np.asarray(commitments, dtype=np.int64))
                for i, c in enumerate(fund.contributors):
                    moves.append((source, c.id, FundWhy.RESIDUAL_TO_CONTRIBUTORS, s.label, split[..., i]))
            if target in s.payers:
                gross_back += amounts.sum(axis=1)
        else:
            moves.append((source, target, FundWhy.IN_CONTRACT, f"{reason} ({s.label})", amounts))
            if reason.why in (Why.PRINCIPAL, Why.UNUSED_CAPITAL) and target in investors and rule.repaid_capital:
                back = part(amounts, rule.repaid_capital)
                moves.append((target, fund.id, FundWhy.RECYCLED_CAPITAL, s.label, back))
    return moves, gross_out - gross_back


def check_paid(s: StartRun, outlays: Mapping[str, I64], net: I64) -> None:
    """Raise ``EngineError`` unless, in every scenario, the fund paid for start ``s`` (net of what came back to
    the fund payers, ``net`` (N,) cents) what the contract engine says the fund payers paid (``outlays``: payer
    id → (N,) cents, ``sibkit.engine.results.payer_outlays``)."""
    paid = sum((v for payer, v in outlays.items() if payer in s.payers), np.zeros_like(net))
    if np.any(paid != net):
        i = int(np.flatnonzero(paid != net)[0])
        raise EngineError(
            f"{s.label}: the fund paid {int(net[i])} cents net, the contract's payers {int(paid[i])} cents"
            + (f" (scenario {i})" if net.shape[0] > 1 else "")
        )


def _loan(fund: Fund, loan: FundLoan, book: _Book) -> None:
    """A loan to the fund: drawn, interest monthly on what is outstanding, principal in equal parts."""
    drawn = month_index(fund.start, loan.drawn or fund.start)
    book.add(loan.lender, fund.id, FundWhy.LOAN_DRAWN, loan.id, drawn, np.array([loan.amount], dtype=np.int64))
    parts = allocate(loan.amount, [1] * loan.repayment_months)
    first = drawn + loan.grace_months + 1
    length = first + loan.repayment_months - drawn
    interest = np.zeros(length, dtype=np.int64)
    principal = np.zeros(length, dtype=np.int64)
    rate = Fraction(loan.rate) / 12
    outstanding = loan.amount
    for k in range(1, length):
        interest[k] = round_half_up(outstanding * rate.numerator, rate.denominator)
        if drawn + k >= first:
            principal[k] = parts[drawn + k - first]
            outstanding -= principal[k]
    book.add(fund.id, loan.lender, FundWhy.INTEREST, loan.id, drawn, interest)
    book.add(fund.id, loan.lender, FundWhy.PRINCIPAL, loan.id, drawn, principal)


def _flow(row: tuple[str, str, FundWhy, str, int, I64], months: int) -> FundFlow:
    source, target, why, ref, at, amounts = row
    full = np.zeros(months, dtype=np.int64)
    full[at : at + len(amounts)] = amounts
    return FundFlow(source=source, target=target, why=why, ref=ref, amounts=full)


def _results(
    fund: Fund,
    pipeline: bool,
    starts: tuple[StartRun, ...],
    flows: tuple[FundFlow, ...],
    saved: list[tuple[str, int, I64]],
    months: int,
) -> FundResults:
    zero = np.zeros(months, dtype=np.int64)
    inflow = sum((f.amounts for f in flows if f.target == fund.id), zero)
    outflow = sum((f.amounts for f in flows if f.source == fund.id), zero)
    balance = np.cumsum(inflow - outflow)
    by_why = {w: sum((f.amounts for f in flows if f.why is w), zero) for w in (*INFLOWS, *OUTFLOWS)}
    _reconcile(fund, flows, by_why, inflow, outflow, balance)
    # committed liability: per live start, its maximum less what the fund paid for it so far
    liability = np.zeros(months, dtype=np.int64)
    unbounded = np.zeros(months, dtype=bool)
    for s in starts:
        live = slice(s.offset, min(s.offset + s.term, months))
        if s.maximum is None:
            unbounded[live] = True
            continue
        paid = sum(
            (f.amounts for f in flows if f.source == fund.id and f.why is FundWhy.OUTCOME_PAYMENT and f.ref == s.label),
            zero,
        )
        most = int(scaled([s.maximum], s.weight)[0])
        liability[live] += np.maximum(most - np.cumsum(paid)[live], 0)
    contributions = by_why[FundWhy.CONTRIBUTION]
    future = contributions[::-1].cumsum()[::-1] - contributions
    outcome = by_why[FundWhy.OUTCOME_PAYMENT]
    available = np.concatenate([[0], balance[:-1]]) + inflow
    short = np.flatnonzero((outcome > 0) & (outcome > available))
    savings: dict[str, I64] = {}
    for owner, at, amounts in saved:
        savings.setdefault(owner, np.zeros(months, dtype=np.int64))[at : at + len(amounts)] += amounts
    result = FundResults(
        fund=fund,
        pipeline=pipeline,
        starts=starts,
        flows=flows,
        inflow=inflow,
        outflow=outflow,
        balance=balance,
        by_why=by_why,
        liability=liability,
        unbounded=unbounded,
        future_contributions=future,
        first_shortfall=int(short[0]) if short.size else None,
        sustaining_year=None,
        savings=savings,
        accounts=(),
    )
    return attrs.evolve(result, sustaining_year=_sustaining_year(result), accounts=_accounts(result))


def _reconcile(
    fund: Fund, flows: tuple[FundFlow, ...], by_why: Mapping[FundWhy, I64], inflow: I64, outflow: I64, balance: I64
) -> None:
    """Every month, what came in is what went out plus the change in the balance, and each reason is counted once."""
    if any(bool(np.any(f.amounts < 0)) for f in flows):
        raise EngineError("a movement on the fund's books is negative")
    ins = sum((by_why[w] for w in INFLOWS), np.zeros_like(inflow))
    outs = sum((by_why[w] for w in OUTFLOWS), np.zeros_like(outflow))
    if np.any(ins != inflow) or np.any(outs != outflow):
        raise EngineError("the fund's movements by reason do not add up to its inflows and outflows")
    change = np.diff(np.concatenate([[0], balance]))
    if np.any(inflow != outflow + change):
        raise EngineError("the fund's inflows are not its outflows plus the change in its balance")
    for f in flows:
        if (f.source == fund.id) != (f.why in OUTFLOWS) or (f.target == fund.id) != (f.why in INFLOWS):
            raise EngineError(f"a movement of the fund has the wrong reason: {f.reason}")


def _sustaining_year(r: FundResults) -> int | None:
    """See ``FundResults.sustaining_year``: the first year Y such that the balance less every contribution from
    Y on never falls below zero from the end of the year before Y to the end of the books, and the fund still
    pays for outcomes in Y or later."""
    contributions = r.by_why[FundWhy.CONTRIBUTION]
    outcome = r.by_why[FundWhy.OUTCOME_PAYMENT]
    for year in r.years:
        first = next(t for t in range(r.months) if r.month_start(t).year == year)
        if not outcome[first:].any():
            return None
        if first > 0 and r.balance[first - 1] < 0:
            continue
        without = r.balance[first:] - np.cumsum(contributions[first:])
        if without.min() >= 0:
            return year
    return None


ENGINE_ACCOUNTS = frozenset({CONTRACT_ACCOUNT, REVOLVING_FUND, *EXTERNAL})
"""The contract engine's own accounts: not parties, so not listed among the accounts."""


def _accounts(r: FundResults) -> tuple[FundAccount, ...]:
    """Every party's account across the fund and its contracts, per calendar year."""
    fund = r.fund
    names: dict[str, str] = {fund.id: fund.name}
    roles: dict[str, list[str]] = {fund.id: ["fund"]}

    def note(party: str, name: str, role: str) -> None:
        names.setdefault(party, name)
        if role not in roles.setdefault(party, []):
            roles[party].append(role)

    for c in fund.contributors:
        note(c.id, c.name, "fund_contributor")
    for loan in fund.loans:
        note(loan.lender, loan.name or loan.lender, "lender")
    for fee in fund.fees:
        note(fee.payee, fee.payee, "fund_manager")
    for s in r.starts:
        for party, name, contract_roles in parties(s.contract):
            if party in s.payers or party in s.contributors:
                continue
            for role in contract_roles:
                note(party, name, role)
    for owner in r.savings:
        note(owner, owner, "budget_owner")
    out = []
    for party in names:
        pays = sum((f.amounts for f in r.flows if f.source == party), np.zeros(r.months, dtype=np.int64))
        receives = sum((f.amounts for f in r.flows if f.target == party), np.zeros(r.months, dtype=np.int64))
        saved = r.savings.get(party, np.zeros(r.months, dtype=np.int64))
        if party in ENGINE_ACCOUNTS:
            continue
        out.append(
            FundAccount(
                id=party,
                name=names[party],
                roles=tuple(roles[party]),
                years=r.years,
                pays=r.per_year(pays),
                receives=r.per_year(receives),
                savings=r.per_year(saved),
            )
        )
    return tuple(out)


def fund_run(
    fund: Fund, contracts: Mapping[str, Contract], scenario: str | None = None
) -> tuple[FundResults, FundResults | None]:
    """The fund's books without its pipeline, and with it at expected value (``None`` without pipeline
    entries); every contract start is run once."""
    starts = run_starts(fund, contracts, scenario)
    signed = fund_ledger(fund, starts)
    return signed, (fund_ledger(fund, starts, pipeline=True) if fund.pipeline else None)

def contributor_charges(r: FundResults) -> list[tuple[int, int, int]]:
    """Per contributor: ``(commitment, paid in, charged)`` in cents. Charged: its part of the contributions the
    fund has spent by the end of its books (all contributions less the final balance, between 0 and all
    contributions), split in proportion to what each paid in (largest remainder): so no contributor is charged
    more than it paid in, nor (unless its schedule may exceed it) more than its commitment."""
    paid = [
        int(sum(f.amounts.sum() for f in r.flows if f.why is FundWhy.CONTRIBUTION and f.source == c.id))
        for c in r.fund.contributors
    ]
    spent = min(max(sum(paid) - int(r.balance[-1]), 0), sum(paid))
    charged = allocate(spent, paid) if sum(paid) else [0] * len(paid)
    return list(zip([c.commitment for c in r.fund.contributors], paid, charged, strict=True))
