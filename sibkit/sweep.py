"""Payoff curves: every party's result against the success level, with break-even points.

A *success level* scales every success rate of one scenario (``1`` is the
scenario as written, ``0.5`` half its rates, ``1.5`` half as many results again;
shares of participants are capped at 100% after scaling, cohort improvements
are not). ``sweep`` runs the engine once over all levels at once (each level is
one scenario of the batch) and collects, per level:

* each payer's cost: outcome payments plus VAT plus fees paid directly, net of
  refunds, in cents;
* each provider's margin (the change in its cash over the term), in cents;
* each tranche's annual IRR (NaN where undefined), multiple and loss.

Break-even points are first bracketed on the grid of levels swept (the first
level at which a curve reaches its target and the level before it), then found
inside the bracket by bisection with the engine, to within ``REFINE_TOLERANCE``.
So a break-even level does not depend on the grid: ``sibkit sweep`` with any
range, the term sheet's chart and ``sibkit run`` report the same level for the
same party and scenario. A linear interpolation inside the bracket would not:
payment rules pay whole participants, thresholds and tiers, so the curves are
step-shaped and a straight line through a bracket lands where nothing happens
(see ``BreakEven``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from sibkit import limits
from sibkit.engine.batch import deterministic_batch, stack
from sibkit.engine.maximum import MaximumPayment
from sibkit.engine.results import Results, results
from sibkit.engine.run import default_scenario
from sibkit.engine.waterfall import run_batch
from sibkit.errors import Refusal, show
from sibkit.facts import N_, Count
from sibkit.model import Contract, Scenario
from sibkit.money import share_decimal

__all__ = [
    "IRR_TOLERANCE",
    "JUMP_FACTOR",
    "MAX_LEVELS",
    "MAX_SUCCESS",
    "REFINE_TOLERANCE",
    "BreakEven",
    "BreakEvenKind",
    "BreakEvenMethod",
    "Sweep",
    "parse_range",
    "parse_success",
    "savings_break_even",
    "sweep",
]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

MAX_LEVELS = 1001
MAX_SUCCESS = Decimal(limits.MAX_SUCCESS)
"""The largest success factor or level (``sibkit run --success``, ``ledger --success``, ``sweep --success``).

Ten times a scenario's rates takes every share of 10% or more to 100%; beyond it a factor mostly
inflates cohort improvements, which are scaled without a cap, far past "every event avoided" (an
improvement of 1), where the engine's results stop meaning anything."""
"""The most success levels one sweep runs (each level is one scenario of the batch)."""

JUMP_FACTOR = 4.0
"""A curve *jumps* across a bracket when its slope there is at least this many times its slope over
each neighbouring grid interval (a threshold or tier in the contract, not a gradual change)."""

REFINE_TOLERANCE = Decimal("0.000001")
"""How close a break-even level is found inside its bracket (a millionth of the scenario's success rates):
far below the three decimals a level is written with, so every grid gives the same written level."""

IRR_TOLERANCE = 1e-9
"""An annual IRR this close below 0 counts as 0: flows that add up to exactly nothing can give ``-1e-15``."""

_INEXACT_PLACES = 12
"""Decimal places kept for a level that has no exact decimal form (``0:1:4`` gives thirds)."""

_RANGE_HELP = N_("expected start:stop:count such as 0:1.5:31, got %(got)s")

