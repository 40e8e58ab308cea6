"""Terminal tables of figures that never cut a figure short.

Rich fits a table to the terminal by wrapping and, when that is not enough, cutting cells short with an
ellipsis: on an 80-column terminal a fund's table of seven columns of euros showed ``€ 350.000,…``, a figure
nobody can read or trace. A ``FittedTable`` gives every column at least the width of its widest figure (a
figure's parts are joined by no-break spaces, and never broken) or word, so that only labels and headers wrap;
it folds a label too long for its column onto the next line instead of cutting it; and, when the figures
still do not fit side by side, it splits the columns over several tables printed one after the other, each
repeating the first column and numbered in its title (``(1/2)``, ``(2/2)``). On a terminal wide enough
it is one table, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table

__all__ = ["FittedTable", "Justify"]

Justify = Literal["left", "right"]
"""How a column's cells are aligned."""

FIRST_COLUMN = 24
"""Characters the first column (the labels) keeps at least, or its widest label when narrower, before figure
columns are moved to a further table: longer labels wrap or fold within it."""

TEXT_COLUMN = 12
"""Characters a left-aligned text column (names, ids, reasons) keeps at least; a longer word folds onto the
next line (nothing is cut)."""

_EDGES = 3
"""Characters a column adds to its content: one of padding on each side and the rule to its right."""


def _unbroken(console: Console, options: ConsoleOptions, cell: RenderableType) -> int:
    """The width ``cell`` needs so that no part of it that must stay whole is broken: a figure (its words
    joined by no-break spaces, ``€\xa0350.000,00``) whole, a text of several words its longest word."""
    if isinstance(cell, str):
        return max((cell_len(word) for word in cell.split(" ")), default=0)
    return Measurement.get(console, options, cell).maximum


class FittedTable:
    """A table with a ``title``, its ``columns`` (headers; the first left-aligned, the others right-aligned
    figures unless ``justify`` says otherwise) and rows added with ``add_row``; ``caption`` is printed under
    its last part. ``keys``: the leading columns that name a row (a year; a contract and its start), repeated
    in every part when the table is split. A Rich renderable: ``console.print(table)``.

    Right-aligned columns hold figures: each is at least as wide as its widest figure. Left-aligned columns
    hold text: each is at least as wide as its longest word up to ``TEXT_COLUMN`` (the first column up to
    ``FIRST_COLUMN``, or its widest label when narrower), a longer word folding onto the next line."""

    def __init__(
        self, title: str, columns: Sequence[str], *, justify: Sequence[Justify] | None = None, keys: int = 1
    ) -> None:
        self.title = title
        self.columns = tuple(columns)
        right: Justify = "right"
        self.justify: tuple[Justify, ...] = (
            tuple(justify) if justify is not None else ("left", *(right for _ in self.columns[1:]))
        )
        if len(self.justify) != len(self.columns):
            raise ValueError("one alignment per column")
        if not 1 <= keys <= len(self.columns):
            raise ValueError("the key columns must be among the columns")
        self.keys = keys
        self.rows: list[tuple[RenderableType, ...]] = []
        self.caption: str | None = None

    @property
    def indices(self) -> range:
        """The columns' positions."""
        return range(len(self.columns))

    def add_row(self, *cells: RenderableType) -> None:
        """Add one row: a cell per column."""
        if len(cells) != len(self.columns):
            raise ValueError(f"a row of {len(cells)} cells in a table of {len(self.columns)} columns")
        self.rows.append(cells)

    def least(self, widths: Sequence[int], header_words: Sequence[int], natural: Sequence[int]) -> list[int]:
        """Each column's least content width (see the class docstring), from its widest unbreakable part of a
        cell (``widths``), its header's longest word (``header_words``) and its natural width (``natural``)."""
        out = []
        for j in self.indices:
            whole = max(widths[j], header_words[j])
            if self.justify[j] == "right":
                out.append(whole)
            elif j == 0:
                out.append(max(min(whole, TEXT_COLUMN), min(natural[j], FIRST_COLUMN)))
            else:
                out.append(min(whole, TEXT_COLUMN))
        return out

    def groups(self, least: Sequence[int], room: int) -> list[list[int]]:
        """The columns after the key columns in each table to print: in order, as many side by side as
        ``room`` characters hold beside the key columns, each at its ``least`` width; at least one each."""
        keyed = 1 + sum(least[j] + _EDGES for j in range(self.keys))
        out: list[list[int]] = []
        used = room
        for j in range(self.keys, len(self.columns)):
            need = least[j] + _EDGES
            if not out or used + need > room:
                out.append([])
                used = keyed
            out[-1].append(j)
            used += need
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Table]:
        """One table when it fits in ``options.max_width``, else one per group of columns."""
        widths = [max((_unbroken(console, options, row[j]) for row in self.rows), default=0) for j in self.indices]
        header_words = [max((cell_len(word) for word in header.split()), default=0) for header in self.columns]
        natural = [
            max([cell_len(header), *(Measurement.get(console, options, row[j]).maximum for row in self.rows)])
            for j, header in enumerate(self.columns)
        ]
        least = self.least(widths, header_words, natural)
        whole = [max(w, h) for w, h in zip(widths, header_words, strict=True)]
        parts = self.groups(least, options.max_width) or [[]]
        key = list(range(self.keys))
        for k, group in enumerate(parts):
            title = self.title if len(parts) == 1 else f"{self.title} ({k + 1}/{len(parts)})"
            table = Table(title=title, title_justify="left")
            shown = [*key, *group]
            fixed = _share(shown, least, whole, natural, options.max_width)
            for j in shown:
                table.add_column(
                    self.columns[j], justify=self.justify[j], overflow="fold", width=fixed.get(j), min_width=least[j]
                )
            for row in self.rows:
                table.add_row(*(row[j] for j in shown))
            if k == len(parts) - 1 and self.caption is not None:
                table.caption = self.caption
            yield table


def _share(
    columns: Sequence[int], least: Sequence[int], whole: Sequence[int], natural: Sequence[int], width: int
) -> dict[int, int]:
    """Fixed content widths for ``columns`` when their natural widths (each cell and header on one line) do
    not fit in ``width`` characters of table; none when they do (Rich lays it out). Each column gets at least
    its ``least``; then, as room allows and those needing least first, the width of its longest word
    (``whole``: no word folded); the room left is shared in proportion to what each still lacks of its
    natural width (largest remainder), so a long text column keeps its share."""
    room = width - 1 - _EDGES * len(columns)
    if sum(natural[j] for j in columns) <= room:
        return {}
    out = {j: least[j] for j in columns}
    spare = room - sum(out.values())
    for j in sorted(columns, key=lambda j: (whole[j] - out[j], j)):
        give = max(0, min(spare, min(whole[j], natural[j]) - out[j]))
        out[j] += give
        spare -= give
    lack = {j: max(0, natural[j] - out[j]) for j in columns}
    total = sum(lack.values())
    if spare <= 0 or total == 0:
        return out
    shares = {j: spare * lack[j] // total for j in columns}
    left = spare - sum(shares.values())
    for j in sorted(columns, key=lambda j: (-(spare * lack[j] % total), j))[:left]:
        shares[j] += 1
    return {j: out[j] + shares[j] for j in columns}
