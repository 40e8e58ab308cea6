"""Transaction costs: fees, interest and investor returns eat a large share of the outcome payments."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, Severity, amount_text
from sibkit.engine.results import Results
from sibkit.model import Contract, Grant

__all__ = ["transaction_costs"]

CODE = "SIB-COST-001"


def _moved(results: Results, reasons: set[str]) -> dict[str, int]:
    """Cents moved in the first scenario per reason, for the given reasons."""
    out: dict[str, int] = {}
    for (_, _, reason), arr in results.flows.ledger.flows.items():
        if reason in reasons:
            out[reason] = out.get(reason, 0) + int(arr[0].sum())
    return out


@register(CODE, "transaction_costs")
def transaction_costs(
    contract: Contract,
    context: Context,
    *,
    warning: Decimal = Decimal("0.25"),
    info: Decimal = Decimal("0.15"),
) -> list[Finding]:
    """Flag a contract whose fees (intermediary, evaluator, every ``fees`` entry not paid to a provider) plus
    the interest, returns and residual paid to investors are, at the expected results, more than ``warning``
    (default 25%) of the outcome payments: a warning; more than ``info`` (default 15%): info.

    A fee paid to a provider pays for delivery (the fixed part of a hybrid contract), not for the
    transaction, so it is left out."""
    base = context.base
    outcome = int(base.outcome_payments[0])
    if outcome <= 0:
        return []
    names: dict[str, str] = {x.id: x.name for x in contract.intermediaries}
    names |= {x.id: x.name for x in contract.evaluators}
    names |= {x.id: x.name for x in contract.investors}
    names |= {x.id: x.name for x in contract.providers}
    names |= {x.id: x.name for x in contract.payers}
    providers = {p.id for p in contract.providers}
    by_payee: dict[str, int] = {}
    for fee in base.fees:
        if fee.payee not in providers and int(fee.paid[0]):
            by_payee[fee.payee] = by_payee.get(fee.payee, 0) + int(fee.paid[0])
    fees = sum(by_payee.values())
    returns_by_investor: dict[str, int] = {}
    for j, t in enumerate(contract.tranches):
        if isinstance(t, Grant):
            continue
        got = sum(_moved(base, {f"interest: {t.id}", f"return: {t.id}", f"residual: {t.id}"}).values())
        tr = base.tranches[j]
        gain = int(tr.returned[0]) - int(tr.guaranteed[0]) - int(tr.drawn[0])  # what it earned above its capital
        earned = min(got, max(gain, 0))
        if earned:
            returns_by_investor[t.investor] = returns_by_investor.get(t.investor, 0) + earned
    returns = sum(returns_by_investor.values())
    total = fees + returns
    share = Decimal(total) / Decimal(outcome)
    if share > warning:
        severity: Severity = "warning"
    elif share > info:
        severity = "info"
    else:
        return []

    def money(cents: int) -> str:
        return amount_text(cents, contract.currency, "en")

    def money_nl(cents: int) -> str:
        return amount_text(cents, contract.currency, "nl")

    pct = f"{share * 100:.0f}%"
    parts_en, parts_nl = [], []
    if fees:
        ranked = sorted(by_payee.items(), key=lambda x: -x[1])
        listed_en = ", ".join(f"{names.get(p, p)} {money(a)}" for p, a in ranked)
        listed_nl = ", ".join(f"{names.get(p, p)} {money_nl(a)}" for p, a in ranked)
        parts_en.append(f"fees take {money(fees)} ({listed_en})")
        parts_nl.append(f"{money_nl(fees)} naar vergoedingen ({listed_nl})")
    if returns:
        ranked = sorted(returns_by_investor.items(), key=lambda x: -x[1])
        listed_en = ", ".join(f"{names.get(i, i)} {money(a)}" for i, a in ranked)
        listed_nl = ", ".join(f"{names.get(i, i)} {money_nl(a)}" for i, a in ranked)
        parts_en.append(f"investors receive {money(returns)} in interest and returns above their capital ({listed_en})")
        parts_nl.append(
            f"{money_nl(returns)} naar investeerders als rente en rendement boven hun kapitaal ({listed_nl})"
        )
    remedies_en, remedies_nl = [], []
    if any(f.basis.startswith("percent") for f in contract.fees):
        remedies_en.append("replace fees that are a percentage of capital or of outcome payments by fixed fees")
        remedies_nl.append(
            "vervang vergoedingen die een percentage van kapitaal of betalingen zijn door vaste bedragen"
        )
    if returns:
        remedies_en.append("lower the coupon or cap investors' returns, and send upside to a revolving fund")
        remedies_nl.append(
            "verlaag de rente of begrens het rendement van investeerders, en laat meeropbrengst naar een "
            "revolverend fonds gaan"
        )
    if any(by_payee.get(e.id) for e in contract.evaluators):
        remedies_en.append("fund the evaluation from a grant or a research budget instead of the outcome payments")
        remedies_nl.append(
            "betaal de evaluatie uit een subsidie of onderzoeksbudget in plaats van uit de resultaatbetalingen"
        )
    if not remedies_en:
        remedies_en.append("negotiate fixed, lower fees")
        remedies_nl.append("onderhandel over lagere, vaste vergoedingen")
    path = "$.fees" if fees >= returns else "$.tranches"
    if len(parts_en) > 1:
        together_en, together_nl = f": together {money(total)}, {pct}", f": samen {money_nl(total)}, {pct}"
    else:
        together_en, together_nl = f": {pct} of the outcome payments", f": {pct} van de resultaatbetalingen"
    return [
        Finding(
            code=CODE,
            severity=severity,
            title_en=f"{pct} of the outcome payments goes to fees and investors' returns",
            title_nl=f"{pct} van de resultaatbetalingen gaat naar vergoedingen en rendement voor investeerders",
            explanation_en=(
                f"At the expected results the payers pay {money(outcome)} for outcomes. Of that, "
                f"{' and '.join(parts_en)}{together_en}. That money pays for structuring, "
                "measurement and capital rather than for the service to participants; above about "
                f"{info * 100:.0f}% a council should ask whether a simpler contract would buy the same results."
            ),
            explanation_nl=(
                f"Bij de verwachte resultaten betalen de betalers {money_nl(outcome)} voor resultaten. Daarvan gaat "
                f"{' en '.join(parts_nl)}{together_nl}. Dat geld betaalt voor opzet, meting en "
                "kapitaal in plaats van voor de dienstverlening aan deelnemers; boven ongeveer "
                f"{info * 100:.0f}% moet een raad zich afvragen of een eenvoudiger contract dezelfde resultaten "
                "oplevert."
            ),
            mitigation_en="; ".join(remedies_en).capitalize() + ".",
            mitigation_nl="; ".join(remedies_nl).capitalize() + ".",
            path=path,
        )
    ]
