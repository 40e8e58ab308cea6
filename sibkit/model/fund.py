"""An outcomes fund (*resultatenfonds*): one budget that pays many contracts over the years.

A fund file names the fund's contributors (*inleggers*) with their commitments and payment schedules,
repayable capital lent to the fund, the recycling rule (what share of contracts' residuals, of capital
repaid to named investors and of named parties' realised savings comes back to the fund), the fund
manager's fees, and the contracts the fund pays for: contract files with a start date, possibly
repeated as yearly cohorts, and pipeline entries with a chance of approval.

Units: money in cents (the minor unit of the fund's ``currency``, ``sibkit.money``), months counted from
the fund's start month (0-based), shares exact ``Fraction`` (``0.25``, ``"25%"`` or ``"1/4"`` in a file),
annual rates ``Decimal`` (``0.03`` is 3% a year). Dates count by month: the day of a date is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeAlias

import attrs

from sibkit.errors import FieldProblem, ModelError, Problem
from sibkit.facts import N_, Count, Money, Phrase
from sibkit.model.common import (
    Prose,
    Provenance,
    Share,
    Source,
    Text,
    annual_rate,
    date_in_range,
    money_amount,
    month_count,
    month_number,
    provenance_field,
    share_in_unit,
    to_share,
    valid_currency,
    valid_id,
    year_number,
)
from sibkit.model.parties import PayerKind
from sibkit.model.validation import unknown
from sibkit.money import Cents, amount_currency

__all__ = [
    "MAX_REPEATS",
    "ContractStart",
    "Fund",
    "FundContributor",
    "FundFee",
    "FundLoan",
    "FundPart",
    "FundSimulation",
    "PipelineEntry",
    "Recycling",
    "SavingsRecycling",
    "ScheduledPayment",
    "fund_parts",
    "fund_problems",
    "fund_provenance",
    "month_index",
]

MAX_REPEATS = 100
"""A contract entry starts at most this many times (a yearly cohort for a century)."""


def month_index(start: dt.date, date: dt.date) -> int:
    """Months from the month of ``start`` to the month of ``date`` (days ignored): 2023-01 → 2024-03 is 14."""
    return (date.year - start.year) * 12 + date.month - start.month


def _share_field(default: int = 0) -> Any:
    """An exact share field, 0 to 1 (``0.25``, ``"25%"`` or ``"1/4"`` in a file)."""
    return attrs.field(default=Fraction(default), converter=to_share, validator=share_in_unit)


def _calendar_month(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise FieldProblem.of(
            attribute.name, N_("expected a month of the year from 1 to 12, got %(got)s"), got=str(value)
        )


def _repeats(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEATS:
        raise FieldProblem.of(
            attribute.name,
            N_("expected a number of starts from 1 to %(most)s, got %(got)s"),
            most=Count(MAX_REPEATS),
            got=str(value),
        )


def _unique(what: str) -> Any:
    """A validator refusing a list of texts with one given twice."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        twice = [x for i, x in enumerate(value) if x in value[:i]]
        if twice:
            raise FieldProblem.of(attribute.name, N_("%(what)s %(id)s is given twice"), what=what, id=repr(twice[0]))

    return check


@attrs.frozen(kw_only=True)
class ScheduledPayment:
    """One payment a contributor makes into the fund: in ``month`` of ``year``."""

    year: int = attrs.field(validator=year_number)
    """The calendar year of the payment."""
    amount: Cents = attrs.field(validator=money_amount)
    """Cents (fund currency) paid in."""
    month: int = attrs.field(default=1, validator=_calendar_month)
    """The calendar month (1–12) it is paid in; January by default."""


