"""The exceptions sibkit raises.

Each subclasses the matching built-in so callers that only know Python's own
exceptions still catch them (``ContractFileError`` is a ``ValueError``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

__all__ = [
    "ContractFileError",
    "EngineError",
    "ModelError",
    "Problem",
    "SibkitError",
    "describe",
    "did_you_mean",
    "show",
]


# -- values in messages: written the way a user writes them in a contract file ---------------------
def show(value: object) -> str:
    """A value as a user wrote it in a contract file: ``1.9``, ``'abc'``, ``true``, ``2023-01-01``.

    Never a Python spelling: no ``Decimal('1.9')``, ``True`` or ``None``. Texts are
    quoted (``'3.500,00'``); tables and lists are named, not printed.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "-inf" if value < 0 else "inf"
        return str(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def describe(value: object) -> str:
    """What a value is, for ``expected …, got …`` messages: ``the number 1.9``, ``the text 'abc'``."""
    if value is None or isinstance(value, bool):
        return show(value)
    if isinstance(value, (int, float, Decimal)):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dt.datetime):
        return f"the date and time {show(value)}"
    if isinstance(value, dt.date):
        return f"the date {show(value)}"
    if isinstance(value, dt.time):
        return f"the time {show(value)}"
    return f"{type(value).__name__} {value!r}"


def did_you_mean(word: object, options: Iterable[str]) -> str:
    """``"; did you mean 'buffer'?"`` when ``word`` is a text close to one of ``options``, else ``""``."""
    if not isinstance(word, str):
        return ""
    choices = list(options)
    match = difflib.get_close_matches(word, choices, n=1)
    if not match:
        lowered = {c.lower(): c for c in choices}
        match = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1)]
    return f"; did you mean {match[0]!r}?" if match else ""


class SibkitError(Exception):
    """Base class of every error sibkit raises on purpose."""


class Problem:
    """One problem found in a contract: a message and the path it concerns.

    ``path`` is relative to the contract root, written the way ``cattrs``
    writes it (``providers[1].cost_per_participant``); an empty path means the
    contract as a whole.
    """

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def render(self, root: str = "$") -> str:
        """The problem as one ``message @ path`` line."""
        if not self.path:
            return f"{self.message} @ {root}"
        sep = "" if self.path.startswith("[") else "."
        return f"{self.message} @ {root}{sep}{self.path}"

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.path, self.message) == (other.path, other.message)

    def __hash__(self) -> int:
        return hash((self.path, self.message))


class ModelError(SibkitError, ValueError):
    """A contract object was built with values that break the model's rules.

    Carries every problem found, not just the first, so a user can fix a file
    in one pass.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.render() for p in self.problems))


class FieldProblem(SibkitError, ValueError):
    """A validator's complaint about one field, remembered with the field name.

    attrs runs validators inside ``__init__``, so cattrs can only place their
    errors at the enclosing object; the loader appends ``field`` to that path.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class ContractFileError(SibkitError, ValueError):
    """A contract file could not be read or is not a valid contract.

    ``lines`` holds every problem (``message @ path`` for content problems),
    then the ``note`` if there is one (``count`` counts the problems only);
    ``line`` and ``column`` locate a syntax error. ``str()`` starts with the
    file name (and line), then one problem per line.
    """

    def __init__(
        self,
        file: str,
        lines: Sequence[str],
        *,
        line: int | None = None,
        column: int | None = None,
        note: str | None = None,
    ) -> None:
        self.file = file
        self.count = len(lines)
        self.note = note
        self.lines = (*lines, note) if note else tuple(lines)
        self.line = line
        self.column = column
        super().__init__(self.render())

    def render(self) -> str:
        """The message a user sees.

        * a syntax error: ``file:line[:column]: problem``;
        * one problem with the file as a whole (no ``@ path``): ``file: problem``;
        * otherwise a header with the number of problems, then one problem per line
          (and the ``note``, if any, as a last line).
        """
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if len(self.lines) == 1 and (self.line is not None or not _AT_PATH.search(self.lines[0])):
            return f"{where}: {self.lines[0]}"
        count = self.count
        head = f"{where}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {x}" for x in self.lines)])


_AT_PATH = re.compile(r" @ \$\S*$")
"""The ``@ path`` that ends a problem about one place in a contract (``$`` alone is the whole contract)."""


class EngineError(SibkitError, RuntimeError):
    """The engine broke one of its own invariants (for example, money did not reconcile).

    This is a bug in sibkit or in a contract the validator let through, never
    a user's mistake; it is raised rather than silently corrected.
    """
