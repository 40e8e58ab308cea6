"""How sibkit writes a user's files: one output policy for every file it writes.

Every command that writes a file (``sibkit termsheet -o``, ``simulate --out``, ``sweep --chart``,
``new``) and every library function that writes one (``write_termsheet``, ``write_docx``,
``export``, ``write_starter``, ``save_contract``) goes through ``write_bytes_atomic``, so all follow
the same rules:

* **Atomic.** The data goes to a temporary file beside the target, which is then renamed into
  place: a reader sees the old file or the new one, never a part, and a failure leaves no
  half-written file behind.
* **No silent overwrite.** An existing file is replaced only when the caller asks
  (``overwrite=True``; the commands' ``--force``); otherwise ``FileExistsError`` is raised and the
  file is left as it was.
* **The folder must exist.** It is never created: a missing folder raises ``FileNotFoundError``
  naming the folder, a path through an ordinary file ``NotADirectoryError``, and a target that is
  a folder ``IsADirectoryError``.
* **Permissions as ``open()`` gives them.** A new file gets mode ``0o666`` less the process's
  umask (``rw-r--r--`` under the usual umask 022), not the ``rw-------`` of a temporary file; a
  file that is replaced keeps its permission bits, as when it is written over in place.

``check_output`` applies the same rules without writing, so a command can refuse a target
before a long computation rather than after it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import threading
from pathlib import Path

__all__ = ["check_output", "current_umask", "write_bytes_atomic", "write_text_atomic"]

_UMASK_LINE = re.compile(rb"^Umask:\s*([0-7]+)\s*$", re.MULTILINE)
"""The ``Umask:`` line of ``/proc/self/status`` (Linux 4.7 and later)."""

_UMASK_LOCK = threading.Lock()
"""Serialises the set-and-restore fallback of ``current_umask`` between this module's threads."""


def current_umask() -> int:
    """The process's file-mode creation mask (``0o022`` typically).

    Read from ``/proc/self/status`` where the system has it, which changes nothing. Elsewhere
    the only way is ``os.umask``, which sets a mask while reading the old one: it is set back
    at once, under a lock, so no file this module creates sees the temporary value.
    """
    try:
        found = _UMASK_LINE.search(Path("/proc/self/status").read_bytes())
    except OSError:
        found = None
    if found is not None:
        return int(found.group(1), 8)
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def check_output(path: Path, *, overwrite: bool) -> None:
    """Raise the error ``write_bytes_atomic`` would raise for ``path`` before it writes anything.

    ``IsADirectoryError`` when ``path`` is a folder; ``FileExistsError`` when it is a file and
    ``overwrite`` is false; ``FileNotFoundError`` (its ``filename`` the folder) when the folder
    does not exist; ``NotADirectoryError`` (its ``filename`` the folder) when the "folder" is a
    file. Permission problems show only when writing.
    """
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "the path is a folder", str(path))
    if not overwrite and (path.exists() or path.is_symlink()):
        raise FileExistsError(errno.EEXIST, "the file exists", str(path))
    folder = path.parent
    if not folder.exists():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", str(folder))
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))


def write_bytes_atomic(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` by the output policy of this module.

    The data goes to a temporary file beside ``path`` that is then renamed into place (atomic on
    POSIX and Windows). With ``overwrite=False`` an existing file raises ``FileExistsError`` and
    is left untouched; a missing folder, a path through a file or a folder as target raise the
    errors ``check_output`` names. A new file gets mode ``0o666 & ~umask``; a replaced file keeps
    its permission bits.
    """
    check_output(path, overwrite=overwrite)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:  # no file yet (or a dangling link): the mode open() would give a new file
        mode = 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if hasattr(os, "fchmod"):  # POSIX; on Windows a file's mode is only read-only or not
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, *, overwrite: bool) -> None:
    """``write_bytes_atomic`` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"), overwrite=overwrite)
