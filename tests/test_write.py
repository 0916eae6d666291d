"""Atomic writes, the vault lock and the trash."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from vaultkit.errors import VaultLockedError
from vaultkit.vault.write import move_to_trash, vault_lock, write_if_changed


def test_write_if_changed_skips_identical_content(tmp_path):
    p = tmp_path / "n.md"
    assert write_if_changed(p, b"a") is True
    mtime = p.stat().st_mtime_ns
    assert write_if_changed(p, b"a") is False
    assert p.stat().st_mtime_ns == mtime
    assert write_if_changed(p, b"b") is True and p.read_bytes() == b"b"
    assert [f.name for f in tmp_path.iterdir()] == ["n.md"]  # no temp file left


def test_write_keeps_mode(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes(b"a")
    os.chmod(p, 0o600)
    write_if_changed(p, b"b")
    assert p.stat().st_mode & 0o777 == 0o600


def _hold(root, ready, release):
    with vault_lock(root):
        ready.set()
        release.wait(10)


def test_second_writer_waits_then_reports_locked(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold, args=(tmp_path, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        with pytest.raises(VaultLockedError, match="vault is locked"), vault_lock(tmp_path, wait=0.3):
            pass
    finally:
        release.set()
        proc.join(10)
    with vault_lock(tmp_path, wait=0.3):
        pass  # released when the holder ends


def test_trash_never_overwrites(tmp_path):
    (tmp_path / "p").mkdir()
    for content in (b"1", b"2"):
        (tmp_path / "p" / "a.png").write_bytes(content)
        move_to_trash(tmp_path, "p/a.png")
    assert sorted(f.name for f in (tmp_path / ".trash" / "p").iterdir()) == ["a 1.png", "a.png"]
