"""Risk-transfer illusion: guarantees and philanthropic first loss absorb nearly all the downside of the
commercial investors who are said to carry the risk."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money, percent
from sibkit.engine.maximum import MaximumPayment
from sibkit.engine.results import Results, results
from sibkit.engine.simulate import sample
from sibkit.engine.waterfall import run_batch
from sibkit.i18n import N_, Count, Fact, Listing, Share
from sibkit.model import Contract, Loan

__all__ = ["NOT_COMMERCIAL", "risk_transfer"]

CODE = "SIB-RISK-001"


NOT_COMMERCIAL = frozenset({"foundation", "government"})
"""Investor kinds whose capital is not commercial: philanthropy and public money."""


messages(
    CODE,
    {
        "absorbed": Message(
            title=N_("%(investor)s hardly carries risk: guarantees absorb %(absorbed)s of its expected loss"),
            explanation=(
                N_(
                    "In %(scenarios)s simulated scenarios the %(tranche)s tranche of %(investor)s (%(commitment)s) "
                    "would lose money in %(chance_before)s of them without guarantees, %(loss_before)s on average. "
                    "The guarantee of %(guarantors)s (up to %(guaranteed)s) pays %(paid)s of that on average "
                    "(%(absorbed)s), so "
                ),
                Clause(N_("%(investor)s loses money in only %(chance_after)s of the scenarios")),
                Clause(N_("%(investor)s loses money in none of them"), unless="chance_after"),
                ".",
                Clause(N_(" The payer still pays a coupon of %(coupon)s a year for that risk.")),
                Clause(N_(" Of the expected loss of all capital and guarantees, commercial investors bear %(borne)s.")),
                N_(
                    " The deal is presented as moving the risk of failure to private investors, but it sits with "
                    "the guarantor."
                ),
            ),
            mitigation=N_(
                "Make the guarantee smaller, let it cover only part of each loss (coverage below 100%), or price "
                "it: lower the coupon of the covered tranche to reflect the risk it no longer carries."
            ),
        )
    },
)


def _pct(x: float | Decimal) -> Share:
    """A share as the finding quotes it: one decimal of a percent under 10%, else whole percents."""
    value = float(x) * 100
    return percent(float(x), 1 if 0 < value < 10 else 0)


def _simulated(
    contract: Contract, n: int, seed: int, maximum: MaximumPayment
) -> tuple[Results, list[npt.NDArray[np.int64]], float | None]:
    """``n`` simulated scenarios (``seed``): their results, each tranche's loss per scenario without guarantees,
    and the share of the expected loss of all capital (before guarantees) that commercial investors bear (None
    when nothing is expected to be lost)."""
    kinds = {i.id: i.kind for i in contract.investors}
    res = results(contract, run_batch(contract, sample(contract, n, seed), detail=False), maximum=maximum)
    # a tranche's loss without guarantees: what it drew less what it got back from the deal itself
    unguarded = [np.maximum(tr.drawn - (tr.returned - tr.guaranteed), 0) for tr in res.tranches]
    expected_total = 0.0  # expected loss of all capital before guarantees: borne by investors or guarantors
    expected_commercial = 0.0
    for j, t in enumerate(contract.tranches):
        expected_total += float(np.mean(unguarded[j]))
        if kinds.get(t.investor) not in NOT_COMMERCIAL:
            expected_commercial += float(np.mean(res.tranches[j].loss))
    return res, unguarded, (expected_commercial / expected_total if expected_total > 0 else None)


@register(CODE, "risk_transfer")
def risk_transfer(
    contract: Contract,
    context: Context,
    *,
    chance: Decimal = Decimal("0.05"),
    absorbed: Decimal = Decimal("0.8"),
    n: int = 2000,
    seed: int = 0,
) -> list[Finding]:
    """Flag each commercial tranche covered by a guarantee that would lose money in at least ``chance``
    (default 5%) of ``n`` simulated scenarios (default 2,000, seed 0) without the guarantees, but in fewer
    than ``chance`` with them, because guarantees pay more than ``absorbed`` (default 80%) of its expected
    loss: a warning. Scenarios come from the contract's uncertainty model (``sibkit simulate``).
    """
    covered = {t for g in contract.guarantees for t in g.covers}
    if not covered:
        return []
    kinds = {i.id: i.kind for i in contract.investors}
    names = {i.id: i.name for i in contract.investors}
    commercial = [(j, t) for j, t in enumerate(contract.tranches) if kinds.get(t.investor) not in NOT_COMMERCIAL]
    candidates = [(j, t) for j, t in commercial if t.id in covered]
    if not candidates:
        return []
    res, unguarded, borne = _simulated(contract, n, seed, context.maximum)
    out: list[Finding] = []
    cur = contract.currency
    for j, t in candidates:
        tr = res.tranches[j]
        before = unguarded[j]
        chance_before = float(np.mean(before > 0))
        chance_after = float(np.mean(tr.loss > 0))
        loss_before = float(np.mean(before))
        paid = float(np.mean(np.minimum(tr.guaranteed, before)))  # the part of the loss guarantees absorb
        if loss_before <= 0:
            continue
        share = paid / loss_before
        if not (chance_before >= chance and chance_after < chance and share > absorbed):
            continue
        guarantees = [(g_i, g) for g_i, g in enumerate(contract.guarantees) if t.id in g.covers]
        facts: dict[str, Fact] = {
            "investor": names.get(t.investor, t.investor),
            "absorbed": _pct(share),
            "scenarios": Count(n),
            "tranche": t.id,
            "commitment": money(t.commitment, cur),
            "chance_before": _pct(chance_before),
            "loss_before": money(round(loss_before), cur),
            "guarantors": Listing(tuple(dict.fromkeys(names.get(g.guarantor, g.guarantor) for _, g in guarantees))),
            "guaranteed": money(sum(g.amount for _, g in guarantees), cur),
            "paid": money(round(paid), cur),
        }
        if chance_after > 0:
            facts["chance_after"] = _pct(chance_after)
        if isinstance(t, Loan) and t.coupon > 0:
            facts["coupon"] = _pct(t.coupon)
        if borne is not None:
            facts["borne"] = _pct(borne)
        path = f"$.guarantees[{guarantees[0][0]}]"
        out.append(Finding(code=CODE, kind="absorbed", severity="warning", path=path, facts=facts))
    return out
