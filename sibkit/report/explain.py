"""``sibkit explain``: the money flow of a contract in plain language, for a non-specialist.

Built from the contract and one engine run of its expected scenario: who pays whom,
when, for what, and who bears which risk. Every figure comes from the engine; every
word comes from the catalogue, rules and frequencies through ``sibkit.report.words``.
"""

from __future__ import annotations

from sibkit.engine.accounts import Account
from sibkit.engine.results import Results
from sibkit.engine.run import default_scenario, run
from sibkit.i18n import N_, Language
from sibkit.model import Contract
from sibkit.report.words import FREQUENCY_EVERY, names, rule_sentence, tranche_type, word

__all__ = ["explain"]


def _opening(contract: Contract, lang: Language) -> str:
    """Who pays, who works, and the timeline."""
    tl = contract.timeline
    payers = lang.ngettext(
        "%(payers)s pays only for measured results.",
        "%(payers)s pay only for measured results.",
        len(contract.payers),
        payers=names(lang, [p.name for p in contract.payers]),
    )
    providers = lang.ngettext(
        "%(providers)s delivers the work.",
        "%(providers)s deliver the work.",
        len(contract.providers),
        providers=names(lang, [p.name for p in contract.providers]),
    )
    timeline = lang.gettext(
        "The contract starts on %(start)s, participants can enrol for %(enrolment)s months and it runs %(term)s "
        "months; results are paid %(frequency)s, once measured and verified.",
        start=tl.start,
        enrolment=tl.enrolment_months,
        term=tl.term_months,
        frequency=word(lang, FREQUENCY_EVERY, tl.payment_frequency),
    )
    return f"{payers} {providers} {timeline}"


def _risks(contract: Contract, lang: Language, res: Results) -> list[str]:
    """One line per party that bears a risk: the providers without investors, else each tranche and guarantee."""
    cur = contract.currency
    out: list[str] = []
    if not contract.tranches:
        for prov in res.providers:
            p = contract.provider(prov.id)
            out.append(
                lang.gettext(
                    "- %(provider)s pays its costs first and waits to be paid: its lowest cash is %(lowest)s "
                    "(month %(month)s); if results fall short, %(provider)s bears the loss.",
                    provider=p.name,
                    lowest=lang.money(int(prov.lowest_cash[0]), cur),
                    month=int(prov.lowest_cash_month[0]),
                )
            )
        return out
    for t, tr in zip(contract.tranches, res.tranches, strict=True):
        out.append(
            lang.gettext(
                "- %(investor)s (%(kind)s '%(tranche)s', seniority %(seniority)s) puts in %(drawn)s and gets back "
                "%(back)s in the expected scenario; if results fall short, it loses money, juniors first.",
                investor=t.investor,
                kind=tranche_type(lang, t),
                tranche=t.id,
                seniority=t.seniority,
                drawn=lang.money(int(tr.drawn[0]), cur),
                back=lang.money(int(tr.returned[0]), cur),
            )
        )
    for g in contract.guarantees:
        out.append(
            lang.gettext(
                "- %(guarantor)s guarantees up to %(amount)s of the loss on %(covers)s.",
                guarantor=g.guarantor,
                amount=lang.money(g.amount, cur),
                covers=", ".join(g.covers),
            )
        )
    return out


def _years(lang: Language, account: Account, cur: str) -> str:
    """`` (2023: €10,675.00; 2024: …)`` when what the party pays falls in more than one budget year."""
    paying = [y for y in account.years if y.pays[0]]
    if len(paying) < 2:
        return ""
    items = "; ".join(f"{y.year}: {lang.money(int(y.pays[0]), cur)}" for y in paying)
    return lang.gettext(" (per budget year: %(items)s)", items=items)


def _accounts(contract: Contract, lang: Language, res: Results) -> list[str]:
    """One line per party that moves money or saves: what it pays, receives and saves in the expected scenario."""
    cur = contract.currency
    out: list[str] = []
    for a in res.accounts:
        pays, receives, saves = int(a.pays[0]), int(a.receives[0]), int(a.savings[0])
        if not (pays or receives or saves):
            continue
        money = {"name": a.name, "pays": lang.money(pays, cur), "receives": lang.money(receives, cur)}
        if "outcome_payer" in a.roles and pays and pays == receives:
            line = lang.gettext("- %(name)s passes %(pays)s from its contributors on to the providers.", **money)
        elif "provider" in a.roles or receives:
            line = lang.gettext(
                "- %(name)s receives %(receives)s and pays %(pays)s: net %(net)s.",
                net=lang.money(int(a.net[0]), cur),
                **money,
            )
        elif pays:
            line = lang.gettext("- %(name)s pays %(pays)s%(years)s.", years=_years(lang, a, cur), **money)
        else:
            line = lang.gettext("- %(name)s pays nothing.", name=a.name)
        if saves:
            balance = int(a.net_of_savings[0])
            message = (
                N_("Its own budgets save %(saves)s (cashable), so on balance it is %(net)s better off.")
                if balance >= 0
                else N_("Its own budgets save %(saves)s (cashable), so on balance it is %(net)s worse off.")
            )
            line += " " + lang.translate(message, saves=lang.money(saves, cur), net=lang.money(abs(balance), cur))
        out.append(line)
    return out


def explain(contract: Contract, lang: str = "en") -> str:
    """A few paragraphs on how money moves in ``contract`` and who carries which risk, in ``lang``."""
    words = Language(lang)
    cur = contract.currency
    scenario = default_scenario(contract)
    res = run(contract, scenario)
    out = [words.gettext("# How the money moves: %(contract)s", contract=contract.name), _opening(contract, words)]
    out.append(words.gettext("## What is paid for"))
    out.extend(f"- {rule_sentence(words, contract, rule)}." for rule in contract.rules)
    paid = words.money(int(res.outcome_payments[0]), cur)
    if res.maximum_payment is None:
        out.append(
            words.gettext(
                "In the expected scenario ('%(scenario)s') the payers pay %(paid)s; the maximum is unbounded.",
                scenario=scenario.name,
                paid=paid,
            )
        )
    else:
        out.append(
            words.gettext(
                "In the expected scenario ('%(scenario)s') the payers pay %(paid)s, out of at most %(maximum)s.",
                scenario=scenario.name,
                paid=paid,
                maximum=words.money(res.maximum_payment, cur),
            )
        )
    out.append(words.gettext("## What each party pays and saves"))
    out.extend(_accounts(contract, words, res))
    out.append(words.gettext("## Who bears which risk"))
    out.extend(_risks(contract, words, res))
    out.append(words.gettext("Use `sibkit check` for risks and incentives, and `sibkit simulate` for the odds."))
    return "\n\n".join(out) + "\n"
