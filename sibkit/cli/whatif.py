"""``sibkit whatif``: one self-contained HTML page with a slider per lever, for a course room."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Literal, cast

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sibkit.atomic import write_bytes_atomic
from sibkit.cli.app import check_output_file, console, fail, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import OutputFile, force_option, lang_option
from sibkit.i18n import Language
from sibkit.report.whatif import LeverError, build_grid, default_levers, parse_lever, render_whatif

__all__ = ["whatif"]

MAX_POINTS = 100_000
"""The most grid points one page may have (the product of the levers' levels): beyond, the build takes
minutes and the page grows past what an e-mail carries."""


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@lang_option("Language of the page.")
@click.option(
    "-o",
    "--output",
    type=OutputFile(".html", ".htm"),
    required=True,
    help="Write the page to this HTML file (atomically).",
)
@force_option()
@click.option(
    "--lever",
    "lever_specs",
    multiple=True,
    metavar="NAME[=LO:HI:STEPS]",
    help="A slider and its range (repeatable; replaces the default sliders): success, success.METRIC, "
    "enrolment.PROVIDER, price, weight.METRIC, buffer.PROVIDER, lag, cap, frequency, investor.",
)
@click.option(
    "--checks",
    "coverage",
    type=click.Choice(["auto", "all", "star"]),
    default="auto",
    show_default=True,
    help="Where the page shows which checks turn red: at every slider position (all), only where at most one "
    "slider is moved (star, much quicker on a large grid), or all up to 20,000 positions and star beyond (auto).",
)
def whatif(file: str, lang: str, output: Path, force: bool, lever_specs: tuple[str, ...], coverage: str) -> None:
    """A what-if page for the contract in FILE: sliders, and who pays, saves and runs short; opens offline."""
    words = Language(lang)
    c = load_or_exit(file, lang=lang)
    check_output_file(output, force, words)
    try:
        levers = tuple(parse_lever(s, c) for s in lever_specs) if lever_specs else default_levers(c)
    except LeverError as exc:
        raise click.BadParameter(refusal_text(exc), param_hint="--lever") from None
    names = [lv.name for lv in levers]
    if len(set(names)) != len(names):
        raise click.BadParameter(words.gettext("each lever may be given once"), param_hint="--lever")
    points = math.prod(len(lv.levels) for lv in levers)
    if points > MAX_POINTS:
        raise click.BadParameter(
            words.gettext(
                "%(points)s grid positions is too many (at most %(most)s): fewer levers or fewer steps",
                points=words.integer(points),
                most=words.integer(MAX_POINTS),
            ),
            param_hint="--lever",
        )
    started = time.perf_counter()
    columns = (TextColumn(words.gettext("computing the grid")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console(err=True), transient=True) as bar:
        task = bar.add_task("grid", total=None)
        try:
            grid = build_grid(
                c,
                levers,
                checks=cast(Literal["auto", "all", "star"], coverage),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except LeverError as exc:
            bar.stop()
            fail(refusal_text(exc))
    html = render_whatif(c, grid, lang).encode("utf-8")
    seconds = time.perf_counter() - started
    with output_errors(output, words):
        write_bytes_atomic(output, html, overwrite=force)
    err = console(err=True)
    shape = " × ".join(str(len(lv.levels)) for lv in levers)
    err.print(
        words.gettext(
            "Grid: %(points)s positions (%(shape)s), built in %(seconds)s s; page %(size)s kB",
            points=words.integer(grid.size),
            shape=shape,
            seconds=words.decimal(round(seconds, 1)),
            size=words.integer(math.ceil(len(html) / 1000)),
        ),
        markup=False,
    )
    err.print(words.gettext("What-if page written to %(path)s", path=output), markup=False)
