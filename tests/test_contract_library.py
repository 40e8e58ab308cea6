"""Every contract in contracts/ passes validate, run, simulate, check and termsheet; `sibkit new` validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sibkit.cli import main
from sibkit.load import load_contract
from sibkit.starters import KINDS, LANGS

from conftest import CONTRACTS

FILES = sorted(CONTRACTS.glob("*.toml"))


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


class TestLibrary:
    def test_every_deal_shape_row_is_there(self) -> None:
        """The library holds the Leeuwarden example and at least eight real deal shapes."""
        assert len(FILES) >= 9

    @pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
    def test_all_commands_work(self, path: Path, tmp_path: Path) -> None:
        """validate, run, simulate, check and termsheet (Markdown) all succeed on the contract, and every
        assumed number is labelled (provenance with an assumption or a source) somewhere in the file."""
        assert invoke("validate", str(path))[0] == 0
        assert invoke("run", str(path), "--json")[0] == 0
        assert invoke("simulate", str(path), "--n", "500", "--workers", "1", "--json")[0] == 0
        code, _ = invoke("check", str(path), "--format", "json")
        assert code == 0
        out = tmp_path / "termsheet.md"
        assert invoke("termsheet", str(path), "--format", "md", "-o", str(out))[0] == 0
        assert out.read_text(encoding="utf-8").startswith("# ")
        text = path.read_text(encoding="utf-8")
        assert "assumption" in text and load_contract(path).sources


class TestNew:
    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("kind", KINDS)
    def test_new_contract_validates_as_written(self, kind: str, lang: str, tmp_path: Path) -> None:
        """`sibkit new NAME --like KIND --lang LANG` writes a contract that validates without edits."""
        out = tmp_path / "new.toml"
        code, output = invoke("new", "Pilot Oost", "--like", kind, "--lang", lang, "-o", str(out))
        assert code == 0, output
        assert load_contract(out).name == "Pilot Oost"
