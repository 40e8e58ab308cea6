"""The ``sibkit`` command line: validate and show contracts (more commands join as they land).

Exit status: 0 when all went well, 1 when a check found what it was asked to
fail on, 2 for a user's mistake (a bad file, a wrong option), 3 for an internal
error of sibkit (money that did not reconcile). A user's mistake never prints a
traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sibkit.atomic import check_output, write_bytes_atomic
from sibkit.checks import Finding, run_checks
from sibkit.checks.finding import amount_text
from sibkit.checks.search import (
    AboveMaximum,
    Counterexample,
    OrderDependence,
    SearchNotRun,
    find_non_monotone,
    find_order_dependence,
    find_payment_above_maximum,
)
from sibkit.engine import (
    ENGINE_LOOPS,
    Batch,
    Results,
    break_even_success,
    default_scenario,
    deterministic_batch,
    run_scenarios,
    stack,
)
from sibkit.engine.irr import IRR_REASONS
from sibkit.engine.maximum import maximum_payment
from sibkit.engine.simulate import SimulationTooLarge, export, summarise
from sibkit.engine.simulate import simulate as run_simulation
from sibkit.errors import ContractFileError, EngineError
from sibkit.i18n import LANGUAGES, LOCALES, Language
from sibkit.jit import compiled
from sibkit.load import load_contract
from sibkit.model import Contract, Grant, Loan, Scenario
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import cents_to_decimal, format_money
from sibkit.report import summary
from sibkit.report.charts import payoff_chart
from sibkit.report.docx import render_docx
from sibkit.report.explain import explain
from sibkit.report.overview import render_markdown
from sibkit.report.pdf import render_pdf
from sibkit.report.termsheet import chart_labels, render_termsheet
from sibkit.report.words import break_even_sentence, party_name
from sibkit.starters import KINDS, LANGS, write_starter
from sibkit.sweep import MAX_SUCCESS, BreakEven, Sweep, parse_range, parse_success
from sibkit.sweep import sweep as run_sweep

__all__ = ["main"]

EXIT_USER_ERROR = 2

_CURRENCY: ContextVar[str] = ContextVar("currency", default="EUR")
"""The currency of the contract this command works on (one contract per command)."""


def _fmt(cents: int) -> str:
    return format_money(cents, _CURRENCY.get())


def _console(err: bool = False) -> Console:
    """A console that prints text as it is: contract files are data, so a name such as ``[x]`` is never
    read as Rich markup (styles are given as ``Text`` objects instead), nor ``:smile:`` as an emoji code.
    The loader has refused every control character in contract text, so none reaches the terminal."""
    return Console(stderr=err, highlight=False, soft_wrap=True, markup=False, emoji=False)


def _lang_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--lang en|nl`` option, one definition for every command that writes in a language."""
    return click.option("--lang", type=click.Choice(list(LANGUAGES)), default="en", show_default=True, help=help_text)


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
            self.fail(str(exc), param, ctx)


