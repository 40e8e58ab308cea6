"""Argument checks for ``sibkit.testing.strategies``: each raises Hypothesis's ``InvalidArgument`` with a message
that names the strategy, the argument, the value given and what was expected, in the manner of
``hypothesis.internal.validation`` (whose helpers are private to Hypothesis, so these are sibkit's own).

The messages are for developers writing tests, in English, and are not translated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn, TypeVar

from hypothesis.errors import InvalidArgument

from sibkit.limits import FIRST_DATE, LAST_DATE, MAX_CENTS
from sibkit.model.validation import ENGINE_ACCOUNTS

T = TypeVar("T")

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


def fail(where: str, message: str) -> NoReturn:
    """Raise ``InvalidArgument`` for strategy ``where`` (``"payers"``): ``payers(): <message>``."""
    raise InvalidArgument(f"{where}(): {message}")


def whole(where: str, name: str, value: object, *, least: int = 0, most: int | None = None) -> int:
    """``value`` is an ``int`` (not a ``bool``) from ``least`` to ``most``."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(where, f"{name}={value!r}: expected a whole number (int)")
    if value < least:
        fail(where, f"{name}={value!r}: expected a whole number of at least {least}")
    if most is not None and value > most:
        fail(where, f"{name}={value!r}: expected a whole number of at most {most}")
    return value


def sizes(
    where: str,
    low: object,
    high: object,
    *,
    least: int = 0,
    most: int | None = None,
    names: tuple[str, str] = ("min_size", "max_size"),
) -> tuple[int, int]:
    """``low`` and ``high`` are whole numbers in ``least..most`` with ``low <= high``."""
    a = whole(where, names[0], low, least=least, most=most)
    b = whole(where, names[1], high, least=least, most=most)
    if a > b:
        fail(where, f"{names[0]}={a} is more than {names[1]}={b}; expected {names[0]} <= {names[1]}")
    return a, b


def money(where: str, name: str, value: object, *, least: int = 0) -> int:
    """``value`` is an amount in cents (an ``int``) from ``least`` to ``sibkit.limits.MAX_CENTS``."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(where, f"{name}={value!r}: expected an amount in cents (a whole number, int)")
    if value < least:
        fail(where, f"{name}={value!r}: expected an amount in cents of at least {least}")
    if value > MAX_CENTS:
        fail(where, f"{name}={value!r}: expected an amount in cents of at most {MAX_CENTS}")
    return value


def money_range(where: str, low_name: str, low: object, high_name: str, high: object) -> tuple[int, int]:
    """Two amounts in cents with ``low <= high``."""
    a, b = money(where, low_name, low), money(where, high_name, high)
    if a > b:
        fail(where, f"{low_name}={a} is more than {high_name}={b}; expected {low_name} <= {high_name}")
    return a, b


def share(where: str, name: str, value: object) -> Decimal:
    """``value`` is a share from 0 to 1: a ``Decimal``, ``Fraction`` or ``int`` (not a ``float``: it is not exact)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | Fraction | int):
        got = type(value).__name__
        fail(where, f"{name}={value!r}: expected a share from 0 to 1 as a Decimal (Decimal('0.25')), not {got}")
    if isinstance(value, Decimal) and not value.is_finite():
        fail(where, f"{name}={value!r}: expected a share from 0 to 1, got a non-finite Decimal")
    if not 0 <= value <= 1:
        fail(where, f"{name}={value!r}: expected a share from 0 to 1 (0.25 is 25%)")
    return Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)


def flag(where: str, name: str, value: object, *, optional: bool = True) -> bool | None:
    """``value`` is ``True`` or ``False`` (or ``None`` when ``optional``: Hypothesis chooses)."""
    if value is None and optional:
        return None
    if not isinstance(value, bool):
        expected = "True, False or None (either)" if optional else "True or False"
        fail(where, f"{name}={value!r}: expected {expected}")
    return value


