"""Reports built from engine results: plain summaries (JSON), and later term sheets."""

from sibkit.report.summary import summary

__all__ = ["summary"]