@attrs.frozen(kw_only=True)
class FundContributor:
    """A party that puts money into the fund (an *inlegger*): a municipality, a philanthropic fund.

    Without ``payments`` the whole ``commitment`` is paid in the fund's first month. Scheduled payments
    add up to at most the commitment, unless ``over_commitment`` allows more."""

    id: str = attrs.field(validator=valid_id)
    name: Text
    kind: PayerKind = "other"
    commitment: Cents = attrs.field(validator=money_amount)
    """Cents (fund currency) the contributor commits to the fund over its life."""
    payments: tuple[ScheduledPayment, ...] = ()
    """When it pays in, and how much (cents)."""
    over_commitment: bool = False
    """Whether the schedule may pay in more than the commitment."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""

    def __attrs_post_init__(self) -> None:
        seen: set[tuple[int, int]] = set()
        for p in self.payments:
            if (p.year, p.month) in seen:
                raise FieldProblem.of(
                    "payments", N_("two payments in month %(month)s of %(year)s"), month=str(p.month), year=str(p.year)
                )
            seen.add((p.year, p.month))
        total = sum(p.amount for p in self.payments)
        if not self.over_commitment and total > self.commitment:
            raise FieldProblem.of(
                "payments",
                N_(
                    "the payments add up to %(total)s, more than the commitment of %(commitment)s;"
                    " lower them or set over_commitment = true"
                ),
                total=Money(total, amount_currency()),
                commitment=Money(self.commitment, amount_currency()),
            )

    def schedule(self, fund_start: dt.date) -> tuple[tuple[int, Cents], ...]:
        """``(fund month, cents)`` of every payment in; the whole commitment in month 0 without a schedule."""
        if not self.payments:
            return ((0, self.commitment),)
        return tuple((month_index(fund_start, dt.date(p.year, p.month, 1)), p.amount) for p in self.payments)


@attrs.frozen(kw_only=True)
class FundLoan:
    """Repayable capital lent to the fund (an investment fund, a bank): drawn once, interest monthly on
    what is outstanding, principal repaid in equal monthly parts after a grace period."""

    id: str = attrs.field(validator=valid_id)
    lender: str = attrs.field(validator=valid_id)
    """The lender's id (a party of its own in the fund's accounts)."""
    name: Text = ""
    """The lender's name (its id when not given)."""
    amount: Cents = attrs.field(validator=money_amount)
    """Cents (fund currency) lent, paid into the fund in the month of ``drawn``."""
    rate: Decimal = attrs.field(validator=annual_rate)
    """Annual interest rate, a ``Decimal`` (``0.02`` is 2% a year): each month the fund pays
    outstanding × rate / 12, rounded half up to the cent."""
    drawn: dt.date | None = attrs.field(default=None, validator=date_in_range)
    """The month the money comes in; the fund's start when not given."""
    grace_months: int = attrs.field(default=0, validator=month_number)
    """Months after drawing before the first repayment of principal (interest is paid meanwhile)."""
    repayment_months: int = attrs.field(default=1, validator=month_count)
    """Principal is repaid in this many equal monthly parts (largest remainder), the first in month
    drawn + grace_months + 1; 1 is a single repayment (a bullet)."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""


@attrs.frozen(kw_only=True)
class SavingsRecycling:
    """A budget owner who pays back part of what it saved: ``share`` of the cashable savings that land in
    its budgets in the fund's contracts returns to the fund, in the month they land."""

    owner: str = attrs.field(validator=valid_id)
    """The party whose cashable savings count (a contract's budget owner or a saving's ``budget``)."""
    share: Share = _share_field()
    """The share (0–1) of its realised cashable savings paid back to the fund."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""


@attrs.frozen(kw_only=True)
class Recycling:
    """The recycling rule: what comes back to the fund.

    * ``residual``: of each contract's residual (what it returns to the payers the fund stands for, and
      what it pays its revolving fund), this share returns to the fund; the rest goes to the fund's
      contributors in proportion to their commitments;
    * ``repaid_capital``: of the principal the contracts repay to ``investors`` (every investor when the
      list is empty), this share is passed on to the fund;
    * ``savings``: named budget owners pay back a share of their realised cashable savings.
    """

    residual: Share = _share_field()
    repaid_capital: Share = _share_field()
    investors: tuple[str, ...] = attrs.field(default=(), validator=_unique(N_("the investor")))
    """Investor ids whose repaid principal counts (empty: all investors of the fund's contracts)."""
    savings: tuple[SavingsRecycling, ...] = ()
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""


@attrs.frozen(kw_only=True)
class FundSimulation:
    """How ``sibkit fund simulate`` draws the fund's contracts together.

    ``shared``: the share (0–1) of each success rate's variance that comes from one factor common to the
    whole fund (a good or a bad year for every contract at once); the rest is the contract's own
    uncertainty model (its ``[uncertainty]``). 0: contracts independent; 1: every rate of every contract
    at the same quantile of its own distribution."""

    shared: Share = _share_field()
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""


@attrs.frozen(kw_only=True)
class FundFee:
    """The fund manager's fee: a fixed amount a year (paid in twelve monthly parts, largest remainder,
    over the fund's horizon) and/or a share of each month's outcome payments (rounded half up)."""

    id: str = attrs.field(validator=valid_id)
    payee: str = attrs.field(validator=valid_id)
    """Who receives the fee (a party of its own in the fund's accounts)."""
    per_year: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (fund currency) a year."""
    share_of_payments: Share = _share_field()
    """Share (0–1) of the outcome payments the fund makes each month."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""


@attrs.frozen(kw_only=True)
class ContractStart:
    """A contract the fund pays for: a contract file, started on ``start`` and ``repeat`` times, every
    ``every_months`` months (yearly cohorts: ``repeat = 3, every_months = 12``).

    The fund pays what the contract's ``payers`` pay (all its payers when the list is empty): their
    outcome payments, VAT and fees. Their own contributors in the contract are replaced by the fund's."""

    file: str = attrs.field(validator=attrs.validators.min_len(1))
    """Path of the contract file, relative to the fund file's folder."""
    start: dt.date = attrs.field(validator=date_in_range)
    """The first start (the contract's timeline is moved to this month; the day is ignored)."""
    repeat: int = attrs.field(default=1, validator=_repeats)
    """How many times it starts."""
    every_months: int = attrs.field(default=12, validator=month_count)
    """Months between two starts."""
    payers: tuple[str, ...] = attrs.field(default=(), validator=_unique(N_("the payer")))
    """The contract's payers whose payments the fund makes (empty: all of them)."""
    scenario: str | None = None
    """The contract's scenario to run (its default scenario when not given; ``--scenario`` overrides)."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where its numbers come from: field name → a source or an assumption (as in a contract file)."""

    def starts(self) -> tuple[dt.date, ...]:
        """The start dates, first of their month."""
        first = month_index(dt.date(1, 1, 1), self.start)
        return tuple(
            dt.date(1 + (first + k * self.every_months) // 12, 1 + (first + k * self.every_months) % 12, 1)
            for k in range(self.repeat)
        )


@attrs.frozen(kw_only=True)
class PipelineEntry(ContractStart):
    """A contract not yet approved: as ``ContractStart``, with the chance it is approved."""

    probability: Share = attrs.field(converter=to_share, validator=share_in_unit)
    """The chance (0–1) the contract is approved; a deterministic run counts its flows at expected value
    (each month's amount × probability, rounded half up) in the figures "with the pipeline"."""


@attrs.frozen(kw_only=True)
class Fund:
    """An outcomes fund over its horizon: who fills it, what it pays for, and what comes back."""

    format: int = 1
    """The fund file format version."""
    id: str = attrs.field(validator=valid_id)
    """The fund's id: its account in the ledger."""
    name: Text
    description: Prose = ""
    currency: str = attrs.field(validator=valid_currency)
    """ISO 4217 code; every contract of the fund is in this currency."""
    start: dt.date = attrs.field(validator=date_in_range)
    """The fund's first month (month 0; the day is ignored)."""
    horizon_months: int = attrs.field(default=240, validator=month_count)
    """Months the fund runs (its ledger is longer if a contract or loan runs past it)."""
    contributors: tuple[FundContributor, ...] = attrs.field(validator=attrs.validators.min_len(1))
    loans: tuple[FundLoan, ...] = ()
    recycling: Recycling = Recycling()
    fees: tuple[FundFee, ...] = ()
    contracts: tuple[ContractStart, ...] = ()
    pipeline: tuple[PipelineEntry, ...] = ()
    simulation: FundSimulation = FundSimulation()
    """How ``sibkit fund simulate`` draws the contracts together."""
    sources: tuple[Source, ...] = ()
    """The documents the fund's numbers come from, cited by id in ``provenance`` entries (as in a contract)."""
    provenance: dict[str, Provenance] = provenance_field()
    """Where the fund's own numbers come from: field name → a source or an assumption (as in a contract file)."""

    def __attrs_post_init__(self) -> None:
        problems = list(fund_problems(self))
        if problems:
            raise ModelError(problems)


def fund_problems(fund: Fund) -> list[Problem]:
    """What is wrong between the parts of a fund (each part valid on its own), with the path it concerns."""
    out: list[Problem] = []
    if fund.format != 1:
        out.append(Problem("format", Phrase.of(N_("expected format 1, got %(got)s"), got=str(fund.format))))
    if not fund.contracts and not fund.pipeline:
        out.append(Problem("contracts", Phrase.of(N_("a fund needs at least one contract or pipeline entry"))))
    seen: dict[str, str] = {fund.id: "id"}
    named = [(f"contributors[{i}].id", c.id) for i, c in enumerate(fund.contributors)]
    named += [(f"loans[{i}].id", x.id) for i, x in enumerate(fund.loans)]
    named += [(f"fees[{i}].id", x.id) for i, x in enumerate(fund.fees)]
    for path, ident in named:
        if ident in seen:
            out.append(
                Problem(
                    path, Phrase.of(N_("the id %(id)s is already used at %(other)s"), id=repr(ident), other=seen[ident])
                )
            )
        else:
            seen[ident] = path
    for i, c in enumerate(fund.contributors):
        for j, p in enumerate(c.payments):
            if month_index(fund.start, dt.date(p.year, p.month, 1)) < 0:
                out.append(Problem(f"contributors[{i}].payments[{j}]", _before_start(fund)))
    for i, loan in enumerate(fund.loans):
        if loan.drawn is not None and month_index(fund.start, loan.drawn) < 0:
            out.append(Problem(f"loans[{i}].drawn", _before_start(fund)))
    for kind, entries in (("contracts", fund.contracts), ("pipeline", fund.pipeline)):
        for i, e in enumerate(entries):
            if month_index(fund.start, e.start) < 0:
                out.append(Problem(f"{kind}[{i}].start", _before_start(fund)))
    sources: dict[str, str] = {}
    for i, src in enumerate(fund.sources):
        if src.id in sources:
            out.append(
                Problem(
                    f"sources[{i}].id",
                    Phrase.of(N_("the id %(id)s is already used at %(other)s"), id=repr(src.id), other=sources[src.id]),
                )
            )
        else:
            sources[src.id] = f"sources[{i}].id"
    for where, key, _, prov in fund_provenance(fund):
        if prov.source is not None:
            path = f"{where}.provenance.{key}.source" if where else f"provenance.{key}.source"
            out += unknown("source", prov.source, frozenset(sources), path)
    owners = [s.owner for s in fund.recycling.savings]
    for i, owner in enumerate(owners):
        if owner in owners[:i]:
            out.append(
                Problem(
                    f"recycling.savings[{i}].owner", Phrase.of(N_("the owner %(id)s is given twice"), id=repr(owner))
                )
            )
    return out


def _before_start(fund: Fund) -> Phrase:
    return Phrase.of(N_("this is before the fund starts (%(start)s)"), start=fund.start.isoformat()[:7])


FundPart: TypeAlias = (
    Fund | FundContributor | FundLoan | Recycling | SavingsRecycling | FundFee | ContractStart | FundSimulation
)
"""A part of a fund file that carries numbers, and so a ``provenance``."""


def fund_parts(fund: Fund) -> list[tuple[str, FundPart]]:
    """Every part of the fund that carries numbers, in the file's order, with its path (``""`` for the fund
    itself, ``loans[0]``, ``recycling.savings[1]``)."""
    parts: list[tuple[str, FundPart]] = [("", fund)]
    parts += [(f"contributors[{i}]", c) for i, c in enumerate(fund.contributors)]
    parts += [(f"loans[{i}]", x) for i, x in enumerate(fund.loans)]
    parts += [("recycling", fund.recycling)]
    parts += [(f"recycling.savings[{i}]", x) for i, x in enumerate(fund.recycling.savings)]
    parts += [(f"fees[{i}]", x) for i, x in enumerate(fund.fees)]
    parts += [(f"contracts[{i}]", x) for i, x in enumerate(fund.contracts)]
    parts += [(f"pipeline[{i}]", x) for i, x in enumerate(fund.pipeline)]
    return [*parts, ("simulation", fund.simulation)]


def fund_provenance(fund: Fund) -> Iterator[tuple[str, str, FundPart, Provenance]]:
    """Every provenance entry of the fund file, in the file's order: (the path of the part that holds the
    figure, as ``fund_parts`` gives it; the figure's field; the part; the provenance).
    ``loans[0].provenance.rate`` in the file is ``("loans[0]", "rate", …)``."""
    for where, part in fund_parts(fund):
        for key, prov in part.provenance.items():
            yield where, key, part, prov
