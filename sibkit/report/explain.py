"""``sibkit explain``: the money flow of a contract in plain language, for a non-specialist.

Built from the contract and one engine run of its expected scenario: who pays whom,
when, for what, and who bears which risk. Every figure comes from the engine; every
word comes from the catalogue, rules and frequencies through ``sibkit.report.words``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sibkit.engine.accounts import Account, parties
from sibkit.engine.maximum import maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import run
from sibkit.i18n import N_, Language
from sibkit.model import Contract, PaymentRule, Scenario
from sibkit.report.words import (
    FREQUENCY_EVERY,
    contributor_shares,
    names,
    rule_sentence,
    scenario_label,
    segment_mix,
    tranche_type,
    word,
)

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


def _party(contract: Contract, party_id: str) -> str:
    """The name of the party with ``party_id`` (an investor, a payer, a provider …), its id when it has none."""
    return next((name for pid, name, _ in parties(contract) if pid == party_id), party_id)


def _per_scenario(lang: Language, cur: str, scenarios: Sequence[Scenario], amounts: Sequence[int]) -> str:
    """``€40,000.00 in 'none', €25,000.00 in 'low' and €0.00 in 'base'``: one amount for each scenario."""
    return names(
        lang,
        [
            lang.gettext(
                "%(amount)s in '%(scenario)s'",
                amount=lang.money(x, cur),
                scenario=scenario_label(lang, sc),
            )
            for sc, x in zip(scenarios, amounts, strict=True)
        ],
    )


def _risks(
    contract: Contract, lang: Language, res: Results, scenarios: Sequence[Scenario], runs: Sequence[Results]
) -> list[str]:
    """One line per party that bears a risk: the providers without investors, else each tranche and guarantee
    (what it covers, and what it pays in each scenario)."""
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
    for i, g in enumerate(contract.guarantees):
        covers = {
            "guarantor": _party(contract, g.guarantor),
            "amount": lang.money(g.amount, cur),
            "covers": names(lang, list(g.covers)),
        }
        line = (
            lang.gettext("- %(guarantor)s guarantees up to %(amount)s of the loss on %(covers)s.", **covers)
            if g.coverage == 1
            else lang.gettext(
                "- %(guarantor)s guarantees %(coverage)s of the loss on %(covers)s, up to %(amount)s.",
                coverage=lang.percent(g.coverage),
                **covers,
            )
        )
        paid = [int(r.guarantees[i].paid[0]) for r in runs]
        line += " " + lang.gettext("The guarantor pays %(paid)s.", paid=_per_scenario(lang, cur, scenarios, paid))
        out.append(line)
    return out


def _paid_for(contract: Contract, lang: Language, rule: PaymentRule) -> str:
    """What ``rule`` pays, and who pays it in what shares when several payers share it."""
    line = f"- {rule_sentence(lang, contract, rule)}."
    shares = contract.rule_payers(rule)
    if len(shares) > 1:
        payers = [
            lang.gettext("%(payer)s (%(share)s)", payer=_party(contract, p), share=lang.percent(share))
            for p, share in shares
        ]
        line += " " + lang.gettext("Paid by %(payers)s.", payers=names(lang, payers))
    return line


def _segments(contract: Contract, lang: Language) -> list[str]:
    """How each provider's participants fall into difficulty segments, on which the segment prices are paid."""
    return [
        lang.gettext(
            "- %(provider)s's participants by difficulty segment: %(mix)s.",
            provider=prov.name,
            mix=segment_mix(lang, contract, prov.id),
        )
        for prov in contract.providers
        if prov.segment_mix
    ]


