"""``sibkit simulate``: Monte Carlo over the contract's uncertainty, the risks per party."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sibkit.cli.app import EXIT_USER_ERROR, check_output_file, console, fail, header, load_or_exit, main, output_errors
from sibkit.cli.language import refusal_text
from sibkit.cli.options import MAX_SEED, MAX_WORKERS, SCENARIO_COUNT, OutputFile, force_option, lang_option
from sibkit.cli.tables import FittedTable
from sibkit.engine.simulate import Simulation, SimulationTooLarge, Summary, export, summarise
from sibkit.engine.simulate import simulate as run_simulation
from sibkit.i18n import N_, Language
from sibkit.model import Contract
from sibkit.report.words import grouped, table_money, table_rate

__all__ = ["simulate"]


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("--n", "n", type=SCENARIO_COUNT, default=10_000, show_default=True, help="Scenarios to draw.")
@click.option(
    "--seed", type=click.IntRange(min=0, max=MAX_SEED), default=0, show_default=True, help="Random seed (0 or more)."
)
@click.option(
    "--block",
    type=SCENARIO_COUNT,
    default=8_192,
    show_default=True,
    help="Scenarios per block of work (rounded to whole chunks of 4,096); does not change the results.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option(
    "--out",
    type=OutputFile(".csv", ".parquet"),
    default=None,
    help="Write per-scenario metrics to this .csv or .parquet file.",
)
@force_option()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@lang_option("Language of the tables.")
def simulate(
    file: str,
    n: int,
    seed: int,
    block: int,
    workers: int | None,
    out: Path | None,
    force: bool,
    as_json: bool,
    lang: str,
) -> None:
    """Monte Carlo: draw N scenarios from the contract's uncertainty and report the risks per party."""
    c = load_or_exit(file, lang=lang)
    words = Language(lang)
    if out is not None:
        check_output_file(out, force, words)
    sim = _draw(c, n, seed, block, workers, quiet=as_json, words=words)
    summ = summarise(c, sim)
    if out is not None:
        try:
            with output_errors(out, words):
                export(sim, str(out), overwrite=force)
        except ValueError as exc:
            fail(f"{out}: {refusal_text(exc)}")
    if as_json:
        click.echo(json.dumps(attrs.asdict(summ), indent=2, default=_json_number))
        return
    con = console()
    title = words.gettext("%(name)s — %(n)s scenarios, seed %(seed)s", name=c.name, n=grouped(words, n), seed=seed)
    con.print(header(title, words.text(c.name)))
    for table in _tables(summ, words, c.currency):
        con.print(table)


def _draw(
    c: Contract, n: int, seed: int, block: int, workers: int | None, *, quiet: bool, words: Language
) -> Simulation:
    """Run the simulation with a progress bar on standard error (none when ``quiet``), labelled in ``words``'s
    language; exit 2 when too large."""
    err = console(err=True)
    columns = (TextColumn(words.gettext("simulating")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("simulate", total=n)
        try:
            return run_simulation(
                c, n, seed, block=block, workers=workers, progress=lambda done: bar.update(task, completed=done)
            )
        except SimulationTooLarge as exc:
            err.print(refusal_text(exc), markup=False)
            sys.exit(EXIT_USER_ERROR)


def _table(words: Language, title: str, columns: Sequence[str]) -> FittedTable:
    return FittedTable(title, [words.translate(column) for column in columns])


def _tables(summ: Summary, words: Language, currency: str) -> list[FittedTable]:
    """The investors' table (when there are tranches), the payers', every party's account and the providers'."""

    def money(cents: float | None) -> str:
        return table_money(words, cents, currency)

    def rate(x: float) -> str:
        return table_rate(words, x)

    tables = []
    if summ.tranches:
        columns = (N_("tranche"), N_("chance of loss"), N_("expected loss"), "IRR P5", "IRR P50", "IRR P95")
        t = _table(words, words.gettext("Investors"), (*columns, N_("no IRR")))
        for tr in summ.tranches:
            irrs = (rate(tr.irr_p5), rate(tr.irr_p50), rate(tr.irr_p95))
            t.add_row(tr.id, rate(tr.chance_of_loss), money(tr.expected_loss), *irrs, rate(tr.irr_undefined))
        tables.append(t)
    payer_columns = (N_("payer"), N_("expected"), "P50", "P95", N_("maximum"), N_("chance over budget"))
    t = _table(words, words.gettext("Payers (outcome payments, VAT and fees)"), payer_columns)
    for p in summ.payers:
        over = words.gettext("no budget") if p.chance_over_budget is None else rate(p.chance_over_budget)
        t.add_row(p.id, money(p.expected), money(p.p50), money(p.p95), money(p.maximum), over)
    tables.append(t)
    account_columns = (N_("party"), N_("expected"), "P50", "P95", N_("maximum"), N_("expected savings"))
    t = _table(words, words.gettext("Accounts (what each party pays, and saves in its own budgets)"), account_columns)
    for a in summ.accounts:
        pays = (money(a.expected_pays), money(a.pays_p50), money(a.pays_p95), money(a.pays_maximum))
        t.add_row(a.name, *pays, money(a.expected_savings))
        for y in a.years:
            label = "  " + words.gettext("in %(year)s", year=y.year)
            t.add_row(label, money(y.expected), "", money(y.p95), money(y.maximum), money(y.expected_savings))
    tables.append(t)
    stated = [(a, y) for a in summ.accounts for y in a.years if y.appropriated is not None]
    if stated:
        year_columns = (N_("party"), N_("year"), N_("appropriated"), N_("chance over it"), N_("excess P95"))
        t = _table(words, words.gettext("Appropriations per budget year"), year_columns)
        for a, y in stated:
            chance = rate(y.chance_over_appropriation or 0.0)
            t.add_row(a.name, str(y.year), money(y.appropriated), chance, money(y.excess_p95 or 0.0))
        tables.append(t)
    provider_columns = (N_("provider"), N_("expected margin"), N_("chance cash < 0"), N_("chance cash < minimum"))
    t = _table(words, words.gettext("Providers"), (*provider_columns, N_("lowest cash P5")))
    for pr in summ.providers:
        chances = (rate(pr.chance_below_zero), rate(pr.chance_below_minimum))
        t.add_row(pr.id, money(pr.expected_margin), *chances, money(pr.lowest_cash_p5))
    tables.append(t)
    return tables


def _json_number(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    raise TypeError(type(value).__name__)
