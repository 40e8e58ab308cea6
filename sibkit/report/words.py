"""The contract in words: the one place that puts a payment rule, a frequency, a unit or a file code into words.

Every function takes a ``Language`` and returns text in it; the English words are the
catalogue's msgids (``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po`` holds the rest), and
every number is written by the ``Language`` (Babel). ``sibkit show``, the Markdown
overview, ``sibkit explain`` and ``sibkit run``/``sweep`` use it; a report that needs
a rule, a frequency or an enum value in words should too.

A file code this module does not know (a newer model) is written as it is, with its
underscores as spaces, rather than failing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

from babel.numbers import get_decimal_symbol, get_group_symbol

from sibkit.engine.ledger import CONTRACT_ACCOUNT, COSTS, OTHER_INCOME, REVOLVING_FUND, TAX, Reason, Why
from sibkit.i18n import N_, Language
from sibkit.model import (
    Contract,
    Contributor,
    DeferredFee,
    Equity,
    Grant,
    Loan,
    OutcomePayer,
    RecoverableGrant,
    Scenario,
    Tranche,
)
from sibkit.model.rules import CohortThreshold, PaymentRule, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.sweep import BreakEven

__all__ = [
    "BUDGET_KIND",
    "CAP_LEVEL",
    "EVALUATOR_ROLE",
    "EVIDENCE",
    "FREQUENCY",
    "FREQUENCY_EVERY",
    "FUND_ROLE",
    "GUARANTEE_KIND",
    "INVESTOR_KIND",
    "IRR_REASON",
    "METRIC_KIND",
    "ROLE",
    "STATUS",
    "UNIT",
    "break_even_sentence",
    "contributor_shares",
    "fixed",
    "grouped",
    "irr_reason",
    "level",
    "names",
    "party_name",
    "prices",
    "role_word",
    "rule_sentence",
    "scenario_label",
    "segment_mix",
    "segment_name",
    "segment_prices",
    "table_money",
    "table_rate",
    "tranche_type",
    "word",
]

# -- closed vocabularies: short words for tables and sentences --------------------------------------
STATUS = {
    "draft": N_("draft"),
    "indicative": N_("indicative"),
    "agreed": N_("agreed"),
    "signed": N_("signed"),
    "historical": N_("historical"),
}
"""A contract's ``status``."""

METRIC_KIND = {
    "event": N_("event"),
    "change": N_("change"),
    "cohort_change": N_("cohort change"),
    "duration": N_("duration"),
    "milestone": N_("milestone"),
}
"""A metric's ``kind``."""

EVIDENCE = {"hard": N_("hard"), "soft": N_("soft")}
"""A metric's ``evidence``."""

CAP_LEVEL = {
    "participant": N_("participant"),
    "segment": N_("segment"),
    "metric": N_("metric"),
    "provider": N_("provider"),
    "payer": N_("payer"),
    "contract": N_("contract"),
}
"""A cap's ``level``."""

FUND_ROLE = {
    "fund": N_("the fund"),
    "lender": N_("lender to the fund"),
    "fund_manager": N_("fund manager"),
}
"""The roles a party has on an outcomes fund's own books, in words (contract roles: ``ROLE``)."""

INVESTOR_KIND = {
    "bank": N_("bank"),
    "foundation": N_("foundation"),
    "impact_fund": N_("impact fund"),
    "crowd": N_("crowd investors"),
    "provider": N_("provider"),
    "intermediary": N_("intermediary"),
    "government": N_("government"),
    "health_insurer": N_("health insurer"),
    "other": N_("other organisation"),
}
"""An investor's ``kind``."""

EVALUATOR_ROLE = {
    "evaluator": N_("evaluator"),
    "validator": N_("validator"),
    "evaluator_and_validator": N_("evaluator and validator"),
}
"""An evaluator's ``role``."""

GUARANTEE_KIND = {"guarantee": N_("guarantee"), "first_loss": N_("first-loss piece")}
"""A guarantee's ``kind``."""

UNIT = {
    "participant": N_("participant"),
    "household": N_("household"),
    "event": N_("event"),
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
    "quarter": N_("quarter"),
    "year": N_("year"),
    "qualification": N_("qualification"),
    "cohort": N_("cohort"),
}
"""A metric's ``unit``: what one payable unit is."""

