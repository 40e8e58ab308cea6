"""Every word of the workbook goes through the catalogue: made in the pseudo-locale ``xx`` of
``tests/test_pseudo_locale.py`` (every message wrapped in ⟦…⟧), no Latin word is left in its sheet names,
headers, labels and the texts inside its formulas once the wrapped messages and the contract's own texts are
taken away.

Left out by design, because they are the same in every language: the contract-file paths of the inputs
sheet and the names of its ranges (``timeline.term_months``, ``in_timeline_term_months``), and the ledger's
account ids (``costs``), which the cash flows sheet's ``SUMIF`` formulas look up.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from test_pseudo_locale import _leftovers, _sibkit, locale_path  # noqa: F401  (locale_path is a fixture)

from conftest import EXAMPLE

_NOT_WORDS = {
    # (sheet index, column from 1): the inputs' paths and range names; the ledger's account ids
    (1, 1),
    (1, 7),
    (5, 7),
    (5, 8),
}


def test_every_word_of_the_workbook_is_translated(locale_path: Path, tmp_path: Path) -> None:  # noqa: F811
    """The Leeuwarden workbook in the pseudo-locale, with its Monte Carlo sheet, has no word the catalogue
    did not write."""
    out = tmp_path / "w.xlsx"
    _sibkit(locale_path, "workbook", str(EXAMPLE), "--lang", "xx", "--simulate", "50", "-o", str(out))
    book = openpyxl.load_workbook(out)
    texts = list(book.sheetnames)
    for index, ws in enumerate(book.worksheets):
        for row in ws.iter_rows():
            for cell in row:
                if (index, cell.column) in _NOT_WORDS or not isinstance(cell.value, str):
                    continue
                if cell.data_type == "f":
                    texts += re.findall(r'"((?:[^"]|"")*)"', cell.value)
                else:
                    texts.append(cell.value)
    assert len(texts) > 300 and sum("⟦" in t for t in texts) > 200
    assert _leftovers("\n".join(texts), EXAMPLE) == []
