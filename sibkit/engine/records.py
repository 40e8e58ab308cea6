"""The typed records the compiled month loop reads and writes: named tuples of arrays.

Numba compiles a ``typing.NamedTuple`` of arrays as a record of array views, without reference
counting (``sibkit.jit.jit_loop``), and caches it like any other argument type; records nest. So
the loop's interface is written once, here, and mypy checks every name:

* ``Terms`` (built by ``sibkit.engine.program``): the contract as integer arrays, in groups;
* ``Keys``: the ledger key number of every kind of movement the loop records;
* ``Out``: the arrays of ``Flows``, by the same names, plus the contract account's closing balance;
* ``Book``: the ledger's movements as the loop records them;
* ``State``: each scenario's running balances and work buffers (scratch space: the loop allocates nothing).

Amounts are integer cents. Shapes use N scenarios, T months, J tranches, K payers, P providers,
L payment lines, F fees, C caps, G guarantees.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Book", "Capital", "Caps", "Fees", "Funds", "Guarantees", "Keys", "Out", "ProviderTerms", "State"]
__all__ += ["PROVIDER_ARRAYS", "Steps", "Terms", "book", "out", "state"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]


class Caps(NamedTuple):
    """Caps applied month by month, in the order they bind, each over flat (line × K + payer) cells."""

    cells: I64
    """(C, most cells) each cap's cells."""
    size: I64
    """(C,) how many cells each cap has."""
    amount: I64
    """(C,) each cap's room over the term, before VAT."""


class Capital(NamedTuple):
    """The tranches' terms and the contract account's buckets."""

    commitment: I64
    """(J,) committed capital."""
    coupon: I64
    """(J, 2) yearly coupon as numerator, denominator (0/1 for grants and equity)."""
    has_hurdle: B1
    """(J,) whether the return is capped at an IRR."""
    hurdle_growth: F64
    """(J,) monthly growth of the hurdle balance: (1 + IRR cap)^(1/12)."""
    multiple: I64
    """(J, 2) return cap as a multiple of capital drawn (0/0: none)."""
    capped_return: B1
    """(J,) whether the tranche has a return cap (a return step pays it up to the cap)."""
    is_grant: B1
    """(J,) grants are never repaid."""
    investor_provider: I64
    """(J,) the investor's provider index, -1 when the investor is not a provider."""
    draw_kind: I64
    """(J,) ``UPFRONT``, ``SCHEDULE`` or ``AS_NEEDED``."""
    draw_start: I64
    """(J,) first month of drawing."""
    draw_amounts: I64
    """(J, most amounts) scheduled drawdowns."""
    draw_count: I64
    """(J,) how many scheduled drawdowns."""
    drawing_ends: int
    """Month from which no capital is drawn (the service term, or an early end)."""
    ends: int
    """Month the service ends early (term + 1 when it does not)."""
    buckets: int
    """Buckets of the contract account: 1, or 1 + metrics when tranches are repaid from named outcomes."""
    groups: I64
    """(J, most metrics) the buckets each tranche is repaid from."""
    group_size: I64
    """(J,) how many (0: from every bucket)."""


class Fees(NamedTuple):
    """The contract's fees."""

    accrual: I64
    """(T, F) what each fee adds to its amount due each month (fixed, monthly, percentage of capital)."""
    source: I64
    """(F,) ``FROM_CAPITAL``, ``FROM_OUTCOMES`` or ``FROM_PAYER``."""
    payer: I64
    """(F,) the payer paying a fee directly, -1 for others."""
    rate: I64
    """(F, 2) percentage of outcome payments as numerator, denominator (0/1 for other bases)."""
    payee_provider: I64
    """(F,) the payee's provider index, -1 when the payee is not a provider."""
    capital: I64
    """(fees paid from capital,) their indexes, in contract order."""


class Steps(NamedTuple):
    """The priority of payments as step codes."""

    kind: I64
    """(W,) ``FEES``, ``INTEREST``, ``PRINCIPAL``, ``RETURN`` or ``RESIDUAL``."""
    mode: I64
    """(W,) 0 sequential, 1 pro rata."""
    items: I64
    """(W, most items) the fees or tranches each step pays."""
    item_count: I64
    """(W,) how many items."""
    share_kind: I64
    """(W, most shares) a residual step's parties: ``TO_TRANCHE``, ``TO_FUND``, ``TO_PROVIDER``, ``TO_PAYER``."""
    share_target: I64
    """(W, most shares) the party's index among its kind."""
    share_weight: I64
    """(W, most shares) exact integer weights of the shares."""
    share_count: I64
    """(W,) how many shares."""
    ticks: int
    """Movements the non-residual steps record each month (a skipped month advances the clock by as much)."""
    residual_ticks: int
    """Movements the residual step records, once it runs."""


class Guarantees(NamedTuple):
    """Guarantees, each covering its tranches most senior first."""

    amount: I64
    """(G,) each guarantee's most."""
    coverage: I64
    """(G, 2) share of unrepaid principal covered, as numerator, denominator."""
    covers: I64
    """(G, most tranches) the tranches covered."""
    cover_count: I64
    """(G,) how many."""
    provider: I64
    """(G,) the guarantor's provider index, -1 when it is not a provider."""