FREQUENCY = {
    "monthly": N_("monthly"),
    "quarterly": N_("quarterly"),
    "semiannual": N_("semiannual"),
    "annual": N_("annual"),
    "end": N_("at the end"),
}
"""The timeline's ``payment_frequency`` as a table writes it (``payments quarterly``)."""

FREQUENCY_EVERY = {
    "monthly": N_("every month"),
    "quarterly": N_("every quarter"),
    "semiannual": N_("every six months"),
    "annual": N_("once a year"),
    "end": N_("at the end of the contract"),
}
"""The timeline's ``payment_frequency`` in a sentence (``results are paid every quarter``)."""

IRR_REASON: dict[int, str] = {
    1: N_("no sign change: no money came back, or none went in"),
    2: N_("several sign changes: the rate of return is not unique"),
    3: N_("the rate lies outside the range -99% to +100% a month"),
}
"""Why an IRR is undefined, by the code the engine returns (``sibkit.engine.irr.IRR_REASONS``)."""

_TRANCHE_TYPE: dict[type, str] = {
    Loan: N_("loan"),
    Equity: N_("equity"),
    RecoverableGrant: N_("recoverable grant"),
    Grant: N_("grant"),
    DeferredFee: N_("deferred fee"),
}


LEDGER_REASON: dict[Why, str] = {
    Why.CAPITAL_DRAWN: N_("capital drawn: %(ref)s"),
    Why.COSTS_FUNDED: N_("service fee from capital"),
    Why.FEE: N_("fee: %(ref)s"),
    Why.FUND_CONTRIBUTION: N_("contribution to outcome payments"),
    Why.VAT: N_("VAT on outcome payments"),
    Why.OUTCOME_PAYMENT: N_("outcome payment: %(ref)s, %(of)s"),
    Why.FEE_CONTRIBUTION: N_("contribution to fee: %(ref)s"),
    Why.INTEREST: N_("interest: %(ref)s"),
    Why.PRINCIPAL: N_("principal: %(ref)s"),
    Why.RETURN: N_("return: %(ref)s"),
    Why.RESIDUAL: N_("residual: %(ref)s"),
    Why.UNUSED_CAPITAL: N_("unused capital returned: %(ref)s"),
    Why.RESIDUAL_TO_FUND: N_("residual to the revolving fund"),
    Why.PROVIDER_INCENTIVE: N_("residual: provider incentive"),
    Why.PAYER_RESIDUAL: N_("residual returned to payer"),
    Why.SETTLEMENT_REFUND: N_("unused money returned at settlement"),
    Why.OTHER_INCOME: N_("other income"),
    Why.COSTS: N_("delivery costs"),
    Why.GUARANTEE_DRAW: N_("guarantee draw: %(ref)s for %(of)s"),
}
"""A ledger reason in words; in English exactly the engine's text (``str(reason)``, the CSV's)."""


ACCOUNT = {
    CONTRACT_ACCOUNT: N_("contract account"),
    COSTS: N_("delivery costs"),
    OTHER_INCOME: N_("other income"),
    TAX: N_("tax authority"),
    REVOLVING_FUND: N_("revolving fund"),
}
"""The engine's own ledger accounts in words (the other accounts are the contract's party ids)."""


ROLE = {
    "outcome_payer": N_("outcome payer"),
    "fund_contributor": N_("fund contributor"),
    "investor": N_("investor"),
    "guarantor": N_("guarantor"),
    "provider": N_("provider"),
    "intermediary": N_("intermediary"),
    "evaluator": N_("evaluator"),
    "budget_owner": N_("budget owner"),
    "other": N_("other party"),
}
"""A party's role in the contract (``engine.accounts.Role``) in words."""

BUDGET_KIND = {
    "participatiewet": N_("welfare (Participatiewet)"),
    "wmo": N_("social support (Wmo)"),
    "jeugdwet": N_("youth care (Jeugdwet)"),
    "zvw": N_("health insurance (Zvw)"),
    "wlz": N_("long-term care (Wlz)"),
    "schuldhulpverlening": N_("debt assistance"),
    "ww": N_("unemployment insurance (WW)"),
    "wia": N_("disability insurance (WIA)"),
    "justice": N_("justice"),
    "education": N_("education"),
    "housing": N_("housing"),
    "other": N_("other budget"),
}
"""The kind of a budget (``model.parties.BudgetKind``) in words: the Dutch law that funds it, with its name."""


