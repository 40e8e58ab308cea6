"""A third language is one ``.po`` file, and every user-facing sentence goes through the catalogue.

The test builds a pseudo-locale ``xx`` from the Dutch catalogue's message ids: every translation is
its English message wrapped in ``⟦…⟧``, and its numbers, money and dates are written by Babel's Greek
locale (``Language: el_GR`` in the header). It puts that one file in a folder named by
``SIBKIT_LOCALE_PATH`` and runs the real CLI with ``--lang xx`` in a subprocess. Once the wrapped
messages, the contract's own texts (names, ids, descriptions: data, never translated) and markup are
taken away, no Latin word may be left: a word that is left was written by code that bypassed the
catalogue (an f-string, a ``lang == "nl"`` branch, an untranslated enum value).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from sibkit.model import Contract
from sibkit.report.termsheet import GLOSSARY

from conftest import EXAMPLE, ROOT

CATALOGUE = ROOT / "sibkit" / "locale" / "nl" / "LC_MESSAGES" / "sibkit.po"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w+\}")
_WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")

ALLOWED = {
    # Codes and units that are the same in every language.
    "EUR",
    "IRR",
    "SIB",
    "CSV",
    "JSON",
    "HTML",
    "PDF",
    "DOCX",
    "P5",
    "P50",
    "P95",
    "NaN",
}
"""Latin words any language may show: currency and file-format codes, check code prefixes."""


def _pseudo(message: str) -> str:
    """``message`` wrapped in ⟦…⟧ with its placeholders kept outside the brackets' words, so a value
    filled in later is not itself counted as translated."""
    parts = _PLACEHOLDER.split(message)
    holders = _PLACEHOLDER.findall(message)
    out = [f"⟦{parts[0]}⟧"]
    for holder, part in zip(holders, parts[1:], strict=True):
        out += [holder, f"⟦{part}⟧"]
    return "".join(out)


@pytest.fixture(scope="module")
def locale_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one catalogue: the pseudo-locale ``xx``."""
    with CATALOGUE.open("rb") as fh:
        dutch = read_po(fh, locale="nl", domain="sibkit")
    pseudo = Catalog(locale="el_GR", domain="sibkit")
    for m in dutch:
        if not m.id:
            continue
        if isinstance(m.id, str):
            pseudo.add(m.id, _pseudo(m.id))
        else:
            pseudo.add(m.id, tuple(_pseudo(m.id[i if i < len(m.id) else -1]) for i in range(2)))
    root = tmp_path_factory.mktemp("locale")
    folder = root / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "sibkit.po").open("wb") as fh:
        write_po(fh, pseudo)
    return root


def _contract_texts(path: Path) -> list[str]:
    """Every text the contract file holds (names, ids, descriptions): data, shown as written."""
    data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())

    def walk(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield str(k)
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)

    return sorted(set(walk(data)), key=len, reverse=True)


def _sibkit(locale_path: Path, *args: str) -> str:
    env = {**os.environ, "SIBKIT_LOCALE_PATH": str(locale_path), "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "sibkit", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600
    )
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    return done.stdout


def _leftovers(text: str, contract: Path, *, glossary: bool = False) -> list[str]:
    """Latin words in ``text`` that neither the catalogue nor the contract wrote. With ``glossary`` (the
    term sheet, whose annex prints the field's Dutch and English reference pairs), the glossary's terms are
    data too; elsewhere they are not, so an untranslated "investor" is still caught."""
    text = re.sub(r"<svg.*?</svg>|data:[\w/+;,=-]+", " ", text, flags=re.S).replace("\\", "")
    while _WRAPPED.search(text):
        text = _WRAPPED.sub(" ", text)
    text = re.sub(r"https?://\S+|\bSIB-[A-Z]+-\d+\b|\$\.\S+", " ", text)  # before a name inside is taken
    text = " ".join(html.unescape(text).split())  # a report may escape & or wrap a long description
    terms = [t for pair in GLOSSARY for t in pair] if glossary else []
    data = {" ".join(own.split()) for own in [*_contract_texts(contract), *terms]}
    for own in sorted(data, key=len, reverse=True):  # whole words only: the key "id" is not in "individual"
        if len(own) > 1:
            text = re.sub(rf"(?<!\w){re.escape(own)}(?!\w)", " ", text)
    text = re.sub(r"<[^>]+>|&\w+;", " ", text)
    return sorted({w for w in _LATIN_WORD.findall(text) if w not in ALLOWED})


