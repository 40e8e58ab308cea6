"""Every command that writes a file follows one output policy (``sibkit.atomic``): an existing file
is replaced only with ``--force``, the folder must exist, a new file's mode follows the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import sibkit.cli
import sibkit.cli.simulate
import sibkit.cli.sweep
import sibkit.cli.termsheet
import sibkit.cli.workbook
from sibkit.cli import main
from sibkit.load import load_contract

from conftest import ROOT

SIB = ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml"

# (name, file name to write, command line with {out} for the file) for every writing command.
WRITERS: list[tuple[str, str, list[str]]] = [
    ("termsheet-md", "sheet.md", ["termsheet", str(SIB), "--format", "md", "-o", "{out}"]),
    ("termsheet-docx", "sheet.docx", ["termsheet", str(SIB), "--format", "docx", "-o", "{out}"]),
    ("simulate", "metrics.csv", ["simulate", str(SIB), "--n", "20", "--workers", "1", "--out", "{out}"]),
    ("sweep", "chart.svg", ["sweep", str(SIB), "--success", "0:1:3", "--chart", "{out}"]),
    ("new", "mine.toml", ["new", "Mine", "--like", "rate-card", "-o", "{out}"]),
    ("workbook", "model.xlsx", ["workbook", str(SIB), "-o", "{out}"]),
    ("whatif", "page.html", ["whatif", str(SIB), "--lever", "success=0.5:1:2", "-o", "{out}"]),
]
QUICK = [w for w in WRITERS if w[0] != "termsheet-docx"]  # writing a Word file takes seconds


def invoke(template: list[str], out: Path, *extra: str) -> Result:
    """Run a writer with ``out`` as its file; never a traceback."""
    args = [a.replace("{out}", str(out)) for a in template] + list(extra)
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"sibkit {' '.join(args)} raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    return result


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run the block under ``mask``, then restore the old one."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the commands' long work fail loudly: a refusal must come before it."""

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before the output file was checked")

    for module, name in (
        (sibkit.cli.simulate, "run_simulation"),
        (sibkit.cli.sweep, "run_sweep"),
        (sibkit.cli.termsheet, "render_termsheet"),
        (sibkit.cli.termsheet, "render_docx"),
        (sibkit.cli.workbook, "workbook_bytes"),
        (sibkit.cli.whatif, "build_grid"),
    ):
        monkeypatch.setattr(module, name, boom)


