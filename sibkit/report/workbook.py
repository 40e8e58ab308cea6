"""``sibkit workbook``: the contract and its results as an Excel workbook a controller can audit.

The workbook holds the contract's inputs (every number with its source or its labelled assumption), the
scenarios' headline results, each party's account by budget year, the monthly cash flows per party and per
tranche, the full ledger (every movement with its reason), the tranches, the checks' findings and, when
asked, a Monte Carlo summary. ``docs/workbook.md`` describes each sheet and how to trace a total.

Totals and rates of return are **live formulas** over the sheets below them (``SUM``, ``SUMIF``, ``SUMIFS``,
``XIRR``, ``IRR``), the engine's own figure sits beside each, and a check cell says whether the two agree
(to half a cent; a rate to a millionth). Money is stored in currency units (``3500.00``: the cents of the
engine divided by the currency's minor unit, exactly), dates as real dates; the number format follows the
language (``[$€-413]`` and Dutch month names for ``nl``).

Safety: contract text is always written as a text cell, never as a formula, whatever it starts with
(``=``, ``+``, ``-``, ``@``); and the same input gives the same bytes (fixed document properties, fixed
times on the zip's entries), so a workbook can be versioned and diffed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import typing
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import attrs
import numpy as np
from babel.numbers import get_currency_symbol
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from sibkit.checks import Finding, run_checks
from sibkit.engine.irr import xirr
from sibkit.engine.ledger import Entry
from sibkit.engine.maximum import maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import run
from sibkit.engine.simulate import Summary, simulate, summarise
from sibkit.i18n import N_, Language
from sibkit.model import Contract, Provenance, Scenario
from sibkit.model.rules import RateCard
from sibkit.money import Cents, cents_to_decimal, currency_decimals
from sibkit.rates_import import RATE_SHEET, rate_rows
from sibkit.report.words import account, irr_reason, ledger_reason, role_word, scenario_label

__all__ = ["FIXED_TIME", "SHEETS", "SIMULATION_SEED", "safe_text", "workbook_bytes"]

FIXED_TIME = dt.datetime(2000, 1, 1)
"""The creation and modification time written in every workbook (and on every entry of its zip), so the
same input gives the same bytes."""

SIMULATION_SEED = 0
"""The seed of the workbook's Monte Carlo summary (as the term sheet's), so the same contract gives the same
figures."""

SHEETS = {
    "about": N_("About"),
    "inputs": N_("Inputs"),
    "rates": RATE_SHEET,
    "scenarios": N_("Scenarios"),
    "accounts": N_("Accounts"),
    "cash": N_("Cash flows"),
    "ledger": N_("Ledger"),
    "tranches": N_("Tranches"),
    "findings": N_("Findings"),
    "simulation": N_("Monte Carlo"),
}
"""The sheets in order, by key, with their English names (translated with ``--lang``)."""

_LCID = {"en": "809", "nl": "413"}
"""The Windows locale id written in number formats, so currency and month names follow the language."""

_FORMULA_START = ("=", "+", "-", "@")
"""The first characters a spreadsheet may read as the start of a formula when a person types them."""

_WIDTH_MIN, _WIDTH_MAX = 8, 60
"""Column widths in characters: at least, at most (longer texts wrap)."""

_BOLD = Font(bold=True)


def safe_text(cell: Cell | MergedCell, text: str) -> None:
    """Write ``text`` into ``cell`` as a text cell, never as a formula, whatever it starts with."""
    cell.value = text
    cell.data_type = "s"


@attrs.define
class _Formats:
    """The number formats of one workbook: money in the contract's currency and dates, in the language."""

    money: str
    date: str
    month: str
    rate: str = "0.00%"
    number: str = "#,##0.######"
    count: str = "#,##0"
    multiple: str = '0.000"×"'

    @classmethod
    def of(cls, lang: Language, currency: str) -> _Formats:
        decimals = currency_decimals(currency)
        symbol = get_currency_symbol(currency, locale=lang.locale).replace('"', "")
        lcid = _LCID.get(lang.code)
        digits = "#,##0" + ("." + "0" * decimals if decimals else "")
        tag = f"[$-{lcid}]" if lcid else ""
        sym = f"[${symbol}-{lcid}]" if lcid else f'"{symbol}"'
        # € 3.500,00 and € -3.500,00 in Dutch, as Babel writes Dutch amounts; €3,500.00 and -€3,500.00 in English
        money = f"{sym} {digits};{sym} -{digits}" if lang.code == "nl" else f"{sym}{digits};-{sym}{digits}"
        return cls(money=money, date=f"{tag}d mmm yyyy", month=f"{tag}mmm yyyy")


