"""From a batch of scenarios to what falls due: provider costs and outcome payment lines.

Rounding: a tariff component's price per participant is ``price × weight``
rounded half up to the cent once (€3,500 × 70% = €2,450.00); rate-card and
per-time prices are whole cents already; a share-of-savings line is
``units × saving × share`` rounded half up once per line and month; a cohort
payment is ``tier amount + units × price`` with the units product worked out
exactly (the improvement counted in trillionths) and rounded half up to the cent
once per cohort (see ``_cohort_due``). Cuts by caps and the split of a line
between its payers are shared out by the largest-remainder method
(``split.allocate_rows``: exact also where an amount times a weight needs more
than 64 bits).

Outcomes verified after the end of the term are not paid; they are counted in
``Schedule.unpaid_after_term``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Axes, Batch, axes, scenario_row
from sibkit.engine.split import allocate_rows
from sibkit.jit import jit
from sibkit.model import Contract
from sibkit.model.rules import Cap, CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import muldiv_array, share_weights

__all__ = ["Line", "Schedule", "payment_months", "ragged", "schedule"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@attrs.frozen(kw_only=True)
class Line:
    """One payment line: a rule paying for one metric delivered by one provider."""

    index: int
    rule: str
    metric: str
    metric_index: int
    provider: str
    provider_index: int
    payers: tuple[tuple[int, Fraction], ...]
    """(payer index, exact share) pairs."""
    savings: bool = False
    """A share-of-savings line: its share may change once investors are repaid."""
    segment: str | None = None
    """The difficulty segment whose participants this line pays for; ``None``: all of them. A
    per-participant line is split by segment only when the contract has a ``segment`` cap, so that
    the cap can cover the lines of its segment (without one, a line per segment would only cost time)."""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """``(rule, metric, provider, segment or "")``: the line's identity, whatever its position."""
        return (self.rule, self.metric, self.provider, self.segment or "")


@attrs.frozen(kw_only=True, eq=False)
class Schedule:
    """What falls due, before the caps applied month by month."""

    lines: tuple[Line, ...]
    costs: I64
    """(N, T, P) provider spending per month, cents."""
    due: I64
    """(N, T, L, K) outcome payments falling due per scenario, payment month, line and payer, before the
    caps applied month by month (scenario-major: the month loop reads one scenario's block at a time)."""
    due_after: I64
    """Same as ``due`` with share-of-savings lines at their ``share_after``."""
    units_paid_for: I64
    """(N, M) units of each metric achieved under a paying rule, before caps (see ``Results.outcome_units``)."""
    unpaid_after_term: I64
    """(N,) cents of outcome payments verified after the term ends (not paid)."""
    participant_cap_cut: I64
    """(N,) cents removed by the participant cap."""
    paying: npt.NDArray[np.bool_]
    """(T,) whether anything at all falls due in each month (months without payments are skipped)."""

    def row(self, i: int) -> Schedule:
        """Scenario ``i``'s schedule, as for that scenario alone: its rows (views), and the months in which it
        has anything due."""
        paying = (self.due[i] != 0).any(axis=(1, 2)) | (self.due_after[i] != 0).any(axis=(1, 2))
        return scenario_row(self, i, paying=paying)


def payment_months(contract: Contract) -> I64:
    """For each month a result is verified (0..T-1, plus later), the month it is paid; ``T`` means never.

    Results are paid on the next payment date on or after verification; the last
    month of the term is always a payment date (the final settlement).
    """
    tl = contract.timeline
    t_len = tl.term_months
    step = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "end": t_len}[tl.payment_frequency]
    dates = [m for m in range(t_len) if (m + 1) % step == 0] + [t_len - 1]
    horizon = 2 * t_len + 600
    out = np.full(horizon, t_len, dtype=np.int64)
    j = 0
    dates = sorted(set(dates))
    for m in range(t_len):
        while dates[j] < m:
            j += 1
        out[m] = dates[j]
    return out


def _cost_matrix(contract: Contract, batch: Batch) -> I64:
    """(N, T, P) provider spending: each participant's cost spread over the trajectory months by the
    cost profile (largest remainder, once per participant), plus fixed monthly costs over the service term."""
    ax = axes(contract)
    t_len = ax.months
    parts = ragged([_profile(p.cost_per_participant, p.cost_profile) for p in contract.providers], 0)
    service_end = contract.timeline.service_months
    stop = t_len
    if contract.termination is not None:  # the service ends early: no delivery costs from then on
        service_end = min(service_end, contract.termination.month)
        stop = min(contract.termination.month, t_len)
    fixed = np.asarray([p.fixed_cost_monthly for p in contract.providers], dtype=np.int64)
    costs = np.zeros((batch.n, t_len, len(ax.providers)), dtype=np.int64)
    _spend(batch.enrolled, parts, fixed, service_end, stop, costs)
    return costs