_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A number as a person types it: ASCII digits, an optional point and exponent. Python's ``Decimal``
also reads ``1_000``, ``nan``, ``Infinity`` and digits of other scripts; none of these is a level."""


# -- parsing a range of levels ------------------------------------------------------------------------
def _decimal(value: Fraction) -> Decimal:
    """``value`` as a ``Decimal``: exact with as few decimals as needed when it has a finite decimal form
    (``sibkit.money.share_decimal``), else rounded half up to ``_INEXACT_PLACES`` decimals."""
    exact = share_decimal(value)
    if exact is not None:
        return exact
    whole = math.floor(value * 10**_INEXACT_PLACES + Fraction(1, 2))
    return Decimal(whole).scaleb(-_INEXACT_PLACES)


def _plain_number(token: str) -> Decimal | None:
    """``token`` (spaces around it ignored) as an exact ``Decimal`` if it is a plain number, else ``None``.

    ``-0`` is read as ``0``."""
    token = token.strip()
    if not _PLAIN_NUMBER.fullmatch(token):
        return None
    number = Decimal(token)
    return abs(number) if number.is_zero() else number


def _number(token: str, text: str) -> Decimal:
    """One number of a range: plain, with at most ``_INEXACT_PLACES`` decimals (levels are rounded to them
    anyway; ``1e-999999999`` would take minutes to turn into a fraction with a billion-digit denominator)."""
    number = _plain_number(token)
    if number is None:
        raise Refusal.of(_RANGE_HELP, got=show(text))
    # decimals as written, zeros at the end not counted (``normalize`` would round 1e-999999999 to 0)
    _, digits, exponent = number.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if isinstance(exponent, int) and exponent + trailing < -_INEXACT_PLACES:
        raise Refusal.of(
            N_("expected at most %(most)s digits after the decimal point, got %(got)s"),
            most=Count(_INEXACT_PLACES),
            got=show(token.strip()),
        )
    return number


def parse_success(text: str) -> Decimal:
    """A success factor from ``text``: a plain decimal number from 0 to ``MAX_SUCCESS``, exact.

    The factor multiplies a scenario's success rates (``1`` = as written, ``1.2`` = 20% more
    results; shares of participants are capped at 100% after scaling). Spaces around the number
    are ignored. Raises ``ValueError`` with a message for a user for anything else: text, ``nan``,
    ``inf``, a negative number or one above ``MAX_SUCCESS``.
    """
    number = _plain_number(text)
    if number is None or number > MAX_SUCCESS or number < 0:
        raise Refusal.of(N_("expected a number from 0 to %(most)s, got %(got)s"), most=str(MAX_SUCCESS), got=show(text))
    return number


def parse_range(text: str) -> tuple[Decimal, ...]:
    """Success levels from ``"start:stop:count"``: ``count`` evenly spaced levels from ``start`` to ``stop``.

    Both ends are included, as with ``numpy.linspace``, but in exact decimals:
    ``"0:1.5:31"`` gives ``0, 0.05, 0.1, …, 1.5``. A level with no finite decimal
    form (``"0:1:4"`` has thirds) is rounded half up to 12 decimals. Levels are
    multiples of a scenario's success rates (unitless, ``1`` = as written).

    Raises ``ValueError`` with a message for a user when ``text`` is not three
    numbers separated by colons, the count is not a whole number from 2 to
    ``MAX_LEVELS``, a level is negative or above ``sibkit.limits.MAX_SUCCESS``, or
    ``start`` exceeds ``stop``.
    """
    parts = text.split(":")
    if len(parts) != 3:
        raise Refusal.of(_RANGE_HELP, got=show(text))
    start, stop, count_d = (_number(p, text) for p in parts)
    if count_d != count_d.to_integral_value() or count_d < 2:
        raise Refusal.of(N_("the count must be a whole number of at least 2, got %(got)s"), got=parts[2].strip())
    if count_d > MAX_LEVELS:  # compared as a Decimal: int() of 1e999999999 would take minutes
        raise Refusal.of(
            N_("the count must be at most %(most)s, got %(got)s"), most=str(MAX_LEVELS), got=parts[2].strip()
        )
    count = int(count_d)
    if start < 0 or stop < 0:
        raise Refusal.of(N_("success levels must be at least 0, got %(got)s"), got=str(start if start < 0 else stop))
    if start > MAX_SUCCESS or stop > MAX_SUCCESS:
        raise Refusal.of(
            N_("success levels must be at most %(most)s, got %(got)s"), most=str(MAX_SUCCESS), got=str(max(start, stop))
        )
    if start > stop:
        raise Refusal.of(
            N_("the start must not exceed the stop, got start %(start)s and stop %(stop)s"),
            start=str(start),
            stop=str(stop),
        )
    if stop > MAX_SUCCESS:
        raise Refusal.of(N_("success levels are at most %(most)s, got %(got)s"), most=str(MAX_SUCCESS), got=str(stop))
    lo, hi = Fraction(start), Fraction(stop)
    return tuple(_decimal(lo + (hi - lo) * i / (count - 1)) for i in range(count))


# -- results of a sweep ---------------------------------------------------------------------------------
BreakEvenKind = Literal["principal_back", "irr_zero", "margin_zero", "savings_cover"]
"""What a break-even point is about:

