"""The language layer: every sentence sibkit writes goes through here, in every language.

English is the source language: every message in the code and the templates is
written in English. Other languages live in gettext catalogues,
``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po``, which are compiled in memory when
first used (no build step, no ``.mo`` files). A new language is one more catalogue
and one more entry in ``LOCALES``.

This module sits on the lowest floor (it imports only ``sibkit.money``), so the
checks, the engine-facing reports and the CLI all use the same words and the same
number writer. Analysis code never formats: it returns typed *facts* (``Money``,
``Month``, ``Share``, ``Rate``, ``Count`` …, defined here) and the edge turns a
message and its facts into a sentence with ``Language.say``.

Formatting follows the language's locale (``nl`` → ``nl_NL``, ``en`` → ``en_GB``)
through Babel: money ``€ 3.500,00`` / ``€3,500.00`` (Babel puts a no-break space
after the Dutch euro sign), percentages with up to four decimals so that 7.25%
stays 7.25% (Babel's default pattern would round it to 7%), dates ``1 januari
2023`` / ``1 January 2023``. Money is always given in whole cents (the currency's minor
unit: yen of JPY, fils of KWD): the engine has already rounded it, so formatting never
rounds an amount, and it is written with the currency's decimals (``JP¥350,000``,
``KWD1,234.567`` / ``KWD 1.234,567``).

Messages use ``%(name)s`` placeholders (``%(num)d`` for the count of a plural), never
positional ones, so a translation may reorder them. Words defined in a table are
marked with ``N_`` where they are defined and translated where they are used. To change
a message, edit it in the code or template and in the catalogue; ``tests/test_catalogue.py``
extracts every message from the whole package and its templates (Babel's ``python`` and
``jinja2`` extractors; keywords ``gettext``, ``ngettext``, ``_`` and ``N_``) and lists every
message without a Dutch translation, every catalogue entry no longer used, and every
placeholder a translation lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import io
import math
import os
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal, cast

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations

from sibkit.facts import (
    N_,
    Count,
    Date,
    Decimal_,
    Fact,
    Listing,
    Money,
    Month,
    Multiple,
    Phrase,
    Rate,
    Share,
    Word,
)
from sibkit.money import cents_to_decimal, share_display
from sibkit.texts import Texts, shown_in

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALES",
    "N_",
    "Count",
    "Date",
    "Decimal_",
    "Fact",
    "Lang",
    "Language",
    "Listing",
    "Money",
    "Month",
    "Multiple",
    "Phrase",
    "Rate",
    "Share",
    "Word",
    "catalogue_path",
    "fact_json",
    "interpolate",
    "translations",
]

DOMAIN = "sibkit"
"""The gettext domain: catalogues are ``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po``."""

Lang = Literal["en", "nl"]
"""A language sibkit ships (a language added with one more catalogue is a plain ``str`` code at runtime)."""

LOCALE_PATH_ENV = "SIBKIT_LOCALE_PATH"
"""Environment variable: folders (separated by ``os.pathsep``) searched before the package for
``<lang>/LC_MESSAGES/sibkit.po``, so a translator can try a new language without touching the install."""

_SHIPPED_LOCALES: dict[str, str] = {"en": "en_GB", "nl": "nl_NL"}
_LANG_CODE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
_HEADER_LANGUAGE = re.compile(rb'^"Language: ([A-Za-z_]+)\\n"', re.MULTILINE)


def _catalogue_roots() -> list[Traversable]:
    """Where catalogues are looked for: the folders of ``SIBKIT_LOCALE_PATH``, then the package."""
    extra: list[Traversable] = [Path(p) for p in os.environ.get(LOCALE_PATH_ENV, "").split(os.pathsep) if p]
    return [*extra, resources.files("sibkit").joinpath("locale")]


def _catalogue_file(root: Traversable, lang: str) -> Traversable:
    return root.joinpath(lang, "LC_MESSAGES", f"{DOMAIN}.po")


def _babel_locale(catalogue: Traversable, lang: str) -> str | None:
    """The Babel locale a catalogue formats with: its ``Language:`` header (``nl_NL``), else its folder name."""
    with catalogue.open("rb") as fh:
        head = fh.read(4096)
    m = _HEADER_LANGUAGE.search(head)
    code = m[1].decode() if m else lang
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return None
    return code


def _discover() -> dict[str, str]:
    """Every language with a catalogue (and English, the source language), with its Babel locale."""
    found = dict(_SHIPPED_LOCALES)
    for root in reversed(_catalogue_roots()):
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir(), key=lambda f: f.name):
            if folder.name in found or not _LANG_CODE.fullmatch(folder.name):
                continue
            catalogue = _catalogue_file(root, folder.name)
            if catalogue.is_file() and (locale := _babel_locale(catalogue, folder.name)):
                found[folder.name] = locale
    return found


LOCALES: dict[str, str] = _discover()
"""The Babel locale each language formats numbers, money and dates with: ``en`` → ``en_GB``, ``nl`` →
``nl_NL``, and for any further catalogue the locale named in its ``Language:`` header."""

LANGUAGES: tuple[str, ...] = tuple(LOCALES)
"""Every language sibkit writes in; ``en`` is the source language. One more language is one more
catalogue: ``sibkit/locale/<lang>/LC_MESSAGES/sibkit.po`` (or in a folder of ``SIBKIT_LOCALE_PATH``)."""


def fact_json(value: Fact) -> object:
    """``value`` for JSON: money as ``{"cents", "currency"}``, dates ISO, shares as exact decimal strings,
    rates and multiples as numbers (``null`` when undefined), counts as integers, words as their English text."""
    if isinstance(value, Money):
        return {"cents": value.cents, "currency": value.currency}
    if isinstance(value, Month):
        return value.date.strftime("%Y-%m")
    if isinstance(value, Date):
        return value.date.isoformat()
    if isinstance(value, Share):
        return str(share_display(value.value))
    if isinstance(value, Rate | Multiple):
        return None if math.isnan(value.value) else value.value
    if isinstance(value, Count):
        return value.value
    if isinstance(value, Decimal_):
        return str(value.value)
    if isinstance(value, Word):
        return value.message
    if isinstance(value, Listing):
        return [fact_json(item) for item in value.items]
    if isinstance(value, Phrase):
        return {"phrase": value.message, **{k: fact_json(v) for k, v in value.facts}}
    return value


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
    return cast(Lang, lang)


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
    source = next(f for root in _catalogue_roots() if (f := _catalogue_file(root, lang)).is_file())
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


class Language:
    """Translating and formatting for one report language.

    ``gettext``/``ngettext`` return plain text (values filled in with ``%(name)s``
    placeholders); escaping for an output format happens when the text is rendered.
    """

    def __init__(self, lang: str, *, mark_fallback: bool = False) -> None:
        self.code: Lang = _check_lang(lang)
        self.mark_fallback = mark_fallback
        """Whether a contract text shown in another language than this one is marked (``Dutch law [en]``):
        the term sheet marks, the terminal does not."""
        self.locale: str = LOCALES[self.code]
        self.translations: _gettext.NullTranslations = translations(self.code)

    # -- messages -------------------------------------------------------------------------------
    def gettext(self, message: str, **variables: object) -> str:
        """``message`` in this language, with ``variables`` filled in (``%(name)s``); a contract text given
        per language (a ``Texts``) is filled in in this language (``text_in``)."""
        return interpolate(self.translations.gettext(message), variables, self._plain)

    def translate(self, message: str, **variables: object) -> str:
        """``gettext`` for a message held in a variable (marked for extraction where it is defined, with ``N_``)."""
        return interpolate(self.translations.gettext(message), variables, self._plain)

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> str:
        """The singular or plural form for ``n`` in this language; ``%(num)d`` is ``n``."""
        return interpolate(self.translations.ngettext(singular, plural, n), {"num": n, **variables}, self._plain)

    def _plain(self, value: object) -> str:
        """A value filled into a message: a contract text in this language (without a mark when it falls
        back: see ``text``), anything else as ``str``."""
        return self.text(value) if isinstance(value, Texts) else str(value)

    def text(self, value: str) -> str:
        """A contract text (a plain ``str`` or a ``Texts``) in this language, or in the fallback language
        (English, else the first given) when it is not given in this one. The terminal outputs show a
        fallback as it is, without a mark; with ``mark_fallback`` (the term sheet) the language shown
        follows it in brackets: ``Dutch law [en]``."""
        text, fallback = shown_in(value, self.code)
        return f"{text} [{fallback}]" if fallback and self.mark_fallback else text

    # -- numbers ---------------------------------------------------------------------------------
    def money(self, cents: int, currency: str) -> str:
        """Whole cents (the minor unit of ``currency``) as money in ``currency``, with its decimals:
        ``€ 3.500,00`` (nl, with a no-break space) or ``€3,500.00`` (en); ``JP¥350,000`` and
        ``KWD1,234.567`` (en)."""
        if isinstance(cents, bool) or int(cents) != cents:
            raise ValueError(f"expected whole cents, got {cents!r}")
        return format_currency(cents_to_decimal(int(cents), currency), currency, locale=self.locale)

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

    # -- facts -----------------------------------------------------------------------------------
    def value(self, fact: Fact) -> str:
        """One fact written in this language (money, months, shares… by type; names as they are)."""
        if isinstance(fact, Money):
            return self.money(fact.cents, fact.currency)
        if isinstance(fact, Month):
            return self.month(fact.date)
        if isinstance(fact, Date):
            return self.date(fact.date)
        if isinstance(fact, Share):
            return self.percent(fact.value)
        if isinstance(fact, Rate):
            return self.rate(fact.value) or self.gettext("undefined")
        if isinstance(fact, Multiple):
            return self.multiple(fact.value) or self.gettext("undefined")
        if isinstance(fact, Count):
            return self.integer(fact.value)
        if isinstance(fact, Decimal_):
            return self.decimal(fact.value)
        if isinstance(fact, Word):
            return self.translations.gettext(fact.message)
        if isinstance(fact, Listing):
            return self._listing(fact)
        if isinstance(fact, Phrase):
            return self.say(fact.message, dict(fact.facts))
        return self.text(fact)

    def _listing(self, fact: Listing) -> str:
        items = [f"'{self.value(item)}'" if fact.quoted else self.value(item) for item in fact.items]
        if fact.joined == "semicolon":
            return "; ".join(items)
        if fact.joined == "comma" or len(items) < 2:
            return ", ".join(items)
        return self.gettext(N_("%(head)s and %(last)s"), head=", ".join(items[:-1]), last=items[-1])

    def say(self, message: str, facts: Mapping[str, Fact]) -> str:
        """``message`` (an English msgid, marked with ``N_``) in this language, its placeholders filled with
        ``facts`` each written by ``value``. A ``Count`` may fill ``%(name)d``."""
        text = self.translations.gettext(message)
        out: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            out.append(text[pos : m.start()])
            if m["name"] is None:
                out.append("%")
            else:
                fact = facts[m["name"]]
                out.append(str(fact.value) if m["conv"] == "d" and isinstance(fact, Count) else self.value(fact))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)

    # -- dates -----------------------------------------------------------------------------------
    def date(self, value: dt.date) -> str:
        """A date in full: ``1 januari 2023`` / ``1 January 2023``."""
        return format_date(value, format="long", locale=self.locale)

    def month(self, value: dt.date) -> str:
        """A month and year: ``januari 2023`` / ``January 2023``."""
        return format_date(value, format="LLLL y", locale=self.locale)
