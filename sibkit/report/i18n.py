"""Languages of sibkit's reports: translations from gettext catalogues and Babel formatting.

English is the source language: every message in the code and the templates is
written in English. Other languages live in gettext catalogues,
``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po``, which are compiled in memory when
first used (no build step, no ``.mo`` files).

Formatting follows the language's locale (``nl`` → ``nl_NL``, ``en`` → ``en_GB``)
through Babel: money ``€ 3.500,00`` / ``€3,500.00`` (Babel puts a no-break space
after the Dutch euro sign), percentages with up to four decimals so that 7.25%
stays 7.25% (Babel's default pattern would round it to 7%), dates ``1 januari
2023`` / ``1 January 2023``. Money is always given in whole cents: the engine has
already rounded it, so formatting never rounds an amount.

Messages use ``%(name)s`` placeholders (``%(num)d`` for the count of a plural), never
positional ones, so a translation may reorder them. To change a message, edit it in the
code or template and in the catalogue; ``tests/test_termsheet.py`` lists every message
without a Dutch translation (with its file and line), every catalogue entry no longer
used, and every placeholder a translation lost. Messages are found by Babel's extractors:
``python`` over ``sibkit/report/termsheet.py`` and ``sibkit/report/i18n.py`` (keywords
``gettext``, ``ngettext``, ``_`` and ``N_`` for words marked where they are defined), and
``jinja2`` over ``templates/termsheet/*.j2``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import io
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from importlib import resources

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

from sibkit.languages import LANGUAGES, LOCALES, Lang
from sibkit.money import share_display

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALES",
    "Lang",
    "Language",
    "catalogue_path",
    "interpolate",
    "translations",
]


DOMAIN = "sibkit"
"""The gettext domain: catalogues are ``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po``."""

PERCENT_PATTERN = "#,##0.####%"
"""Contract shares and rates: exact up to four decimals of a percent (``7.25%``, ``70%``)."""

RATE_PATTERN = "#,##0.0%"
"""Computed rates (IRRs, chances): one decimal (``5.3%``)."""

MULTIPLE_PATTERN = "#,##0.00"
"""Money multiples: two decimals, followed by ``×``."""

_PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\)(?P<conv>[sd])|%)")


def _check_lang(lang: str) -> Lang:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of: {', '.join(LANGUAGES)}")
    return lang


def catalogue_path(lang: str) -> str:
    """The path of ``lang``'s catalogue inside the package, relative to ``sibkit`` (``locale/nl/…/sibkit.po``)."""
    return f"locale/{_check_lang(lang)}/LC_MESSAGES/{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The translations into ``lang``, compiled in memory from its ``.po`` catalogue (once per process).

    English, the source language, has no catalogue: its messages are shown as written.
    Fuzzy entries are left out, as ``msgfmt`` would. Raises ``ValueError`` for an unknown language.
    """
    if _check_lang(lang) == "en":
        return _gettext.NullTranslations()
    source = resources.files("sibkit").joinpath(catalogue_path(lang))
    with source.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def interpolate(message: str, variables: Mapping[str, object], escape: Callable[[object], str]) -> str:
    """``message`` with its ``%(name)s`` / ``%(name)d`` placeholders filled in and ``%%`` made ``%``.

    ``escape`` is applied to the literal text of the message and to every value
    separately, so a value can never be read as markup, and the text between
    placeholders is escaped without touching the placeholders themselves. Raises
    ``KeyError`` for a placeholder without a value, as ``%`` formatting would.
    """
    out: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(message):
        out.append(escape(message[pos : m.start()]))
        if m["name"] is None:
            out.append(escape("%"))
        else:
            value = variables[m["name"]]
            out.append(escape(str(int(value)) if m["conv"] == "d" else value))  # type: ignore[call-overload]
        pos = m.end()
    out.append(escape(message[pos:]))
    return "".join(out)


def _plain(value: object) -> str:
    return str(value)


class Language:
    """Translating and formatting for one report language.

    ``gettext``/``ngettext`` return plain text (values filled in with ``%(name)s``
    placeholders); escaping for an output format happens when the text is rendered.
    """

    def __init__(self, lang: str) -> None:
        self.code: Lang = _check_lang(lang)
        self.locale: str = LOCALES[self.code]
        self.translations: _gettext.NullTranslations = translations(self.code)

    # -- messages -------------------------------------------------------------------------------
    def gettext(self, message: str, **variables: object) -> str:
        """``message`` in this language, with ``variables`` filled in (``%(name)s``)."""
        return interpolate(self.translations.gettext(message), variables, _plain)

    def translate(self, message: str, **variables: object) -> str:
        """``gettext`` for a message held in a variable (marked for extraction where it is defined, with ``N_``)."""
        return interpolate(self.translations.gettext(message), variables, _plain)

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        """The singular or plural form for ``n`` in this language; ``%(num)d`` is ``n``."""
        return interpolate(self.translations.ngettext(singular, plural, n), {"num": n, **variables}, _plain)

    # -- numbers ---------------------------------------------------------------------------------
    def money(self, cents: int, currency: str) -> str:
        """Whole cents as money in ``currency``: ``€ 3.500,00`` (nl, with a no-break space) or ``€3,500.00`` (en)."""
        if isinstance(cents, bool) or int(cents) != cents:
            raise ValueError(f"expected whole cents, got {cents!r}")
        return format_currency(Decimal(int(cents)) / 100, currency, locale=self.locale)

    def money_or(self, cents: int | None, currency: str, none: str) -> str:
        """``money``, or ``none`` when the amount is undefined."""
        return none if cents is None else self.money(cents, currency)

    def average_money(self, cents: float, currency: str) -> str | None:
        """A per-unit average in (fractional) cents, rounded half up to the cent; ``None`` when undefined (NaN)."""
        if math.isnan(cents):
            return None
        return self.money(math.floor(cents + 0.5), currency)

    def percent(self, fraction: Decimal | Fraction) -> str:
        """A share or rate written in the contract (``0.0725`` → ``7,25%`` / ``7.25%``), exact to four decimals;
        a ratio with no exact decimal is first rounded half up to four decimals (``1/3`` → ``33,33%`` / ``33.33%``,
        ``share_display``), as Babel would round half-even."""
        return format_percent(share_display(fraction), format=PERCENT_PATTERN, locale=self.locale)

    def rate(self, fraction: float) -> str | None:
        """A computed rate (an IRR, a chance) with one decimal; ``None`` when undefined (NaN)."""
        if math.isnan(fraction):
            return None
        return format_percent(Decimal(repr(float(fraction))), format=RATE_PATTERN, locale=self.locale)

    def multiple(self, value: float) -> str | None:
        """A money multiple (``1.25`` → ``1,25×``); ``None`` when undefined (NaN)."""
        if math.isnan(value):
            return None
        return format_decimal(Decimal(repr(float(value))), format=MULTIPLE_PATTERN, locale=self.locale) + "×"

    def decimal(self, value: Decimal | float) -> str:
        """A plain number as written, with this locale's decimal mark (``0,9``)."""
        return format_decimal(value, format="#,##0.######", locale=self.locale)

    def integer(self, value: int) -> str:
        """A whole number with this locale's grouping (``12.345`` / ``12,345``)."""
        return format_decimal(int(value), format="#,##0", locale=self.locale)

    # -- dates -----------------------------------------------------------------------------------
    def date(self, value: dt.date) -> str:
        """A date in full: ``1 januari 2023`` / ``1 January 2023``."""
        return format_date(value, format="long", locale=self.locale)

    def month(self, value: dt.date) -> str:
        """A month and year: ``januari 2023`` / ``January 2023``."""
        return format_date(value, format="LLLL y", locale=self.locale)
