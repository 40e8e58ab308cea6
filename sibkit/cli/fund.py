"""``sibkit fund``: an outcomes fund over the years, with many contracts (``sibkit fund run``).

The fund file and its contracts are read by ``sibkit.fund_load``; every contract start is run by the
contract engine and placed on the fund's books by ``sibkit.engine.fund``. Tables and sentences are
written in the language asked for (``--lang``); ``--json`` writes every figure in cents, keys in
``docs/fund.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import click
import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sibkit.atomic import write_bytes_atomic
from sibkit.cli.app import (
    EXIT_USER_ERROR,
    SibkitGroup,
    _commands_speak,
    check_output_file,
    check_sheet_output,
    console,
    fail,
    header,
    main,
    output_errors,
)
from sibkit.cli.language import refusal_text
from sibkit.cli.options import MAX_SEED, MAX_WORKERS, SCENARIO_COUNT, OutputFile, force_option, lang_option
from sibkit.cli.tables import FittedTable
from sibkit.engine import ENGINE_LOOPS
from sibkit.engine.fund import RECYCLED, FundResults, FundWhy, contributor_charges, fund_run
from sibkit.engine.fund_simulate import (
    ClusterError,
    FundSimulationSummary,
    FundYearRisk,
    Setup,
    fund_simulate,
    prepare,
    summarise_fund,
)
from sibkit.engine.simulate import SimulationTooLarge
from sibkit.facts import N_
from sibkit.fund_load import FundFileError, LoadedFund, load_fund
from sibkit.i18n import LANGUAGES, Language
from sibkit.jit import compiled
from sibkit.report.fund import compute_fund, fund_chart, fund_chart_labels, render_fund_pdf, render_fund_sheet
from sibkit.report.words import FUND_ROLE, ROLE, grouped, table_rate, word

__all__ = [
    "fund_group",
    "fund_json",
    "fund_run_command",
    "fund_sheet_command",
    "fund_simulate_command",
    "simulation_json",
]



@main.group(name="fund", cls=SibkitGroup, help=N_("An outcomes fund: many contracts, one budget over the years."))
@click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    expose_value=False,
    callback=_commands_speak,
    help=N_("Language of the help, the messages and the command that follows (as its own --lang)."),
)
def fund_group() -> None:
    """The ``sibkit fund`` group (its help is the ``help=`` text, which the catalogue translates); its ``--lang``,
    like the ``sibkit`` group's, is the default of its commands' own."""


def _load(file: str, lang: str) -> LoadedFund:
    """The fund in ``file`` with its contracts, or its problems in ``lang`` and exit code 2."""
    try:
        loaded = load_fund(file)
    except FundFileError as exc:
        console(err=True).print(exc.show(lang), markup=False)
        sys.exit(EXIT_USER_ERROR)
    if sys.stderr.isatty() and not compiled(*ENGINE_LOOPS):  # as ``load_or_exit`` tells it for a contract
        notice = Language(lang).gettext("first run on this machine: compiling the engine (once, under a minute) …")
        console(err=True).print(f"sibkit: {notice}", markup=False)
    return loaded


@fund_group.command(
    name="run",
    help=N_(
        "Run every contract of the fund in FILE and print the fund's books: balance per year, committed liability,"
        " the first shortfall, contributors, money flowing back, and each party's account."
    ),
)
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--scenario",
    "scenario_name",
    help=N_("Run every contract in its scenario of this name (default: each contract's own or default scenario)."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print the fund's books as JSON (keys in docs/fund.md)."))
@click.option(
    "--chart",
    type=OutputFile(".png", ".svg"),
    default=None,
    help=N_("Write the chart of balance and committed liability over the years to this .png or .svg file."),
)
@force_option()
@lang_option(N_("Language of the tables."))
def fund_run_command(
    file: str, scenario_name: str | None, as_json: bool, chart: Path | None, force: bool, lang: str
) -> None:
    """``sibkit fund run FILE``: the fund's books as tables in ``lang``, or as JSON (money in cents); with
    ``--chart``, the fund's chart written to a file."""
    words = Language(lang)
    if chart is not None:
        check_output_file(chart, force, words)
    loaded = _load(file, lang)
    if scenario_name is not None:
        missing = sorted(
            name for name, c in loaded.contracts.items() if scenario_name not in [s.name for s in c.scenarios]
        )
        if missing:
            raise click.BadParameter(
                words.gettext(
                    "no scenario %(name)s in %(files)s", name=repr(scenario_name), files=", ".join(map(repr, missing))
                ),
                param_hint="--scenario",
            )
    signed, with_pipeline = fund_run(loaded.fund, loaded.contracts, scenario_name)
    if chart is not None:
        _write_chart(chart, signed, with_pipeline, words, force)
    if as_json:
        click.echo(json.dumps(fund_json(signed, with_pipeline, scenario_name), indent=2, ensure_ascii=False))
        return
    out = console()
    name = words.text(loaded.fund.name)
    out.print(header(words.gettext("%(name)s — outcomes fund", name=name), name))
    for table in (
        _contracts(signed, with_pipeline, words),
        *_years(signed, with_pipeline, words),
        _contributors(signed, words),
        *_back(signed, words),
        _accounts(signed, words),
    ):
        out.print(table)
    for line in _sentences(signed, with_pipeline, words):
        out.print(line, markup=False)
    if chart is not None:
        out.print(words.gettext("Chart written to %(path)s", path=chart), markup=False)


