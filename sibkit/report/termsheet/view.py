"""The view model of a term sheet: every section as plain, already formatted and translated text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.report.termsheet.annex import annex, glossary
from sibkit.report.termsheet.compute import Computed, compute
from sibkit.report.termsheet.decision import decision, value_for_money
from sibkit.report.termsheet.financing import fees, financing
from sibkit.report.termsheet.outcomes import evaluation, metrics
from sibkit.report.termsheet.parties import header, parties, population, purpose, timeline
from sibkit.report.termsheet.payment import payment
from sibkit.report.termsheet.risks import findings, risks
from sibkit.report.termsheet.scenarios import cash_chart, chart, scenarios
from sibkit.report.termsheet.simulation import simulation
from sibkit.report.termsheet.vocabulary import NOT_DEFINED, OPEN_ITEMS
from sibkit.report.termsheet.writer import Writer

__all__ = ["termsheet_view"]


def _build(w: Writer) -> dict[str, Any]:
    """Every section, in the order of the document."""
    return {
        "lang": w.lang.code,
        "header": header(w),
        "decision": decision(w),
        "parties": parties(w),
        "purpose": purpose(w),
        "population": population(w),
        "timeline": timeline(w),
        "metrics": metrics(w),
        "payment": payment(w),
        "evaluation": evaluation(w),
        "financing": financing(w),
        "fees": fees(w),
        "scenarios": scenarios(w),
        "value_for_money": value_for_money(w),
        "chart": chart(w),
        "cash_chart": cash_chart(w),
        "simulation": simulation(w),
        "findings": findings(w),
        "risks": risks(w),
        "open_items": [w.lang.translate(item) for item in OPEN_ITEMS],
        "annex": annex(w),
        "glossary": glossary(w),
        "not_defined": NOT_DEFINED,
    }


def termsheet_view(
    contract: Contract,
    lang: str,
    *,
    today: dt.date | None = None,
    simulate_n: int | None = None,
    computed: Computed | None = None,
) -> dict[str, Any]:
    """The term sheet of ``contract`` in ``lang`` (``nl`` or ``en``) as plain data for the templates.

    Every value is text, already formatted and translated (amounts in the language's money format,
    shares as percentages, dates written out), in lists and dicts; the chart is SVG text. ``today``
    is the date the term sheet shows (default: the current date; pass one for reproducible output).
    With ``simulate_n``, a Monte Carlo summary of that many scenarios (seed 0, one process) is
    included. ``computed``: the engine results of ``compute(contract, simulate_n)`` when the caller
    already has them (the Word document draws its pictures from the same results); ``simulate_n`` is
    then not used. Raises ``ValueError`` for an unknown language or a ``simulate_n`` below 1.
    """
    language = Language(lang, mark_fallback=True)  # contract text in another language is marked
    if simulate_n is not None and simulate_n < 1:
        raise ValueError(f"the number of Monte Carlo scenarios must be at least 1, got {simulate_n}")
    if computed is None:
        computed = compute(contract, simulate_n)
    return _build(Writer(contract, language, today or dt.date.today(), computed))
