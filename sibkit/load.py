"""Reading and writing contract files: the one cattrs ``Converter`` of sibkit.

TOML is the primary format, JSON the second. Numbers are read as ``Decimal``
(never binary floats), so ``3500.10`` is exactly 350,010 cents. Amounts are written in units
of the contract's top-level ``currency`` and read as integers of its minor unit (cents of EUR,
yen of JPY, fils of KWD: see ``sibkit.money``): the hook that reads a whole ``Contract`` reads
the raw ``currency`` first and structures everything below it inside ``amounts_in(currency)``. Nothing is
coerced silently: ``"false"`` is not a boolean, ``1.9`` is not a whole number,
``12`` is not a text. Every problem in a file is reported at once, one line
each, as ``message @ path`` (``$`` is the top of the file), with values written
the way a contract file writes them (``3500.001``, ``true``, ``'3.500,00'``).
Shares that split an amount (payer, residual and segment shares) are read as
exact ``Fraction``: ``0.25``, ``"25%"`` or the ratio ``"1/4"``; they are written
back as a decimal when one is exact and as the ratio (``"1/3"``) otherwise.
The references between parts (ids that must exist, totals across the contract)
are checked only once every part could be built; until then a last line says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal, DecimalException
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs
import cattrs
import tomli_w
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from sibkit.errors import (
    ContractFileError,
    FieldProblem,
    Line,
    ModelError,
    Refusal,
    described,
    did_you_mean,
    phrase_of,
    quoted,
    show,
)
from sibkit.facts import N_, Count, Fact, Listing, Month, Phrase
from sibkit.i18n import LANGUAGES
from sibkit.limits import MAX_DOTTED_KEY_PARTS, MAX_LIST_ITEMS
from sibkit.model import RULE_TYPES, STEP_TYPES, TRANCHE_TYPES, Contract, Scenario
from sibkit.model.capital import Tranche
from sibkit.model.common import Prose, Text, text_problem, unknown_language
from sibkit.model.rules import PaymentRule
from sibkit.model.waterfall import WaterfallStep
from sibkit.money import (
    Cents,
    amount_currency,
    amounts_in,
    cents_to_decimal,
    currency_decimals,
    parse_amount,
    parse_fraction,
    parse_share,
    share_decimal,
    share_text,
)
from sibkit.texts import Texts

__all__ = [
    "MAX_FILE_BYTES",
    "converter",
    "dumps",
    "error_lines",
    "load_contract",
    "loads",
    "make_converter",
    "save_contract",
    "scenario_toml",
    "structure_contract",
    "unstructure_contract",
]

MAX_FILE_BYTES = 5_000_000
"""Contract files larger than this are refused (a real contract is a few kB)."""

T = TypeVar("T")

TAGGED: dict[Any, dict[str, type]] = {
    PaymentRule: dict(RULE_TYPES),
    Tranche: dict(TRANCHE_TYPES),
    WaterfallStep: dict(STEP_TYPES),
}
"""Unions written in files as tables with a ``type`` key."""


# -- strict structure hooks for primitives ------------------------------------------------------
def _str(value: Any, _: type) -> str:
    """A one-line text: the model's text rule (``text_problem``), checked at the field's own path."""
    if not isinstance(value, str):
        raise Refusal.of(N_("expected a text, got %(got)s"), got=described(value))
    if why := text_problem(value):
        raise Refusal(why)
    return value


def _prose(value: Any, _: type) -> str:
    """A ``Prose`` text (a description): as ``_str``, but line breaks and tabs are allowed; may be given
    per language, as ``_text``."""
    return _per_language(value, lines=True)


def _text(value: Any, _: type) -> str:
    """A one-line ``Text`` for people (a name, the governing law): as ``_str``, or a table of such texts
    by language, ``{ nl = "…", en = "…" }``, read as a ``Texts``."""
    return _per_language(value, lines=False)


def _per_language(value: Any, *, lines: bool) -> str:
    """A text for people: a plain text (the text in every language), or a table language → text, read
    as a ``Texts``. Every language must be one sibkit knows and every text obey ``text_problem``; the
    problems of all languages are reported, each at ``<path>.<lang>``. An empty table is refused."""
    if isinstance(value, dict):
        if not value:
            raise Refusal.of(
                N_(
                    'expected a text, or a table of texts by language such as { nl = "…", en = "…" };'
                    " got an empty table"
                )
            )
        texts, errors = {}, []
        for lang, text in value.items():
            try:
                if lang not in LANGUAGES:
                    raise Refusal(unknown_language(lang))
                texts[lang] = _one_text(text, lines=lines)
            except Refusal as exc:
                exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ key {lang}", lang, str)]
                errors.append(exc)
        if errors:
            raise IterableValidationError("While structuring a text by language", errors, dict)
        return Texts(texts)
    return _one_text(value, lines=lines)


def _one_text(value: Any, *, lines: bool) -> str:
    """One text, as ``_str`` (``lines``: a ``Prose`` text, with line breaks and tabs)."""
    if not isinstance(value, str):
        raise Refusal.of(N_("expected a text, got %(got)s"), got=described(value))
    if why := text_problem(value, lines=lines):
        raise Refusal(why)
    return value


def _unstructure_text(value: str) -> str | dict[str, str]:
    """A text as a file writes it: a plain text, or the table of its languages (a ``Texts``)."""
    return value.as_dict() if isinstance(value, Texts) else value


_LARGEST_INT = 2**63 - 1
"""Whole numbers beyond int64 are refused here, before a field's own (tighter) range is checked,
so that no message prints a number thousands of digits long."""


def _int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refusal.of(N_("expected a whole number, got %(got)s"), got=described(value))
    if abs(value) > _LARGEST_INT:
        raise Refusal.of(
            N_("expected a whole number below 2^63, got a number of %(digits)s digits"),
            digits=Count(len(str(abs(value)))),
        )
    return value


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise Refusal.of(N_("expected true or false, got %(got)s"), got=described(value))
    return value


def _decimal(value: Any, _: type) -> Decimal:
    return parse_fraction(value, what="a number")


def _share(value: Any, _: type) -> Fraction:
    return parse_share(value)


def _unstructure_share(share: Fraction) -> Decimal | str:
    """A share as a file writes it: an exact decimal (``0.25``) when there is one, else the ratio (``"1/3"``)."""
    exact = share_decimal(share)
    return share_text(share) if exact is None else exact


def _cents(value: Any, _: type) -> Cents:
    """An amount in units of the currency of the ``amounts_in`` around it (the contract's), as minor units."""
    return parse_amount(value)


def _unstructure_cents(cents: Cents) -> Decimal | int:
    """An amount as a file writes it, in units of the currency of the ``amounts_in`` around it (the
    contract's): with its decimals (``3500.00``, ``1234.567`` in KWD), or, for a currency without
    decimals, as a whole number (``350000`` in JPY: TOML writers would write a whole ``Decimal`` as
    ``350000.0``)."""
    if not currency_decimals(amount_currency()):
        return int(cents)
    return cents_to_decimal(cents)


# re.ASCII: ``\d`` alone also matches other scripts' digits (``٢٠٢٣``), which ``date.fromisoformat`` refuses
_DATE_SHAPE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})", re.ASCII)
_DATETIME_SHAPE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?", re.ASCII
)


