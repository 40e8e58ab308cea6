"""A contract's term sheet, in Dutch or English, as Markdown or as standalone HTML.

``termsheet_view`` builds the view model: plain data holding already formatted,
already translated text (every amount, share, date and sentence is written here,
so the templates do no arithmetic). ``render_view`` fills the templates in
``templates/termsheet/`` with it; ``render_termsheet`` does both, and
``write_termsheet`` saves the result atomically.

The sections follow what practitioners expect of a term sheet (header, parties,
purpose, population, timeline, outcome metrics, payment mechanism, evaluation,
financing, costs and fees, scenarios, payoff chart, Monte Carlo summary,
incentive findings, risk allocation, open items, assumptions and sources,
glossary). A section the contract has no data for says so in a sentence; no
section is ever left out.

The package, one concept per module:

* ``compute``: the engine work, done once per term sheet (``Computed``: the maximum payment,
  the scenario runs, the sweep, the findings, the simulation when asked);
* ``writer``: the ``Writer`` every section writes with (names, money, months, messages);
* ``vocabulary``: the fixed words (closed vocabularies, open items, glossary);
* the sections: ``parties``, ``outcomes``, ``payment``, ``financing``, ``scenarios``,
  ``simulation``, ``risks``, ``annex``; ``figures`` draws their charts;
* ``view``: the sections in document order; ``render``: the escaping Jinja environments,
  rendering and writing.
"""

from __future__ import annotations

from sibkit.report.termsheet.compute import CHART_LEVELS, SIMULATION_SEED, Computed, compute
from sibkit.report.termsheet.figures import chart_image, chart_labels
from sibkit.report.termsheet.render import (
    FORMATS,
    Format,
    render_termsheet,
    render_view,
    termsheet_environment,
    write_termsheet,
)
from sibkit.report.termsheet.view import termsheet_view
from sibkit.report.termsheet.vocabulary import GLOSSARY, NOT_DEFINED

__all__ = [
    "CHART_LEVELS",
    "FORMATS",
    "GLOSSARY",
    "NOT_DEFINED",
    "SIMULATION_SEED",
    "Computed",
    "Format",
    "chart_image",
    "chart_labels",
    "compute",
    "render_termsheet",
    "render_view",
    "termsheet_environment",
    "termsheet_view",
    "write_termsheet",
]