class TestOneOutputPolicy:
    def test_every_writing_option_has_the_same_type_and_a_force_flag(self) -> None:
        """The commands that write a file are exactly these four; each file option is the one
        output-file type and each such command has --force."""
        writers = {}
        for name, command in main.commands.items():  # type: ignore[attr-defined]
            outputs = [p.name for p in command.params if isinstance(p.type, sibkit.cli.OutputFile)]
            if outputs:
                writers[name] = outputs
                assert any(p.name == "force" and p.is_flag for p in command.params), name
        assert writers == {
            "termsheet": ["output"],
            "simulate": ["out"],
            "sweep": ["chart"],
            "new": ["output"],
            "whatif": ["output"],
            "workbook": ["output"],
        }
        # (import-rates writes a contract with -o FILE, or back into its --into file, or prints with -o -)

    @pytest.mark.parametrize(("name", "file", "args"), WRITERS, ids=[w[0] for w in WRITERS])
    @pytest.mark.usefixtures("no_work")
    def test_existing_file_is_refused_without_force(self, tmp_path: Path, name: str, file: str, args: list[str]) -> None:
        """Without --force an existing file stays as it was: exit 2 with the same message for every
        command, before any work is done, and no other file is left behind."""
        out = tmp_path / file
        out.write_bytes(b"kept")
        result = invoke(args, out)
        assert result.exit_code == 2
        assert result.stderr.strip() == f"{out}: the file exists; use --force to replace it"
        assert out.read_bytes() == b"kept"
        assert list(tmp_path.iterdir()) == [out]

    @pytest.mark.parametrize(("name", "file", "args"), QUICK, ids=[w[0] for w in QUICK])
    def test_force_replaces_the_file(self, tmp_path: Path, name: str, file: str, args: list[str]) -> None:
        """With --force the command writes over the existing file, and leaves no temporary file."""
        out = tmp_path / file
        out.write_bytes(b"kept")
        result = invoke(args, out, "--force")
        assert result.exit_code == 0, result.output
        assert out.read_bytes() != b"kept" and out.stat().st_size > 100
        assert list(tmp_path.iterdir()) == [out]

    @pytest.mark.parametrize(("name", "file", "args"), WRITERS, ids=[w[0] for w in WRITERS])
    @pytest.mark.usefixtures("no_work")
    def test_missing_folder_is_named(self, tmp_path: Path, name: str, file: str, args: list[str]) -> None:
        """A file in a folder that does not exist: exit 2 naming the folder, nothing created, even with
        --force (a folder is never made)."""
        out = tmp_path / "no-such-folder" / file
        result = invoke(args, out, "--force")
        assert result.exit_code == 2
        assert result.stderr.strip() == f"{out}: the folder {tmp_path / 'no-such-folder'} does not exist"
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize(("name", "file", "args"), QUICK, ids=[w[0] for w in QUICK])
    @pytest.mark.usefixtures("no_work")
    def test_a_file_as_folder_is_named(self, tmp_path: Path, name: str, file: str, args: list[str]) -> None:
        """A path through an ordinary file: exit 2 saying that it is not a folder."""
        (tmp_path / "notes").write_text("a file", encoding="utf-8")
        out = tmp_path / "notes" / file
        result = invoke(args, out)
        assert result.exit_code == 2
        assert result.stderr.strip() == f"{out}: {tmp_path / 'notes'} is not a folder"

    @pytest.mark.parametrize(("name", "file", "args"), QUICK, ids=[w[0] for w in QUICK])
    @pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027])
    def test_new_file_mode_follows_the_umask(
        self, tmp_path: Path, name: str, file: str, args: list[str], mask: int
    ) -> None:
        """A new file gets 0o666 less the umask (rw-r--r-- under 022), as a file opened for writing
        would, not the rw------- of a temporary file."""
        out = tmp_path / file
        with umask(mask):
            result = invoke(args, out)
        assert result.exit_code == 0, result.output
        assert mode(out) == 0o666 & ~mask

    def test_replaced_file_keeps_its_mode(self, tmp_path: Path) -> None:
        """--force writes over a file and keeps its permission bits (here rw-r-----, under umask 022)."""
        out = tmp_path / "mine.toml"
        out.write_text("old", encoding="utf-8")
        out.chmod(0o640)
        with umask(0o022):
            result = invoke(["new", "Mine", "--like", "tariff", "-o", "{out}"], out, "--force")
        assert result.exit_code == 0, result.output
        assert mode(out) == 0o640 and "Mine" in out.read_text(encoding="utf-8")


class TestNewJson:
    """``sibkit new -o x.json`` writes the starter as a JSON contract."""

    @pytest.mark.parametrize("kind", ["rate-card", "tariff", "cohort-threshold", "sib-with-guarantee"])
    def test_json_validates_and_equals_the_toml(self, tmp_path: Path, kind: str) -> None:
        """The .json file validates and loads to the same contract as the commented .toml file."""
        as_json, as_toml = tmp_path / "mine.json", tmp_path / "mine.toml"
        for out in (as_json, as_toml):
            assert invoke(["new", "Werk in Zuid", "--like", kind, "-o", "{out}"], out).exit_code == 0
        assert as_json.read_text(encoding="utf-8").lstrip().startswith("{")
        check = CliRunner().invoke(main, ["validate", str(as_json)])
        assert check.exit_code == 0 and check.stdout.strip() == f"{as_json}: valid — Werk in Zuid"
        assert load_contract(as_json) == load_contract(as_toml)

    def test_other_file_types_are_refused(self, tmp_path: Path) -> None:
        """A name that is neither .toml nor .json is refused before anything is written."""
        out = tmp_path / "mine.yaml"
        result = invoke(["new", "Mine", "--like", "tariff", "-o", "{out}"], out)
        assert result.exit_code == 2
        assert result.stderr.strip().splitlines()[-1] == (
            f"Error: Invalid value for '-o' / '--output': expected a .toml or .json file, got '{out}'"
        )
        assert list(tmp_path.iterdir()) == []

    def test_long_name_gives_a_short_default_file_name(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without -o the file name comes from NAME, cut to 100 characters so the system can hold it."""
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(main, ["new", "Werk " * 80, "--like", "tariff"])
        assert result.exit_code == 0, result.output
        (written,) = tmp_path.iterdir()
        assert written.name == ("werk-" * 20).strip("-") + ".toml"
