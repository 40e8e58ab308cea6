"""Building blocks shared by every contract object: identifiers, units, provenance.

Units, everywhere in the model:

* money: ``Cents`` (int, cents (the minor unit) of the contract currency: yen of JPY, fils
  of KWD); written in files in currency units (``3500`` or ``"3500.00"``) with at most the
  currency's decimals (see ``sibkit.money``);
* weights and rates: ``Decimal`` fractions (``0.7`` is 70%); files may
  also write ``"70%"``; annual rates are fractions per year (``0.05`` is 5% a year);
* shares that split an amount between parties (``Share``: payer shares, residual
  shares, segment mixes): exact ``fractions.Fraction``; files write ``0.7``, ``"70%"``
  or a ratio such as ``"1/3"``;
* time: whole months counted from the contract start (month 0 is the start month).

Text, everywhere in the model (see ``text_problem``): an id is ``Id``; every other
text is one line, except the fields typed ``Prose`` (descriptions, purposes,
assumptions, reasons), which may hold line breaks and tabs. A text for people
(typed ``Text`` when one line, or ``Prose``) may be given once per language, a
``sibkit.texts.Texts`` (``{ nl = "…", en = "…" }`` in a file); the rules hold for each
language's text. No text holds other
control characters, halves of surrogate pairs or noncharacters; bidirectional
embeddings, overrides and isolates appear only in ``Prose``, closed in the same line.
"""

from __future__ import annotations

import contextlib
import math
import re
import typing
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, NewType

import attrs
from babel.numbers import list_currencies

from sibkit.errors import FieldProblem, did_you_mean, show
from sibkit.facts import N_, Count, Fact, Phrase, Word
from sibkit.facts import Share as ShareFact
from sibkit.i18n import LANGUAGES
from sibkit.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_CENTS,
    MAX_DECIMAL_PLACES,
    MAX_LINE_CHARS,
    MAX_MONTHS,
    MAX_NUMBER,
    MAX_PARTICIPANTS,
    MAX_PROSE_CHARS,
    MAX_RATE,
    MAX_SHARE_DENOMINATOR,
    MAX_UNITS,
)
from sibkit.money import cents_to_decimal, parse_share, share_decimal, share_display, share_text
from sibkit.texts import Texts

__all__ = [
    "CONTROL_CHARACTERS",
    "Fraction01",
    "Id",
    "Months",
    "Prose",
    "Provenance",
    "Rate",
    "Share",
    "Source",
    "Text",
    "annual_rate",
    "bounded_decimal",
    "check_provenance",
    "date_in_range",
    "fraction_in_unit",
    "is_prose",
    "money_amount",
    "month_count",
    "month_number",
    "non_negative_int",
    "participants",
    "percent",
    "positive_int",
    "positive_participants",
    "rank",
    "share_in_unit",
    "shares_common_denominator",
    "text_problem",
    "text_problems",
    "to_share",
    "unit_count",
    "unknown_language",
    "valid_currency",
    "valid_id",
    "year_number",
]

Id = NewType("Id", str)
"""A short identifier of a party, metric, rule or tranche: lower case letters, digits, ``-`` and ``_``."""

Months = NewType("Months", int)
"""A whole number of months (non-negative)."""

Fraction01 = NewType("Fraction01", Decimal)
"""A share between 0 and 1 inclusive (``0.7`` or ``"70%"`` in a file)."""

Share = Fraction
"""A share of an amount between 0 and 1 inclusive, exact: ``0.7``, ``"70%"`` or ``"1/3"`` in a file.

A plain ``fractions.Fraction`` (the loader reads every ``Fraction`` field with ``parse_share``);
the name says what it holds."""

Rate = NewType("Rate", Decimal)
"""A non-negative annual rate or a non-negative ratio (``0.05`` is 5% a year)."""


# -- text ------------------------------------------------------------------------------------------
@attrs.frozen
class _SeveralLines:
    """The mark that makes a text field ``Prose``."""


Prose = Annotated[str, _SeveralLines()]
"""A text that may hold several lines (and tabs): a description, a purpose, an assumption, a reason.

Every other text in a contract is one line. In Python it is a plain ``str``; the loader and
``text_problems`` read the mark to apply the rule for several lines.
"""