def _funds(contract: Contract, lang: Language, scenarios: Sequence[Scenario], runs: Sequence[Results]) -> list[str]:
    """Each pooled fund: its contributors share what it pays by commitment; what each is charged in each
    scenario against its commitment, and what the fund gives back to it at settlement."""
    cur = contract.currency
    out: list[str] = []
    for payer in contract.payers:
        if not payer.contributors:
            continue
        out.append(
            lang.gettext(
                "%(fund)s pools its contributors' money: each pays its part of what the fund pays, in proportion "
                "to its commitment.",
                fund=payer.name,
            )
        )
        for k, share in contributor_shares(payer):
            accounts = [next(a for a in r.accounts if a.id == k.id) for r in runs]
            line = lang.gettext(
                "- %(name)s commits %(commitment)s and carries %(share)s of the fund's payments: it is charged "
                "%(charged)s.",
                name=k.name,
                commitment=lang.money(k.commitment, cur),
                share=lang.percent(share),
                charged=_per_scenario(lang, cur, scenarios, [int(a.pays[0]) for a in accounts]),
            )
            back = [int(a.receives[0]) for a in accounts]
            if any(back):
                line += " " + lang.gettext(
                    "The fund gives back what it did not need: %(back)s.",
                    back=_per_scenario(lang, cur, scenarios, back),
                )
            out.append(line)
    return out


def _years(lang: Language, account: Account, cur: str) -> str:
    """`` (2023: €10,675.00; 2024: …)`` when what the party pays falls in more than one budget year."""
    paying = [y for y in account.years if y.pays[0]]
    if len(paying) < 2:
        return ""
    items = "; ".join(f"{y.year}: {lang.money(int(y.pays[0]), cur)}" for y in paying)
    return lang.gettext(" (per budget year: %(items)s)", items=items)


def _given_back(contract: Contract, res: Results, fund: str) -> int:
    """Cents the pooled fund ``fund`` paid back to its own contributors in the expected scenario (the ledger's
    movements from the fund to them: a residual or a settlement refund passed on)."""
    payer = next((p for p in contract.payers if p.id == fund), None)
    own = {k.id for k in payer.contributors} if payer is not None else set()
    return sum(
        int(v[0].sum()) for (source, target, _), v in res.flows.ledger.flows.items() if source == fund and target in own
    )


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
            # a pooled fund: what it pays includes what it gives back to its contributors (money not needed)
            back = _given_back(contract, res, a.id)
            if back:
                line = lang.gettext(
                    "- %(name)s passes %(passed)s from its contributors on to the providers and gives the %(back)s it"
                    " did not need back to them.",
                    name=a.name,
                    passed=lang.money(pays - back, cur),
                    back=lang.money(back, cur),
                )
            else:
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
    """A few paragraphs on how money moves in ``contract`` and who carries which risk, in ``lang``: the expected
    scenario's figures, and for a pooled fund's contributors and a guarantee every scenario's, since what they
    pay depends most on how the results turn out."""
    words = Language(lang)
    cur = contract.currency
    scenario = contract.default_scenario()
    scenarios = contract.scenarios or (scenario,)
    maximum = maximum_payment(contract)
    runs = [run(contract, sc, maximum=maximum) for sc in scenarios]
    res = runs[scenarios.index(scenario)]
    out = [words.gettext("# How the money moves: %(contract)s", contract=contract.name), _opening(contract, words)]
    out.append(words.gettext("## What is paid for"))
    out.extend(_paid_for(contract, words, rule) for rule in contract.rules)
    out.extend(_segments(contract, words))
    paid = words.money(int(res.outcome_payments[0]), cur)
    if res.maximum_payment is None:
        out.append(
            words.gettext(
                "In the expected scenario ('%(scenario)s') the payers pay %(paid)s; the maximum is unbounded.",
                scenario=scenario_label(words, scenario),
                paid=paid,
            )
        )
    else:
        out.append(
            words.gettext(
                "In the expected scenario ('%(scenario)s') the payers pay %(paid)s, out of at most %(maximum)s.",
                scenario=scenario_label(words, scenario),
                paid=paid,
                maximum=words.money(res.maximum_payment, cur),
            )
        )
    funds = _funds(contract, words, scenarios, runs)
    if funds:
        out.append(words.gettext("## Who pays into the fund"))
        out.extend(funds)
    out.append(words.gettext("## What each party pays and saves"))
    out.extend(_accounts(contract, words, res))
    out.append(words.gettext("## Who bears which risk"))
    out.extend(_risks(contract, words, res, scenarios, runs))
    out.append(words.gettext("Use `sibkit check` for risks and incentives, and `sibkit simulate` for the odds."))
    return "\n\n".join(out) + "\n"
