"""Contract text in more than one language: ``Texts``, and ``text_in`` to read one in a language.

A contract file may give a human-readable text (a name, a description, the governing law …) once,
as a plain string that is then the text in every language, or once per language::

    name = { nl = "Individueel resultaat", en = "Individual result" }

The design keeps the model's fields typed ``str``: a text given per language is a ``Texts``, a
*subclass of* ``str`` whose own string value is the default text (English when given, else the
first language written) and which carries every language's text besides. So every line of code
that reads contract text today (the engine uses ids only; checks, messages and reports use names)
keeps working and shows the default text; the outputs that are written in a requested language
(the term sheet, ``sibkit explain``, ``sibkit run`` tables, findings) read the text through
``text_in`` or ``shown_in`` instead. A side mapping of translations was the other design; it would
have had to follow every object through ``attrs.evolve`` and the engine's canonical reordering,
which a value inside the field does by itself.

Two ``Texts`` are equal when they hold the same text in the same languages and the same default;
a ``Texts`` never equals a plain ``str`` (``{ en = "x" }`` is English only, ``"x"`` is every language),
so a contract read back from its own dump is equal to it. String methods (``strip``, slicing,
``re.sub``) return plain ``str`` of the default text, as for any ``str`` subclass.

This module sits on the lowest floor (it imports nothing from sibkit): the language layer
(``sibkit.i18n``) resolves a ``Texts`` given as a fact in the message's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

__all__ = ["DEFAULT_LANGUAGE", "Texts", "shown_in", "text_in"]

DEFAULT_LANGUAGE = "en"
"""The language shown when the requested one is missing (and what ``str()`` of a ``Texts`` is), if given."""


class Texts(str):
    """One text in several languages (language code → text), which as a ``str`` is its default text.

    The default, and the fallback of ``get`` for a language not given, is the English text, else the
    text of the first language given. The mapping is not empty; the loader checks the codes (languages
    sibkit knows) and each text (``text_problem``), as for any contract text.
    """

    _texts: tuple[tuple[str, str], ...]

    def __new__(cls, texts: Mapping[str, str]) -> Texts:
        items = tuple((str(lang), str(text)) for lang, text in texts.items())
        if not items:
            raise ValueError("a text in several languages needs at least one language")
        if len({lang for lang, _ in items}) != len(items):  # pragma: no cover - a Mapping has unique keys
            raise ValueError("a language is given twice")
        by_lang = dict(items)
        self = super().__new__(cls, by_lang.get(DEFAULT_LANGUAGE, items[0][1]))
        object.__setattr__(self, "_texts", items)
        return self

    # frozen, like every contract object
    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Texts is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Texts is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (Monte Carlo workers) and ``copy`` rebuild it from its languages."""
        return (Texts, (dict(self._texts),))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages given, in the order written."""
        return tuple(lang for lang, _ in self._texts)

    def as_dict(self) -> dict[str, str]:
        """Language code → text, in the order written (what a contract file writes)."""
        return dict(self._texts)

    def get(self, lang: str) -> tuple[str, str]:
        """The text in ``lang`` and the language it is in: ``lang`` when given, else the fallback
        (English, else the first language written). Compare the two to know whether it fell back."""
        by_lang = dict(self._texts)
        if lang in by_lang:
            return by_lang[lang], lang
        fallback = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in by_lang else self._texts[0][0]
        return by_lang[fallback], fallback

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Texts):
            return str.__eq__(self, other) and dict(self._texts) == dict(other._texts)
        if isinstance(other, str):
            return False  # not NotImplemented: str.__eq__ would then compare the default text alone
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((str.__str__(self), frozenset(self._texts)))

    def __repr__(self) -> str:
        return f"Texts({dict(self._texts)!r})"


def text_in(value: str, lang: str) -> str:
    """``value`` (a contract text: a plain ``str`` or a ``Texts``) in ``lang``, as a plain ``str``;
    a text not given in ``lang`` falls back to English, else to the first language written."""
    if isinstance(value, Texts):
        return value.get(lang)[0]
    return str(value)


def shown_in(value: str, lang: str) -> tuple[str, str | None]:
    """``value`` in ``lang`` and, when it had to fall back, the language shown (else ``None``):
    ``("Dutch law", "en")`` for ``{ en = "Dutch law" }`` asked in Dutch. A plain ``str`` is the text in
    every language, so it never falls back."""
    if isinstance(value, Texts):
        text, shown = value.get(lang)
        return text, None if shown == lang else shown
    return str(value), None