@attrs.frozen
class _ForPeople:
    """The mark that makes a one-line text field ``Text``: prose for people, which may be given per language."""


Text = Annotated[str, _ForPeople()]
"""A one-line text for people (a name, the governing law, an eligibility criterion, a source's title), given
once (the text in every language) or per language (``{ nl = "…", en = "…" }``, a ``sibkit.texts.Texts``).

In Python it is a plain ``str`` (a ``Texts`` is one); the loader reads the mark to accept a table of
languages. ``Prose`` fields accept one too. Ids, currency codes, dates written as text, file paths and
references to other parts are plain ``str`` and are never given per language.
"""

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Characters that are not text in any output: control characters (C0, DEL and C1) other than tab,
line feed and carriage return, and halves of surrogate pairs. A contract never holds them (see
``text_problem``); a report that shows other text (a file name, a message) replaces them with U+FFFD."""

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Characters that end a line somewhere (a terminal, Markdown, the Unicode line-breaking rules)."""

_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
_OPENERS |= {"\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}
"""Bidirectional embeddings and overrides (closed by U+202C) and isolates (closed by U+2069)."""
_CLOSERS = ("\u202c", "\u2069")

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(f"{chr(p + 0xFFFE)}{chr(p + 0xFFFF)}" for p in range(0, 0x110000, 0x10000))

_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069" + _NONCHARACTERS + "]")
"""Every character ``text_problem`` looks at twice; any other character is text."""

_CONTROL_NAMES = {
    "\x00": N_("null"),
    "\x07": N_("bell"),
    "\x08": N_("backspace"),
    "\t": N_("tab"),
    "\n": N_("line feed"),
    "\x0b": N_("vertical tab"),
    "\x0c": N_("form feed"),
    "\r": N_("carriage return"),
    "\x1b": N_("escape"),
    "\x7f": N_("delete"),
    "\x85": N_("next line"),
    "\x9b": N_("control sequence introducer"),
    "\u2028": N_("line separator"),
    "\u2029": N_("paragraph separator"),
}
"""Names of the characters people meet most, translated; any other character is named by its Unicode name."""

PROSE_FIELDS = "a description, purpose, assumption or reason"
"""The fields that may hold several lines, as messages name them."""


def _code(ch: str) -> Fact:
    """``U+001B (escape)``, ``U+202E (right-to-left override)``: a character named for a message."""
    code = f"U+{ord(ch):04X}"
    if ch in _CONTROL_NAMES:
        return Phrase.of(N_("%(code)s (%(name)s)"), code=code, name=Word(_CONTROL_NAMES[ch]))
    name = unicodedata.name(ch, "").lower()  # Unicode's own name of the character: not translated
    return Phrase.of(N_("%(code)s (%(name)s)"), code=code, name=name) if name else code


def _excerpt(text: str, at: int) -> str:
    """``text`` quoted as a contract file writes it (escapes for what cannot be seen), cut to a
    few dozen characters around position ``at`` so a long description does not flood the message."""
    start, end = max(0, at - 30), min(len(text), at + 30)
    body = repr(text[start:end])
    return ("…" if start else "") + body + ("…" if end < len(text) else "")


