"""`sibkit check` from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sibkit.cli import main

from conftest import EXAMPLE


class TestCheck:
    def test_dutch_findings_for_the_pilot(self) -> None:
        """`--lang nl` prints Dutch findings grouped by severity, with a remedy."""
        result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--lang", "nl"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        assert "FOUT" in result.stdout and "Wat te doen" in result.stdout
        assert "70% van het geld hangt af van zachte" in result.stdout

    def test_json_and_fail_on(self) -> None:
        """JSON lists the findings; --fail-on error exits 1 when an error is found."""
        result = CliRunner().invoke(main, ["check", str(EXAMPLE), "--format", "json", "--fail-on", "error"])
        assert result.exit_code == 1
        codes = [f["code"] for f in json.loads(result.stdout)]
        assert "SIB-SOFT-001" in codes
