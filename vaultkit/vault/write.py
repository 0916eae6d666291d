"""Safe writes into a vault: atomic, only on change, one writer at a time.

Obsidian and sync tools watch the vault, so a half-written note or a rewrite
with the same bytes is visible churn. Every write goes through here.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vaultkit.errors import VaultError, VaultLockedError

STATE_DIR = ".vaultkit"
TRASH_DIR = ".trash"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace ``path`` with ``data`` unless it already holds exactly that.

    The temporary file is a dot-file in the same folder (Obsidian ignores it,
    and ``os.replace`` stays on one file system); a crash leaves either the old
    or the new file, never a partial one. Returns True if the file was written.
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vaultkit-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def clean_temp_files(folder: Path) -> int:
    """Remove temporary files a killed vaultkit left behind; returns how many."""
    removed = 0
    for tmp in folder.rglob(".*.vaultkit-tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


def unique_path(path: Path) -> Path:
    """``path``, or ``name 1.ext``, ``name 2.ext``... the first that does not exist."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem} {n}{path.suffix}")
    return candidate


def move_to_trash(root: Path, rel: str) -> str:
    """Move a vault file into ``VAULT/.trash/`` keeping its folder; returns its trash path.

    vaultkit never deletes: whatever Obsidian's trash setting, what it retires
    can be restored from ``.trash/``.
    """
    dest = unique_path(root / TRASH_DIR / rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(root / rel), str(dest))
    return dest.relative_to(root).as_posix()


def trash_text(root: Path, rel: str, text: bytes) -> str:
    """Keep ``text`` (an old version of ``rel``) in ``.trash/``; returns its trash path."""
    dest = unique_path(root / TRASH_DIR / rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(text)
    return dest.relative_to(root).as_posix()


@contextlib.contextmanager
def vault_lock(root: Path, *, wait: float = 5.0, dry_run: bool = False) -> Iterator[None]:
    """Hold the vault's write lock; wait up to ``wait`` seconds, then VaultLockedError.

    The lock is ``filelock``'s OS lock on ``VAULT/.vaultkit/lock`` (``flock`` on
    Linux and macOS, ``LockFileEx`` on Windows), which the kernel releases when
    the process dies, even by SIGKILL, so a killed run never leaves the vault
    locked. Never a soft lock (a file whose mere existence locks): a killed run
    would leave that behind. A dry run only reads: it takes no lock and creates
    nothing.
    """
    if dry_run:
        yield
        return
    import filelock

    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    native = filelock.WindowsFileLock if sys.platform == "win32" else filelock.UnixFileLock
    options: dict[str, Any] = {"thread_local": False}
    if "fallback_to_soft" in inspect.signature(native).parameters:
        options["fallback_to_soft"] = False  # filelock >= 4 would otherwise go soft where flock is missing
    lock = native(str(state / "lock"), **options)
    try:
        lock.acquire(timeout=max(wait, 0.0), poll_interval=0.1)
    except filelock.Timeout:
        raise VaultLockedError(
            f"vault is locked: another vaultkit process is writing to {root}; "
            "wait for it to finish and run the command again"
        ) from None
    except (NotImplementedError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno != errno.ENOSYS:
            raise
        raise VaultError(f"cannot lock {state / 'lock'}: the file system does not support file locks ({exc}); "
                         "keep the vault on a local disk") from None
    try:
        yield
    finally:
        lock.release(force=True)
