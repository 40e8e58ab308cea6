"""Rate cards read from spreadsheets (``sibkit import-rates``), and written as one (``rate_rows``).

A rate card is drafted as a table, one outcome per row (the header row names the columns, in any order;
case, spaces and underscores in the names do not matter):

* ``id`` (required): the outcome metric's id (lower-case letters, digits, ``-``, ``_``);
* ``name``: the metric's name (required for a metric the contract does not have yet);
* ``price`` (required): the price per unit in currency units of the contract (``3500`` or ``3500.00``);
* ``max_per_participant``: the most units paid per participant (a whole number; empty: no maximum);
* ``repeatable``: ``true``/``false`` (also ``yes``/``no``, ``ja``/``nee``, ``1``/``0``; empty: false);
* ``price:<segment>``: the price for participants of a difficulty segment of the contract (empty: the price).

``read_rates`` reads a ``.csv`` (UTF-8, comma or semicolon separated) or an ``.xlsx`` (the sheet named
"Rate card", in English or Dutch, else the first sheet) and reports every bad cell at once, as
``rates.xlsx: row 4, column 'price': expected an amount …``. ``apply_rates`` puts the rows into the contract's
rate card: the entries are replaced, in the table's order; a metric the contract lacks is added with the
model's defaults (an event, counted per participant); a name that differs from the contract's renames the
metric. An entry's provenance is kept for each field whose value did not change, and dropped for a value
that changed (its source no longer backs it). Money in the table is in currency units; in the model, in
integer cents of the contract currency.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from sibkit.errors import Refusal, SibkitError, phrase_of, show
from sibkit.facts import N_, Phrase
from sibkit.i18n import Language
from sibkit.load import structure_contract, unstructure_contract
from sibkit.model import Contract, Metric
from sibkit.model.rules import RateCard
from sibkit.money import Cents, cents_to_decimal, parse_amount

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "RATE_SHEET",
    "RateRow",
    "RateSheetError",
    "apply_rates",
    "rate_card_of",
    "rate_rows",
    "read_rates",
]

COLUMNS = ("id", "name", "price", "max_per_participant", "repeatable")
"""The table's columns, besides one ``price:<segment>`` per segment priced differently."""

RATE_SHEET = N_("Rate card")
"""The name of the sheet an ``.xlsx`` rate card is read from (else the first sheet), in English or Dutch."""

MAX_ROWS = 10_000
"""The most rows a rate-card table may have (a real rate card has tens)."""

_TRUE = {"true", "yes", "ja", "waar", "1", "x"}
_FALSE = {"false", "no", "nee", "onwaar", "0", ""}
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


@attrs.frozen(kw_only=True)
class RateRow:
    """One row of a rate-card table, read and checked: a price per unit of one metric."""

    row: int
    """The row's number in the table (the header is row 1)."""
    id: str
    name: str
    """The metric's name as written (empty: keep the contract's)."""
    price: Cents
    """Cents of the contract currency per unit."""
    max_per_participant: int | None
    """Most units paid per participant (``None``: no maximum)."""
    repeatable: bool
    segment_prices: dict[str, Cents]
    """Cents per unit by segment id, for the segments priced differently."""


@attrs.frozen
class _Problem:
    row: int | None
    column: str | None
    phrase: Phrase