class Funds(NamedTuple):
    """Pooled funds (payers with contributors) pass money on to and back from their contributors."""

    weight: I64
    """(K, most contributors) each contributor's commitment (1 each when all are 0)."""
    contributors: I64
    """(K,) how many contributors (0: not a pooled fund)."""


class ProviderTerms(NamedTuple):
    """Providers' own terms, and the provider and metric of each payment line."""

    buffer: I64
    """(P,) cash at the start."""
    minimum_cash: I64
    """(P,) the least cash a provider wants to hold."""
    other_income: I64
    """(P,) other income each service month."""
    funded_by_capital: B1
    """(P,) whether the contract account pays the provider's costs."""
    line_provider: I64
    """(L,) each payment line's provider."""
    line_metric: I64
    """(L,) each payment line's metric."""


class Terms(NamedTuple):
    """Everything the month loop reads about a contract (``sibkit.engine.program.program``)."""

    paying: B1
    """(T,) months in which any outcome payment can fall due."""
    has_account: bool
    """Whether the contract has tranches (and so a contract account)."""
    after: bool
    """Whether outcome payments change once every tranche is repaid (``Schedule.due_after``)."""
    vat: I64
    """(2,) VAT rate as numerator, denominator."""
    service_months: int
    """Months of service (other income stops after them)."""
    caps: Caps
    capital: Capital
    fees: Fees
    steps: Steps
    guarantees: Guarantees
    funds: Funds
    providers: ProviderTerms


class Keys(NamedTuple):
    """Ledger key numbers, by the movement the loop records (-1: never recorded)."""

    draw: I64
    """(J,) capital drawn."""
    fund: I64
    """(P,) costs funded from capital."""
    fee_account: I64
    """(F,) fees from the contract account."""
    contrib_outcome: I64
    """(K, most contributors) contributions to outcome payments."""
    vat: I64
    """(K,) VAT on outcome payments."""
    line: I64
    """(K, L) outcome payments per payer and line."""
    contrib_fee: I64
    """(F, most contributors) contributions to a fee a pooled fund pays."""
    fee_payer: I64
    """(F,) fees a payer pays directly."""
    tranche: I64
    """(J, 5) payments to a tranche, by ``R_INTEREST`` … ``R_UNUSED``."""
    fund_residual: I64
    """(1,) residual to the revolving fund."""
    provider_residual: I64
    """(P,) residual to a provider."""
    refund: I64
    """(K, 2) money back to a payer: from the residual, at settlement."""
    refund_contrib: I64
    """(K, 2, most contributors) the same, passed on to a pooled fund's contributors."""
    other_income: I64
    """(P,) other income."""
    costs: I64
    """(P,) delivery costs."""
    guarantee: I64
    """(G, most tranches) guarantee draws."""


class Out(NamedTuple):
    """What the loop writes for every scenario: the arrays of ``Flows`` by the same names (see there)."""

    tranche_cash: I64
    tranche_drawn: I64
    tranche_repaid: I64
    tranche_due_after: I64
    guarantee_paid: I64
    payer_paid: I64
    payer_vat: I64
    payer_fees: I64
    payer_refund: I64
    provider_cash: I64
    provider_lowest: I64
    provider_lowest_month: I64
    provider_months_below_zero: I64
    provider_months_below_minimum: I64
    provider_closing: I64
    provider_revenue: I64
    provider_cost: I64
    provider_other_income: I64
    provider_invested: I64
    fee_unpaid: I64
    interest_unpaid: I64
    cap_cut: I64
    line_paid: I64
    closing_account: I64
    """(N,) the contract account's balance after the settlement (must be 0)."""


class Book(NamedTuple):
    """The ledger as the loop records it."""

    moves: I64
    """(keys, N, T or Y) cents moved under each key: per month, or (without detail) per budget year. Keys first,
    so each key's movements are one contiguous block the ledger takes without gathering them."""
    slot_of: I64
    """(T,) the column of ``moves`` each month's movements go to without detail: its budget year's."""
    first: I64
    """(keys, N) with detail, else (keys, 1): the tick at which each key first moved in each scenario, or in
    any scenario (int64 max: never). The clock restarts each month of each scenario. Its numbers depend on
    the run (a month in which nothing falls due in any of its scenarios skips the payers' payments and their
    ticks), but the order of a scenario's first movements does not: in a month where only other scenarios
    have something due, a scenario's payments record zero amounts, which do not count as moving."""
    error: I64
    """(3,) the first negative movement: tick, key, month (-1: none)."""
    clock: I64
    """(1,) the ledger's clock: month × ``STAMP`` + movements recorded in the month so far."""
    month_ticks: I64
    """(T + 1,) movements recorded in each month by the first scenario; -2 where a scenario differs."""