def choices(where: str, name: str, values: object, allowed: Sequence[str]) -> tuple[str, ...]:
    """``values`` is a non-empty sequence of some of ``allowed`` (duplicates dropped, order kept)."""
    if isinstance(values, str) or not isinstance(values, Sequence | frozenset | set):
        fail(where, f"{name}={values!r}: expected a tuple of some of {', '.join(map(repr, allowed))}")
    seq = list(values)
    if not seq:
        fail(where, f"{name}=(): expected at least one of {', '.join(map(repr, allowed))}")
    for v in seq:
        if v not in allowed:
            fail(where, f"{name}: unknown value {v!r}; expected some of {', '.join(map(repr, allowed))}")
    return tuple(dict.fromkeys(seq))


def ids(where: str, name: str, values: object) -> tuple[str, ...]:
    """``values`` is a non-empty sequence of distinct identifiers (lower-case letters, digits, ``-``, ``_``)
    that are not the names of the engine's own ledger accounts."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        fail(where, f"{name}={values!r}: expected a tuple of identifiers such as ('north', 'south')")
    if not values:
        fail(where, f"{name}=(): expected at least one identifier")
    for v in values:
        if not isinstance(v, str) or not _ID.fullmatch(v):
            fail(where, f"{name}: {v!r} is not an identifier; expected lower-case letters, digits, '-' or '_'")
        if v in ENGINE_ACCOUNTS:
            fail(where, f"{name}: {v!r} is the name of one of sibkit's own ledger accounts; choose another")
    twice = [v for v in values if values.count(v) > 1]
    if twice:
        fail(where, f"{name}: {twice[0]!r} is given twice; expected distinct identifiers")
    return tuple(values)


def items(where: str, name: str, values: object, kind: type[T] | tuple[type, ...], what: str) -> tuple[Any, ...]:
    """``values`` is a non-empty sequence of ``kind`` objects (``what`` names them) with distinct ids."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        fail(where, f"{name}={values!r}: expected a tuple of {what}")
    if not values:
        fail(where, f"{name}=(): expected at least one of {what}")
    for v in values:
        if not isinstance(v, kind):
            fail(where, f"{name}: {v!r} is not one of {what}")
    seen = [getattr(v, "id", None) for v in values]
    twice = [i for i in seen if i is not None and seen.count(i) > 1]
    if twice:
        fail(where, f"{name}: id {twice[0]!r} is used twice; expected {what} with distinct ids")
    return tuple(values)


def optional_items(where: str, name: str, values: object, kind: type[T], what: str) -> tuple[T, ...]:
    """Like ``items``, but an empty sequence is allowed."""
    if isinstance(values, Sequence) and not isinstance(values, str) and not values:
        return ()
    return items(where, name, values, kind, what)


def instance(where: str, name: str, value: object, kind: type[T], what: str) -> T:
    """``value`` is a ``kind``."""
    if not isinstance(value, kind):
        fail(where, f"{name}={value!r}: expected {what}")
    return value


def a_date(where: str, name: str, value: object) -> dt.date:
    """``value`` is a date within the dates sibkit computes with."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        fail(where, f"{name}={value!r}: expected a datetime.date")
    if not FIRST_DATE <= value <= LAST_DATE:
        fail(where, f"{name}={value!r}: expected a date from {FIRST_DATE} to {LAST_DATE}")
    return value


def strategy_or_none(where: str, name: str, value: Any) -> Any:
    """``value`` is a Hypothesis strategy or ``None``."""
    from hypothesis.strategies import SearchStrategy

    if value is not None and not isinstance(value, SearchStrategy):
        fail(where, f"{name}={value!r}: expected a Hypothesis strategy (such as sst.{name}(...)) or None")
    return value


def part(where: str, name: str, value: Any) -> Any:
    """``value`` is a Hypothesis strategy, a function that returns one (``sst.providers`` itself, a
    ``functools.partial`` of it, a lambda), or ``None``."""
    from hypothesis.strategies import SearchStrategy

    if value is not None and not isinstance(value, SearchStrategy) and not callable(value):
        fail(
            where,
            f"{name}={value!r}: expected a Hypothesis strategy, a function of the parts it depends on that returns "
            f"one (such as sst.{name} or functools.partial(sst.{name}, ...)), or None",
        )
    return value
