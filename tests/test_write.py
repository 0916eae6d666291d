"""Atomic writes, the vault lock and the trash."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from vaultkit.errors import VaultError, VaultLockedError
from vaultkit.vault import write
from vaultkit.vault.write import ChangedSinceRead, move_to_trash, vault_lock, write_if_changed


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


# --- what a concurrent save, a crash or an odd file system leaves; found by mutants of write.py that survived ---


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_new_file_is_readable_by_all_and_same_size_content_is_written(tmp_path):
    p = tmp_path / "n.md"
    assert write_if_changed(p, b"ab") is True
    assert p.stat().st_mode & 0o777 == 0o644  # whatever the umask: a note like the ones Obsidian writes
    assert write_if_changed(p, b"cd") is True and p.read_bytes() == b"cd"


def test_write_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "real.md").write_bytes(b"a")
    (tmp_path / "link.md").symlink_to("real.md")
    assert write_if_changed(tmp_path / "link.md", b"b") is True
    assert (tmp_path / "link.md").is_symlink() and (tmp_path / "real.md").read_bytes() == b"b"


def test_expected_content_is_replaced_and_nothing_is_left_aside(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes(b"old")
    assert write_if_changed(p, b"new", expected=b"old") is True
    assert p.read_bytes() == b"new" and _leftovers(tmp_path) == []


def test_a_save_since_the_read_is_kept_not_replaced(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes(b"the user's save")
    with pytest.raises(ChangedSinceRead):
        write_if_changed(p, b"new", expected=b"what vaultkit read")
    assert p.read_bytes() == b"the user's save" and _leftovers(tmp_path) == []


def test_a_new_note_is_not_written_over_one_created_meanwhile(tmp_path):
    p = tmp_path / "n.md"
    assert write_if_changed(p, b"new", expected=None) is True and p.read_bytes() == b"new"
    q = tmp_path / "m.md"
    q.write_bytes(b"created by the user")
    with pytest.raises(ChangedSinceRead):
        write_if_changed(q, b"new", expected=None)
    assert q.read_bytes() == b"created by the user" and _leftovers(tmp_path) == []


def test_a_note_deleted_since_the_read_stays_deleted(tmp_path):
    p = tmp_path / "n.md"
    with pytest.raises(ChangedSinceRead):
        write_if_changed(p, b"new", expected=b"old")
    assert not p.exists() and _leftovers(tmp_path) == []


def test_a_save_after_the_move_aside_wins_and_the_older_copy_goes_to_the_trash(tmp_path, monkeypatch):
    p = tmp_path / "n.md"
    p.write_bytes(b"old")
    real_current = write._current

    def save_meanwhile(path):
        p.write_bytes(b"saved again")  # the editor writes the note anew right after it was set aside
        return real_current(path)

    monkeypatch.setattr(write, "_current", save_meanwhile)
    with pytest.raises(ChangedSinceRead):
        write_if_changed(p, b"new", expected=b"old")
    assert p.read_bytes() == b"saved again"
    assert _leftovers(tmp_path) == [".n.md.vaultkit-aside"]
    monkeypatch.undo()
    assert write.recover_asides(tmp_path) == []  # the note is in place: nothing restored...
    assert (tmp_path / ".trash" / ".n.md.vaultkit-aside").read_bytes() == b"old"  # ...the old copy kept
    assert p.read_bytes() == b"saved again"


def test_without_hard_links_the_new_file_is_renamed_into_place(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise PermissionError(1, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    p = tmp_path / "n.md"
    p.write_bytes(b"old")
    assert write_if_changed(p, b"new", expected=b"old") is True
    assert p.read_bytes() == b"new" and _leftovers(tmp_path) == []
    assert write_if_changed(tmp_path / "m.md", b"m", expected=None) is True
    with pytest.raises(ChangedSinceRead):
        write_if_changed(tmp_path / "m.md", b"other", expected=None)
    assert (tmp_path / "m.md").read_bytes() == b"m" and _leftovers(tmp_path) == []


def test_recover_asides_puts_back_what_a_kill_left_aside(tmp_path):
    (tmp_path / "Genes").mkdir()
    (tmp_path / "Genes" / ".LIF.md.vaultkit-aside").write_bytes(b"set aside")  # killed before the new file
    (tmp_path / "Genes" / ".MYC.md.vaultkit-aside").write_bytes(b"older")  # killed after it
    (tmp_path / "Genes" / "MYC.md").write_bytes(b"newer")
    (tmp_path / ".trash").mkdir()
    (tmp_path / ".trash" / ".X.md.vaultkit-aside").write_bytes(b"already in the trash")
    assert write.recover_asides(tmp_path) == ["Genes/LIF.md"]
    assert (tmp_path / "Genes" / "LIF.md").read_bytes() == b"set aside"
    assert (tmp_path / "Genes" / "MYC.md").read_bytes() == b"newer"
    assert (tmp_path / ".trash" / "Genes" / ".MYC.md.vaultkit-aside").read_bytes() == b"older"
    assert (tmp_path / ".trash" / ".X.md.vaultkit-aside").read_bytes() == b"already in the trash"
    assert not (tmp_path / "X.md").exists()
    assert _leftovers(tmp_path / "Genes") == []


def test_clean_temp_files_removes_only_temporary_files(tmp_path):
    (tmp_path / "a").mkdir()
    for name in (".n.md.abc.vaultkit-tmp", "a/.p.png.x.vaultkit-tmp"):
        (tmp_path / name).write_bytes(b"partial")
    (tmp_path / "n.md").write_bytes(b"note")
    (tmp_path / ".n.md.vaultkit-aside").write_bytes(b"aside")
    assert write.clean_temp_files(tmp_path) == 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        ".n.md.vaultkit-aside",
        "n.md",
    ]
    assert write.clean_temp_files(tmp_path) == 0


def test_unique_path_and_trash_text_never_overwrite(tmp_path):
    assert write.unique_path(tmp_path / "a.png") == tmp_path / "a.png"
    (tmp_path / "a.png").write_bytes(b"0")
    (tmp_path / "a 1.png").write_bytes(b"1")
    assert write.unique_path(tmp_path / "a.png") == tmp_path / "a 2.png"
    assert write.trash_text(tmp_path, "Genes/LIF.md", b"v1") == ".trash/Genes/LIF.md"
    assert write.trash_text(tmp_path, "Genes/LIF.md", b"v2") == ".trash/Genes/LIF 1.md"
    assert (tmp_path / ".trash/Genes/LIF.md").read_bytes() == b"v1"
    assert (tmp_path / ".trash/Genes/LIF 1.md").read_bytes() == b"v2"
    assert move_to_trash(tmp_path, "a.png") == ".trash/a.png"


def test_a_trash_or_state_folder_linked_outside_the_vault_is_refused(tmp_path):
    root, outside = tmp_path / "v", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / ".trash").symlink_to(outside)
    with pytest.raises(VaultError, match="outside the vault"), vault_lock(root):
        pass
    with pytest.raises(VaultError, match="outside the vault"):
        write.trash_text(root, "n.md", b"x")
    assert list(outside.iterdir()) == []
    (root / ".trash").unlink()
    (root / "inside").mkdir()
    (root / ".trash").symlink_to(root / "inside")  # a link that stays in the vault is fine
    assert write.trash_text(root, "n.md", b"x") == ".trash/n.md"


def test_a_dry_run_takes_no_lock_and_creates_nothing(tmp_path):
    with vault_lock(tmp_path, dry_run=True):
        assert list(tmp_path.iterdir()) == []
    with vault_lock(tmp_path):
        assert (tmp_path / ".vaultkit").is_dir()


def test_a_file_system_without_locks_is_named_and_other_errors_pass_through(tmp_path, monkeypatch):
    import errno

    import filelock

    def no_locks(self, *args, **kwargs):
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(filelock.UnixFileLock, "acquire", no_locks)
    with pytest.raises(VaultError, match="does not support file locks"), vault_lock(tmp_path):
        pass

    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(filelock.UnixFileLock, "acquire", denied)
    with pytest.raises(PermissionError), vault_lock(tmp_path):
        pass


def test_where_flock_is_missing_no_soft_lock_is_taken(tmp_path, monkeypatch):
    # A soft lock (a file whose existence locks) would stay behind after a kill and lock the vault for good.
    import errno

    fcntl = pytest.importorskip("fcntl")  # Unix only

    def missing(fd, operation):
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(fcntl, "flock", missing)
    with pytest.raises(VaultError, match="does not support file locks"), vault_lock(tmp_path):
        pass
