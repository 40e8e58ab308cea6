"""The term sheet's charts: drawn by ``sibkit.report.charts`` from the computed results, labels translated.

The same function gives the SVG placed in Markdown and HTML and the PNG placed in the Word document,
so every format shows the same picture of the same engine results.
"""

from __future__ import annotations

import base64
import re
import warnings
from typing import Any

import attrs
from markupsafe import Markup

from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.report import charts
from sibkit.report.termsheet.compute import Computed
from sibkit.texts import text_in

__all__ = ["chart_image", "chart_labels", "figure"]


def chart_labels(lang: Language) -> dict[str, str]:
    """Every text of the charts (``charts.LABELS``) in ``lang``: for ``labels=`` of the chart functions."""
    return {key: lang.translations.gettext(text) for key, text in charts.LABELS.items()}


def chart_image(contract: Contract, lang: Language, comp: Computed, kind: str, fmt: charts.ChartFormat) -> bytes:
    """One of the term sheet's charts (``payoff``, ``cash`` or ``distribution``) as image bytes, labels and
    numbers in ``lang`` (the chart functions show the contract's name as written)."""
    labels = chart_labels(lang)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        if kind == "payoff":
            # the axis names the scenario as readers know it (its label in this language), not by its id
            sc = next((s for s in contract.scenarios if s.name == comp.sweep.scenario), None)
            shown = text_in(sc.label, lang.code) if sc is not None and sc.label else comp.sweep.scenario
            sweep = attrs.evolve(comp.sweep, scenario=shown)
            return charts.payoff_chart(sweep, contract, fmt, labels=labels, locale=lang.locale)
        if kind == "cash":
            index = next(i for i, s in enumerate(comp.scenarios) if s.name == comp.chart_scenario.name)
            return charts.waterfall_chart(comp.runs[index], contract, 0, fmt, labels=labels, locale=lang.locale)
        if kind != "distribution" or comp.simulated_costs is None:
            raise ValueError(f"no {kind!r} chart in this term sheet")
        return charts.distribution_chart(comp.simulated_costs, contract, fmt, labels=labels, locale=lang.locale)


def _svg_text(data: bytes) -> str:
    """SVG to place inline: no XML prologue, no doctype, no metadata."""
    svg = data.decode("utf-8")
    svg = re.sub(r"\A<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"\A<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    return svg.strip()


def figure(contract: Contract, lang: Language, comp: Computed, kind: str, alt: str) -> dict[str, Any]:
    """The view of one chart: its ``kind``, the ``alt`` text, inline ``svg`` and the same SVG as a ``data_uri``."""
    svg = _svg_text(chart_image(contract, lang, comp, kind, "svg"))
    return {
        "kind": kind,
        "alt": alt,
        "svg": Markup(svg),
        "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
    }