class _SuccessRange(_RangeType):
    """Success levels ``start:stop:count`` (``sweep --success``), read by ``sweep.parse_range``."""

    name = "start:stop:count"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[Decimal, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_range(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _either(words: Sequence[str]) -> str:
    """``.a``, ``.a or .b``, ``.a, .b or .c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


class _OutputFile(_PathType):
    """A file a command writes (``termsheet -o``, ``simulate --out``, ``sweep --chart``, ``new -o``).

    Its type is checked as the command line is read (by its extension, when the command writes only
    some types), so a wrong name is refused before any work is done; whether it may be written (the
    output policy of ``sibkit.atomic``) is checked by ``_check_output`` once ``--force`` is known.
    """

    name = "file"

    def __init__(self, *suffixes: str) -> None:
        self.suffixes = suffixes

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        text = str(value)
        if not text or "\x00" in text:
            self.fail(f"expected a file name, got {text!r}", param, ctx)
        path = Path(text)
        if self.suffixes and path.suffix.lower() not in self.suffixes:
            self.fail(f"expected a {_either(self.suffixes)} file, got {text!r}", param, ctx)
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


def _force_option(
    help_text: str = "Replace an existing output file.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--force``, one definition for every command that writes a file."""
    return click.option("--force", is_flag=True, help=help_text)


def _fail(message: str) -> NoReturn:
    """Print ``message`` on standard error and exit with code 2 (a user's mistake)."""
    _console(err=True).print(message, markup=False)
    sys.exit(EXIT_USER_ERROR)


@contextmanager
def _output_errors(path: Path) -> Iterator[None]:
    """Every command's one way of saying that it cannot write ``path``: ``PATH: reason``, exit 2."""
    try:
        yield
    except FileExistsError:
        _fail(f"{path}: the file exists; use --force to replace it")
    except IsADirectoryError:
        _fail(f"{path}: is a folder; give a file name")
    except (FileNotFoundError, NotADirectoryError) as exc:
        folder = path.parent
        if not folder.exists():
            _fail(f"{path}: the folder {folder} does not exist")
        if not folder.is_dir():
            _fail(f"{path}: {folder} is not a folder")
        _fail(f"{path}: cannot write: {exc.strerror or exc}")
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror or exc}")


def _check_output(path: Path, force: bool) -> None:
    """Refuse (exit 2) a file the output policy would not write, before the command does its work."""
    with _output_errors(path):
        check_output(path, overwrite=force)


def _header(template: str, name: str, **values: object) -> Text:
    """``template`` (which starts with ``{name}``) filled in, the contract's name in bold."""
    line = Text(template.format(name=name, **values))
    line.stylize("bold", 0, len(name))
    return line


def _load_or_exit(file: str, *, engine: bool = True) -> Contract:
    """The contract in ``file``, or a clear message and exit code 2. ``engine``: the command runs the
    engine, so tell a person at a terminal (stderr) when its compiled code is not cached yet and the
    run will start by compiling it."""
    try:
        contract = load_contract(file)
    except ContractFileError as exc:
        _console(err=True).print(str(exc), markup=False)
        sys.exit(EXIT_USER_ERROR)
    _CURRENCY.set(contract.currency)
    if engine and sys.stderr.isatty() and not compiled(*ENGINE_LOOPS):
        _console(err=True).print(
            "sibkit: first run on this machine: compiling the engine (once, 10 to 20 seconds) …", markup=False
        )
    return contract


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sibkit")
def main() -> None:
    """sibkit: structure, compute and check outcome-based contracts (Social Impact Bonds)."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
def validate(files: Sequence[str]) -> None:
    """Check contract FILES; print every problem as 'message @ path'. Exit 2 if any file is invalid."""
    out, err = _console(), _console(err=True)
    bad = 0
    for file in files:
        try:
            contract = load_contract(file)
        except ContractFileError as exc:
            err.print(str(exc), markup=False)
            bad += 1
            continue
        out.print(f"{file}: valid — {contract.name}", markup=False)
    if bad:
        sys.exit(EXIT_USER_ERROR)


def _money(cents: int | None) -> str:
    return "unbounded" if cents is None else _fmt(cents)


def _pct(x: object) -> str:
    from decimal import Decimal
    from fractions import Fraction

    from sibkit.money import share_decimal, share_display

    assert isinstance(x, (Decimal, Fraction))
    if isinstance(x, Fraction) and share_decimal(x) is None:
        # a ratio such as 1/3 is shown rounded half up to 33.33% (the engine uses it exactly)
        return f"{(share_display(x) * 100).normalize():f}%"
    return f"{share_display(x) * 100:g}%"


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="Tables for the terminal, or Markdown (from templates/overview.md.j2) to paste into a document.",
)
@_lang_option("Language of the tables (the Markdown overview is English; for Dutch, use termsheet --lang nl).")
def show(file: str, fmt: str, lang: str) -> None:
    """A readable overview of the contract in FILE: parties, outcomes, prices, caps, capital."""
    c = _load_or_exit(file, engine=False)
    if fmt == "markdown":
        if lang != "en":
            raise click.BadParameter(
                "the Markdown overview is in English; for a Dutch document use: sibkit termsheet FILE --lang nl",
                param_hint="--lang",
            )
        click.echo(render_markdown(c), nl=False)
        return
    text = _SHOW_TEXT[lang]
    num = _Numbers(lang)

    def pct(x: object) -> str:
        return _pct(x) if lang == "en" else _pct(x).replace(".", ",")

    def money(cents: int | None) -> str:
        return text["unbounded"] if cents is None else num.money(cents)

    out = _console()
    tl = c.timeline
    out.print(
        Text.assemble(
            (c.name, "bold"),
            "  " + text["status"].format(status=c.status, version=c.version, currency=c.currency),
        )
    )
    out.print(
        text["timeline"].format(
            start=tl.start,
            enrolment=tl.enrolment_months,
            service=tl.service_months,
            term=tl.term_months,
            end=tl.end,
            frequency=text.get("freq_" + tl.payment_frequency, tl.payment_frequency),
        )
    )

    parties = Table(title=text["parties"], title_justify="left")
    for col in text["party_columns"].split("|"):
        parties.add_column(col)
    for payer in c.payers:
        detail = text["budget"].format(amount=money(payer.budget)) if payer.budget is not None else ""
        if payer.share is not None:
            detail += " " + text["share"].format(share=pct(payer.share))
        parties.add_row(text["outcome_payer"], payer.id, payer.name, detail.strip())
        for k in payer.contributors:
            parties.add_row(
                "  " + text["contributor"], k.id, k.name, text["commits"].format(amount=num.money(k.commitment))
            )
    for prov in c.providers:
        parties.add_row(
            text["provider"],
            prov.id,
            prov.name,
            text["provider_detail"].format(
                participants=prov.enrolment.participants,
                capacity=prov.capacity,
                cost=num.money(prov.cost_per_participant),
                buffer=num.money(prov.buffer),
                funding=text["prefinances"] if prov.prefinances_own_costs else text["funded"],
            ),
        )
    for inv in c.investors:
        parties.add_row(text["investor"], inv.id, inv.name, inv.kind)
    for im in c.intermediaries:
        parties.add_row(text["intermediary"], im.id, im.name, im.role)
    for ev in c.evaluators:
        independence = text["independent"] if ev.independent else text["not_independent"]
        parties.add_row(ev.role.replace("_", " "), ev.id, ev.name, independence)
    out.print(parties)

    outcomes = Table(title=text["outcomes"], title_justify="left")
    for col in text["outcome_columns"].split("|"):
        outcomes.add_column(col)
    for rule in c.rules:
        payers = ", ".join(f"{p} {pct(s)}" for p, s in c.rule_payers(rule))
        for metric_id, price in _prices(rule, lang):
            m = c.metric(metric_id)
            outcomes.add_row(rule.id, f"{m.name} ({m.id})", m.kind, m.evidence, price, payers)
    out.print(outcomes)

    if c.caps:
        caps = Table(title=text["caps"], title_justify="left")
        for col in text["cap_columns"].split("|"):
            caps.add_column(col)
        for cap in c.caps:
            caps.add_row(cap.level, cap.target or ", ".join(cap.metrics), num.money(cap.amount))
        out.print(caps)

    if c.tranches:
        capital = Table(title=text["capital"], title_justify="left")
        for col in text["capital_columns"].split("|"):
            capital.add_column(col)
        for t in sorted(c.tranches, key=lambda t: t.seniority):
            cap_text = ""
            if t.return_cap is not None:
                parts = []
                if t.return_cap.irr is not None:
                    parts.append(f"IRR {pct(t.return_cap.irr)}")
                if t.return_cap.multiple is not None:
                    multiple = f"{t.return_cap.multiple}"
                    parts.append(f"{multiple if lang == 'en' else multiple.replace('.', ',')}×")
                cap_text = ", ".join(parts)
            coupon = pct(t.coupon) if isinstance(t, Loan) else ""
            kind = "grant" if isinstance(t, Grant) else type(t).__name__
            capital.add_row(str(t.seniority), t.id, kind, t.investor, num.money(t.commitment), coupon, cap_text)
        for g in c.guarantees:
            covers = text["covers"].format(tranches=", ".join(g.covers))
            capital.add_row("", g.id, g.kind, g.guarantor, num.money(g.amount), "", covers)
        out.print(capital)
    else:
        out.print(text["no_investors"])

    mx = maximum_payment(c)
    maxt = Table(title=text["maximum"], title_justify="left")
    for i, col in enumerate(text["maximum_columns"].split("|")):
        maxt.add_column(col, justify="right" if i else "left")
    for payer_id, amount in mx.by_payer.items():
        maxt.add_row(payer_id, money(amount))
    maxt.add_row(Text(text["total"], style="bold"), Text(money(mx.total), style="bold"))
    out.print(maxt)


_SHOW_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "status": "({status}, version {version}, {currency})",
        "timeline": "Start {start}, enrolment {enrolment} months, service {service} months, "
        "term {term} months (ends {end}), payments {frequency}.",
        "parties": "Parties",
        "party_columns": "role|id|name|details",
        "budget": "budget {amount}",
        "share": "share {share}",
        "outcome_payer": "outcome payer",
        "contributor": "contributor",
        "commits": "commits {amount}",
        "provider": "provider",
        "provider_detail": "{participants} participants (capacity {capacity}), cost {cost} each, buffer {buffer}, "
        "{funding}",
        "prefinances": "pre-finances its costs",
        "funded": "costs funded by investors",
        "investor": "investor",
        "intermediary": "intermediary",
        "independent": "independent",
        "not_independent": "not independent",
        "outcomes": "Outcomes and prices",
        "outcome_columns": "rule|metric|kind|evidence|price|paid by",
        "caps": "Caps",
        "cap_columns": "level|target|amount",
        "capital": "Capital structure",
        "capital_columns": "seniority|tranche|type|investor|commitment|coupon|return cap",
        "covers": "covers {tranches}",
        "no_investors": "No investors: providers are paid directly from outcome payments.",
        "maximum": "Maximum potential outcome payment (planned enrolment, every outcome achieved, after caps)",
        "maximum_columns": "payer|maximum",
        "total": "total",
        "unbounded": "unbounded",
    },
    "nl": {
        "status": "({status}, versie {version}, {currency})",
        "timeline": "Start {start}, instroom {enrolment} maanden, dienstverlening {service} maanden, "
        "looptijd {term} maanden (tot {end}), betaling {frequency}.",
        "freq_monthly": "elke maand",
        "freq_quarterly": "elk kwartaal",
        "freq_semiannual": "elk halfjaar",
        "freq_annual": "elk jaar",
        "freq_end": "aan het eind",
        "parties": "Partijen",
        "party_columns": "rol|id|naam|details",
        "budget": "budget {amount}",
        "share": "aandeel {share}",
        "outcome_payer": "uitkomstbetaler",
        "contributor": "inlegger",
        "commits": "legt in {amount}",
        "provider": "aanbieder",
        "provider_detail": "{participants} deelnemers (capaciteit {capacity}), kosten {cost} per deelnemer, "
        "buffer {buffer}, {funding}",
        "prefinances": "financiert de eigen kosten voor",
        "funded": "kosten gefinancierd door investeerders",
        "investor": "investeerder",
        "intermediary": "intermediair",
        "independent": "onafhankelijk",
        "not_independent": "niet onafhankelijk",
        "outcomes": "Resultaten en prijzen",
        "outcome_columns": "regel|indicator|soort|bewijs|prijs|betaald door",
        "caps": "Plafonds",
        "cap_columns": "niveau|doel|bedrag",
        "capital": "Kapitaalstructuur",
        "capital_columns": "rangorde|tranche|soort|investeerder|toezegging|rente|rendementsplafond",
        "covers": "dekt {tranches}",
        "no_investors": "Geen investeerders: de aanbieders worden rechtstreeks uit resultaatbetalingen betaald.",
        "maximum": "Maximale resultaatbetaling (geplande instroom, elk resultaat gehaald, na plafonds)",
        "maximum_columns": "betaler|maximum",
        "total": "totaal",
        "unbounded": "onbegrensd",
    },
}
"""The texts of ``sibkit show``'s tables, per language."""


def _prices(rule: object, lang: str = "en") -> list[tuple[str, str]]:
    """(metric id, price as text) per metric a rule pays for, in ``lang``."""
    nl = lang == "nl"
    num = _Numbers(lang)

    def pct(x: object) -> str:
        return _pct(x).replace(".", ",") if nl else _pct(x)

    if isinstance(rule, Tariff):
        of = "van {price} per deelnemer" if nl else "of {price} per participant"
        return [
            (comp.metric, f"{pct(comp.weight)} " + of.format(price=num.money(rule.price_per_participant)))
            for comp in rule.components
        ]
    if isinstance(rule, RateCard):
        repeat = (
            ("per eenheid (herhaalbaar)", "eenmaal per deelnemer")
            if nl
            else (
                "per unit (repeatable)",
                "once per participant",
            )
        )
        return [(e.metric, f"{num.money(e.price)} {repeat[0] if e.repeatable else repeat[1]}") for e in rule.entries]
    if isinstance(rule, CohortThreshold):
        tier = "vanaf {start}: {amount} + {price}/eenheid" if nl else "from {start}: {amount} + {price}/unit"
        tiers = "; ".join(
            tier.format(start=pct(t.from_improvement), amount=num.money(t.amount), price=num.money(t.price_per_unit))
            for t in rule.tiers
        )
        return [(rule.metric, tiers)]
    if isinstance(rule, PerTime):
        per_time = "per tijdseenheid" if nl else "per unit of time"
        return [(rule.metric, f"{num.money(rule.price_per_unit)} {per_time}")]
    if isinstance(rule, ShareOfSavings):
        return [(rule.metric, f"{pct(rule.share)} {'van de besparing' if nl else 'of savings'}")]
    return []


def _scenarios(c: Contract, name: str | None) -> list[Scenario]:
    if name is None:
        return list(c.scenarios) or [default_scenario(c)]
    try:
        return [c.scenario(name)]
    except KeyError:
        known = ", ".join(s.name for s in c.scenarios) or "none"
        raise click.BadParameter(
            f"no scenario {name!r} in this contract; it has: {known}", param_hint="--scenario"
        ) from None


def _run_all(c: Contract, scenarios: list[Scenario], success: Decimal) -> Results:
    batches = [deterministic_batch(c, s, success) for s in scenarios]
    try:
        batch = stack(batches)
    except ValueError:  # scenarios with different outcome timing: run them one by one, same engine
        parts = [run_scenarios(c, b) for b in batches]
        return parts[0] if len(parts) == 1 else _concat(c, parts, batches)
    return run_scenarios(c, batch)


def _concat(c: Contract, parts: list[Results], batches: list[Batch]) -> Results:
    raise click.ClickException("scenarios with different outcome timing must be run one at a time (--scenario)")


_RUN_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "header": "{name} — success factor {factor}",
        "outcomes": "Outcomes",
        "participants": "participants",
        "outcome_payments": "outcome payments",
        "maximum_payment": "maximum potential payment",
        "cap_cut": "cut by caps",
        "unpaid_after_term": "verified after the term (not paid)",
        "savings": "savings (all)",
        "cashable_savings": "cashable savings",
        "payer": "Payer: {id}",
        "paid": "paid for outcomes",
        "vat": "VAT",
        "fees": "fees",
        "cost_per_participant": "cost per participant",
        "cost_per_outcome": "cost per outcome paid for",
        "share_of_maximum": "share of maximum payment",
        "unbounded": "unbounded",
        "share_unbounded": "– (maximum unbounded)",
        "net_of_savings": "net of cashable savings",
        "benefit_cost_ratio": "savings / cost",
        "provider": "Provider: {id}",
        "revenue": "revenue",
        "other_income": "other income",
        "cost": "cost",
        "margin": "margin",
        "lowest_cash": "lowest cash (month)",
        "months_below_zero": "months below zero",
        "months_below_minimum": "months below minimum cash",
        "fee_table": "Fees",
        "fee_paid": "{id} to {payee}: paid",
        "fee_unpaid": "{id}: still due at the end (not paid)",
        "tranche": "Tranche: {id} ({investor})",
        "drawn": "drawn",
        "returned": "returned",
        "guaranteed": "of which guarantee",
        "interest_unpaid": "interest still due at the end (not paid)",
        "guarantee_table": "Guarantee {id} (given by {guarantor}, at most {amount})",
        "guarantee_paid_to": "paid to tranche {tranche}",
        "guarantee_paid": "paid in all",
        "budget_table": "Savings by budget",
        "budget_row": "{budget}: credited to {payer}",
        "budget_outside": "{budget}: not a payer's budget",
        "budget_unnamed": "(no budget named)",
        "irr": "IRR (annual)",
        "irr_undefined": "undefined: {reason}",
        "multiple": "multiple",
        "loss": "loss",
        "payback_month": "payback month",
        "never": "never",
        "break_even_none": "none up to 3× the scenario's success",
        "break_even_level": "{level}× the '{scenario}' success rates",
        "break_even": "Senior investors get their principal back from outcome payments (guarantees not counted) "
        "from a success factor of {text}.",
        "no_investors": "No investors: providers carry the working capital until outcome payments arrive.",
    },
    "nl": {
        "header": "{name} — succesfactor {factor}",
        "outcomes": "Resultaten",
        "participants": "deelnemers",
        "outcome_payments": "resultaatbetalingen",
        "maximum_payment": "maximaal mogelijke betaling",
        "cap_cut": "weggevallen door plafonds",
        "unpaid_after_term": "gemeten na de looptijd (niet betaald)",
        "savings": "besparingen (alle)",
        "cashable_savings": "verzilverbare besparingen",
        "payer": "Betaler: {id}",
        "paid": "betaald voor resultaten",
        "vat": "btw",
        "fees": "vergoedingen",
        "cost_per_participant": "kosten per deelnemer",
        "cost_per_outcome": "kosten per betaald resultaat",
        "share_of_maximum": "deel van de maximale betaling",
        "unbounded": "onbegrensd",
        "share_unbounded": "– (maximum onbegrensd)",
        "net_of_savings": "na aftrek van verzilverbare besparingen",
        "benefit_cost_ratio": "besparing / kosten",
        "provider": "Aanbieder: {id}",
        "revenue": "inkomsten",
        "other_income": "andere inkomsten",
        "cost": "kosten",
        "margin": "marge",
        "lowest_cash": "laagste kasstand (maand)",
        "months_below_zero": "maanden onder nul",
        "months_below_minimum": "maanden onder de minimale kas",
        "fee_table": "Vergoedingen",
        "fee_paid": "{id} aan {payee}: betaald",
        "fee_unpaid": "{id}: aan het eind nog verschuldigd (niet betaald)",
        "tranche": "Tranche: {id} ({investor})",
        "drawn": "opgenomen",
        "returned": "terugontvangen",
        "guaranteed": "waarvan garantie",
        "interest_unpaid": "rente aan het eind nog verschuldigd (niet betaald)",
        "guarantee_table": "Garantie {id} (gegeven door {guarantor}, ten hoogste {amount})",
        "guarantee_paid_to": "betaald aan tranche {tranche}",
        "guarantee_paid": "totaal betaald",
        "budget_table": "Besparingen per budget",
        "budget_row": "{budget}: telt mee voor {payer}",
        "budget_outside": "{budget}: geen budget van een betaler",
        "budget_unnamed": "(geen budget genoemd)",
        "irr": "IRR (per jaar)",
        "irr_undefined": "niet bepaald: {reason}",
        "multiple": "veelvoud",
        "loss": "verlies",
        "payback_month": "terugverdiend in maand",
        "never": "nooit",
        "break_even_none": "geen tot 3× het succes van het scenario",
        "break_even_level": "{level}× de succespercentages van '{scenario}'",
        "break_even": "De senior investeerders krijgen hun hoofdsom terug uit resultaatbetalingen (garanties niet "
        "meegeteld) vanaf een succesfactor van {text}.",
        "no_investors": "Geen investeerders: de aanbieders dragen het werkkapitaal tot de resultaatbetalingen komen.",
    },
}
"""The texts of ``sibkit run``'s tables, per language (``--lang``); the JSON keys stay English."""

