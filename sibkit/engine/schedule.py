"""From a batch of scenarios to what falls due: provider costs and outcome payment lines.

Rounding: a tariff component's price per participant is ``price × weight``
rounded half up to the cent once (€3,500 × 70% = €2,450.00); rate-card and
per-time prices are whole cents already; a share-of-savings line is
``units × saving × share`` rounded half up once per line and month; a cohort
payment is ``tier amount + units × price`` with the units product rounded half
up to the cent once per cohort. Cuts by caps are shared out by the
largest-remainder method.

Outcomes verified after the end of the term are not paid; they are counted in
``Schedule.unpaid_after_term``.
"""

from __future__ import annotations

import math
from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.engine.batch import Batch, axes
from sibkit.model import Contract
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import allocate_array, round_half_up

__all__ = ["Line", "Schedule", "payment_months", "schedule"]

I64 = npt.NDArray[np.int64]


@attrs.frozen(kw_only=True)
class Line:
    """One payment line: a rule paying for one metric delivered by one provider."""

    index: int
    rule: str
    metric: str
    metric_index: int
    provider: str
    provider_index: int
    payers: tuple[tuple[int, Decimal], ...]
    """(payer index, share) pairs."""
    savings: bool = False
    """A share-of-savings line: its share may change once investors are repaid."""


@attrs.frozen(kw_only=True, eq=False)
class Schedule:
    """What falls due, before the caps applied month by month."""

    lines: tuple[Line, ...]
    costs: I64
    """(N, T, P) provider spending per month, cents."""
    due: I64
    """(N, T, L, K) outcome payments falling due per payment month, line and payer, before in-loop caps."""
    due_after: I64
    """Same as ``due`` with share-of-savings lines at their ``share_after``."""
    units_paid_for: I64
    """(N, M) units of each metric for which a payment falls due."""
    unpaid_after_term: I64
    """(N,) cents of outcome payments verified after the term ends (not paid)."""
    participant_cap_cut: I64
    """(N,) cents removed by the participant cap."""


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
    ax = axes(contract)
    n, t_len = batch.n, ax.months
    costs = np.zeros((n, t_len, len(ax.providers)), dtype=np.int64)
    for p, prov in enumerate(contract.providers):
        starts = batch.enrolled[:, :, p, :].sum(axis=2)  # (N, T)
        total = starts * prov.cost_per_participant
        # spread each month's cost over the trajectory months by the profile (largest remainder per cohort month)
        weights = np.asarray([Fraction_int(s) for s in prov.cost_profile], dtype=np.int64)
        parts = allocate_array(total, weights)  # (N, T, len(profile))
        for k in range(parts.shape[-1]):
            if k < t_len:
                costs[:, k:, p] += parts[:, : t_len - k, k]
        costs[:, : contract.timeline.service_months, p] += prov.fixed_cost_monthly
    return costs


def Fraction_int(share: Decimal) -> int:
    """A share as an integer weight in millionths (cost profiles are given to at most 6 decimals)."""
    return round_half_up(int(share * 10**9), 1000)


def _unit_price(rule: PaymentRule, metric: str, segment: str | None) -> tuple[int, bool, int | None]:
    """(price per unit in cents, repeatable, max units per participant) of a per-participant line."""
    if isinstance(rule, Tariff):
        price = rule.segment_prices.get(segment, rule.price_per_participant) if segment else rule.price_per_participant
        weight = next(c.weight for c in rule.components if c.metric == metric)
        num, den = weight.as_integer_ratio()
        return round_half_up(price * num, den), False, 1
    if isinstance(rule, RateCard):
        entry = next(e for e in rule.entries if e.metric == metric)
        price = entry.segment_prices.get(segment, entry.price) if segment else entry.price
        return price, entry.repeatable, (entry.max_per_participant if entry.repeatable else 1)
    if isinstance(rule, PerTime):
        return rule.price_per_unit, True, rule.max_units_per_participant
    raise TypeError(type(rule).__name__)  # pragma: no cover