def text_problem(text: str, *, lines: bool = False) -> Phrase | None:
    """Why ``text`` cannot be contract text (a message with its facts), or ``None`` when it can.

    The rule, for every text in a contract (``lines``: the text is ``Prose``):

    * no control character (C0, DEL, C1): they move the cursor, retitle a terminal window or
      erase the screen; a ``Prose`` text may hold line feeds (``\\n``) and tabs;
    * no other line break (carriage return, U+2028, U+2029, …): one-line text stays one line,
      and ``Prose`` ends its lines with ``\\n`` only;
    * no half of a UTF-16 surrogate pair (a JSON ``\\ud800`` escape without its other half) and no
      noncharacter (U+FFFE, U+FDD0, …): they are not characters and no output format can hold them;
    * a one-line text holds no bidirectional embedding, override or isolate (U+202A to U+202E,
      U+2066 to U+2069): names in any script show in their own direction without them, and a table
      that cuts a name short could cut off the closing one. In ``Prose``, every embedding or override
      is closed by U+202C and every isolate by U+2069, nested, in the same line; an open one would
      reverse the text that follows it in a report (``150`` shown as ``051``). The marks U+200E,
      U+200F and U+061C have no extent and are allowed.

    The message names the character, where it is (counted from 1) and the text around it.
    """
    limit = MAX_PROSE_CHARS if lines else MAX_LINE_CHARS
    if len(text) > limit:  # before anything else: every later step reads the whole text
        too_long = (
            N_("%(text)s is %(length)s characters long; a text of several lines may have at most %(most)s")
            if lines
            else N_("%(text)s is %(length)s characters long; a one-line text may have at most %(most)s")
        )
        return Phrase.of(too_long, text=_excerpt(text, 0), length=Count(len(text)), most=Count(limit))
    open_: list[tuple[int, str]] = []  # (position, character) of each embedding or isolate still open
    for m in _SUSPECT.finditer(text):
        ch, at = m[0], m.start()
        if not lines and (ch in _OPENERS or ch in _CLOSERS):
            return _has(
                N_(
                    "%(text)s has the bidirectional control %(char)s at character %(at)s; a one-line text holds"
                    " none: any script shows in its own direction without it, and it could reverse the text after it"
                ),
                text,
                at,
                char=_code(ch),
            )
        if ch in _OPENERS:
            open_.append((at, ch))
            continue
        if ch in _CLOSERS:
            if open_ and _OPENERS[open_[-1][1]] == ch:
                open_.pop()
                continue
            if not open_:
                return _has(
                    N_(
                        "%(text)s has the bidirectional control %(char)s at character %(at)s"
                        " that closes nothing opened before it"
                    ),
                    text,
                    at,
                    char=_code(ch),
                )
            break  # closes an isolate around an embedding still open: reported as that embedding
        if ch == "\n" and lines:
            if open_:
                break  # an embedding or isolate is still open at the end of its line
            continue
        if ch == "\t" and lines:
            continue
        return _not_text(text, at, ch, lines)
    if open_:
        at, ch = open_[-1]
        return _has(
            N_(
                "%(text)s has the bidirectional control %(char)s at character %(at)s without its closing %(closer)s"
                " in the same line; it would reverse the text after it"
            ),
            text,
            at,
            char=_code(ch),
            closer=_code(_OPENERS[ch]),
        )
    return None


def _not_text(text: str, at: int, ch: str, lines: bool) -> Phrase:
    """Why ``ch``, at ``at`` in ``text``, is no character of contract text (``lines``: ``Prose``): a half
    of a surrogate pair, a line break other than a ``Prose`` line feed, a tab in one-line text, another
    control character or a noncharacter."""
    code = f"U+{ord(ch):04X}"
    if "\ud800" <= ch <= "\udfff":
        surrogate = N_(
            "%(text)s has half of a surrogate pair (%(code)s) at character %(at)s, which is not a character;"
            " a JSON \\u escape of a character beyond U+FFFF needs both halves"
        )
        return _has(surrogate, text, at, code=code)
    if ch in _LINE_BREAKS:
        if lines:
            return _has(
                N_("%(text)s has the line break %(char)s at character %(at)s; end the lines of a text with \\n only"),
                text,
                at,
                char=_code(ch),
            )
        return _has(
            N_(
                "%(text)s has the line break %(char)s at character %(at)s; this text is one line: only a description,"
                " purpose, assumption or reason may hold line breaks"
            ),
            text,
            at,
            char=_code(ch),
        )
    if ch == "\t":
        return _has(
            N_(
                "%(text)s has a tab (U+0009) at character %(at)s; this text is one line: only a description,"
                " purpose, assumption or reason may hold tabs"
            ),
            text,
            at,
        )
    if unicodedata.category(ch) == "Cc":
        return _has(
            N_("%(text)s has the control character %(char)s at character %(at)s, which is not text"),
            text,
            at,
            char=_code(ch),
        )
    return _has(
        N_("%(text)s has the noncharacter %(code)s at character %(at)s, which is not text"), text, at, code=code
    )