_SIMULATE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "header": "{name} — {n} scenarios, seed {seed}",
        "investors": "Investors",
        "tranche_columns": "tranche|chance of loss|expected loss|IRR P5|IRR P50|IRR P95|no IRR",
        "payers": "Payers (outcome payments, VAT and fees)",
        "payer_columns": "payer|expected|P50|P95|maximum|chance over budget",
        "no_budget": "no budget",
        "providers": "Providers",
        "provider_columns": "provider|expected margin|chance cash < 0|chance cash < minimum|lowest cash P5",
    },
    "nl": {
        "header": "{name} — {n} scenario's, seed {seed}",
        "investors": "Investeerders",
        "tranche_columns": "tranche|kans op verlies|verwacht verlies|IRR P5|IRR P50|IRR P95|geen IRR",
        "payers": "Betalers (resultaatbetalingen, btw en vergoedingen)",
        "payer_columns": "betaler|verwacht|P50|P95|maximum|kans boven budget",
        "no_budget": "geen budget",
        "providers": "Aanbieders",
        "provider_columns": "aanbieder|verwachte marge|kans kas < 0|kans kas < minimum|laagste kas P5",
    },
}
"""The texts of ``sibkit simulate``'s tables, per language (columns separated by ``|``)."""

_SWEEP_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "header": "{name} — scenario '{scenario}' scaled from {low} to {high}",
        "title": "Payoff curves",
        "success": "success",
        "pays": "{id} pays",
        "margin": "{id} margin",
        "chart": "Chart written to {path}",
    },
    "nl": {
        "header": "{name} — scenario '{scenario}' geschaald van {low} tot {high}",
        "title": "Uitbetalingscurven",
        "success": "succes",
        "pays": "{id} betaalt",
        "margin": "{id} marge",
        "chart": "Grafiek geschreven naar {path}",
    },
}
"""The texts of ``sibkit sweep``'s table, per language."""

