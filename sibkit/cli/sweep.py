"""``sibkit sweep``: payoff curves against the success level, with break-even points and a chart."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import attrs
import click
from babel.numbers import get_decimal_symbol

from sibkit.atomic import write_bytes_atomic
from sibkit.cli.app import check_output_file, console, header, load_or_exit, main, output_errors
from sibkit.cli.options import OutputFile, SuccessRange, force_option, lang_option
from sibkit.cli.results import scenarios_named
from sibkit.cli.tables import FittedTable, Justify
from sibkit.engine import default_scenario
from sibkit.i18n import LANGUAGES, Language
from sibkit.model import Contract
from sibkit.report.charts import payoff_chart
from sibkit.report.termsheet import chart_labels
from sibkit.report.words import break_even_sentence, party_name, table_money, table_rate
from sibkit.sweep import BreakEven, Sweep
from sibkit.sweep import sweep as run_sweep

__all__ = ["sweep_command"]


@main.command(name="sweep")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--success",
    "levels",
    type=SuccessRange(),
    default="0:1.5:31",
    show_default=True,
    help="Success levels start:stop:count, as factors of the scenario's rates.",
)
@click.option("--scenario", "scenario_name", help="The scenario to scale (default: base, or the first).")
@click.option(
    "--chart",
    type=OutputFile(".png", ".svg"),
    default=None,
    help="Write the payoff chart to this .png or .svg file.",
)
@force_option()
@click.option("--json", "as_json", is_flag=True, help="Print the curves and break-even points as JSON.")
@lang_option("Language of the table, the break-even sentences and the chart.")
def sweep_command(
    file: str,
    levels: tuple[Decimal, ...],
    scenario_name: str | None,
    chart: Path | None,
    force: bool,
    as_json: bool,
    lang: str,
) -> None:
    """Payoff curves: payer cost, provider margins and investor IRRs against the success level."""
    c = load_or_exit(file, lang=lang)
    words = Language(lang)
    if chart is not None:
        check_output_file(chart, force, words)
    sc = scenarios_named(c, scenario_name, lang)[0] if scenario_name is not None else default_scenario(c)
    curves = run_sweep(c, levels, sc)
    if chart is not None:
        fmt: Literal["png", "svg"] = "png" if chart.suffix.lower() == ".png" else "svg"
        image = payoff_chart(curves, c, fmt=fmt, labels=chart_labels(words), locale=words.locale)
        with output_errors(chart, words):
            write_bytes_atomic(chart, image, overwrite=force)
    if as_json:
        click.echo(json.dumps(_json(c, curves), indent=2))
        return
    out = console()
    title = words.gettext(
        "%(name)s — scenario '%(scenario)s' scaled from %(low)s to %(high)s",
        name=c.name,
        scenario=curves.scenario,
        low=_level(words, float(levels[0])),
        high=_level(words, float(levels[-1])),
    )
    out.print(header(title, words.text(c.name)))
    out.print(_table(c, curves, words))
    for b in curves.break_even:
        out.print(f"• {_sentence(c, curves, b, words)}", markup=False)
    if chart is not None:
        out.print(words.gettext("Chart written to %(path)s", path=chart), markup=False)


def _level(words: Language, x: float) -> str:
    """A success level in a table or heading, as short as Python writes it (``0.05``), with the locale's mark."""
    return f"{x:g}".replace(".", get_decimal_symbol(words.locale))


def _sentence(c: Contract, curves: Sweep, point: BreakEven, words: Language) -> str:
    """``point`` as one sentence in ``words``' language."""
    return break_even_sentence(words, point, party_name(words, c, point), curves.scenario, curves.levels)


def _table(c: Contract, curves: Sweep, words: Language) -> FittedTable:
    """One row per level: what each payer pays, each provider's margin, each tranche's IRR."""
    columns = [
        words.gettext("success"),
        *(words.gettext("%(id)s pays", id=payer_id) for payer_id in curves.payer_cost),
        *(words.gettext("%(id)s margin", id=prov_id) for prov_id in curves.provider_margin),
        *(words.gettext("%(id)s IRR", id=tranche_id) for tranche_id in curves.tranche_irr),
    ]
    right: Justify = "right"
    t = FittedTable(words.gettext("Payoff curves"), columns, justify=[right for _ in columns])
    for i, level in enumerate(curves.levels):
        t.add_row(
            _level(words, level),
            *(table_money(words, int(v[i]), c.currency) for v in curves.payer_cost.values()),
            *(table_money(words, int(v[i]), c.currency) for v in curves.provider_margin.values()),
            *(table_rate(words, float(v[i])) for v in curves.tranche_irr.values()),
        )
    return t


def _json(c: Contract, curves: Sweep) -> dict[str, Any]:
    """The curves and break-even points as JSON-ready data (keys in docs/uncertainty.md)."""
    return {
        "scenario": curves.scenario,
        "levels": list(curves.levels),
        "payer_cost_cents": {k: v.tolist() for k, v in curves.payer_cost.items()},
        "provider_margin_cents": {k: v.tolist() for k, v in curves.provider_margin.items()},
        "tranche_irr": {k: [None if math.isnan(x) else x for x in v.tolist()] for k, v in curves.tranche_irr.items()},
        "break_even": [
            {
                **attrs.asdict(b),
                # one sentence per language: "description" in English, "description_<code>" in the others
                **{
                    "description" if code == "en" else f"description_{code}": _sentence(c, curves, b, Language(code))
                    for code in LANGUAGES
                },
            }
            for b in curves.break_even
        ],
    }
