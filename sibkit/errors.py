"""The exceptions sibkit raises.

Each subclasses the matching built-in so callers that only know Python's own
exceptions still catch them (``ContractFileError`` is a ``ValueError``).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from sibkit.facts import N_, Fact, Phrase

__all__ = [
    "ContractFileError",
    "EngineError",
    "FieldProblem",
    "Line",
    "ModelError",
    "Problem",
    "Refusal",
    "SibkitError",
    "described",
    "did_you_mean",
    "english",
    "in_language",
    "phrase_of",
    "quoted",
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


def described(value: object) -> Phrase:
    """What a value is, for ``expected …, got …`` messages: ``the number 1.9``, ``the text 'abc'``.

    The value itself is written as the file writes it (``show``), in every language; the words around
    it are a message of the catalogue.
    """
    if value is None or isinstance(value, bool):
        return Phrase.of(N_("%(value)s"), value=show(value))
    if isinstance(value, (int, float, Decimal)):
        return Phrase.of(N_("the number %(value)s"), value=show(value))
    if isinstance(value, str):
        return Phrase.of(N_("the text %(value)s"), value=show(value))
    if isinstance(value, Mapping):
        return Phrase.of(N_("a table"))
    if isinstance(value, (list, tuple)):
        return Phrase.of(N_("a list"))
    if isinstance(value, dt.datetime):
        return Phrase.of(N_("the date and time %(value)s"), value=show(value))
    if isinstance(value, dt.date):
        return Phrase.of(N_("the date %(value)s"), value=show(value))
    if isinstance(value, dt.time):
        return Phrase.of(N_("the time %(value)s"), value=show(value))
    return Phrase.of(N_("%(value)s"), value=f"{type(value).__name__} {value!r}")


def did_you_mean(word: object, options: Iterable[str]) -> Fact:
    """``"; did you mean 'buffer'?"`` when ``word`` is a text close to one of ``options``, else ``""``
    (a fact to end a message with: ``unknown key %(key)s%(hint)s``)."""
    if not isinstance(word, str):
        return ""
    choices = list(options)
    match = difflib.get_close_matches(word, choices, n=1)
    if not match:
        lowered = {c.lower(): c for c in choices}
        match = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1)]
    return Phrase.of(N_("; did you mean %(match)s?"), match=repr(match[0])) if match else ""


def quoted(words: Iterable[object]) -> str:
    """Keys or codes of the file format as a list a message can end with: ``'a', 'b', 'c'`` (never translated:
    they are what the file must say)."""
    return ", ".join(repr(w) for w in words)


def english(fact: Fact) -> str:
    """``fact`` written in English, the source language: what ``str()`` of an error shows."""
    # imported here: the language layer sits above this module (it formats with sibkit.money)
    from sibkit.i18n import Language

    return Language("en").value(fact)


def in_language(fact: Fact, lang: str) -> str:
    """``fact`` written in ``lang`` (a language code of ``sibkit.i18n.LANGUAGES``)."""
    from sibkit.i18n import Language

    return Language(lang).value(fact)


class SibkitError(Exception):
    """Base class of every error sibkit raises on purpose."""


class Refusal(SibkitError, ValueError):
    """A value sibkit refuses, with the reason as a message and its facts (a ``Phrase``), so that the
    edge can say it in the user's language; ``str()`` is the English sentence."""

    def __init__(self, phrase: Phrase) -> None:
        self.phrase = phrase
        super().__init__(english(phrase))

    @classmethod
    def of(cls, message: str, **facts: Fact) -> Refusal:
        """``Refusal(Phrase.of(message, **facts))``."""
        return cls(Phrase.of(message, **facts))


def phrase_of(exc: BaseException) -> Phrase | None:
    """The message of an error sibkit raised on purpose (a ``Refusal`` or a ``FieldProblem``), else ``None``."""
    return getattr(exc, "phrase", None) if isinstance(exc, SibkitError) else None


@attrs.frozen
class Problem:
    """One problem found in a contract: a message with its facts, and the path it concerns.

    ``path`` is relative to the contract root, written the way ``cattrs``
    writes it (``providers[1].cost_per_participant``); an empty path means the
    contract as a whole.
    """

    path: str
    phrase: Phrase

    @property
    def message(self) -> str:
        """The problem in English."""
        return english(self.phrase)

    def where(self, root: str = "$") -> str:
        """The path from ``root``: ``$.providers[1].cost_per_participant``."""
        if not self.path:
            return root
        return root + ("" if self.path.startswith("[") else ".") + self.path

    def render(self, root: str = "$", lang: str = "en") -> str:
        """The problem as one ``message @ path`` line, in ``lang``."""
        return f"{in_language(self.phrase, lang)} @ {self.where(root)}"


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

    def __init__(self, field: str, phrase: Phrase) -> None:
        self.field = field
        self.phrase = phrase
        super().__init__(english(phrase))

    @classmethod
    def of(cls, field: str, message: str, **facts: Fact) -> FieldProblem:
        """``FieldProblem(field, Phrase.of(message, **facts))``."""
        return cls(field, Phrase.of(message, **facts))


Line = tuple[Phrase, "str | None"]
"""One problem of a contract file: its message, and the path it concerns (``$.providers[0].cost``), or
``None`` when it concerns the file as a whole (it is empty, it is not TOML)."""


class ContractFileError(SibkitError, ValueError):
    """A contract file could not be read or is not a valid contract.

    ``problems`` holds every problem as a message and the path it concerns (``Line``), ``note_phrase``
    an optional last line; ``line`` and ``column`` locate a syntax error. ``show(lang)`` writes it all
    in a language, ``str()`` in English. In English, ``lines`` holds every problem as ``message @ path``
    and then the ``note``, if there is one (``count`` counts the problems only).
    """

    def __init__(
        self,
        file: str,
        problems: Sequence[Line],
        *,
        line: int | None = None,
        column: int | None = None,
        note: Phrase | None = None,
    ) -> None:
        self.file = file
        self.problems = tuple(problems)
        self.count = len(self.problems)
        self.note_phrase = note
        self.line = line
        self.column = column
        self.note = english(note) if note else None
        self.lines = self._lines("en")
        super().__init__(self.show("en"))

    def _lines(self, lang: str) -> tuple[str, ...]:
        lines = [in_language(p, lang) + (f" @ {path}" if path else "") for p, path in self.problems]
        return (*lines, in_language(self.note_phrase, lang)) if self.note_phrase else tuple(lines)

    def show(self, lang: str = "en") -> str:
        """The message a user sees, in ``lang``.

        * a syntax error: ``file:line[:column]: problem``;
        * one problem with the file as a whole (no ``@ path``): ``file: problem``;
        * otherwise a header with the number of problems, then one problem per line
          (and the note, if any, as a last line).
        """
        from sibkit.i18n import Language  # the language layer sits above this module

        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        lines = self._lines(lang)
        if len(lines) == 1 and (self.line is not None or self.problems[0][1] is None):
            return f"{where}: {lines[0]}"
        count = Language(lang).ngettext("%(num)d problem", "%(num)d problems", self.count)
        return "\n".join([f"{where}: {count}", *(f"  {x}" for x in lines)])


class EngineError(SibkitError, RuntimeError):
    """The engine broke one of its own invariants (for example, money did not reconcile).

    This is a bug in sibkit or in a contract the validator let through, never
    a user's mistake; it is raised rather than silently corrected.
    """
