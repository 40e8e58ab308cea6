"""A finding: one perverse incentive or risk a check found in a contract, with numbers and a remedy."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import attrs
from babel.numbers import format_currency

from sibkit.i18n import LOCALES

__all__ = ["SEVERITIES", "Check", "Finding", "Severity", "amount_text"]

Severity = Literal["info", "warning", "error"]
"""``info``: worth knowing; ``warning``: a risk to discuss before signing; ``error``: a flaw to fix."""

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
"""From mild to severe."""


@attrs.frozen(kw_only=True)
class Finding:
    """What a check found, written for a non-specialist, in Dutch and in English."""

    code: str
    """Stable identifier (``SIB-CREAM-001``): never reused for another meaning."""
    severity: Severity
    title_en: str
    """One line."""
    title_nl: str
    explanation_en: str
    """Why it matters, with the numbers that triggered it."""
    explanation_nl: str
    mitigation_en: str
    """A concrete change to the contract that removes or reduces the risk."""
    mitigation_nl: str
    path: str
    """Where in the contract it applies (``$.rules[0]``), or ``$`` for the contract as a whole."""

    def title(self, lang: str) -> str:
        """The title in ``lang`` (``nl`` or ``en``)."""
        return self.title_nl if lang == "nl" else self.title_en

    def explanation(self, lang: str) -> str:
        """The explanation in ``lang``."""
        return self.explanation_nl if lang == "nl" else self.explanation_en

    def mitigation(self, lang: str) -> str:
        """The mitigation in ``lang``."""
        return self.mitigation_nl if lang == "nl" else self.mitigation_en


@attrs.frozen(kw_only=True)
class Check:
    """A registered check: a pure function of the contract (and, if it needs them, engine results)."""

    code: str
    """The code of the findings it produces."""
    name: str
    """Short name (``cream_skimming``)."""
    run: Callable[..., list[Finding]]
    """``run(contract, context) -> list[Finding]``; ``context`` gives shared engine results lazily."""


def amount_text(cents: int | Decimal, currency: str, lang: str) -> str:
    """Money as findings write it, rounded half up to the cent, as Babel writes it for the language's
    locale (as the term sheets do): ``€51,650.00`` / ``-€12.50`` in English, ``€ 51.650,00`` /
    ``€ -12,50`` in Dutch, with a no-break space after the sign so it never ends a line."""
    whole = int(Decimal(cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    locale = LOCALES["nl"] if lang == "nl" else LOCALES["en"]
    return format_currency(Decimal(whole) / 100, currency, locale=locale)
