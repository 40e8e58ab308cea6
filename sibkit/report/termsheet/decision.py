"""Page 1 of the term sheet: the summary a council decides on, and the value-for-money section.

A council member reads page 1 in two minutes. It answers, from every party's account (``Results.accounts``)
and the checks, without anything the body does not also show:

* what the deal buys (participants, outcomes, term, the most the payers pay);
* what each outcome payer and fund contributor pays in each scenario and at most, and, with a Monte Carlo
  summary, what it pays in 1 scenario in 20 (P95); per budget year where it appropriated money;
* the cashable savings and whose budgets they land in;
* what investors and guarantors put at risk and expect; the providers' cash risk;
* the three most important findings, with their remedy; the decision asked.

"At most" is an upper bound on everything a payer or contributor pays, VAT and fees included: the highest of
the engine's run at the maximum (``sibkit.engine.maximum.full_success``), the scenarios shown and the bound
built on the maximum potential outcome payment (``_at_most``), so it is never below a figure beside it;
where a payment rule has no natural maximum and no cap bounds it, it says "no limit".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sibkit.checks.finding import SEVERITIES
from sibkit.engine.accounts import Account
from sibkit.engine.results import Results
from sibkit.facts import Listing
from sibkit.model import OutcomePayer
from sibkit.report.termsheet.scenarios import level
from sibkit.report.termsheet.writer import Writer

__all__ = ["decision", "value_for_money"]

_FUNDERS = frozenset({"outcome_payer", "fund_contributor"})
"""Roles that pay for outcomes from a budget: the parties whose money a council decides on."""

TOP_FINDINGS = 3
"""Findings on page 1: the most severe first, the rest in the body."""


def _scenario_order(w: Writer) -> tuple[int, int, int]:
    """Indices (into ``w.computed.runs``) of the low, default and high scenario: the runs with the least and
    the most outcome payments, and the contract's default scenario (``base``)."""
    runs = w.computed.runs
    paid = [int(r.outcome_payments[0]) for r in runs]
    names = [sc.name for sc in w.computed.scenarios]
    base = names.index(w.computed.chart_scenario.name) if w.computed.chart_scenario.name in names else 0
    return int(np.argmin(paid)), base, int(np.argmax(paid))


def _account(res: Results, party: str) -> Account:
    return next(a for a in res.accounts if a.id == party)


def _fund_of(w: Writer, party: str) -> OutcomePayer | None:
    """The pooled fund ``party`` contributes to, if any."""
    return next((p for p in w.c.payers if any(k.id == party for k in p.contributors)), None)


def _bounded(w: Writer, account: Account) -> bool:
    """Whether what ``account`` pays has an upper limit: every payer it pays through has a maximum."""
    mx = w.computed.maximum.by_payer
    if "outcome_payer" in account.roles:
        return mx.get(account.id) is not None
    fund = _fund_of(w, account.id)
    return fund is None or mx.get(fund.id) is not None


