"""``sibkit workbook``: the contract and its results as an Excel workbook a controller can audit."""

from __future__ import annotations

from pathlib import Path

import click

from sibkit.atomic import write_bytes_atomic
from sibkit.cli.app import check_output_file, console, fail, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import SCENARIO_COUNT, OutputFile, force_option, lang_option
from sibkit.cli.results import scenarios_named
from sibkit.engine.simulate import SimulationTooLarge
from sibkit.i18n import Language
from sibkit.report.workbook import workbook_bytes

__all__ = ["workbook"]


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("-o", "--output", type=OutputFile(".xlsx"), required=True, help="The .xlsx file to write (atomically).")
@lang_option("Language of the sheets, headers and number formats.")
@click.option(
    "--scenario",
    "scenario_name",
    default=None,
    help="The scenario of the accounts, cash flows, ledger and tranches (default: base, or the first).",
)
@click.option(
    "--simulate",
    "simulate_n",
    type=SCENARIO_COUNT,
    default=None,
    help="Add a Monte Carlo summary of this many scenarios (seed 0).",
)
@force_option()
def workbook(
    file: str, output: Path, lang: str, scenario_name: str | None, simulate_n: int | None, force: bool
) -> None:
    """An Excel workbook of the contract in FILE: totals and returns as live formulas beside the engine's figures."""
    c = load_or_exit(file, lang=lang)
    words = Language(lang)
    scenario = scenarios_named(c, scenario_name, lang)[0] if scenario_name is not None else None
    check_output_file(output, force, words)
    try:
        data = workbook_bytes(c, lang, scenario=scenario, simulate_n=simulate_n)
    except SimulationTooLarge as exc:
        fail(refusal_text(exc))
    with output_errors(output, words):
        write_bytes_atomic(output, data, overwrite=force)
    console(err=True).print(words.gettext("Workbook written to %(path)s", path=output), markup=False)