* ``principal_back``: a tranche's multiple (everything returned, guarantees included, over what was
  drawn) first reaches 1.0;
* ``irr_zero``: a tranche's annual IRR first reaches 0 (within ``IRR_TOLERANCE``). Where the IRR is
  defined this is where everything returned equals what was drawn, the same point as ``principal_back``;
  the two levels differ only by interpolating different curves, or where the IRR is undefined;
* ``margin_zero``: a provider's margin (the change in its cash over the term) first reaches 0;
* ``savings_cover``: a party's cashable savings first cover what it pays (its account's
  ``net_of_savings`` reaches 0): the success level from which an outcome payer's deal pays for itself
  (``savings_break_even``; ``sweep`` does not list these points).
"""

BreakEvenMethod = Literal["exact", "jump", "grid", "start", "never"]
"""How a break-even level was found:

* ``exact``: by bisection with the engine between the last level swept below the target and the first
  level swept that reaches it, to within ``REFINE_TOLERANCE`` (the lowest level found that reaches it);
* ``jump``: the same, where the curve jumps across that bracket (its slope there is at least
  ``JUMP_FACTOR`` times its slope over each neighbouring interval, as at a payment threshold): the level
  is where the step is;
* ``grid``: the value below is undefined (no IRR when no money came back), so the first level that
  reaches the target is reported;