def schedule(contract: Contract, batch: Batch) -> Schedule:
    """Costs and outcome payment lines due for every scenario of ``batch``."""
    ax = axes(contract)
    n, t_len = batch.n, ax.months
    tl = contract.timeline
    pay = payment_months(contract)
    payer_index = {p.id: k for k, p in enumerate(contract.payers)}
    metric_index = {m: i for i, m in enumerate(ax.metrics)}
    provider_index = {p: i for i, p in enumerate(ax.providers)}
    metrics = {m.id: m for m in contract.metrics}
    savings = {s.metric: s for s in contract.savings}

    # milestone chains: nobody achieves a step without the steps it requires
    achieved = batch.achieved.copy()
    units = batch.units.copy()
    for _ in range(len(ax.metrics)):
        for m, metric in enumerate(contract.metrics):
            for req in metric.requires:
                limit = achieved[..., metric_index[req]]
                over = achieved[..., m] > limit
                if np.any(over):
                    ratio_keep = np.where(achieved[..., m] > 0, limit / np.maximum(achieved[..., m], 1), 0)
                    units[..., m] = np.where(over, np.floor(units[..., m] * ratio_keep).astype(np.int64), units[..., m])
                    achieved[..., m] = np.minimum(achieved[..., m], limit)

    lines: list[Line] = []
    # per line, amounts by enrolment month (N, T) and by segment; then scattered to payment months
    by_enrol: list[I64] = []
    by_enrol_after: list[I64] = []
    offsets: list[I64] = []  # (S,) offset incl. lag per line
    per_participant: list[bool] = []
    achievers: list[I64] = []  # (N, T, S) per line, for the participant cap
    direct: list[tuple[int, I64, I64]] = []  # cohort lines: (line, due (N, T+1), due_after)
    units_paid = np.zeros((n, len(ax.metrics)), dtype=np.int64)

    for rule in contract.rules:
        payers = tuple((payer_index[pid], share) for pid, share in contract.rule_payers(rule))
        for metric_id in rule.metrics():
            m = metric_index[metric_id]
            metric = metrics[metric_id]
            for prov_id in contract.rule_providers(rule):
                p = provider_index[prov_id]
                line = Line(
                    index=len(lines),
                    rule=rule.id,
                    metric=metric_id,
                    metric_index=m,
                    provider=prov_id,
                    provider_index=p,
                    payers=payers,
                    savings=isinstance(rule, ShareOfSavings),
                )
                if isinstance(rule, CohortThreshold):
                    due = _cohort_due(contract, rule, batch, p, m, pay)
                    lines.append(line)
                    direct.append((line.index, due, due))
                    continue
                amounts = np.zeros((n, t_len, len(ax.segments)), dtype=np.int64)
                amounts_after = np.zeros_like(amounts)
                got = np.zeros_like(amounts)
                for s, seg in enumerate(ax.segments):
                    a = achieved[:, :, p, s, m]
                    u = units[:, :, p, s, m]
                    if isinstance(rule, ShareOfSavings):
                        saving = savings[metric_id].amount_per_unit
                        for share, target in ((rule.share, amounts), (rule.share_after, amounts_after)):
                            num, den = (Decimal(saving) * share).as_integer_ratio()
                            target[:, :, s] = (2 * u * num + den) // (2 * den)
                        got[:, :, s] = a
                        units_paid[:, m] += u.sum(axis=1)
                        continue
                    price, repeatable, max_units = _unit_price(rule, metric_id, seg)
                    paid_units = u if repeatable else a
                    if max_units is not None:
                        paid_units = np.minimum(paid_units, a * max_units)
                    amounts[:, :, s] = paid_units * price
                    amounts_after[:, :, s] = amounts[:, :, s]
                    got[:, :, s] = a
                    units_paid[:, m] += paid_units.sum(axis=1)
                lines.append(line)
                by_enrol.append(amounts)
                by_enrol_after.append(amounts_after)
                offsets.append(batch.offset[p, :, m] + metric.lag_months)
                per_participant.append(True)
                achievers.append(got)
                direct.append((line.index, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))

    participant_cut = np.zeros(n, dtype=np.int64)
    caps = [c.amount for c in contract.caps if c.level == "participant"]
    if caps and by_enrol:
        participant_cut = _participant_cap(min(caps), lines, by_enrol, achievers, by_enrol_after)

    n_lines, k_len = len(lines), len(contract.payers)
    due_lines = np.zeros((n, t_len + 1, n_lines), dtype=np.int64)
    due_lines_after = np.zeros_like(due_lines)
    j = 0
    for index, cohort_due, cohort_after in direct:
        if cohort_due.size:
            due_lines[:, :, index] = cohort_due
            due_lines_after[:, :, index] = cohort_after
            continue
        amounts, amounts_after, off = by_enrol[j], by_enrol_after[j], offsets[j]
        j += 1
        for s in range(amounts.shape[2]):
            months = np.arange(t_len) + int(off[s])
            target = pay[np.minimum(months, len(pay) - 1)]
            for src, dst in ((amounts, due_lines), (amounts_after, due_lines_after)):
                np.add.at(dst[:, :, index], (slice(None), target), src[:, :, s])  # type: ignore[arg-type]
    unpaid = due_lines[:, t_len, :].sum(axis=1)
    due = np.zeros((n, t_len, n_lines, k_len), dtype=np.int64)
    due_after = np.zeros_like(due)
    for line in lines:
        weights = np.zeros(k_len, dtype=np.int64)
        for k, share in line.payers:
            weights[k] += round_half_up(int(share * 10**9), 1)
        due[:, :, line.index, :] = allocate_array(due_lines[:, :t_len, line.index], weights)
        due_after[:, :, line.index, :] = allocate_array(due_lines_after[:, :t_len, line.index], weights)
    _ = tl
    return Schedule(
        lines=tuple(lines),
        costs=_cost_matrix(contract, batch),
        due=due,
        due_after=due_after,
        units_paid_for=units_paid,
        unpaid_after_term=unpaid,
        participant_cap_cut=participant_cut,
    )


