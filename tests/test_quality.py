"""ruff and mypy --strict are part of the test suite."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


class TestQuality:
    def test_ruff_finds_nothing(self) -> None:
        """ruff reports no lint problem in sibkit/ and tests/."""
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "sibkit", "tests"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def test_mypy_strict_passes(self) -> None:
        """mypy --strict finds no type error in sibkit/."""
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "sibkit"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
