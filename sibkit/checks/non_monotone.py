"""Non-monotone payout: one more result makes someone worse off.

The expected scenario is probed: for each provider and outcome, one more participant (in the first
enrolment month with someone left who did not achieve it) achieves it, and all the probes run through
the engine at once. A payer, provider or tranche whose total falls is reported.

It reads only the probes' ``Payments`` (``Context.payments``): the what-if grid runs the probes of all its
expected scenarios of a contract variant at once (``probe_batch``, ``Runs.prepare_payments``).

A tranche's receipts are compared at their present value at the tranche's own rate (its capped IRR, else
its coupon, else 0), so that a loan repaid sooner, and so paid less interest, does not count as paid less.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from sibkit.checks import register
from sibkit.checks.context import Context, Payments
from sibkit.checks.finding import Finding, Message, messages, money
from sibkit.engine.batch import Batch, stack
from sibkit.i18n import N_, Count, Fact, Listing, Phrase
from sibkit.model import Contract, Loan

__all__ = ["non_monotone_payout", "probe_batch"]

CODE = "SIB-MONO-001"


F64 = npt.NDArray[np.float64]


_MITIGATION = N_(
    "Make every payment grow with results: give each provider its own cap instead of one shared pot, do not lower "
    "a share of savings once investors are repaid (or lower it only for later outcomes), and use tiers without "
    "gaps."
)
messages(
    CODE,
    {
        "pays-less": Message(
            title=N_("More results pay someone less"),
            explanation=N_(
                "At the expected results: %(drops)s. This happens for %(cells)d of the %(probes)d outcomes probed "
                "(one per provider and outcome). A party that earns less when results improve has a reason to hold "
                "results back, or to dispute them."
            ),
            mitigation=_MITIGATION,
        )
    },
)


@attrs.frozen(kw_only=True)
class _Probe:
    provider: int
    metric: int
    month: int


@attrs.frozen(kw_only=True)
class _Drop:
    probe: _Probe
    kind: str
    """``payer``, ``provider`` or ``tranche``."""
    index: int
    amount: int
    """Cents less."""


def _probes(contract: Contract, base: Batch) -> tuple[list[_Probe], Batch]:
    """One variant of ``base`` per (provider, metric) cell with room for one more achiever, stacked
    after ``base`` itself."""
    probes: list[_Probe] = []
    variants = [base]
    for p in range(base.enrolled.shape[2]):
        for m, metric in enumerate(contract.metrics):
            if metric.kind == "cohort_change":
                continue
            room = np.argwhere(base.enrolled[0, :, p, :] > base.achieved[0, :, p, :, m])
            if len(room) == 0:
                continue
            t, s = (int(x) for x in room[0])
            achieved = base.achieved.copy()
            units = base.units.copy()
            got = int(base.achieved[0, :, p, :, m].sum())
            per = round(int(base.units[0, :, p, :, m].sum()) / got) if got else 1
            achieved[0, t, p, s, m] += 1
            units[0, t, p, s, m] += max(per, 1)
            variants.append(attrs.evolve(base, achieved=achieved, units=units))
            probes.append(_Probe(provider=p, metric=m, month=t))
    return probes, stack(variants)


def probe_batch(contract: Contract, base: Batch) -> Batch | None:
    """The batch the check runs when ``base`` is the expected scenario's deterministic batch: ``base`` and
    one probe per (provider, metric) cell with room for one more achiever; ``None`` without any probe (the
    check then runs nothing)."""
    probes, batch = _probes(contract, base)
    return batch if probes else None


def _tranche_values(contract: Contract, flows: Payments) -> F64:
    """(N, J) present value of each tranche's cash flow at its own monthly rate."""
    n, t_len, j_len = flows.tranche_cash.shape
    out = np.zeros((n, j_len))
    months = np.arange(t_len)
    for j, t in enumerate(contract.tranches):
        if t.return_cap is not None and t.return_cap.irr is not None:
            growth = (1.0 + float(t.return_cap.irr)) ** (1.0 / 12.0)
        elif isinstance(t, Loan):
            growth = 1.0 + float(t.coupon) / 12.0
        else:
            growth = 1.0
        out[:, j] = (flows.tranche_cash[:, :, j] * growth ** (-months)[None, :]).sum(axis=1)
    return out


def _drops(contract: Contract, flows: Payments, probes: list[_Probe], tolerance: int) -> list[_Drop]:
    paid = flows.payer_paid.sum(axis=1).astype(np.float64)  # (N, K)
    revenue = flows.provider_revenue.astype(np.float64)  # (N, P)
    values = _tranche_values(contract, flows)
    drops: list[_Drop] = []
    for i, probe in enumerate(probes):
        for kind, table in (("payer", paid), ("provider", revenue), ("tranche", values)):
            less = table[0] - table[i + 1]
            for index in np.nonzero(less > tolerance)[0]:
                drops.append(_Drop(probe=probe, kind=kind, index=int(index), amount=round(float(less[index]))))
    return drops


@register(CODE, "non_monotone_payout")
def non_monotone_payout(contract: Contract, context: Context, *, tolerance: int = 100) -> list[Finding]:
    """Flag a contract in which one more participant achieving one more outcome, in the expected
    scenario, lowers what a payer pays, or what a provider or a tranche receives, by more than
    ``tolerance`` cents (default 100: €1, to ignore rounding): an error."""
    base = context.batch
    probes, batch = _probes(contract, base)
    if not probes:
        return []
    drops = _drops(contract, context.payments(batch), probes, tolerance)
    if not drops:
        return []
    worst: dict[tuple[str, int], _Drop] = {}
    for d in drops:
        key = (d.kind, d.index)
        if key not in worst or d.amount > worst[key].amount:
            worst[key] = d
    ordered = sorted(worst.values(), key=lambda d: -d.amount)
    cells = len({(d.probe.provider, d.probe.metric) for d in drops})
    first = ordered[0]
    metric_id = contract.metrics[first.probe.metric].id
    provider_id = contract.providers[first.probe.provider].id
    rule = next(
        (
            i
            for i, r in enumerate(contract.rules)
            if metric_id in r.metrics() and (not r.providers or provider_id in r.providers)
        ),
        None,
    )
    facts: dict[str, Fact] = {
        "drops": Listing(tuple(_sentence(contract, d) for d in ordered[:4]), "semicolon"),
        "cells": Count(cells),
        "probes": Count(len(probes)),
    }
    path = f"$.rules[{rule}]" if rule is not None else "$.rules"
    return [Finding(code=CODE, kind="pays-less", severity="error", path=path, facts=facts)]


def _sentence(contract: Contract, d: _Drop) -> Phrase:
    """One drop: who is paid how much less when one more participant of a provider reaches an outcome."""
    facts: dict[str, Fact] = {
        "provider": contract.providers[d.probe.provider].name,
        "metric": contract.metrics[d.probe.metric].name,
        "amount": money(d.amount, contract.currency),
    }
    if d.kind == "payer":
        facts["who"] = contract.payers[d.index].name
        message = N_("if one more participant of %(provider)s reaches '%(metric)s', %(who)s pays %(amount)s less")
    else:
        if d.kind == "provider":
            facts["who"] = contract.providers[d.index].name
        else:
            t = contract.tranches[d.index]
            investors = {i.id: i.name for i in contract.investors}
            facts["who"] = f"{investors.get(t.investor, t.investor)} ({t.id})"
        message = N_("if one more participant of %(provider)s reaches '%(metric)s', %(who)s is paid %(amount)s less")
    return Phrase(message, tuple(facts.items()))
