"""The fund summary sheet's view model: every section as plain, already formatted and translated text.

Built like the contract term sheet (``sibkit.report.termsheet``): ``compute_fund`` runs the fund engine once
(``FundBooks``); ``fund_sheet_view`` writes every section from it in one language, so the templates do no
arithmetic. Every amount is the engine's (``FundResults``) written by the sheet's ``Language``: money in whole
cents, a balance below zero as what the fund is *short* rather than with a minus sign.

Page 1 is the decision summary a council reads: what the fund buys, what each contributor commits and is
charged, whether the fund can pay every verified result and from when it is at risk, the year it sustains
itself (if any), the money flowing back, and the three numbers that matter most. Then the contracts, the yearly
books, the contributors, the money flowing back, every party's account, the chart, and the annexes: the
figures of the fund file with the source or the assumption its ``provenance`` entries give each (in the sheet's
language, as the contract term sheet shows a contract's), the file's sources, and the definitions of
``docs/fund.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import attrs
import numpy as np
from markupsafe import Markup

from sibkit.engine.fund import RECYCLED, FundResults, FundWhy, StartRun, contributor_charges, fund_run
from sibkit.facts import N_, Listing
from sibkit.fund_load import LoadedFund
from sibkit.i18n import Language
from sibkit.model import Provenance
from sibkit.model.fund import FundPart, fund_parts, fund_provenance
from sibkit.report.fund.chart import fund_chart, fund_chart_labels
from sibkit.report.termsheet.figures import _svg_text
from sibkit.report.words import FUND_ROLE, ROLE, word

__all__ = ["DEFINITIONS", "FundBooks", "compute_fund", "fund_sheet_view"]

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Committed liability"),
        N_(
            "For every contract live in that month (started, term not ended), its maximum potential payment less"
            " what the fund has paid it so far, summed (+: a live contract has no maximum, so the figure counts"
            " the others only)."
        ),
    ),
    (
        N_("Cash and future contributions"),
        N_("The balance plus every contribution still scheduled after that month."),
    ),
    (
        N_("First shortfall"),
        N_(
            "The first month with outcome payments larger than the cash the fund has that month (the balance it"
            " starts the month with plus what it receives in the month: money comes in before it goes out), and"
            " the most its balance falls below zero (what it would need more)."
        ),
    ),
    (
        N_("Self-sustaining year"),
        N_(
            "The first calendar year Y such that, were no contribution paid from Y on, the balance would never"
            " fall below zero from the end of the year before Y to the end of the books, while the fund still"
            ' has outcome payments to make in Y or later. A fund with no payments left is not "sustaining'
            ' itself"; it has stopped.'
        ),
    ),
    (
        N_("Charged"),
        N_(
            "The contributions the fund has spent by the end of its books (all contributions less the final"
            " balance, between zero and all contributions), split in proportion to what each paid in (largest"
            " remainder)."
        ),
    ),
)
"""The sheet's definitions (Annex B), as ``docs/fund.md`` defines them (``tests/test_fund_report.py`` compares)."""


@attrs.frozen(kw_only=True, eq=False)
class FundBooks:
    """Everything the engine computes for a fund sheet, once, independent of the language."""

    loaded: LoadedFund
    signed: FundResults
    """The books of the signed contracts (what the fund is bound to)."""
    pipeline: FundResults | None
    """The books with the pipeline at expected value (``None`` without pipeline entries)."""
    scenario: str | None
    """The scenario asked for (``None``: each contract's own)."""
    charges: tuple[tuple[int, int, int], ...]
    """Per contributor: (commitment, paid in, charged), cents (``sibkit fund run``'s ``contributor_charges``)."""


def compute_fund(loaded: LoadedFund, scenario: str | None = None) -> FundBooks:
    """Run the fund engine once for a sheet."""
    signed, pipeline = fund_run(loaded.fund, loaded.contracts, scenario)
    return FundBooks(
        loaded=loaded,
        signed=signed,
        pipeline=pipeline,
        scenario=scenario,
        charges=tuple(contributor_charges(signed)),
    )


