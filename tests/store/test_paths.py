"""store/paths.py in-process: what is refused, what is followed, what is created."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from visor_mem.errors import StoreError
from visor_mem.store.paths import check_regular_or_absent, open_regular, read_regular, store_target


def test_a_missing_store_in_missing_folders_may_be_created(tmp_path: Path) -> None:
    assert store_target(tmp_path / "a" / "b" / "m.json", writes=True) == tmp_path / "a" / "b" / "m.json"


def test_a_symlink_is_followed_to_its_target(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text("{}")
    (tmp_path / "m.json").symlink_to("t.json")
    assert store_target(tmp_path / "m.json", writes=True) == tmp_path / "t.json"


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda p: os.mkfifo(p), "a FIFO"),
        (lambda p: p.mkdir(), "a folder"),
        (lambda p: os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 3)), "a character device"),
        (lambda p: socket.socket(socket.AF_UNIX).bind(str(p)), "a socket"),
    ],
    ids=["fifo", "folder", "device", "socket"],
)
def test_anything_but_a_regular_file_is_refused_everywhere(tmp_path: Path, make: object, what: str) -> None:
    path = tmp_path / "x"
    make(path)  # type: ignore[operator]
    with pytest.raises(StoreError, match=f"the memory store is {what}"):
        store_target(path, writes=False)
    with pytest.raises(StoreError, match=f"the journal is {what}"):
        check_regular_or_absent(path, "journal")
    with pytest.raises(StoreError, match="the journal is"):
        read_regular(path, "journal")


def test_a_read_only_store_is_refused_only_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{}")
    path.chmod(0o444)
    assert store_target(path, writes=False) == path
    with pytest.raises(StoreError, match="read-only"):
        store_target(path, writes=True)


def test_a_read_only_folder_cannot_get_a_new_store(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError, match="the folder is read-only"):
            store_target(folder / "m.json", writes=True)
    finally:
        folder.chmod(0o755)


def test_a_folder_path_has_no_file_name() -> None:
    with pytest.raises(StoreError, match="is a folder"):
        store_target(Path("/"), writes=False)


def test_sidecars_are_never_followed(tmp_path: Path) -> None:
    (tmp_path / "victim").write_bytes(b"keep")
    (tmp_path / "lock").symlink_to("victim")
    with pytest.raises(StoreError, match="the lock file is a symlink"):
        open_regular(tmp_path / "lock", os.O_RDWR | os.O_CREAT | os.O_TRUNC, "lock file")
    assert (tmp_path / "victim").read_bytes() == b"keep"


def test_a_fifo_nobody_reads_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "j")
    with pytest.raises(StoreError, match="the journal is a FIFO"):
        open_regular(tmp_path / "j", os.O_WRONLY | os.O_CREAT, "journal")


def test_absent_files_read_as_none(tmp_path: Path) -> None:
    assert read_regular(tmp_path / "nothing", "journal") is None
    check_regular_or_absent(tmp_path / "nothing", "journal")