class RateSheetError(SibkitError, ValueError):
    """A rate-card table that cannot be read, with every problem by row and column."""

    def __init__(self, file: str, problems: Sequence[_Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        super().__init__("\n".join(self.lines("en")))

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem in ``lang``: ``rates.csv: row 4, column 'price': expected an amount …``."""
        words = Language(lang)
        out = []
        for p in self.problems:
            problem = words.value(p.phrase)
            if p.row is not None and p.column is not None:
                where = words.gettext("row %(row)s, column %(column)s", row=p.row, column=repr(p.column))
            elif p.row is not None:
                where = words.gettext("row %(row)s", row=p.row)
            elif p.column is not None:
                where = words.gettext("column %(column)s", column=repr(p.column))
            else:
                out.append(f"{self.file}: {problem}")
                continue
            out.append(f"{self.file}: {where}: {problem}")
        return out


def rate_card_of(contract: Contract, rule: str | None = None) -> RateCard | None:
    """The contract's rate card with id ``rule``, or its only rate card (``None`` when it has none).
    Raises ``Refusal`` when ``rule`` names no rate card, or when ``rule`` is not given and there are several."""
    cards = [r for r in contract.rules if isinstance(r, RateCard)]
    if rule is not None:
        for card in cards:
            if card.id == rule:
                return card
        if any(r.id == rule for r in contract.rules):
            raise Refusal.of(N_("rule %(rule)s is not a rate card"), rule=repr(rule))
        if not cards:
            return None
        raise Refusal.of(
            N_("no rate card %(rule)s in this contract; it has: %(known)s"),
            rule=repr(rule),
            known=", ".join(c.id for c in cards),
        )
    if len(cards) > 1:
        raise Refusal.of(
            N_("the contract has several rate cards (%(known)s); choose one with --rule"),
            known=", ".join(c.id for c in cards),
        )
    return cards[0] if cards else None


def rate_rows(contract: Contract, card: RateCard) -> tuple[list[str], list[list[object]]]:
    """The rate card as a table ``read_rates`` reads back: the header and one row per entry (prices as
    ``Decimal`` currency units, the metric's name as its default text, empty cells as ``None``)."""
    segments = [s.id for s in contract.segments if any(s.id in e.segment_prices for e in card.entries)]
    header = [*COLUMNS, *(f"price:{s}" for s in segments)]
    rows: list[list[object]] = []
    for e in card.entries:
        metric = contract.metric(e.metric)
        row: list[object] = [
            e.metric,
            str(metric.name),
            cents_to_decimal(e.price, contract.currency),
            e.max_per_participant,
            e.repeatable,
        ]
        for s in segments:
            price = e.segment_prices.get(s)
            row.append(None if price is None else cents_to_decimal(price, contract.currency))
        rows.append(row)
    return header, rows


def read_rates(path: Path, contract: Contract, *, label: str | None = None) -> list[RateRow]:
    """The rows of the rate-card table in ``path`` (``.csv`` or ``.xlsx``), checked against ``contract``
    (its currency and segments). Raises ``RateSheetError`` listing every bad cell (``label``: the file's name
    in the messages, by default ``path`` as given)."""
    file = label or str(path)
    table = _read_table(path, file)
    if not table:
        raise RateSheetError(file, [_Problem(None, None, Phrase.of(N_("the table is empty: no header row")))])
    header, *body = table
    if len(body) > MAX_ROWS:
        raise RateSheetError(file, [_Problem(None, None, Phrase.of(N_("more than %(most)s rows"), most=str(MAX_ROWS)))])
    problems: list[_Problem] = []
    columns = _columns(header, contract, problems)
    if problems:  # the rows cannot be read without their columns
        raise RateSheetError(file, problems)
    rows: list[RateRow] = []
    first: dict[str, int] = {}
    for number, cells in enumerate(body, start=2):
        if all(_blank(c) for c in cells):
            continue
        row = _row(number, cells, columns, contract, problems)
        if row is None:
            continue
        if row.id in first:
            problems.append(
                _Problem(
                    number,
                    "id",
                    Phrase.of(
                        N_("%(id)s is given twice (first in row %(row)s)"), id=repr(row.id), row=str(first[row.id])
                    ),
                )
            )
            continue
        first[row.id] = number
        rows.append(row)
    if not problems and not rows:
        problems.append(_Problem(None, None, Phrase.of(N_("the table has no rows below its header"))))
    if problems:
        raise RateSheetError(file, problems)
    return rows


def apply_rates(
    contract: Contract, rows: Sequence[RateRow], *, rule: str | None = None, file: str = "<contract>"
) -> Contract:
    """``contract`` with its rate card (``rate_card_of(contract, rule)``; a new one with id ``rule`` or
    ``rate-card`` when it has none) holding ``rows``, in their order. Raises ``ContractFileError`` (naming
    ``file``) when the result is not a valid contract, and ``Refusal`` as ``rate_card_of`` does."""
    card = rate_card_of(contract, rule)
    data = unstructure_contract(contract)
    metrics: list[dict[str, Any]] = data.setdefault("metrics", [])
    known = {m.id: i for i, m in enumerate(contract.metrics)}
    old = {e.metric: e for e in card.entries} if card is not None else {}
    provenance = _entry_provenance(data, contract, card)
    entries = []
    for r in rows:
        if r.id in known:
            metric = contract.metrics[known[r.id]]
            if r.name and not _same_name(metric, r.name):
                metrics[known[r.id]]["name"] = r.name
        else:
            metrics.append({"id": r.id, "name": r.name})
            known[r.id] = len(metrics) - 1
        entry: dict[str, Any] = {"metric": r.id, "price": cents_to_decimal(r.price, contract.currency)}
        if r.repeatable:
            entry["repeatable"] = True
        if r.max_per_participant is not None:
            entry["max_per_participant"] = r.max_per_participant
        if r.segment_prices:
            entry["segment_prices"] = {s: cents_to_decimal(p, contract.currency) for s, p in r.segment_prices.items()}
        before = old.get(r.id)
        if before is not None:
            kept = {
                field: data_prov
                for field, data_prov in provenance.get(r.id, {}).items()
                if getattr(before, field) == _value(r, field)
            }
            if kept:
                entry["provenance"] = kept
        entries.append(entry)
    rules: list[dict[str, Any]] = data["rules"]
    if card is None:
        rules.append({"type": "rate_card", "id": rule or "rate-card", "entries": entries})
    else:
        at = contract.rules.index(card)
        rules[at] = {**rules[at], "entries": entries}
    return structure_contract(data, file=file)


def _entry_provenance(data: dict[str, Any], contract: Contract, card: RateCard | None) -> dict[str, dict[str, Any]]:
    """Metric id → the provenance of ``card``'s entry for it, as plain data by field (``data``: the contract
    unstructured)."""
    if card is None:
        return {}
    rule = data["rules"][contract.rules.index(card)]
    return {entry["metric"]: entry.get("provenance", {}) for entry in rule["entries"]}


def _value(r: RateRow, field: str) -> object:
    return {
        "metric": r.id,
        "price": r.price,
        "repeatable": r.repeatable,
        "max_per_participant": r.max_per_participant,
    }.get(field, r.segment_prices if field == "segment_prices" else None)


def _same_name(metric: Metric, name: str) -> bool:
    """Whether ``name`` is the metric's name, in any of its languages."""
    texts = getattr(metric.name, "as_dict", None)
    return name == str(metric.name) or (texts is not None and name in texts().values())


# -- reading tables ----------------------------------------------------------------------------------


def _read_table(path: Path, file: str) -> list[list[object]]:
    """The cells of the table, row by row (the header first)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path, file)
        if suffix == ".xlsx":
            return _read_xlsx(path, file)
    except FileNotFoundError:
        raise _whole(file, N_("no such file")) from None
    except IsADirectoryError:
        raise _whole(file, N_("this is a directory, not a table")) from None
    except PermissionError:
        raise _whole(file, N_("permission denied: the file cannot be read")) from None
    except OSError as exc:
        raise _whole(file, N_("the file cannot be read: %(reason)s"), reason=str(exc.strerror or exc)) from None
    raise _whole(file, N_("unknown file type %(suffix)s; expected a .csv or .xlsx file"), suffix=repr(path.suffix))


def _whole(file: str, message: str, **facts: str) -> RateSheetError:
    return RateSheetError(file, [_Problem(None, None, Phrase.of(message, **facts))])


def _read_csv(path: Path, file: str) -> list[list[object]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _whole(file, N_("not UTF-8 text: save the file as CSV UTF-8")) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _whole(file, N_("not a readable CSV file: %(reason)s"), reason=str(exc)) from None


def _read_xlsx(path: Path, file: str) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise _whole(file, N_("not a readable .xlsx workbook")) from None
    try:
        names = {RATE_SHEET.lower(), Language("nl").translate(RATE_SHEET).lower()}
        sheet = next((ws for ws in book.worksheets if ws.title.lower() in names), book.worksheets[0])
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        book.close()


def _normal(name: object) -> str:
    return re.sub(r"[\s_]+", "_", re.sub(r"\s*:\s*", ":", str(name or "").strip().lower()))


def _columns(header: Sequence[object], contract: Contract, problems: list[_Problem]) -> dict[int, str]:
    """Column index → its name (``price:<segment>`` for a segment's price); problems for unknown or doubled
    columns and for missing required ones."""
    out: dict[int, str] = {}
    segments = [s.id for s in contract.segments]
    for i, cell in enumerate(header):
        name = _normal(cell)
        if not name:
            continue
        shown = str(cell).strip()
        if name.startswith("price:"):
            segment = name.split(":", 1)[1].strip()
            if segment not in segments:
                problems.append(
                    _Problem(
                        None,
                        shown,
                        Phrase.of(
                            N_("no segment %(segment)s in this contract; it has: %(known)s"),
                            segment=repr(segment),
                            known=", ".join(segments) or "–",
                        ),
                    )
                )
                continue
            name = f"price:{segment}"
        elif name not in COLUMNS:
            problems.append(
                _Problem(
                    None,
                    shown,
                    Phrase.of(N_("unknown column; expected %(known)s or price:<segment>"), known=", ".join(COLUMNS)),
                )
            )
            continue
        if name in out.values():
            problems.append(_Problem(None, shown, Phrase.of(N_("the column is given twice"))))
            continue
        out[i] = name
    for required in ("id", "price"):
        if required not in out.values():
            problems.append(_Problem(None, required, Phrase.of(N_("the table has no such column, and it is required"))))
    return out


def _cells(cells: Sequence[object], columns: dict[int, str]) -> Iterator[tuple[str, object]]:
    for i, name in columns.items():
        yield name, cells[i] if i < len(cells) else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row(
    number: int, cells: Sequence[object], columns: dict[int, str], contract: Contract, problems: list[_Problem]
) -> RateRow | None:
    """One row, checked cell by cell; ``None`` (and problems) when a cell is bad."""
    before = len(problems)
    values: dict[str, Any] = {"name": "", "max_per_participant": None, "repeatable": False, "segment_prices": {}}

    def bad(column: str, message: str, **facts: str) -> None:
        problems.append(_Problem(number, column, Phrase.of(message, **facts)))

    for column, value in _cells(cells, columns):
        text = "" if value is None else str(value).strip()
        if column == "id":
            if not _ID.fullmatch(text):
                bad(
                    column,
                    N_("expected an identifier of lower-case letters, digits, '-' or '_', got %(got)s"),
                    got=show(value if value is not None else ""),
                )
            values["id"] = text
        elif column == "name":
            if "\n" in text or any(ord(ch) < 32 for ch in text):
                bad(column, N_("a name is one line of text without control characters"))
            values["name"] = text
        elif column == "price" or column.startswith("price:"):
            if _blank(value):
                if column == "price":
                    bad(column, N_("a price is required"))
                continue
            try:
                cents = parse_amount(_amount(value), contract.currency)
            except Refusal as exc:
                problems.append(_Problem(number, column, phrase_of(exc) or Phrase.of(str(exc))))
                continue
            if column == "price":
                values["price"] = cents
            else:
                values["segment_prices"][column.split(":", 1)[1]] = cents
        elif column == "max_per_participant":
            if _blank(value):
                continue
            count = _whole_number(value)
            if count is None or count < 1:
                bad(column, N_("expected a whole number of at least 1, or nothing, got %(got)s"), got=show(value))
            else:
                values["max_per_participant"] = count
        elif column == "repeatable":
            flag = value if isinstance(value, bool) else _flag(text)
            if flag is None:
                bad(column, N_("expected true or false, got %(got)s"), got=show(value))
            else:
                values["repeatable"] = flag
    if len(problems) > before:
        return None
    metric_ids = {m.id for m in contract.metrics}
    if values["id"] not in metric_ids and not values["name"]:
        bad("name", N_("%(id)s is not a metric of this contract: give its name to add it"), id=repr(values["id"]))
        return None
    return RateRow(row=number, **values)


def _amount(value: object) -> object:
    """A cell's amount as ``parse_amount`` reads it: a spreadsheet's binary float by its shortest decimal text."""
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else str(value)
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    return str(value).strip()


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    return int(text) if re.fullmatch(r"\d{1,9}", text) else None


def _flag(text: str) -> bool | None:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None