def _not_a_date(written: str) -> Phrase | None:
    """Why ``written`` (starting ``YYYY-MM-DD``) is not a calendar date, or ``None`` if it is one.

    ``"2023-02-30"`` → ``February 2023 has 28 days``.
    """
    m = _DATE_SHAPE.match(written)
    if m is None:
        return None
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    if year < 1:
        return Phrase.of(N_("a year is 0001 or later"))
    if not 1 <= month <= 12:
        return Phrase.of(N_("a month is 01 to 12"))
    days = calendar.monthrange(year, month)[1]
    if day < 1:
        return Phrase.of(N_("a day is 01 or later"))
    if day > days:
        return Phrase.of(N_("%(month)s has %(days)s days"), month=Month(dt.date(year, month, 1)), days=Count(days))
    return None


def _date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise Refusal.of(
            N_("expected a date without a time of day, got %(got)s; write %(date)s"),
            got=show(value),
            date=value.date().isoformat(),
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _DATE_SHAPE.fullmatch(text):
            if why := _not_a_date(text):
                raise Refusal.of(N_("%(value)s is not a calendar date (%(why)s)"), value=show(value), why=why)
            return dt.date.fromisoformat(text)
        if _DATETIME_SHAPE.fullmatch(text) and not _not_a_date(text):
            raise Refusal.of(
                N_("expected a date without a time of day, got %(got)s; write %(date)s"),
                got=show(value),
                date=text[:10],
            )
    raise Refusal.of(N_("expected a date such as 2023-01-01, got %(got)s"), got=described(value))


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = get_args(tp)

    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, bool) or value not in allowed:
            options = quoted(allowed)
            hint = did_you_mean(value, [a for a in allowed if isinstance(a, str)])
            raise Refusal.of(
                N_("expected one of %(options)s, got %(got)s%(hint)s"), options=options, got=described(value), hint=hint
            )
        return value

    return structure