class _Writer:
    """One fund's amounts, months and messages in one language."""

    def __init__(self, books: FundBooks, lang: Language, today: dt.date) -> None:
        self.b = books
        self.r = books.signed
        self.lang = lang
        self.today = today

    def _(self, message: str, **variables: object) -> str:
        return self.lang.gettext(message, **variables)

    def money(self, cents: int) -> str:
        """Cents in the fund's currency."""
        return self.lang.money(int(cents), self.r.fund.currency)

    def balance(self, cents: int) -> str:
        """A balance: below zero written as what the fund is short (``€ 6.119,23 tekort``), not with a minus."""
        if cents < 0:
            return self._("%(amount)s short", amount=self.money(-int(cents)))
        return self.money(cents)

    def net(self, cents: int) -> str:
        """What a party receives less what it pays, in words rather than with a sign."""
        if cents > 0:
            return self._("receives %(amount)s more", amount=self.money(cents))
        if cents < 0:
            return self._("pays %(amount)s more", amount=self.money(-cents))
        return self.money(0)

    def month(self, t: int) -> str:
        """Fund month ``t`` as a calendar month."""
        return self.lang.month(self.r.month_start(t))

    def months(self, n: int) -> str:
        """A number of months: ``36 months``."""
        return self.lang.ngettext("%(num)d month", "%(num)d months", n)

    def span(self, n: int) -> str:
        """A fund's horizon of ``n`` months: in years when it is whole years (``20 years``)."""
        if n % 12 == 0:
            return self.lang.ngettext("%(num)d year", "%(num)d years", n // 12)
        return self.months(n)

    def contract(self, s: StartRun) -> str:
        """A contract start as readers know it: the contract's name."""
        return self.lang.text(s.contract.name)

    def paid(self, books: FundResults, s: StartRun) -> int:
        """What the fund pays for a start (outcome payments with VAT, contract fees), cents."""
        return sum(
            int(f.amounts.sum())
            for f in books.flows
            if f.source == books.fund.id
            and f.why in (FundWhy.OUTCOME_PAYMENT, FundWhy.CONTRACT_FEE)
            and f.ref == s.label
        )


def _header(w: _Writer) -> dict[str, Any]:
    fund = w.r.fund
    scenario = w.b.scenario if w.b.scenario is not None else w._("each contract's own scenario")
    return {
        "name": w.lang.text(fund.name),
        "description": [w.lang.text(fund.description)] if fund.description else [],
        "fields": [
            [w._("Date"), w.lang.date(w.today)],
            [w._("Currency"), fund.currency],
            [w._("Start"), w.month(0)],
            [w._("Horizon"), w.span(fund.horizon_months)],
            [w._("Books until"), w.month(w.r.months - 1)],
            [w._("Scenario"), scenario],
        ],
    }


def _buys(w: _Writer) -> list[str]:
    r = w.r
    counts: dict[str, int] = {}
    for s in r.starts:
        counts[w.contract(s)] = counts.get(w.contract(s), 0) + 1
    parts = tuple(
        w.lang.ngettext("%(name)s (%(num)d start)", "%(name)s (%(num)d starts)", n, name=k) for k, n in counts.items()
    )
    if not r.starts:
        out = [
            w._("%(fund)s has no signed contract yet: it is bound to pay for nothing.", fund=w.lang.text(r.fund.name))
        ]
        return out + _pipeline_sentence(w)
    first = min(s.offset for s in r.starts)
    last = max(s.offset for s in r.starts)
    out = [
        w._(
            "%(fund)s pays providers for verified results of %(count)s signed contract starts, started from %(first)s"
            " to %(last)s: %(contracts)s.",
            fund=w.lang.text(r.fund.name),
            count=w.lang.integer(len(r.starts)),
            first=w.month(first),
            last=w.month(last),
            contracts=w.lang.value(Listing(parts, joined="and")),
        )
    ]
    maxima = [s.maximum for s in r.starts]
    outcome = int(r.by_why[FundWhy.OUTCOME_PAYMENT].sum())
    if any(m is None for m in maxima):
        out.append(w._("A signed contract has no maximum: nothing limits what the fund may have to pay for it."))
    else:
        out.append(
            w._(
                "At most the signed contracts cost the fund %(maximum)s in outcome payments (VAT excluded);"
                " in the contracts' scenarios it pays %(paid)s (VAT included).",
                maximum=w.money(sum(m for m in maxima if m is not None)),
                paid=w.money(outcome),
            )
        )
    return out + _pipeline_sentence(w)


def _pipeline_sentence(w: _Writer) -> list[str]:
    """How many starts are in the pipeline, and where the figures count them."""
    p = w.b.pipeline
    if p is None:
        return []
    pending = [s for s in p.starts if s.pipeline]
    return [
        w._(
            "%(count)s more starts are in the pipeline, not yet approved; the figures count them only where"
            ' it says "with the pipeline" (at expected value).',
            count=w.lang.integer(len(pending)),
        )
    ]


def _decision(w: _Writer) -> str:
    fund = w.r.fund
    parts = tuple(
        w._("%(party)s %(amount)s", party=w.lang.text(c.name), amount=w.money(c.commitment)) for c in fund.contributors
    )
    return w._(
        "To agree to %(fund)s from %(start)s for %(months)s, paying only for verified results, with these"
        " commitments of its contributors: %(commitments)s (%(total)s in all).",
        fund=w.lang.text(fund.name),
        start=w.month(0),
        months=w.span(fund.horizon_months),
        commitments=w.lang.value(Listing(parts, joined="and")),
        total=w.money(sum(c.commitment for c in fund.contributors)),
    )


def _contributor_rows(w: _Writer, *, full: bool) -> list[list[str]]:
    rows = []
    for c, (commitment, paid, charged) in zip(w.r.fund.contributors, w.b.charges, strict=True):
        share = w.lang.rate(charged / commitment) if commitment else None
        row = [w.lang.text(c.name), w.money(commitment), w.money(paid)]
        if full:
            row.append(w.money(max(commitment - paid, 0)))
        row += [w.money(charged), share or "–"]
        rows.append(row)
    return rows


def _verdicts(w: _Writer, books: FundResults) -> list[str]:
    """The fund's verdicts for one set of books (the same sentences as ``sibkit fund run``, and the lowest
    balance when it falls below zero)."""
    out = []
    if books.first_shortfall is None:
        out.append(w._("The fund can pay every verified result when it is due."))
    else:
        out.append(
            w._(
                "First month the fund cannot pay a verified result in full: %(month)s;"
                " at its lowest the fund is short by %(short)s.",
                month=w.month(books.first_shortfall),
                short=w.money(books.shortfall),
            )
        )
    low = int(np.argmin(books.balance))
    if books.balance[low] < 0 and books.first_shortfall is None:
        out.append(
            w._(
                "Its balance still falls below zero, paying fees and loans: at its lowest, in %(month)s, the fund"
                " is %(short)s short.",
                month=w.month(low),
                short=w.money(-int(books.balance[low])),
            )
        )
    over = books.first_overcommitted
    if over is None:
        out.append(w._("The fund's cash and future contributions cover the maximum of every live contract."))
    else:
        out.append(
            w._(
                "From %(month)s the committed liability exceeds the fund's cash and future contributions:"
                " if every live contract paid its maximum, the fund could not pay it all.",
                month=w.month(over),
            )
        )
    if books.sustaining_year is None:
        out.append(w._("The fund does not sustain itself without new contributions within its books."))
    else:
        out.append(
            w._(
                "From %(year)s on the fund sustains itself: it pays everything due without new contributions.",
                year=books.sustaining_year,
            )
        )
    return out


def _back_sentence(w: _Writer) -> str:
    r = w.r
    kinds = [int(r.by_why[k].sum()) for k in RECYCLED]
    if not any(kinds):
        return w._("No money flows back to the fund.")
    return w._(
        "%(total)s flows back to the fund over its books: %(residual)s of contracts' residual, %(capital)s of"
        " repaid capital and %(savings)s of realised savings.",
        total=w.money(sum(kinds)),
        residual=w.money(kinds[0]),
        capital=w.money(kinds[1]),
        savings=w.money(kinds[2]),
    )


def _key_figures(w: _Writer) -> dict[str, Any]:
    """The three numbers that matter most: the lowest balance, the largest gap at the maximum, the contributions
    spent."""
    r = w.r
    low = int(np.argmin(r.balance))
    gap = r.liability - (r.balance + r.future_contributions)
    worst = int(np.argmax(gap))
    charged = sum(c for _, _, c in w.b.charges)
    paid = sum(p for _, p, _ in w.b.charges)
    rows = [
        [w._("Lowest balance of the fund"), w.balance(int(r.balance[low])), w.month(low)],
        [
            w._("Most the committed liability exceeds cash and future contributions"),
            w.money(int(gap[worst])) if gap[worst] > 0 else w._("never"),
            w.month(worst) if gap[worst] > 0 else "–",
        ],
        [
            w._("Contributions spent (charged to the contributors)"),
            w._("%(charged)s of %(paid)s paid in", charged=w.money(charged), paid=w.money(paid)),
            w._("by %(month)s", month=w.month(r.months - 1)),
        ],
    ]
    return {"headers": [w._("Figure"), w._("Amount"), w._("When")], "rows": rows}


def _decision_section(w: _Writer) -> dict[str, Any]:
    pipeline = w.b.pipeline
    return {
        "buys": _buys(w),
        "decision": _decision(w),
        "contributors": {
            "headers": [
                w._("Contributor"),
                w._("Commitment"),
                w._("Paid in"),
                w._("Charged"),
                w._("Share of commitment"),
            ],
            "rows": _contributor_rows(w, full=False),
        },
        "verdicts": _verdicts(w, w.r),
        "pipeline_verdicts": _verdicts(w, pipeline) if pipeline is not None else [],
        "back": _back_sentence(w),
        "key_figures": _key_figures(w),
    }


def _contracts(w: _Writer) -> dict[str, Any]:
    p = w.b.pipeline
    books = p if p is not None else w.r
    rows = []
    for s in books.starts:
        rows.append(
            [
                w.contract(s),
                w.lang.month(s.contract.timeline.start),
                w.months(s.term),
                w.lang.money_or(s.maximum, w.r.fund.currency, w._("unbounded")),
                w.money(w.paid(books, s)),
                w._("pipeline, chance %(chance)s", chance=w.lang.percent(s.weight)) if s.pipeline else w._("signed"),
            ]
        )
    return {
        "headers": [
            w._("Contract"),
            w._("Start"),
            w._("Term"),
            w._("Maximum potential payment"),
            w._("Paid by the fund"),
            w._("Status"),
        ],
        "rows": rows,
        "note": w._(
            "Maximum: the fund payers' maximum potential outcome payment, VAT excluded. Paid: outcome payments"
            " with VAT and contract fees; a pipeline start at expected value (× its chance)."
        )
        if p is not None
        else w._(
            "Maximum: the fund payers' maximum potential outcome payment, VAT excluded. Paid: outcome"
            " payments with VAT and contract fees."
        ),
    }


def _years(w: _Writer) -> dict[str, Any]:
    r = w.r
    columns = [
        r.per_year(r.by_why[FundWhy.CONTRIBUTION]),
        r.per_year(r.total(*RECYCLED)),
        r.per_year(r.by_why[FundWhy.LOAN_DRAWN]),
        r.per_year(r.by_why[FundWhy.OUTCOME_PAYMENT]),
        r.per_year(r.total(FundWhy.FEE, FundWhy.CONTRACT_FEE)),
        r.per_year(r.total(FundWhy.INTEREST, FundWhy.PRINCIPAL)),
    ]
    balance = r.year_end(r.balance)
    rows = [
        [str(year), *(w.money(int(c[i])) for c in columns), w.balance(int(balance[i]))]
        for i, year in enumerate(r.years)
    ]
    return {
        "headers": [
            w._("Year"),
            w._("Contributions"),
            w._("Money back"),
            w._("Loans in"),
            w._("Outcome payments"),
            w._("Fees"),
            w._("Loan service"),
            w._("Balance at year end"),
        ],
        "rows": rows,
    }


def _cover(w: _Writer) -> dict[str, Any]:
    r, p = w.r, w.b.pipeline
    balance, liability = r.year_end(r.balance), r.year_end(r.liability)
    cover = r.year_end(r.balance + r.future_contributions)
    unbounded = r.year_end(r.unbounded.astype(np.int64))
    with_pipeline = p.year_end(p.balance) if p is not None else None
    headers = [
        w._("Year"),
        w._("Balance at year end"),
        w._("Committed liability"),
        w._("Cash and future contributions"),
    ]
    if with_pipeline is not None:
        headers.append(w._("Balance with the pipeline"))
    rows = []
    for i, year in enumerate(r.years):
        row = [
            str(year),
            w.balance(int(balance[i])),
            w.money(int(liability[i])) + (" +" if unbounded[i] else ""),
            w.balance(int(cover[i])),
        ]
        if with_pipeline is not None:
            row.append(w.balance(int(with_pipeline[i])))
        rows.append(row)
    note = (
        w._("+ a live contract has no maximum: the liability shown counts the others only.") if unbounded.any() else ""
    )
    return {"headers": headers, "rows": rows, "note": note}


def _back(w: _Writer) -> dict[str, Any]:
    r = w.r
    per = [r.per_year(r.by_why[k]) for k in RECYCLED]
    rows = [
        [str(year), *(w.money(int(c[i])) for c in per), w.money(sum(int(c[i]) for c in per))]
        for i, year in enumerate(r.years)
        if any(int(c[i]) for c in per)
    ]
    return {
        "headers": [
            w._("Year"),
            w._("Contracts' residual"),
            w._("Repaid capital"),
            w._("Realised savings"),
            w._("Total"),
        ],
        "rows": rows,
        "missing": "" if rows else w._("No money flows back to the fund."),
    }


def _roles(w: _Writer, roles: tuple[str, ...]) -> str:
    return ", ".join(w.lang.translate(FUND_ROLE[x]) if x in FUND_ROLE else word(w.lang, ROLE, x) for x in roles)


def _accounts(w: _Writer) -> dict[str, Any]:
    rows = []
    for a in w.r.accounts:
        if not (a.pays.any() or a.receives.any() or a.savings.any()):
            continue
        pays, receives = int(a.pays.sum()), int(a.receives.sum())
        rows.append(
            [
                w._("%(party)s (%(roles)s)", party=w.lang.text(a.name), roles=_roles(w, a.roles)),
                w.money(pays),
                w.money(receives),
                w.net(receives - pays),
                w.money(int(a.savings.sum())),
            ]
        )
    return {
        "headers": [w._("Party"), w._("Pays"), w._("Receives"), w._("Net"), w._("Cashable savings")],
        "rows": rows,
    }


def _value(w: _Writer, value: object) -> str:
    """A figure of the fund file as the sheet writes it (a figure the annex has no own wording for)."""
    if isinstance(value, dt.date):
        return w.lang.month(value)
    if isinstance(value, tuple):
        return ", ".join(_value(w, v) for v in value)
    return w.lang.text(value) if isinstance(value, str) else str(value)


def _basis(w: _Writer, prov: Provenance | None) -> list[str]:
    """The last two cells of a figure's row: ``source`` or ``assumption``, and the source cited (title, id,
    locator) or the assumption's text, in the sheet's language (a text not given in it is shown in English and
    marked, as in the contract term sheet)."""
    if prov is None:
        return ["–", w._("no source or assumption in the file")]
    if prov.assumption is not None:
        return [w._("assumption"), w.lang.text(prov.assumption)]
    sources = {s.id: s for s in w.r.fund.sources}
    source = sources.get(prov.source or "")
    title = w.lang.text(source.title) if source is not None else str(prov.source)
    if prov.locator:
        cited = w._(
            "%(title)s [%(source)s], %(locator)s", title=title, source=prov.source, locator=w.lang.text(prov.locator)
        )
    else:
        cited = w._("%(title)s [%(source)s]", title=title, source=prov.source)
    return [w._("source"), cited]


def _assumptions(w: _Writer) -> dict[str, Any]:
    """Annex A: every figure of the fund file with the source or the assumption its provenance gives it, every
    provenance entry of the file (a figure the list below does not name is added after it), and the sources."""
    fund = w.r.fund
    given = {(where, key): prov for where, key, _, prov in fund_provenance(fund)}
    shown: set[tuple[str, str]] = set()
    rows: list[list[str]] = []

    def add(where: str, key: str, concerns: str, value: str, *, also: tuple[str, str] | None = None) -> None:
        """A row for ``key`` of the part at ``where``; ``also``: a provenance that covers it when it has none
        of its own (the recycling rule's ``savings`` for a savings entry's share)."""
        prov = given.get((where, key))
        shown.add((where, key))
        if prov is None and also is not None:
            prov = given.get(also)
            shown.add(also)
        path = f"{where}.{key}" if where else key  # as the contract term sheet names its fields
        rows.append([path, concerns, value, *_basis(w, prov)])

    def rest(before: str) -> None:
        """Rows for the provenance entries not shown yet of every part up to ``before`` (every part: ``""``),
        such as a contributor's ``name``: every entry of the file is listed, next to the figures of its part."""
        for where, part in fund_parts(fund):
            if where == before:
                return
            for key in part.provenance:
                if (where, key) not in shown:
                    add(where, key, _concerns(w, part, fund_name), _value(w, getattr(part, key)))

    fund_name = w.lang.text(fund.name)
    add("", "start", fund_name, w.month(0))
    add("", "horizon_months", fund_name, w.span(fund.horizon_months))
    add("", "currency", fund_name, fund.currency)
    for i, c in enumerate(fund.contributors):
        where, name = f"contributors[{i}]", w.lang.text(c.name)
        rest(where)
        add(where, "commitment", name, w.money(c.commitment))
        if c.payments:
            paid = "; ".join(
                w._("%(month)s: %(amount)s", month=w.lang.month(dt.date(p.year, p.month, 1)), amount=w.money(p.amount))
                for p in c.payments
            )
            add(where, "payments", name, paid)
        if c.over_commitment:
            add(where, "over_commitment", name, w._("the schedule may pay in more than the commitment"))
    for i, loan in enumerate(fund.loans):
        where, name = f"loans[{i}]", w.lang.text(loan.name or loan.lender)
        rest(where)
        add(where, "amount", name, w.money(loan.amount))
        add(where, "rate", name, w._("%(rate)s a year", rate=w.lang.percent(loan.rate)))
        add(where, "drawn", name, w.lang.month(loan.drawn or fund.start))
        add(where, "grace_months", name, w.months(loan.grace_months))
        add(where, "repayment_months", name, w.months(loan.repayment_months))
    rule = fund.recycling
    rest("recycling")
    add("recycling", "residual", fund_name, w.lang.percent(rule.residual))
    add("recycling", "repaid_capital", fund_name, w.lang.percent(rule.repaid_capital))
    names = {a.id: w.lang.text(a.name) for a in w.r.accounts}
    for i, s in enumerate(rule.savings):
        add(
            f"recycling.savings[{i}]",
            "share",
            names.get(s.owner, s.owner),
            w._("%(share)s of its realised savings", share=w.lang.percent(s.share)),
            also=("recycling", "savings"),
        )
    for i, fee in enumerate(fund.fees):
        where, payee = f"fees[{i}]", names.get(fee.payee, fee.payee)
        rest(where)
        add(where, "per_year", payee, w.money(fee.per_year))
        add(where, "share_of_payments", payee, w.lang.percent(fee.share_of_payments))
    contracts = w.b.loaded.contracts
    for kind, entries in (("contracts", fund.contracts), ("pipeline", fund.pipeline)):
        for i, e in enumerate(entries):
            where, name = f"{kind}[{i}]", w.lang.text(contracts[e.file].name)
            rest(where)
            add(where, "file", name, e.file)
            add(where, "start", name, w.lang.month(e.start))
            if e.repeat > 1:
                add(where, "repeat", name, w.lang.integer(e.repeat))
                add(where, "every_months", name, w.months(e.every_months))
            if e.payers:
                add(where, "payers", name, ", ".join(e.payers))
            probability = getattr(e, "probability", None)
            if probability is not None:
                add(where, "probability", name, w.lang.percent(probability))
    rest("simulation")
    add("simulation", "shared", fund_name, w.lang.percent(fund.simulation.shared))
    rest("")  # what no part above has shown (none, unless a part is missing from the list)
    sources = [
        [s.id, w.lang.text(s.title), w.lang.text(s.author) or "–", s.date or "–", s.url or "–"] for s in fund.sources
    ]
    return {
        "rows": rows,
        "headers": [w._("Field"), w._("Concerns"), w._("Value"), w._("Basis"), w._("Source or assumption")],
        "sources": sources,
        "source_headers": [w._("Id"), w._("Title"), w._("Author"), w._("Date"), w._("Where to find it")],
        "sources_missing": "" if sources else w._("The fund file lists no sources."),
    }


def _concerns(w: _Writer, part: FundPart, fund_name: str) -> str:
    """Whom or what a part of the fund file concerns, as the annex names it: its name, else its id, else the
    fund."""
    name = getattr(part, "name", "") or getattr(part, "lender", "") or getattr(part, "payee", "")
    name = name or getattr(part, "owner", "") or getattr(part, "id", "")
    if not name and hasattr(part, "file"):
        contract = w.b.loaded.contracts.get(part.file)
        name = contract.name if contract is not None else part.file
    return w.lang.text(name) if name else fund_name


def _figure(w: _Writer) -> dict[str, Any]:
    """The chart as inline SVG and as a ``data:`` URI (Markdown), numbers and labels in the sheet's language."""
    image = fund_chart(w.r, w.b.pipeline, "svg", labels=fund_chart_labels(w.lang), lang=w.lang)
    svg = _svg_text(image)
    return {
        "svg": Markup(svg),
        "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
    }


def _definitions(w: _Writer) -> list[list[str]]:
    return [[w.lang.translate(term), w.lang.translate(text)] for term, text in DEFINITIONS]


def fund_sheet_view(
    loaded: LoadedFund,
    lang: str,
    *,
    today: dt.date | None = None,
    scenario: str | None = None,
    books: FundBooks | None = None,
) -> dict[str, Any]:
    """The fund summary sheet of ``loaded`` in ``lang`` (``nl`` or ``en``) as plain data for the templates.

    Every value is text, already formatted and translated. ``today``: the date shown (default: today).
    ``scenario``: every contract's scenario of that name. ``books``: the engine results when the caller already
    has them (``compute_fund``). The chart is inline SVG (``svg``) and the same as a ``data_uri``. Raises
    ``ValueError`` for an unknown language.
    """
    language = Language(lang, mark_fallback=True)
    if books is None:
        books = compute_fund(loaded, scenario)
    w = _Writer(books, language, today or dt.date.today())
    return {
        "lang": language.code,
        "header": _header(w),
        "decision": _decision_section(w),
        "contracts": _contracts(w),
        "years": _years(w),
        "cover": _cover(w),
        "contributors": {
            "headers": [
                w._("Contributor"),
                w._("Commitment"),
                w._("Paid in"),
                w._("Still to pay"),
                w._("Charged"),
                w._("Share of commitment"),
            ],
            "rows": _contributor_rows(w, full=True),
        },
        "back": _back(w),
        "accounts": _accounts(w),
        "chart": {
            **_figure(w),
            "alt": w._("Chart: the fund's balance, committed liability and cash and future contributions per month."),
            "intro": w._(
                "Per month: the fund's cash (solid line), its committed liability (dashed) and its cash plus the"
                " contributions still to come (dash-dotted); a vertical line marks the first month the liability"
                " exceeds cash and future contributions (dotted) and one the first shortfall (dashed), if there is"
                " one."
            ),
        },
        "assumptions": _assumptions(w),
        "definitions": _definitions(w),
    }
