"""Transaction costs: fees, interest and investor returns eat a large share of the outcome payments."""

from __future__ import annotations

from decimal import Decimal

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, Severity, messages, money, percent
from sibkit.engine.results import Results
from sibkit.i18n import N_, Fact, Listing, Phrase, Word
from sibkit.model import Contract, Grant

__all__ = ["transaction_costs"]

CODE = "SIB-COST-001"


messages(
    CODE,
    {
        "costs": Message(
            title=N_("%(share)s of the outcome payments goes to fees and investors' returns"),
            explanation=(
                N_("At the expected results the payers pay %(outcome_payments)s for outcomes. Of that, %(parts)s"),
                Clause(N_(": together %(total)s, %(share)s")),
                Clause(N_(": %(share)s of the outcome payments"), unless="total"),
                N_(
                    ". That money pays for structuring, measurement and capital rather than for the service to "
                    "participants; above about %(info)s a council should ask whether a simpler contract would buy "
                    "the same results."
                ),
            ),
            mitigation=N_("%(remedies)s."),
        )
    },
)
_PARTIES = ("intermediaries", "evaluators", "investors", "providers", "payers")
"""The contract's lists of parties a fee or a return can be paid to (a later list wins on a shared id)."""

_REMEDIES = {
    "percent-fees": N_("replace fees that are a percentage of capital or of outcome payments by fixed fees"),
    "returns": N_("lower the coupon or cap investors' returns, and send upside to a revolving fund"),
    "evaluation": N_("fund the evaluation from a grant or a research budget instead of the outcome payments"),
    "negotiate": N_("negotiate fixed, lower fees"),
}
"""The remedies the mitigation proposes, by when they apply."""
_REMEDIES_FIRST = {
    "percent-fees": N_("Replace fees that are a percentage of capital or of outcome payments by fixed fees"),
    "returns": N_("Lower the coupon or cap investors' returns, and send upside to a revolving fund"),
    "evaluation": N_("Fund the evaluation from a grant or a research budget instead of the outcome payments"),
    "negotiate": N_("Negotiate fixed, lower fees"),
}
"""The same remedies starting a sentence."""


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
    by_payee = _fees_by_payee(contract, base)
    fees = sum(by_payee.values())
    returns_by_investor = _returns_by_investor(contract, base)
    returns = sum(returns_by_investor.values())
    total = fees + returns
    share = Decimal(total) / Decimal(outcome)
    if share > warning:
        severity: Severity = "warning"
    elif share > info:
        severity = "info"
    else:
        return []

    cur = contract.currency
    names = {x.id: x.name for group in _PARTIES for x in getattr(contract, group)}
    parts: list[Phrase] = []
    if fees:
        ranked = sorted(by_payee.items(), key=lambda x: -x[1])
        listed = Listing(tuple(_paid(names.get(p, p), a, cur) for p, a in ranked))
        parts.append(Phrase.of(N_("fees take %(fees)s (%(payees)s)"), fees=money(fees, cur), payees=listed))
    if returns:
        ranked = sorted(returns_by_investor.items(), key=lambda x: -x[1])
        listed = Listing(tuple(_paid(names.get(i, i), a, cur) for i, a in ranked))
        parts.append(
            Phrase.of(
                N_("investors receive %(returns)s in interest and returns above their capital (%(investors)s)"),
                returns=money(returns, cur),
                investors=listed,
            )
        )
    facts: dict[str, Fact] = {
        "share": percent(share),
        "outcome_payments": money(outcome, cur),
        "parts": Listing(tuple(parts), "and"),
        "info": percent(info),
        "remedies": _remedies(contract, by_payee, returns),
    }
    if len(parts) > 1:
        facts["total"] = money(total, cur)
    path = "$.fees" if fees >= returns else "$.tranches"
    return [Finding(code=CODE, kind="costs", severity=severity, path=path, facts=facts)]


def _fees_by_payee(contract: Contract, base: Results) -> dict[str, int]:
    """Cents of fees paid in the expected run per payee, leaving out fees paid to providers."""
    providers = {p.id for p in contract.providers}
    by_payee: dict[str, int] = {}
    for fee in base.fees:
        if fee.payee not in providers and int(fee.paid[0]):
            by_payee[fee.payee] = by_payee.get(fee.payee, 0) + int(fee.paid[0])
    return by_payee


def _returns_by_investor(contract: Contract, base: Results) -> dict[str, int]:
    """Cents each investor earns above its capital in the expected run: interest, returns and residual, at most
    what its tranches gained (grants earn nothing)."""
    out: dict[str, int] = {}
    for j, t in enumerate(contract.tranches):
        if isinstance(t, Grant):
            continue
        got = sum(_moved(base, {f"interest: {t.id}", f"return: {t.id}", f"residual: {t.id}"}).values())
        tr = base.tranches[j]
        gain = int(tr.returned[0]) - int(tr.guaranteed[0]) - int(tr.drawn[0])  # what it earned above its capital
        earned = min(got, max(gain, 0))
        if earned:
            out[t.investor] = out.get(t.investor, 0) + earned
    return out


def _paid(name: str, cents: int, currency: str) -> Phrase:
    return Phrase.of(N_("%(name)s %(amount)s"), name=name, amount=money(cents, currency))


def _remedies(contract: Contract, by_payee: dict[str, int], returns: int) -> Listing:
    """What the mitigation proposes, most specific first; the first starts the sentence."""
    keys = []
    if any(f.basis.startswith("percent") for f in contract.fees):
        keys.append("percent-fees")
    if returns:
        keys.append("returns")
    if any(by_payee.get(e.id) for e in contract.evaluators):
        keys.append("evaluation")
    keys = keys or ["negotiate"]
    words = [Word(_REMEDIES_FIRST[keys[0]])] + [Word(_REMEDIES[k]) for k in keys[1:]]
    return Listing(tuple(words), "semicolon")
