"""The term sheet as PDF: its standalone HTML printed by headless Chromium.

The HTML of ``render_termsheet`` carries an A4 print stylesheet (``@page``, a page break
before each major section), so Chromium's "print to PDF" is all the typesetting needed.
``find_chromium`` finds the browser, ``html_to_pdf`` prints any HTML document with it, and
``render_pdf`` does both for a contract's term sheet.

Chromium runs as a separate process with a fresh profile in a temporary directory that is
removed afterwards, and with the flags that keep it from calling home (no background
networking, component updates, sync or QUIC). The term sheet fetches nothing itself and runs no
scripts: its Content-Security-Policy allows only inline styles and ``data:`` images.
(``html_to_pdf`` prints any document; one without such a policy may run scripts.) Chromium is
not a Python package: install it from the system's packages (Debian: ``chromium``) or point the
environment variable ``SIBKIT_CHROMIUM`` at the executable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from sibkit.errors import SibkitError, english
from sibkit.facts import N_, Fact, Phrase
from sibkit.model import Contract
from sibkit.report.termsheet import render_termsheet

__all__ = [
    "CHROMIUM_ENV",
    "CHROMIUM_FLAGS",
    "CHROMIUM_NAMES",
    "DEFAULT_TIMEOUT",
    "PrintError",
    "find_chromium",
    "html_to_pdf",
    "render_pdf",
]

CHROMIUM_ENV = "SIBKIT_CHROMIUM"
"""The environment variable naming the Chromium executable (a path, or a name on ``PATH``)."""

CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser", "google-chrome")
"""The executables looked for on ``PATH`` when ``SIBKIT_CHROMIUM`` is not set, in this order."""

DEFAULT_TIMEOUT = 60.0
"""Seconds Chromium is given to print a document before it is stopped."""

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
)
"""Chromium's command-line flags, besides the profile directory and the output file.