def _is_literal(tp: Any) -> bool:
    return bool(get_origin(tp) is Literal)


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _is_dict(tp: Any) -> bool:
    return get_origin(tp) is dict


def _is_tagged(tp: Any) -> bool:
    return any(tp == u for u in TAGGED)


def make_converter() -> cattrs.Converter:
    """Build the converter sibkit uses: strict primitives, tagged unions, defaults omitted on save.

    Hooks are registered in this order (cattrs tries the later ones first): primitives and literals,
    lists and tables, attrs classes, tagged unions."""
    c = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, detailed_validation=True)
    _register_primitives(c)
    c.register_structure_hook_func(_is_tuple, _tuple_hook(c))
    c.register_structure_hook_func(_is_dict, _dict_hook(c))
    c.register_structure_hook_factory(attrs.has, lambda cl: _attrs_hook(c, cl))
    _register_tagged(c)
    _register_contract(c)
    return c


def _register_primitives(c: cattrs.Converter) -> None:
    """Strict text, prose, numbers, booleans, shares, cents, dates and literals (and how they are saved)."""
    c.register_structure_hook(str, _str)
    c.register_structure_hook_func(lambda t: t == Prose, _prose)
    c.register_structure_hook_func(lambda t: t == Text, _text)
    c.register_unstructure_hook_func(lambda t: t in (Prose, Text), _unstructure_text)
    c.register_structure_hook(int, _int)
    c.register_structure_hook(bool, _bool)
    c.register_structure_hook(Decimal, _decimal)
    c.register_structure_hook(Fraction, _share)
    c.register_structure_hook(Cents, _cents)
    c.register_structure_hook(dt.date, _date)
    c.register_unstructure_hook(Cents, _unstructure_cents)
    c.register_unstructure_hook(Decimal, lambda d: d)
    c.register_unstructure_hook(Fraction, _unstructure_share)
    c.register_unstructure_hook(dt.date, lambda d: d)
    c.register_structure_hook_func(_is_literal, lambda v, t: _literal_hook(t)(v, t))


