"""``sibkit.atomic``: the one output policy, at the level of the library."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sibkit import atomic
from sibkit.atomic import check_output, current_umask, write_bytes_atomic, write_text_atomic


def _mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def mask() -> Iterator[None]:
    """Run the test under umask 027, then restore the old one."""
    old = os.umask(0o027)
    yield
    os.umask(old)


class TestCurrentUmask:
    @pytest.mark.usefixtures("mask")
    def test_reads_the_mask_in_force(self) -> None:
        """The mask set by os.umask is the one read, and reading it changes nothing."""
        assert current_umask() == 0o027
        assert os.umask(0o027) == 0o027

    @pytest.mark.usefixtures("mask")
    def test_without_proc_the_mask_is_set_back(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Where /proc/self/status has no Umask line, the fallback reads the same mask and restores it."""
        monkeypatch.setattr(atomic, "_UMASK_LINE", re.compile(rb"^no such line$"))
        assert current_umask() == 0o027
        assert os.umask(0o027) == 0o027


class TestWriteBytesAtomic:
    @pytest.mark.parametrize("umask", [0o000, 0o002, 0o022, 0o027, 0o077, 0o277])
    def test_new_file_mode_is_0666_less_the_umask(self, tmp_path: Path, umask: int) -> None:
        """A new file's permissions are those open() gives: 0o666 & ~umask."""
        out = tmp_path / "x.csv"
        old = os.umask(umask)
        try:
            write_bytes_atomic(out, b"a,b\n", overwrite=False)
        finally:
            os.umask(old)
        assert out.read_bytes() == b"a,b\n" and _mode(out) == 0o666 & ~umask

    @pytest.mark.usefixtures("mask")
    def test_replaced_file_keeps_its_mode(self, tmp_path: Path) -> None:
        """Writing over a file (overwrite=True) keeps its permission bits, whatever the umask."""
        out = tmp_path / "x.md"
        out.write_text("old", encoding="utf-8")
        out.chmod(0o604)
        write_text_atomic(out, "new", overwrite=True)
        assert out.read_text(encoding="utf-8") == "new" and _mode(out) == 0o604

    def test_existing_file_is_refused_and_kept(self, tmp_path: Path) -> None:
        """Without overwrite an existing file raises FileExistsError and is left as it was, with no
        temporary file beside it."""
        out = tmp_path / "x.md"
        out.write_text("old", encoding="utf-8")
        with pytest.raises(FileExistsError):
            write_text_atomic(out, "new", overwrite=False)
        assert out.read_text(encoding="utf-8") == "old" and list(tmp_path.iterdir()) == [out]

    def test_dangling_link_counts_as_existing(self, tmp_path: Path) -> None:
        """A symbolic link to nothing is not replaced without overwrite."""
        out = tmp_path / "x.md"
        out.symlink_to(tmp_path / "nowhere")
        with pytest.raises(FileExistsError):
            write_text_atomic(out, "new", overwrite=False)
        assert out.is_symlink()

    def test_missing_folder_is_not_created(self, tmp_path: Path) -> None:
        """A missing folder raises FileNotFoundError naming the folder; nothing is created."""
        folder = tmp_path / "a" / "b"
        with pytest.raises(FileNotFoundError) as err:
            write_bytes_atomic(folder / "x.png", b"", overwrite=True)
        assert err.value.filename == str(folder) and list(tmp_path.iterdir()) == []

    def test_a_file_as_folder(self, tmp_path: Path) -> None:
        """A path through an ordinary file raises NotADirectoryError naming that file."""
        (tmp_path / "f").write_text("", encoding="utf-8")
        with pytest.raises(NotADirectoryError) as err:
            check_output(tmp_path / "f" / "x.png", overwrite=True)
        assert err.value.filename == str(tmp_path / "f")

    def test_a_folder_as_target(self, tmp_path: Path) -> None:
        """A folder is never written over, even with overwrite."""
        with pytest.raises(IsADirectoryError):
            write_bytes_atomic(tmp_path, b"", overwrite=True)

    def test_failed_write_leaves_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the rename fails, the temporary file is removed and the old file kept."""
        out = tmp_path / "x.md"
        out.write_text("old", encoding="utf-8")

        def refuse(src: str, dst: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", refuse)
        with pytest.raises(OSError, match="No space left"):
            write_text_atomic(out, "new", overwrite=True)
        assert out.read_text(encoding="utf-8") == "old" and list(tmp_path.iterdir()) == [out]
