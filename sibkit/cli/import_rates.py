"""``sibkit import-rates``: a rate card drafted in a spreadsheet (``.xlsx`` or ``.csv``) into a contract file."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Literal

import click

from sibkit.atomic import write_text_atomic
from sibkit.cli.app import EXIT_USER_ERROR, check_output_file, console, fail, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import force_option, lang_option
from sibkit.errors import ContractFileError, Refusal
from sibkit.i18n import Language
from sibkit.load import dumps
from sibkit.rates_import import RateSheetError, apply_rates, rate_card_of, read_rates

__all__ = ["import_rates"]

_COMMENT = re.compile(r"^\s*#", re.MULTILINE)


@main.command(name="import-rates")
@click.argument("table", type=click.Path(path_type=str))
@click.option(
    "--into",
    "into",
    type=click.Path(path_type=str),
    required=True,
    help="The contract file (.toml or .json) whose rate card the table replaces.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    help="Write the contract to this file instead of back into the --into file; '-' prints it.",
)
@click.option("--rule", default=None, help="The id of the rate card to replace, when the contract has several.")
@force_option("Replace an existing output file, or a contract file with comments (they are not kept).")
@lang_option("Language of the messages.")
def import_rates(table: str, into: str, output: str | None, rule: str | None, force: bool, lang: str) -> None:
    """Read a rate card from TABLE (.xlsx or .csv) into the contract file given with --into."""
    words = Language(lang)
    contract = load_or_exit(into, engine=False, lang=lang)
    try:
        rate_card_of(contract, rule)
        rows = read_rates(Path(table), contract)
        updated = apply_rates(contract, rows, rule=rule, file=into)
    except RateSheetError as exc:
        err = console(err=True)
        for line in exc.lines(lang):
            err.print(line, markup=False)
        sys.exit(EXIT_USER_ERROR)
    except ContractFileError as exc:
        console(err=True).print(exc.show(lang), markup=False)
        sys.exit(EXIT_USER_ERROR)
    except Refusal as exc:
        fail(f"{into}: {refusal_text(exc)}")
    target = Path(into) if output is None else None if output == "-" else Path(output)
    fmt: Literal["toml", "json"] = "json" if (target or Path(into)).suffix.lower() == ".json" else "toml"
    text = dumps(updated, fmt=fmt)
    if target is None:
        click.echo(text, nl=False)
        return
    if target.suffix.lower() not in (".toml", ".json"):
        fail(words.gettext("%(path)s: expected a .toml or .json file", path=target))
    if target == Path(into):
        if not force and _COMMENT.search(Path(into).read_text(encoding="utf-8-sig")):
            fail(
                words.gettext(
                    "%(path)s: the file has comments, which writing it back would lose; write to another file "
                    "with -o, or use --force",
                    path=target,
                )
            )
        overwrite = True
    else:
        check_output_file(target, force, words)
        overwrite = force
    with output_errors(target, words):
        write_text_atomic(target, text, overwrite=overwrite)
    console(err=True).print(
        words.gettext("%(path)s: rate card of %(rows)s outcomes written", path=target, rows=len(rows)), markup=False
    )