def ragged(rows: list[list[int]], fill: int = -1) -> I64:
    """Lists of different lengths as one (rows, longest) integer array, padded with ``fill``; never
    empty (at least one row and one column), so compiled loops may always index row 0."""
    width = max((len(r) for r in rows), default=0)
    out = np.full((max(len(rows), 1), max(width, 1)), fill, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


@jit
def _spend(enrolled: I64, parts: I64, fixed: I64, service_end: int, stop: int, costs: I64) -> None:
    """Fill ``costs`` (N, T, P): participants starting in month t cost ``parts[p, k]`` in month t + k
    (months from ``stop`` on cost nothing), plus ``fixed[p]`` in each month before ``service_end``."""
    n, t_len, p_len, s_len = enrolled.shape
    for i in range(n):
        for t in range(t_len):
            for p in range(p_len):
                starts = 0
                for s in range(s_len):
                    starts += enrolled[i, t, p, s]
                if starts:
                    for k in range(parts.shape[1]):
                        if t + k < stop:
                            costs[i, t + k, p] += starts * parts[p, k]
        for t in range(service_end):
            for p in range(p_len):
                costs[i, t, p] += fixed[p]


def _profile(cost: int, profile: tuple[Decimal, ...]) -> list[int]:
    """One participant's cost per trajectory month (largest remainder, so the parts add up to ``cost``)."""
    from sibkit.money import allocate

    return allocate(cost, list(profile))


def _unit_price(rule: PaymentRule, metric: str, segment: str | None) -> tuple[int, bool, int | None]:
    """(price per unit in cents, repeatable, max units per participant) of a per-participant line."""
    if isinstance(rule, Tariff):
        return rule.unit_price(metric, segment), False, 1
    if isinstance(rule, RateCard):
        entry = rule.entry(metric)
        max_units = entry.max_per_participant if entry.repeatable else 1
        return rule.unit_price(metric, segment), entry.repeatable, max_units
    if isinstance(rule, PerTime):
        return rule.price_per_unit, True, rule.max_units_per_participant
    raise TypeError(type(rule).__name__)  # pragma: no cover


@jit
def _price_units(
    a: I64, u: I64, price: int, repeatable: bool, max_units: int, out: I64, s: int, units_paid: I64, m: int
) -> None:
    """``out[:, :, s]`` = units paid for × price, cents, and ``units_paid[:, m]`` += those units: achievers
    (``a``, (N, T)) for one-off outcomes, units (``u``) capped at ``max_units`` per achiever (-1: no cap)
    for repeatable ones."""
    n, t_len = a.shape
    for i in range(n):
        total = 0
        for t in range(t_len):
            if repeatable:
                units = u[i, t]
                if max_units >= 0:
                    units = min(units, a[i, t] * max_units)
            else:
                units = a[i, t]
            out[i, t, s] = units * price
            total += units
        units_paid[i, m] += total


@jit
def _scatter(
    amounts: I64, targets: I64, line_at: I64, due_lines: I64, unpaid: I64, paying: npt.NDArray[np.bool_]
) -> None:
    """Add each per-participant line's payments by enrolment month (``amounts``: line, N, T, S) to the
    month they are paid in (``targets``: line, S, T), in ``due_lines`` (N, T, L) at the line's index
    ``line_at``; a month beyond the term adds to ``unpaid`` (N,). ``paying[month]`` marks months with a
    payment. One pass per scenario over every line."""
    lines, n, t_len, s_len = amounts.shape
    months = due_lines.shape[1]
    for i in range(n):
        for pos in range(lines):
            index = line_at[pos]
            for t in range(t_len):
                for s in range(s_len):
                    value = amounts[pos, i, t, s]
                    if value:
                        month = targets[pos, s, t]
                        if month < months:
                            due_lines[i, month, index] += value
                            paying[month] = True
                        else:
                            unpaid[i] += value


class _Clipped:
    """Achievers and units of each metric after milestone chains: nobody achieves a step without the
    steps it requires. Only the clipped metrics get new columns; the batch is never copied or changed."""

    def __init__(self, contract: Contract, batch: Batch) -> None:
        self.batch = batch
        self.achieved_cols: dict[int, I64] = {}
        self.units_cols: dict[int, I64] = {}
        metric_index = {m.id: i for i, m in enumerate(contract.metrics)}
        for _ in range(len(contract.metrics)):  # enough passes for the longest chain
            for m, metric in enumerate(contract.metrics):
                for req in metric.requires:
                    self._clip(m, self.achieved(metric_index[req]))

    def achieved(self, m: int) -> I64:
        """(N, T, P, S) achievers of metric ``m``."""
        return self.achieved_cols[m] if m in self.achieved_cols else self.batch.achieved[..., m]

    def units(self, m: int) -> I64:
        """(N, T, P, S) units of metric ``m``."""
        return self.units_cols[m] if m in self.units_cols else self.batch.units[..., m]

    def _clip(self, m: int, limit: I64) -> None:
        """At most ``limit`` achievers of ``m``; their units shrink in proportion, rounded down."""
        batch = self.batch
        got = self.achieved(m)
        over = got > limit
        if not over.any():
            return
        same_units = m not in self.units_cols and (
            batch.units is batch.achieved or np.array_equal(batch.units[..., m], got)
        )
        if same_units:  # one unit per achiever: units follow the clipped count
            self.achieved_cols[m] = self.units_cols[m] = np.minimum(got, limit)
        else:
            keep = np.where(got > 0, limit / np.maximum(got, 1), 0)
            units = self.units(m)
            self.units_cols[m] = np.where(over, np.floor(units * keep).astype(np.int64), units)
            self.achieved_cols[m] = np.minimum(got, limit)


class _Lines:
    """The payment lines of a schedule, as ``_build_lines`` makes them.

    A per-participant line's amounts are by enrolment month (N, T, S), each a contiguous block of
    ``amounts_all`` (position ``per_line[line index]``), scattered to payment months by ``_due_by_month``;
    a cohort line's payments are already by payment month (``direct``: N, T+1).
    """

    def __init__(self, contract: Contract, batch: Batch, ax: Axes) -> None:
        n = batch.n
        per_participant = len(by_segment(contract, ax)) * sum(
            len(rule.metrics()) * len(contract.rule_providers(rule))
            for rule in contract.rules
            if not isinstance(rule, CohortThreshold)
        )
        self.lines: list[Line] = []
        self.amounts_all = np.zeros((per_participant, n, ax.months, len(ax.segments)), dtype=np.int64)
        self.by_enrol: list[I64] = []
        self.by_enrol_after: list[I64 | None] = []
        self.offsets: list[I64] = []  # (S,) months from enrolment to payment, per line
        self.achievers: list[I64] = []  # (N, T, S) per line, for the participant cap
        self.direct: dict[int, I64] = {}
        self.per_line: dict[int, int] = {}  # line index -> position in by_enrol
        self.units_paid = np.zeros((n, len(ax.metrics)), dtype=np.int64)
        self.at_segment_price: dict[tuple[str, int, int], I64] = {}
        """(rule id, metric, segment position) -> (N, T, P) achievers paid the segment's price where a
        segment cap counts participants (``_segment_counts``); the others are paid the ordinary price."""

    @property
    def any_savings(self) -> bool:
        """Whether a share-of-savings line may pay a different share once investors are repaid."""
        return any(ln.savings for ln in self.lines)


def _segment_counts(
    contract: Contract, rule: Tariff | RateCard, metric: str, ax: Axes, achieved: I64, acc: _Lines
) -> None:
    """For each segment cap counting ``participants``: which of ``rule``'s achievers of ``metric`` in that
    segment are paid the segment's price, into ``acc.at_segment_price``.

    The first ``participants`` achievers are, in order of enrolment month over all the rule's providers;
    in the month the count runs out, what is left is split over the providers by the largest remainder
    of their achievers, ties to the provider whose id sorts first (never to the one listed first, so
    the order of ``providers`` changes no cent). Only one-off payments are counted (the contract's
    validation refuses a count over a per-unit segment price)."""
    m = ax.metrics.index(metric)
    providers = sorted(contract.rule_providers(rule))
    at = [ax.providers.index(p) for p in providers]
    for cap in contract.caps:
        if cap.level != "segment" or cap.participants is None:
            continue
        s = ax.segments.index(cap.target)
        if rule.unit_price(metric, cap.target) == rule.unit_price(metric, None):
            continue  # the rule pays this segment the ordinary price: nothing to count
        a = achieved[:, :, at, s]  # (N, T, P_rule), providers in id order
        paid = np.zeros_like(a)
        left = np.full(a.shape[0], cap.participants, dtype=np.int64)
        for t in range(a.shape[1]):
            take = np.minimum(left, a[:, t].sum(axis=1))
            paid[:, t] = allocate_rows(take, a[:, t])
            left -= take
        out = np.zeros(achieved.shape[:3], dtype=np.int64)
        out[:, :, at] = paid
        acc.at_segment_price[(rule.id, m, s)] = out


def by_segment(contract: Contract, ax: Axes) -> tuple[int | None, ...]:
    """The segment positions a per-participant line is split into: each segment when a ``segment`` cap
    needs lines of its own, else one line for all (``None``)."""
    return tuple(range(len(ax.segments))) if contract.lines_by_segment else (None,)


def covered_lines(cap: Cap, lines: Sequence[Line]) -> list[int] | None:
    """The indices of the payment lines a cap on money covers whole (all their payers): a segment cap its
    segment's lines (split for it), a metric cap its metric's or group's, a provider cap its provider's, the
    contract cap every line; ``None`` for the caps that do not (a payer cap covers its part of lines, the
    participant cap and a count of participants act before, in the schedule). The one definition the month
    loop's caps, the maximum payment and the shipped properties share."""
    if cap.amount is None:
        return None
    if cap.level == "segment":
        return [ln.index for ln in lines if ln.segment is not None and ln.segment == cap.target]
    if cap.level == "metric":
        return [ln.index for ln in lines if ln.metric in cap.metric_ids()]
    if cap.level == "provider":
        return [ln.index for ln in lines if ln.provider == cap.target]
    if cap.level == "contract":
        return [ln.index for ln in lines]
    return None


def room_before_vat(contract: Contract, amount: int, includes_vat: bool) -> int:
    """A cap's room before VAT, as the engine applies it: ``amount / (1 + vat_rate)`` rounded down to the cent
    when the cap counts VAT, else ``amount`` (cents)."""
    vat_num, vat_den = contract.vat_rate.as_integer_ratio()
    if includes_vat and vat_num:
        return (amount * vat_den) // (vat_den + vat_num)
    return amount


def _build_lines(contract: Contract, batch: Batch, ax: Axes, pay: I64) -> _Lines:
    """Every payment line, rule by rule, metric by metric, provider by provider, with its amounts."""
    payer_index = {p.id: k for k, p in enumerate(contract.payers)}
    metric_index = {m: i for i, m in enumerate(ax.metrics)}
    provider_index = {p: i for i, p in enumerate(ax.providers)}
    clipped = _Clipped(contract, batch)
    has_participant_cap = any(c.level == "participant" for c in contract.caps)
    split = by_segment(contract, ax)
    counts = any(c.level == "segment" and c.participants is not None for c in contract.caps)
    acc = _Lines(contract, batch, ax)
    cohort_due: dict[int, tuple[I64, I64]] = {}  # the current cohort rule's lines, by provider index
    for rule in contract.rules:
        payers = tuple((payer_index[pid], share) for pid, share in contract.rule_payers(rule))
        for metric_id in rule.metrics():
            m = metric_index[metric_id]
            if counts and isinstance(rule, (Tariff, RateCard)):
                _segment_counts(contract, rule, metric_id, ax, clipped.achieved(m), acc)
            if isinstance(rule, CohortThreshold):  # one computation for all its providers: the pooled test
                rule_providers = [provider_index[prov_id] for prov_id in contract.rule_providers(rule)]
                cohort_due = _cohort_due(contract, rule, batch, rule_providers, m, pay)
            for prov_id in contract.rule_providers(rule):
                p = provider_index[prov_id]
                cohort = isinstance(rule, CohortThreshold)
                for s in (None,) if cohort else split:
                    line = Line(
                        index=len(acc.lines),
                        rule=rule.id,
                        metric=metric_id,
                        metric_index=m,
                        provider=prov_id,
                        provider_index=p,
                        payers=payers,
                        savings=isinstance(rule, ShareOfSavings),
                        segment=None if s is None else ax.segments[s],
                    )
                    acc.lines.append(line)
                    if isinstance(rule, CohortThreshold):
                        acc.direct[line.index], counted = cohort_due[p]
                        acc.units_paid[:, m] += counted
                    else:
                        _price_line(contract, batch, ax, rule, line, clipped, acc, has_participant_cap, s)
    return acc


def _price_line(
    contract: Contract,
    batch: Batch,
    ax: Axes,
    rule: Tariff | RateCard | PerTime | ShareOfSavings,
    line: Line,
    clipped: _Clipped,
    acc: _Lines,
    has_participant_cap: bool,
    only: int | None = None,
) -> None:
    """A per-participant line's amounts by enrolment month and segment, added to ``acc`` (``only``: for
    the participants of that segment position alone, the other segments left at 0)."""
    m, p = line.metric_index, line.provider_index
    amounts = acc.amounts_all[len(acc.by_enrol)]
    amounts_after = np.zeros_like(amounts) if line.savings else None
    got = np.zeros_like(amounts) if has_participant_cap else amounts
    a_all, u_all = clipped.achieved(m), clipped.units(m)
    savings = {x.metric: x.amount_per_unit for x in contract.savings}
    for s, seg in enumerate(ax.segments):
        if only is not None and s != only:
            continue
        a = a_all[:, :, p, s]
        u = u_all[:, :, p, s]
        if isinstance(rule, ShareOfSavings):
            assert amounts_after is not None
            saving = savings[line.metric]
            for share, target in ((rule.share, amounts), (rule.share_after, amounts_after)):
                num, den = (Decimal(saving) * share).as_integer_ratio()
                # units × saving × share can pass 2^63 before the division: muldiv is exact
                q, r = muldiv_array(u, np.asarray(num), np.asarray(den))
                target[:, :, s] = q + (2 * r >= den)
            acc.units_paid[:, m] += u.sum(axis=1)
        else:
            price, repeatable, max_units = _unit_price(rule, line.metric, seg)
            cap = -1 if max_units is None else max_units
            counted = acc.at_segment_price.get((rule.id, m, s))
            if counted is None:
                _price_units(a, u, price, repeatable, cap, amounts, s, acc.units_paid, m)
            else:  # a segment cap counts participants: the others are paid the ordinary price
                ordinary, _, _ = _unit_price(rule, line.metric, None)
                _price_units(a, u, ordinary, repeatable, cap, amounts, s, acc.units_paid, m)
                amounts[:, :, s] += counted[:, :, p] * (price - ordinary)
        if has_participant_cap:
            got[:, :, s] = a
    acc.per_line[line.index] = len(acc.by_enrol)
    acc.by_enrol.append(amounts)
    acc.by_enrol_after.append(amounts_after)
    acc.offsets.append(batch.offset[p, :, m] + contract.metric(line.metric).lag_months)
    acc.achievers.append(got)


def _targets(contract: Contract, acc: _Lines, pay: I64, t_len: int, line_at: I64) -> I64:
    """(lines, S, T) the month each per-participant line's payments by enrolment month are paid in
    (``t_len``: never, as after an early end that stops paying), and ``line_at[pos]`` its line index."""
    term = contract.termination
    stop_paying = term.month if term is not None and not term.pay_outcomes_after else None
    s_len = acc.amounts_all.shape[3]
    targets = np.full((len(acc.by_enrol), s_len, t_len), t_len, dtype=np.int64)
    for line in acc.lines:
        if line.index in acc.direct:
            continue
        pos = acc.per_line[line.index]
        line_at[pos] = line.index
        for s in range(s_len):
            months = np.arange(t_len) + int(acc.offsets[pos][s])
            target = pay[np.minimum(months, len(pay) - 1)]
            if stop_paying is not None:  # outcomes after an early end are not paid: counted as unpaid
                event = np.arange(t_len) + int(acc.offsets[pos][s]) - contract.metric(line.metric).lag_months
                target = np.where(event >= stop_paying, t_len, target)
            targets[pos, s] = target
    return targets


def _due_by_month(
    contract: Contract, acc: _Lines, n: int, targets: I64, line_at: I64
) -> tuple[I64, I64, I64, npt.NDArray[np.bool_]]:
    """(N, T, L) payments due per scenario, payment month and line, the same with share-of-savings
    lines at ``share_after``, (N,) payments verified after the term (unpaid), and (T,) paying months.
    ``targets`` and ``line_at`` are ``_targets``'s."""
    t_len = contract.timeline.term_months
    any_savings = acc.any_savings
    # scenario-major: due_lines[scenario, payment month, line]; payments verified after the term go to unpaid
    due_lines = np.zeros((n, t_len, len(acc.lines)), dtype=np.int64)
    due_lines_after = np.zeros_like(due_lines) if any_savings else due_lines
    unpaid = np.zeros(n, dtype=np.int64)
    paying = np.zeros(t_len, dtype=np.bool_)
    for index, direct in acc.direct.items():
        due_lines[:, :, index] = direct[:, :t_len]
        unpaid += direct[:, t_len]
        paying |= direct[:, :t_len].any(axis=0)
        if any_savings:
            due_lines_after[:, :, index] = direct[:, :t_len]
    _scatter(acc.amounts_all, targets, line_at, due_lines, unpaid, paying)
    if any_savings:
        after_all = acc.amounts_all.copy()
        for pos, after in enumerate(acc.by_enrol_after):
            if after is not None:
                after_all[pos] = after
        _scatter(after_all, targets, line_at, due_lines_after, np.zeros(n, dtype=np.int64), paying)
    return due_lines, due_lines_after, unpaid, paying


def schedule(contract: Contract, batch: Batch) -> Schedule:
    """Costs and outcome payment lines due for every scenario of ``batch``."""
    ax = axes(contract)
    n = batch.n
    pay = payment_months(contract)
    acc = _build_lines(contract, batch, ax, pay)
    participant_cut = np.zeros(n, dtype=np.int64)
    line_at = np.zeros(len(acc.by_enrol), dtype=np.int64)
    targets = _targets(contract, acc, pay, contract.timeline.term_months, line_at)
    caps = [c.money for c in contract.caps if c.level == "participant"]
    if caps and acc.by_enrol:
        participant_cut = _participant_cap_within_term(min(caps), acc, targets)
    due_lines, due_lines_after, unpaid, paying = _due_by_month(contract, acc, n, targets, line_at)
    k_len = len(contract.payers)
    due = _split_payers(acc.lines, due_lines, k_len)
    # share-of-savings lines may pay a different share once investors are repaid
    due_after = _split_payers(acc.lines, due_lines_after, k_len) if acc.any_savings else due
    return Schedule(
        lines=tuple(acc.lines),
        costs=_cost_matrix(contract, batch),
        due=due,
        due_after=due_after,
        units_paid_for=acc.units_paid,
        unpaid_after_term=unpaid,
        participant_cap_cut=participant_cut,
        paying=paying,
    )


def payer_weights(line: Line, k_len: int) -> list[int]:
    """The smallest integer weights (K,) in exact proportion to the payers' shares of ``line``
    (``share_weights``: three payers of ``"1/3"`` weigh 1:1:1), zero for payers not paying it."""
    by_payer = [Fraction(0)] * k_len
    for k, share in line.payers:
        by_payer[k] += share
    return share_weights(by_payer)


def _split_payers(lines: tuple[Line, ...] | list[Line], due_lines: I64, k_len: int) -> I64:
    """(N, T, L) line payments split over payers by their shares: (N, T, L, K), largest remainder."""
    n, t_len, n_lines = due_lines.shape
    if k_len == 1:  # one payer pays everything: a view, no copy
        single: I64 = due_lines[..., None]
        return single
    due = np.zeros((n, t_len, n_lines, k_len), dtype=np.int64)
    for line in lines:
        weights = np.asarray(payer_weights(line, k_len), dtype=np.int64)
        if np.count_nonzero(weights) == 1:  # one payer pays the whole line: nothing to split
            due[:, :, line.index, int(np.argmax(weights))] = due_lines[:, :, line.index]
        else:
            due[:, :, line.index, :] = allocate_rows(due_lines[:, :, line.index], weights)
    return due


IMPROVEMENT_STEPS = 10**12
"""Cohort improvements are counted in trillionths (twelve decimal places), rounded half up, so that the
tier and pooled tests and every cohort amount are exact integer arithmetic. An improvement written with
up to twelve decimals (``0.075``) is taken exactly; a sampled one moves by at most half a trillionth,
far below a cent for any realistic cohort."""


def _steps(improvement: F64) -> I64:
    """Improvements (fractions) in trillionths, rounded half up."""
    return np.floor(improvement * IMPROVEMENT_STEPS + 0.5).astype(np.int64)


def _ceil_steps(start: Decimal) -> int:
    """The fewest whole trillionths that reach ``start`` (exact: ``steps >= _ceil_steps(x)`` iff
    ``steps / 10**12 >= x``)."""
    num, den = (start * IMPROVEMENT_STEPS).as_integer_ratio()
    return -(-num // den)


def _reduced(price: int, whole: int) -> tuple[int, int]:
    """``price / whole`` in lowest terms (keeps the products in ``_times_half_up`` small)."""
    g = math.gcd(price, whole)
    return price // g, whole // g


def _times_half_up(scaled: npt.NDArray[Any], price: int, whole: int) -> npt.NDArray[Any]:
    """``scaled × price / whole`` rounded half up, for ``scaled >= 0``, without forming ``scaled × price``:
    with ``price / whole`` in lowest terms ``P / W`` and ``scaled = q × W + r``, it is
    ``q × P + round_half_up(r × P / W)``."""
    big, small = _reduced(price, whole)
    q, r = scaled // small, scaled % small
    out: npt.NDArray[Any] = q * big + (2 * r * big + small) // (2 * small)
    return out


def _cohort_due(
    contract: Contract, rule: CohortThreshold, batch: Batch, providers: list[int], m: int, pay: I64
) -> dict[int, tuple[I64, I64]]:
    """For each provider index of ``providers``: (N, T+1) cohort payments by payment month, and (N,)
    units of improvement (events avoided, rounded half up) in the cohorts that were paid.

    A cohort is the participants of one provider who enrol in one block of ``cohort_months``; its
    improvement is its provider's. Its units are ``baseline × participants × improvement`` (nothing
    for an improvement at or below 0), exact: the baseline as a fraction, the improvement in
    trillionths. The highest tier a cohort reaches pays ``amount + units × price``, with the
    product rounded half up to the cent once per cohort, in the payment month after the cohort's
    last enrolment month plus the metric's observation and lag months.

    The pooled test is over all cohorts of the rule together, whichever provider: the pooled
    improvement is the average of the cohorts' improvements weighted by their participants,
    ``Σ participants × improvement / Σ participants`` over every cohort that is not cancelled
    (those that reached their own tiers included). As the baseline is the metric's, this is
    also the share of all counterfactual events avoided. When it is at least ``pooled_threshold``,
    each cohort that reached none of its own tiers is paid ``units × pooled_price_per_unit``
    (rounded half up once per cohort) at the end of the term. The test is exact: the sum of
    participants × trillionths is compared with the threshold times the participants, in integers.
    """
    metric = contract.metric(rule.metric)
    b_num, b_den = (metric.baseline or Decimal(0)).as_integer_ratio()
    whole = b_den * IMPROVEMENT_STEPS  # units of improvement = b_num × participants × steps / whole
    per_provider = _cohorts(contract, rule, batch, providers, m)
    wide = _wide(rule, per_provider, b_num, whole)
    pooled_hit = _pooled_hit(rule, per_provider, wide, batch.n)
    when = _cohort_months(contract, rule, pay)
    return {
        p: _cohort_payments(contract, rule, cohort, pooled_hit, when, b_num, whole, wide)
        for p, cohort in per_provider.items()
    }


_Cohorts = tuple[I64, I64, list[tuple[int, I64]]]
"""One provider's (N,) improvement in trillionths, (N,) highest tier reached (-1: none), and
``(first enrolment month, (N,) participants)`` of each cohort that is not cancelled."""


def _cohorts(
    contract: Contract, rule: CohortThreshold, batch: Batch, providers: list[int], m: int
) -> dict[int, _Cohorts]:
    """Each provider's improvement, tier reached and live cohorts (``_Cohorts``)."""
    starts = np.asarray([_ceil_steps(t.from_improvement) for t in rule.tiers], dtype=np.int64)
    k = rule.cohort_months
    enrolment_months = contract.timeline.enrolment_months
    live = [c0 for number, c0 in enumerate(range(0, enrolment_months, k)) if number not in rule.cancelled_cohorts]
    per_provider: dict[int, _Cohorts] = {}
    for p in providers:
        steps = _steps(batch.improvement[:, p, m])
        tier = np.searchsorted(starts, steps, side="right") - 1  # -1: below every tier
        enrol = batch.enrolled[:, :, p, :].sum(axis=2)
        per_provider[p] = (steps, tier, [(c0, enrol[:, c0 : c0 + k].sum(axis=1)) for c0 in live])
    return per_provider


def _wide(rule: CohortThreshold, per_provider: dict[int, _Cohorts], b_num: int, whole: int) -> type:
    """``np.int64`` when no intermediate value of the cohort sums can pass 2**62, else ``object``
    (Python integers: exact, slower)."""
    t_num, t_den = (rule.pooled_threshold or Decimal(0)).as_integer_ratio()
    pooled_price = rule.pooled_price_per_unit or 0
    most_people = sum(int(size.max(initial=0)) for _, _, sizes in per_provider.values() for _, size in sizes)
    most_steps = max((int(np.abs(steps).max(initial=0)) for steps, _, _ in per_provider.values()), default=0)
    most_scaled = max(b_num, 1) * most_people * most_steps
    bound = max(most_people * most_steps * t_den, t_num * IMPROVEMENT_STEPS * most_people, most_scaled)
    # price 1: the whole units counted (``_times_half_up(scaled, 1, whole)``), whose divisor is ``whole``
    # itself, past int64 for a baseline of seven or more decimals
    for price, amount in [(t.price_per_unit, t.amount) for t in rule.tiers] + [(pooled_price, 0), (1, 0)]:
        big, small = _reduced(price, whole)
        bound = max(bound, 2 * small * big + small, (most_scaled // small + 1) * big + amount)
    return np.int64 if bound < 2**62 else object


def _pooled_hit(rule: CohortThreshold, per_provider: dict[int, _Cohorts], wide: type, n: int) -> npt.NDArray[np.bool_]:
    """(N,) whether all live cohorts together reach the pooled threshold (exact, in integers)."""
    t_num, t_den = (rule.pooled_threshold or Decimal(0)).as_integer_ratio()
    weighted: npt.NDArray[Any] = np.zeros(n, dtype=wide)  # Σ participants × steps over every live cohort
    people: npt.NDArray[Any] = np.zeros(n, dtype=wide)  # Σ participants
    for steps, _, sizes in per_provider.values():
        for _, size in sizes:
            weighted += size.astype(wide) * steps.astype(wide)
            people += size.astype(wide)
    pooled_hit = np.zeros(n, dtype=np.bool_)
    if rule.pooled_threshold is not None:
        pooled_hit = ((people > 0) & (weighted * t_den >= t_num * IMPROVEMENT_STEPS * people)).astype(np.bool_)
    return pooled_hit


def _cohort_months(contract: Contract, rule: CohortThreshold, pay: I64) -> dict[int, int]:
    """The month each cohort (by its first enrolment month) is paid in: the payment month after its last
    enrolment month plus the metric's observation and lag months."""
    metric = contract.metric(rule.metric)
    k, enrolment_months = rule.cohort_months, contract.timeline.enrolment_months
    out: dict[int, int] = {}
    for c0 in range(0, enrolment_months, k):
        last = min(c0 + k - 1, enrolment_months - 1)
        out[c0] = int(pay[min(last + metric.observation_months + metric.lag_months, len(pay) - 1)])
    return out


def _cohort_payments(
    contract: Contract,
    rule: CohortThreshold,
    cohort: _Cohorts,
    pooled_hit: npt.NDArray[np.bool_],
    when: dict[int, int],
    b_num: int,
    whole: int,
    wide: type,
) -> tuple[I64, I64]:
    """One provider's (N, T+1) cohort payments by payment month and (N,) units counted in paid cohorts."""
    steps, tier, sizes = cohort
    n, t_len = steps.shape[0], contract.timeline.term_months
    pooled_price = rule.pooled_price_per_unit or 0
    out = np.zeros((n, t_len + 1), dtype=np.int64)
    counted = np.zeros(n, dtype=np.int64)
    pooled = np.zeros(n, dtype=np.int64)
    reached = tier >= 0
    hit = ~reached & pooled_hit
    gained: npt.NDArray[Any] = np.maximum(steps, 0).astype(wide) * b_num
    for c0, size in sizes:
        if not np.any(size):
            continue
        scaled = gained * size.astype(wide)  # units × whole, exact
        whole_units = _times_half_up(scaled, 1, whole).astype(np.int64)
        cents = np.zeros(n, dtype=np.int64)
        for j, t in enumerate(rule.tiers):
            at = tier == j
            if at.any():
                cents[at] = t.amount + _times_half_up(scaled[at], t.price_per_unit, whole)
        counted += np.where(reached | hit, whole_units, 0)
        out[:, when[c0]] += cents
        if hit.any():
            pooled[hit] += _times_half_up(scaled[hit], pooled_price, whole).astype(np.int64)
    out[:, t_len - 1] += pooled
    return out, counted


def _participant_cap_within_term(cap: int, acc: _Lines, targets: I64) -> I64:
    """The participant cap (``_participant_cap``) on the payments made within the term, (N,) cents cut.

    A result verified after the term, or after an early end that stops paying, is never paid
    (``unpaid_after_term``): it takes no room under the cap from the results that are paid. Were it
    counted, the cap's cut would be shared with it, and one more late result would lower what is paid."""
    t_len = targets.shape[2]
    late = [targets[pos].T[np.newaxis] >= t_len for pos in range(len(acc.by_enrol))]  # (1, T, S) per line
    kept = [np.where(m, a, 0) for m, a in zip(late, acc.by_enrol, strict=True)]
    kept_after = [None if a is None else np.where(m, a, 0) for m, a in zip(late, acc.by_enrol_after, strict=True)]
    for m, a, after in zip(late, acc.by_enrol, acc.by_enrol_after, strict=True):
        a[...] = np.where(m, 0, a)  # in place: the blocks are views of amounts_all
        if after is not None:
            after[...] = np.where(m, 0, after)
    achievers = [np.where(m, 0, c) for m, c in zip(late, acc.achievers, strict=True)]
    aligned = [acc.lines[index] for index, _ in sorted(acc.per_line.items(), key=lambda item: item[1])]
    cut = _participant_cap(cap, aligned, acc.by_enrol, achievers, acc.by_enrol_after)
    for a, k, after, k_after in zip(acc.by_enrol, kept, acc.by_enrol_after, kept_after, strict=True):
        a += k
        if after is not None and k_after is not None:
            after += k_after
    return cut


def _participant_cap(
    cap: int, lines: list[Line], by_enrol: list[I64], achievers: list[I64], by_enrol_after: list[I64 | None]
) -> I64:
    """Apply a per-participant cap to each group of participants (same provider, month, segment).

    Which participant achieved which outcomes is not in the counts, so the cap
    assumes outcomes are nested: whoever achieves a rarer outcome also achieved
    the more common ones. The per-person totals of each band are capped, and
    the cut is shared over the group's lines by the largest-remainder method.
    """
    n = by_enrol[0].shape[0]
    cut_total = np.zeros(n, dtype=np.int64)
    providers = sorted({ln.provider_index for ln in lines})  # lines: the per-participant ones, as by_enrol
    for prov in providers:
        members = [i for i, ln in enumerate(lines) if ln.provider_index == prov]
        amt = np.stack([by_enrol[i] for i in members], axis=-1)  # (N, T, S, L)
        cnt = np.stack([achievers[i] for i in members], axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            each = np.where(cnt > 0, amt / np.maximum(cnt, 1), 0.0)
        order = np.argsort(-cnt, axis=-1, kind="stable")
        c_sorted = np.take_along_axis(cnt, order, axis=-1)
        u_sorted = np.take_along_axis(each, order, axis=-1)
        band = c_sorted - np.concatenate([c_sorted[..., 1:], np.zeros_like(c_sorted[..., :1])], axis=-1)
        person_total = np.cumsum(u_sorted, axis=-1)
        capped = (band * np.minimum(person_total, cap)).sum(axis=-1)
        total = amt.sum(axis=-1)
        allowed = np.minimum(total, np.floor(capped + 1e-6).astype(np.int64))
        new = allocate_rows(allowed, amt)
        cut_total += (total - allowed).sum(axis=(1, 2))
        for j, i in enumerate(members):
            after = by_enrol_after[i]
            if after is not None:
                after[...] = np.minimum(after, new[..., j])
            by_enrol[i][...] = new[..., j]
    return cut_total
