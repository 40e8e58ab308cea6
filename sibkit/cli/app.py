"""The ``sibkit`` command group and what every command shares: exit codes, consoles, loading a contract,
failing with a message, and the output policy for files a command writes.

Exit status: 0 when all went well, 1 when a check found what it was asked to
fail on, 2 for a user's mistake (a bad file, a wrong option), 3 for an internal
error of sibkit (money that did not reconcile). A user's mistake never prints a
traceback.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, Self, TypeVar

import click
from rich.console import Console
from rich.text import Text

from sibkit.atomic import check_output
from sibkit.cli.language import install_click_messages, language_of, speaking, translated, words
from sibkit.cli.options import either
from sibkit.engine import ENGINE_LOOPS
from sibkit.errors import ContractFileError, EngineError
from sibkit.i18n import LANGUAGES, Language
from sibkit.jit import compiled
from sibkit.load import load_contract
from sibkit.model import Contract

__all__ = [
    "EXIT_INTERNAL_ERROR",
    "EXIT_USER_ERROR",
    "SibkitCommand",
    "check_output_file",
    "console",
    "fail",
    "header",
    "load_or_exit",
    "main",
    "output_errors",
    "run",
]

EXIT_USER_ERROR = 2
"""Exit status for a user's mistake: a bad file, a wrong option, a file that may not be written."""

EXIT_INTERNAL_ERROR = 3
"""Exit status for sibkit's own bug (money that did not reconcile)."""


def console(err: bool = False) -> Console:
    """A console that prints text as it is: contract files are data, so a name such as ``[x]`` is never
    read as Rich markup (styles are given as ``Text`` objects instead), nor ``:smile:`` as an emoji code.
    The loader has refused every control character in contract text, so none reaches the terminal."""
    return Console(stderr=err, highlight=False, soft_wrap=True, markup=False, emoji=False)


def fail(message: str) -> NoReturn:
    """Print ``message`` on standard error and exit with code 2 (a user's mistake)."""
    console(err=True).print(message, markup=False)
    sys.exit(EXIT_USER_ERROR)


@contextmanager
def output_errors(path: Path, lang: Language | None = None) -> Iterator[None]:
    """Every command's one way of saying that it cannot write ``path``: ``PATH: reason``, exit 2."""
    words = lang or Language("en")
    try:
        yield
    except FileExistsError:
        fail(words.gettext("%(path)s: the file exists; use --force to replace it", path=path))
    except IsADirectoryError:
        fail(words.gettext("%(path)s: is a folder; give a file name", path=path))
    except (FileNotFoundError, NotADirectoryError) as exc:
        folder = path.parent
        if not folder.exists():
            fail(words.gettext("%(path)s: the folder %(folder)s does not exist", path=path, folder=folder))
        if not folder.is_dir():
            fail(words.gettext("%(path)s: %(folder)s is not a folder", path=path, folder=folder))
        fail(words.gettext("%(path)s: cannot write: %(reason)s", path=path, reason=exc.strerror or exc))
    except OSError as exc:
        fail(words.gettext("%(path)s: cannot write: %(reason)s", path=path, reason=exc.strerror or exc))


def check_output_file(path: Path, force: bool, lang: Language | None = None) -> None:
    """Refuse (exit 2) a file the output policy would not write, before the command does its work."""
    with output_errors(path, lang):
        check_output(path, overwrite=force)


def check_sheet_output(
    output: Path | None,
    fmt: str,
    suffixes: Mapping[str, Sequence[str]],
    force: bool,
    lang: Language,
    *,
    needs_file: Sequence[str],
) -> None:
    """Before any work, for a command writing a sheet in ``--format`` ``fmt`` (``termsheet``, ``fund sheet``):
    a format in ``needs_file`` (Word, PDF) needs ``-o``; ``-o`` must end as ``suffixes[fmt]`` says; the file
    must be one the output policy writes (``check_output_file``). Each refusal is a usage error, exit 2."""
    if fmt in needs_file and output is None:
        raise click.BadParameter(lang.gettext("a %(fmt)s file needs -o FILE.%(fmt)s", fmt=fmt), param_hint="--format")
    if output is None:
        return
    if output.suffix.lower() not in suffixes[fmt]:
        raise click.BadParameter(
            lang.gettext(
                "expected a %(suffixes)s file for --format %(fmt)s, got %(given)s",
                suffixes=either(list(suffixes[fmt]), lang),
                fmt=fmt,
                given=repr(str(output)),
            ),
            param_hint="-o",
        )
    check_output_file(output, force, lang)