class TestThirdLanguage:
    def test_the_catalogue_makes_a_language(self, locale_path: Path) -> None:
        """With the folder on ``SIBKIT_LOCALE_PATH``, ``xx`` is a language the CLI accepts."""
        out = _sibkit(locale_path, "termsheet", str(EXAMPLE), "--format", "md", "--lang", "xx")
        assert "⟦" in out

    @pytest.mark.parametrize(
        "args",
        [
            pytest.param(("explain",), id="explain"),
            pytest.param(("check",), id="check"),
            pytest.param(("show",), id="show"),
            pytest.param(("show", "--format", "markdown"), id="show-markdown"),
            pytest.param(("run",), id="run"),
            pytest.param(("ledger",), id="ledger"),
            pytest.param(("sweep",), id="sweep"),
            pytest.param(("simulate", "--n", "200", "--seed", "1"), id="simulate"),
            pytest.param(("termsheet", "--format", "md"), id="termsheet"),
        ],
    )
    def test_every_word_goes_through_the_catalogue(self, locale_path: Path, args: tuple[str, ...]) -> None:
        """No Latin word is left once the catalogue's messages and the contract's own texts are taken away."""
        out = _sibkit(locale_path, args[0], str(EXAMPLE), *args[1:], "--lang", "xx")
        assert out.strip()
        assert _leftovers(out, EXAMPLE, glossary=args[0] == "termsheet") == []

    @pytest.mark.parametrize(
        "command",
        [
            pytest.param((), id="sibkit"),
            pytest.param(("run",), id="run"),
            pytest.param(("check",), id="check"),
            pytest.param(("new",), id="new"),
            pytest.param(("simulate",), id="simulate"),
            pytest.param(("sweep",), id="sweep"),
            pytest.param(("termsheet",), id="termsheet"),
        ],
    )
    def test_help_goes_through_the_catalogue(self, locale_path: Path, command: tuple[str, ...]) -> None:
        """``--help --lang xx``: the description, the commands' summaries and every option's help (with
        Click's frame: headings, ``[default: …]``, ``[required]``) are written by the catalogue."""
        out = _sibkit(locale_path, *command, "--help", "--lang", "xx")
        assert out.count("⟦") > 4
        assert _help_leftovers(out) == [], out


def _help_leftovers(text: str) -> list[str]:
    """Latin words in a help page that the catalogue did not write. Taken away as command syntax: the usage
    line, each option's names, metavar and choices, the names of the commands, the value of a default;
    and the one-line summaries Click cut short (to their first sentence or with ``...``: their closing ⟧
    is cut off with them)."""
    text = re.sub(r"^.*\[OPTIONS\].*$", " ", text, flags=re.M)
    text = re.sub(r"^ +-\S.*?(?= {2,}|$)", " ", text, flags=re.M)
    text = re.sub(r"^  [a-z][a-z-]* {2,}⟦[^⟦⟧\n]*$", " ", text, flags=re.M)  # command names may have a hyphen
    text = re.sub(r"^  [a-z][a-z-]*(?= {2,}⟦)", " ", text, flags=re.M)
    text = re.sub(r"(⟦default: ⟧)[^⟦]*", r"\1", " ".join(text.split()))
    while _WRAPPED.search(text):
        text = _WRAPPED.sub(" ", text)
    return sorted({w for w in _LATIN_WORD.findall(text) if w not in ALLOWED})


MALFORMED = ROOT / "tests" / "malformed"


def _format_keys() -> set[str]:
    """Every key and ``type`` tag a contract file may hold: words of the file format, the same in every
    language (a refusal lists them: ``expected one of: caps, currency, …``)."""
    from sibkit.load import TAGGED

    keys: set[str] = set()
    seen: set[type] = set()

    def walk(tp: object) -> None:
        if isinstance(tp, type) and attrs.has(tp) and tp not in seen:
            seen.add(tp)
            for field in attrs.fields(tp):
                keys.add(field.name)
                walk(field.type)
        for arg in typing.get_args(tp):
            walk(arg)

    walk(typing.get_type_hints(Contract)["providers"])
    for hints in (Contract,):
        for field in attrs.fields(hints):
            keys.add(field.name)
            walk(typing.get_type_hints(Contract)[field.name])
    for kinds in TAGGED.values():
        keys |= set(kinds)
        for cls in kinds.values():
            walk(cls)
    return keys


