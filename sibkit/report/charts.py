"""Charts of a contract's results, as SVG or PNG bytes (matplotlib, no GUI).

* ``payoff_chart``: payer cost, provider margin and investor IRR against the
  success level (from ``sibkit.sweep.sweep``), with the break-even levels;
* ``waterfall_chart``: each party's cumulative cash over the term, for one
  scenario of an engine run.

Every text shown in a chart is in ``LABELS`` below, in English and marked for
translation; a caller passes them translated as ``labels`` (the term sheet's
``chart_labels``). Figures are drawn without pyplot (no global state, no GUI
backend) on matplotlib's default style, whatever the user's ``matplotlibrc``
says; PNG is rendered by Agg. SVG output is deterministic (fixed hash salt for
element ids, no date) so two runs of the same input give the same bytes; text
stays text in the SVG (searchable, translatable), not paths.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import matplotlib.style
import numpy as np
import numpy.typing as npt
from babel.numbers import format_decimal, get_decimal_symbol
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from sibkit.engine.results import Results
from sibkit.i18n import N_
from sibkit.model import Contract
from sibkit.model.common import CONTROL_CHARACTERS
from sibkit.money import SYMBOLS, currency_decimals
from sibkit.sweep import BreakEven, BreakEvenKind, Sweep
from sibkit.texts import text_in

__all__ = [
    "LABELS",
    "ChartFormat",
    "distribution_chart",
    "payoff_chart",
    "waterfall_chart",
]

ChartFormat = Literal["svg", "png"]
"""The image formats a chart can be rendered to."""

LABELS: dict[str, str] = {
    # payoff chart
    "payoff_title": N_("{contract}: who pays and who earns at each success level"),
    "success_axis": N_("Success level (× '{scenario}' scenario)"),
    "money_axis": N_("Amount ({currency})"),
    "money_panel": N_("Payer cost and provider margin"),
    "irr_axis": N_("IRR (% a year)"),
    "irr_panel": N_("Investor return per tranche"),
    "payer_cost": N_("{party}: cost (payer)"),
    "provider_margin": N_("{party}: margin (provider)"),
    "tranche_irr": N_("{party}: IRR (tranche, {investor})"),
    "be_principal_back": N_("principal back"),
    "be_irr_zero": N_("IRR 0%"),
    "be_margin_zero": N_("margin 0"),
    "be_party": N_("{party}: {events}"),
    "be_key": N_("({number}) from {level}×:"),
    "be_heading": N_("Break-even levels (dotted lines)"),
    # waterfall chart
    "waterfall_title": N_("{contract}: cumulative cash by party"),
    "month_axis": N_("Months from the contract start ({start})"),
    "cash_axis": N_("Cumulative cash ({currency})"),
    "payer_cash": N_("{party} (payer)"),
    "provider_cash": N_("{party} (provider)"),
    "tranche_cash": N_("{party} (tranche, {investor})"),
    # Monte Carlo distribution
    "distribution_title": N_("{contract}: what the payers pay in {count} simulated scenarios"),
    "distribution_axis": N_("Payers' cost: outcome payments, VAT and fees ({currency})"),
    "share_axis": N_("Share of scenarios (%)"),
    "median": N_("median"),
    "p95": N_("95th percentile"),
}
"""Every text the charts show, in English and marked for translation (the term sheet passes them translated as
``labels``); ``{…}`` fields are filled in (ids, names, currency symbol)."""

_BREAK_EVEN_LABEL: dict[BreakEvenKind, str] = {
    "principal_back": "be_principal_back",
    "irr_zero": "be_irr_zero",
    "margin_zero": "be_margin_zero",
}

_RC: dict[str, Any] = {
    "svg.hashsalt": "sibkit",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
"""Settings on top of matplotlib's default style: stable SVG ids, text kept as text."""

_WIDTH, _HEIGHT, _DPI = 10.0, 7.0, 100
_MERGE = 0.02
"""Break-even levels closer than this share of the x range get one label."""


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's default style plus ``_RC``, for the duration of drawing and saving one chart."""
    with matplotlib.style.context(["default", _RC]):
        yield


