"""Reading and writing contract files: the one cattrs ``Converter`` of sibkit.

TOML is the primary format, JSON the second. Numbers are read as ``Decimal``
(never binary floats), so ``3500.10`` is exactly 350,010 cents. Nothing is
coerced silently: ``"false"`` is not a boolean, ``1.9`` is not a whole number,
``12`` is not a text. Every problem in a file is reported at once, one line
each, as ``message @ path`` (``$`` is the top of the file).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal
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

from sibkit.errors import ContractFileError, FieldProblem, ModelError
from sibkit.model import RULE_TYPES, STEP_TYPES, TRANCHE_TYPES, Contract
from sibkit.model.capital import Tranche
from sibkit.model.rules import PaymentRule
from sibkit.model.waterfall import WaterfallStep
from sibkit.money import Cents, cents_to_decimal, parse_amount, parse_fraction

__all__ = [
    "MAX_FILE_BYTES",
    "converter",
    "dumps",
    "load_contract",
    "loads",
    "save_contract",
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


def show(value: object) -> str:
    """A value as a user wrote it: ``1.9``, ``'abc'``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, Decimal)):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value}"
    return f"{type(value).__name__} {value!r}"


# -- strict structure hooks for primitives ------------------------------------------------------
def _str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a text, got {_kind(value)}")
    return value


def _int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {_kind(value)}")
    return value


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def _decimal(value: Any, _: type) -> Decimal:
    return parse_fraction(value, what="a number")


def _cents(value: Any, _: type) -> Cents:
    return parse_amount(value)


def _date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"expected a date such as 2023-01-01 without a time, got {value}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date such as 2023-01-01, got {_kind(value)}")


def _literal_hook(tp: Any) -> Callable[[Any, Any], Any]:
    allowed = get_args(tp)

    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, bool) or value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            raise ValueError(f"expected one of {options}, got {_kind(value)}")
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
    """Build the converter sibkit uses: strict primitives, tagged unions, defaults omitted on save."""
    c = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True, detailed_validation=True)
    c.register_structure_hook(str, _str)
    c.register_structure_hook(int, _int)
    c.register_structure_hook(bool, _bool)
    c.register_structure_hook(Decimal, _decimal)
    c.register_structure_hook(Cents, _cents)
    c.register_structure_hook(dt.date, _date)
    c.register_unstructure_hook(Cents, cents_to_decimal)
    c.register_unstructure_hook(Decimal, lambda d: d)
    c.register_unstructure_hook(dt.date, lambda d: d)
    c.register_structure_hook_func(_is_literal, lambda v, t: _literal_hook(t)(v, t))

    def structure_tuple(value: Any, tp: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list, got {_kind(value)}")
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

    def structure_dict(value: Any, tp: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError(f"expected a table, got {_kind(value)}")
        _, vt = get_args(tp)
        hook = c.get_structure_hook(vt)
        out, errors = {}, []
        for key, item in value.items():
            try:
                out[key] = hook(item, vt)
            except Exception as exc:
                exc.__notes__ = [*getattr(exc, "__notes__", []), IterableValidationNote(f"@ key {key}", key, vt)]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp}", errors, tp)
        return out

    c.register_structure_hook_func(_is_tuple, structure_tuple)
    c.register_structure_hook_func(_is_dict, structure_dict)

    def attrs_factory(cl: type) -> Callable[[Any, Any], Any]:
        inner: Callable[[Any, Any], Any] = cattrs.gen.make_dict_structure_fn(cl, c)

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise ValueError(f"expected a table, got {_kind(value)}")
            return inner(value, cl)

        return structure

    c.register_structure_hook_factory(attrs.has, attrs_factory)

    def structure_tagged(value: Any, tp: Any) -> Any:
        kinds = TAGGED[tp]
        options = ", ".join(repr(k) for k in kinds)
        if not isinstance(value, dict):
            raise ValueError(f"expected a table, got {_kind(value)}")
        if "type" not in value:
            raise ValueError(f"missing key 'type'; expected one of {options}")
        tag = value["type"]
        if not isinstance(tag, str) or tag not in kinds:
            raise FieldProblem("type", f"unknown type {show(tag)}; expected one of {options}")
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
    return c


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
def _join(path: str, name: object) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}"


def error_lines(exc: BaseException, path: str = "$") -> list[str]:
    """Every problem in a structuring error as ``message @ path`` lines."""
    lines: list[str] = []
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
        return [p.render(path) for p in exc.problems]
    if isinstance(exc, ForbiddenExtraKeysError):
        known = sorted(a.name for a in attrs.fields(exc.cl))
        return [
            f"unknown key {k!r}; expected one of: {', '.join(known)} @ {_join(path, k)}"
            for k in sorted(exc.extra_fields)
        ]
    if isinstance(exc, FieldProblem):
        return [f"{exc} @ {_join(path, exc.field)}"]
    if isinstance(exc, KeyError):
        return [f"missing required key @ {path}"]
    return [f"{exc} @ {path}"]


