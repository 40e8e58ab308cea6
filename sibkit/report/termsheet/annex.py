"""The annexes: sources and assumptions behind the numbers, and the glossary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import attrs

from sibkit.model import Contract, Provenance
from sibkit.report.termsheet.vocabulary import GLOSSARY, GLOSSARY_LANGUAGES, LANGUAGE_NAMES, NOT_DEFINED
from sibkit.report.termsheet.writer import Writer, sort_key, squash


def provenance(obj: object, path: str, item: str) -> Iterator[tuple[str, str, Provenance]]:
    """Every provenance entry under ``obj``: (field path, name of the object it belongs to, provenance)."""
    if attrs.has(type(obj)):
        own = getattr(obj, "name", None) if not isinstance(obj, Contract) else None
        if not isinstance(own, str) or not own:
            ident = getattr(obj, "id", None)
            own = ident if isinstance(ident, str) else None
        here = own or item
        for a in attrs.fields(cast("type[attrs.AttrsInstance]", type(obj))):
            value = getattr(obj, a.name)
            if a.name == "provenance" and isinstance(value, dict):
                for key, prov in value.items():
                    yield (f"{path}.{key}" if path else key), here, prov
            else:
                yield from provenance(value, f"{path}.{a.name}" if path else a.name, here)
    elif isinstance(obj, tuple):
        for i, element in enumerate(obj):
            yield from provenance(element, f"{path}[{i}]", item)


def annex(w: Writer) -> dict[str, Any]:
    """Annex A: the sources, and where each number of the contract comes from (a source or an assumption)."""
    sources = {s.id: s for s in w.c.sources}
    rows = []
    for path, item, prov in provenance(w.c, "", ""):
        if prov.source is not None:
            src = sources.get(prov.source)
            title = w.text(src.title) if src else prov.source
            detail = (
                w._("%(title)s [%(source)s], %(locator)s", title=title, source=prov.source, locator=prov.locator)
                if prov.locator
                else w._("%(title)s [%(source)s]", title=title, source=prov.source)
            )
            rows.append([path, w.text(item) or w._("the contract"), w._("source"), detail])
        else:
            rows.append(
                [
                    path,
                    w.text(item) or w._("the contract"),
                    w._("assumption"),
                    squash(w.text(prov.assumption or "")),
                ]
            )
    source_rows = [
        [s.id, w.text(s.title), w.text(s.author) or NOT_DEFINED, s.date or NOT_DEFINED, s.url or NOT_DEFINED]
        for s in w.c.sources
    ]
    return {
        "sources": source_rows,
        "sources_missing": "" if source_rows else w._("The contract lists no sources."),
        "provenance": rows,
        "provenance_missing": ""
        if rows
        else w._("The contract records no source or assumption for any of its numbers."),
    }


def glossary(w: Writer) -> dict[str, Any]:
    """Annex B: the field's terms in the term sheet's language beside the other language of the glossary
    (in any language but Dutch, English beside Dutch), in dictionary order of the first column."""
    first = GLOSSARY_LANGUAGES.index(w.lang.code) if w.lang.code in GLOSSARY_LANGUAGES else 1
    order = (first, 1 - first)
    return {
        "headers": [w.lang.translate(LANGUAGE_NAMES[GLOSSARY_LANGUAGES[i]]) for i in order],
        "rows": sorted(([pair[i] for i in order] for pair in GLOSSARY), key=lambda row: sort_key(row[0])),
    }
