"""Options and parameter types shared by several commands: languages, success factors and ranges,
scenario counts, output files and ``--force``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sibkit.cli.language import refusal_text, words
from sibkit.i18n import LANGUAGES, Language
from sibkit.sweep import parse_range, parse_success

__all__ = [
    "MAX_SCENARIOS",
    "MAX_SEED",
    "MAX_WORKERS",
    "SCENARIO_COUNT",
    "SUCCESS_FACTOR",
    "OutputFile",
    "SuccessRange",
    "either",
    "force_option",
    "lang_option",
]


def lang_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--lang en|nl`` option, one definition for every command that writes in a language."""
    return click.option("--lang", type=click.Choice(list(LANGUAGES)), default="en", show_default=True, help=help_text)


def force_option(
    help_text: str = "Replace an existing output file.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--force``, one definition for every command that writes a file."""
    return click.option("--force", is_flag=True, help=help_text)


if TYPE_CHECKING:  # recent click types a parameter type by what it returns; older click cannot be subscripted
    _FactorType = click.ParamType[Decimal, Any]
    _RangeType = click.ParamType[tuple[Decimal, ...], Any]
    _PathType = click.ParamType[Path, Any]
else:
    _FactorType = _RangeType = _PathType = click.ParamType


class _SuccessFactor(_FactorType):
    """A success factor (``run --success``, ``ledger --success``): a plain number from 0 to
    ``sweep.MAX_SUCCESS``, read exactly by ``sweep.parse_success``; ``nan``, ``inf`` and negative
    numbers are refused with exit code 2."""

    name = "factor"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        try:
            return parse_success(str(value))
        except ValueError as exc:
            self.fail(refusal_text(exc), param, ctx)


class SuccessRange(_RangeType):
    """Success levels ``start:stop:count`` (``sweep --success``), read by ``sweep.parse_range``."""

    name = "start:stop:count"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[Decimal, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_range(str(value))
        except ValueError as exc:
            self.fail(refusal_text(exc), param, ctx)


def either(words: Sequence[str], lang: Language | None = None) -> str:
    """``.a``, ``.a or .b``, ``.a, .b or .c`` (in ``lang``, English by default)."""
    if len(words) == 1:
        return words[0]
    return (lang or Language("en")).gettext("%(first)s or %(last)s", first=", ".join(words[:-1]), last=words[-1])


class OutputFile(_PathType):
    """A file a command writes (``termsheet -o``, ``simulate --out``, ``sweep --chart``, ``new -o``).

    Its type is checked as the command line is read (by its extension, when the command writes only
    some types), so a wrong name is refused before any work is done; whether it may be written (the
    output policy of ``sibkit.atomic``) is checked by ``app.check_output_file`` once ``--force`` is known.
    """

    name = "file"

    def __init__(self, *suffixes: str) -> None:
        self.suffixes = suffixes

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        text = str(value)
        if not text or "\x00" in text:
            self.fail(words().gettext("expected a file name, got %(got)s", got=repr(text)), param, ctx)
        path = Path(text)
        if self.suffixes and path.suffix.lower() not in self.suffixes:
            lang = words()
            self.fail(
                lang.gettext(
                    "expected a %(kinds)s file, got %(got)s", kinds=either(self.suffixes, lang), got=repr(text)
                ),
                param,
                ctx,
            )
        return path


SUCCESS_FACTOR = _SuccessFactor()
"""The one parameter type of every success-factor option."""

MAX_SCENARIOS = 10_000_000
"""The most scenarios one ``simulate --n`` (or ``termsheet --simulate``) draws: ten million take
minutes and gigabytes of memory already; beyond, a typing slip would exhaust the machine."""

SCENARIO_COUNT = click.IntRange(min=1, max=MAX_SCENARIOS)
"""The one parameter type of every scenario count (``--n``, ``--block``, ``--simulate``)."""

MAX_SEED = 2**63 - 1
"""The largest ``--seed``: any whole number NumPy takes would do; this one fits every tool that stores it."""

MAX_WORKERS = 1024
"""The most worker processes ``simulate --workers`` starts."""
