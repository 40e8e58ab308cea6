"""Risk-transfer illusion: guarantees and philanthropic first loss absorb nearly all the downside of the
commercial investors who are said to carry the risk."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, amount_text
from sibkit.engine.results import results
from sibkit.engine.simulate import sample
from sibkit.engine.waterfall import run_batch
from sibkit.model import Contract, Loan

__all__ = ["NOT_COMMERCIAL", "risk_transfer"]

CODE = "SIB-RISK-001"


NOT_COMMERCIAL = frozenset({"foundation", "government"})
"""Investor kinds whose capital is not commercial: philanthropy and public money."""


def _pct(x: float | Decimal) -> str:
    value = float(x) * 100
    return f"{value:.1f}%" if 0 < value < 10 else f"{value:.0f}%"


def _pct_nl(x: float | Decimal) -> str:
    """As ``_pct``, with a decimal comma."""
    return _pct(x).replace(".", ",")


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
    candidates = [
        (j, t)
        for j, t in enumerate(contract.tranches)
        if t.id in covered and kinds.get(t.investor) not in NOT_COMMERCIAL
    ]
    if not candidates:
        return []
    res = results(contract, run_batch(contract, sample(contract, n, seed), detail=False), maximum=context.maximum)
    # a tranche's loss without guarantees: what it drew less what it got back from the deal itself
    unguarded = [np.maximum(tr.drawn - (tr.returned - tr.guaranteed), 0) for tr in res.tranches]
    expected_total = 0.0  # expected loss of all capital before guarantees: borne by investors or guarantors
    expected_commercial = 0.0
    for j, t in enumerate(contract.tranches):
        tr = res.tranches[j]
        expected_total += float(np.mean(unguarded[j]))
        if kinds.get(t.investor) not in NOT_COMMERCIAL:
            expected_commercial += float(np.mean(tr.loss))

    def money(cents: float) -> str:
        return amount_text(round(cents), contract.currency, "en")

    def money_nl(cents: float) -> str:
        return amount_text(round(cents), contract.currency, "nl")

    out: list[Finding] = []
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
        guarantors = ", ".join(dict.fromkeys(names.get(g.guarantor, g.guarantor) for _, g in guarantees))
        amount = sum(g.amount for _, g in guarantees)
        investor = names.get(t.investor, t.investor)
        coupon_en = coupon_nl = ""
        if isinstance(t, Loan) and t.coupon > 0:
            coupon_en = f" The payer still pays a coupon of {_pct(t.coupon)} a year for that risk."
            coupon_nl = f" De betaler betaalt voor dat risico nog steeds {_pct_nl(t.coupon)} rente per jaar."
        borne_en = borne_nl = ""
        if expected_total > 0:
            borne = expected_commercial / expected_total
            borne_en = f" Of the expected loss of all capital and guarantees, commercial investors bear {_pct(borne)}."
            borne_nl = (
                f" Van het verwachte verlies van al het kapitaal en de garanties dragen commerciële investeerders "
                f"{_pct_nl(borne)}."
            )
        if chance_after > 0:
            rarely_en = f"{investor} loses money in only {_pct(chance_after)} of the scenarios"
            rarely_nl = f"{investor} maar in {_pct_nl(chance_after)} van de scenario's verlies lijdt"
        else:
            rarely_en = f"{investor} loses money in none of them"
            rarely_nl = f"{investor} in geen enkel scenario verlies lijdt"
        n_nl = f"{n:,}".replace(",", ".")
        out.append(
            Finding(
                code=CODE,
                severity="warning",
                title_en=f"{investor} hardly carries risk: guarantees absorb {_pct(share)} of its expected loss",
                title_nl=f"{investor} draagt nauwelijks risico: garanties vangen {_pct_nl(share)} van het verwachte "
                "verlies op",
                explanation_en=(
                    f"In {n:,} simulated scenarios the {t.id} tranche of {investor} ({money(t.commitment)}) would "
                    f"lose money in {_pct(chance_before)} of them without guarantees, {money(loss_before)} on "
                    f"average. The guarantee of {guarantors} (up to {money(amount)}) pays {money(paid)} of that "
                    f"on average ({_pct(share)}), so {rarely_en}.{coupon_en}{borne_en} The deal is presented as "
                    "moving the risk of failure to private investors, but it sits with the guarantor."
                ),
                explanation_nl=(
                    f"In {n_nl} gesimuleerde scenario's zou de tranche {t.id} van {investor} "
                    f"({money_nl(t.commitment)}) zonder garanties in {_pct_nl(chance_before)} ervan geld verliezen, "
                    f"gemiddeld {money_nl(loss_before)}. De garantie van {guarantors} (tot {money_nl(amount)}) "
                    f"betaalt daarvan gemiddeld {money_nl(paid)} ({_pct_nl(share)}), zodat {rarely_nl}.{coupon_nl}"
                    f"{borne_nl} De constructie wordt gepresenteerd als overdracht van het risico op mislukking naar "
                    "private investeerders, maar het risico ligt bij de garantiegever."
                ),
                mitigation_en=(
                    "Make the guarantee smaller, let it cover only part of each loss (coverage below 100%), or "
                    "price it: lower the coupon of the covered tranche to reflect the risk it no longer carries."
                ),
                mitigation_nl=(
                    "Maak de garantie kleiner, laat haar maar een deel van elk verlies dekken (dekking onder 100%), "
                    "of beprijs haar: verlaag de rente op de gedekte tranche naar het risico dat die nog draagt."
                ),
                path=f"$.guarantees[{guarantees[0][0]}]",
            )
        )
    return out
