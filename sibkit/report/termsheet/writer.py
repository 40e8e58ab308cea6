"""The writer every section uses: one contract's names, money, months and words in one language.

A ``Writer`` holds the contract, the language, the date shown and the engine results (``Computed``)
of one term sheet; each section is a function ``section(w: Writer) -> dict`` of plain text. The
small text helpers below keep contract text on one line or in paragraphs.

Contract text goes through ``Writer.text`` (names through ``name`` and ``metric``; a text filled into
a message, here or in a finding, through the sheet's ``Language``, made with ``mark_fallback``): a text
given per language is shown in the sheet's language, and a text the contract does not give in that
language is shown in the fallback language (English, else the first given) with the mark `` [en]``
after it, in every format (Markdown, HTML, Word), so a reader sees which words were not written in the
sheet's language. The mark is plain text, part of the view model, so that no template needs to know
about it (Markdown writes it escaped, ``\\[en\\]``, and shows ``[en]``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from sibkit.i18n import Language
from sibkit.model import Contract
from sibkit.report.termsheet.compute import Computed
from sibkit.texts import shown_in

__all__ = ["Writer", "join", "paragraphs", "sort_key", "squash"]

_BREAKING = re.compile(r"[ \t\n\r\f\v\x1c-\x1f\x85\u2028\u2029]+")


def squash(text: str) -> str:
    """Every run of breaking whitespace (spaces, tabs, line breaks) as one space, ends trimmed.

    No-break spaces are kept: Babel writes ``€ 3.500,00`` with one, and it must stay on one line.
    """
    return _BREAKING.sub(" ", text).strip(" ")


def paragraphs(text: str) -> list[str]:
    """``text`` split at blank lines into paragraphs, each on one line."""
    return [squash(p) for p in re.split(r"\n[ \t\r\f\v]*\n", text.strip()) if squash(p)]


def sort_key(text: str) -> str:
    """Alphabetical order as a dictionary has it: case and accents ignored (``beëindiging`` before ``besparing``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def join(items: Sequence[str]) -> str:
    """``items`` separated by commas (a list of names or amounts in a sentence or a cell)."""
    return ", ".join(items)


class Writer:
    """Writes one contract's names, amounts, months and messages in one language, for every section."""

    def __init__(self, contract: Contract, lang: Language, today: dt.date, computed: Computed) -> None:
        self.c = contract
        self.lang = lang
        self.today = today
        self.computed = computed
        self._names: dict[str, str] = {}
        for payer in contract.payers:
            self._names[payer.id] = payer.name
            for k in payer.contributors:
                self._names[k.id] = k.name
        for group in (contract.providers, contract.investors, contract.intermediaries, contract.evaluators):
            for party in group:
                self._names[party.id] = party.name
        self._metric_names = {m.id: m.name for m in contract.metrics}

    def _(self, message: str, **variables: object) -> str:
        """``message`` translated, ``%(name)s`` placeholders filled in; a contract text given per language
        is filled in as ``text`` writes it."""
        return self.lang.gettext(message, **variables)

    def text(self, value: str) -> str:
        """A contract text (a name, a description …) in the sheet's language, marked when it falls back
        (the sheet's ``Language`` marks: ``mark_fallback``)."""
        return self.lang.text(value)

    def paragraphs(self, value: str) -> list[str]:
        """A contract text of several lines in the sheet's language as paragraphs (``paragraphs``); a
        fallback is marked once, after its last paragraph."""
        text, fallback = shown_in(value, self.lang.code)
        out = paragraphs(text)
        if fallback and out and self.lang.mark_fallback:
            out[-1] = f"{out[-1]} [{fallback}]"
        return out

    def money(self, cents: int) -> str:
        """An amount in cents, in the contract's currency."""
        return self.lang.money(int(cents), self.c.currency)

    def name(self, party: str) -> str:
        """The name of a party by id (payer, contributor, provider, investor, intermediary, evaluator)."""
        if party == "revolving_fund":
            return self._("the revolving fund")
        if party == "providers":
            return self._("each provider, for its own participants")
        return self.text(self._names.get(party, party))

    def metric(self, metric_id: str) -> str:
        """The name of a metric by id."""
        return self.text(self._metric_names.get(metric_id, metric_id))

    def month(self, month: int) -> str:
        """Contract month ``month`` (0 = the start) as a calendar month."""
        return self.lang.month(self.c.timeline.month_start(month))

    def months(self, n: int) -> str:
        """A number of months: ``1 month``, ``12 months``."""
        return self.lang.ngettext("%(num)d month", "%(num)d months", n)

    def scenario(self, name: str) -> str:
        """A scenario as readers see it: its ``label`` in the sheet's language (marked when it falls back), or
        its name when it has none (also for a scenario the contract does not list, such as the default one)."""
        sc = next((s for s in self.c.scenarios if s.name == name), None)
        return self.text(sc.label) if sc is not None and sc.label else name

    def tranche(self, tranche_id: str) -> str:
        """A tranche with its investor: ``senior (Bank)``; an unknown id as written."""
        t = next((x for x in self.c.tranches if x.id == tranche_id), None)
        if t is None:
            return tranche_id
        return self._("%(tranche)s (%(investor)s)", tranche=t.id, investor=self.name(t.investor))