class _Sheet:
    """One worksheet being written: rows appended in order, widths tracked, text always written as text."""

    def __init__(self, ws: Worksheet, fmt: _Formats, currency: str) -> None:
        self.ws = ws
        self.fmt = fmt
        self.currency = currency
        self.widths: dict[int, int] = {}
        self.row = 0

    @property
    def title(self) -> str:
        """The sheet's name quoted for a formula (``'Cash flows'``)."""
        return quote_sheetname(self.ws.title)

    def header(self, labels: Sequence[str]) -> None:
        """The header row (bold, frozen with every row above it)."""
        self.append(labels, bold=True)
        self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=1).coordinate

    def append(self, values: Sequence[object], *, bold: bool = False) -> int:
        """Append a row of ``values`` (see ``put``); returns its row number (from 1)."""
        self.row += 1
        for col, value in enumerate(values, start=1):
            self.put(self.row, col, value, bold=bold)
        return self.row

    def put(self, row: int, col: int, value: object, *, bold: bool = False) -> None:
        """One cell: ``_Money`` in currency units with the money format, a ``_Live`` formula, a date, a
        number, or text (always a text cell); ``None`` leaves it empty."""
        cell = self.ws.cell(row=row, column=col)
        shown = ""
        if value is None:
            return
        if isinstance(value, _Money):
            cell.value = cents_to_decimal(value.cents, self.currency)
            cell.number_format = self.fmt.money
            shown = f"{cell.value:,}" + "xxx"
        elif isinstance(value, _Live):
            cell.value = value.formula
            cell.number_format = value.format or "General"
            shown = "x" * 14
        elif isinstance(value, dt.date):
            cell.value = value
            cell.number_format = self.fmt.date
            shown = "x" * 12
        elif isinstance(value, _Number):
            cell.value = value.value
            cell.number_format = value.format
            shown = "x" * 12
        elif isinstance(value, bool):
            shown = str(value).lower()
            safe_text(cell, shown)
        elif isinstance(value, (int, float, Decimal)):
            cell.value = value
            shown = str(value)
        else:
            text = str(value)
            safe_text(cell, text)
            shown = text
            if "\n" in text or len(text) > _WIDTH_MAX:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = _BOLD
        longest = max((len(line) for line in str(shown).splitlines()), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)

    def ref(self, row: int, col: int, *, absolute: bool = False, sheet: bool = True) -> str:
        """A cell's reference for a formula (``'Cash flows'!$B$2``)."""
        letter = get_column_letter(col)
        at = f"${letter}${row}" if absolute else f"{letter}{row}"
        return f"{self.title}!{at}" if sheet else at

    def span(self, col: int, first: int, last: int, *, sheet: bool = True) -> str:
        """A column's range of rows for a formula (``'Cash flows'!$B$2:$B$37``)."""
        letter = get_column_letter(col)
        at = f"${letter}${first}:${letter}${last}"
        return f"{self.title}!{at}" if sheet else at

    def finish(self) -> None:
        """Set sensible column widths (the longest content, within bounds)."""
        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, _WIDTH_MIN), _WIDTH_MAX)


@attrs.frozen
class _Money:
    """An amount in cents, written in currency units with the money format."""

    cents: int


@attrs.frozen
class _Live:
    """A formula (``=SUM(…)``) written by sibkit itself, never from contract text; and its number format."""

    formula: str
    format: str | None = None


@attrs.frozen
class _Number:
    """A number with its own number format (a rate, a multiple, a count)."""

    value: float | int | Decimal
    format: str