def _cohort_due(contract: Contract, rule: CohortThreshold, batch: Batch, p: int, m: int, pay: I64) -> I64:
    """(N, T+1) cohort payments by payment month for one provider."""
    metric = contract.metric(rule.metric)
    t_len = contract.timeline.term_months
    n = batch.n
    out = np.zeros((n, t_len + 1), dtype=np.int64)
    baseline = float(metric.baseline or 0)
    imp = batch.improvement[:, p, m]
    starts = [float(t.from_improvement) for t in rule.tiers]
    tier = np.searchsorted(np.asarray(starts), imp, side="right") - 1  # -1: below every tier
    amounts = np.asarray([t.amount for t in rule.tiers], dtype=np.int64)
    prices = np.asarray([t.price_per_unit for t in rule.tiers], dtype=np.float64)
    enrol = batch.enrolled[:, :, p, :].sum(axis=2)
    k = rule.cohort_months
    pooled = np.zeros(n, dtype=np.int64)
    for c0 in range(0, contract.timeline.enrolment_months, k):
        size = enrol[:, c0 : c0 + k].sum(axis=1)
        if not np.any(size):
            continue
        units = baseline * size * np.maximum(imp, 0.0)
        reached = tier >= 0
        safe = np.maximum(tier, 0)
        amount = np.where(reached, amounts[safe] + np.floor(units * prices[safe] + 0.5).astype(np.int64), 0)
        month = min(c0 + k - 1, contract.timeline.enrolment_months - 1) + metric.observation_months + metric.lag_months
        when = int(pay[min(month, len(pay) - 1)])
        out[:, when] += amount
        if rule.pooled_threshold is not None and rule.pooled_price_per_unit is not None:
            hit = (~reached) & (imp >= float(rule.pooled_threshold))
            pooled += np.where(hit, np.floor(units * rule.pooled_price_per_unit + 0.5).astype(np.int64), 0)
    out[:, t_len - 1] += pooled
    return out


def _participant_cap(
    cap: int, lines: list[Line], by_enrol: list[I64], achievers: list[I64], by_enrol_after: list[I64]
) -> I64:
    """Apply a per-participant cap to each group of participants (same provider, month, segment).

    Which participant achieved which outcomes is not in the counts, so the cap
    assumes outcomes are nested: whoever achieves a rarer outcome also achieved
    the more common ones. The per-person totals of each band are capped, and
    the cut is shared over the group's lines by the largest-remainder method.
    """
    per_line = [ln for ln in lines if True][: len(by_enrol)]
    n = by_enrol[0].shape[0]
    cut_total = np.zeros(n, dtype=np.int64)
    providers = sorted({ln.provider_index for ln in per_line})
    index_of = [i for i, ln in enumerate(lines) if True][: len(by_enrol)]
    _ = index_of
    for prov in providers:
        members = [i for i, ln in enumerate(per_line) if ln.provider_index == prov]
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
        new = allocate_array(allowed, amt)
        cut_total += (total - allowed).sum(axis=(1, 2))
        for j, i in enumerate(members):
            ratio_new = new[..., j]
            by_enrol_after[i][...] = np.minimum(by_enrol_after[i], ratio_new)
            by_enrol[i][...] = ratio_new
    return cut_total


_ = math
