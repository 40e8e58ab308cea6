"""``sibkit validate``: valid files pass, every malformed file exits 2 with its message, nothing is written."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_malformed import CASES, GENERATED, MALFORMED, MINIMAL

from sibkit.cli import main

from conftest import EXAMPLE

EXAMPLE_NAME = "Leeuwarden Oost — pilot resultatenfonds"


def _validate(*files: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *(str(f) for f in files)])


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``root`` with its size and modification time."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))} | {
        ".": (0, root.stat().st_mtime_ns)
    }


def _assert_refused(result: Result, name: str, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == expected + "\n"
    assert result.stdout == ""
    assert name in result.stderr
    assert "Traceback" not in result.output


class TestValidate:
    def test_valid_example_exits_0_and_says_valid(self) -> None:
        """The Leeuwarden example passes: exit 0, one line naming the file, 'valid' and the contract's name."""
        result = _validate(EXAMPLE)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{EXAMPLE}: valid — {EXAMPLE_NAME}\n"
        assert result.stderr == ""

    def test_minimal_contract_is_valid(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The base of the malformed corpus passes validate too."""
        (tmp_path / "minimal.toml").write_text(MINIMAL, "utf-8")
        monkeypatch.chdir(tmp_path)
        result = _validate("minimal.toml")
        assert result.exit_code == 0, result.output
        assert result.stdout == "minimal.toml: valid — Minimal pilot\n"

    @pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
    def test_malformed_file_exits_2_with_its_message(
        self, name: str, expected: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each malformed file: exit 2, the file name and the exact message on stderr, nothing on stdout, no traceback."""
        monkeypatch.chdir(MALFORMED)
        _assert_refused(_validate(name), name, expected)

    @pytest.mark.parametrize(("name", "make", "expected"), GENERATED, ids=[name for name, _, _ in GENERATED])
    def test_generated_bad_path_exits_2_with_its_message(
        self,
        name: str,
        make: Callable[[Path], None],
        expected: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Huge, binary, non-UTF-8, missing, directory and suffix-less paths: exit 2 with the exact message, no traceback."""
        make(tmp_path / name)
        monkeypatch.chdir(tmp_path)
        _assert_refused(_validate(name), name, expected)

    def test_several_files_exit_2_if_any_is_bad_and_still_report_the_good_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given good and bad files, every file is checked: the good one is reported valid, each bad one with its message."""
        monkeypatch.chdir(MALFORMED)
        messages = dict(CASES)
        result = _validate("truncated.toml", EXAMPLE, "many-references.toml")
        assert result.exit_code == 2
        assert result.stdout == f"{EXAMPLE}: valid — {EXAMPLE_NAME}\n"
        assert result.stderr == messages["truncated.toml"] + "\n" + messages["many-references.toml"] + "\n"
        assert "Traceback" not in result.output

    def test_several_good_files_exit_0(self) -> None:
        """When every file is valid the exit status is 0 and each gets its own 'valid' line."""
        result = _validate(EXAMPLE, EXAMPLE)
        assert result.exit_code == 0, result.output
        assert result.stdout.count(": valid — ") == 2

    def test_whole_corpus_at_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """All malformed files in one call: exit 2 and every file's message, in the order given."""
        monkeypatch.chdir(MALFORMED)
        result = _validate(*(name for name, _ in CASES))
        assert result.exit_code == 2
        assert result.stderr == "".join(expected + "\n" for _, expected in CASES)
        assert "Traceback" not in result.output

    def test_no_file_is_a_usage_error(self) -> None:
        """Without a file argument, validate prints its usage and exits 2 (a user's mistake), no traceback."""
        result = _validate()
        assert result.exit_code == 2
        assert "Usage:" in result.output
        assert "Traceback" not in result.output


class TestValidateWritesNothing:
    def test_corpus_directory_is_unchanged(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Validating every malformed file creates, changes and removes nothing in tests/malformed/."""
        before = _listing(MALFORMED)
        monkeypatch.chdir(MALFORMED)
        _validate(*(name for name, _ in CASES))
        assert _listing(MALFORMED) == before

    def test_working_directory_is_unchanged(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Validating good and bad files in a directory leaves exactly the files that were there, untouched."""
        shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)
        shutil.copy(MALFORMED / "many-problems.toml", tmp_path / "many-problems.toml")
        (tmp_path / "folder.toml").mkdir()
        monkeypatch.chdir(tmp_path)
        before = _listing(tmp_path)
        result = _validate(EXAMPLE.name, "many-problems.toml", "folder.toml", "missing.toml")
        assert result.exit_code == 2
        assert _listing(tmp_path) == before