def workbook_bytes(
    contract: Contract, lang: str = "en", *, scenario: Scenario | None = None, simulate_n: int | None = None
) -> bytes:
    """The workbook of ``contract`` as ``.xlsx`` bytes, its sheets and headers in ``lang``.

    ``scenario``: the scenario whose accounts, monthly cash flows, ledger and tranches are shown (default:
    the contract's default scenario); the scenarios sheet shows every named scenario. ``simulate_n``: add a
    Monte Carlo summary of that many scenarios (seed ``SIMULATION_SEED``, one process). Money in the cells is
    in currency units (the contract's cents divided exactly); the same arguments give the same bytes.
    Raises ``sibkit.engine.simulate.SimulationTooLarge`` when ``simulate_n`` is too large for the contract.
    """
    words = Language(lang)
    shown = scenario or contract.default_scenario()
    maximum = maximum_payment(contract)
    res = run(contract, shown, maximum=maximum)
    scenarios = contract.scenarios or (shown,)
    runs = [res if s == shown else run(contract, s, maximum=maximum) for s in scenarios]
    summary = None
    if simulate_n is not None:
        summary = summarise(contract, simulate(contract, simulate_n, SIMULATION_SEED, workers=1))
    book = Workbook()
    fmt = _Formats.of(words, contract.currency)
    sheets: dict[str, _Sheet] = {}
    first = True
    for key, title in SHEETS.items():
        if (key == "simulation" and summary is None) or (key == "rates" and _card(contract) is None):
            continue
        ws = cast("Worksheet", book.active) if first else book.create_sheet()
        first = False
        ws.title = words.translate(title).replace("'", "’")  # an apostrophe would need quoting in every formula
        sheets[key] = _Sheet(ws, fmt, contract.currency)
    w = _Writer(contract, words, shown, res, sheets)
    w.about()
    w.inputs(book)
    w.rates()
    w.scenarios(scenarios, runs)
    w.ledger()
    w.cash_flows()
    w.accounts()
    w.tranches()
    w.findings(run_checks(contract, maximum=maximum))
    if summary is not None:
        w.simulation(summary)
    for sheet in sheets.values():
        sheet.finish()
    # the formulas are written without cached values: the spreadsheet computes every one when it opens the file
    book.calculation.fullCalcOnLoad = True
    book.properties.creator = "sibkit"
    book.properties.lastModifiedBy = "sibkit"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated ``FIXED_TIME`` (openpyxl dates them now) and the document's
    modification time fixed (openpyxl writes the time of saving)."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", body
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


