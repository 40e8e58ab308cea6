"""The rules that need the whole contract, as a list of small named validations run in order.

Each validation is a plain function ``(contract, refs) -> Iterator[Problem]`` that looks at one part
of the contract (the payers' shares, the links from rules to metrics, the priority of payments...)
and yields a ``Problem`` for every rule it finds broken; none raises. ``contract_problems`` runs
``VALIDATIONS`` in order, so problems come out in the order of the parts they concern, and a
contract whose references all hold is then checked against the engine's exact ranges
(``sibkit.model.scale``). ``Refs`` holds the ids every part may point at, collected once.

The style follows beancount's ``ops/validation.py``: one function per rule, a tuple of them, and
a driver that collects what they report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

import attrs

from sibkit.errors import Problem, did_you_mean, quoted, show
from sibkit.facts import N_, Count, Fact, Money, Phrase
from sibkit.model.capital import Grant, Loan
from sibkit.model.common import Provenance, percent, shares_common_denominator, text_problems
from sibkit.model.outcomes import Metric
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.model.scale import limit_problems
from sibkit.model.scenario import Scenario
from sibkit.model.uncertainty import Uncertainty
from sibkit.model.waterfall import FeesStep, InterestStep, PrincipalStep, ResidualStep, ReturnStep

if TYPE_CHECKING:
    from sibkit.model.contract import Contract

__all__ = ["VALIDATIONS", "Kind", "Refs", "Validation", "contract_problems", "unknown"]


@attrs.frozen(kw_only=True)
class Refs:
    """The ids the parts of one contract may refer to, collected once (``Refs.of``)."""

    parties: tuple[tuple[str, str], ...]
    """``(id, path)`` of every party: payers and their contributors, providers, investors,
    intermediaries, evaluators and other parties, in file order (duplicates included)."""
    party_ids: frozenset[str]
    payer_ids: frozenset[str]
    provider_ids: frozenset[str]
    metric_ids: frozenset[str]
    metrics: Mapping[str, Metric]
    """Metric by id (the last one of a duplicated id)."""
    segment_ids: frozenset[str]
    tranche_ids: frozenset[str]
    fee_ids: frozenset[str]
    source_ids: frozenset[str]
    scenario_names: frozenset[str]

    @classmethod
    def of(cls, c: Contract) -> Refs:
        """The ids of ``c``."""
        parties: list[tuple[str, str]] = []
        for i, payer in enumerate(c.payers):
            parties.append((payer.id, f"payers[{i}].id"))
            parties.extend((k.id, f"payers[{i}].contributors[{j}].id") for j, k in enumerate(payer.contributors))
        parties += [(x.id, f"providers[{i}].id") for i, x in enumerate(c.providers)]
        parties += [(x.id, f"investors[{i}].id") for i, x in enumerate(c.investors)]
        parties += [(x.id, f"intermediaries[{i}].id") for i, x in enumerate(c.intermediaries)]
        parties += [(x.id, f"evaluators[{i}].id") for i, x in enumerate(c.evaluators)]
        parties += [(x.id, f"parties[{i}].id") for i, x in enumerate(c.parties)]
        return cls(
            parties=tuple(parties),
            party_ids=frozenset(i for i, _ in parties),
            payer_ids=frozenset(x.id for x in c.payers),
            provider_ids=frozenset(x.id for x in c.providers),
            metric_ids=frozenset(m.id for m in c.metrics),
            metrics={m.id: m for m in c.metrics},
            segment_ids=frozenset(s.id for s in c.segments),
            tranche_ids=frozenset(t.id for t in c.tranches),
            fee_ids=frozenset(f.id for f in c.fees),
            source_ids=frozenset(s.id for s in c.sources),
            scenario_names=frozenset(s.name for s in c.scenarios),
        )


Validation = Callable[["Contract", Refs], Iterator[Problem]]
"""One whole-contract rule: yields a ``Problem`` for each place that breaks it."""


Kind = Literal[
    "budget owner",
    "fee",
    "guarantor",
    "investor",
    "metric",
    "party",
    "payer",
    "provider",
    "residual party",
    "scenario",
    "segment",
    "source",
    "tranche",
]
"""The kinds of part a reference may name (``unknown``)."""

_UNKNOWN: dict[Kind, str] = {
    "budget owner": N_("unknown budget owner %(value)s%(hint)s expected one of: %(expected)s"),
    "fee": N_("unknown fee %(value)s%(hint)s expected one of: %(expected)s"),
    "guarantor": N_("unknown guarantor %(value)s%(hint)s expected one of: %(expected)s"),
    "investor": N_("unknown investor %(value)s%(hint)s expected one of: %(expected)s"),
    "metric": N_("unknown metric %(value)s%(hint)s expected one of: %(expected)s"),
    "party": N_("unknown party %(value)s%(hint)s expected one of: %(expected)s"),
    "payer": N_("unknown payer %(value)s%(hint)s expected one of: %(expected)s"),
    "provider": N_("unknown provider %(value)s%(hint)s expected one of: %(expected)s"),
    "residual party": N_("unknown residual party %(value)s%(hint)s expected one of: %(expected)s"),
    "scenario": N_("unknown scenario %(value)s%(hint)s expected one of: %(expected)s"),
    "segment": N_("unknown segment %(value)s%(hint)s expected one of: %(expected)s"),
    "source": N_("unknown source %(value)s%(hint)s expected one of: %(expected)s"),
    "tranche": N_("unknown tranche %(value)s%(hint)s expected one of: %(expected)s"),
}
"""The message for an unknown reference, one per kind (a translation may need the kind's gender)."""


def unknown(kind: Kind, value: str, known: AbstractSet[str], path: str) -> Iterator[Problem]:
    """``unknown <kind> 'x'; expected one of: ...`` at ``path`` when ``value`` is not in ``known``."""
    if value not in known:
        expected: Fact = quoted(sorted(known)) or Phrase.of(N_("none defined"))
        yield Problem(
            path,
            Phrase.of(_UNKNOWN[kind], value=repr(value), hint=did_you_mean(value, known) or ";", expected=expected),
        )


def texts(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Every text (the loader checks them as it reads a file; this catches a contract built in Python)."""
    for path, why in text_problems(c):
        yield Problem(path, why)


def _dupes(items: Iterable[tuple[str, str]]) -> Iterator[Problem]:
    items = list(items)
    seen = Counter(i for i, _ in items)
    reported: set[str] = set()
    for ident, path in items:
        if seen[ident] > 1 and ident not in reported:
            reported.add(ident)
            yield Problem(
                path,
                Phrase.of(
                    N_("id %(id)s is used %(times)s times; ids must be unique"),
                    id=repr(ident),
                    times=Count(seen[ident]),
                ),
            )


ENGINE_ACCOUNTS = frozenset({"contract-account", "costs", "other-income", "tax-authority", "revolving-fund"})
"""The accounts of the engine's own ledger (``sibkit.engine.ledger``): a party with one of these ids would
share its account with the engine's, and every account that reads it would mix the two."""


def unique_ids(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Ids are unique among the parties, and among each other kind of part; scenario names too. No party
    takes the id of one of the engine's own accounts (``ENGINE_ACCOUNTS``)."""
    for ident, path in refs.parties:
        if ident in ENGINE_ACCOUNTS:
            yield Problem(
                path,
                Phrase.of(
                    N_("id %(id)s is the name of one of sibkit's own ledger accounts (%(names)s); choose another"),
                    id=repr(ident),
                    names=", ".join(sorted(ENGINE_ACCOUNTS)),
                ),
            )
    yield from _dupes(refs.parties)
    yield from _dupes((x.id, f"metrics[{i}].id") for i, x in enumerate(c.metrics))
    yield from _dupes((x.id, f"rules[{i}].id") for i, x in enumerate(c.rules))
    yield from _dupes((x.id, f"tranches[{i}].id") for i, x in enumerate(c.tranches))
    yield from _dupes((x.id, f"guarantees[{i}].id") for i, x in enumerate(c.guarantees))
    yield from _dupes((x.id, f"fees[{i}].id") for i, x in enumerate(c.fees))
    yield from _dupes((x.id, f"segments[{i}].id") for i, x in enumerate(c.segments))
    yield from _dupes((x.id, f"sources[{i}].id") for i, x in enumerate(c.sources))
    yield from _dupes((x.id, f"budgets[{i}].id") for i, x in enumerate(c.budgets))
    yield from _dupes((x.name, f"scenarios[{i}].name") for i, x in enumerate(c.scenarios))


def _payers_have_shares(c: Contract) -> bool:
    """Whether the payers' shares say who pays a rule that names no payer."""
    return len(c.payers) == 1 or all(x.share is not None for x in c.payers)


def payer_shares(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Several payers' shares are all given or none, sum to 100% and split exactly; a fund's budget
    is covered by its contributors' commitments."""
    shares = [x.share for x in c.payers]
    if len(c.payers) > 1 and any(s is not None for s in shares):
        if any(s is None for s in shares):
            yield Problem("payers", Phrase.of(N_("either every payer has a 'share' or none has")))
        else:
            given = [s for s in shares if s is not None]
            payer_total = sum(given, Fraction(0))
            if payer_total != 1:
                yield Problem(
                    "payers", Phrase.of(N_("payer shares sum to %(total)s, expected 100%"), total=percent(payer_total))
                )
            elif problem := shares_common_denominator(given, N_("the payer shares")):
                yield Problem("payers", problem)
    for i, payer in enumerate(c.payers):
        committed = sum(k.commitment for k in payer.contributors)
        if payer.contributors and payer.budget is not None and payer.budget > committed:
            yield Problem(
                f"payers[{i}].budget",
                Phrase.of(
                    N_("the fund's budget (%(budget)s) is more than its contributors commit (%(committed)s)"),
                    budget=Money(payer.budget, c.currency),
                    committed=Money(committed, c.currency),
                ),
            )


def provider_plans(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Each provider enrols within the window and its capacity, spreads exactly 100% of its costs,
    mixes known segments to 100%, and is funded if it does not pre-finance its own costs."""
    tl = c.timeline
    for i, prov in enumerate(c.providers):
        path = f"providers[{i}]"
        plan = prov.enrolment.per_month()
        if len(plan) > tl.enrolment_months and any(plan[tl.enrolment_months :]):
            yield Problem(
                f"{path}.enrolment",
                Phrase.of(
                    N_("enrolment runs to month %(month)s, after the enrolment window (months 0–%(last)s)"),
                    month=str(len(plan) - 1),
                    last=str(tl.enrolment_months - 1),
                ),
            )
        if prov.enrolment.participants > prov.capacity:
            yield Problem(
                f"{path}.enrolment",
                Phrase.of(
                    N_("plans %(planned)s participants, more than the capacity of %(capacity)s"),
                    planned=show(prov.enrolment.participants),
                    capacity=show(prov.capacity),
                ),
            )
        total = sum(prov.cost_profile, Decimal(0))
        if total != 1 or any(s < 0 for s in prov.cost_profile):
            yield Problem(
                f"{path}.cost_profile",
                Phrase.of(N_("cost profile sums to %(total)s, expected 100%"), total=percent(total)),
            )
        if c.segments and not prov.segment_mix:
            yield Problem(
                f"{path}.segment_mix", Phrase.of(N_("the contract has difficulty segments; give this provider's mix"))
            )
        for j, mix in enumerate(prov.segment_mix):
            yield from unknown("segment", mix.segment, refs.segment_ids, f"{path}.segment_mix[{j}].segment")
        if prov.segment_mix:
            mix_total = sum((m.share for m in prov.segment_mix), Fraction(0))
            if mix_total != 1:
                yield Problem(
                    f"{path}.segment_mix",
                    Phrase.of(N_("segment shares sum to %(total)s, expected 100%"), total=percent(mix_total)),
                )
            elif problem := shares_common_denominator([m.share for m in prov.segment_mix], N_("the segment shares")):
                yield Problem(f"{path}.segment_mix", problem)
        if not prov.prefinances_own_costs and not c.tranches:
            yield Problem(
                f"{path}.prefinances_own_costs",
                Phrase.of(
                    N_("the provider does not pre-finance its costs, but the contract has no tranches to fund them")
                ),
            )


def metric_links(c: Contract, refs: Refs) -> Iterator[Problem]:
    """A metric is measured by a known party, requires known metrics, and a cohort change has a baseline."""
    for i, m in enumerate(c.metrics):
        path = f"metrics[{i}]"
        if m.measured_by is not None and m.measured_by != "providers":
            yield from unknown("party", m.measured_by, refs.party_ids | {"providers"}, f"{path}.measured_by")
        for j, r in enumerate(m.requires):
            yield from unknown("metric", r, refs.metric_ids, f"{path}.requires[{j}]")
        if m.kind == "cohort_change" and m.baseline is None:
            yield Problem(
                f"{path}.baseline", Phrase.of(N_("a cohort_change metric needs 'baseline': the counterfactual level"))
            )


def _rule_references(c: Contract, refs: Refs, rule: PaymentRule, path: str) -> Iterator[Problem]:
    """The providers, payers, metrics and segments one rule names exist; someone pays it."""
    for j, prov_id in enumerate(rule.providers):
        yield from unknown("provider", prov_id, refs.provider_ids, f"{path}.providers[{j}]")
    for j, share in enumerate(rule.paid_by):
        yield from unknown("payer", share.payer, refs.payer_ids, f"{path}.paid_by[{j}].payer")
    if not rule.paid_by and not _payers_have_shares(c):
        yield Problem(
            f"{path}.paid_by",
            Phrase.of(
                N_("rule %(rule)s names no payer and the payers have no fixed shares: nobody pays for it"),
                rule=repr(rule.id),
            ),
        )
    if isinstance(rule, Tariff):
        for j, comp in enumerate(rule.components):
            yield from unknown("metric", comp.metric, refs.metric_ids, f"{path}.components[{j}].metric")
        for seg in rule.segment_prices:
            yield from unknown("segment", seg, refs.segment_ids, f"{path}.segment_prices.{seg}")
    elif isinstance(rule, RateCard):
        for j, entry in enumerate(rule.entries):
            yield from unknown("metric", entry.metric, refs.metric_ids, f"{path}.entries[{j}].metric")
            for seg in entry.segment_prices:
                yield from unknown("segment", seg, refs.segment_ids, f"{path}.entries[{j}].segment_prices.{seg}")
            if not entry.repeatable and entry.max_per_participant not in (None, 1):
                yield Problem(
                    f"{path}.entries[{j}].max_per_participant",
                    Phrase.of(N_("a once-per-person outcome is paid at most once; set repeatable = true")),
                )
    else:
        yield from unknown("metric", rule.metric, refs.metric_ids, f"{path}.metric")


def _rule_metric_kinds(c: Contract, refs: Refs, rule: PaymentRule, path: str) -> Iterator[Problem]:
    """Each rule type pays the kinds of metric it can price (a share of savings needs its savings)."""
    for metric_id in rule.metrics():
        m_obj = refs.metrics.get(metric_id)
        if m_obj is None:
            continue
        if isinstance(rule, CohortThreshold) and m_obj.kind != "cohort_change":
            yield Problem(
                f"{path}.metric",
                Phrase.of(
                    N_("a cohort_threshold rule needs a cohort_change metric, %(metric)s is %(kind)s"),
                    metric=repr(metric_id),
                    kind=m_obj.kind,
                ),
            )
        if isinstance(rule, PerTime) and m_obj.kind != "duration":
            yield Problem(
                f"{path}.metric",
                Phrase.of(
                    N_("a per_time rule needs a duration metric, %(metric)s is %(kind)s"),
                    metric=repr(metric_id),
                    kind=m_obj.kind,
                ),
            )
        if isinstance(rule, (Tariff, RateCard)) and m_obj.kind == "cohort_change":
            yield Problem(
                path,
                Phrase.of(
                    N_("metric %(metric)s is measured for a cohort; pay it with a cohort_threshold rule"),
                    metric=repr(metric_id),
                ),
            )
        if isinstance(rule, ShareOfSavings) and not any(s.metric == metric_id for s in c.savings):
            yield Problem(
                f"{path}.metric",
                Phrase.of(N_("share_of_savings needs a 'savings' entry for metric %(metric)s"), metric=repr(metric_id)),
            )


def rule_links(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Each payment rule names known parts, has a payer, and pays metrics of a kind it can price."""
    for i, rule in enumerate(c.rules):
        path = f"rules[{i}]"
        yield from _rule_references(c, refs, rule, path)
        yield from _rule_metric_kinds(c, refs, rule, path)


def milestone_chains(c: Contract, refs: Refs) -> Iterator[Problem]:
    """No metric requires itself through a chain of ``requires``."""
    graph = {m.id: set(m.requires) for m in c.metrics}
    for i, m in enumerate(c.metrics):
        seen: set[str] = set()
        stack = list(graph[m.id])
        while stack:
            nxt = stack.pop()
            if nxt == m.id:
                yield Problem(
                    f"metrics[{i}].requires",
                    Phrase.of(N_("metric %(metric)s requires itself through a chain of metrics"), metric=repr(m.id)),
                )
                break
            if nxt in seen or nxt not in graph:
                continue
            seen.add(nxt)
            stack.extend(graph[nxt])


def paid_metrics(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Every metric is paid by a rule or required by another metric."""
    paid = {metric_id for rule in c.rules for metric_id in rule.metrics()}
    required = {r for m in c.metrics for r in m.requires}
    for i, m in enumerate(c.metrics):
        if m.id not in paid and m.id not in required:
            yield Problem(
                f"metrics[{i}]", Phrase.of(N_("no payment rule pays for metric %(metric)s"), metric=repr(m.id))
            )


def cap_targets(c: Contract, refs: Refs) -> Iterator[Problem]:
    """A cap limits a known segment, metric, provider or payer."""
    for i, cap in enumerate(c.caps):
        if cap.level == "segment" and cap.target is not None:
            yield from unknown("segment", cap.target, refs.segment_ids, f"caps[{i}].target")
            if cap.participants is not None:
                yield from _counted_per_unit(c, cap.target, f"caps[{i}].participants")
        elif cap.level == "metric" and cap.target is not None:
            yield from unknown("metric", cap.target, refs.metric_ids, f"caps[{i}].target")
        elif cap.level == "metric":
            for j, metric in enumerate(cap.metrics):
                yield from unknown("metric", metric, refs.metric_ids, f"caps[{i}].metrics[{j}]")
        elif cap.level == "provider" and cap.target is not None:
            yield from unknown("provider", cap.target, refs.provider_ids, f"caps[{i}].target")
        elif cap.level == "payer" and cap.target is not None:
            yield from unknown("payer", cap.target, refs.payer_ids, f"caps[{i}].target")


def _counted_per_unit(c: Contract, segment: str, path: str) -> Iterator[Problem]:
    """A segment cap counting participants needs the segment's own prices paid once per participant: for
    a price per unit, how many units the counted participants have is not known."""
    for rule in c.rules:
        if isinstance(rule, RateCard):
            for e in rule.entries:
                if e.repeatable and segment in e.segment_prices:
                    yield Problem(
                        path,
                        Phrase.of(
                            N_(
                                "a segment cap counting participants needs prices paid once per participant; "
                                "rule %(rule)s pays %(metric)s per unit at a price for segment %(segment)s "
                                "(give 'amount' instead)"
                            ),
                            rule=repr(rule.id),
                            metric=repr(e.metric),
                            segment=repr(segment),
                        ),
                    )


def capital(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Tranches come from known investors and are drawn in the service term within their commitment;
    guarantees and fees name known parties; a fee paid from capital has capital to come from."""
    for i, t in enumerate(c.tranches):
        path = f"tranches[{i}]"
        yield from unknown("investor", t.investor, refs.party_ids, f"{path}.investor")
        if isinstance(t, Grant) and t.return_cap is not None:
            yield Problem(
                f"{path}.return_cap", Phrase.of(N_("a plain grant is never repaid, so it takes no return cap"))
            )
        for j, metric_id in enumerate(t.metrics):
            yield from unknown("metric", metric_id, refs.metric_ids, f"{path}.metrics[{j}]")
        if t.drawdown.start_month >= c.timeline.service_months:
            yield Problem(
                f"{path}.drawdown.start_month", Phrase.of(N_("capital is drawn after the service term has ended"))
            )
        if sum(t.drawdown.amounts) > t.commitment:
            yield Problem(f"{path}.drawdown.amounts", Phrase.of(N_("scheduled drawdowns exceed the commitment")))
    for i, g in enumerate(c.guarantees):
        yield from unknown("guarantor", g.guarantor, refs.party_ids, f"guarantees[{i}].guarantor")
        for j, t_id in enumerate(g.covers):
            yield from unknown("tranche", t_id, refs.tranche_ids, f"guarantees[{i}].covers[{j}]")
    for i, fee in enumerate(c.fees):
        yield from unknown("party", fee.payee, refs.party_ids, f"fees[{i}].payee")
        if fee.payer is not None:
            yield from unknown("payer", fee.payer, refs.payer_ids, f"fees[{i}].payer")
        if fee.paid_from == "capital" and not c.tranches:
            yield Problem(
                f"fees[{i}].paid_from", Phrase.of(N_("fee is paid from capital, but the contract has no tranches"))
            )


def _tranche_step(
    c: Contract, refs: Refs, step: InterestStep | PrincipalStep | ReturnStep, path: str
) -> Iterator[Problem]:
    """An interest, principal or return step names known tranches that it can pay."""
    for j, t_id in enumerate(step.tranches):
        yield from unknown("tranche", t_id, refs.tranche_ids, f"{path}.tranches[{j}]")
        tranche = next((t for t in c.tranches if t.id == t_id), None)
        if isinstance(step, InterestStep) and tranche is not None and not isinstance(tranche, Loan):
            yield Problem(
                f"{path}.tranches[{j}]",
                Phrase.of(N_("only loans carry interest; %(tranche)s is not a loan"), tranche=repr(t_id)),
            )
        if isinstance(step, ReturnStep) and tranche is not None and tranche.return_cap is None:
            yield Problem(
                f"{path}.tranches[{j}]",
                Phrase.of(
                    N_("a 'return' step pays up to a return cap; tranche %(tranche)s has no return_cap"),
                    tranche=repr(t_id),
                ),
            )
        if isinstance(tranche, Grant):
            yield Problem(
                f"{path}.tranches[{j}]",
                Phrase.of(N_("%(tranche)s is a plain grant: it is never repaid"), tranche=repr(t_id)),
            )


def priority_of_payments(c: Contract, refs: Refs) -> Iterator[Problem]:
    """The waterfall's steps name known fees, tranches and residual parties; every fee paid from
    outcome payments has a 'fees' step and every repayable tranche a 'principal' step."""
    fees_paid: set[str] = set()
    repaid: set[str] = set()
    for i, step in enumerate(c.waterfall):
        path = f"waterfall[{i}]"
        if isinstance(step, FeesStep):
            for j, f_id in enumerate(step.fees):
                yield from unknown("fee", f_id, refs.fee_ids, f"{path}.fees[{j}]")
                fees_paid.add(f_id)
        elif isinstance(step, (InterestStep, PrincipalStep, ReturnStep)):
            yield from _tranche_step(c, refs, step, path)
            if isinstance(step, PrincipalStep):
                repaid.update(step.tranches)
        elif isinstance(step, ResidualStep):
            known = refs.tranche_ids | refs.provider_ids | refs.payer_ids | {"revolving_fund"}
            for j, residual in enumerate(step.shares):
                yield from unknown("residual party", residual.party, known, f"{path}.shares[{j}].party")
    for i, fee in enumerate(c.fees):
        if fee.paid_from == "outcome_payments" and fee.id not in fees_paid:
            yield Problem(
                f"fees[{i}]",
                Phrase.of(N_("fee %(fee)s is paid from outcome payments but no 'fees' step pays it"), fee=repr(fee.id)),
            )
    for i, t in enumerate(c.tranches):
        if not isinstance(t, Grant) and t.id not in repaid:
            yield Problem(
                f"tranches[{i}]",
                Phrase.of(N_("tranche %(tranche)s is never repaid: no 'principal' step names it"), tranche=repr(t.id)),
            )


def savings_links(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Each savings entry belongs to a known metric; each budget has a known owner and an id no party has
    (a saving's ``budget`` may name a budget or a party, so the two must not be confused)."""
    for i, s in enumerate(c.savings):
        yield from unknown("metric", s.metric, refs.metric_ids, f"savings[{i}].metric")
    for i, b in enumerate(c.budgets):
        yield from unknown("budget owner", b.owner, refs.party_ids, f"budgets[{i}].owner")
        if b.id in refs.party_ids:
            yield Problem(
                f"budgets[{i}].id",
                Phrase.of(N_("budget id %(id)s is also a party's id; give the budget its own id"), id=repr(b.id)),
            )


def scenario_links(c: Contract, refs: Refs) -> Iterator[Problem]:
    """A scenario's outcomes and enrolment name known parts; a rate is a share unless the metric is a
    cohort change, which alone takes treatment and comparison levels."""
    for i, sc in enumerate(c.scenarios):
        for j, o in enumerate(sc.outcomes):
            path = f"scenarios[{i}].outcomes[{j}]"
            yield from unknown("metric", o.metric, refs.metric_ids, f"{path}.metric")
            if o.provider is not None:
                yield from unknown("provider", o.provider, refs.provider_ids, f"{path}.provider")
            if o.segment is not None:
                yield from unknown("segment", o.segment, refs.segment_ids, f"{path}.segment")
            kind = refs.metrics[o.metric].kind if o.metric in refs.metrics else None
            if kind != "cohort_change" and o.rate is not None and o.rate > 1:
                yield Problem(
                    f"{path}.rate",
                    Phrase.of(N_("expected a share of participants between 0 and 1, got %(rate)s"), rate=show(o.rate)),
                )
            if kind is not None and kind != "cohort_change" and o.treatment is not None:
                yield Problem(
                    f"{path}.treatment",
                    Phrase.of(
                        N_(
                            "treatment and comparison levels are only for a cohort_change metric, and %(metric)s "
                            "is of kind %(kind)s: give 'rate', the share of participants who achieve it"
                        ),
                        metric=repr(o.metric),
                        kind=repr(kind),
                    ),
                )
        for j, e in enumerate(sc.enrolment):
            yield from unknown("provider", e.provider, refs.provider_ids, f"scenarios[{i}].enrolment[{j}].provider")


def termination_month(c: Contract, refs: Refs) -> Iterator[Problem]:
    """An early end falls within the term."""
    if c.termination is not None and c.termination.month >= c.timeline.term_months:
        yield Problem(
            "termination.month",
            Phrase.of(N_("the termination month (%(month)s) is after the term"), month=show(c.termination.month)),
        )


def cohort_numbers(c: Contract, refs: Refs) -> Iterator[Problem]:
    """A cancelled cohort is one the enrolment window has."""
    for i, rule in enumerate(c.rules):
        if isinstance(rule, CohortThreshold):
            cohorts = -(-c.timeline.enrolment_months // rule.cohort_months)
            for j, number in enumerate(rule.cancelled_cohorts):
                if not 0 <= number < cohorts:
                    yield Problem(
                        f"rules[{i}].cancelled_cohorts[{j}]",
                        Phrase.of(
                            N_("there are %(cohorts)s cohorts, numbered 0 to %(last)s; got %(number)s"),
                            cohorts=Count(cohorts),
                            last=str(cohorts - 1),
                            number=show(number),
                        ),
                    )


def uncertainty_links(c: Contract, refs: Refs) -> Iterator[Problem]:
    """The uncertainty names a known scenario, metrics, providers and segments."""
    u = c.uncertainty
    if u is None:
        return
    yield from unknown("scenario", u.scenario, refs.scenario_names, "uncertainty.scenario")
    for j, spread in enumerate(u.outcomes):
        path = f"uncertainty.outcomes[{j}]"
        yield from unknown("metric", spread.metric, refs.metric_ids, f"{path}.metric")
        if spread.provider is not None:
            yield from unknown("provider", spread.provider, refs.provider_ids, f"{path}.provider")
        if spread.segment is not None:
            yield from unknown("segment", spread.segment, refs.segment_ids, f"{path}.segment")
    for j, factor in enumerate(u.enrolment):
        yield from unknown("provider", factor.provider, refs.provider_ids, f"uncertainty.enrolment[{j}].provider")


def uncertainty_ranges(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Each range of the uncertainty's scenario contains its expected rate and fits a Beta distribution
    around it (only the first range that does not is reported)."""
    if c.uncertainty is not None and c.uncertainty.scenario in refs.scenario_names:
        yield from _range_problems(c, c.uncertainty, c.scenario(c.uncertainty.scenario))


def _range_problems(c: Contract, u: Uncertainty, scenario: Scenario) -> Iterator[Problem]:
    segments: tuple[str | None, ...] = tuple(s.id for s in c.segments) or (None,)
    for j, o in enumerate(u.outcomes):
        path = f"uncertainty.outcomes[{j}]"
        providers = (o.provider,) if o.provider is not None else tuple(p.id for p in c.providers)
        metric = next((m for m in c.metrics if m.id == o.metric), None)
        for prov in providers:
            for seg in (o.segment,) if o.segment is not None else segments:
                line = scenario.line_for(o.metric, prov, seg)
                if o.mean is not None:
                    mean = o.mean
                elif line is not None and metric is not None:
                    mean = line.expected_rate(metric)
                else:
                    mean = Decimal(0)
                if not o.low <= mean <= o.high:
                    yield Problem(
                        path,
                        Phrase.of(
                            N_(
                                "the expected rate of %(metric)s for %(provider)s in scenario %(scenario)s is "
                                "%(mean)s, outside low–high (%(low)s–%(high)s)"
                            ),
                            metric=repr(o.metric),
                            provider=repr(prov),
                            scenario=repr(scenario.name),
                            mean=percent(mean),
                            low=percent(o.low),
                            high=percent(o.high),
                        ),
                    )
                    return
                sd = (o.high - o.low) / Decimal("3.29")
                if sd > 0 and sd * sd >= mean * (1 - mean):
                    yield Problem(
                        path,
                        Phrase.of(
                            N_(
                                "the range %(low)s–%(high)s is too wide for a share around %(mean)s: narrow it, "
                                "or move the expected rate towards 50%"
                            ),
                            low=percent(o.low),
                            high=percent(o.high),
                            mean=percent(mean),
                        ),
                    )
                    return


def _walk_provenance(obj: Any, path: str) -> Iterator[tuple[str, Provenance]]:
    if attrs.has(type(obj)):
        for a in attrs.fields(type(obj)):
            value = getattr(obj, a.name)
            sub = f"{path}.{a.name}" if path else a.name
            if a.name == "provenance" and isinstance(value, dict):
                for key, prov in value.items():
                    yield f"{sub}.{key}", prov
            else:
                yield from _walk_provenance(value, sub)
    elif isinstance(value := obj, tuple):
        for i, item in enumerate(value):
            yield from _walk_provenance(item, f"{path}[{i}]")


def provenance_sources(c: Contract, refs: Refs) -> Iterator[Problem]:
    """Every provenance that cites a source cites a listed one."""
    for path, provenance in _walk_provenance(c, ""):
        if provenance.source is not None:
            yield from unknown("source", provenance.source, refs.source_ids, f"{path}.source")


VALIDATIONS: tuple[Validation, ...] = (
    texts,
    unique_ids,
    payer_shares,
    provider_plans,
    metric_links,
    rule_links,
    milestone_chains,
    paid_metrics,
    cap_targets,
    capital,
    priority_of_payments,
    savings_links,
    scenario_links,
    termination_month,
    cohort_numbers,
    uncertainty_links,
    uncertainty_ranges,
    provenance_sources,
)
"""The whole-contract validations, in the order their problems are reported."""


def contract_problems(c: Contract) -> list[Problem]:
    """Every cross-reference and consistency problem of a contract, each with its path: the problems
    of ``VALIDATIONS`` in order, then, for a contract with none, those of the engine's exact ranges."""
    refs = Refs.of(c)
    problems = [p for check in VALIDATIONS for p in check(c, refs)]
    if not problems:
        problems += limit_problems(c)
    return problems
