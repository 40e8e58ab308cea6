"""The newcomer documentation runs: every command in it is executed, in order, so it cannot go stale.

Conventions in docs/concepts.md, docs/tutorial.en.md, docs/tutorial.nl.md and docs/advisor-guide.md:

* In a ```console block, a line starting with ``$ `` is a command. ``$ sibkit ...`` runs with click's
  CliRunner; ``$ cp SRC DST`` copies a file. Any other command is an error, so the docs stay honest.
* The lines after a command, up to the next command, are (an excerpt of) its output: each non-empty line
  other than ``...`` must appear in what the command printed.
* A command expected to fail says so in a trailing comment: ``# exit code 1`` (Dutch: ``# afsluitcode 1``).
* A ```diff block headed ``+++ FILE`` is a hand edit: lines starting with a space or ``-`` are the text
  before, lines starting with a space or ``+`` the text after; the text before must occur exactly once.

Each document runs in its own temporary directory holding a copy of the repository's ``contracts/``.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibkit.cli import main

from conftest import ROOT

DOCS = ("concepts.md", "tutorial.en.md", "tutorial.nl.md", "advisor-guide.md")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXIT = re.compile(r"#\s*(?:exit code|afsluitcode)\s+(\d+)\s*$")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@dataclass(frozen=True)
class Command:
    """One ``$ ...`` line of a console block, with the output the doc shows for it."""

    argv: tuple[str, ...]
    exit_code: int
    shown: tuple[str, ...]
    line: str


@dataclass(frozen=True)
class Edit:
    """One ```diff block: replace ``before`` by ``after`` in ``path``."""

    path: str
    before: str
    after: str


Step = Command | Edit


def doc_text(name: str) -> str:
    """The text of docs/NAME."""
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def parse_console(body: str) -> list[Command]:
    """The commands of one console block, each with the output lines shown below it."""
    commands: list[Command] = []
    current: tuple[str, list[str]] | None = None

    def close() -> None:
        if current is None:
            return
        line, shown = current
        code = EXIT.search(line)
        argv = tuple(shlex.split(line, comments=True))
        commands.append(Command(argv, int(code.group(1)) if code else 0, tuple(shown), line))

    for raw in body.splitlines():
        if raw.startswith("$ "):
            close()
            current = (raw[2:], [])
        elif current is not None and raw.strip() and raw.strip() != "...":
            current[1].append(raw.strip())
    close()
    return commands


def parse_diff(body: str) -> list[Edit]:
    """The hunks of one diff block (separated by ``@@`` lines), as edits of the file named by ``+++``."""
    path = ""
    hunks: list[tuple[list[str], list[str]]] = [([], [])]
    for raw in body.splitlines():
        if raw.startswith("+++ "):
            path = raw[4:].strip()
        elif raw.startswith("--- "):
            continue
        elif raw.startswith("@@"):
            hunks.append(([], []))
        elif raw[:1] in (" ", "-", "+") or raw == "":
            before, after = hunks[-1]
            text = raw[1:]
            if raw[:1] != "+":
                before.append(text)
            if raw[:1] != "-":
                after.append(text)
    assert path, "a diff block needs a '+++ FILE' line"
    return [Edit(path, "\n".join(b) + "\n", "\n".join(a) + "\n") for b, a in hunks if b or a]


def steps(name: str) -> list[Step]:
    """Every command and hand edit of docs/NAME, in the order they appear."""
    found: list[Step] = []
    for match in FENCE.finditer(doc_text(name)):
        lang, body = match.group(1), match.group(2)
        if lang == "console":
            found.extend(parse_console(body))
        elif lang == "diff":
            found.extend(parse_diff(body))
    return found


def sibkit_commands(name: str) -> list[Command]:
    """The ``$ sibkit`` commands of docs/NAME."""
    return [s for s in steps(name) if isinstance(s, Command) and s.argv[:1] == ("sibkit",)]


def apply(step: Step, cwd: Path) -> None:
    """Carry out one step in ``cwd``, asserting its exit code and the output the doc shows."""
    if isinstance(step, Edit):
        target = cwd / step.path
        text = target.read_text(encoding="utf-8")
        assert text.count(step.before) == 1, f"{step.path}: the text to replace must occur once:\n{step.before}"
        target.write_text(text.replace(step.before, step.after), encoding="utf-8")
        return
    program, *args = step.argv
    if program == "cp":
        source, destination = args
        shutil.copyfile(cwd / source, cwd / destination)
        return
    assert program == "sibkit", f"the test cannot run '{step.line}': use $ sibkit or $ cp"
    result = CliRunner().invoke(main, args, env={"COLUMNS": "100"}, catch_exceptions=False)
    printed = result.output  # standard output and standard error, as a terminal shows them
    assert result.exit_code == step.exit_code, f"$ {step.line}\nexit code {result.exit_code}\n{printed}"
    for line in step.shown:
        assert line in printed, f"$ {step.line}\nshown in the doc but not printed: {line!r}\n{printed}"


class TestTutorials:
    def test_every_doc_has_commands(self) -> None:
        """Each newcomer document exists and shows at least one sibkit command."""
        for name in DOCS:
            assert sibkit_commands(name), name

    @pytest.mark.parametrize("name", DOCS)
    def test_commands_run_as_documented(self, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every command of the document runs in order from a fresh folder, with the exit code and output shown."""
        shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
        monkeypatch.chdir(tmp_path)
        for step in steps(name):
            apply(step, tmp_path)

    def test_tutorials_walk_the_same_path(self) -> None:
        """The Dutch and English tutorials run the same commands in the same order (file names may differ)."""
        en = [c.argv[:2] for c in sibkit_commands("tutorial.en.md")]
        nl = [c.argv[:2] for c in sibkit_commands("tutorial.nl.md")]
        assert en == nl

    def test_tutorials_cover_the_brief(self) -> None:
        """Both tutorials use show, explain, run, check, simulate, sweep and termsheet on the Leeuwarden pilot."""
        for name in ("tutorial.en.md", "tutorial.nl.md"):
            used = {c.argv[1] for c in sibkit_commands(name)}
            assert {"show", "explain", "run", "check", "simulate", "sweep", "termsheet"} <= used, name
            assert any(isinstance(s, Edit) for s in steps(name)), name

    def test_relative_links_resolve(self) -> None:
        """Every relative link in the documents points to a file in the repository."""
        for name in DOCS:
            for target in LINK.findall(doc_text(name)):
                if "://" in target:
                    continue
                assert (ROOT / "docs" / target).resolve().exists(), (name, target)