# -- public functions ----------------------------------------------------------------------------
def structure_contract(data: Mapping[str, Any], *, file: str = "<contract>") -> Contract:
    """Build a ``Contract`` from plain data (as read from TOML or JSON with Decimal numbers).

    Raises ``ContractFileError`` listing every problem.
    """
    if not isinstance(data, Mapping):
        raise ContractFileError(file, [f"expected a table at the top of the file, got {_kind(data)} @ $"])
    try:
        return converter.structure(dict(data), Contract)
    except (ClassValidationError, IterableValidationError, ValueError, TypeError, KeyError) as exc:
        raise ContractFileError(file, error_lines(exc)) from None


def unstructure_contract(contract: Contract) -> dict[str, Any]:
    """A contract as plain data (Decimals, dates, lists, tables), defaults left out."""
    data: dict[str, Any] = converter.unstructure(contract, Contract)
    data = {"format": contract.format, **data}
    return data


_TOML_POS = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_END = re.compile(r"^(?P<msg>.*) \(at end of document\)$")


def loads(text: str, *, fmt: Literal["toml", "json"] = "toml", file: str = "<contract>") -> Contract:
    """Parse contract text in TOML or JSON; raises ``ContractFileError``."""
    if not text.strip():
        raise ContractFileError(
            file,
            [
                "the file is empty; a contract needs at least 'name', 'timeline', 'payers', "
                "'providers', 'metrics' and 'rules'"
            ],
        )
    if fmt == "toml":
        try:
            data = tomllib.loads(text, parse_float=Decimal)
        except tomllib.TOMLDecodeError as exc:
            msg = str(exc)
            if m := _TOML_POS.match(msg):
                raise ContractFileError(
                    file, [f"not valid TOML: {m['msg']}"], line=int(m["line"]), column=int(m["col"])
                ) from None
            if m := _TOML_END.match(msg):
                raise ContractFileError(
                    file, [f"not valid TOML: {m['msg']} (the file ends too early)"], line=text.count("\n") + 1
                ) from None
            raise ContractFileError(file, [f"not valid TOML: {msg}"]) from None
    else:
        try:
            data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise ContractFileError(file, [f"not valid JSON: {exc.msg}"], line=exc.lineno, column=exc.colno) from None
        except ValueError as exc:
            raise ContractFileError(file, [f"not valid JSON: {exc}"]) from None
    return structure_contract(data, file=file)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a contract can hold")


def load_contract(path: str | Path) -> Contract:
    """Read a contract file (``.toml`` or ``.json``); raises ``ContractFileError`` naming the file."""
    p = Path(path)
    file = str(path)
    if p.suffix.lower() not in (".toml", ".json"):
        raise ContractFileError(file, [f"unknown file type {p.suffix or '(none)'!r}; expected a .toml or .json file"])
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContractFileError(
                file, [f"the file is {size:,} bytes; a contract file is at most {MAX_FILE_BYTES:,} bytes"]
            )
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ContractFileError(file, ["no such file"]) from None
    except IsADirectoryError:
        raise ContractFileError(file, ["this is a directory, not a contract file"]) from None
    except PermissionError:
        raise ContractFileError(file, ["permission denied: the file cannot be read"]) from None
    if b"\x00" in raw:
        raise ContractFileError(file, ["this is a binary file, not a text contract (TOML or JSON)"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContractFileError(file, ["not UTF-8 text: save the file as UTF-8"], line=line) from None
    return loads(text, fmt="json" if p.suffix.lower() == ".json" else "toml", file=file)


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")  # pragma: no cover


def dumps(contract: Contract, *, fmt: Literal["toml", "json"] = "toml") -> str:
    """A contract as TOML or JSON text that ``loads`` reads back to an equal contract.

    Amounts are written in currency units with two decimals (``3500.00``);
    in JSON, numbers are written as strings (``"3500.00"``) to stay exact.
    """
    data = unstructure_contract(contract)
    if fmt == "json":
        return json.dumps(data, default=_json_default, indent=2, ensure_ascii=False) + "\n"
    return tomli_w.dumps(data)


def save_contract(contract: Contract, path: str | Path) -> None:
    """Write a contract atomically (to a temporary file, then renamed) as TOML or JSON by suffix."""
    from sibkit.atomic import write_text_atomic

    p = Path(path)
    fmt: Literal["toml", "json"] = "json" if p.suffix.lower() == ".json" else "toml"
    write_text_atomic(p, dumps(contract, fmt=fmt))
