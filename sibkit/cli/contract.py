"""Commands about the contract file itself: ``validate``, ``new`` and ``explain``."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from sibkit.cli.app import EXIT_USER_ERROR, console, fail, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import OutputFile, force_option, lang_option
from sibkit.errors import ContractFileError
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.report.explain import explain
from sibkit.starters import KINDS, LANGS, write_starter

__all__ = ["explain_command", "new_command", "validate"]


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@lang_option("Language of the confirmation and of the problems found.")
def validate(files: Sequence[str], lang: str) -> None:
    """Check contract FILES; print every problem as 'message @ path'. Exit 2 if any file is invalid."""
    words = Language(lang)
    out, err = console(), console(err=True)
    bad = 0
    for file in files:
        try:
            contract = load_contract(file)
        except ContractFileError as exc:
            err.print(exc.show(lang), markup=False)
            bad += 1
            continue
        out.print(words.gettext("%(file)s: valid — %(name)s", file=file, name=contract.name), markup=False)
    if bad:
        sys.exit(EXIT_USER_ERROR)


@main.command(name="new")
@click.argument("name")
@click.option(
    "--like", "kind", type=click.Choice(list(KINDS)), required=True, help="The kind of contract to start from."
)
@click.option(
    "--lang", type=click.Choice(list(LANGS)), default="en", show_default=True, help="Language of the comments."
)
@click.option(
    "-o",
    "--output",
    type=OutputFile(".toml", ".json"),
    default=None,
    help="File to write, .toml (with comments) or .json (default: NAME in lower case with dashes, .toml).",
)
@force_option("Replace an existing file.")
def new_command(name: str, kind: str, lang: str, output: Path | None, force: bool) -> None:
    """Write a commented starting contract called NAME that validates as written."""
    words = Language(lang)
    target = output or Path((re.sub(r"[^a-z0-9]+", "-", name.lower())[:100].strip("-") or "contract") + ".toml")
    try:
        with output_errors(target, words):
            write_starter(target, kind, lang, name, overwrite=force)
    except ValueError as exc:
        fail(refusal_text(exc))
    console().print(
        words.gettext(
            "%(file)s: a %(kind)s contract to fill in; check it with: sibkit validate %(file)s", file=target, kind=kind
        ),
        markup=False,
    )


@main.command(name="explain")
@click.argument("file", type=click.Path(path_type=str))
@lang_option("Language of the text.")
def explain_command(file: str, lang: str) -> None:
    """The money flow of the contract in FILE in plain language: who pays whom, when, for what, who bears risk."""
    c = load_or_exit(file, lang=lang)
    click.echo(explain(c, lang), nl=False)