Headless, without the sandbox (which refuses to run as root, as in containers and CI) and the
GPU; no background networking, component updates, sync or QUIC, so that the browser makes no
connections of its own. ``--no-pdf-header-footer`` leaves out the date, title, URL and page
numbers that Chromium otherwise prints in the margins; ``--print-to-pdf-no-header`` is its older
name (each version ignores the name it does not know). Scripts stay enabled, because headless
Chromium prints nothing with ``--blink-settings=scriptEnabled=false``; the term sheet's
Content-Security-Policy forbids them.
"""


class PrintError(SibkitError, RuntimeError):
    """Chromium is missing, failed, timed out or wrote no PDF. ``phrase`` is the message with its facts
    (Chromium's own diagnostics quoted as they are), so the command says it in the user's language;
    ``str()`` is English."""

    def __init__(self, message: str, **facts: Fact) -> None:
        self.phrase = Phrase.of(message, **facts)
        super().__init__(english(self.phrase))


_STDERR_LINES = 15
"""How many of Chromium's last lines of diagnostics an error message quotes."""


def find_chromium() -> str | None:
    """The path of the Chromium executable to print with, or ``None`` when there is none.

    ``SIBKIT_CHROMIUM``, when set and not empty, decides alone: a path to an executable, or a
    name looked up on ``PATH`` (``None`` if it is neither, so that a wrong setting is not
    silently replaced by another browser). Otherwise the first of ``chromium``,
    ``chromium-browser`` and ``google-chrome`` found on ``PATH``.
    """
    chosen = os.environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        return shutil.which(chosen)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


def _missing() -> PrintError:
    """Why no Chromium was found, and what to do about it."""
    chosen = os.environ.get(CHROMIUM_ENV, "").strip()
    if chosen:
        return PrintError(
            N_(
                "PDF needs Chromium: install the chromium package or set %(env)s "
                "(%(env)s=%(chosen)s is not an executable)"
            ),
            env=CHROMIUM_ENV,
            chosen=repr(chosen),
        )
    return PrintError(
        N_("PDF needs Chromium: install the chromium package or set %(env)s (none of %(names)s is on PATH)"),
        env=CHROMIUM_ENV,
        names=", ".join(CHROMIUM_NAMES),
    )


def _executable(chromium: str | None) -> str:
    """``chromium``, or else ``find_chromium()``'s; ``PrintError`` when there is none."""
    executable = chromium if chromium is not None else find_chromium()
    if executable is None:
        raise _missing()
    return executable


def _tail(stderr: bytes) -> Phrase:
    """The last lines of Chromium's diagnostics, without its routine complaints about D-Bus."""
    lines = [
        line
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and ":ERROR:dbus/" not in line and "Failed to connect to the bus" not in line
    ]
    tail = "\n".join(lines[-_STDERR_LINES:])
    if tail:
        return Phrase.of(N_("\nChromium said:\n%(tail)s"), tail=tail)
    return Phrase.of(N_("\nChromium said nothing on stderr."))


def _stop(process: subprocess.Popen[bytes]) -> bytes:
    """Stop ``process`` and the helper processes it started (its process group, where there are
    groups); return what it wrote to stderr."""
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows: no process groups to kill
        process.kill()
    return process.communicate()[1]


def html_to_pdf(html: str, *, chromium: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Print the HTML document ``html`` to PDF with headless Chromium and return the PDF's bytes.

    The document is written to a temporary directory (so relative references resolve there and
    nowhere else) and printed as its stylesheet's ``@page`` rules ask, without Chromium's header
    and footer. ``chromium`` is the executable; by default ``find_chromium()``'s. Chromium (with
    every process it started) is stopped after ``timeout`` seconds.

    Raises ``RuntimeError`` when Chromium is missing, fails, times out or writes no PDF; the
    message quotes the end of Chromium's diagnostics.
    """
    executable = _executable(chromium)
    with tempfile.TemporaryDirectory(prefix="sibkit-pdf-") as tmp:
        folder = Path(tmp)
        page = folder / "termsheet.html"
        page.write_text(html, encoding="utf-8")
        output = folder / "out.pdf"
        command = [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--crash-dumps-dir={folder / 'crashes'}",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=folder,
                start_new_session=True,
            )
        except OSError as error:
            raise PrintError(
                N_(
                    "PDF needs Chromium: install the chromium package or set %(env)s "
                    "(could not start %(path)s: %(error)s)"
                ),
                env=CHROMIUM_ENV,
                path=repr(executable),
                error=str(error),
            ) from error
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stderr = _stop(process)
            raise PrintError(
                N_("Chromium (%(path)s) did not print the PDF within %(seconds)s s%(said)s"),
                path=executable,
                seconds=f"{timeout:g}",
                said=_tail(stderr),
            ) from None
        if process.returncode != 0:
            raise PrintError(
                N_("Chromium (%(path)s) failed with exit status %(status)s%(said)s"),
                path=executable,
                status=str(process.returncode),
                said=_tail(stderr),
            )
        try:
            data = output.read_bytes()
        except FileNotFoundError:
            raise PrintError(
                N_("Chromium (%(path)s) wrote no PDF%(said)s"), path=executable, said=_tail(stderr)
            ) from None
        if not data.startswith(b"%PDF-"):
            raise PrintError(
                N_("Chromium (%(path)s) wrote a file that is not a PDF%(said)s"), path=executable, said=_tail(stderr)
            )
        return data


def render_pdf(
    contract: Contract,
    lang: str,
    *,
    today: dt.date,
    simulate_n: int | None = None,
    chromium: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """The term sheet of ``contract`` in ``lang`` (``nl``, ``en``) as a PDF of A4 pages.

    ``today`` and ``simulate_n`` are as for ``render_termsheet``; ``chromium`` and ``timeout``
    as for ``html_to_pdf``. Raises ``ValueError`` for an unknown language and ``RuntimeError``
    when Chromium is missing (before the term sheet is computed) or fails.
    """
    executable = _executable(chromium)
    html = render_termsheet(contract, lang, "html", today=today, simulate_n=simulate_n)
    return html_to_pdf(html, chromium=executable, timeout=timeout)
