"""Money and rates: integer minor units, exact parsing, stated rounding, exact splits.

Every amount of money in sibkit is an ``int`` number of the contract currency's
**minor unit** (EUR unless the contract says otherwise): 10^-d of a currency unit,
where d is the currency's number of decimals as Babel reports it
(``babel.numbers.get_currency_precision``, ISO 4217's minor unit): cents of EUR
(d = 2), yen of JPY (d = 0), fils of KWD (d = 3), ten-thousandths of CLF (d = 4).
The names say "cents" (``Cents``, ``MAX_CENTS``) for this minor unit. The engine
never needs d: it adds and splits integers; only reading amounts from a file
(``parse_amount``) and writing them for people (``cents_to_decimal``,
``format_money``, ``sibkit.i18n.Language.money``) scale by 10^d. Amounts are never
held in binary floating point: ``0.1 + 0.2`` euros must be 30 cents.

Which currency amounts are read and written in (``amounts_in``): a file writes
amounts in currency units (``3500.00``) of its top-level ``currency``, but the
cattrs hooks that read one amount see only that value, not the contract around
it. The loader therefore reads the raw ``currency`` first and structures the
whole contract inside ``with amounts_in(currency):``, a ``contextvars.ContextVar``
(safe across threads and asyncio tasks, restored on exit, even on an error);
``dumps`` writes a contract back inside the same context. Outside any context,
amounts are read and written with two decimals (EUR). A contract built in Python
needs no context: its amounts are already integers in the minor unit, so nothing
is scaled and nothing can be misread.

Rounding rules (the only two used anywhere):

* **Half up, to the cent** (the minor unit; ``round_half_up``): used once per payment line
  where a price is multiplied by a fraction (a weight, a share of savings, an
  interest rate). Half a cent goes up, as in Dutch and UK commercial practice
  ("rekenkundig afronden"). Amounts are never negative where this is applied.
* **Largest remainder** (``allocate``): used whenever one amount is split into
  parts (pro-rata between tranches, payers, contributors, months). Every part
  is first rounded down; the cents left over go one each to the parts with the
  largest remainders, ties to the earlier part. The parts always add up to the
  whole, to the cent.

Weights and rates in a contract are ``Decimal`` so that ``0.7`` is exactly
seven tenths; the engine turns them into exact integer ratios. Shares that split
an amount between parties (payers, residual parties, difficulty segments) are
``fractions.Fraction``, so that a third is exactly ``"1/3"`` (``parse_share``);
the engine splits by the integer weights ``share_weights`` gives (three thirds
split as 1:1:1), and people are shown ``33.33%`` (``share_display``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import NewType

import numpy as np
import numpy.typing as npt
from babel.numbers import get_currency_precision, list_currencies

from sibkit.errors import Refusal, show
from sibkit.facts import N_, Count, Fact, Listing, Phrase, Word
from sibkit.limits import MAX_CENTS, MAX_SHARE_DENOMINATOR, MAX_SIGNIFICANT_DIGITS

__all__ = [
    "DEFAULT_CURRENCY",
    "Cents",
    "allocate",
    "allocate_array",
    "amount_currency",
    "amounts_in",
    "cents_to_decimal",
    "currency_decimals",
    "format_eur",
    "muldiv_array",
    "parse_amount",
    "parse_fraction",
    "parse_share",
    "round_half_up",
    "share_decimal",
    "share_display",
    "share_text",
    "share_weights",
]

Cents = NewType("Cents", int)
"""An amount of money in cents (the minor unit) of the contract currency: ``350000`` is €3,500.00,
but ¥350,000 in a JPY contract and KWD 350.000 in a KWD contract."""

_HUNDRED = Decimal(100)

DEFAULT_CURRENCY = "EUR"
"""The currency amounts are read and written in outside ``amounts_in`` (two decimals)."""


@functools.cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@functools.lru_cache(maxsize=1024)
def currency_decimals(currency: str) -> int:
    """Digits after the decimal point of ``currency``'s amounts, as Babel reports ISO 4217's minor unit:
    ``JPY`` 0, ``EUR`` 2, ``KWD`` 3, ``CLF`` 4 (Babel's 2 for a code it does not know). An amount is an
    integer number of 10^-decimals currency units."""
    return int(get_currency_precision(currency))


_AMOUNT_CURRENCY: ContextVar[str] = ContextVar("sibkit_amount_currency", default=DEFAULT_CURRENCY)
"""The currency ``parse_amount`` and ``cents_to_decimal`` use when none is given (see ``amounts_in``)."""


def amount_currency() -> str:
    """The currency amounts are read and written in here: the innermost ``amounts_in``, else ``EUR``."""
    return _AMOUNT_CURRENCY.get()


@contextlib.contextmanager
def amounts_in(currency: object) -> Iterator[str]:
    """Read and write amounts in ``currency`` (an ISO 4217 code) inside the ``with`` block; yields the code used.

    The loader wraps the structuring of a contract in it with the file's raw ``currency``, because the
    hook that reads one amount cannot see the contract around it; a context variable is the one value
    every hook below can read without threading the currency through cattrs (and it is restored on exit,
    also on an error, and is separate per thread and asyncio task). A value that is not a code Babel knows
    (the contract's validator refuses it with its own message) leaves amounts at two decimals, ``EUR``.
    """
    code = currency if isinstance(currency, str) and currency in _known_currencies() else DEFAULT_CURRENCY
    token = _AMOUNT_CURRENCY.set(code)
    try:
        yield code
    finally:
        _AMOUNT_CURRENCY.reset(token)


_AMOUNT = N_('expected an amount such as 3500 or "3500.00", got %(got)s%(hint)s')
"""The refusal of a value that is no amount; ``hint`` says how to write it, or is ``""``."""


def parse_amount(value: object, currency: str | None = None) -> Cents:
    """Read an amount written in currency units (``3500``, ``3500.10`` or ``"3500.10"``) as an integer of
    the currency's minor unit (cents of EUR: ``350010``; yen of JPY; fils of KWD: ``"1234.567"`` → ``1234567``).

    ``currency`` is an ISO 4217 code; ``None`` means the one of the innermost ``amounts_in`` (``EUR`` outside
    any). Accepts ``int``, ``Decimal`` and decimal strings; refuses floats (binary
    floats cannot hold most cent amounts exactly), booleans, negative amounts,
    amounts above ``sibkit.limits.MAX_CENTS`` minor units (checked before any arithmetic, so
    ``1e999999`` is refused at once) and fractions of the minor unit (more decimals than the currency
    has: ``3500.5`` in JPY). Raises ``Refusal`` (a ``ValueError``) with a
    message for a user, naming the value as it was written (``3500.001``, ``'3.500,00'``, ``true``)
    and, for a localised amount such as ``"3.500,00"``, how to write it.
    """
    code = amount_currency() if currency is None else currency
    decimals = currency_decimals(code)
    if isinstance(value, float):
        raise Refusal.of(_AMOUNT, got=show(value), hint=Phrase.of(N_(" (a binary float; write it as a decimal)")))
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise Refusal.of(_AMOUNT, got=show(value), hint="")
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise Refusal.of(_AMOUNT, got=show(value), hint=_amount_hint(value, decimals)) from None
    else:
        amount = Decimal(value)
    if not amount.is_finite():
        raise Refusal.of(N_("expected a finite amount, got %(got)s"), got=show(value))
    if amount < 0:
        raise Refusal.of(N_("expected an amount of at least 0, got %(got)s"), got=show(value))
    # bounded before any arithmetic: 1e999999 units would overflow Decimal or take minutes as an int
    if amount > Decimal(MAX_CENTS).scaleb(-decimals):
        raise Refusal.of(
            N_("expected an amount of at most %(most)s, got %(got)s"),
            most=f"{cents_to_decimal(MAX_CENTS, code):f}",
            got=_short(value),
        )
    if amount and amount.adjusted() < -MAX_SIGNIFICANT_DIGITS:
        raise _too_many_decimals(value, code, decimals)
    cents = amount.scaleb(decimals)
    if cents != cents.to_integral_value():
        raise _too_many_decimals(value, code, decimals)
    return Cents(int(cents))


_WHOLE_CENTS = N_("expected whole cents, got %(got)s (an amount has at most 2 decimals)")
_AT_MOST_DECIMALS = N_("expected an amount with at most %(decimals)s decimals for %(currency)s, got %(got)s")


def _too_many_decimals(value: object, currency: str, decimals: int) -> Refusal:
    """The refusal of an amount finer than the minor unit; a currency with two decimals keeps the words
    sibkit always used for it ("whole cents"), any other says how many decimals ``currency`` has."""
    if decimals == 2:
        return Refusal.of(_WHOLE_CENTS, got=show(value))
    return Refusal.of(_AT_MOST_DECIMALS, decimals=Count(decimals), currency=currency, got=show(value))


_CURRENCY = re.compile(r"^(?:€|eur(?:o|os)?\b)\s*|\s*(?:€|\beur(?:o|os)?)$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[.,' ])\d{3})(?:(?P=sep)\d{3})*")


@functools.cache
def _written(decimals: int) -> tuple[re.Pattern[str], re.Pattern[str] | None, re.Pattern[str] | None]:
    """For amounts with at most ``decimals`` decimals: a plain amount (``3500.00``), and (``None`` for a
    currency without decimals) an amount with a decimal comma (``3.500,00``) and with a decimal dot
    and grouping (``3,500.00``)."""
    if not decimals:
        return re.compile(r"\d+"), None, None
    frac = rf"(?P<frac>\d{{1,{decimals}}})"
    plain = re.compile(rf"\d+(?:\.\d{{1,{decimals}}})?")
    comma = re.compile(rf"(?P<whole>\d{{1,3}}(?:(?P<sep>[.' ])\d{{3}})(?:(?P=sep)\d{{3}})*|\d+),{frac}")
    dot = re.compile(rf"(?P<whole>\d{{1,3}}(?:(?P<sep>[,' ])\d{{3}})(?:(?P=sep)\d{{3}})*|\d+)\.{frac}")
    return plain, comma, dot


def _units(whole: int | str, frac: str, decimals: int) -> str:
    """A plain amount with exactly ``decimals`` decimals: ``3500.00``, ``3.50``, ``3500`` (no decimals)."""
    return f"{int(whole)}.{frac:0<{decimals}}" if decimals else str(int(whole))


def _amount_readings(text: str, decimals: int) -> list[str]:
    """The plain amounts (``3500.00``) a localised text such as ``3.500,00`` can mean, with the currency's
    ``decimals``; empty if none."""
    plain, comma, dot = _written(decimals)
    if plain.fullmatch(text):
        return [f"{Decimal(text):.{decimals}f}"]
    # grouping first: with three decimals (KWD), "3,500" is 3500 or 3.500, not only the latter
    if m := _GROUPED.fullmatch(text):
        readings = [_units(re.sub(r"[^0-9]", "", text), "", decimals)]
        groups = re.split(r"[.,' ]", text)
        if decimals and len(groups) == 2 and m["sep"] in ".," and not groups[1][decimals:].strip("0"):
            # "3,500" is 3.50 where a comma is the decimal mark (3.501 would not be whole cents)
            readings.append(f"{groups[0]}.{groups[1][:decimals]}")
        return readings
    for pattern in (comma, dot):
        if pattern is not None and (m := pattern.fullmatch(text)):
            whole = re.sub(r"\D", "", m["whole"])
            return [_units(whole, m["frac"], decimals)]
    return []


def _amount_hint(text: str, decimals: int = 2) -> Fact:
    """How to write a localised amount (``"€ 3.500,00"``) plainly, as ``"; write 3500.00: …"``; else ``""``."""
    spaced = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    bare = _CURRENCY.sub("", spaced).strip()
    readings = _amount_readings(bare, decimals)
    if not readings:
        return ""
    how: list[Fact] = []
    if bare != spaced:
        how.append(Word(N_("no currency sign")))
    if not _written(decimals)[0].fullmatch(bare):
        how.append(Word(N_("a dot for decimals, no thousands separator")))
    written: Fact = readings[0]
    if len(readings) > 1:
        written = Phrase.of(N_("%(first)s or %(second)s"), first=readings[0], second=readings[1])
    return Phrase.of(N_("; write %(amount)s: %(how)s"), amount=written, how=Listing(tuple(how), joined="comma"))


def cents_to_decimal(cents: int, currency: str | None = None) -> Decimal:
    """An amount in cents (the minor unit) as currency units with the currency's decimals, exactly:
    ``350000`` → ``Decimal('3500.00')`` in EUR, ``Decimal('350000')`` in JPY, ``Decimal('350.000')`` in KWD.

    ``currency`` is an ISO 4217 code; ``None`` means the one of the innermost ``amounts_in`` (``EUR``
    outside any), as when the loader writes a contract back."""
    unit = Decimal(1).scaleb(-currency_decimals(amount_currency() if currency is None else currency))
    return (Decimal(int(cents)) * unit).quantize(unit)


SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "INR": "₹", "JPY": "¥"}
"""Currency symbols for plain (locale-free) rendering; term sheets format money per locale with Babel."""


def format_money(cents: int, currency: str = "EUR") -> str:
    """Plain, locale-free rendering for tables and errors, with the currency's decimals: ``€3,500.00``,
    ``£12.50``, ``¥350,000``, ``KWD 1,234.567``; negative as ``-€12.50``. ``cents`` is in the minor unit."""
    decimals = currency_decimals(currency)
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 10**decimals)
    digits = f".{frac:0{decimals}d}" if decimals else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}{digits}"


def format_eur(cents: int) -> str:
    """``format_money`` in euros."""
    return format_money(cents, "EUR")


def parse_fraction(value: object, *, what: str = N_("a share"), examples: str = N_('0.25 or "25%"')) -> Decimal:
    """Read a fraction written as ``0.7``, ``"0.7"`` or ``"70%"`` exactly, as a ``Decimal``.

    No range is checked here (callers say what range applies), only a size: a number of
    10^24 or more, or written with more than 24 significant digits, is refused before any
    arithmetic on it (``sibkit.limits.MAX_SIGNIFICANT_DIGITS``). ``what`` and ``examples`` are
    messages (marked with ``N_``), translated where the refusal is shown.
    """

    def refuse(hint: Fact = "") -> Refusal:
        return Refusal.of(_EXPECTED, what=Word(what), examples=Word(examples), got=show(value), hint=hint)

    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise refuse()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Refusal.of(_FINITE, got=show(value))
        _check_size(value, value)
        return value
    text = value.strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        hint: Fact = ""
        if re.fullmatch(r"\d+,\d+", text):
            written = text.replace(",", ".") + ("%" if percent else "")
            hint = Phrase.of(N_("; write %(number)s: a dot for decimals"), number=written)
        raise refuse(hint) from None
    if not number.is_finite():
        raise Refusal.of(_FINITE, got=show(value))
    _check_size(number, value)
    return number / _HUNDRED if percent else number


_EXPECTED = N_("expected %(what)s such as %(examples)s, got %(got)s%(hint)s")
_FINITE = N_("expected a finite number, got %(got)s")

_RATIO = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)")
"""A ratio as written in a file: ``"1/3"`` (spaces around the slash allowed)."""

_SHARE_EXAMPLES = N_('0.25, "25%" or "1/4"')


def parse_share(value: object) -> Fraction:
    """Read a share written as ``0.25``, ``"0.25"``, ``"25%"`` or the ratio ``"1/4"``, exactly.

    A ratio must have a denominator from 1 to ``MAX_SHARE_DENOMINATOR`` and lie between 0 and 1
    (checked here, so that the message can quote the ratio as written); a decimal or a percentage
    is read by ``parse_fraction`` and its range is left to the field's validator.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, str) and "/" in value:
        match = _RATIO.fullmatch(value.strip())
        if not match or max(len(match[1]), len(match[2])) > MAX_SIGNIFICANT_DIGITS:
            raise Refusal.of(
                _EXPECTED, what=Word(N_("a share")), examples=Word(_SHARE_EXAMPLES), got=_short(value), hint=""
            )
        num, den = int(match[1]), int(match[2])
        if den == 0:
            raise Refusal.of(N_("a ratio's denominator must not be 0, got %(got)s"), got=show(value))
        if den > MAX_SHARE_DENOMINATOR:
            raise Refusal.of(
                N_("expected a ratio with a denominator of at most %(most)s, got %(got)s"),
                most=Count(MAX_SHARE_DENOMINATOR),
                got=show(value),
            )
        share = Fraction(num, den)
        if not 0 <= share <= 1:
            raise Refusal.of(N_("expected a ratio between 0 and 1 (0%% and 100%%), got %(got)s"), got=show(value))
        return share
    return Fraction(parse_fraction(value, what="a share", examples=_SHARE_EXAMPLES))


def share_decimal(share: Fraction) -> Decimal | None:
    """``share`` as an exact ``Decimal`` (``1/4`` → ``0.25``), or ``None`` when no decimal is exact (``1/3``)."""
    den = share.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    return Decimal(share.numerator * 10**places // share.denominator).scaleb(-places)


def share_text(share: Fraction) -> str:
    """``share`` as a contract file writes it: a decimal when exact (``0.25``), else the ratio (``1/3``)."""
    exact = share_decimal(share)
    return f"{share.numerator}/{share.denominator}" if exact is None else f"{exact:f}"


def share_display(share: Fraction | Decimal) -> Decimal:
    """A share to show people: exact when it is a decimal, else rounded half up to four decimals
    (``1/3`` → ``0.3333``, shown as ``33.33%``; ``2/3`` → ``0.6667``). Only for display: the engine
    always uses the exact share."""
    if isinstance(share, Decimal):
        return share
    exact = share_decimal(share)
    if exact is not None:
        return exact
    return Decimal(round_half_up(share.numerator * 10_000, share.denominator)).scaleb(-4)


def share_weights(shares: Sequence[Fraction | Decimal | int]) -> list[int]:
    """The smallest integer weights in exact proportion to ``shares``: each share times the shares'
    least common denominator, divided by the weights' greatest common divisor (``1/3, 1/3, 1/3`` →
    ``1, 1, 1``; ``0.7, 0.3`` → ``7, 3``). Largest remainder on these weights splits an amount
    exactly as the shares say (scaling every weight alike changes no part)."""
    exact = [Fraction(s) for s in shares]
    denom = 1
    for f in exact:
        denom = denom * f.denominator // math.gcd(denom, f.denominator)
    ints = [int(f * denom) for f in exact]
    g = math.gcd(*ints)
    return [x // g for x in ints] if g else ints


def _short(value: object) -> Fact:
    """``show(value)``, or for a number too long to print in a message, how many digits it has."""
    text = show(value)
    if len(text) <= 40:
        return text
    return Phrase.of(N_("a number of %(digits)s digits"), digits=Count(len(text.strip(chr(39)))))


def _check_size(number: Decimal, written: object) -> None:
    """Refuse a number too large or too finely written for any contract field, before arithmetic on it
    (``1e999999`` overflows a ``Decimal`` context; a fraction of ``1e-999999`` takes minutes)."""
    if not number:
        return
    if number.adjusted() >= MAX_SIGNIFICANT_DIGITS:
        raise Refusal.of(
            N_("expected a number below 10^%(power)s, got %(got)s"),
            power=str(MAX_SIGNIFICANT_DIGITS),
            got=_short(written),
        )
    if number.adjusted() < -MAX_SIGNIFICANT_DIGITS or len(number.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        raise Refusal.of(
            N_("expected a number written with at most %(most)s digits, got %(got)s"),
            most=Count(MAX_SIGNIFICANT_DIGITS),
            got=_short(written),
        )


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def ratio(value: Decimal) -> tuple[int, int]:
    """An exact ``(numerator, denominator)`` pair for a decimal fraction."""
    f = Fraction(value)
    return f.numerator, f.denominator


def allocate(total: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights`` by the largest-remainder method.

    The parts add up to ``total`` exactly. Weights must be non-negative with a
    positive sum. Ties between equal remainders go to the earlier part.
    """
    fractions = [Fraction(w) for w in weights]
    if any(f < 0 for f in fractions):
        raise ValueError("weights must be non-negative")
    denom = 1
    for f in fractions:
        denom = denom * f.denominator // _gcd(denom, f.denominator)
    ints = [int(f * denom) for f in fractions]
    return [int(x) for x in allocate_array(np.asarray([total], dtype=np.int64), np.asarray(ints, dtype=np.int64))[0]]


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def muldiv_array(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], c: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``(a × b) // c`` and ``(a × b) % c`` elementwise (broadcast), exact even where ``a × b`` passes 2^63.

    Exact whenever ``0 < c < 2^51`` and the quotient is below 2^62 in size, as for every amount and
    weight inside ``sibkit.limits``: a float64 estimate of the quotient is off by at most 2^11 + 1, so
    the remainder ``a × b - q × c`` is within 2^12 × c < 2^63 of zero, and int64 arithmetic, which
    wraps modulo 2^64, computes it exactly (the engine's ``muldiv`` is the same, one pair at a time).
    """
    a, b, c = (np.asarray(x, dtype=np.int64) for x in (a, b, c))
    small = 2**31
    if bool(np.all(np.abs(a) < small)) and bool(np.all(np.abs(b) < small)):
        p = a * b
        q = p // c
        return q, p - q * c
    with np.errstate(over="ignore"):
        q = np.floor(a.astype(np.float64) * b.astype(np.float64) / c.astype(np.float64)).astype(np.int64)
        r = a * b - q * c
        d = r // c
        return q + d, r - d * c


def allocate_array(total: npt.NDArray[np.int64], weights: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Vectorised largest-remainder split.

    ``total`` has any shape ``S``; ``weights`` has shape ``(K,)`` or
    ``S + (K,)``. Returns shape ``S + (K,)`` whose last axis sums to
    ``total``. Where all weights are zero the parts are zero and the whole
    total goes to the first part, so nothing is lost (callers avoid this case).
    Negative totals are split as their absolute value, sign restored.
    """
    total = np.asarray(total, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    k = weights.shape[-1]
    w = np.broadcast_to(weights, (*total.shape, k))
    if np.any(w < 0):
        raise ValueError("weights must be non-negative")
    if k == 1:
        return np.where(w[..., 0] > 0, total, total)[..., None].astype(np.int64)
    wsum = w.sum(axis=-1)
    zero = wsum == 0
    safe = np.where(zero, 1, wsum)
    sign = np.where(total < 0, -1, 1)
    mag = np.abs(total)
    floor, rem = muldiv_array(mag[..., None], w, safe[..., None])
    left = mag - floor.sum(axis=-1)
    if np.any(left):
        # rank of each part among its row: larger remainder first, earlier part first among equals
        if k <= 16:
            ranks = np.zeros(rem.shape, dtype=np.int64)
            idx = np.arange(k)
            for j in range(k):
                rj = rem[..., j : j + 1]
                ranks += (rj > rem) | ((rj == rem) & (j < idx))
        else:
            order = np.argsort(-rem, axis=-1, kind="stable")
            ranks = np.empty_like(order)
            np.put_along_axis(ranks, order, np.broadcast_to(np.arange(k), order.shape).copy(), axis=-1)
        floor = floor + (ranks < left[..., None])
    if np.any(zero):
        floor = floor.copy()
        floor[zero] = 0
        floor[zero, 0] = mag[zero]
    out: npt.NDArray[np.int64] = floor * sign[..., None]
    return out