def _has(message: str, text: str, at: int, **facts: Fact) -> Phrase:
    """``message`` about the character at ``at`` in ``text``: ``'Coach\\x1b[2J' has … at character 6``
    (``%(text)s`` is the text around it, ``%(at)s`` where it is, counted from 1)."""
    return Phrase.of(message, text=_excerpt(text, at), at=Count(at + 1), **facts)


def _each_language(value: str, path: str, *, lines: bool, per_language: bool) -> Iterator[tuple[str, Phrase]]:
    """``text_problem`` of ``value``, of each language's text when it is a ``Texts`` (at ``path.<lang>``),
    and a language sibkit does not know (a ``Texts`` built in Python; the loader refuses it first). A
    ``Texts`` where the field is not a text for people (``per_language``) is refused: an id or a code
    is one text."""
    if not isinstance(value, Texts):
        if why := text_problem(value, lines=lines):
            yield path, why
        return
    if not per_language:
        yield path, Phrase.of(N_("expected one text, not a text per language: this field is not prose for people"))
        return
    for lang, text in value.as_dict().items():
        where = f"{path}.{lang}"
        if lang not in LANGUAGES:
            yield where, unknown_language(lang)
        elif why := text_problem(text, lines=lines):
            yield where, why


def unknown_language(lang: object) -> Phrase:
    """The problem of a text given in a language sibkit does not know (``de`` when it knows ``en`` and ``nl``)."""
    return Phrase.of(
        N_("unknown language %(lang)s%(hint)s expected one of %(known)s"),
        lang=show(lang),
        hint=did_you_mean(lang, LANGUAGES) or ";",
        known=", ".join(repr(code) for code in LANGUAGES),
    )


def is_prose(tp: object) -> bool:
    """Whether ``tp`` (a field's resolved type) is ``Prose`` or ``Prose | None``."""
    return tp == Prose or Prose in typing.get_args(tp)


def text_problems(obj: object, path: str = "", *, per_language: bool = False) -> Iterator[tuple[str, Phrase]]:
    """``(path, message)`` for every text in ``obj`` (an attrs object, a tuple or dict of them) that
    ``text_problem`` refuses; paths as in ``Problem`` (``providers[0].name``). A text given per language
    (a ``Texts``) is checked in each language, and refused where the field is not a text for people
    (``per_language``: the items of ``obj``, a tuple, are ``Text``)."""
    if attrs.has(type(obj)):
        if _known_clean(obj):
            return
        clean = True
        hints = _hints(type(obj))
        for a in attrs.fields(type(obj)):  # type: ignore[arg-type]
            value = getattr(obj, a.name)
            sub = f"{path}.{a.name}" if path else a.name
            hint = hints.get(a.name)
            if isinstance(value, str):
                found = _each_language(value, sub, lines=is_prose(hint), per_language=_for_people(hint))
            else:
                found = text_problems(value, sub, per_language=Text in typing.get_args(hint))
            for problem in found:
                clean = False
                yield problem
        if clean:
            _mark_clean(obj)
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            if isinstance(item, str):
                yield from _each_language(item, f"{path}[{i}]", lines=False, per_language=per_language)
            else:
                yield from text_problems(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if isinstance(key, str) and (why := text_problem(key)):
                yield path, Phrase.of(N_("the key %(why)s"), why=why)
            else:
                yield from text_problems(item, f"{path}.{key}")


_CLEAN: dict[int, weakref.ref[object]] = {}
"""Model objects whose texts ``text_problems`` found nothing wrong with, by ``id`` while they live. Every model
class is frozen, and a contract changed with ``attrs.evolve`` keeps the objects it did not change, so a
contract validated again (the what-if grid builds hundreds of variants of one contract, each validated on
construction) walks only what is new. An object found with a problem is walked again each time, so its
problems are always reported with the path it is at."""


def _known_clean(obj: object) -> bool:
    ref = _CLEAN.get(id(obj))
    return ref is not None and ref() is obj


def _mark_clean(obj: object) -> None:
    key = id(obj)

    def forget(dead: weakref.ref[object]) -> None:
        if _CLEAN.get(key) is dead:
            del _CLEAN[key]

    with contextlib.suppress(TypeError):  # a class without weak references is walked each time
        _CLEAN[key] = weakref.ref(obj, forget)


def _for_people(tp: object) -> bool:
    """Whether ``tp`` (a field's resolved type) is a text for people, ``Text`` or ``Prose`` (or ``| None``)."""
    return tp in (Text, Prose) or any(t in (Text, Prose) for t in typing.get_args(tp))


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The resolved field types of an attrs class, ``Annotated`` marks kept (cached)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, include_extras=True)
    return _HINTS[cls]


