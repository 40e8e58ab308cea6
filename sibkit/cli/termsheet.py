"""``sibkit termsheet``: a term sheet for a contract as Markdown, HTML, Word or PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from sibkit.atomic import write_bytes_atomic
from sibkit.cli.app import check_sheet_output, console, fail, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import SCENARIO_COUNT, OutputFile, force_option, lang_option
from sibkit.engine.simulate import SimulationTooLarge
from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.report.docx import render_docx
from sibkit.report.pdf import render_pdf
from sibkit.report.termsheet import render_termsheet

__all__ = ["termsheet"]

_SUFFIXES = {
    "md": (".md", ".markdown", ".txt"),
    "html": (".html", ".htm"),
    "docx": (".docx",),
    "pdf": (".pdf",),
}
"""The file names ``termsheet -o`` takes per ``--format``: a Word file named ``.html`` would open as neither."""


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@lang_option("Language of the sheet.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf"]), default="html", show_default=True)
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    default=None,
    help="Write to this file (atomically); without it, print to standard output.",
)
@force_option()
@click.option(
    "--simulate",
    "simulate_n",
    type=SCENARIO_COUNT,
    default=None,
    help="Add a Monte Carlo summary of this many scenarios (seed 0).",
)
def termsheet(file: str, lang: str, fmt: str, output: Path | None, force: bool, simulate_n: int | None) -> None:
    """A term sheet for the contract in FILE, in Dutch or English, as Markdown, standalone HTML or Word."""
    c = load_or_exit(file, lang=lang)
    words = Language(lang)
    try:
        check_sheet_output(output, fmt, _SUFFIXES, force, words, needs_file=("docx", "pdf"))
        data = _render(c, lang, fmt, simulate_n, to_stdout=output is None)
        if data is None:
            return
        assert output is not None
        with output_errors(output, words):
            write_bytes_atomic(output, data, overwrite=force)
    except SimulationTooLarge as exc:
        fail(refusal_text(exc))
    console(err=True).print(words.gettext("Term sheet written to %(path)s", path=output), markup=False)


def _render(c: Contract, lang: str, fmt: str, simulate_n: int | None, *, to_stdout: bool) -> bytes | None:
    """The sheet's bytes, or ``None`` when a text format was printed to standard output instead."""
    today = dt.date.today()
    if fmt == "docx":
        return render_docx(c, lang, today=today, simulate_n=simulate_n)
    if fmt == "pdf":
        try:
            return render_pdf(c, lang, today=today, simulate_n=simulate_n)
        except RuntimeError as exc:
            fail(refusal_text(exc))
    text = render_termsheet(c, lang, fmt, today=today, simulate_n=simulate_n)
    if to_stdout:
        click.echo(text, nl=False)
        return None
    return text.encode("utf-8")
