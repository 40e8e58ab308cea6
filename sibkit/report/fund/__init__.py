"""The fund's reports: its chart and its summary sheet for a council (Dutch or English; Markdown, HTML, PDF).

* ``chart``: balance, committed liability and cash plus future contributions per month (``fund_chart``);
* ``view``: the engine run once (``compute_fund``) and the sheet's sections as text (``fund_sheet_view``);
* ``render``: the sheet rendered in the term sheet's escaping environments and printed to PDF.
"""

from __future__ import annotations

from sibkit.report.fund.chart import FUND_LABELS, fund_chart, fund_chart_labels
from sibkit.report.fund.render import render_fund_pdf, render_fund_sheet, render_fund_view
from sibkit.report.fund.view import DEFINITIONS, FundBooks, compute_fund, fund_sheet_view

__all__ = [
    "DEFINITIONS",
    "FUND_LABELS",
    "FundBooks",
    "compute_fund",
    "fund_chart",
    "fund_chart_labels",
    "fund_sheet_view",
    "render_fund_pdf",
    "render_fund_sheet",
    "render_fund_view",
]
