"""Safe writes into a vault: atomic, only on change, one writer at a time.

Obsidian and sync tools watch the vault, so a half-written note or a rewrite
with the same bytes is visible churn. Every write goes through here.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vaultkit.errors import VaultLockedError

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

    ``flock`` is released by the kernel when the process dies, even by SIGKILL,
    so a killed run never leaves the vault locked. A dry run only reads: it
    takes no lock and creates nothing.
    """
    if dry_run:
        yield
        return
    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    fh = open(state / "lock", "a+")  # noqa: SIM115 - closed in finally
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise VaultLockedError(
                        f"vault is locked: another vaultkit process is writing to {root}; "
                        "wait for it to finish and run the command again"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        fh.close()
