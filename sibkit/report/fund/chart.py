"""The fund's chart: its cash, its committed liability and its cash plus future contributions, month by month.

Drawn by matplotlib as ``sibkit.report.charts`` draws a contract's charts (the same style, no pyplot, text kept
as text in the SVG, reproducible bytes): one line per series, each with its own line style (solid, dashed,
dash-dotted, dash-dot-dotted), so that the chart reads on a grey printout too; a tick at every first January (every
second or fifth one over a long horizon); the first month the fund cannot pay a verified result in full and
the first month its committed liability exceeds its cash and future contributions marked by a vertical line
(dashed and dotted) named in the legend, so no label covers the curves. Every text is in ``FUND_LABELS``
(English, marked for translation); ``fund_chart_labels`` gives them in a language.

Units: the y axis is in whole units of the fund's currency (cents / 10^decimals), the x axis in the fund's
months (0 = its start month), labelled by calendar year.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from matplotlib.ticker import FixedLocator, FuncFormatter

from sibkit.engine.fund import FundResults
from sibkit.i18n import N_, Language
from sibkit.money import SYMBOLS, currency_decimals
from sibkit.report.charts import ChartFormat, _as_written, _figure, _money_ticks, _render, _style

__all__ = ["FUND_LABELS", "fund_chart", "fund_chart_labels"]

FUND_LABELS: dict[str, str] = {
    "fund_title": N_("{fund}: cash against what the fund may still owe"),
    "fund_money_axis": N_("Amount ({currency})"),
    "fund_year_axis": N_("Year"),
    "fund_balance": N_("Balance (the fund's cash)"),
    "fund_liability": N_("Committed liability (at most still to pay to live contracts)"),
    "fund_liability_bounded": N_("Committed liability of the contracts with a maximum"),
    "fund_cover": N_("Cash and future contributions"),
    "fund_pipeline": N_("Balance with the pipeline (expected value)"),
    "fund_shortfall": N_("First shortfall: {month}"),
    "fund_overcommitted": N_("Liability above cash and future contributions from {month}"),
}
"""Every text of the fund's chart, in English and marked for translation; ``{…}`` fields are filled in."""

_STYLES = {
    "balance": {"linestyle": "-", "linewidth": 2.0, "color": "#1f4e79"},
    "liability": {"linestyle": "--", "linewidth": 1.6, "color": "#b03a2e"},
    "cover": {"linestyle": "-.", "linewidth": 1.4, "color": "#2e7d32"},
    "pipeline": {"linestyle": (0, (6, 1.5, 1, 1.5, 1, 1.5)), "linewidth": 1.4, "color": "#6d4c41"},
}
"""Each series' line: the styles differ, not only the colours, so a grey printout tells them apart."""


def fund_chart_labels(lang: Language) -> dict[str, str]:
    """Every text of the fund's chart (``FUND_LABELS``) in ``lang``."""
    return {key: lang.translations.gettext(text) for key, text in FUND_LABELS.items()}


def _year_ticks(r: FundResults) -> tuple[list[int], list[str]]:
    """Fund months that are a first January (and month 0), every 1, 2 or 5 years so that at most 12 show."""
    years = r.years
    step = next(s for s in (1, 2, 5, 10, 20, 50) if len(years) / s <= 12)
    ticks = [
        (t, str(r.month_start(t).year))
        for t in range(r.months + 1)
        if (t == 0 or r.month_start(t).month == 1) and (r.month_start(t).year - years[0]) % step == 0
    ]
    return [t for t, _ in ticks], [label for _, label in ticks]


def fund_chart(
    signed: FundResults,
    with_pipeline: FundResults | None = None,
    fmt: ChartFormat = "svg",
    *,
    labels: Mapping[str, str] | None = None,
    lang: Language | None = None,
) -> bytes:
    """The fund's chart as ``fmt`` (``svg`` or ``png``) bytes.

    Per fund month, in whole currency units: the balance (``signed.balance``), the committed liability
    (``signed.liability``; when a live contract has no maximum, the line counts the others and its label says
    so), the balance plus future contributions, and, with ``with_pipeline``, the balance with the pipeline at
    expected value. Vertical lines mark ``signed.first_shortfall`` and ``signed.first_overcommitted``. Texts
    from ``labels`` (``fund_chart_labels``), numbers and months in ``lang`` (English by default). Raises
    ``ValueError`` for another ``fmt``.
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"expected the format svg or png, got {fmt!r}")
    words = lang or Language("en")
    text = {**FUND_LABELS, **(labels or {})}
    unit = float(10 ** currency_decimals(signed.fund.currency))
    currency = SYMBOLS.get(signed.fund.currency, signed.fund.currency)
    edges = np.arange(signed.months + 1)

    def held(monthly: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Month t's end position drawn over [t, t + 1), so the last month shows too."""
        values = monthly.astype(np.float64) / unit
        return np.append(values, values[-1])

    with _style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        fig = _figure(height=5.5)
        ax = fig.subplots()
        liability = "fund_liability_bounded" if signed.unbounded.any() else "fund_liability"
        series = [
            ("balance", signed.balance, text["fund_balance"]),
            ("liability", signed.liability, text[liability]),
            ("cover", signed.balance + signed.future_contributions, text["fund_cover"]),
        ]
        if with_pipeline is not None:
            series.append(("pipeline", with_pipeline.balance, text["fund_pipeline"]))
        for key, monthly, label in series:
            ax.step(edges, held(monthly), where="post", label=label, **_STYLES[key])  # type: ignore[arg-type]
        ax.axhline(0, color="0.2", linewidth=0.8)
        marks = (
            (signed.first_shortfall, text["fund_shortfall"], (0, (4, 2))),
            (signed.first_overcommitted, text["fund_overcommitted"], (0, (1, 2))),
        )
        for month, label, dashes in marks:
            if month is not None:  # a vertical line, named in the legend (no box over the curves)
                name = label.format(month=words.month(signed.month_start(month)))
                ax.axvline(month, color="0.15", linestyle=dashes, linewidth=1.2, label=name)
        ticks, names = _year_ticks(signed)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        by_month = dict(zip(ticks, names, strict=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: by_month.get(round(x), "")))
        ax.set_xlim(0, signed.months)
        ax.set_xlabel(text["fund_year_axis"])
        ax.set_ylabel(text["fund_money_axis"].format(currency=currency))
        _money_ticks(ax.yaxis, words.locale)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize=8, frameon=False)
        fig.suptitle(text["fund_title"].format(fund=_as_written(signed.fund.name, words.locale)))
        return _render(fig, fmt)
