"""docs/checks.md documents every registered check."""

from __future__ import annotations

from sibkit.checks import REGISTRY, _load_all

from conftest import ROOT

DOC = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")


class TestChecksDoc:
    def test_every_check_has_a_section(self) -> None:
        """Each registered check code has its own section with what, why, how measured and how to mitigate."""
        _load_all()
        assert REGISTRY
        for code in REGISTRY:
            assert f"### {code} — " in DOC, code
            section = DOC.split(f"### {code} — ", 1)[1].split("\n### ", 1)[0]
            for part in ("**What it detects.**", "**Why it matters.**", "**How it is measured.**", "**How to mitigate.**"):
                assert part in section, (code, part)
