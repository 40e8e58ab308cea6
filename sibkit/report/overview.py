"""A contract's overview as a plain view model, and its Markdown rendering (``sibkit show --format markdown``).

The view model holds text only: every number is already formatted here (by the
``Language``, as the term sheets write money) and every rule and file code is put
into words by ``sibkit.report.words``, so the template does no arithmetic.
"""

from __future__ import annotations

from typing import Any

from sibkit.engine.maximum import maximum_payment
from sibkit.i18n import Language
from sibkit.model import Contract, Loan
from sibkit.report.templating import markdown_environment
from sibkit.report.words import CAP_LEVEL, EVIDENCE, FREQUENCY, METRIC_KIND, STATUS, prices, tranche_type, word

__all__ = ["overview", "render_markdown"]


def overview(contract: Contract, lang: Language | None = None) -> dict[str, Any]:
    """The overview's view model: parties, outcomes and prices, caps, capital and the maximum payment,
    with every word and number written in ``lang`` (English by default) through ``sibkit.report.words``."""
    words = lang or Language("en")
    cur = contract.currency

    def money(cents: int | None) -> str:
        return words.money_or(cents, cur, words.gettext("unbounded"))

    mx = maximum_payment(contract)
    return {
        "name": words.text(contract.name),
        "status": word(words, STATUS, contract.status),
        "version": words.text(contract.version),
        "description": words.text(contract.description).strip(),
        "timeline": words.gettext(
            "start %(start)s, enrolment %(enrolment)s months, service %(service)s months, term %(term)s months, "
            "payments %(frequency)s",
            start=contract.timeline.start,
            enrolment=contract.timeline.enrolment_months,
            service=contract.timeline.service_months,
            term=contract.timeline.term_months,
            frequency=word(words, FREQUENCY, contract.timeline.payment_frequency),
        ),
        "payers": [
            {
                "id": p.id,
                "name": words.text(p.name),
                "budget": money(p.budget) if p.budget is not None else "",
                "contributors": [
                    {"name": words.text(k.name), "commitment": money(k.commitment)} for k in p.contributors
                ],
            }
            for p in contract.payers
        ],
        "providers": [
            {
                "id": p.id,
                "name": words.text(p.name),
                "participants": str(p.enrolment.participants),
                "cost": money(p.cost_per_participant),
                "buffer": money(p.buffer),
            }
            for p in contract.providers
        ],
        "outcomes": _outcomes(contract, words),
        "caps": [
            {
                "level": word(words, CAP_LEVEL, c.level),
                "target": c.target or ", ".join(c.metrics),
                "amount": None if c.amount is None else money(c.amount),
                "participants": c.participants,
            }
            for c in contract.caps
        ],
        "tranches": [
            {
                "id": t.id,
                "kind": tranche_type(words, t),
                "investor": t.investor,
                "commitment": money(t.commitment),
                "seniority": str(t.seniority),
                "coupon": words.percent(t.coupon) if isinstance(t, Loan) else "",
            }
            for t in sorted(contract.tranches, key=lambda t: t.seniority)
        ],
        "maximum": [{"payer": k, "amount": money(v)} for k, v in mx.by_payer.items()],
        "maximum_total": money(mx.total),
    }


def _outcomes(contract: Contract, words: Language) -> list[dict[str, str]]:
    """One row per outcome a rule pays for: the rule, the outcome, its kind and evidence, its price, its payers."""
    rows = []
    for rule in contract.rules:
        payers = ", ".join(f"{p} {words.percent(s)}" for p, s in contract.rule_payers(rule))
        for metric_id, price in prices(words, contract, rule):
            m = contract.metric(metric_id)
            rows.append(
                {
                    "rule": rule.id,
                    "name": words.text(m.name),
                    "kind": word(words, METRIC_KIND, m.kind),
                    "evidence": word(words, EVIDENCE, m.evidence),
                    "price": price,
                    "payers": payers,
                }
            )
    return rows


def render_markdown(contract: Contract, lang: Language | None = None) -> str:
    """The overview as Markdown, from ``templates/overview.md.j2``, in ``lang`` (English by default)."""
    words = lang or Language("en")
    return markdown_environment(words).get_template("overview.md.j2").render(c=overview(contract, words))