def _money(w: Language, r: FundResults, cents: int) -> str:
    return w.money(int(cents), r.fund.currency)


def _table(title: str, *columns: str, keys: int = 1) -> FittedTable:
    return FittedTable(title, columns, keys=keys)


def _contracts(r: FundResults, p: FundResults | None, w: Language) -> FittedTable:
    """One row per contract start: when, its term, its maximum, what the fund pays for it."""
    starts = p.starts if p is not None else r.starts
    t = _table(
        w.gettext("Contracts of the fund"),
        w.gettext("contract"),
        w.gettext("start"),
        w.gettext("term (months)"),
        w.gettext("maximum potential payment"),
        w.gettext("paid by the fund"),
        w.gettext("chance of approval"),
        keys=2,  # a contract may start several times: its start names the row
    )
    books = p if p is not None else r
    for s in starts:
        paid = sum(
            int(f.amounts.sum())
            for f in books.flows
            if f.source == books.fund.id
            and f.why in (FundWhy.OUTCOME_PAYMENT, FundWhy.CONTRACT_FEE)
            and f.ref == s.label
        )
        t.add_row(
            Path(s.file).stem,
            s.contract.timeline.start.isoformat()[:7],
            w.integer(s.term),
            w.money_or(s.maximum, r.fund.currency, w.gettext("unbounded")),
            _money(w, r, paid) + ("\xa0*" if s.pipeline else ""),
            w.percent(s.weight) if s.pipeline else w.gettext("signed"),
        )
    if p is not None:
        t.caption = w.gettext("* a pipeline entry: its amounts are counted at expected value (× its chance).")
    return t


def _years(r: FundResults, p: FundResults | None, w: Language) -> Iterator[FittedTable]:
    """The fund per calendar year: what came in and went out, then the balance against what it may still owe."""
    flows = _table(
        w.gettext("Money in and out of the fund per year"),
        w.gettext("year"),
        w.gettext("contributions"),
        w.gettext("money back"),
        w.gettext("loans in"),
        w.gettext("outcome payments"),
        w.gettext("fees"),
        w.gettext("loan service"),
    )
    per_year = [
        r.per_year(r.by_why[FundWhy.CONTRIBUTION]),
        r.per_year(r.total(*RECYCLED)),
        r.per_year(r.by_why[FundWhy.LOAN_DRAWN]),
        r.per_year(r.by_why[FundWhy.OUTCOME_PAYMENT]),
        r.per_year(r.total(FundWhy.FEE, FundWhy.CONTRACT_FEE)),
        r.per_year(r.total(FundWhy.INTEREST, FundWhy.PRINCIPAL)),
    ]
    for i, year in enumerate(r.years):
        flows.add_row(str(year), *(_money(w, r, column[i]) for column in per_year))
    yield flows
    cols = [
        w.gettext("year"),
        w.gettext("balance at year end"),
        w.gettext("committed liability"),
        w.gettext("cash and future contributions"),
    ]
    if p is not None:
        cols.append(w.gettext("balance with the pipeline"))
    stock = _table(w.gettext("The fund's cash against what it may still owe, at each year end"), *cols)
    balance, liability = r.year_end(r.balance), r.year_end(r.liability)
    cover = r.year_end(r.balance + r.future_contributions)
    unbounded = r.year_end(r.unbounded.astype("int64"))
    pipeline = p.year_end(p.balance) if p is not None else None
    for i, year in enumerate(r.years):
        owed = _money(w, r, liability[i]) + ("\xa0+" if unbounded[i] else "")  # no-break space: mark beside figure
        cells = [str(year), _money(w, r, balance[i]), owed, _money(w, r, cover[i])]
        if pipeline is not None:
            cells.append(_money(w, r, pipeline[i]))
        stock.add_row(*cells)
    if unbounded.any():
        stock.caption = w.gettext("+ a live contract has no maximum: the liability shown counts the others only.")
    yield stock