def _refusal_leftovers(text: str, files: list[Path]) -> list[str]:
    """Latin words in the refusals of ``files`` that neither the catalogue, the files nor the format wrote.

    Taken away as data: the parser's own description of a syntax error (after ``not valid TOML:``), file
    names, paths (``$.providers[0]``), values quoted as the file writes them (``'coach-bv'``), Unicode's
    code points and names of characters (``U+2067 (right-to-left isolate)``), words of the files and keys of the format.
    """
    text = re.sub(r"⟦not valid (?:TOML|JSON): ⟧[^\n]*", " ", text)
    text = re.sub(r"\S+\.(?:toml|json)\b", " ", text)
    text = re.sub(r"(U\+[0-9A-F]{4,6}⟦ \(⟧)[^⟦\n]*(⟦\)⟧)", r"\1 \2", text)
    text = re.sub(r"'(?:[^'\n\\]|\\.)*'", " ", text)
    while _WRAPPED.search(text):
        text = _WRAPPED.sub(" ", text)
    text = re.sub(r"\$\S*|U\+[0-9A-F]{4,6}", " ", text)
    data = {w for f in files for w in re.findall(r"[\w-]+", f.read_text(errors="replace"))} | _format_keys()
    text = re.sub(r"[\w-]+", lambda m: " " if m[0] in data else m[0], text)
    return sorted({w for w in _LATIN_WORD.findall(text) if w not in ALLOWED})


class TestRefusals:
    def test_every_refusal_of_a_contract_file_goes_through_the_catalogue(self, locale_path: Path) -> None:
        """``validate --lang xx`` over the whole malformed corpus: every problem, the header, the note
        and the file-level refusals are written by the catalogue (only the parser's own description of
        a syntax error, the file's own words and the format's keys are left)."""
        files = sorted(p for p in MALFORMED.iterdir() if p.suffix in (".toml", ".json"))
        env = {**os.environ, "SIBKIT_LOCALE_PATH": str(locale_path), "COLUMNS": "200", "NO_COLOR": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "sibkit", "validate", *map(str, files), "--lang", "xx"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=600,
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.count("⟦") > len(files)
        assert _refusal_leftovers(done.stderr, files) == []

    def test_usage_errors_go_through_the_catalogue(self, locale_path: Path) -> None:
        """Click's frame (``Usage:``, ``Error: Invalid value for …``) and sibkit's option errors in ``xx``."""
        env = {**os.environ, "SIBKIT_LOCALE_PATH": str(locale_path), "COLUMNS": "200", "NO_COLOR": "1"}
        for args in (
            ["run", str(EXAMPLE), "--success", "abc"],
            ["sweep", str(EXAMPLE), "--success", "1:0:3"],
            ["run", str(EXAMPLE), "--no-such-option"],
            ["termsheet", str(EXAMPLE), "-o", "x.txt"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "sibkit", *args, "--lang", "xx"],
                capture_output=True,
                text=True,
                env=env,
                cwd=ROOT,
                timeout=600,
            )
            assert done.returncode == 2, done.stderr
            # the usage line is command syntax; quoted: the user's input, the command to try;
            # .htm: file types; html: a --format
            text = re.sub(r"^.*\[OPTIONS\].*$|'[^'\n]*'|\.\w+\b|\b(?:html|md|pdf|docx)\b", " ", done.stderr, flags=re.M)
            assert "⟦" in text
            assert _leftovers(text, EXAMPLE) == [], (args, done.stderr)


class TestLeftovers:
    def test_catches_a_word_the_catalogue_did_not_write(self) -> None:
        """The filter itself can fail: an English word outside ⟦…⟧ is reported; a contract key ("id") does not
        hide a word that contains it; glossary terms count as data only where asked."""
        assert _leftovers("⟦Payer⟧ investor individual", EXAMPLE) == ["individual", "investor"]
        assert _leftovers("⟦Payer⟧ investor", EXAMPLE, glossary=True) == []

    def test_catches_an_english_word_in_a_refusal(self) -> None:
        """The refusal filter takes away quoted values, paths and the format's keys, not a message's words."""
        line = "a.toml: ⟦unknown key ⟧'owner'⟦;⟧ expected one of: caps, governing_law @ $.owner"
        assert _refusal_leftovers(line, []) == ["expected", "of", "one"]

    def test_catches_an_english_word_in_a_help_page(self) -> None:
        """The help filter takes away option names, metavars, command names and defaults, not a help text or
        a command's summary left in English."""
        page = (
            "⟦Usage:⟧ sibkit run [OPTIONS] FILE\n\n  Compute it.\n\n⟦Options⟧:\n"
            "  --scenario TEXT  Run only this.  [⟦default: ⟧base⟦⟧]\n  --lang [en|nl]   ⟦Language.⟧\n\n"
            "⟦Commands⟧:\n  run   ⟦Compute who...\n  show  A readable overview.\n"
        )
        untranslated = ["Compute", "Run", "it", "only", "overview", "readable", "show", "this"]  # "show": its row
        assert _help_leftovers(page) == untranslated
