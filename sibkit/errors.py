"""The exceptions sibkit raises.

Each subclasses the matching built-in so callers that only know Python's own
exceptions still catch them (``ContractFileError`` is a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ContractFileError", "EngineError", "ModelError", "Problem", "SibkitError"]


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

    ``lines`` holds every problem (``message @ path`` for content problems);
    ``line`` and ``column`` locate a syntax error. ``str()`` starts with the
    file name (and line), then one problem per line.
    """

    def __init__(self, file: str, lines: Sequence[str], *, line: int | None = None, column: int | None = None) -> None:
        self.file = file
        self.lines = tuple(lines)
        self.line = line
        self.column = column
        super().__init__(self.render())

    def render(self) -> str:
        """The message a user sees: ``file[:line[:column]]: problem`` or a header and one problem per line."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if len(self.lines) == 1 and self.line is not None:
            return f"{where}: {self.lines[0]}"
        count = len(self.lines)
        head = f"{where}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  {x}" for x in self.lines)])


class EngineError(SibkitError, RuntimeError):
    """The engine broke one of its own invariants (for example, money did not reconcile).

    This is a bug in sibkit or in a contract the validator let through, never
    a user's mistake; it is raised rather than silently corrected.
    """