_IRR_REASONS_NL = {
    1: "geen tekenwissel: er kwam geen geld terug, of er ging geen geld in",
    2: "meer dan één tekenwissel: het rendement is niet eenduidig",
    3: "het rendement ligt buiten −99% tot +100% per maand",
}
"""Dutch for ``IRR_REASONS``."""


class _Numbers:
    """How ``sibkit run`` writes numbers in one language: English as before (``€1,234.50``, ``30.67%``),
    Dutch as Babel writes them for nl_NL (``€ 1.234,50``, ``30,67%``)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def money(self, cents: float | int | None) -> str:
        if cents is None or (isinstance(cents, float) and math.isnan(cents)):
            return "–"
        whole = math.floor(cents + 0.5)
        return _fmt(whole) if self.lang == "en" else amount_text(whole, _CURRENCY.get(), "nl")

    def decimal(self, x: float, places: int) -> str:
        text = f"{x:.{places}f}"
        return text if self.lang == "en" else text.replace(".", ",")

    def rate(self, x: float) -> str:
        return "–" if math.isnan(x) else self.decimal(x * 100, 2) + "%"


@main.command(name="run")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--scenario", "scenario_name", help="Run only this named scenario (default: every named scenario).")
@click.option(
    "--success",
    type=SUCCESS_FACTOR,
    default="1",
    show_default=True,
    help=f"Scale every success rate by this factor, 0 to {MAX_SUCCESS} (1.2 = 20% more results; shares up to 100%).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (keys in docs/results.md).")
@_lang_option("Language of the tables.")
def run_command(file: str, scenario_name: str | None, success: Decimal, as_json: bool, lang: str) -> None:
    """Compute who pays whom for the contract in FILE: payers, providers, tranches."""
    c = _load_or_exit(file)
    factor = success
    scenarios = _scenarios(c, scenario_name)
    res = _run_all(c, scenarios, factor)
    if as_json:
        data = [summary(c, res, s.name, float(factor), i) for i, s in enumerate(scenarios)]
        click.echo(json.dumps(data if scenario_name is None else data[0], indent=2, ensure_ascii=False))
        return
    text = _RUN_TEXT[lang]
    num = _Numbers(lang)
    money = num.money
    out = _console()
    out.print(_header(text["header"], c.name, factor=str(factor) if lang == "en" else f"{factor}".replace(".", ",")))
    names = [s.name for s in scenarios]

    def table(title: str) -> Table:
        t = Table(title=title, title_justify="left")
        t.add_column("")
        for name in names:
            t.add_column(name, justify="right")
        return t

    overview = table(text["outcomes"])
    overview.add_row(text["participants"], *(str(int(x)) for x in res.participants))
    for j, m in enumerate(c.metrics):
        overview.add_row(f"{m.name}", *(str(int(x)) for x in res.outcome_units[:, j]))
    overview.add_row(text["outcome_payments"], *(money(x) for x in res.outcome_payments))
    most = text["unbounded"] if res.maximum_payment is None else money(res.maximum_payment)
    overview.add_row(text["maximum_payment"], *(most for _ in names))
    if res.cap_cut.any():
        overview.add_row(text["cap_cut"], *(money(x) for x in res.cap_cut))
    if res.unpaid_after_term.any():
        overview.add_row(text["unpaid_after_term"], *(money(x) for x in res.unpaid_after_term))
    overview.add_row(text["savings"], *(money(x) for x in res.savings))
    overview.add_row(text["cashable_savings"], *(money(x) for x in res.cashable_savings))
    out.print(overview)
    for p in res.payers:
        t = table(text["payer"].format(id=p.id))
        t.add_row(text["paid"], *(money(x) for x in p.paid))
        if p.vat.any():
            t.add_row(text["vat"], *(money(x) for x in p.vat))
        if p.fees.any():
            t.add_row(text["fees"], *(money(x) for x in p.fees))
        t.add_row(text["cost_per_participant"], *(money(x) for x in p.cost_per_participant))
        t.add_row(text["cost_per_outcome"], *(money(x) for x in p.cost_per_outcome))
        shares = [text["share_unbounded"] if p.maximum is None else num.rate(x) for x in p.share_of_maximum]
        t.add_row(text["share_of_maximum"], *shares)
        t.add_row(text["net_of_savings"], *(money(x) for x in p.net_of_savings))
        t.add_row(
            text["benefit_cost_ratio"], *("–" if math.isnan(x) else num.decimal(x, 2) for x in p.benefit_cost_ratio)
        )
        out.print(t)
    for pr in res.providers:
        t = table(text["provider"].format(id=pr.id))
        t.add_row(text["revenue"], *(money(x) for x in pr.revenue))
        if pr.other_income.any():
            t.add_row(text["other_income"], *(money(x) for x in pr.other_income))
        t.add_row(text["cost"], *(money(x) for x in pr.cost))
        t.add_row(text["margin"], *(money(x) for x in pr.margin))
        t.add_row(
            text["lowest_cash"],
            *(f"{money(x)} ({m})" for x, m in zip(pr.lowest_cash, pr.lowest_cash_month, strict=True)),
        )
        t.add_row(text["months_below_zero"], *(str(int(x)) for x in pr.months_below_zero))
        t.add_row(text["months_below_minimum"], *(str(int(x)) for x in pr.months_below_minimum))
        out.print(t)
    if res.fees:
        t = table(text["fee_table"])
        for fee in res.fees:
            t.add_row(text["fee_paid"].format(id=fee.id, payee=fee.payee), *(money(x) for x in fee.paid))
            if fee.unpaid.any():
                t.add_row(text["fee_unpaid"].format(id=fee.id), *(money(x) for x in fee.unpaid))
        out.print(t)
    reasons = IRR_REASONS if lang == "en" else _IRR_REASONS_NL
    for tr in res.tranches:
        t = table(text["tranche"].format(id=tr.id, investor=tr.investor))
        t.add_row(text["drawn"], *(money(x) for x in tr.drawn))
        t.add_row(text["returned"], *(money(x) for x in tr.returned))
        if tr.guaranteed.any():
            t.add_row(text["guaranteed"], *(money(x) for x in tr.guaranteed))
        t.add_row(
            text["irr"],
            *(
                num.rate(x) if r == 0 else text["irr_undefined"].format(reason=reasons[int(r)])
                for x, r in zip(tr.irr, tr.irr_reason, strict=True)
            ),
        )
        t.add_row(text["multiple"], *("–" if math.isnan(x) else num.decimal(x, 3) + "×" for x in tr.multiple))
        t.add_row(text["loss"], *(money(x) for x in tr.loss))
        if tr.interest_unpaid.any():
            t.add_row(text["interest_unpaid"], *(money(x) for x in tr.interest_unpaid))
        t.add_row(text["payback_month"], *(text["never"] if x < 0 else str(int(x)) for x in tr.payback_month))
        out.print(t)
    for g in res.guarantees:
        t = table(text["guarantee_table"].format(id=g.id, guarantor=g.guarantor, amount=money(g.amount)))
        if len(g.paid_to) > 1:
            for tranche, paid in g.paid_to:
                t.add_row(text["guarantee_paid_to"].format(tranche=tranche), *(money(x) for x in paid))
        else:
            t.add_row(text["guarantee_paid_to"].format(tranche=g.paid_to[0][0]), *(money(x) for x in g.paid))
        if len(g.paid_to) > 1:
            t.add_row(text["guarantee_paid"], *(money(x) for x in g.paid))
        out.print(t)
    if res.budgets:
        t = table(text["budget_table"])
        for b in res.budgets:
            name = b.budget or text["budget_unnamed"]
            label = (
                text["budget_row"].format(budget=name, payer=b.payer)
                if b.payer is not None
                else text["budget_outside"].format(budget=name)
            )
            t.add_row(label, *(money(x) for x in b.cashable))
        out.print(t)
    if c.tranches:
        level = break_even_success(c, scenarios[0])
        found = (
            text["break_even_none"]
            if level is None
            else text["break_even_level"].format(level=num.decimal(level, 3), scenario=scenarios[0].name)
        )
        out.print(text["break_even"].format(text=found))
    else:
        out.print(text["no_investors"])


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("--scenario", "scenario_name", help="The named scenario (default: base, or the first).")
@click.option(
    "--success",
    type=SUCCESS_FACTOR,
    default="1",
    show_default=True,
    help=f"Scale every success rate by this factor, 0 to {MAX_SUCCESS}.",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print comma-separated values instead of a table.")
def ledger(file: str, scenario_name: str | None, success: Decimal, as_csv: bool) -> None:
    """Every movement of money for one scenario: month, from, to, amount, reason."""
    c = _load_or_exit(file)
    sc = _scenarios(c, scenario_name)[0] if scenario_name is not None else default_scenario(c)
    res = run_scenarios(c, deterministic_batch(c, sc, success))
    entries = list(res.flows.ledger.entries(0))
    if as_csv:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["month", "date", "from", "to", "amount", "reason"])
        for e in entries:
            writer.writerow(
                [e.month, _month_date(c, e.month), e.source, e.target, str(cents_to_decimal(e.amount)), e.reason]
            )
        click.echo(buf.getvalue(), nl=False)
        return
    t = Table(title=f"Ledger — {c.name}, scenario '{sc.name}'", title_justify="left")
    for col, just in (("month", "right"), ("from", "left"), ("to", "left"), ("amount", "right"), ("reason", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for e in entries:
        t.add_row(f"{e.month} ({_month_date(c, e.month)})", e.source, e.target, _fmt(e.amount), e.reason)
    _console().print(t)


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
    type=_OutputFile(".csv", ".parquet"),
    default=None,
    help="Write per-scenario metrics to this .csv or .parquet file.",
)
@_force_option()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_lang_option("Language of the tables.")
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
    c = _load_or_exit(file)
    if out is not None:
        _check_output(out, force)
    err = _console(err=True)
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("simulate", total=n)
        try:
            sim = run_simulation(
                c, n, seed, block=block, workers=workers, progress=lambda done: bar.update(task, completed=done)
            )
        except SimulationTooLarge as exc:
            err.print(str(exc), markup=False)
            sys.exit(EXIT_USER_ERROR)
    summ = summarise(c, sim)
    if out is not None:
        try:
            with _output_errors(out):
                export(sim, str(out), overwrite=force)
        except ValueError as exc:
            _fail(f"{out}: {exc}")
    if as_json:
        click.echo(json.dumps(attrs.asdict(summ), indent=2, default=_json_number))
        return
    text = _SIMULATE_TEXT[lang]
    num = _Numbers(lang)
    money, rate = num.money, num.rate
    con = _console()
    count = f"{n:,}" if lang == "en" else f"{n:,}".replace(",", ".")
    con.print(_header(text["header"], c.name, n=count, seed=seed))
    if summ.tranches:
        t = Table(title=text["investors"], title_justify="left")
        for i, col in enumerate(text["tranche_columns"].split("|")):
            t.add_column(col, justify="left" if i == 0 else "right")
        for tr in summ.tranches:
            t.add_row(
                tr.id,
                rate(tr.chance_of_loss),
                money(tr.expected_loss),
                rate(tr.irr_p5),
                rate(tr.irr_p50),
                rate(tr.irr_p95),
                rate(tr.irr_undefined),
            )
        con.print(t)
    t = Table(title=text["payers"], title_justify="left")
    for i, col in enumerate(text["payer_columns"].split("|")):
        t.add_column(col, justify="left" if i == 0 else "right")
    for p in summ.payers:
        over = text["no_budget"] if p.chance_over_budget is None else rate(p.chance_over_budget)
        t.add_row(p.id, money(p.expected), money(p.p50), money(p.p95), money(p.maximum), over)
    con.print(t)
    t = Table(title=text["providers"], title_justify="left")
    for i, col in enumerate(text["provider_columns"].split("|")):
        t.add_column(col, justify="left" if i == 0 else "right")
    for pr in summ.providers:
        t.add_row(
            pr.id,
            money(pr.expected_margin),
            rate(pr.chance_below_zero),
            rate(pr.chance_below_minimum),
            money(pr.lowest_cash_p5),
        )
    con.print(t)


@main.command(name="sweep")
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--success",
    "levels",
    type=_SuccessRange(),
    default="0:1.5:31",
    show_default=True,
    help="Success levels start:stop:count, as factors of the scenario's rates.",
)
@click.option("--scenario", "scenario_name", help="The scenario to scale (default: base, or the first).")
@click.option(
    "--chart",
    type=_OutputFile(".png", ".svg"),
    default=None,
    help="Write the payoff chart to this .png or .svg file.",
)
@_force_option()
@click.option("--json", "as_json", is_flag=True, help="Print the curves and break-even points as JSON.")
@_lang_option("Language of the table and chart.")
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
    c = _load_or_exit(file)
    if chart is not None:
        _check_output(chart, force)
    sc = _scenarios(c, scenario_name)[0] if scenario_name is not None else default_scenario(c)
    curves = run_sweep(c, levels, sc)
    if chart is not None:
        suffix = chart.suffix.lower().lstrip(".")
        image = payoff_chart(
            curves,
            c,
            fmt="png" if suffix == "png" else "svg",
            labels=chart_labels(Language(lang)),
            locale=LOCALES["nl"] if lang == "nl" else LOCALES["en"],
        )
        with _output_errors(chart):
            write_bytes_atomic(chart, image, overwrite=force)
    if as_json:
        data = {
            "scenario": curves.scenario,
            "levels": list(curves.levels),
            "payer_cost_cents": {k: v.tolist() for k, v in curves.payer_cost.items()},
            "provider_margin_cents": {k: v.tolist() for k, v in curves.provider_margin.items()},
            "tranche_irr": {
                k: [None if math.isnan(x) else x for x in v.tolist()] for k, v in curves.tranche_irr.items()
            },
            "break_even": [
                {
                    **attrs.asdict(b),
                    "description": _break_even_text(c, curves, b, "en"),
                    "description_nl": _break_even_text(c, curves, b, "nl"),
                }
                for b in curves.break_even
            ],
        }
        click.echo(json.dumps(data, indent=2))
        return
    text = _SWEEP_TEXT[lang]
    num = _Numbers(lang)
    out = _console()

    def level_text(x: float) -> str:
        return f"{x:g}" if lang == "en" else f"{x:g}".replace(".", ",")

    out.print(
        _header(
            text["header"],
            c.name,
            scenario=curves.scenario,
            low=level_text(float(levels[0])),
            high=level_text(float(levels[-1])),
        )
    )
    t = Table(title=text["title"], title_justify="left")
    t.add_column(text["success"], justify="right")
    for payer_id in curves.payer_cost:
        t.add_column(text["pays"].format(id=payer_id), justify="right")
    for prov_id in curves.provider_margin:
        t.add_column(text["margin"].format(id=prov_id), justify="right")
    for tranche_id in curves.tranche_irr:
        t.add_column(f"{tranche_id} IRR", justify="right")
    for i, level in enumerate(curves.levels):
        t.add_row(
            level_text(level),
            *(num.money(int(v[i])) for v in curves.payer_cost.values()),
            *(num.money(int(v[i])) for v in curves.provider_margin.values()),
            *(num.rate(float(v[i])) for v in curves.tranche_irr.values()),
        )
    out.print(t)
    for b in curves.break_even:
        out.print(f"• {_break_even_text(c, curves, b, lang)}", markup=False)
    if chart is not None:
        out.print(text["chart"].format(path=chart), markup=False)


def _break_even_text(c: Contract, curves: Sweep, point: BreakEven, lang: str) -> str:
    """``point`` as one sentence in ``lang``."""
    words = Language(lang)
    return break_even_sentence(words, point, party_name(words, c, point), curves.scenario, curves.levels)


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@_lang_option("Language of findings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["warning", "error"]),
    default=None,
    help="Exit 1 when a finding is at least this severe (for CI).",
)
@click.option(
    "--properties",
    is_flag=True,
    help="Also search (Hypothesis) for outcomes where one more result pays someone less, a reordering of the "
    "contract's lists that moves money, and outcomes that pay more than the stated maximum.",
)
def check(file: str, lang: str, fmt: str, fail_on: str | None, properties: bool) -> None:
    """Perverse incentives and risks in the contract in FILE, most severe first, with remedies."""
    c = _load_or_exit(file)
    findings = run_checks(c)
    if properties:
        try:
            found = find_non_monotone(c)
            if found is not None:
                findings.insert(0, _property_finding(c, found))
            reordered = find_order_dependence(c)
            if reordered is not None:
                findings.insert(0, _order_finding(reordered))
            above = find_payment_above_maximum(c)
            if above is not None:
                findings.insert(0, _above_maximum_finding(above))
        except SearchNotRun as exc:
            _fail(
                f"{file}: the --properties search for {exc} could not run: Hypothesis cannot draw outcomes "
                "for a contract this large (run sibkit check without --properties, or search a smaller copy)"
            )
    if fmt == "json":
        click.echo(json.dumps([attrs.asdict(f) for f in findings], indent=2, ensure_ascii=False))
    else:
        out = _console()
        heading = {"nl": ("fout", "waarschuwing", "ter informatie"), "en": ("error", "warning", "info")}[lang]
        labels = dict(zip(("error", "warning", "info"), heading, strict=True))
        if not findings:
            out.print("Geen bevindingen." if lang == "nl" else "No findings.")
        for severity in ("error", "warning", "info"):
            group = [f for f in findings if f.severity == severity]
            if not group:
                continue
            out.print(Text(f"{labels[severity].upper()} ({len(group)})", style="bold"))
            for f in group:
                out.print(Text.assemble(f"  {f.code}  {f.title(lang)}  ", (f"@ {f.path}", "dim")))
                out.print(f"    {f.explanation(lang)}", markup=False)
                remedy = "Wat te doen" if lang == "nl" else "What to do"
                out.print(f"    {remedy}: {f.mitigation(lang)}", markup=False)
    if fail_on is not None:
        order = {"info": 0, "warning": 1, "error": 2}
        if any(order[f.severity] >= order[fail_on] for f in findings):
            sys.exit(1)


def _property_finding(c: Contract, found: Counterexample) -> Finding:
    counts = ", ".join(f"{m}: {n}" for m, n in found.base_outcomes.items())
    return Finding(
        code="SIB-PROP-001",
        severity="error",
        title_en="More results pay someone less",
        title_nl="Meer resultaat levert iemand minder op",
        explanation_en=f"{found.sentence(c, 'en')} Smallest case found (results per outcome: {counts}).",
        explanation_nl=f"{found.sentence(c, 'nl')} Kleinste gevonden geval (resultaten per uitkomst: {counts}).",
        mitigation_en="Make every payment grow with results: separate caps per provider, tiers without gaps, "
        "and no share that falls once investors are repaid.",
        mitigation_nl="Laat elke betaling meegroeien met het resultaat: aparte plafonds per aanbieder, "
        "treden zonder gaten en geen aandeel dat daalt zodra investeerders zijn terugbetaald.",
        path="$.rules",
    )


def _defect_finding(code: str, title: tuple[str, str], explanation: tuple[str, str], path: str) -> Finding:
    """A finding of a ``--properties`` search that can only mean a defect in sibkit itself (English, Dutch)."""
    return Finding(
        code=code,
        severity="error",
        title_en=title[0],
        title_nl=title[1],
        explanation_en=explanation[0],
        explanation_nl=explanation[1],
        mitigation_en="This is a defect in sibkit, not in the contract: please report it with the contract file.",
        mitigation_nl="Dit is een fout in sibkit, niet in het contract: meld die met het contractbestand.",
        path=path,
    )


def _above_maximum_finding(found: AboveMaximum) -> Finding:
    return _defect_finding(
        "SIB-PROP-003",
        ("A scenario pays more than the stated maximum", "Een scenario betaalt meer dan het opgegeven maximum"),
        (
            f"At the planned enrolment, some outcomes pay more than the maximum potential payment: {found.message}",
            "Bij de geplande instroom betalen sommige resultaten meer dan de maximale resultaatbetaling: "
            f"{found.message}",
        ),
        "$.caps",
    )


def _order_finding(found: OrderDependence) -> Finding:
    return _defect_finding(
        "SIB-PROP-002",
        ("The order of a list moves money", "De volgorde van een lijst verschuift geld"),
        (
            f"Listing the contract's items in another order changes a payment: {found.message}",
            f"Een andere volgorde van de onderdelen van het contract verandert een betaling: {found.message}",
        ),
        "$",
    )


_TERMSHEET_SUFFIXES = {
    "md": (".md", ".markdown", ".txt"),
    "html": (".html", ".htm"),
    "docx": (".docx",),
    "pdf": (".pdf",),
}
"""The file names ``termsheet -o`` takes per ``--format``: a Word file named ``.html`` would open as neither."""


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@_lang_option("Language of the sheet.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf"]), default="html", show_default=True)
@click.option(
    "-o",
    "--output",
    type=_OutputFile(),
    default=None,
    help="Write to this file (atomically); without it, print to standard output.",
)
@_force_option()
@click.option(
    "--simulate",
    "simulate_n",
    type=SCENARIO_COUNT,
    default=None,
    help="Add a Monte Carlo summary of this many scenarios (seed 0).",
)
def termsheet(file: str, lang: str, fmt: str, output: Path | None, force: bool, simulate_n: int | None) -> None:
    """A term sheet for the contract in FILE, in Dutch or English, as Markdown, standalone HTML or Word."""
    c = _load_or_exit(file)
    if fmt in ("docx", "pdf") and output is None:
        raise click.BadParameter(f"a {fmt} file needs -o FILE.{fmt}", param_hint="--format")
    try:
        if output is not None:
            suffixes = _TERMSHEET_SUFFIXES[fmt]
            if output.suffix.lower() not in suffixes:
                raise click.BadParameter(
                    f"expected a {_either(suffixes)} file for --format {fmt}, got {str(output)!r}", param_hint="-o"
                )
            _check_output(output, force)
        if fmt == "docx":
            data = render_docx(c, lang, today=dt.date.today(), simulate_n=simulate_n)
        elif fmt == "pdf":
            try:
                data = render_pdf(c, lang, today=dt.date.today(), simulate_n=simulate_n)
            except RuntimeError as exc:
                _fail(str(exc))
        else:
            text = render_termsheet(c, lang, fmt, today=dt.date.today(), simulate_n=simulate_n)
            if output is None:
                click.echo(text, nl=False)
                return
            data = text.encode("utf-8")
        assert output is not None
        with _output_errors(output):
            write_bytes_atomic(output, data, overwrite=force)
    except SimulationTooLarge as exc:
        _fail(str(exc))
    _console(err=True).print(f"Term sheet written to {output}", markup=False)


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
    type=_OutputFile(".toml", ".json"),
    default=None,
    help="File to write, .toml (with comments) or .json (default: NAME in lower case with dashes, .toml).",
)
@_force_option("Replace an existing file.")
def new_command(name: str, kind: str, lang: str, output: Path | None, force: bool) -> None:
    """Write a commented starting contract called NAME that validates as written."""
    target = output or Path((re.sub(r"[^a-z0-9]+", "-", name.lower())[:100].strip("-") or "contract") + ".toml")
    try:
        with _output_errors(target):
            write_starter(target, kind, lang, name, overwrite=force)
    except ValueError as exc:
        _fail(str(exc))
    _console().print(f"{target}: a {kind} contract to fill in; check it with: sibkit validate {target}", markup=False)


@main.command(name="explain")
@click.argument("file", type=click.Path(path_type=str))
@_lang_option("Language of the text.")
def explain_command(file: str, lang: str) -> None:
    """The money flow of the contract in FILE in plain language: who pays whom, when, for what, who bears risk."""
    c = _load_or_exit(file)
    click.echo(explain(c, lang), nl=False)


def _json_number(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    raise TypeError(type(value).__name__)


def _month_date(c: Contract, month: int) -> str:
    return c.timeline.month_start(month).strftime("%Y-%m")


EXIT_INTERNAL_ERROR = 3


def run() -> None:
    """Entry point for the console script.

    An ``EngineError`` is sibkit's own bug (money did not reconcile), never the user's: it is
    reported in one paragraph with exit status 3 rather than a traceback.
    """
    try:
        main()
    except EngineError as exc:
        _console(err=True).print(
            f"sibkit: internal error: {exc}\nThis is a bug in sibkit, not in your contract. "
            "Please report it with the contract file and the command you ran.",
            markup=False,
        )
        sys.exit(EXIT_INTERNAL_ERROR)


if __name__ == "__main__":  # pragma: no cover
    run()
