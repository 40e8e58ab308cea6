"""How much money and memory a contract can need, against the ranges the engine computes exactly in.

``money_scale`` bounds every kind of money the engine can move for a contract, ``cells_per_scenario``
the size of one scenario's arrays; ``limit_problems`` refuses a contract that exceeds
``sibkit.limits``. Upper bounds are rounded up to whole cents (``_ceil``) so they stay bounds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sibkit.errors import Problem
from sibkit.facts import N_, Count, Money, Phrase, Word
from sibkit.limits import MAX_CELLS_PER_SCENARIO, MAX_SCALE_CENTS, MAX_SUCCESS
from sibkit.model.capital import Loan
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff

if TYPE_CHECKING:
    from sibkit.model.contract import Contract

__all__ = ["cells_per_scenario", "limit_problems", "money_scale"]

Part = tuple[int, str, str]
"""``(cents, path, what)``: one upper bound of ``money_scale``; ``what`` names it, a message marked with ``N_``
(``cost per participant × participants``), translated where it is shown."""


def _ceil(x: Decimal) -> int:
    return int(-((-x) // 1))


def _enrolment_factor(c: Contract, provider: str) -> Decimal:
    """The most a provider's planned enrolment is scaled by: a scenario's factor, or the top of a Monte
    Carlo range (``sibkit simulate`` draws the factor from a normal curve clipped at mean + 8 sd)."""
    factor = Decimal(1)
    for sc in c.scenarios:
        for e in sc.enrolment:
            if e.provider == provider:
                factor = max(factor, e.factor)
    if c.uncertainty is not None:
        for u in c.uncertainty.enrolment:
            if u.provider == provider:
                factor = max(factor, (u.low + u.high) / 2 + 8 * (u.high - u.low) / Decimal("3.29"))
    return factor


def _participants(c: Contract) -> dict[str, int]:
    """The most participants each provider can have: the larger of plan and capacity, times its
    largest enrolment factor, rounded up."""
    return {
        prov.id: _ceil(max(prov.enrolment.participants, prov.capacity) * _enrolment_factor(c, prov.id))
        for prov in c.providers
    }


def _provider_parts(c: Contract, people: dict[str, int]) -> list[Part]:
    months = c.timeline.term_months
    out: list[Part] = []
    for i, prov in enumerate(c.providers):
        n = people[prov.id]
        path = f"providers[{i}]"
        out.append(
            (prov.cost_per_participant * n, f"{path}.cost_per_participant", N_("cost per participant × participants"))
        )
        out.append((prov.fixed_cost_monthly * months, f"{path}.fixed_cost_monthly", N_("fixed cost × months")))
        out.append((prov.other_income_monthly * months, f"{path}.other_income_monthly", N_("other income × months")))
        out.append((prov.buffer + prov.minimum_cash, f"{path}.buffer", N_("buffer and minimum cash")))
    return out


class _Counts:
    """The largest units per participant and expected rate any scenario gives each metric (at least 1)."""

    def __init__(self, c: Contract) -> None:
        self.units: dict[str, Decimal] = {}
        self.rates: dict[str, Decimal] = {}
        metrics = {m.id: m for m in c.metrics}
        for sc in c.scenarios:
            for o in sc.outcomes:
                self.units[o.metric] = max(self.units.get(o.metric, Decimal(1)), o.units or Decimal(1))
                self.rates[o.metric] = max(self.rates.get(o.metric, Decimal(1)), o.expected_rate(metrics[o.metric]))


def _rule_total(c: Contract, rule: PaymentRule, n: int, counts: _Counts) -> Decimal:
    """The most ``rule`` can pay ``n`` participants over the term, before VAT."""
    units = counts.units
    if isinstance(rule, Tariff):
        return Decimal(max([int(rule.price_per_participant), *rule.segment_prices.values()])) * n
    if isinstance(rule, RateCard):
        total = Decimal(0)
        for entry in rule.entries:
            per = units.get(entry.metric, Decimal(1)) if entry.repeatable else Decimal(1)
            if entry.repeatable and entry.max_per_participant is not None:
                per = min(per, Decimal(entry.max_per_participant))
            total += max([entry.price, *entry.segment_prices.values()]) * n * _ceil(per)
        return total
    if isinstance(rule, PerTime):
        per = units.get(rule.metric, Decimal(1))
        if rule.max_units_per_participant is not None:
            per = min(per, Decimal(rule.max_units_per_participant))
        return Decimal(rule.price_per_unit) * n * _ceil(per)
    if isinstance(rule, ShareOfSavings):
        savings = {s.metric: s.amount_per_unit for s in c.savings}
        return Decimal(savings.get(rule.metric, 0)) * n * _ceil(units.get(rule.metric, Decimal(1)))
    return _cohort_total(c, rule, n, counts)


def _cohort_total(c: Contract, rule: CohortThreshold, n: int, counts: _Counts) -> Decimal:
    """Every cohort's largest tier amount, plus the largest price per unit for ``MAX_SUCCESS`` times
    the largest improvement of the baseline a scenario gives."""
    metric = {m.id: m for m in c.metrics}.get(rule.metric)
    baseline = metric.baseline if metric is not None and metric.baseline is not None else Decimal(0)
    cohorts = -(-c.timeline.enrolment_months // rule.cohort_months)
    price = max([int(t.price_per_unit) for t in rule.tiers] + [int(rule.pooled_price_per_unit or 0)])
    improvement = baseline * n * counts.rates.get(rule.metric, Decimal(1)) * MAX_SUCCESS
    return Decimal(max(t.amount for t in rule.tiers)) * cohorts + _ceil(improvement) * price


def _rule_parts(c: Contract, people: dict[str, int]) -> list[Part]:
    counts = _Counts(c)
    vat = 1 + c.vat_rate
    out: list[Part] = []
    for i, rule in enumerate(c.rules):
        n = sum(people.get(p, 0) for p in c.rule_providers(rule))
        out.append((_ceil(_rule_total(c, rule, n, counts) * vat), f"rules[{i}]", N_("its largest outcome payments")))
    return out


def _capital_parts(c: Contract) -> list[Part]:
    months = c.timeline.term_months
    out: list[Part] = []
    for i, t in enumerate(c.tranches):
        grows = Decimal(1)
        if isinstance(t, Loan):
            grows += t.coupon * months / 12
        if t.return_cap is not None and t.return_cap.irr is not None:
            # the return cap's hurdle balance grows at the capped IRR for the whole term
            years = Decimal(months) / 12
            hurdle = float(1 + t.return_cap.irr) ** float(years) if t.return_cap.irr else 1.0
            grows = max(grows, Decimal(min(hurdle, 1e30)))
        if t.return_cap is not None and t.return_cap.multiple is not None:
            grows = max(grows, t.return_cap.multiple)
        what = N_("commitment with its interest and return")
        out.append((_ceil(t.commitment * grows), f"tranches[{i}].commitment", what))
    for i, g in enumerate(c.guarantees):
        out.append((g.amount, f"guarantees[{i}].amount", N_("guarantee")))
    for i, f in enumerate(c.fees):
        times = months if f.basis == "monthly" else 1
        out.append((f.amount * times, f"fees[{i}].amount", N_("fee")))
    return out


def _payer_parts(c: Contract) -> list[Part]:
    out: list[Part] = []
    for i, payer in enumerate(c.payers):
        committed = sum(k.commitment for k in payer.contributors)
        out.append((max(payer.budget or 0, committed), f"payers[{i}]", N_("budget and commitments")))
    for i, cap in enumerate(c.caps):
        if cap.amount is not None:
            out.append((cap.amount, f"caps[{i}].amount", N_("cap")))
    return out


def money_scale(c: Contract) -> list[Part]:
    """Upper bounds, in cents, of every kind of money the engine can move for ``c`` over the whole term.

    Each entry is ``(cents, path, what)``; their sum bounds every balance, running total and
    payment the engine forms (``sibkit.limits.MAX_SCALE_CENTS``). Counts are taken at their largest:
    a provider's participants at the larger of its plan and capacity, times its largest enrolment
    factor; units per participant at the largest a scenario gives; cohort improvements at
    ``MAX_SUCCESS`` times the largest a scenario gives; VAT at the contract's rate.
    Entries come in the order providers, rules, tranches, guarantees, fees, payers, caps.
    """
    people = _participants(c)
    return [*_provider_parts(c, people), *_rule_parts(c, people), *_capital_parts(c), *_payer_parts(c)]


def cells_per_scenario(c: Contract) -> int:
    """How many int64 cells one scenario needs in the engine's arrays (an estimate from above).

    Months × (providers × segments × (enrolled, achieved and units of every metric, costs) +
    payment lines × (by enrolment month per segment, due per payer, before and after a savings
    share) + the ledger's accounts).
    """
    months = c.timeline.term_months
    providers, segments, metrics = len(c.providers), max(1, len(c.segments)), len(c.metrics)
    lines = sum(len(r.metrics()) * len(c.rule_providers(r)) for r in c.rules)
    payers = len(c.payers) + sum(len(p.contributors) for p in c.payers)
    accounts = lines * payers + 8 * (len(c.tranches) + len(c.fees) + providers + payers + len(c.guarantees))
    per_month = providers * segments * (2 * metrics + 2) + lines * (2 * segments + 2 * payers + 2) + accounts
    return months * per_month


def limit_problems(c: Contract) -> list[Problem]:
    """The contract as a whole must stay inside the engine's exact ranges (``sibkit.limits``)."""
    out: list[Problem] = []
    parts = money_scale(c)
    scale = sum(cents for cents, _, _ in parts)
    if scale > MAX_SCALE_CENTS:
        cents, path, what = max(parts)
        out.append(
            Problem(
                path,
                Phrase.of(
                    N_(
                        "the money this contract can move adds up to as much as %(scale)s, more than the "
                        "%(limit)s sibkit computes exactly; the largest part is here: %(what)s, up to %(part)s"
                    ),
                    scale=Money(scale, c.currency),
                    limit=Money(MAX_SCALE_CENTS, c.currency),
                    what=Word(what),
                    part=Money(cents, c.currency),
                ),
            )
        )
    cells = cells_per_scenario(c)
    if cells > MAX_CELLS_PER_SCENARIO:
        out.append(
            Problem(
                "",
                Phrase.of(
                    N_(
                        "one scenario of this contract needs about %(cells)s numbers in memory (%(megabytes)s MB), "
                        "more than the %(limit)s sibkit supports: fewer months, providers, segments, "
                        "metrics, rules or payers"
                    ),
                    cells=Count(cells),
                    megabytes=Count(cells * 8 // 10**6),
                    limit=Count(MAX_CELLS_PER_SCENARIO),
                ),
            )
        )
    return out