def _tuple_hook(c: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    """A list of at most ``MAX_LIST_ITEMS`` items, every item checked (all errors collected)."""

    def structure_tuple(value: Any, tp: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise Refusal.of(N_("expected a list, got %(got)s"), got=described(value))
        if len(value) > MAX_LIST_ITEMS:
            raise Refusal.of(
                N_("expected a list of at most %(most)s items, got %(got)s"),
                most=Count(MAX_LIST_ITEMS),
                got=Count(len(value)),
            )
        (inner,) = [a for a in get_args(tp) if a is not Ellipsis][:1] or [Any]
        hook = c.get_structure_hook(inner)
        out, errors = [], []
        for i, item in enumerate(value):
            try:
                out.append(hook(item, inner))
            except Exception as exc:  # collected: every item is checked
                exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ index {i}", i, inner)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp}", errors, tp)
        return tuple(out)

    return structure_tuple


def _dict_hook(c: cattrs.Converter) -> Callable[[Any, Any], dict[str, Any]]:
    """A table of at most ``MAX_LIST_ITEMS`` keys, each key valid text, every value checked."""

    def structure_dict(value: Any, tp: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Refusal.of(N_("expected a table, got %(got)s"), got=described(value))
        if len(value) > MAX_LIST_ITEMS:
            raise Refusal.of(
                N_("expected a table of at most %(most)s keys, got %(got)s"),
                most=Count(MAX_LIST_ITEMS),
                got=Count(len(value)),
            )
        _, vt = get_args(tp)
        hook = c.get_structure_hook(vt)
        out, errors = {}, []
        for key, item in value.items():
            try:
                if why := text_problem(key):
                    raise Refusal.of(N_("the key %(why)s"), why=why)
                out[key] = hook(item, vt)
            except Exception as exc:
                exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ key {key}", key, vt)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp}", errors, tp)
        return out

    return structure_dict


def _attrs_hook(c: cattrs.Converter, cl: type) -> Callable[[Any, Any], Any]:
    """An attrs class from a table (anything else is refused with what it is)."""
    inner: Callable[[Any, Any], Any] = cattrs.gen.make_dict_structure_fn(cl, c)

    def structure(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise Refusal.of(N_("expected a table, got %(got)s"), got=described(value))
        return inner(value, cl)

    return structure


def _register_contract(c: cattrs.Converter) -> None:
    """A ``Contract`` is read and written inside ``amounts_in`` its own currency.

    Amounts are written in units of the contract's top-level ``currency`` (``3500.5`` is refused in JPY),
    but the hook reading one amount sees only that value. Rather than threading the currency through
    every hook, the hook for the whole contract reads the raw ``currency`` (before it is checked: an
    unknown code leaves two decimals, and ``valid_currency`` refuses it) and structures the contract
    inside ``amounts_in``, a context variable ``parse_amount`` reads. Registered on the converter itself,
    not in ``structure_contract``, so that ``converter.structure(data, Contract)`` cannot read a JPY
    contract's amounts as hundredths either; writing back (``unstructure``) uses the same context.
    """
    structure_attrs = _attrs_hook(c, Contract)
    unstructure_attrs: Callable[[Any], dict[str, Any]] = cattrs.gen.make_dict_unstructure_fn(
        Contract, c, _cattrs_omit_if_default=True
    )

    def structure(value: Any, tp: Any) -> Contract:
        with amounts_in(value.get("currency") if isinstance(value, dict) else None):
            result: Contract = structure_attrs(value, tp)
            return result

    def unstructure(contract: Contract) -> dict[str, Any]:
        with amounts_in(contract.currency):
            return unstructure_attrs(contract)

    c.register_structure_hook(Contract, structure)
    c.register_unstructure_hook(Contract, unstructure)


def _register_tagged(c: cattrs.Converter) -> None:
    """Rules, tranches and waterfall steps (``TAGGED``) chosen by their ``type`` key, and saved with it."""

    def structure_tagged(value: Any, tp: Any) -> Any:
        kinds = TAGGED[tp]
        options = quoted(kinds)
        if not isinstance(value, dict):
            raise Refusal.of(N_("expected a table, got %(got)s"), got=described(value))
        if "type" not in value:
            raise Refusal.of(N_("missing key 'type'; expected one of %(options)s"), options=options)
        tag = value["type"]
        if not isinstance(tag, str) or tag not in kinds:
            hint = did_you_mean(tag, kinds)
            raise FieldProblem.of(
                "type",
                N_("unknown type %(tag)s%(hint)s expected one of %(options)s"),
                tag=show(tag),
                hint=hint or ";",
                options=options,
            )
        body = {k: v for k, v in value.items() if k != "type"}
        return c.structure(body, kinds[tag])

    def unstructure_tagged(value: Any) -> dict[str, Any]:
        for tag, cls in TAGGED[_union_of(value)].items():
            if type(value) is cls:
                return {"type": tag, **c.unstructure(value, cls)}
        raise TypeError(f"no tag for {type(value).__name__}")  # pragma: no cover - closed family

    for union in TAGGED:
        c.register_structure_hook(union, structure_tagged)
        c.register_unstructure_hook_func(lambda t: _is_tagged(t), lambda v: unstructure_tagged(v))
        for cls in TAGGED[union].values():
            c.register_unstructure_hook(cls, _plain_unstructure(c, cls))


def _union_of(value: object) -> Any:
    for union, kinds in TAGGED.items():
        if type(value) in kinds.values():
            return union
    raise TypeError(type(value).__name__)  # pragma: no cover


def _plain_unstructure(c: cattrs.Converter, cls: type) -> Callable[[Any], dict[str, Any]]:
    fn: Callable[[Any], dict[str, Any]] = cattrs.gen.make_dict_unstructure_fn(cls, c, _cattrs_omit_if_default=True)

    def unstructure(value: Any) -> dict[str, Any]:
        tags = TAGGED[_union_of(value)]
        tag = next(t for t, k in tags.items() if k is cls)
        return {"type": tag, **fn(value)}

    return unstructure


converter = make_converter()
"""The one converter: use it (through the functions below) for every contract I/O."""


# -- error rendering -----------------------------------------------------------------------------
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _join(path: str, name: object) -> str:
    """``path`` one step further: ``$.providers``, ``$.providers[0]``; a key that is not plain letters,
    digits, ``-`` and ``_`` is quoted, ``$.provenance['a b']``, so that it cannot bring a control
    character or a line break into the message."""
    if isinstance(name, int):
        return f"{path}[{name}]"
    if isinstance(name, str) and _PLAIN_KEY.fullmatch(name):
        return f"{path}.{name}"
    return f"{path}[{name!r}]"


def error_lines(exc: BaseException, path: str = "$") -> list[Line]:
    """Every problem in a structuring error as a message and the path it concerns."""
    lines: list[Line] = []
    if isinstance(exc, ClassValidationError):
        class_notes, without = exc.group_exceptions()
        for sub, note in class_notes:
            lines += error_lines(sub, _join(path, note.name))
        for sub in without:
            lines += error_lines(sub, path)
        return lines
    if isinstance(exc, IterableValidationError):
        item_notes, without = exc.group_exceptions()
        for sub, item_note in item_notes:
            lines += error_lines(sub, _join(path, item_note.index))
        for sub in without:
            lines += error_lines(sub, path)
        return lines
    if isinstance(exc, ModelError):
        return [(p.phrase, p.where(path)) for p in exc.problems]
    if isinstance(exc, ForbiddenExtraKeysError):
        known = sorted({a.name for a in attrs.fields(exc.cl)} | ({"type"} if _is_tagged_kind(exc.cl) else set()))
        return [
            (
                Phrase.of(
                    N_("unknown key %(key)s%(hint)s expected one of: %(known)s"),
                    key=repr(k),
                    hint=did_you_mean(k, known) or ";",
                    known=", ".join(known),
                ),
                _join(path, k),
            )
            for k in sorted(exc.extra_fields)
        ]
    if isinstance(exc, FieldProblem):
        return [(exc.phrase, _join(path, exc.field))]
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args and isinstance(exc.args[0], str) else path.rsplit(".", 1)[-1]
        return [(Phrase.of(N_("missing required key %(key)s"), key=repr(key)), path)]
    if isinstance(exc, DecimalException):
        # the number hooks refuse what is too large first; this keeps any other case readable
        return [(Phrase.of(N_("the number is too large or too finely written to compute with")), path)]
    if isinstance(exc, MemoryError):
        return [(Phrase.of(N_("the value needs more memory than this machine has; see the supported ranges")), path)]
    if (phrase := phrase_of(exc)) is not None:
        return [(phrase, path)]
    # an error not raised by sibkit on purpose: its own (English) words are all there is
    return [(Phrase.of(N_("%(value)s"), value=str(exc) or "invalid value"), path)]


def _is_tagged_kind(cl: type) -> bool:
    """Whether ``cl`` is one kind of a tagged union, so its tables also carry a ``type`` key."""
    return any(cl in kinds.values() for kinds in TAGGED.values())


# -- public functions ----------------------------------------------------------------------------
_EMPTY_FILE = Phrase.of(
    N_("the file is empty; a contract needs at least %(keys)s"),
    keys=Listing(("name", "timeline", "payers", "providers", "metrics", "rules"), joined="and", quoted=True),
)
"""The problem reported for a file with no contract in it (nothing, only whitespace or only comments)."""


_TOP = {
    "toml": N_("expected a table at the top of the file, got %(got)s"),
    "json": N_("expected an object at the top of the file, got %(got)s"),
}
"""The problem of a file whose top is not a table, in the words of its format (a JSON "object")."""


def _references_note(count: int) -> Phrase:
    """The last line of a refusal whose problems stopped the contract from being built.

    The checks between parts (ids that must exist, shares and totals across the
    contract) run only on a contract whose every part could be built, so they
    have not run yet.
    """
    if count == 1:
        return Phrase.of(N_("(references between parts and totals are checked once this problem is fixed)"))
    return Phrase.of(N_("(references between parts and totals are checked once these problems are fixed)"))


def structure_contract(
    data: Mapping[str, Any], *, file: str = "<contract>", fmt: Literal["toml", "json"] = "toml"
) -> Contract:
    """Build a ``Contract`` from plain data (as read from TOML or JSON with Decimal numbers).

    Raises ``ContractFileError`` listing every problem. When parts of the
    contract could not be built, the error's last line (its ``note``) says that
    the checks between parts have not run yet. ``fmt`` only chooses the words of
    the messages (a JSON "object" is a TOML "table").
    """
    if not isinstance(data, Mapping):
        raise ContractFileError(file, [(Phrase.of(_TOP[fmt], got=described(data)), "$")])
    if not data:
        raise ContractFileError(file, [(_EMPTY_FILE, None)])
    try:
        return converter.structure(dict(data), Contract)
    except (ClassValidationError, IterableValidationError, ValueError, TypeError, KeyError) as exc:
        lines = error_lines(exc)
        built = all(isinstance(e, ModelError) for e in _leaves(exc))
        raise ContractFileError(file, lines, note=None if built else _references_note(len(lines))) from None


def _leaves(exc: BaseException) -> list[BaseException]:
    """The errors inside a (nested) cattrs error group, or the error itself."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def unstructure_contract(contract: Contract) -> dict[str, Any]:
    """A contract as plain data (Decimals, dates, lists, tables), defaults left out."""
    data: dict[str, Any] = converter.unstructure(contract, Contract)
    data = {"format": contract.format, **data}
    return data


_TOML_POS = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_END = re.compile(r"^(?P<msg>.*) \(at end of document\)$")
_TOML_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=")
_TOML_HEADER_LINE = re.compile(r"^(?P<indent>\s*)\[\[?\s*(?P<key>[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*\]")
_TOML_TWICE = re.compile(r"^Cannot declare \((?P<key>.*?),?\) twice$")
_TOML_INLINE_TWICE = re.compile(r"^Duplicate inline table key (?P<key>.+)$")


def _toml_problem(text: str, msg: str, line: int, column: int | None) -> tuple[Phrase, int | None] | None:
    """A plain wording of one of tomllib's messages (and a better column), or ``None`` to keep tomllib's."""
    lines = text.split("\n")
    source = lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""
    if msg == "Invalid date or datetime" or msg.startswith("Expected newline or end of document"):
        # a date that is not in the calendar (tomllib either refuses it or stops reading before it)
        for m in _DATETIME_SHAPE.finditer(source):
            if column is None or m.start() < column <= m.end() + 1:
                if why := _not_a_date(m[0]):
                    return _phrase(
                        N_("%(value)s is not a calendar date (%(why)s)"), value=m[0][:10], why=why
                    ), m.start() + 1
                if m.end() > m.start() + 10:
                    return _phrase(N_("%(value)s is not a valid date and time of day"), value=m[0]), m.start() + 1
        if msg == "Invalid date or datetime":
            return _phrase(N_("invalid date or time")), column
        return None
    if msg == "Cannot overwrite a value":
        if pair := _TOML_KEY_LINE.match(source):
            key = re.sub(r"\s+", "", pair["key"])
            return _phrase(N_("the key %(key)s is given twice in the same table"), key=repr(key)), len(
                pair["indent"]
            ) + 1
        if header := _TOML_HEADER_LINE.match(source):
            key = re.sub(r"\s+", "", header["key"])
            already = N_("the key %(key)s already has a value, so it cannot also start a table")
            return _phrase(already, key=repr(key)), len(header["indent"]) + 1
        return _phrase(N_("a key is given twice in the same table")), column
    if twice := _TOML_TWICE.match(msg):
        name = ".".join(k.strip().strip("'\"") for k in twice["key"].split(","))
        header = _TOML_HEADER_LINE.match(source)
        return _phrase(N_("the table [%(name)s] is given twice"), name=name), len(
            header["indent"]
        ) + 1 if header else column
    if inline := _TOML_INLINE_TWICE.match(msg):
        return _phrase(N_("the key %(key)s is given twice in the same inline table"), key=inline["key"]), column
    return None


def _phrase(message: str, **facts: Fact) -> Phrase:
    """A syntax problem: ``not valid TOML: <message>``."""
    return Phrase.of(N_("not valid TOML: %(problem)s"), problem=Phrase.of(message, **facts))


def _parser_says(fmt: str, words: str) -> Phrase:
    """A syntax problem in the parser's own (English) words, which sibkit has no translation of."""
    if fmt == "json":
        return Phrase.of(N_("not valid JSON: %(problem)s"), problem=words)
    return Phrase.of(N_("not valid TOML: %(problem)s"), problem=words)


def _toml_error(file: str, text: str, exc: tomllib.TOMLDecodeError) -> ContractFileError:
    """tomllib's error as a ``ContractFileError`` at its line and column, in plain words where we have them."""
    msg = str(exc)
    if m := _TOML_POS.match(msg):
        line, column = int(m["line"]), int(m["col"])
        plain = _toml_problem(text, m["msg"], line, column)
        if plain is None:
            return ContractFileError(file, [(_parser_says("toml", m["msg"]), None)], line=line, column=column)
        return ContractFileError(file, [(plain[0], None)], line=line, column=plain[1])
    if m := _TOML_END.match(msg):
        # the problem was found at the very end: on the last line with something written on it, if we know
        # what it is (a key given twice on the last line), else the file stops in the middle of something
        last = max((i + 1 for i, x in enumerate(text.split("\n")) if x.strip()), default=1)
        if plain := _toml_problem(text, m["msg"], last, None):
            return ContractFileError(file, [(plain[0], None)], line=last, column=plain[1])
        line = text.count("\n") + 1
        early = Phrase.of(N_("%(problem)s (the file ends too early)"), problem=m["msg"])
        return ContractFileError(file, [(Phrase.of(N_("not valid TOML: %(problem)s"), problem=early), None)], line=line)
    return ContractFileError(file, [(_parser_says("toml", msg), None)])


_TOO_DEEP = Phrase.of(N_("lists and tables are nested too deeply (a contract nests them a few levels at most)"))
"""The problem reported when a parser runs out of stack on nested lists or tables."""

_BIG_INT = re.compile(r"Exceeds the limit \((?P<limit>\d+) digits\).*value has (?P<digits>\d+) digits")
_KEY_PART = r"(?:[A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')"
_LONG_DOTTED_KEY = re.compile(rf"^[ \t]*\[*[ \t]*(?:{_KEY_PART}[ \t]*\.[ \t]*){{{MAX_DOTTED_KEY_PARTS}}}", re.M)


def _parse_limits(file: str, text: str, fmt: Literal["toml", "json"]) -> None:
    """Refuse what would make a parser work far out of proportion to the file before parsing it.

    tomllib takes time growing with the square of a dotted key's parts (``a.a.a…``).
    """
    if fmt == "toml" and (m := _LONG_DOTTED_KEY.search(text)):
        line = text.count("\n", 0, m.start()) + 1
        too_many = N_("a dotted key has more than %(most)s parts; a contract needs at most 6")
        raise ContractFileError(file, [(Phrase.of(too_many, most=Count(MAX_DOTTED_KEY_PARTS)), None)], line=line)


def _parser_limit_error(file: str, exc: BaseException) -> ContractFileError | None:
    """The parser's own limits (nesting, digits of a whole number) as a ``ContractFileError``, else ``None``."""
    if isinstance(exc, RecursionError):
        return ContractFileError(file, [(_TOO_DEEP, None)])
    if isinstance(exc, ValueError) and (m := _BIG_INT.search(str(exc))):
        digits = N_("a whole number has %(digits)s digits; numbers in a contract have at most 19")
        return ContractFileError(file, [(Phrase.of(digits, digits=Count(int(m["digits"]))), None)])
    return None


def loads(text: str, *, fmt: Literal["toml", "json"] = "toml", file: str = "<contract>") -> Contract:
    """Parse contract text in TOML or JSON; raises ``ContractFileError``."""
    if not text.strip():
        raise ContractFileError(file, [(_EMPTY_FILE, None)])
    _parse_limits(file, text, fmt)
    if fmt == "toml":
        try:
            data = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            raise _toml_error(file, text, exc) from None
        except (RecursionError, ValueError) as exc:
            if (limit := _parser_limit_error(file, exc)) is None:
                raise
            raise limit from None
    else:
        try:
            data = json.loads(
                text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_no_duplicate_keys
            )
        except json.JSONDecodeError as exc:
            raise ContractFileError(
                file, [(_parser_says("json", exc.msg), None)], line=exc.lineno, column=exc.colno
            ) from None
        except _DuplicateKey as exc:
            raise _json_duplicate_error(file, text, exc.key) from None
        except (RecursionError, ValueError) as exc:
            if (limit := _parser_limit_error(file, exc)) is not None:
                raise limit from None
            why: Fact = phrase_of(exc) or str(exc)
            raise ContractFileError(file, [(Phrase.of(N_("not valid JSON: %(problem)s"), problem=why), None)]) from None
    return structure_contract(data, file=file, fmt=fmt)


def _no_constant(name: str) -> Any:
    raise Refusal.of(N_("%(name)s is not a number a contract can hold"), name=name)


class _DuplicateKey(Exception):
    """A JSON object gives ``key`` twice (JSON allows it and keeps the last; TOML and sibkit refuse it)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (``json``'s default silently keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')
"""The JSON tokens that give an object its keys: strings and punctuation (numbers and literals are skipped)."""


def _duplicate_key_at(text: str) -> int | None:
    """Where (an index into ``text``) the first key given a second time in one object of the valid
    JSON ``text`` starts, or ``None``."""
    stack: list[set[str] | None] = []  # per open bracket: the keys of an object so far; None for a list
    expect_key = False
    for m in _JSON_TOKEN.finditer(text):
        token = m[0]
        if token in "{[":
            stack.append(set() if token == "{" else None)
            expect_key = token == "{"
        elif token in "}]":
            stack.pop()
            expect_key = False
        elif token == ",":
            expect_key = bool(stack) and stack[-1] is not None
        elif token == ":" or not expect_key:
            expect_key = False
        else:
            keys, key = stack[-1], json.loads(token)
            if keys is not None:
                if key in keys:
                    return m.start()
                keys.add(key)
            expect_key = False
    return None


def _json_duplicate_error(file: str, text: str, key: str) -> ContractFileError:
    """A key given twice in one JSON object, reported as TOML reports it: at the second key's line and column."""
    twice = Phrase.of(N_("the key %(key)s is given twice in the same object"), key=repr(key))
    message = Phrase.of(N_("not valid JSON: %(problem)s"), problem=twice)
    at = _duplicate_key_at(text)
    if at is None:  # pragma: no cover - the decoder found one, so the scan does too
        return ContractFileError(file, [(message, None)])
    line = text.count("\n", 0, at) + 1
    return ContractFileError(file, [(message, None)], line=line, column=at - text.rfind("\n", 0, at))


def _refused(file: str, message: str, *, line: int | None = None, **facts: Fact) -> ContractFileError:
    """The refusal of a whole file (it is missing, binary, too big): ``message`` with its ``facts``."""
    return ContractFileError(file, [(Phrase.of(message, **facts), None)], line=line)


def load_contract(path: str | Path) -> Contract:
    """Read a contract file (``.toml`` or ``.json``); raises ``ContractFileError`` naming the file."""
    p = Path(path)
    file = str(path)
    try:
        info = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _refused(file, N_("no such file")) from None
    except PermissionError:
        raise _refused(file, N_("permission denied: the file cannot be read")) from None
    except OSError as exc:
        raise _refused(file, N_("the file cannot be read: %(reason)s"), reason=str(exc.strerror or exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _refused(file, N_("this is a directory, not a contract file"))
    suffix = p.suffix.lower()
    if not suffix:
        raise _refused(file, N_("the file name has no .toml or .json ending"))
    if suffix not in (".toml", ".json"):
        raise _refused(file, N_("unknown file type %(suffix)s; expected a .toml or .json file"), suffix=repr(p.suffix))
    if not stat.S_ISREG(info.st_mode):
        raise _refused(file, N_("this is a special file (such as a pipe or a device), not a contract file"))
    if info.st_size > MAX_FILE_BYTES:
        too_big = N_("the file is %(size)s bytes; a contract file is at most %(most)s bytes")
        raise _refused(file, too_big, size=Count(info.st_size), most=Count(MAX_FILE_BYTES))
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise _refused(file, N_("no such file")) from None
    except IsADirectoryError:
        raise _refused(file, N_("this is a directory, not a contract file")) from None
    except PermissionError:
        raise _refused(file, N_("permission denied: the file cannot be read")) from None
    except OSError as exc:
        raise _refused(file, N_("the file cannot be read: %(reason)s"), reason=str(exc.strerror or exc)) from None
    if b"\x00" in raw:
        raise _refused(file, N_("this is a binary file, not a text contract (TOML or JSON)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _refused(file, N_("not UTF-8 text: save the file as UTF-8"), line=line) from None
    return loads(text, fmt="json" if suffix == ".json" else "toml", file=file)


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")  # pragma: no cover


def dumps(contract: Contract, *, fmt: Literal["toml", "json"] = "toml") -> str:
    """A contract as TOML or JSON text that ``loads`` reads back to an equal contract.

    Amounts are written in currency units with the currency's decimals (``3500.00``; ``350000`` in
    JPY, ``1234.567`` in KWD); in JSON, numbers are written as strings (``"3500.00"``) to stay exact.
    """
    data = unstructure_contract(contract)
    if fmt == "json":
        return json.dumps(data, default=_json_default, indent=2, ensure_ascii=False) + "\n"
    return tomli_w.dumps(data)


def scenario_toml(scenario: Scenario) -> str:
    """One ``[[scenarios]]`` block of TOML for ``scenario``, as a contract file writes it: appended to the
    contract's file (with a name no other scenario has), ``sibkit run FILE --scenario NAME`` runs it, and
    ``loads`` reads it back to an equal scenario. A scenario holds no amounts, so no currency is needed.
    Used to report a counterexample a person can read and rerun (``sibkit.testing``)."""
    data: dict[str, Any] = converter.unstructure(scenario, Scenario)
    return tomli_w.dumps({"scenarios": [data]})


def save_contract(contract: Contract, path: str | Path) -> None:
    """Write a contract atomically (to a temporary file, then renamed) as TOML or JSON by suffix.

    An existing file is replaced (this is a library call, not a command: see ``sibkit.atomic``)."""
    from sibkit.atomic import write_text_atomic

    p = Path(path)
    fmt: Literal["toml", "json"] = "json" if p.suffix.lower() == ".json" else "toml"
    write_text_atomic(p, dumps(contract, fmt=fmt), overwrite=True)