def header(text: str, name: str) -> Text:
    """A table's heading line ``text``, with the contract's ``name`` in it set in bold."""
    line = Text(text)
    at = text.find(name)
    if at >= 0:
        line.stylize("bold", at, at + len(name))
    return line


def load_or_exit(file: str, *, engine: bool = True, lang: str = "en") -> Contract:
    """The contract in ``file``, or a clear message in ``lang`` and exit code 2. ``engine``: the command
    runs the engine, so tell a person at a terminal (stderr), in ``lang``, when its compiled code is not
    cached yet and the run will start by compiling it."""
    try:
        contract = load_contract(file)
    except ContractFileError as exc:
        console(err=True).print(exc.show(lang), markup=False)
        sys.exit(EXIT_USER_ERROR)
    if engine and sys.stderr.isatty() and not compiled(*ENGINE_LOOPS):
        notice = Language(lang).gettext("first run on this machine: compiling the engine (once, under a minute) …")
        console(err=True).print(f"sibkit: {notice}", markup=False)
    return contract


class SibkitCommand(click.Command):
    """A command whose help is written in the command line's language: its description, its one-line
    summary in the group's list and every parameter's help pass through the catalogue when Click writes
    them (``cli.language.translated``). The command keeps its English: a translated copy writes the help."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        with speaking("en"):  # Click keeps the option it makes: it holds Click's English, translated when shown
            return super().get_help_option(ctx)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super(SibkitCommand, self._in_language(ctx)).format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        return super(SibkitCommand, self._in_language(None)).get_short_help_str(limit)

    def _in_language(self, ctx: click.Context | None) -> Self:
        """This command as the command line's language writes it (itself in English); with ``ctx``, its
        parameters and its help option too."""
        if words().code == "en":
            return self
        twin = copy.copy(self)
        twin.help, twin.short_help = translated(self.help), translated(self.short_help)
        if ctx is not None:
            twin.params = [_param_in_language(param) for param in self.params]
            help_option = self.get_help_option(ctx)
            twin._help_option = None if help_option is None else _param_in_language(help_option)
        return twin


_Param = TypeVar("_Param", bound=click.Parameter)


def _param_in_language(param: _Param) -> _Param:
    """A copy of ``param`` with its help in the command line's language."""
    twin = copy.copy(param)
    twin.help = translated(param.help)
    return twin


def _commands_speak(ctx: click.Context, _param: click.Parameter, lang: str | None) -> None:
    """``sibkit --lang nl run …``: the group's ``--lang`` is the default of the command's own."""
    if lang is not None:
        group = ctx.command
        assert isinstance(group, click.Group)
        defaults = dict(ctx.default_map or {})
        for name in group.commands:
            defaults[name] = {"lang": lang, **defaults.get(name, {})}
        ctx.default_map = defaults


class SibkitGroup(SibkitCommand, click.Group):
    """The ``sibkit`` group: it reads ``--lang`` before Click reads the command line, so that usage
    errors, option errors and help are written in the language asked for (``cli.language``); its
    commands are ``SibkitCommand``s."""

    command_class = SibkitCommand

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        with speaking(language_of(argv)):
            return super().main(args, *rest, **kwargs)


install_click_messages()


@click.group(cls=SibkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sibkit")
@click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    expose_value=False,
    callback=_commands_speak,
    help="Language of the help, the messages and the command that follows (as its own --lang).",
)
def main() -> None:
    """sibkit: structure, compute and check outcome-based contracts (Social Impact Bonds)."""


def run() -> None:
    """Entry point for the console script.

    An ``EngineError`` is sibkit's own bug (money did not reconcile), never the user's: it is
    reported in one paragraph with exit status 3 rather than a traceback.
    """
    try:
        main()
    except EngineError as exc:
        words = Language(language_of(sys.argv[1:]))
        console(err=True).print(
            words.gettext(
                "sibkit: internal error: %(error)s\nThis is a bug in sibkit, not in your contract. "
                "Please report it with the contract file and the command you ran.",
                error=str(exc),
            ),
            markup=False,
        )
        sys.exit(EXIT_INTERNAL_ERROR)