_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
"""An ``Id``, matched against the whole text (``fullmatch``: ``$`` would let a final line break through)."""


def percent(x: Decimal | Fraction) -> Fact:
    """A fraction as a percentage for messages (a ``Share``): ``Decimal('0.95')`` → ``95%``, ``0.125`` →
    ``12.5%``; a ratio with no exact decimal keeps the ratio: ``Fraction(1, 3)`` → ``1/3 (33.33%)``.

    The language layer writes a ``Share`` with at most four decimals of a percent and with grouping
    (``1,000%``); a percentage it would write otherwise (``0.78125%``, ``1000%``) is kept as written here,
    in every language, so that no message rounds a value it refuses."""
    if isinstance(x, Fraction):
        exact = share_decimal(x)
        if exact is None:
            shown = share_display(x)
            share: Fact = ShareFact(x) if abs(shown) < 10 else f"{(shown * 100).normalize():f}%"
            return Phrase.of(N_("%(ratio)s (%(share)s)"), ratio=share_text(x), share=share)
        x = exact
    written = f"{(x * 100).normalize():f}"
    if len(written.partition(".")[2]) > 4 or abs(x) >= 10:
        return written + "%"
    return ShareFact(x)


def valid_id(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: an identifier as ``Id`` describes."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise FieldProblem.of(
            attribute.name,
            N_("expected an identifier of lower-case letters, digits, '-' or '_', got %(got)s"),
            got=show(value),
        )