def _figure(height: float = _HEIGHT) -> Figure:
    fig = Figure(figsize=(_WIDTH, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _check_format(fmt: str) -> None:
    if fmt not in ("svg", "png"):
        raise ValueError(f"expected the format svg or png, got {fmt!r}")


def _render(fig: Figure, fmt: ChartFormat) -> bytes:
    """``fig`` as image bytes; SVG without a date, PNG without a software stamp, so output is reproducible."""
    buf = io.BytesIO()
    metadata: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()


def _currency(contract: Contract) -> str:
    return SYMBOLS.get(contract.currency, contract.currency)


def _per_unit(contract: Contract) -> int:
    """Cents (minor units) in one unit of the contract's currency: 100 for EUR, 1 for JPY, 1000 for KWD."""
    return int(10 ** currency_decimals(contract.currency))


def _as_written(text: str, locale: str) -> str:
    """Contract text (a name) for a chart, shown as written in the chart's language (the language of
    ``locale``, with the fallback of ``text_in``): ``$`` escaped, so matplotlib does not read it as
    mathematical notation (which can fail to parse), and control characters replaced."""
    return CONTROL_CHARACTERS.sub("\ufffd", text_in(text, locale.split("_")[0])).replace("$", r"\$")


def _whole(x: float, locale: str) -> str:
    """A whole number with the locale's grouping: ``1,250,000`` (en_GB), ``1.250.000`` (nl_NL)."""
    return format_decimal(round(x), format="#,##0", locale=locale)


def _money_ticks(axis: Any, locale: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: _whole(x, locale)))


class _DecimalMarkFormatter(ScalarFormatter):
    """matplotlib's choice of tick labels, written with the locale's decimal mark (``0,5`` in Dutch)."""

    def __init__(self, locale: str) -> None:
        super().__init__()
        self._mark = get_decimal_symbol(locale)

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = super().__call__(x, pos)
        return text if self._mark == "." else text.replace(".", self._mark)


def _plain_ticks(ax: Axes, locale: str) -> None:
    """Both axes of ``ax`` labelled as matplotlib would, with the locale's decimal mark."""
    ax.xaxis.set_major_formatter(_DecimalMarkFormatter(locale))
    ax.yaxis.set_major_formatter(_DecimalMarkFormatter(locale))


def _texts(labels: Mapping[str, str] | None) -> Mapping[str, str]:
    """``LABELS``, with any given texts (a translation) in their place."""
    return LABELS if labels is None else {**LABELS, **labels}


def _level_text(level: float, locale: str) -> str:
    """A success level to at most three decimals, with the locale's decimal mark (``1.25`` / ``1,25``)."""
    return format_decimal(round(level, 3), format="0.###", locale=locale)


def _break_even_lines(
    axes: tuple[Axes, ...],
    marks: tuple[BreakEven, ...],
    span: tuple[float, float],
    text: Mapping[str, str],
    locale: str,
) -> list[tuple[Line2D, str]]:
    """Dotted vertical lines at the break-even levels, numbered at the top of the upper panel.

    Returns a legend entry per line: its number, level, and per party what happens there. Levels
    closer together than ``_MERGE`` of the x range share one number (at the lowest of them), so the
    numbers do not print over each other. Points already reached at the lowest level swept, or never
    reached, are left out.
    """
    lo, hi = span
    marked = sorted(
        ((b.level, b.party, text[_BREAK_EVEN_LABEL[b.what]]) for b in marks if b.level is not None and b.level > lo),
        key=lambda m: m[0],
    )
    groups: list[tuple[float, dict[str, list[str]]]] = []
    for level, party, event in marked:
        if not groups or level - groups[-1][0] > _MERGE * (hi - lo):
            groups.append((level, {}))
        events = groups[-1][1].setdefault(party, [])
        if event not in events:
            events.append(event)
        for ax in axes:
            ax.axvline(level, linestyle=":", color="0.35", linewidth=1.0)
    top = axes[0]
    entries: list[tuple[Line2D, str]] = []
    for number, (level, parties) in enumerate(groups, start=1):
        top.text(
            level,
            0.98,
            str(number),
            transform=top.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
            color="0.25",
            bbox={"facecolor": "white", "edgecolor": "0.5", "boxstyle": "circle,pad=0.2", "linewidth": 0.5},
        )
        lines = [text["be_key"].format(number=number, level=_level_text(level, locale))]
        lines += [
            "    " + text["be_party"].format(party=party, events=", ".join(events)) for party, events in parties.items()
        ]
        entries.append((Line2D([], [], linestyle=":", color="0.35", linewidth=1.0), "\n".join(lines)))
    return entries


def _legend(ax: Axes) -> None:
    """The legend to the right of the panel, clear of the curves."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)


def payoff_chart(
    sweep: Sweep,
    contract: Contract,
    fmt: ChartFormat = "svg",
    *,
    labels: Mapping[str, str] | None = None,
    locale: str = "en_GB",
) -> bytes:
    """Payoff curves against the success level, as ``fmt`` image bytes.

    Two panels share the x axis (success level, a multiple of the swept scenario's success rates):
    on top each payer's cost and each provider's margin in currency units (cents / 10^decimals); below each
    tranche's annual IRR in percent (gaps where it is undefined). A contract without tranches gets the
    top panel only. Dotted vertical lines mark the
    break-even levels of ``sweep.break_even``, numbered, with a key below the panels. Numbers are
    written in ``locale`` (a Babel locale: ``en_GB``, ``nl_NL``). Raises ``ValueError`` for another
    ``fmt``.
    """
    _check_format(fmt)
    text = _texts(labels)
    x = np.asarray(sweep.levels, dtype=np.float64)
    currency = _currency(contract)
    unit = _per_unit(contract)
    investors = {t.id: t.investor for t in contract.tranches}
    with _style():
        fig = _figure()
        # without tranches there is no IRR to draw: one panel, not an empty second one with a note
        if sweep.tranche_irr:
            top, bottom = fig.subplots(2, 1, sharex=True)
            panels: tuple[Axes, ...] = (top, bottom)
        else:
            top = bottom = fig.subplots(1, 1)
            panels = (top,)
        for party, cost in sweep.payer_cost.items():
            top.plot(x, cost / unit, marker=".", label=text["payer_cost"].format(party=party))
        for party, margin in sweep.provider_margin.items():
            top.plot(x, margin / unit, linestyle="--", marker=".", label=text["provider_margin"].format(party=party))
        top.axhline(0, color="0.2", linewidth=0.8)
        top.set_title(text["money_panel"], loc="left", fontsize=9)
        top.set_ylabel(text["money_axis"].format(currency=currency))
        _plain_ticks(bottom, locale)
        _money_ticks(top.yaxis, locale)
        key = _break_even_lines(panels, sweep.break_even, (float(x[0]), float(x[-1])), text, locale)
        if sweep.tranche_irr:
            for party, rate in sweep.tranche_irr.items():
                label = text["tranche_irr"].format(party=party, investor=investors.get(party, ""))
                bottom.plot(x, rate * 100, marker=".", label=label)
            _legend(bottom)
            bottom.axhline(0, color="0.2", linewidth=0.8)
            bottom.set_title(text["irr_panel"], loc="left", fontsize=9)
            bottom.set_ylabel(text["irr_axis"])
        bottom.set_xlabel(text["success_axis"].format(scenario=sweep.scenario))
        _legend(top)
        if key:
            fig.legend(
                [handle for handle, _ in key],
                [text for _, text in key],
                title=text["be_heading"],
                title_fontsize=8,
                alignment="left",
                loc="outside lower left",
                ncols=min(len(key), 3),
                fontsize=7,
                frameon=False,
            )
        fig.suptitle(text["payoff_title"].format(contract=_as_written(contract.name, locale)))
        return _render(fig, fmt)


def waterfall_chart(
    results: Results,
    contract: Contract,
    scenario_index: int = 0,
    fmt: ChartFormat = "svg",
    *,
    labels: Mapping[str, str] | None = None,
    locale: str = "en_GB",
) -> bytes:
    """Each party's cumulative cash over the term for scenario ``scenario_index`` of ``results``, as image bytes.

    Months from the contract start on the x axis, currency units (cents / 10^decimals) on the y axis, from 0:

    * payers: minus their cumulative outcome payments (``payer_paid``; VAT, fees paid directly and
      refunds at settlement are not in these monthly arrays, see the ledger for them);
    * providers: their cash less their opening buffer (``provider_cash``), i.e. what they received less
      what they spent so far;
    * tranches: the investor's cumulative cash flow (``tranche_cash``): draws negative, receipts positive.
    """
    _check_format(fmt)
    text = _texts(labels)
    flows = results.flows
    n = flows.provider_cash.shape[0]
    if not 0 <= scenario_index < n:
        raise ValueError(f"scenario_index must be from 0 to {n - 1}, got {scenario_index}")
    edges = np.arange(flows.provider_cash.shape[1] + 1)

    def held(cum: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Month t's end position drawn over [t, t + 1), so the last month shows too."""
        return np.append(cum, cum[-1])

    currency = _currency(contract)
    unit = _per_unit(contract)
    with _style():
        fig = _figure(height=5.0)
        ax = fig.subplots()
        for k, payer in enumerate(contract.payers):
            cum = -np.cumsum(flows.payer_paid[scenario_index, :, k]) / unit
            ax.step(edges, held(cum), where="post", label=text["payer_cash"].format(party=payer.id))
        for p, prov in enumerate(contract.providers):
            cum = (flows.provider_cash[scenario_index, :, p] - prov.buffer) / unit
            label = text["provider_cash"].format(party=prov.id)
            ax.step(edges, held(cum), where="post", linestyle="--", label=label)
        for j, t in enumerate(contract.tranches):
            cum = np.cumsum(flows.tranche_cash[scenario_index, :, j]) / unit
            label = text["tranche_cash"].format(party=t.id, investor=t.investor)
            ax.step(edges, held(cum), where="post", linestyle="-.", label=label)
        ax.axhline(0, color="0.2", linewidth=0.8)
        ax.set_xlabel(text["month_axis"].format(start=contract.timeline.start.isoformat()))
        ax.set_ylabel(text["cash_axis"].format(currency=currency))
        _plain_ticks(ax, locale)
        _money_ticks(ax.yaxis, locale)
        ax.set_xlim(0, len(edges) - 1)
        _legend(ax)
        fig.suptitle(text["waterfall_title"].format(contract=_as_written(contract.name, locale)))
        return _render(fig, fmt)


def distribution_chart(
    costs: npt.ArrayLike,
    contract: Contract,
    fmt: ChartFormat = "svg",
    *,
    labels: Mapping[str, str] | None = None,
    locale: str = "en_GB",
) -> bytes:
    """A histogram of what the payers pay together across simulated scenarios (``costs`` in cents, one value
    per scenario), with the median and the 95th percentile marked."""
    _check_format(fmt)
    text = _texts(labels)
    values = np.asarray(costs, dtype=np.float64) / _per_unit(contract)
    if values.size == 0:
        raise ValueError("no simulated scenarios to draw")
    currency = _currency(contract)
    with _style():
        fig = _figure(height=4.0)
        ax = fig.subplots()
        weights = np.full(values.size, 100.0 / values.size)
        ax.hist(values, bins=40, weights=weights, color="#4c72b0", alpha=0.85)
        for q, key, style in ((50, "median", "-"), (95, "p95", "--")):
            x = float(np.percentile(values, q))
            ax.axvline(x, color="0.2", linestyle=style, linewidth=1.0, label=f"{text[key]}: {_whole(x, locale)}")
        ax.set_xlabel(text["distribution_axis"].format(currency=currency))
        ax.set_ylabel(text["share_axis"])
        _plain_ticks(ax, locale)
        _money_ticks(ax.xaxis, locale)
        _legend(ax)
        fig.suptitle(
            text["distribution_title"].format(
                contract=_as_written(contract.name, locale), count=_whole(values.size, locale)
            )
        )
        return _render(fig, fmt)
