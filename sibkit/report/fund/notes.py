"""The notes a fund file writes beside its figures: its TOML comments, read as the file's own marks.

A fund file has no provenance fields (a contract file has): it says where a number comes from in comments,
such as ``# ASSUMPTION: FNO commits €1 million …`` above a ``[[contributors]]`` table. ``file_notes`` reads
them so that the summary sheet's annex can show every figure with the mark the file gives it:

* the comments at the top of the file, before its first key, are the file's general notes;
* comment lines above a table header (``[[contributors]]``, ``[recycling]``) belong to that table, addressed
  as the sheet addresses it (``contributors[0]``, ``recycling``); blank lines between them do not matter;
* a comment after a key on its line (``horizon_months = 240  # the 20-year horizon``) belongs to that key.

A note is *an assumption* when it says ``ASSUMPTION`` (the label the example files use).
"""

from __future__ import annotations

import re

import attrs

__all__ = ["ASSUMPTION_LABEL", "FileNotes", "file_notes"]

ASSUMPTION_LABEL = "ASSUMPTION"
"""The word by which a note marks its figures as assumptions, not taken from a source."""

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


@attrs.frozen(kw_only=True)
class FileNotes:
    """The notes of one fund file (texts as written, each a paragraph on one line)."""

    general: tuple[str, ...] = ()
    """The notes at the top of the file."""
    tables: dict[str, str] = attrs.field(factory=dict)
    """Table (``contributors[0]``, ``recycling``) → the note above it."""
    keys: dict[tuple[str, str], str] = attrs.field(factory=dict)
    """(table, key) → the note after the key on its line (table ``""``: the top level)."""

    def note(self, table: str, key: str) -> str | None:
        """The note that marks ``key`` of ``table``: its own, else its table's."""
        return self.keys.get((table, key)) or self.tables.get(table)


def _trailing(line: str) -> str:
    """The comment after the value on a key's line (outside any quoted string), or ``""``."""
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote and ch == "\\" and quote == '"':
            i += 1  # an escaped character inside a basic string
        elif quote and ch == quote:
            quote = ""
        elif not quote and ch in "\"'":
            quote = ch
        elif not quote and ch == "#":
            return line[i + 1 :].strip()
        i += 1
    return ""


def _paragraphs(lines: list[str]) -> list[str]:
    """Comment lines (without ``#``) as paragraphs: blank lines separate them."""
    out: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    return out


def file_notes(text: str) -> FileNotes:
    """The notes of the fund file ``text`` (see the module). Lines inside a multi-line array or string are read
    as they come: a ``#`` in a string is no comment, and a note is only read where a line begins with ``#``
    or ends with one after a key."""
    general: list[str] = []
    tables: dict[str, str] = {}
    keys: dict[tuple[str, str], str] = {}
    pending: list[str] = []
    counts: dict[str, int] = {}
    table = ""
    seen_key = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#"))
            continue
        if not stripped:
            pending.append("")
            continue
        header = _HEADER.match(line)
        if header:
            name = header[1]
            if stripped.startswith("[["):
                counts[name] = counts.get(name, -1) + 1
                table = f"{name}[{counts[name]}]"
            else:
                table = name
            if not seen_key:
                general += _paragraphs(pending)
            elif any(p.strip() for p in pending):
                tables[table] = " ".join(_paragraphs(pending))
            seen_key = True
            pending = []
            continue
        key = _KEY.match(line)
        if key and not seen_key:
            general += _paragraphs(pending)
            pending = []
        elif key and any(p.strip() for p in pending):
            keys[(table, key[1])] = " ".join(_paragraphs(pending))
            pending = []
        else:
            pending = []
        seen_key = seen_key or key is not None
        trailing = _trailing(line) if key else ""
        if key and trailing:
            keys[(table, key[1])] = trailing
    return FileNotes(general=tuple(general), tables=tables, keys=keys)