class _Writer:
    """Writes the sheets of one workbook from one scenario's run (and the other scenarios' headline results)."""

    def __init__(self, c: Contract, words: Language, scenario: Scenario, res: Results, sheets: dict[str, _Sheet]):
        self.c = c
        self.w = words
        self.scenario = scenario
        self.res = res
        self.sheets = sheets
        self.fmt = next(iter(sheets.values())).fmt
        self.entries: list[Entry] = list(res.flows.ledger.entries(0))
        self.months = res.flows.ledger.months
        self.cash_cols: dict[tuple[str, str], int] = {}
        """(party id, ``pays``/``receives``) or (tranche id, ``tranche``) → its column on the cash flows sheet."""
        self.cash_rows = (2, 1 + self.months)
        self.ledger_rows = (2, 1 + max(len(self.entries), 1))
        self.tol = f"{Decimal(1).scaleb(-currency_decimals(c.currency)) / 2}"

    def _(self, message: str, **variables: object) -> str:
        return self.w.translate(message, **variables)

    def check(self, pairs: Sequence[tuple[str, str]], tol: str | None = None) -> _Live:
        """A check cell: ``OK`` when every pair of references agrees (to half a cent, or ``tol``), else ``DIFFERS``."""
        limit = tol or self.tol
        tests = ",".join(f"ABS({a}-{b})<{limit}" for a, b in pairs)
        ok, differs = self._("OK"), self._("DIFFERS")
        return _Live(f'=IF(AND({tests}),"{ok}","{differs}")')

    # -- about ---------------------------------------------------------------------------------
    def about(self) -> None:
        s, c = self.sheets["about"], self.c
        s.header([self._("Item"), self._("Value")])
        s.append([self._("Contract"), self.w.text(c.name)])
        s.append([self._("Currency"), c.currency])
        shown = self._scenario_name(self.scenario)
        s.append([self._("Scenario of the accounts, cash flows, ledger and tranches"), shown])
        s.append([self._("Start of the contract"), c.timeline.start])
        s.append([self._("Term (months)"), c.timeline.term_months])
        s.append([self._("Money"), self._("in currency units; every figure the engine computed is in whole cents")])
        s.append(
            [
                self._("Checks"),
                self._(
                    "a total is a formula over the rows it adds up, the engine's figure stands beside it, "
                    "and the check cell says OK when they agree"
                ),
            ]
        )
        s.append([])
        s.append([self._("Sheet"), self._("What it holds")], bold=True)
        notes = {
            "about": N_("this overview"),
            "inputs": N_("every number of the contract, with its source or the assumption behind it"),
            "rates": N_("the rate card in the layout sibkit import-rates reads back"),
            "scenarios": N_("the headline results of every scenario"),
            "accounts": N_("each party's account by budget year, totals as formulas over the cash flows"),
            "cash": N_("each party's payments and receipts per month, and each tranche's cash flow"),
            "ledger": N_("every movement of money, with who paid whom, when and why"),
            "tranches": N_("each tranche's return: XIRR and IRR as formulas over its monthly cash flow"),
            "findings": N_("the perverse incentives and risks sibkit check finds, with remedies"),
            "simulation": N_("the Monte Carlo summary: risks per party over simulated scenarios"),
        }
        for key, sheet in self.sheets.items():
            s.append([sheet.ws.title, self._(notes[key])])

    # -- inputs --------------------------------------------------------------------------------
    def inputs(self, book: Workbook) -> None:
        s, c = self.sheets["inputs"], self.c
        s.header(
            [
                self._("Path"),
                self._("Item"),
                self._("Value"),
                self._("Unit"),
                self._("Basis"),
                self._("Source or assumption"),
                self._("Name"),
            ]
        )
        sources = {src.id: src for src in c.sources}
        for path, item, value, unit, prov in _numbers(c, "", ""):
            name = _range_name(path)
            cell = self._input_value(value, unit)
            if prov is None:
                basis, detail = self._("not stated"), ""
            elif prov.source is not None:
                src = sources.get(prov.source)
                title = self.w.text(src.title) if src else prov.source
                basis = self._("source")
                detail = f"{title} [{prov.source}]" + (f", {self.w.text(prov.locator)}" if prov.locator else "")
            else:
                basis, detail = self._("assumption"), self.w.text(prov.assumption or "")
            row = s.append([path, self.w.text(item) or self._("the contract"), cell, self._(unit), basis, detail, name])
            if name:
                book.defined_names[name] = DefinedName(name, attr_text=s.ref(row, 3, absolute=True))

    def _input_value(self, value: object, unit: str) -> object:
        if unit == _MONEY:
            return _Money(int(cast("int", value)))
        if isinstance(value, Fraction):
            return _Number(float(value), self.fmt.number)
        if isinstance(value, Decimal):
            return _Number(value, self.fmt.number)
        return value

    # -- rate card -----------------------------------------------------------------------------
    def rates(self) -> None:
        card = _card(self.c)
        if card is None:
            return
        s = self.sheets["rates"]
        header, rows = rate_rows(self.c, card)
        s.header(header)  # column names as import-rates reads them, in every language
        for entry, row in zip(card.entries, rows, strict=True):
            row[1] = self.w.text(self.c.metric(entry.metric).name)  # import-rates knows the name in any language
            s.append(
                [
                    _Money(int(x.scaleb(currency_decimals(self.c.currency)))) if isinstance(x, Decimal) else x
                    for x in row
                ]
            )

    # -- scenarios -----------------------------------------------------------------------------
    def scenarios(self, scenarios: Sequence[Scenario], runs: Sequence[Results]) -> None:
        s, c = self.sheets["scenarios"], self.c
        labels = [
            self._("Scenario"),
            self._("Description"),
            self._("Participants"),
            self._("Outcome payments"),
            self._("Cut by caps"),
            self._("Cashable savings"),
        ]
        labels += [self._("Paid by %(payer)s", payer=p.id) for p in c.payers]
        labels += [self._("IRR of %(tranche)s", tranche=t.id) for t in c.tranches]
        s.header(labels)
        for sc, r in zip(scenarios, runs, strict=True):
            row: list[object] = [
                self._scenario_name(sc),
                self.w.text(sc.description),
                int(r.participants[0]),
                _Money(int(r.outcome_payments[0])),
                _Money(int(r.cap_cut[0])),
                _Money(int(r.cashable_savings[0])),
            ]
            row += [_Money(int(p.paid[0])) for p in r.payers]
            row += [self._irr_value(float(t.irr[0]), int(t.irr_reason[0])) for t in r.tranches]
            s.append(row)

    def _scenario_name(self, sc: Scenario) -> str:
        """The scenario's label in the workbook's language (laag/basis/hoog), else its id."""
        return scenario_label(self.w, sc)

    def _irr_value(self, rate: float, reason: int) -> object:
        if reason:
            return self._("undefined: %(reason)s", reason=irr_reason(self.w, reason))
        return _Number(rate, self.fmt.rate)

    # -- ledger --------------------------------------------------------------------------------
    def ledger(self) -> None:
        s, c = self.sheets["ledger"], self.c
        s.header(
            [
                self._("Month"),
                self._("Date"),
                self._("From"),
                self._("To"),
                self._("Amount"),
                self._("Reason"),
                self._("From (account)"),
                self._("To (account)"),
            ]
        )
        for e in self.entries:
            s.append(
                [
                    e.month,
                    c.timeline.month_start(e.month),
                    account(self.w, e.source),
                    account(self.w, e.target),
                    _Money(e.amount),
                    ledger_reason(self.w, e.reason),
                    e.source,
                    e.target,
                ]
            )
            s.ws.cell(row=s.row, column=2).number_format = self.fmt.month
        last = s.row
        total = s.append([self._("Total"), None, None, None, _Live(f"=SUM({s.span(5, 2, max(last, 2), sheet=False)})")])
        s.ws.cell(row=total, column=5).number_format = self.fmt.money
        s.ws.cell(row=total, column=1).font = _BOLD
        self.ledger_rows = (2, max(last, 2))

    # -- cash flows ----------------------------------------------------------------------------
    def cash_flows(self) -> None:
        s, c, res = self.sheets["cash"], self.c, self.res
        ledger = res.flows.ledger
        labels = [self._("Month"), self._("Date"), self._("Budget year")]
        columns: list[tuple[str, str, np.ndarray[Any, Any]]] = []
        for a in res.accounts:
            if not (a.pays.any() or a.receives.any()):
                continue
            columns.append((a.id, "pays", ledger.outflow(a.id)[0]))
            columns.append((a.id, "receives", ledger.inflow(a.id)[0]))
            labels += [self._("%(party)s pays", party=a.id), self._("%(party)s receives", party=a.id)]
        for j, t in enumerate(c.tranches):
            columns.append((t.id, "tranche", res.flows.tranche_cash[0, :, j]))
            labels.append(self._("Tranche %(tranche)s (investor's cash flow)", tranche=t.id))
        s.header(labels)
        s.ws.freeze_panes = "D2"
        for m in range(self.months):
            row: list[object] = [m, c.timeline.month_start(m), c.timeline.budget_year(m)]
            row += [_Money(int(values[m])) for _, _, values in columns]
            s.ws.cell(row=s.append(row), column=2).number_format = self.fmt.month
        first, last = self.cash_rows
        sums = [
            _Live(f"=SUM({s.span(3 + k + 1, first, last, sheet=False)})", self.fmt.money) for k in range(len(columns))
        ]
        total = s.append([self._("Total of the months"), None, None, *sums], bold=True)
        led = self.sheets["ledger"]
        lo, hi = self.ledger_rows
        from_ledger: list[object] = []
        engine: list[object] = []
        for party, kind, _values in columns:
            if kind == "tranche":
                from_ledger.append(None)
                tr = next(x for x in res.tranches if x.id == party)
                engine.append(_Money(int(tr.returned[0] - tr.drawn[0])))
                continue
            col = 7 if kind == "pays" else 8
            from_ledger.append(
                _Live(f'=SUMIF({led.span(col, lo, hi)},"{_quoted(party)}",{led.span(5, lo, hi)})', self.fmt.money)
            )
            a = next(x for x in res.accounts if x.id == party)
            engine.append(_Money(int((a.pays if kind == "pays" else a.receives)[0])))
        ledger_row = s.append([self._("Total from the ledger"), None, None, *from_ledger], bold=True)
        engine_row = s.append([self._("Engine"), None, None, *engine], bold=True)
        checks: list[object] = []
        for k, (_, kind, _) in enumerate(columns):
            col = 4 + k
            pairs = [(s.ref(total, col, sheet=False), s.ref(engine_row, col, sheet=False))]
            if kind != "tranche":
                pairs.append((s.ref(ledger_row, col, sheet=False), s.ref(engine_row, col, sheet=False)))
            checks.append(self.check(pairs))
        s.append([self._("Check"), None, None, *checks], bold=True)
        for k, (party, kind, _) in enumerate(columns):
            self.cash_cols[(party, kind)] = 4 + k

    # -- accounts ------------------------------------------------------------------------------
    def accounts(self) -> None:
        s, cash = self.sheets["accounts"], self.sheets["cash"]
        s.header(
            [
                self._("Party"),
                self._("Name"),
                self._("Roles"),
                self._("Year"),
                self._("Pays"),
                self._("Receives"),
                self._("Net"),
                self._("Cashable savings"),
                self._("Appropriated"),
                self._("Engine: pays"),
                self._("Engine: receives"),
                self._("Engine: cashable savings"),
                self._("Check"),
            ]
        )
        first, last = self.cash_rows
        years = cash.span(3, first, last)
        for a in self.res.accounts:
            roles = ", ".join(role_word(self.w, r) for r in a.roles)
            rows = []
            for y in a.years:
                row = s.row + 1
                pays = self._cash_sum(a.id, "pays", years, y.year)
                receives = self._cash_sum(a.id, "receives", years, y.year)
                rows.append(
                    s.append(
                        [
                            a.id,
                            self.w.text(a.name),
                            roles,
                            y.year,
                            pays,
                            receives,
                            _Live(f"={s.ref(row, 6, sheet=False)}-{s.ref(row, 5, sheet=False)}", self.fmt.money),
                            _Money(int(y.savings[0])) if y.savings is not None else None,
                            _Money(y.appropriated) if y.appropriated is not None else None,
                            _Money(int(y.pays[0])),
                            _Money(int(y.receives[0])),
                            _Money(int(y.savings[0])) if y.savings is not None else None,
                            self._account_check(row),
                        ]
                    )
                )
            row = s.row + 1
            lo, hi = (rows[0], rows[-1]) if rows else (row, row)

            def total(col: int, lo: int = lo, hi: int = hi) -> _Live:
                return _Live(f"=SUM({s.span(col, lo, hi, sheet=False)})", self.fmt.money)

            s.append(
                [
                    a.id,
                    self.w.text(a.name),
                    roles,
                    self._("total"),
                    total(5),
                    total(6),
                    _Live(f"={s.ref(row, 6, sheet=False)}-{s.ref(row, 5, sheet=False)}", self.fmt.money),
                    total(8),
                    None,
                    _Money(int(a.pays[0])),
                    _Money(int(a.receives[0])),
                    _Money(int(a.savings[0])),
                    self._account_check(row),
                ],
                bold=True,
            )

    def _cash_sum(self, party: str, kind: str, years: str, year: int) -> object:
        col = self.cash_cols.get((party, kind))
        if col is None:
            return _Money(0)
        cash = self.sheets["cash"]
        first, last = self.cash_rows
        return _Live(f"=SUMIFS({cash.span(col, first, last)},{years},{year})", self.fmt.money)

    def _account_check(self, row: int) -> _Live:
        s = self.sheets["accounts"]
        pairs = [(s.ref(row, a, sheet=False), s.ref(row, b, sheet=False)) for a, b in ((5, 10), (6, 11), (8, 12))]
        return self.check(pairs)

    # -- tranches ------------------------------------------------------------------------------
    def tranches(self) -> None:
        s, cash, c = self.sheets["tranches"], self.sheets["cash"], self.c
        s.header(
            [
                self._("Tranche"),
                self._("Investor"),
                self._("Drawn"),
                self._("Net cash flow"),
                self._("Returned"),
                self._("Engine: returned"),
                self._("Multiple"),
                self._("Loss"),
                self._("Payback month"),
                self._("XIRR (actual days)"),
                self._("Engine: XIRR"),
                self._("IRR (monthly, annualised)"),
                self._("Engine: IRR"),
                self._("Check"),
            ]
        )
        if not self.res.tranches:
            s.append([self._("No investors: providers carry the working capital until outcome payments arrive.")])
            return
        first, last = self.cash_rows
        dates = cash.span(2, first, last)
        for j, t in enumerate(self.res.tranches):
            row = s.row + 1
            flow = cash.span(self.cash_cols[(t.id, "tranche")], first, last)
            reason = int(t.irr_reason[0])
            cash_row = self.res.flows.tranche_cash[0, :, j]
            pairs = [(s.ref(row, 5, sheet=False), s.ref(row, 6, sheet=False))]
            if reason:
                live_x: object = self._irr_value(float("nan"), reason)
                engine_x: object = live_x
                live_irr: object = live_x
            else:
                amounts = [float(x) for x in cash_row]
                dates_ = [c.timeline.month_start(m) for m in range(len(amounts))]
                # guess 0%: from Excel's default 10%, Newton's method can run off to -100% on a losing tranche
                live_x = _Live(f"=XIRR({flow},{dates},0)", self.fmt.rate)
                engine_x = _Number(xirr(amounts, dates_), self.fmt.rate)
                live_irr = _Live(f"=(1+IRR({flow}))^12-1", self.fmt.rate)
            rates = [(s.ref(row, 10, sheet=False), s.ref(row, 11, sheet=False))]
            rates.append((s.ref(row, 12, sheet=False), s.ref(row, 13, sheet=False)))
            checks = (
                f"AND({','.join(f'ABS({a}-{b})<{self.tol}' for a, b in pairs)}"
                + ("" if reason else "," + ",".join(f"ABS({a}-{b})<0.000001" for a, b in rates))
                + ")"
            )
            multiple = float(t.multiple[0])
            s.append(
                [
                    t.id,
                    t.investor,
                    _Money(int(t.drawn[0])),
                    _Live(f"=SUM({flow})", self.fmt.money),
                    _Live(f"={s.ref(row, 4, sheet=False)}+{s.ref(row, 3, sheet=False)}", self.fmt.money),
                    _Money(int(t.returned[0])),
                    None if np.isnan(multiple) else _Number(multiple, self.fmt.multiple),
                    _Money(int(t.loss[0])),
                    self._("never") if t.payback_month[0] < 0 else int(t.payback_month[0]),
                    live_x,
                    engine_x,
                    live_irr,
                    self._irr_value(float(t.irr[0]), reason),
                    _Live(f'=IF({checks},"{self._("OK")}","{self._("DIFFERS")}")'),
                ]
            )

    # -- findings ------------------------------------------------------------------------------
    def findings(self, found: Sequence[Finding]) -> None:
        s, code = self.sheets["findings"], self.w.code
        s.header(
            [
                self._("Severity"),
                self._("Code"),
                self._("Finding"),
                self._("Where"),
                self._("Explanation"),
                self._("What to do"),
            ]
        )
        severity = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
        for f in found:
            s.append(
                [
                    self._(severity[f.severity]),
                    f.code,
                    f.title(code),
                    f.path,
                    f.explanation(code),
                    f.mitigation(code),
                ]
            )
        if not found:
            s.append([self._("No findings.")])

    # -- simulation ----------------------------------------------------------------------------
    def simulation(self, summ: Summary) -> None:
        s = self.sheets["simulation"]
        s.header([self._("Party"), self._("Measure"), self._("Value")])
        s.append([self._("scenarios"), self._("drawn (seed %(seed)s)", seed=summ.seed), summ.n])

        def money(x: float) -> object:
            return _Money(int(np.floor(x + 0.5))) if np.isfinite(x) else self._("undefined")

        def rate(x: float) -> object:
            return _Number(x, self.fmt.rate) if np.isfinite(x) else self._("undefined")

        for tr in summ.tranches:
            for label, value in (
                (N_("chance of loss"), rate(tr.chance_of_loss)),
                (N_("expected loss"), money(tr.expected_loss)),
                ("IRR P5", rate(tr.irr_p5)),
                ("IRR P50", rate(tr.irr_p50)),
                ("IRR P95", rate(tr.irr_p95)),
                (N_("no IRR"), rate(tr.irr_undefined)),
            ):
                s.append([self._("Tranche %(tranche)s", tranche=tr.id), self._(label), value])
        for p in summ.payers:
            for label, value in (
                (N_("expected"), money(p.expected)),
                ("P50", money(p.p50)),
                ("P95", money(p.p95)),
                (N_("maximum"), money(p.maximum)),
            ):
                s.append([p.id, self._(label), value])
            if p.chance_over_budget is not None:
                s.append([p.id, self._("chance over budget"), rate(p.chance_over_budget)])
        for pr in summ.providers:
            for label, value in (
                (N_("expected margin"), money(pr.expected_margin)),
                (N_("chance cash < 0"), rate(pr.chance_below_zero)),
                (N_("chance cash < minimum"), rate(pr.chance_below_minimum)),
                (N_("lowest cash P5"), money(pr.lowest_cash_p5)),
            ):
                s.append([pr.id, self._(label), value])


