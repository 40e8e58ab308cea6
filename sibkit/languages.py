"""The languages sibkit writes in, and the locale each one formats money, numbers and dates with.

Shared by the checks (their findings) and the reports (term sheets), so a Dutch finding quoted
in a Dutch term sheet writes amounts and months exactly as the rest of the sheet does.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["LANGUAGES", "LOCALES", "Lang"]

Lang = Literal["en", "nl"]
"""A language sibkit writes reports in."""

LANGUAGES: tuple[Lang, ...] = get_args(Lang)
"""Every report language; ``en`` is the source language."""

LOCALES: dict[Lang, str] = {"en": "en_GB", "nl": "nl_NL"}
"""The Babel locale each language formats numbers, money and dates with."""
