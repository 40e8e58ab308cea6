"""`sibkit termsheet` from the command line: atomic writing, no silent overwrite."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sibkit.cli import main

from conftest import EXAMPLE


class TestTermsheetCommand:
    def test_writes_dutch_html_and_refuses_to_overwrite(self, tmp_path: Path) -> None:
        """The first run writes the file; a second run without --force exits 2 and leaves it as it was."""
        out = tmp_path / "termsheet.html"
        first = CliRunner().invoke(main, ["termsheet", str(EXAMPLE), "--lang", "nl", "--format", "html", "-o", str(out)])
        assert first.exit_code == 0, first.output
        text = out.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>") or text.lower().startswith("<!doctype html>")
        assert "€\u00a0333.900,00" in text
        out.write_text("kept", encoding="utf-8")
        second = CliRunner().invoke(main, ["termsheet", str(EXAMPLE), "-o", str(out)])
        assert second.exit_code == 2 and "use --force" in second.stderr
        assert out.read_text(encoding="utf-8") == "kept"
        assert [p.name for p in tmp_path.iterdir()] == ["termsheet.html"]

    def test_markdown_to_standard_output(self) -> None:
        """Without -o the Markdown goes to standard output."""
        result = CliRunner().invoke(main, ["termsheet", str(EXAMPLE), "--lang", "en", "--format", "md"])
        assert result.exit_code == 0 and result.stdout.startswith("# Term sheet: Leeuwarden Oost")

    def test_word_needs_an_output_file(self, tmp_path: Path) -> None:
        """--format docx writes a Word file with -o, and refuses to print binary to the terminal."""
        import docx

        out = tmp_path / "termsheet.docx"
        ok = CliRunner().invoke(main, ["termsheet", str(EXAMPLE), "--lang", "nl", "--format", "docx", "-o", str(out)])
        assert ok.exit_code == 0, ok.output
        assert any("Dreamfabryk" in cell.text for t in docx.Document(str(out)).tables for row in t.rows for cell in row.cells)
        refused = CliRunner().invoke(main, ["termsheet", str(EXAMPLE), "--format", "docx"])
        assert refused.exit_code == 2 and "needs -o" in refused.output

    def test_simulation_adds_its_distribution_chart(self) -> None:
        """With --simulate the HTML holds a third chart: the distribution of what the payers pay (in Dutch)."""
        result = CliRunner().invoke(
            main, ["termsheet", str(EXAMPLE), "--lang", "nl", "--format", "html", "--simulate", "300"]
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.count("<svg ") == 3
        assert "wat de betalers betalen in 300 gesimuleerde scenario" in result.stdout