def _contributors(r: FundResults, w: Language) -> FittedTable:
    t = _table(
        w.gettext("Contributors"),
        w.gettext("contributor"),
        w.gettext("commitment"),
        w.gettext("paid in"),
        w.gettext("still to pay"),
        w.gettext("charged (contributions spent)"),
        w.gettext("charged, share of commitment"),
    )
    for c, (commitment, paid, charged) in zip(r.fund.contributors, contributor_charges(r), strict=True):
        share = w.rate(charged / commitment) if commitment else None
        t.add_row(
            w.text(c.name),
            _money(w, r, commitment),
            _money(w, r, paid),
            _money(w, r, max(commitment - paid, 0)),
            _money(w, r, charged),
            share or "–",
        )
    return t


def _back(r: FundResults, w: Language) -> Iterator[FittedTable]:
    """Money flowing back to the fund per year, by kind (only when any flows back)."""
    kinds = (
        (FundWhy.RECYCLED_RESIDUAL, w.gettext("contracts' residual")),
        (FundWhy.RECYCLED_CAPITAL, w.gettext("repaid capital")),
        (FundWhy.RECYCLED_SAVINGS, w.gettext("realised savings")),
    )
    per = {k: r.per_year(r.by_why[k]) for k, _ in kinds}
    if not any(v.any() for v in per.values()):
        return
    t = _table(w.gettext("Money flowing back to the fund"), w.gettext("year"), *(label for _, label in kinds))
    for i, year in enumerate(r.years):
        if any(per[k][i] for k, _ in kinds):
            t.add_row(str(year), *(_money(w, r, per[k][i]) for k, _ in kinds))
    yield t


def _roles(w: Language, roles: tuple[str, ...]) -> str:
    return ", ".join(w.translate(FUND_ROLE[x]) if x in FUND_ROLE else word(w, ROLE, x) for x in roles)


def _accounts(r: FundResults, w: Language) -> FittedTable:
    t = _table(
        w.gettext("Accounts across the fund and its contracts"),
        w.gettext("party"),
        w.gettext("pays"),
        w.gettext("receives"),
        w.gettext("net"),
        w.gettext("cashable savings"),
    )
    for a in r.accounts:
        if not (a.pays.any() or a.receives.any() or a.savings.any()):
            continue
        pays, receives, saved = int(a.pays.sum()), int(a.receives.sum()), int(a.savings.sum())
        t.add_row(
            f"{w.text(a.name)} ({_roles(w, a.roles)})",
            _money(w, r, pays),
            _money(w, r, receives),
            _money(w, r, receives - pays),
            _money(w, r, saved),
        )
    return t


def _sentences(r: FundResults, p: FundResults | None, w: Language) -> Iterator[str]:
    """The fund's verdicts: the first shortfall and the year it sustains itself, with and without the pipeline."""
    for books, with_pipeline in ((r, False), (p, True)):
        if books is None:
            continue
        prefix = "  " if with_pipeline else ""
        if with_pipeline:
            yield w.gettext("With the pipeline at expected value:")
        if books.first_shortfall is None:
            yield prefix + w.gettext("The fund can pay every verified result when it is due.")
        else:
            yield prefix + w.gettext(
                "First month the fund cannot pay a verified result in full: %(month)s;"
                " at its lowest the fund is short by %(short)s.",
                month=w.month(books.month_start(books.first_shortfall)),
                short=_money(w, books, books.shortfall),
            )
        low = int(np.argmin(books.balance))
        if books.balance[low] < 0 and books.first_shortfall is None:
            # every result is paid, but fees and loan service take the cash below zero: say so, as the sheet does
            yield prefix + w.gettext(
                "Its balance still falls below zero, paying fees and loans: at its lowest, in %(month)s, the fund"
                " is %(short)s short.",
                month=w.month(books.month_start(low)),
                short=_money(w, books, -int(books.balance[low])),
            )
        over = books.first_overcommitted
        if over is None:
            yield prefix + w.gettext(
                "The fund's cash and future contributions cover the maximum of every live contract."
            )
        else:
            yield prefix + w.gettext(
                "From %(month)s the committed liability exceeds the fund's cash and future contributions:"
                " if every live contract paid its maximum, the fund could not pay it all.",
                month=w.month(books.month_start(over)),
            )
        if books.sustaining_year is None:
            yield prefix + w.gettext("The fund does not sustain itself without new contributions within its books.")
        else:
            yield prefix + w.gettext(
                "From %(year)s on the fund sustains itself: it pays everything due without new contributions.",
                year=books.sustaining_year,
            )