def role_word(lang: Language, role: str) -> str:
    """A party's role in ``lang``."""
    return word(lang, ROLE, role)


def account(lang: Language, name: str) -> str:
    """A ledger account in ``lang``: the engine's own accounts in words, a party's id as the contract wrote it."""
    return lang.translate(ACCOUNT[name]) if name in ACCOUNT else name


def ledger_reason(lang: Language, reason: Reason) -> str:
    """Why money moved, in ``lang``; the names it refers to are the contract's, as written."""
    return lang.translate(LEDGER_REASON[reason.why], ref=reason.ref, of=reason.of)


def word(lang: Language, words: Mapping[str, str], code: str) -> str:
    """The word for ``code`` in ``words`` (one of this module's tables) in ``lang``; an unknown code as written,
    underscores as spaces."""
    found = words.get(code)
    return lang.translate(found) if found is not None else str(code).replace("_", " ")


def tranche_type(lang: Language, tranche: Tranche) -> str:
    """The kind of capital a tranche is (``loan``, ``equity`` …) in ``lang``."""
    found = _TRANCHE_TYPE.get(type(tranche))
    return lang.translate(found) if found is not None else type(tranche).__name__


def irr_reason(lang: Language, code: int) -> str:
    """Why an IRR is undefined (``code`` as the engine returns it, 1 to 3) in ``lang``."""
    return lang.translate(IRR_REASON[code])