class State(NamedTuple):
    """One scenario's running balances and the loop's work buffers."""

    drawn: I64
    """(J,) capital drawn."""
    left: I64
    """(J,) commitment not yet drawn."""
    principal: I64
    """(J,) principal outstanding."""
    repaid: I64
    """(J,) principal repaid."""
    interest: I64
    """(J,) interest accrued and unpaid."""
    received: I64
    """(J,) everything the tranche received."""
    hurdle: I64
    """(J,) what the tranche may still receive under an IRR cap (2^62: no cap)."""
    covered: I64
    """(J,) guarantee payments so far at the settlement."""
    fee_due: I64
    """(F,) each fee's amount due."""
    room: I64
    """(C,) each cap's room left."""
    bucket: I64
    """(buckets,) the contract account's outcome money, by bucket."""
    cash: I64
    """(P,) each provider's cash."""
    cap_cash: I64
    """(1,) capital drawn and not yet spent."""
    repaid_all: B1
    """(1,) whether every loan was repaid (after the month's priority of payments)."""
    due_m: I64
    """(L × K,) this month's outcome payments, after caps."""
    by_line: I64
    """(L,) this month's payments per line."""
    wanted: I64
    paid: I64
    weights: I64
    split: I64
    members: I64
    """Work buffers, each as long as the longest list the loop splits or pays."""


def out(n: int, months: int, detail: bool, sizes: dict[str, int]) -> Out:
    """Zeroed outputs for ``n`` scenarios (``sizes``: ``j``, ``k``, ``p``, ``g``, ``f``, ``l``)."""
    j, k, p = sizes["j"], sizes["k"], sizes["p"]
    kept = months if detail else 0

    def zeros(*shape: int) -> I64:
        return np.zeros(shape, dtype=np.int64)

    return Out(
        tranche_cash=zeros(n, months, j),
        tranche_drawn=zeros(n, j),
        tranche_repaid=zeros(n, j),
        tranche_due_after=zeros(n, kept, j),
        guarantee_paid=zeros(n, sizes["g"]),
        payer_paid=zeros(n, months, k),
        payer_vat=zeros(n, k),
        payer_fees=zeros(n, k),
        payer_refund=zeros(n, k),
        provider_cash=zeros(n, kept, p),
        **{name: zeros(n, p) for name in PROVIDER_ARRAYS[1:]},
        fee_unpaid=zeros(n, sizes["f"]),
        interest_unpaid=zeros(n, j),
        cap_cut=zeros(n),
        line_paid=zeros(n, sizes["l"]),
        closing_account=zeros(n),
    )


PROVIDER_ARRAYS = (
    "provider_cash",
    "provider_lowest",
    "provider_lowest_month",
    "provider_months_below_zero",
    "provider_months_below_minimum",
    "provider_closing",
    "provider_revenue",
    "provider_cost",
    "provider_other_income",
    "provider_invested",
)
"""The arrays of ``Out`` with one value per provider (``provider_cash`` also per month)."""


def book(n: int, months: int, detail: bool, keys: int, slot_of: I64) -> Book:
    """An empty ledger for ``n`` scenarios and ``keys`` kinds of movement; without ``detail`` one column per
    budget year, ``slot_of`` (T,) giving each month's column."""
    slots = int(slot_of.max(initial=0)) + 1
    return Book(
        moves=np.zeros((keys, n, months if detail else slots), dtype=np.int64),
        slot_of=np.ascontiguousarray(slot_of, dtype=np.int64),
        first=np.full((keys, n if detail else 1), np.iinfo(np.int64).max, dtype=np.int64),
        error=np.full(3, -1, dtype=np.int64),
        clock=np.zeros(1, dtype=np.int64),
        month_ticks=np.full(months + 1, -1, dtype=np.int64),
    )


def state(terms: Terms, lines: int, payers: int) -> State:
    """Scratch space for the loop on ``terms`` with ``lines`` payment lines and ``payers`` payers."""
    cap, fees, steps = terms.capital, terms.fees, terms.steps
    j_len, p_len = cap.commitment.size, terms.providers.buffer.size
    widths = [lines * payers, cap.buckets, 1, j_len, fees.source.size, terms.caps.amount.size, p_len]
    widths += [a.shape[1] for a in (steps.share_weight, terms.funds.weight, terms.caps.cells, cap.groups, steps.items)]
    size = max(widths) + payers

    def zeros(length: int) -> I64:
        return np.zeros(length, dtype=np.int64)

    return State(
        **{name: zeros(j_len) for name in ("drawn", "left", "principal", "repaid", "interest", "received")},
        **{name: zeros(j_len) for name in ("hurdle", "covered")},
        fee_due=zeros(fees.source.size),
        room=zeros(terms.caps.amount.size),
        bucket=zeros(cap.buckets),
        cash=zeros(p_len),
        cap_cash=zeros(1),
        repaid_all=np.zeros(1, dtype=np.bool_),
        due_m=zeros(lines * payers),
        by_line=zeros(lines),
        **{name: zeros(size) for name in ("wanted", "paid", "weights", "split", "members")},
    )