def _books_json(r: FundResults) -> dict[str, Any]:
    """One run's books as JSON data (money in whole cents)."""
    first = r.first_shortfall
    return {
        "first_shortfall_month": first,
        "first_shortfall_date": None if first is None else r.month_start(first).isoformat()[:7],
        "shortfall_cents": r.shortfall,
        "first_below_zero_month": r.first_below_zero,
        "first_overcommitted_month": r.first_overcommitted,
        "sustaining_year": r.sustaining_year,
        "months": [
            {
                "month": t,
                "date": r.month_start(t).isoformat()[:7],
                "inflow_cents": int(r.inflow[t]),
                "outflow_cents": int(r.outflow[t]),
                "balance_cents": int(r.balance[t]),
                "liability_cents": int(r.liability[t]),
                "liability_unbounded": bool(r.unbounded[t]),
                "future_contributions_cents": int(r.future_contributions[t]),
                **{_key(why): int(r.by_why[why][t]) for why in r.by_why},
            }
            for t in range(r.months)
        ],
        "years": [
            {
                "year": year,
                "balance_cents": int(r.year_end(r.balance)[i]),
                "liability_cents": int(r.year_end(r.liability)[i]),
                "future_contributions_cents": int(r.year_end(r.future_contributions)[i]),
                **{_key(why): int(r.per_year(r.by_why[why])[i]) for why in r.by_why},
            }
            for i, year in enumerate(r.years)
        ],
    }


def _key(why: FundWhy) -> str:
    """A reason as a JSON key: ``contribution_cents``, ``recycled_savings_cents``."""
    return why.name.lower() + "_cents"


def fund_json(r: FundResults, p: FundResults | None, scenario: str | None) -> dict[str, Any]:
    """Everything ``sibkit fund run`` prints, as JSON data (keys in docs/fund.md; money in whole cents)."""
    return {
        "fund": r.fund.id,
        "name": str(r.fund.name),
        "currency": r.fund.currency,
        "start": r.fund.start.isoformat()[:7],
        "scenario": scenario,
        "contracts": [
            {
                "label": s.label,
                "file": s.file,
                "start": s.contract.timeline.start.isoformat()[:7],
                "first_month": s.offset,
                "term_months": s.term,
                "maximum_cents": s.maximum,
                "pipeline": s.pipeline,
                "probability": str(s.weight) if s.pipeline else None,
            }
            for s in (p.starts if p is not None else r.starts)
        ],
        **_books_json(r),
        "contributors": [
            {"id": c.id, "commitment_cents": commitment, "paid_in_cents": paid, "charged_cents": charged}
            for c, (commitment, paid, charged) in zip(r.fund.contributors, contributor_charges(r), strict=True)
        ],
        "accounts": [
            {
                "id": a.id,
                "name": str(a.name),
                "roles": list(a.roles),
                "pays_cents": int(a.pays.sum()),
                "receives_cents": int(a.receives.sum()),
                "savings_cents": int(a.savings.sum()),
                "years": [
                    {
                        "year": y,
                        "pays_cents": int(a.pays[i]),
                        "receives_cents": int(a.receives[i]),
                        "savings_cents": int(a.savings[i]),
                    }
                    for i, y in enumerate(a.years)
                ],
            }
            for a in r.accounts
        ],
        "with_pipeline": None if p is None else _books_json(p),
    }