def valid_currency(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: an ISO 4217 code that Babel knows. Any number of decimals: sibkit holds money in
    the currency's minor unit (cents, pence, yen, fils: ``sibkit.money.currency_decimals``)."""
    if not isinstance(value, str) or not value.isascii() or not value.isalpha() or not value.isupper():
        raise FieldProblem.of(
            attribute.name, N_("expected an ISO 4217 currency code such as 'EUR', got %(got)s"), got=show(value)
        )
    if value not in list_currencies():
        raise FieldProblem.of(
            attribute.name, N_("%(value)s is not an ISO 4217 currency code known to sibkit"), value=show(value)
        )


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """attrs validator: an ``int`` (not ``bool``) of at least 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldProblem.of(attribute.name, N_("expected a whole number of at least 0, got %(got)s"), got=show(value))


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """attrs validator: an ``int`` (not ``bool``) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FieldProblem.of(attribute.name, N_("expected a whole number of at least 1, got %(got)s"), got=show(value))


def _places(value: Decimal) -> int:
    """Digits after the decimal point of ``value`` once trailing zeros are dropped (``0.70`` has 1)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    digits = value.as_tuple().digits
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - zeros)


def _check_places(attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if _places(value) > MAX_DECIMAL_PLACES:
        raise FieldProblem.of(
            attribute.name,
            N_("expected at most %(most)s digits after the decimal point, got %(got)s"),
            most=Count(MAX_DECIMAL_PLACES),
            got=show(value),
        )


def fraction_in_unit(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """attrs validator: a ``Decimal`` between 0 and 1 inclusive, with at most ``MAX_DECIMAL_PLACES`` decimals."""
    if not isinstance(value, Decimal) or not value.is_finite() or not (0 <= value <= 1):
        big = isinstance(value, Decimal) and value.is_finite() and 1 < value <= 100
        hint = _write_share(value) if big else ""
        raise FieldProblem.of(attribute.name, _SHARE_RANGE, got=show(value), hint=hint)
    _check_places(attribute, value)


_SHARE_RANGE = N_("expected a share between 0 and 1 (0%% and 100%%), got %(got)s%(hint)s")


def _write_share(value: Decimal) -> Phrase:
    """How to write a share given in percent (``70``): ``; write 0.7 or "70%"``."""
    return Phrase.of(N_('; write %(fraction)s or "%(percent)s%%"'), fraction=str(value / 100), percent=str(value))


def to_share(value: Fraction | Decimal | int | str) -> Fraction:
    """attrs converter of a ``Share`` field: a ``Decimal``, an ``int`` or a text such as ``"1/3"``
    becomes the exact ``Fraction``. Anything else is passed on unchanged for ``share_in_unit`` to refuse
    (a converter cannot name the field)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    if isinstance(value, str):
        return parse_share(value)
    return value  # type: ignore[return-value]


def share_in_unit(instance: object, attribute: attrs.Attribute[Any], value: Fraction) -> None:
    """attrs validator of a ``Share``: a ``Fraction`` between 0 and 1 inclusive; a decimal one with at most
    ``MAX_DECIMAL_PLACES`` decimals, a ratio with a denominator of at most ``MAX_SHARE_DENOMINATOR``."""
    if not isinstance(value, Fraction) or not (0 <= value <= 1):
        shown = share_text(value) if isinstance(value, Fraction) else show(value)
        exact = share_decimal(value) if isinstance(value, Fraction) else None
        hint = _write_share(exact) if exact is not None and 1 < exact <= 100 else ""
        raise FieldProblem.of(attribute.name, _SHARE_RANGE, got=shown, hint=hint)
    exact = share_decimal(value)
    if exact is not None:
        _check_places(attribute, exact)
    elif value.denominator > MAX_SHARE_DENOMINATOR:
        raise FieldProblem.of(
            attribute.name,
            N_("expected a ratio with a denominator of at most %(most)s, got %(got)s"),
            most=Count(MAX_SHARE_DENOMINATOR),
            got=share_text(value),
        )


def shares_common_denominator(shares: Sequence[Fraction], what: str) -> Phrase | None:
    """Why the ``shares`` of one list cannot be split exactly by the engine, or ``None``: brought to a
    common denominator, it must be at most ``MAX_SHARE_DENOMINATOR`` (it is the sum of the integer
    weights the engine splits with). ``what`` names the shares, a message marked with ``N_``
    (``N_("the payer shares")``), translated where the problem is shown."""
    denom = 1
    for s in shares:
        denom = denom * s.denominator // math.gcd(denom, s.denominator)
    if denom <= MAX_SHARE_DENOMINATOR:
        return None
    return Phrase.of(
        N_(
            "%(what)s have a common denominator of %(denominator)s; at most %(most)s is supported: "
            "write them with fewer digits or simpler ratios"
        ),
        what=Word(what),
        denominator=Count(denom),
        most=Count(MAX_SHARE_DENOMINATOR),
    )


def bounded_decimal(high: int, what: str = N_("a number")) -> Callable[[object, attrs.Attribute[Any], Decimal], None]:
    """attrs validator: a ``Decimal`` from 0 to ``high`` with at most ``MAX_DECIMAL_PLACES`` decimals
    (``what``, a message marked with ``N_``, names the value in messages)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise FieldProblem.of(attribute.name, _AT_LEAST, what=Word(what), least=Count(0), got=show(value))
        if value > high:
            raise FieldProblem.of(attribute.name, _AT_MOST, what=Word(what), most=Count(high), got=show(value))
        _check_places(attribute, value)

    return check


_AT_LEAST = N_("expected %(what)s of at least %(least)s, got %(got)s")
_AT_MOST = N_("expected %(what)s of at most %(most)s, got %(got)s")


non_negative_decimal = bounded_decimal(MAX_NUMBER)
"""attrs validator: a ``Decimal`` from 0 to ``MAX_NUMBER`` (100,000), at most 9 decimals."""

annual_rate = bounded_decimal(MAX_RATE, N_("a rate"))
"""attrs validator: an annual rate from 0 to ``MAX_RATE`` (10, i.e. 1,000% a year), at most 9 decimals."""


def _bounded_int(
    low: int, high: int, what: str, *, show_value: Callable[[int], str] = show
) -> Callable[[object, attrs.Attribute[Any], int], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise FieldProblem.of(attribute.name, _AT_LEAST, what=Word(what), least=Count(low), got=show(value))
        if value > high:
            raise FieldProblem.of(
                attribute.name, _AT_MOST, what=Word(what), most=show_value(high), got=show_value(value)
            )

    return check


def _units(cents: int) -> str:
    """Cents (the minor unit) as currency units, as files write them, in the currency being read
    (``sibkit.money.amounts_in``: the contract's, while the loader reads one)."""
    return f"{cents_to_decimal(cents):f}"


money_amount = _bounded_int(0, MAX_CENTS, N_("an amount"), show_value=_units)
"""attrs validator: cents (the minor unit) from 0 to ``MAX_CENTS`` (€10^12); messages write currency units,
as files do."""

participants = _bounded_int(0, MAX_PARTICIPANTS, N_("a number of participants"))
"""attrs validator: a count of participants from 0 to ``MAX_PARTICIPANTS``."""

positive_participants = _bounded_int(1, MAX_PARTICIPANTS, N_("a number of participants"))
"""attrs validator: a count of participants from 1 to ``MAX_PARTICIPANTS``."""

month_number = _bounded_int(0, MAX_MONTHS, N_("a month number"))
"""attrs validator: a month counted from the contract start, 0 to ``MAX_MONTHS``."""

month_count = _bounded_int(1, MAX_MONTHS, N_("a number of months"))
"""attrs validator: a length in months, 1 to ``MAX_MONTHS`` (50 years)."""

unit_count = _bounded_int(1, MAX_UNITS, N_("a number of units"))
"""attrs validator: units per participant, 1 to ``MAX_UNITS``."""

year_number = _bounded_int(FIRST_DATE.year, LAST_DATE.year, N_("a year"))
"""attrs validator: a calendar (or budget) year within the dates sibkit computes with."""

rank = _bounded_int(1, 1000, N_("a rank"))
"""attrs validator: a seniority rank, 1 to 1,000."""


def date_in_range(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: a date from ``FIRST_DATE`` to ``LAST_DATE`` (``None`` passes)."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise FieldProblem.of(
            attribute.name,
            N_("expected a date from %(first)s to %(last)s, got %(got)s"),
            first=FIRST_DATE.isoformat(),
            last=LAST_DATE.isoformat(),
            got=show(value),
        )


def optional(
    validator: Callable[[Any, attrs.Attribute[Any], Any], None],
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """Apply ``validator`` unless the value is ``None``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


@attrs.frozen(kw_only=True)
class Source:
    """A document a contract's numbers come from (an article, a council decision, a fact sheet)."""

    id: str = attrs.field(validator=valid_id)
    """How provenance entries refer to this source."""
    title: Text
    """The document's title."""
    author: Text = ""
    """Author or publisher."""
    date: str = ""
    """Publication date as written in the source (free text, e.g. ``2024-02-14``)."""
    url: str = ""
    """Where to find it, if public."""


@attrs.frozen(kw_only=True)
class Provenance:
    """Where one number came from: a source (with a locator) or a stated assumption.

    Exactly one of ``source`` and ``assumption`` is given.
    """

    source: str | None = None
    """Id of an entry in the contract's ``sources``."""
    locator: Text = ""
    """Where in the source: page, line, table (``S000:L39``); may say more, in words."""
    assumption: Prose | None = None
    """The reasoning behind a number the sources do not give."""

    def __attrs_post_init__(self) -> None:
        if (self.source is None) == (self.assumption is None):
            raise FieldProblem.of("source", N_("give exactly one of 'source' or 'assumption'"))
        if self.assumption is not None and not self.assumption.strip():
            raise FieldProblem.of("assumption", N_("an assumption must say what was assumed and why"))


def check_provenance(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Provenance]) -> None:
    """attrs validator: provenance keys name fields of the same object."""
    names = {a.name for a in attrs.fields(type(instance))} - {"provenance"}  # type: ignore[arg-type]
    for key in value:
        if key not in names:
            raise FieldProblem.of(
                attribute.name,
                N_("provenance given for unknown field %(key)s; expected one of: %(known)s"),
                key=repr(key),
                known=", ".join(sorted(names)),
            )


def provenance_field() -> Any:
    """The ``provenance`` field every object carrying numbers has (field name → Provenance)."""
    return attrs.field(factory=dict, validator=check_provenance)
