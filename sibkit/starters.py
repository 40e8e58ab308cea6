"""Starting contracts: the commented contract files behind ``sibkit new``.

Each starter is a small but complete contract of one kind, in Dutch or English,
that validates and runs as written. Every number in it is marked as an
assumption to replace (``provenance.<field> = { assumption = "..." }``), and it
has ``low``, ``base`` and ``high`` scenarios and an ``[uncertainty]`` block.

The files live in the package's data folder ``sibkit/starters/``, named
``<kind>.<lang>.toml`` (``rate-card.nl.toml``), so they ship in the wheel. A
starter is copied as it is, comments and layout included: only its top-level
``name = "..."`` line is replaced, by the given name written as a TOML basic
string by ``tomli_w`` (quotes and backslashes escaped). A name a contract may not
hold (``sibkit.model.common.text_problem``: a control character, a line break…) is refused.
Neither the name nor the file is ever treated as a template.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

import tomli_w

from sibkit.atomic import write_text_atomic
from sibkit.errors import Refusal, did_you_mean
from sibkit.facts import N_
from sibkit.load import dumps, loads
from sibkit.model.common import text_problem

__all__ = ["KINDS", "LANGS", "starter_json", "starter_text", "write_starter"]

KINDS: Final = ("rate-card", "tariff", "cohort-threshold", "sib-with-guarantee")
"""The kinds of starting contract, in the order ``sibkit new --like`` lists them.

* ``rate-card`` — a price per outcome per participant (once-per-person and
  repeatable lines), with a participant cap and a contract cap;
* ``tariff`` — a weighted tariff per participant paid from an outcomes fund with
  two contributors, two providers, no investors (Leeuwarden Oost style);
* ``cohort-threshold`` — a cohort's improvement against a matched comparison
  group, in tiers, with a pooled threshold;
* ``sib-with-guarantee`` — a Social Impact Bond: a senior loan, a subordinated
  loan with an IRR cap, a guarantee, a priority of payments and an
  intermediary fee.
"""

LANGS: Final = ("nl", "en")
"""The languages of the starters' comments and texts (field names stay English)."""

_FOLDER: Final = "starters"
"""The data folder inside the ``sibkit`` package that holds the starter files."""

_NAME_KEY: Final = "name = "
"""How the contract's name line starts in every starter file."""


_UNKNOWN = {
    "kind": N_("unknown kind %(value)s%(hint)s expected one of: %(options)s"),
    "language": N_("unknown language %(value)s%(hint)s expected one of: %(options)s"),
}
"""The refusal of a starter's kind or language that does not exist."""


def _choice(what: str, value: object, options: tuple[str, ...]) -> str:
    """``value`` if it is one of ``options``, else a ``Refusal`` naming every choice."""
    if isinstance(value, str) and value in options:
        return value
    hint = did_you_mean(value, options) or ";"
    raise Refusal.of(_UNKNOWN[what], value=repr(value), hint=hint, options=", ".join(options))


def _resource(kind: str, lang: str) -> Traversable:
    """The packaged starter file of ``kind`` in ``lang`` (both already checked)."""
    return files("sibkit") / _FOLDER / f"{kind}.{lang}.toml"


def _name_line(name: str) -> str:
    """The line ``name = "..."`` for ``name``, written by ``tomli_w`` (no line break at the end)."""
    if not name.strip():
        raise Refusal.of(N_("the contract name is empty; give the contract a name"))
    if why := text_problem(name):
        raise Refusal.of(N_("the contract name is not valid text: %(why)s"), why=why)
    return tomli_w.dumps({"name": name}).rstrip("\n")


def starter_text(kind: str, lang: str, name: str) -> str:
    """The text of the starting contract of ``kind`` in ``lang``, named ``name``.

    ``kind`` is one of ``KINDS``, ``lang`` one of ``LANGS``. The file is
    returned as written — comments, layout and every number — except its
    top-level ``name = "..."`` line, which becomes ``name`` as a correctly
    escaped TOML basic string, so the text reads back with exactly that name.

    Raises ``ValueError`` for an unknown kind or language (the message lists
    the choices) and for an empty name or one that is not valid text.
    """
    kind = _choice("kind", kind, KINDS)
    lang = _choice("language", lang, LANGS)
    line = _name_line(name)
    text = _resource(kind, lang).read_text(encoding="utf-8")
    start = _top_level_name(text, f"{kind}.{lang}.toml")
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    out = text[:start] + line + text[end:]
    if tomllib.loads(out).get("name") != name:  # pragma: no cover - guards the packaged files
        raise RuntimeError(f"starter {kind}.{lang}.toml: the name line could not be replaced")
    return out


def _top_level_name(text: str, file: str) -> int:
    """Offset of the top-level ``name = `` line: the one before the first table header."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            break
        if line.startswith(_NAME_KEY):
            return offset
        offset += len(line)
    raise RuntimeError(f"starter {file} has no top-level 'name = ...' line")  # pragma: no cover


def starter_json(kind: str, lang: str, name: str) -> str:
    """The starting contract of ``kind`` in ``lang``, named ``name``, as a JSON contract file.

    The same contract as ``starter_text`` (it loads to an equal ``Contract``), written by
    ``load.dumps``: JSON has no comments, so the explanations of the TOML file are not in it.
    Raises ``ValueError`` as ``starter_text`` does.
    """
    return dumps(loads(starter_text(kind, lang, name), file=f"{kind}.{lang}.toml"), fmt="json")


def write_starter(path: str | Path, kind: str, lang: str, name: str, *, overwrite: bool = False) -> None:
    """Write the starting contract of ``kind`` in ``lang``, named ``name``, to ``path``.

    A ``.toml`` file gets ``starter_text`` (with its comments), a ``.json`` file
    ``starter_json``; any other file type raises ``ValueError``, as a contract
    file of that type could not be read back. The file is written by sibkit's
    output policy (``sibkit.atomic``): atomically (a temporary file beside
    ``path``, then renamed), so it is either complete or absent. Everything is
    checked before anything is written: an unknown kind or language or an empty
    name raises ``ValueError`` and leaves the disk untouched. When ``path``
    already exists and ``overwrite`` is false, ``FileExistsError`` is raised
    and the existing file is left as it is; a missing folder raises
    ``FileNotFoundError``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise Refusal.of(N_("unknown file type %(suffix)s; expected a .toml or .json file"), suffix=repr(target.suffix))
    text = starter_json(kind, lang, name) if suffix == ".json" else starter_text(kind, lang, name)
    write_text_atomic(target, text, overwrite=overwrite)