def _write_chart(
    path: Path, signed: FundResults, with_pipeline: FundResults | None, words: Language, force: bool
) -> None:
    """``fund run --chart``: the fund's chart in ``words``' language, written atomically (PNG or SVG by name)."""
    fmt: Literal["png", "svg"] = "png" if path.suffix.lower() == ".png" else "svg"
    image = fund_chart(signed, with_pipeline, fmt, labels=fund_chart_labels(words), lang=words)
    with output_errors(path, words):
        write_bytes_atomic(path, image, overwrite=force)


_SHEET_SUFFIXES = {"md": (".md", ".markdown", ".txt"), "html": (".html", ".htm"), "pdf": (".pdf",)}
"""The file names ``fund sheet -o`` takes per ``--format``."""


@fund_group.command(
    name="sheet",
    help=N_(
        "A summary sheet of the fund in FILE for a council: the decision on page 1, then the contracts, the"
        " books per year, the contributors, the money flowing back, each party's account, the chart and the"
        " assumptions; as Markdown, standalone HTML or PDF."
    ),
)
@click.argument("file", type=click.Path(path_type=str))
@lang_option(N_("Language of the fund sheet."))
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default="html", show_default=True)
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    default=None,
    help=N_("Write to this file (atomically); without it, print to standard output."),
)
@force_option()
@click.option(
    "--scenario",
    "scenario_name",
    help=N_("Run every contract in its scenario of this name (default: each contract's own or default scenario)."),
)
def fund_sheet_command(
    file: str, lang: str, fmt: str, output: Path | None, force: bool, scenario_name: str | None
) -> None:
    """``sibkit fund sheet FILE``: the fund summary sheet, written atomically to ``-o`` (refusing to replace a
    file without ``--force``) or printed; a failed render writes nothing."""
    words = Language(lang)
    check_sheet_output(output, fmt, _SHEET_SUFFIXES, force, words, needs_file=("pdf",))
    loaded = _load(file, lang)
    _check_scenario(loaded, scenario_name, words)
    today = dt.date.today()
    books = compute_fund(loaded, scenario_name)
    if fmt == "pdf":
        try:
            data = render_fund_pdf(loaded, lang, today=today, scenario=scenario_name, books=books)
        except RuntimeError as exc:
            fail(refusal_text(exc))
    else:
        text = render_fund_sheet(loaded, lang, fmt, today=today, scenario=scenario_name, books=books)
        if output is None:
            click.echo(text, nl=False)
            return
        data = text.encode("utf-8")
    assert output is not None
    with output_errors(output, words):
        write_bytes_atomic(output, data, overwrite=force)
    console(err=True).print(words.gettext("Fund sheet written to %(path)s", path=output), markup=False)


def _check_scenario(loaded: LoadedFund, scenario_name: str | None, words: Language) -> None:
    """Refuse (exit 2) a ``--scenario`` that a contract of the fund does not have, as ``fund run`` does."""
    if scenario_name is None:
        return
    missing = sorted(name for name, c in loaded.contracts.items() if scenario_name not in [s.name for s in c.scenarios])
    if missing:
        raise click.BadParameter(
            words.gettext(
                "no scenario %(name)s in %(files)s", name=repr(scenario_name), files=", ".join(map(repr, missing))
            ),
            param_hint="--scenario",
        )


# --- sibkit fund simulate ------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*):[0-9]{1,5}$")
"""A Dask scheduler's address: ``tcp://host:8786``, ``tls://10.0.0.5:8786`` or ``host:8786``."""