* ``start``: the target is already reached at the lowest level swept, which is reported;
* ``never``: no level swept reaches the target; the level is ``None``.
"""


@attrs.frozen(kw_only=True)
class BreakEven:
    """Where one party's curve first reaches its target, on the grid of levels swept.

    Levels are multiples of the scenario's success rates (unitless, ``1`` = as written). This is data only:
    ``sibkit.report.words.break_even_sentence`` puts it into words, in the reader's language.
    """

    what: BreakEvenKind
    party: str
    """The tranche id (``principal_back``, ``irr_zero``) or provider id (``margin_zero``)."""
    level: float | None
    """The break-even success level (see ``method``); ``None`` when no level swept reaches the target."""
    below: float | None
    """The last level swept below the target before ``above`` (``None``: reached at the first level, or never)."""
    above: float | None
    """The first level swept that reaches the target (``None``: never)."""
    method: BreakEvenMethod


@attrs.frozen(kw_only=True, eq=False)
class Sweep:
    """Every party's results against the success level: one value per level, in the order of ``levels``.

    Money in cents of the contract currency; IRRs as annual fractions (``0.05`` is 5% a year).
    Mappings are keyed by party id in the contract's order.
    """

    scenario: str
    """Name of the scenario whose success rates were scaled."""
    levels: tuple[float, ...]
    """Success levels, ascending (multiples of the scenario's success rates; ``1`` = as written)."""
    payer_cost: Mapping[str, I64]
    """Per payer: outcome payments (net of refunds) plus VAT plus fees it paid directly, cents."""
    provider_margin: Mapping[str, I64]
    """Per provider: revenue plus other income less costs and capital it put in, cents."""
    tranche_irr: Mapping[str, F64]
    """Per tranche: annual IRR of the investor's cash flow (NaN where undefined)."""
    tranche_multiple: Mapping[str, F64]
    """Per tranche: everything returned (guarantees included) over what was drawn (NaN when nothing drawn)."""
    tranche_loss: Mapping[str, I64]
    """Per tranche: drawn less returned where positive, cents."""
    break_even: tuple[BreakEven, ...]
    """For each tranche its ``principal_back`` and ``irr_zero`` points, then each provider's ``margin_zero``."""
    results: Results
    """The engine's full results, one scenario per level (leading axis = ``levels``)."""


# -- break-even points ------------------------------------------------------------------------------------
def _locate(
    levels: Sequence[float], values: F64, target: float, tolerance: float
) -> tuple[float | None, int | None, BreakEvenMethod]:
    """First crossing of ``values`` up to ``target`` (reached within ``tolerance``; NaN never reaches it):
    (level, index of the first level that reaches it, method)."""
    reached = np.nan_to_num(values, nan=-np.inf) >= target - tolerance
    if not reached.any():
        return None, None, "never"
    i = int(np.argmax(reached))
    if i == 0:
        return levels[0], 0, "start"
    x0, x1, v0, v1 = levels[i - 1], levels[i], float(values[i - 1]), float(values[i])
    if math.isnan(v0) or x1 == x0:
        return x1, i, "grid"
    slope = (v1 - v0) / (x1 - x0)
    neighbours = []
    if i >= 2 and not math.isnan(values[i - 2]) and levels[i - 2] < x0:
        neighbours.append(abs(v0 - float(values[i - 2])) / (x0 - levels[i - 2]))
    if i + 1 < len(levels) and not math.isnan(values[i + 1]) and levels[i + 1] > x1:
        neighbours.append(abs(float(values[i + 1]) - v1) / (levels[i + 1] - x1))
    if neighbours and slope >= JUMP_FACTOR * max(neighbours):
        return x1, i, "jump"
    return x1, i, "exact"


_TOLERANCE: dict[BreakEvenKind, float] = {
    "principal_back": 0.0,
    "irr_zero": IRR_TOLERANCE,
    "margin_zero": 0.0,
    "savings_cover": 0.0,
}


def _break_even(what: BreakEvenKind, party: str, levels: Sequence[float], values: F64, target: float) -> BreakEven:
    level, i, method = _locate(levels, values, target, _TOLERANCE[what])
    below = levels[i - 1] if i else None
    above = levels[i] if i is not None else None
    return BreakEven(what=what, party=party, level=level, below=below, above=above, method=method)


def _curve(res: Results, point: BreakEven) -> F64:
    """The values of ``point``'s curve in ``res``, one per scenario."""
    if point.what == "margin_zero":
        return next(p.margin for p in res.providers if p.id == point.party).astype(np.float64)
    if point.what == "savings_cover":
        return next(a.net_of_savings for a in res.accounts if a.id == point.party).astype(np.float64)
    tranche = next(t for t in res.tranches if t.id == point.party)
    return tranche.multiple if point.what == "principal_back" else tranche.irr


_TARGET: dict[BreakEvenKind, float] = {"principal_back": 1.0, "irr_zero": 0.0, "margin_zero": 0.0, "savings_cover": 0.0}


def _refine(
    contract: Contract, sc: Scenario, point: BreakEven, levels: Sequence[Decimal], maximum: MaximumPayment | None
) -> BreakEven:
    """``point`` with its level found inside its bracket by bisection: each step runs 15 levels evenly inside
    the bracket in one engine batch and keeps the sub-bracket of the first that reaches the target, until
    the bracket is at most ``REFINE_TOLERANCE`` wide; the lowest level found that reaches it is reported.
    Only ``exact`` and ``jump`` points have a bracket to refine."""
    if point.method not in ("exact", "jump"):
        return point
    # the bracket's ends as the levels swept were given (no float round trip)
    grid = [float(x) for x in levels]
    hi = levels[grid.index(point.above)] if point.above in grid else Decimal(repr(point.above))
    lo = levels[grid.index(point.below)] if point.below in grid else Decimal(repr(point.below))
    target, tolerance = _TARGET[point.what], _TOLERANCE[point.what]
    while hi - lo > REFINE_TOLERANCE:
        inside = [lo + (hi - lo) * k / 16 for k in range(1, 16)]
        batch = stack([deterministic_batch(contract, sc, x) for x in inside])
        values = _curve(results(contract, run_batch(contract, batch), maximum=maximum), point)
        reached = np.nan_to_num(values, nan=-np.inf) >= target - tolerance
        if reached.any():
            k = int(np.argmax(reached))
            lo, hi = (inside[k - 1] if k else lo), inside[k]
        else:
            lo = inside[-1]
    return attrs.evolve(point, level=float(hi))


# -- the sweep ---------------------------------------------------------------------------------------------
def sweep(
    contract: Contract,
    levels: Sequence[Decimal],
    scenario: Scenario | None = None,
    *,
    maximum: MaximumPayment | None = None,
) -> Sweep:
    """Run ``contract`` at every success level in ``levels`` (ascending, at least 0) in one engine run.

    ``scenario`` (default: the contract's default scenario, ``base`` when it has one) supplies the
    success rates that each level scales. Returns the per-party curves and break-even points.
    Raises ``ValueError`` when ``levels`` is empty, longer than ``MAX_LEVELS``, not ascending, or
    has a negative level. ``maximum``: the contract's maximum payment, if the caller already has it.
    """
    if not levels:
        raise ValueError("no success levels to sweep")
    if len(levels) > MAX_LEVELS:
        raise ValueError(f"at most {MAX_LEVELS} success levels can be swept at once, got {len(levels)}")
    if any(x < 0 for x in levels):
        raise ValueError(f"success levels must be at least 0, got {min(levels)}")
    if any(b < a for a, b in pairwise(levels)):
        raise ValueError("success levels must be in ascending order")
    sc = scenario if scenario is not None else default_scenario(contract)
    batch = stack([deterministic_batch(contract, sc, x) for x in levels])
    res = results(contract, run_batch(contract, batch), maximum=maximum)
    grid = tuple(float(x) for x in levels)
    payer_cost = {p.id: p.paid + p.vat + p.fees for p in res.payers}
    margin = {p.id: p.margin for p in res.providers}
    found: list[BreakEven] = []
    for t in res.tranches:
        found.append(_break_even("principal_back", t.id, grid, t.multiple, 1.0))
        found.append(_break_even("irr_zero", t.id, grid, t.irr, 0.0))
    for p in res.providers:
        found.append(_break_even("margin_zero", p.id, grid, p.margin.astype(np.float64), 0.0))
    found = [_refine(contract, sc, point, levels, maximum) for point in found]
    return Sweep(
        scenario=sc.name,
        levels=grid,
        payer_cost=payer_cost,
        provider_margin=margin,
        tranche_irr={t.id: t.irr for t in res.tranches},
        tranche_multiple={t.id: t.multiple for t in res.tranches},
        tranche_loss={t.id: t.loss for t in res.tranches},
        break_even=tuple(found),
        results=res,
    )


def savings_break_even(
    sweep_: Sweep, contract: Contract, party: str, *, maximum: MaximumPayment | None = None
) -> BreakEven:
    """The success level from which ``party``'s cashable savings cover everything it pays (its account's
    ``net_of_savings`` reaches 0), found as ``sweep`` finds its points: bracketed on ``sweep_``'s levels,
    then by bisection (``REFINE_TOLERANCE``). ``contract`` is the contract ``sweep_`` ran."""
    account = next(a for a in sweep_.results.accounts if a.id == party)
    levels = [Decimal(repr(x)) for x in sweep_.levels]
    point = _break_even("savings_cover", party, sweep_.levels, account.net_of_savings.astype(np.float64), 0.0)
    scenario = next((s for s in contract.scenarios if s.name == sweep_.scenario), contract.default_scenario())
    return _refine(contract, scenario, point, levels, maximum)