def _card(contract: Contract) -> RateCard | None:
    """The contract's first rate card (the one the rate card sheet shows), if any."""
    return next((r for r in contract.rules if isinstance(r, RateCard)), None)


def _quoted(text: str) -> str:
    """``text`` inside a formula's string literal (a double quote doubled)."""
    return text.replace('"', '""')


_MONEY = N_("money")
_MONTHS = N_("months")
_DATE = N_("date")
_COUNT = N_("number")


def _numbers(obj: object, path: str, item: str) -> Iterator[tuple[str, str, object, str, Provenance | None]]:
    """Every number of ``obj`` (a contract or a part of it): (path, name of the object it belongs to, value,
    unit, its provenance or ``None``). Money is recognised by its type (``Cents``), months by the field's name."""
    if not attrs.has(type(obj)):
        return
    own = getattr(obj, "name", None) if not isinstance(obj, Contract) else None
    if not isinstance(own, str) or not own:
        ident = getattr(obj, "id", None)
        own = ident if isinstance(ident, str) else None
    here = own or item
    hints = typing.get_type_hints(type(obj))
    prov: dict[str, Provenance] = getattr(obj, "provenance", {}) or {}
    for a in attrs.fields(cast("type[attrs.AttrsInstance]", type(obj))):
        if a.name in ("provenance", "format"):
            continue
        value = getattr(obj, a.name)
        where = f"{path}.{a.name}" if path else a.name
        money = _is_money(hints.get(a.name))
        unit = _unit(a.name, money)
        for sub, leaf in _leaves(value, where):
            if isinstance(leaf, (bool, str)) or leaf is None:
                continue
            if isinstance(leaf, (int, Decimal, Fraction, dt.date)):
                yield sub, here, leaf, _DATE if isinstance(leaf, dt.date) else unit, prov.get(a.name)
            else:
                yield from _numbers(leaf, sub, here)


def _leaves(value: object, path: str) -> Iterator[tuple[str, object]]:
    """``value`` itself, or the elements of a tuple or a mapping, with their paths."""
    if isinstance(value, tuple):
        for i, element in enumerate(value):
            yield from _leaves(element, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, element in value.items():
            yield f"{path}.{key}", element
    else:
        yield path, value


def _is_money(hint: object) -> bool:
    """Whether a field's type holds money: ``Cents``, ``Cents | None`` or a mapping to ``Cents``."""
    if hint is Cents:
        return True
    return any(_is_money(arg) for arg in typing.get_args(hint))


def _unit(name: str, money: bool) -> str:
    if money:
        return _MONEY
    if name.endswith("months") or name == "month":
        return _MONTHS
    return _COUNT


def _range_name(path: str) -> str | None:
    """The defined name of a main input (``in_timeline_term_months``, ``in_payers_0_budget``): the fields of
    the contract, of its timeline and population, and of each element of its lists; ``None`` for deeper ones."""
    if path.count("[") > 1 or path.count(".") > 1 or path.endswith("]"):
        return None
    return "in_" + re.sub(r"[^A-Za-z0-9_]+", "_", path).strip("_")
