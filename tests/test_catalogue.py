"""The catalogue: every message in the package and its templates has a Dutch translation, and nothing else.

Messages are extracted as Babel would for a release: the ``python`` extractor over every module of
``sibkit/`` (keywords ``gettext``, ``ngettext``, ``_`` and ``N_``) and the ``jinja2`` extractor over
every template in ``templates/``. The help of the command line (docstrings and ``help=`` texts, which
Babel cannot see) is found by asking the ``sibkit`` group itself.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import sibkit.i18n as i18n
from sibkit.load import load_contract
from sibkit.report.templating import templates_dir
from sibkit.report.termsheet import render_view, termsheet_view

from conftest import EXAMPLE, ROOT

TODAY = dt.date(2024, 6, 1)
CATALOGUE = ROOT / "sibkit" / "locale" / "nl" / "LC_MESSAGES" / "sibkit.po"
CODE = tuple(sorted((ROOT / "sibkit").rglob("*.py")))
RICH = sorted((ROOT / "contracts").glob("*.toml")) + sorted((ROOT / "tests" / "engine_contracts").glob("*.toml"))


def _extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every message in the package's code and templates, with where it is."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    keywords = dict(DEFAULT_KEYWORDS)
    for path in CODE:
        with path.open("rb") as fh:
            for lineno, message, _comments, _context in extract("python", fh, keywords=keywords):
                found.setdefault(message, []).append(f"{path.name}:{lineno}")
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    for path in sorted(templates_dir().rglob("*.j2")):
        with path.open("rb") as fh:
            found_here = extract(babel_extract, fh, keywords=keywords, options=options)  # type: ignore[arg-type]
            for lineno, message, _comments, _context in found_here:
                found.setdefault(message, []).append(f"{path.name}:{lineno}")
    for message, where in _cli_help().items():
        found.setdefault(message, []).extend(where)
    return found


def _cli_help() -> dict[str, list[str]]:
    """The help of the ``sibkit`` group, of each of its commands and of their parameters, exactly as Click
    holds it (``command.help``, ``param.help``): ``SibkitCommand`` translates it when Click writes it."""
    from sibkit.cli import main

    found: dict[str, list[str]] = {}
    for name, command in [("sibkit", main), *((f"sibkit {n}", c) for n, c in sorted(main.commands.items()))]:
        for text in (command.help, command.short_help):
            if text:
                found.setdefault(text, []).append(f"{name} --help")
        for param in command.params:
            if param.help:
                found.setdefault(param.help, []).append(f"{name} {param.opts[0]}")
    return found


def _click_messages() -> set[str | tuple[str, ...]]:
    """Click's own messages (usage errors, help headings): the catalogue translates those a user meets,
    and ``sibkit.cli.language`` hands them to Click."""
    found: set[str | tuple[str, ...]] = set()
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        with path.open("rb") as fh:
            found |= {m for _, m, _, _ in extract("python", fh, keywords={"_": None, "ngettext": (1, 2)})}
    # the ``[required]`` of an option's help: Click (8.5) hands it to ``_`` in a variable, out of the extractor's sight
    return found | {"required"}


def _catalogue() -> Any:
    with CATALOGUE.open("rb") as fh:
        return read_po(fh, locale="nl", domain="sibkit")


def _key(message: Any) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


class TestCatalogue:
    def test_every_message_has_a_dutch_translation(self) -> None:
        """Every message the extractor finds in the package and its templates is translated."""
        extracted = _extracted()
        assert len(extracted) > 300
        assert len(_cli_help()) > 40
        catalogue = {_key(m): m for m in _catalogue() if m.id}
        missing = [f"{k!r} ({', '.join(v)})" for k, v in extracted.items() if k not in catalogue]
        assert missing == []
        untranslated = [
            k for k, m in catalogue.items() if m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string))
        ]
        assert untranslated == []

    def test_no_obsolete_messages(self) -> None:
        """The catalogue holds no message the code (or Click, for the messages it writes) no longer uses."""
        extracted = {*_extracted(), *_click_messages()}
        assert [k for k in (_key(m) for m in _catalogue() if m.id) if k not in extracted] == []

    def test_placeholders_match(self) -> None:
        """Each translation has the placeholders of its message: %(name)s and the charts' {name}."""
        catalogue = _catalogue()
        assert [(m.id, errors) for m, errors in catalogue.check()] == []
        for m in catalogue:
            if not m.id:
                continue
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            for i, form in enumerate(strings):  # Dutch has two forms: the singular's, then the plural's
                source = ids[min(i, len(ids) - 1)]
                for pattern in (r"%\(\w+\)[sd]", r"\{\w+(?:![rs])?\}"):
                    assert sorted(set(re.findall(pattern, form))) == sorted(set(re.findall(pattern, source))), m.id

    def test_every_message_used_at_runtime_is_translated(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Rendering rich contracts in Dutch looks up only messages the catalogue translates
        (this catches messages the extractor cannot see, such as a gettext call inside an f-string)."""
        seen: set[str | tuple[str, str]] = set()
        real = i18n.translations

        class Recording(gettext.NullTranslations):
            def __init__(self, inner: gettext.NullTranslations) -> None:
                super().__init__()
                self.inner = inner

            def gettext(self, message: str) -> str:
                seen.add(message)
                return self.inner.gettext(message)

            def ngettext(self, singular: str, plural: str, n: int) -> str:
                seen.add((singular, plural))
                return self.inner.ngettext(singular, plural, n)

        monkeypatch.setattr(i18n, "translations", lambda lang: Recording(real(lang)))
        for path in [EXAMPLE, *RICH[:4], ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"]:
            view = termsheet_view(load_contract(path), "nl", today=TODAY, simulate_n=10)
            for fmt in ("md", "html"):
                render_view(view, fmt)
        known = {_key(m) for m in _catalogue() if m.id}
        assert len(seen) > 150
        assert sorted(map(str, seen - known)) == []
