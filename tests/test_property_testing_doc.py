"""The code in docs/property-testing.md runs as written, so the guide cannot go stale."""

from __future__ import annotations

import os
import re

import pytest

from conftest import ROOT

DOC = ROOT / "docs" / "property-testing.md"
TEXT = DOC.read_text(encoding="utf-8")
# The five worked examples are test files for pytest with the plugin's fixtures: tests/test_property_docs.py runs them.
_START = TEXT.index("## Five worked examples")
_END = TEXT.index("\n## ", _START + 1)
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT[:_START] + TEXT[_END:], flags=re.S)


class TestPropertyTestingDoc:
    def test_the_guide_has_examples(self) -> None:
        """The guide shows at least two runnable examples."""
        assert len(BLOCKS) >= 2

    @pytest.mark.parametrize("code", BLOCKS, ids=lambda c: c.split("def ")[1].split("(")[0])
    def test_example_runs(self, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each example runs from the project root and its property passes."""
        monkeypatch.chdir(ROOT)
        exec(compile(code, str(DOC), "exec"), {"__name__": "doc_example"})
        assert os.getcwd() == str(ROOT)