def _scheduler_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--scheduler``: a scheduler address, checked before anything runs (exit 2 with a clear message)."""
    if value is None:
        return None
    if not _ADDRESS.match(value.strip()) or int(value.rsplit(":", 1)[1]) > 65535:
        lang = ctx.params.get("lang") or "en"
        raise click.BadParameter(
            Language(lang).gettext(
                "expected the address of a Dask scheduler, such as tcp://10.0.0.5:8786, got %(got)s", got=repr(value)
            )
        )
    return value.strip()


@fund_group.command(
    name="simulate",
    help=N_(
        "Draw N scenarios of every contract of the fund in FILE together (a shared factor and each contract's own"
        " uncertainty; pipeline entries approved by chance) and print, per year, what the fund pays, its cash and"
        " the chance it runs short."
    ),
)
@click.argument("file", type=click.Path(path_type=str))
@click.option("--n", "n", type=SCENARIO_COUNT, default=5_000, show_default=True, help=N_("Scenarios to draw."))
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=MAX_SEED),
    default=0,
    show_default=True,
    help=N_("Random seed (0 or more)."),
)
@click.option(
    "--block",
    type=SCENARIO_COUNT,
    default=4_096,
    show_default=True,
    help=N_("Scenarios per block of work (rounded to whole chunks of 4,096); does not change the results."),
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=None,
    help=N_("Worker processes on this machine (default: all cores); does not change the results."),
)
@click.option(
    "--scheduler",
    default=None,
    callback=_scheduler_address,
    help=N_("Run the blocks on the Dask cluster whose scheduler has this address (tcp://host:8786) instead."),
)
@click.option("--json", "as_json", is_flag=True, help=N_("Print the figures as JSON (money in cents)."))
@lang_option(N_("Language of the tables."))
def fund_simulate_command(
    file: str, n: int, seed: int, block: int, workers: int | None, scheduler: str | None, as_json: bool, lang: str
) -> None:
    """``sibkit fund simulate FILE``: per-year risks of the fund over ``n`` drawn scenarios, tables or JSON."""
    words = Language(lang)
    if scheduler is not None and workers is not None:
        raise click.UsageError(
            words.gettext("--workers is for a run on this machine; with --scheduler the cluster's workers run it")
        )
    loaded = _load(file, lang)
    setup = prepare(loaded.fund, loaded.contracts)
    summary = _simulated(setup, n, seed, block, workers, scheduler, quiet=as_json, words=words)
    if as_json:
        click.echo(json.dumps(simulation_json(setup, summary), indent=2, ensure_ascii=False))
        return
    out = console()
    name = words.text(loaded.fund.name)
    title = words.gettext(
        "%(name)s — %(n)s scenarios, seed %(seed)s", name=name, n=grouped(words, n), seed=summary.seed
    )
    out.print(header(title, name))
    for table in _simulation_tables(setup, summary, words):
        out.print(table)
    for line in _simulation_sentences(setup, summary, words):
        out.print(line, markup=False)


def _simulated(
    setup: Setup,
    n: int,
    seed: int,
    block: int,
    workers: int | None,
    scheduler: str | None,
    *,
    quiet: bool,
    words: Language,
) -> FundSimulationSummary:
    """Run the fund simulation with a progress bar on standard error (none when ``quiet``); a cluster that
    cannot be used exits with code 2 and says why."""
    err = console(err=True)
    columns = (TextColumn(words.gettext("simulating")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("simulate", total=None)
        try:
            sim = fund_simulate(
                setup,
                n,
                seed,
                block=block,
                workers=workers,
                scheduler=scheduler,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except ClusterError as exc:
            bar.stop()
            err.print(words.gettext("the Dask cluster cannot be used: %(reason)s", reason=str(exc)), markup=False)
            sys.exit(EXIT_USER_ERROR)
        except SimulationTooLarge as exc:
            bar.stop()
            err.print(refusal_text(exc), markup=False)
            sys.exit(EXIT_USER_ERROR)
    return summarise_fund(sim)


def _shown_years(summary: FundSimulationSummary) -> list[FundYearRisk]:
    """The years worth a row: those with outcome payments or a chance of running short in some scenario, and the
    last year of the books (its balance is what the fund ends with)."""
    rows = [y for y in summary.years if y.outcome_p95 > 0 or y.chance_dry > 0 or y.balance_p5 != y.balance_p95]
    if summary.years and (not rows or rows[-1] is not summary.years[-1]):
        rows.append(summary.years[-1])
    return rows


def _simulation_tables(setup: Setup, summary: FundSimulationSummary, w: Language) -> Iterator[FittedTable]:
    """What the fund pays for results per year; its cash at each year end and the chance it runs short."""
    currency = setup.fund.currency

    def money(cents: int) -> str:
        return w.money(cents, currency)

    pays = _table(
        w.gettext("What the fund pays for results per year"),
        w.gettext("year"),
        w.gettext("low (P5)"),
        w.gettext("median (P50)"),
        w.gettext("high (P95)"),
    )
    cash = _table(
        w.gettext("The fund's cash at each year end, and the chance it runs short"),
        w.gettext("year"),
        w.gettext("bad year (P5)"),
        w.gettext("median (P50)"),
        w.gettext("chance of running short"),
        w.gettext("short by (P95)"),
    )
    for y in summary.years:
        if y.outcome_p95 > 0:
            pays.add_row(str(y.year), money(y.outcome_p5), money(y.outcome_p50), money(y.outcome_p95))
    for y in _shown_years(summary):
        cash.add_row(
            str(y.year), money(y.balance_p5), money(y.balance_p50), table_rate(w, y.chance_dry), money(y.shortfall_p95)
        )
    pays.caption = w.gettext(
        "In 1 scenario in 20 the fund pays more than the high figure that year. Years without payments are left out."
    )
    cash.caption = w.gettext(
        "Running short: the fund's cash is below zero at some month end of the year, so it cannot pay everything"
        " due (results, fees, loan service) from its own money. Short by: how far below zero, at its lowest."
    )
    yield pays
    yield cash


def _simulation_sentences(setup: Setup, summary: FundSimulationSummary, w: Language) -> Iterator[str]:
    """The verdicts: how the contracts were drawn, what the contributors pay, and whether the money lasts."""
    fund = setup.fund
    yield w.gettext(
        "Each contract is drawn from its own uncertainty; %(shared)s of the variance is shared by all contracts"
        " (a good or bad year for all of them at once).",
        shared=w.percent(fund.simulation.shared),
    )
    pipeline = sum(1 for s in setup.starts if s.pipeline)
    if pipeline:
        yield w.ngettext(
            "%(count)s pipeline start is approved, or not, by chance in each scenario (with its probability).",
            "%(count)s pipeline starts are approved, or not, by chance in each scenario (with their probability).",
            pipeline,
            count=pipeline,
        )
    contributed = int(setup.fixed[FundWhy.CONTRIBUTION].sum())
    yield w.gettext(
        "The contributors pay in %(total)s on their schedules in every scenario; what varies is what the fund"
        " pays out, and so how long the money lasts.",
        total=w.money(contributed, fund.currency),
    )
    if summary.chance_any_shortfall == 0:
        yield w.gettext(
            "In none of the %(n)s scenarios does the fund run short: it can pay every verified result.",
            n=grouped(w, summary.n),
        )
        return
    yield w.gettext(
        "In %(chance)s of the scenarios the fund runs short at some point: it cannot pay everything due"
        " (results, fees, loan service) from its own money.",
        chance=table_rate(w, summary.chance_any_shortfall),
    )
    yield w.gettext(
        "At worst (1 scenario in 20) it would need %(short)s more.",
        short=w.money(summary.shortfall_p95, fund.currency),
    )
    if summary.first_dry_year_p5 is not None:
        yield w.gettext(
            "By %(year)s the fund has run short in at least 1 scenario in 20.", year=summary.first_dry_year_p5
        )


def simulation_json(setup: Setup, summary: FundSimulationSummary) -> dict[str, Any]:
    """Everything ``sibkit fund simulate`` prints, as JSON data (keys in docs/fund.md; money in whole cents)."""
    fund = setup.fund
    return {
        "fund": fund.id,
        "name": str(fund.name),
        "currency": fund.currency,
        "n": summary.n,
        "seed": summary.seed,
        "shared": str(summary.shared),
        "starts": [
            {"label": s.label, "pipeline": s.pipeline, "probability": str(s.weight) if s.pipeline else None}
            for s in setup.starts
        ],
        "contributions_cents": int(setup.fixed[FundWhy.CONTRIBUTION].sum()),
        "chance_any_shortfall": summary.chance_any_shortfall,
        "shortfall_p95_cents": summary.shortfall_p95,
        "first_dry_year_p5": summary.first_dry_year_p5,
        "years": [
            {
                "year": y.year,
                "outcome_payments_p5_cents": y.outcome_p5,
                "outcome_payments_p50_cents": y.outcome_p50,
                "outcome_payments_p95_cents": y.outcome_p95,
                "balance_p5_cents": y.balance_p5,
                "balance_p50_cents": y.balance_p50,
                "balance_p95_cents": y.balance_p95,
                "shortfall_p50_cents": y.shortfall_p50,
                "shortfall_p95_cents": y.shortfall_p95,
                "chance_dry": y.chance_dry,
            }
            for y in summary.years
        ],
    }