def names(lang: Language, items: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C`` in ``lang`` (contract names in ``lang``: ``Language.text``)."""
    items = [lang.text(item) for item in items]
    if len(items) == 1:
        return items[0]
    return lang.gettext("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


# -- numbers for terminal tables ----------------------------------------------------------------------
def fixed(lang: Language, value: float, places: int) -> str:
    """``value`` with exactly ``places`` decimals and no grouping, with ``lang``'s decimal mark (``0,952``).

    Rounded as Python's ``format`` rounds the binary value (half even on the exact value), so English
    tables print what they always printed."""
    return f"{value:.{places}f}".replace(".", get_decimal_symbol(lang.locale))


def table_money(lang: Language, cents: float | None, currency: str) -> str:
    """An amount for a table: ``lang.money`` of whole cents; an average in fractional cents rounded half up
    to the cent first; ``–`` when undefined (``None`` or NaN)."""
    if cents is None or (isinstance(cents, float) and math.isnan(cents)):
        return "–"
    return lang.money(math.floor(cents + 0.5), currency)


def table_rate(lang: Language, fraction: float) -> str:
    """A computed rate for a table, as a percentage with two decimals (``30.67%`` / ``30,67%``); ``–`` when NaN."""
    return "–" if math.isnan(fraction) else fixed(lang, fraction * 100, 2) + "%"


def level(lang: Language, value: float) -> str:
    """A success level for a sentence, at most three decimals: ``0.5×``, ``0.952×`` (``0,952×`` in Dutch)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", get_decimal_symbol(lang.locale)) + "×"


def grouped(lang: Language, value: int) -> str:
    """A whole number with ``lang``'s grouping (``10,000`` / ``10.000``)."""
    return f"{value:,}".replace(",", get_group_symbol(lang.locale))


# -- payment rules ------------------------------------------------------------------------------------
def contributor_shares(payer: OutcomePayer) -> list[tuple[Contributor, Fraction]]:
    """Each contributor of a pooled fund and the share of the fund's payments it is charged: its commitment over
    all the commitments, equal shares when nobody commits anything (as the engine splits, ``engine.program``)."""
    total = sum(k.commitment for k in payer.contributors)
    if total == 0:
        return [(k, Fraction(1, len(payer.contributors))) for k in payer.contributors]
    return [(k, Fraction(k.commitment, total)) for k in payer.contributors]


def scenario_label(lang: Language, scenario: Scenario) -> str:
    """A scenario's name for readers in ``lang`` (its ``label``: laag/basis/hoog), its id when it has none."""
    return lang.text(scenario.label) if scenario.label else scenario.name


def segment_name(contract: Contract, segment_id: str) -> str:
    """A difficulty segment's name as the contract gives it (perhaps per language), its id when unnamed."""
    return next((s.name for s in contract.segments if s.id == segment_id), segment_id)


def segment_prices(lang: Language, contract: Contract, by_segment: Mapping[str, int]) -> str:
    """`` (€3,000.00 in segment 'Long on welfare')``: the prices that replace the general one in some difficulty
    segments, to follow that price; empty when the price is the same in every segment."""
    if not by_segment:
        return ""
    items = [
        lang.gettext(
            "%(price)s in segment '%(segment)s'",
            price=lang.money(price, contract.currency),
            segment=segment_name(contract, seg),
        )
        for seg, price in by_segment.items()
    ]
    return " (" + names(lang, items) + ")"


def segment_mix(lang: Language, contract: Contract, provider_id: str) -> str:
    """``50% 'Short on welfare', 50% 'Long on welfare'``: how a provider's participants fall into difficulty
    segments (what a segment price is paid on); empty when the provider states no mix."""
    prov = contract.provider(provider_id)
    return ", ".join(
        lang.gettext(
            "%(share)s '%(segment)s'", share=lang.percent(s.share), segment=segment_name(contract, s.segment)
        )
        for s in prov.segment_mix
    )


def prices(lang: Language, contract: Contract, rule: PaymentRule) -> list[tuple[str, str]]:
    """(metric id, its price in words) for every metric ``rule`` pays for, in the rule's order:
    ``80% of €50.00 per participant``, ``€1,000.00 once per participant``, ``€12.00 per day`` …; a price that
    differs by difficulty segment is followed by the segments' prices (``(€3,000.00 in segment 'Long')``)."""
    cur = contract.currency
    if isinstance(rule, Tariff):
        total = lang.money(rule.price_per_participant, cur)
        segments = segment_prices(lang, contract, rule.segment_prices)
        return [
            (
                c.metric,
                lang.gettext("%(weight)s of %(price)s per participant", weight=lang.percent(c.weight), price=total)
                + segments,
            )
            for c in rule.components
        ]
    if isinstance(rule, RateCard):
        return [
            (
                e.metric,
                (
                    lang.gettext("%(price)s per unit, repeatable", price=lang.money(e.price, cur))
                    if e.repeatable
                    else lang.gettext("%(price)s once per participant", price=lang.money(e.price, cur))
                )
                + segment_prices(lang, contract, e.segment_prices),
            )
            for e in rule.entries
        ]
    if isinstance(rule, CohortThreshold):
        tiers = "; ".join(
            lang.gettext(
                "from %(start)s: %(amount)s + %(price)s per unit",
                start=lang.percent(t.from_improvement),
                amount=lang.money(t.amount, cur),
                price=lang.money(t.price_per_unit, cur),
            )
            for t in rule.tiers
        )
        return [(rule.metric, tiers)]
    if isinstance(rule, PerTime):
        unit = word(lang, UNIT, contract.metric(rule.metric).unit)
        return [
            (rule.metric, lang.gettext("%(price)s per %(unit)s", price=lang.money(rule.price_per_unit, cur), unit=unit))
        ]
    assert isinstance(rule, ShareOfSavings)
    return [(rule.metric, lang.gettext("%(share)s of the savings", share=lang.percent(rule.share)))]


_EACH_TIME = N_("'%(outcome)s' %(price)s each time")
_ONCE = N_("'%(outcome)s' %(price)s once")


def rule_sentence(lang: Language, contract: Contract, rule: PaymentRule) -> str:
    """What ``rule`` pays, as one clause for a newcomer (``up to €50.00 per participant, split as …``)."""
    cur = contract.currency

    def name(metric: str) -> str:
        return contract.metric(metric).name

    if isinstance(rule, Tariff):
        parts = ", ".join(
            lang.gettext("%(weight)s for '%(outcome)s'", weight=lang.percent(c.weight), outcome=name(c.metric))
            for c in rule.components
        )
        price = lang.money(rule.price_per_participant, cur) + segment_prices(lang, contract, rule.segment_prices)
        return lang.gettext("up to %(price)s per participant, split as %(parts)s", price=price, parts=parts)
    if isinstance(rule, RateCard):
        lines = "; ".join(
            lang.translate(
                _EACH_TIME if e.repeatable else _ONCE,
                outcome=name(e.metric),
                price=lang.money(e.price, cur) + segment_prices(lang, contract, e.segment_prices),
            )
            for e in rule.entries
        )
        return lang.gettext("a rate card: %(lines)s", lines=lines)
    if isinstance(rule, CohortThreshold):
        return lang.gettext(
            "per cohort, only from a %(start)s improvement in '%(outcome)s'",
            start=lang.percent(rule.tiers[0].from_improvement),
            outcome=name(rule.metric),
        )
    if isinstance(rule, PerTime):
        return lang.gettext(
            "%(price)s per %(unit)s '%(outcome)s'",
            price=lang.money(rule.price_per_unit, cur),
            unit=word(lang, UNIT, contract.metric(rule.metric).unit),
            outcome=name(rule.metric),
        )
    assert isinstance(rule, ShareOfSavings)
    return lang.gettext(
        "%(share)s of the savings from '%(outcome)s'", share=lang.percent(rule.share), outcome=name(rule.metric)
    )


# -- break-even points ----------------------------------------------------------------------------------
_REACHED = {
    "principal_back": N_("gets its principal back (guarantees included)"),
    "irr_zero": N_("earns an IRR of at least 0%"),
    "margin_zero": N_("breaks even (margin of at least 0)"),
}
_NEVER = {
    "principal_back": N_(
        "%(party)s does not get its principal back at any level swept (%(low)s to %(high)s the '%(scenario)s' "
        "success rates)."
    ),
    "irr_zero": N_(
        "%(party)s does not earn an IRR of at least 0%% at any level swept (%(low)s to %(high)s the "
        "'%(scenario)s' success rates)."
    ),
    "margin_zero": N_(
        "%(party)s does not break even at any level swept (%(low)s to %(high)s the '%(scenario)s' success rates)."
    ),
}
_QUANTITY = {"principal_back": N_("multiple"), "irr_zero": N_("IRR"), "margin_zero": N_("margin")}
_HOW = {
    "start": N_("%(party)s %(event)s already at %(at)s the '%(scenario)s' success rates, the lowest level swept."),
    "exact": N_("%(party)s %(event)s from %(at)s the '%(scenario)s' success rates."),
    "jump": N_("%(party)s %(event)s from %(at)s the '%(scenario)s' success rates, where the result jumps."),
    "grid": N_(
        "%(party)s %(event)s from %(above)s the '%(scenario)s' success rates; at %(below)s its %(quantity)s is "
        "undefined."
    ),
}


def party_name(lang: Language, contract: Contract, point: BreakEven) -> str:
    """Who a break-even point is about: ``Tranche senior (Fund A)`` for a tranche, the provider's name."""
    if point.what == "margin_zero":
        return contract.provider(point.party).name
    tranche = next(t for t in contract.tranches if t.id == point.party)
    investors = {i.id: i.name for i in contract.investors}
    return lang.gettext(
        "Tranche %(id)s (%(investor)s)", id=tranche.id, investor=investors.get(tranche.investor, tranche.investor)
    )


def break_even_sentence(lang: Language, point: BreakEven, party: str, scenario: str, levels: Sequence[float]) -> str:
    """One sentence for a reader on where ``point`` lies: the party (``party``, its name as the reader should see
    it), the level as a multiple of the ``scenario``'s success rates and how it was found on ``levels``."""
    if point.method == "never":
        return lang.gettext(
            _NEVER[point.what], party=party, low=level(lang, levels[0]), high=level(lang, levels[-1]), scenario=scenario
        )

    def at(x: float | None) -> str:
        return "" if x is None else level(lang, x)

    return lang.gettext(
        _HOW[point.method],
        party=party,
        event=lang.translate(_REACHED[point.what]),
        at=at(levels[0] if point.method == "start" else point.level),
        below=at(point.below),
        above=at(point.above),
        scenario=scenario,
        quantity=lang.translate(_QUANTITY[point.what]),
    )
