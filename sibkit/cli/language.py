"""The language of a command line, known before Click reads it.

``--lang`` is an option like any other, but the words of a usage error (``Error: Invalid value
for '--success': …``, ``Usage: …``, ``Try 'sibkit run -h' for help.``) and of sibkit's own option
types are written while Click is still reading the command line, before the command has its
``lang`` argument. So the ``sibkit`` group finds ``--lang`` in the arguments first (``speaking``)
and keeps it for the duration of the command; option types and the internal-error paragraph
ask ``words()``.

Click writes its messages through ``gettext`` (``from gettext import gettext as _`` in each of
its modules, unbound to any catalogue). ``install_click_messages`` points those names at
sibkit's catalogue in the command line's language, so that the messages of Click that a user
meets (listed in the catalogue with Click's own ``{name}`` placeholders) are translated as well;
any other Click message stays in English.

The help of sibkit's commands and options (docstrings and ``help=`` texts, English in the code) is
translated when Click writes it (``translated``, used by ``app.SibkitCommand``); the catalogue lists
it by msgid, found by introspection (``tests/test_catalogue.py``), as Babel cannot extract docstrings.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from sibkit.errors import in_language, phrase_of
from sibkit.i18n import LANGUAGES, Language, translations

__all__ = ["install_click_messages", "language_of", "refusal_text", "speaking", "translated", "words"]

_LANG: ContextVar[str] = ContextVar("sibkit_command_line_language", default="en")

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")
"""Click's modules that write messages through ``gettext`` (click 8)."""


def language_of(args: Sequence[str]) -> str:
    """The language a command line asks for: the last ``--lang X`` or ``--lang=X`` before ``--``,
    when ``X`` is a language sibkit has; English otherwise (Click then refuses an unknown one)."""
    found = "en"
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            code = args[i + 1]
        elif arg.startswith("--lang="):
            code = arg.removeprefix("--lang=")
        else:
            continue
        if code in LANGUAGES:
            found = code
    return found


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Within the block, the command line's language is ``lang``."""
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def words() -> Language:
    """The command line's language (English outside a command)."""
    return Language(_LANG.get())


def translated(text: str | None) -> str | None:
    """A message held in a variable (a command's or an option's help, as Click holds it) in the command
    line's language, as written: no placeholder is filled in and ``%`` stays ``%``."""
    return _gettext(text) if text else text


def refusal_text(exc: BaseException) -> str:
    """An error's message in the command line's language: a ``Refusal``'s phrase translated, any
    other error's own text."""
    phrase = phrase_of(exc)
    return in_language(phrase, _LANG.get()) if phrase is not None else str(exc)


def _gettext(message: str) -> str:
    return translations(_LANG.get()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_LANG.get()).ngettext(singular, plural, n)


def install_click_messages() -> None:
    """Point Click's ``_``/``ngettext`` at sibkit's catalogue in the command line's language (once;
    in English, or for a message the catalogue does not hold, Click's own words are kept)."""
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