def _payer_bound(w: Writer, payer: str) -> int | None:
    """An upper bound on what outcome payer ``payer`` pays in all: its maximum potential outcome payment
    (with the cents its shared lines may round up), VAT on it rounded up, and the fees it pays when every
    result is achieved. VAT and a contributor's share are rounded per payment, which can add a cent a
    payment to what is actually paid; the run at the maximum (also taken) includes those cents."""
    mx = w.computed.maximum
    most = mx.by_payer.get(payer)
    if most is None:
        return None
    outcome = most + mx.rounding_by_payer.get(payer, 0)
    num, den = w.c.vat_rate.as_integer_ratio()
    vat = -(-outcome * num // den)
    k = next(i for i, p in enumerate(w.c.payers) if p.id == payer)
    fees = int(w.computed.worst.payers[k].fees[0])
    return outcome + vat + fees


def _at_most(w: Writer, account: Account) -> int | None:
    """The most ``account`` pays (VAT and fees included): the engine's run at the maximum, the scenarios
    shown, and the bound from the maximum potential outcome payment (``_payer_bound``; a contributor its
    share of its fund's, by commitment, rounded up), whichever is highest, so it is
    never below a figure beside it. ``None`` when no limit bounds it."""
    if not _bounded(w, account):
        return None
    shown = [int(_account(r, account.id).pays[0]) for r in (w.computed.worst, *w.computed.runs)]
    if "outcome_payer" in account.roles:
        bound = _payer_bound(w, account.id)
    else:
        fund = _fund_of(w, account.id)
        fund_bound = None if fund is None else _payer_bound(w, fund.id)
        commitment = 0 if fund is None else next(k.commitment for k in fund.contributors if k.id == account.id)
        total = 0 if fund is None else sum(k.commitment for k in fund.contributors)
        bound = None
        if fund_bound is not None and total:
            bound = -(-fund_bound * commitment // total)
    return max([*shown, *([] if bound is None else [bound])])


def _funders(w: Writer) -> list[Account]:
    return [a for a in w.computed.runs[0].accounts if _FUNDERS & set(a.roles)]


def _pays_table(w: Writer) -> dict[str, Any]:
    """What each payer and contributor pays: one column per scenario, at most, and P95 with a simulation."""
    comp = w.computed
    sim = {a.id: a for a in comp.simulation.accounts} if comp.simulation is not None else {}
    headers = [w._("Party"), *[w.scenario(sc.name) for sc in comp.scenarios], w._("At most")]
    if sim:
        headers.append(w._("P95"))  # a short header keeps the table, and page 1, narrow; the note explains it
    rows = []
    for account in _funders(w):
        most = _at_most(w, account)
        row = [w.text(account.name)]
        row += [w.money(int(_account(r, account.id).pays[0])) for r in comp.runs]
        row.append(w._("no limit") if most is None else w.money(most))
        if sim:
            risk = sim.get(account.id)
            row.append(w.money(round(risk.pays_p95)) if risk is not None else "–")
        rows.append(row)
    note = w._(
        "At most: every participant achieves every outcome at the planned enrolment (VAT and fees included)."
    )
    if comp.simulation is not None:
        n = w.lang.integer(comp.simulation.n)
        note += " " + w._("P95: in 1 of 20 of the %(n)s simulated scenarios it pays more.", n=n)
    return {"headers": headers, "rows": rows, "note": note}


def _years_table(w: Writer) -> dict[str, Any] | None:
    """Per budget year, for each payer and contributor that appropriated money: appropriated, default
    scenario, at most (and P95 with a simulation). ``None`` when nobody states appropriations."""
    comp = w.computed
    _, base, _ = _scenario_order(w)
    sim = {a.id: a for a in comp.simulation.accounts} if comp.simulation is not None else {}
    base_name = w.scenario(comp.scenarios[base].name)
    headers = [w._("Party"), w._("Budget year"), w._("Appropriated"), base_name, w._("At most")]
    if sim:
        headers.append(w._("P95"))
    rows = []
    for account in _funders(w):
        years = _account(comp.runs[base], account.id).years
        if not any(y.appropriated is not None for y in years):
            continue
        worst = {y.year: int(y.pays[0]) for y in _account(comp.worst, account.id).years}
        risk = {y.year: y for y in sim[account.id].years} if account.id in sim else {}
        bounded = _bounded(w, account)
        for y in years:
            if not y.pays[0] and y.appropriated is None and not worst.get(y.year):
                continue
            row = [
                w.text(account.name),
                str(y.year),
                "–" if y.appropriated is None else w.money(y.appropriated),
                w.money(int(y.pays[0])),
                w.money(max(worst.get(y.year, 0), int(y.pays[0]))) if bounded else w._("no limit"),
            ]
            if sim:
                row.append(w.money(round(risk[y.year].p95)) if y.year in risk else "–")
            rows.append(row)
    return {"headers": headers, "rows": rows} if rows else None


def _buys(w: Writer) -> str:
    c = w.c
    participants = sum(p.enrolment.participants for p in c.providers)
    total = w.computed.maximum.total
    return w._(
        "%(contract)s pays %(providers)s for verified results of up to %(participants)s participants over "
        "%(months)s: %(metrics)s. %(limit)s",
        contract=c.name,
        providers=w.lang.value(Listing(tuple(w.text(p.name) for p in c.providers), joined="and")),
        participants=w.lang.integer(participants),
        months=w.months(c.timeline.term_months),
        metrics=w.lang.value(Listing(tuple(w.text(m.name) for m in c.metrics), joined="and")),
        limit=w._("Outcome payments are at most %(amount)s in all, VAT excluded.", amount=w.money(total))
        if total is not None
        else w._("No cap limits the outcome payments in all."),
    )


def _savings(w: Writer) -> list[str]:
    """Who the cashable savings land with, in the default scenario."""
    _, base, _ = _scenario_order(w)
    res = w.computed.runs[base]
    lines = []
    for a in res.accounts:
        saved = int(a.savings[0])
        if saved:
            lines.append(
                w._(
                    "%(party)s: %(amount)s of cashable savings in its own budgets in '%(scenario)s'.",
                    party=a.name,
                    amount=w.money(saved),
                    scenario=w.scenario(w.computed.scenarios[base].name),
                )
            )
    outside = int(res.cashable_savings[0]) - sum(int(a.savings[0]) for a in res.accounts)
    if outside > 0:
        lines.append(
            w._(
                "%(amount)s of cashable savings land in budgets of organisations outside the deal.",
                amount=w.money(outside),
            )
        )
    if not lines:
        return [w._("The contract states no cashable savings.")]
    return lines


def _capital(w: Writer) -> list[str]:
    """What investors and guarantors put at risk and what they expect."""
    comp = w.computed
    low, base, _ = _scenario_order(w)
    out = []
    for j, t in enumerate(w.c.tranches):
        b, lo = comp.runs[base].tranches[j], comp.runs[low].tranches[j]
        out.append(
            w._(
                "%(tranche)s: %(drawn)s drawn; in '%(base)s' an IRR of %(irr)s a year (%(multiple)s back), "
                "in '%(low)s' a loss of %(loss)s.",
                tranche=w.tranche(t.id),
                drawn=w.money(int(b.drawn[0])),
                base=w.scenario(comp.scenarios[base].name),
                irr=w.lang.rate(float(b.irr[0])) or "–",
                multiple=w.lang.multiple(float(b.multiple[0])) or "–",
                low=w.scenario(comp.scenarios[low].name),
                loss=w.money(int(lo.loss[0])),
            )
        )
    for g, guarantee in enumerate(w.c.guarantees):
        paid = [int(sum(int(x[0]) for _, x in r.guarantees[g].paid_to)) for r in comp.runs]
        out.append(
            w._(
                "Guarantee %(guarantee)s (%(guarantor)s): pays up to %(amount)s; %(low)s in '%(lowname)s', "
                "%(base)s in '%(basename)s'.",
                guarantee=guarantee.id,
                guarantor=w.name(guarantee.guarantor),
                amount=w.money(guarantee.amount),
                low=w.money(paid[low]),
                lowname=w.scenario(comp.scenarios[low].name),
                base=w.money(paid[base]),
                basename=w.scenario(comp.scenarios[base].name),
            )
        )
    if comp.simulation is not None:
        risks = {a.id: a for a in comp.simulation.accounts}
        for guarantor in dict.fromkeys(g.guarantor for g in w.c.guarantees):
            if guarantor in risks:
                out.append(
                    w._(
                        "%(party)s pays %(mean)s on average under its guarantees, over %(n)s simulated scenarios.",
                        party=w.name(guarantor),
                        mean=w.money(round(risks[guarantor].expected_pays)),
                        n=w.lang.integer(comp.simulation.n),
                    )
                )
    return out


def _providers(w: Writer) -> list[str]:
    """Each provider's lowest cash in the default and the low scenario (first, when nobody else finances the
    work, that the providers do)."""
    comp = w.computed
    low, base, _ = _scenario_order(w)
    out = []
    if not w.c.tranches and not w.c.guarantees:
        out.append(w._("There are no investors or guarantors: the providers pre-finance the work themselves."))
    for p, prov in enumerate(w.c.providers):
        b, lo = comp.runs[base].providers[p], comp.runs[low].providers[p]
        out.append(
            w._(
                "%(provider)s: lowest cash %(base)s in '%(basename)s' (%(month)s), %(low)s in '%(lowname)s'.",
                provider=prov.name,
                base=w.money(int(b.lowest_cash[0])),
                basename=w.scenario(comp.scenarios[base].name),
                month=w.month(int(b.lowest_cash_month[0])),
                low=w.money(int(lo.lowest_cash[0])),
                lowname=w.scenario(comp.scenarios[low].name),
            )
        )
    return out


def _findings(w: Writer) -> list[dict[str, str]]:
    """The ``TOP_FINDINGS`` most severe findings: title and remedy."""
    rank = {s: i for i, s in enumerate(reversed(SEVERITIES))}
    ordered = sorted(w.computed.findings, key=lambda f: rank[f.severity])
    return [{"title": f.title(w.lang.code), "remedy": f.mitigation(w.lang.code)} for f in ordered[:TOP_FINDINGS]]


def _decision(w: Writer) -> str:
    """The decision asked, in one sentence: who commits how much at most."""
    pooled = {p.id for p in w.c.payers if p.contributors}
    parts = []
    for account in _funders(w):
        if account.id in pooled:
            continue  # a pooled fund: its contributors commit the money
        most = _at_most(w, account)
        parts.append(
            w._("%(party)s at most %(amount)s", party=account.name, amount=w.money(most))
            if most is not None
            else w._("%(party)s without an upper limit", party=account.name)
        )
    return w._(
        "To agree to %(contract)s for %(months)s from %(start)s, paying only for verified results: %(commitments)s "
        "(VAT and fees included).",
        contract=w.c.name,
        months=w.months(w.c.timeline.term_months),
        start=w.month(0),
        commitments=w.lang.value(Listing(tuple(parts), joined="and")),
    )


def decision(w: Writer) -> dict[str, Any]:
    """Page 1: the decision summary (see the module)."""
    return {
        "buys": _buys(w),
        "pays": _pays_table(w),
        "years": _years_table(w),
        "savings": _savings(w),
        "capital": _capital(w),
        "providers": _providers(w),
        "findings": _findings(w),
        "decision": _decision(w),
    }


def _savings_cover(w: Writer, res: Results) -> list[str]:
    """From which success level each payer's and contributor's savings cover what it pays, in words."""
    comp = w.computed
    lines = []
    for point in comp.savings_break_even:
        who = _account(res, point.party).name
        if point.method == "start":
            lines.append(
                w._(
                    "%(party)s: its savings cover what it pays at every level from %(low)s to %(high)s.",
                    party=who,
                    low=level(w, comp.sweep.levels[0]),
                    high=level(w, comp.sweep.levels[-1]),
                )
            )
        elif point.level is None:
            lines.append(
                w._(
                    "%(party)s: its savings do not cover what it pays at any level from %(low)s to %(high)s.",
                    party=who,
                    low=level(w, comp.sweep.levels[0]),
                    high=level(w, comp.sweep.levels[-1]),
                )
            )
        else:
            lines.append(
                w._(
                    "%(party)s: its savings cover what it pays from %(level)s the '%(scenario)s' success rates.",
                    party=who,
                    level=level(w, point.level),
                    scenario=w.scenario(comp.chart_scenario.name),
                )
            )
    return lines


def value_for_money(w: Writer) -> dict[str, Any]:
    """Costs and savings per payer and contributor in the default scenario, in money and in present value at
    the contract's discount rate, the cost per result, and the success level from which savings cover
    the cost."""
    comp = w.computed
    _, base, _ = _scenario_order(w)
    res = comp.runs[base]
    pooled = {p.id for p in w.c.payers if p.contributors}
    rows: list[list[str]] = []
    for a in res.accounts:
        if not (_FUNDERS | {"budget_owner"}) & set(a.roles) or a.id in pooled:
            continue  # a pooled fund passes every cost on to its contributors, who have their own rows
        pv = a.present
        rows.append(
            [
                w.text(a.name),
                w.money(int(a.pays[0])),
                w.money(int(a.savings[0])),
                w.money(int(a.net_of_savings[0])),
                "–" if pv is None else w.money(int(pv.pays[0])),
                "–" if pv is None else w.money(int(pv.savings[0])),
                "–" if pv is None else w.money(int(pv.net_of_savings[0])),
            ]
        )
    lines = _savings_cover(w, res)
    per_result = [
        w._(
            "%(party)s: %(each)s per result paid for (outcome payments, VAT and fees).",
            party=payer.name,
            each=w.lang.average_money(float(res.payers[k].cost_per_outcome[0]), w.c.currency) or "–",
        )
        for k, payer in enumerate(w.c.payers)
    ]
    return {
        "intro": w._(
            "In the scenario '%(scenario)s'. Present values at the start of the contract, discounted at "
            "%(rate)s a year.",
            scenario=w.scenario(comp.scenarios[base].name),
            rate=w.lang.percent(w.c.discount_rate),
        ),
        "headers": [
            w._("Party"),
            w._("Pays"),
            w._("Saves"),
            w._("Net"),
            w._("Pays (present value)"),
            w._("Saves (present value)"),
            w._("Net (present value)"),
        ],
        "rows": rows,
        "per_result": per_result,
        "break_even": lines,
    }

