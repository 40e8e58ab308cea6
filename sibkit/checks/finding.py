"""A finding: one perverse incentive or risk a check found in a contract, as data, and the messages it is told in.

A check returns ``Finding`` values that carry no prose: a ``code``, the ``kind`` of message (which of the
check's messages applies), a severity, a path and typed ``facts`` (money, months, shares, counts, names, from
``sibkit.i18n``). Each check module keeps its English message templates next to its logic, marked with
``N_`` and registered with ``messages``; the Dutch (and any other) wording is in the catalogue. The words are
written once, at the edge, by ``Finding.title`` / ``explanation`` / ``mitigation`` in the language asked for.

A message is a sequence of parts, joined without separators, so that a sentence can have a clause that
only some findings need: a plain string is always written, a ``Clause`` only when the facts it needs are
there (see ``Clause``). A part that is only punctuation (``"."``) is written as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Literal

import attrs

from sibkit.i18n import LANGUAGES, Fact, Language, Money, Share, fact_json

__all__ = [
    "MESSAGES",
    "SEVERITIES",
    "Check",
    "Clause",
    "Finding",
    "Message",
    "Severity",
    "message_for",
    "messages",
    "money",
    "percent",
    "placeholders",
]

Severity = Literal["info", "warning", "error"]
"""``info``: worth knowing; ``warning``: a risk to discuss before signing; ``error``: a flaw to fix."""

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
"""From mild to severe."""

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def placeholders(message: str) -> set[str]:
    """The names of the ``%(name)s`` / ``%(name)d`` placeholders in ``message``."""
    return set(_PLACEHOLDER.findall(message))


def _names(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Clause:
    """A part of a message written only when the facts it names are there: its placeholders and every
    fact in ``when`` must be present, and no fact in ``unless``."""

    text: str
    when: tuple[str, ...] = attrs.field(default=(), converter=_names)
    unless: tuple[str, ...] = attrs.field(default=(), converter=_names)

    def names(self) -> set[str]:
        """Every fact this clause looks at: its placeholders, ``when`` and ``unless``."""
        return placeholders(self.text) | set(self.when) | set(self.unless)

    def applies(self, facts: Mapping[str, Fact]) -> bool:
        """Whether this clause is written for a finding with ``facts``."""
        if any(name in facts for name in self.unless):
            return False
        return (placeholders(self.text) | set(self.when)) <= facts.keys()


Part = str | Clause
"""A part of a message: always written (``str``), or only when its facts are there (``Clause``)."""


def _parts(value: str | tuple[Part, ...]) -> tuple[Part, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Message:
    """The English templates of one kind of finding: title (one line), explanation (why it matters, with the
    numbers) and mitigation (a concrete change to the contract). Each is one string or a tuple of parts."""

    title: tuple[Part, ...] = attrs.field(converter=_parts)
    explanation: tuple[Part, ...] = attrs.field(converter=_parts)
    mitigation: tuple[Part, ...] = attrs.field(converter=_parts)

    def parts(self) -> tuple[Part, ...]:
        """Every part of the three texts."""
        return self.title + self.explanation + self.mitigation

    def names(self) -> set[str]:
        """Every fact name the message looks at: placeholders, and the conditions of its clauses."""
        out: set[str] = set()
        for part in self.parts():
            out |= part.names() if isinstance(part, Clause) else placeholders(part)
        return out

    def required(self) -> set[str]:
        """The placeholders of the parts that are always written: a finding must give each."""
        return {name for part in self.parts() if isinstance(part, str) for name in placeholders(part)}


MESSAGES: dict[tuple[str, str], Message] = {}
"""Every message by ``(code, kind)``, registered by the check modules as they are imported."""


def messages(code: str, table: Mapping[str, Message]) -> None:
    """Register the messages of findings with ``code``, by kind."""
    for kind, message in table.items():
        if (code, kind) in MESSAGES:
            raise ValueError(f"message {code}/{kind} is registered twice")
        MESSAGES[(code, kind)] = message


def message_for(code: str, kind: str) -> Message:
    """The message of findings with ``code`` and ``kind`` (loading every check module on first need)."""
    if (code, kind) not in MESSAGES:
        from sibkit.checks import _load_all

        _load_all()
    return MESSAGES[(code, kind)]


def _render(parts: tuple[Part, ...], facts: Mapping[str, Fact], lang: str | Language) -> str:
    # a Language may be given so the term sheet's marks of contract text in another language carry over
    language = lang if isinstance(lang, Language) else Language(lang)
    out: list[str] = []
    for part in parts:
        if isinstance(part, Clause):
            if part.applies(facts):
                out.append(language.say(part.text, facts))
        elif not any(c.isalnum() or c == "%" for c in part):
            out.append(part)  # punctuation between clauses: the same in every language, not in the catalogue
        else:
            out.append(language.say(part, facts))
    return "".join(out)


@attrs.frozen(kw_only=True)
class Finding:
    """What a check found, as data: its words are written by ``title``, ``explanation`` and ``mitigation``."""

    code: str
    """Stable identifier (``SIB-CREAM-001``): never reused for another meaning."""
    kind: str
    """Which of the check's messages tells it (``zero``, ``minimum`` …): a key of the check's messages."""
    severity: Severity
    path: str
    """Where in the contract it applies (``$.rules[0]``), or ``$`` for the contract as a whole."""
    facts: Mapping[str, Fact] = attrs.field(factory=dict, hash=False)
    """The numbers and names the message is written with, by placeholder name: each one used by the message
    (a placeholder or a clause's condition), and each placeholder of a part always written given."""

    @facts.validator
    def _matches_message(self, _: attrs.Attribute[Mapping[str, Fact]], facts: Mapping[str, Fact]) -> None:
        message = message_for(self.code, self.kind)
        unused = set(facts) - message.names()
        missing = message.required() - set(facts)
        if unused or missing:
            raise ValueError(
                f"finding {self.code}/{self.kind}: facts not in its message {sorted(unused)}, "
                f"placeholders without a fact {sorted(missing)}"
            )

    @property
    def message(self) -> Message:
        """The English templates of this finding's kind."""
        return message_for(self.code, self.kind)

    def title(self, lang: str | Language) -> str:
        """The title in ``lang`` (``nl`` or ``en``, or a ``Language``): one line."""
        return _render(self.message.title, self.facts, lang)

    def explanation(self, lang: str | Language) -> str:
        """Why it matters, with the numbers that triggered it, in ``lang``."""
        return _render(self.message.explanation, self.facts, lang)

    def mitigation(self, lang: str | Language) -> str:
        """A concrete change to the contract that removes or reduces the risk, in ``lang``."""
        return _render(self.message.mitigation, self.facts, lang)

    def facts_json(self) -> dict[str, object]:
        """The facts for JSON (``sibkit.i18n.fact_json``): money as ``{"cents", "currency"}``, months as
        ``YYYY-MM``, shares as decimal strings, counts as integers, names as text."""
        return {name: fact_json(value) for name, value in self.facts.items()}

    def to_json(self) -> dict[str, object]:
        """The finding as ``sibkit check --format json`` writes it: code, severity, the texts in every
        language (``title_en``, ``title_nl`` …), path, kind and facts."""
        out: dict[str, object] = {"code": self.code, "severity": self.severity}
        for text in ("title", "explanation", "mitigation"):
            for lang in LANGUAGES:
                out[f"{text}_{lang}"] = getattr(self, text)(lang)
        out |= {"path": self.path, "kind": self.kind, "facts": self.facts_json()}
        return out


@attrs.frozen(kw_only=True)
class Check:
    """A registered check: a pure function of the contract (and, if it needs them, engine results)."""

    code: str
    """The code of the findings it produces."""
    name: str
    """Short name (``cream_skimming``)."""
    run: Callable[..., list[Finding]]
    """``run(contract, context) -> list[Finding]``; ``context`` gives shared engine results lazily."""


def money(cents: int | Decimal | float, currency: str) -> Money:
    """A money fact of ``cents`` rounded half up to the whole cent (an expected value may have fractions)."""
    return Money(int(Decimal(cents).quantize(Decimal(1), rounding=ROUND_HALF_UP)), currency)


def percent(share: Decimal | float, decimals: int = 0) -> Share:
    """A share fact rounded, half to even, to ``decimals`` decimals of a percent (``0.5123`` → ``51%``), as
    the findings quote computed shares; a float is taken at its exact binary value."""
    exact = Decimal(share * 100) if isinstance(share, float) else Decimal(share) * 100
    return Share(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN) / 100)
