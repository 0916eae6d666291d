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
from types import EllipsisType
from typing import Any

from vaultkit.errors import VaultError, VaultLockedError
from vaultkit.vault.paths import ASIDE_SUFFIX, STATE_DIR, aside_of

TRASH_DIR = ".trash"


class ChangedSinceRead(Exception):
    """The file is no longer what vaultkit read (the user saved it meanwhile): it was not replaced."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: changed while vaultkit was writing it; left as it is")
        self.path = path


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write_if_changed(path: Path, data: bytes, *, expected: bytes | EllipsisType | None = ...) -> bool:
    """Atomically replace ``path`` with ``data`` unless it already holds exactly that.

    The temporary file is a dot-file in the same folder (Obsidian ignores it,
    and ``os.replace`` stays on one file system); a crash leaves either the old
    or the new file, never a partial one. Returns True if the file was written.

    ``expected`` is what the caller read and built ``data`` from (None: the
    file did not exist). Right before the rename the file is read again; if
    it is no longer that (Obsidian saved the user's edit meanwhile), nothing is
    replaced and ChangedSinceRead is raised, so the caller can merge again
    from the new version. The remaining window is the rename itself.
    """
    if path.is_symlink():
        # A linked note is written through its link, which stays a link (callers check it leads
        # nowhere outside the vault: paths.confined).
        path = path.resolve()
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vaultkit-tmp", dir=path.parent)
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:  # a full disk names the note, not the temporary file
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        os.chmod(tmp, mode)
        if expected is ...:
            os.replace(tmp, path)
        else:
            _replace_if_unchanged(Path(tmp), path, expected)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def _replace_if_unchanged(tmp: Path, path: Path, expected: bytes | None) -> None:
    """Put ``tmp`` at ``path`` only if ``path`` still holds ``expected``, with no window in which a save is lost.

    The current file is first moved aside (a rename takes whatever was saved
    last), then compared; the new file is then hard-linked into place, which
    fails if an editor created the note again meanwhile. Any save lands
    either in the file set aside (found by the comparison) or in a new file
    at ``path`` (found by the link): both put the user's version back and
    raise ChangedSinceRead. A crash in between leaves the aside file, which
    ``recover_asides`` puts back.
    """
    aside = aside_of(path)
    if expected is None:
        try:
            _link(tmp, path)  # a new note: only if nobody created it meanwhile
        except FileExistsError:
            raise ChangedSinceRead(path) from None
        return
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        raise ChangedSinceRead(path) from None  # deleted or moved by the user meanwhile: leave it so
    if _current(aside) != expected:
        _put_back(aside, path)
        raise ChangedSinceRead(path)
    try:
        _link(tmp, path)
    except FileExistsError:
        # Saved again after the move: that new file is the user's latest; the older one set aside
        # stays for recover_asides (the trash).
        raise ChangedSinceRead(path) from None
    os.unlink(aside)


def _link(src: Path, dst: Path) -> None:
    """``dst`` becomes ``src`` only if ``dst`` does not exist (FileExistsError otherwise).

    A file system without hard links (FAT, some network shares) falls back to
    a check and a rename, which leaves a small window.
    """
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(dst)) from None
        os.replace(src, dst)
        return
    os.unlink(src)


def _put_back(aside: Path, path: Path) -> None:
    """The user's version goes back to its place; if a newer save already took it, the aside file stays
    for ``recover_asides`` to move to the trash (nothing is deleted)."""
    with contextlib.suppress(FileExistsError):
        _link(aside, path)


def recover_asides(root: Path) -> list[str]:
    """Put back notes a killed vaultkit had set aside mid-replace; returns their vault paths.

    Where a file is in place again (the replace had completed, or the user
    saved anew), the aside copy goes to the trash.
    """
    restored = []
    for aside in root.rglob(f".*{ASIDE_SUFFIX}"):
        if TRASH_DIR in aside.relative_to(root).parts:
            continue
        target = aside.with_name(aside.name[1 : -len(ASIDE_SUFFIX)])
        with contextlib.suppress(OSError):
            if target.exists():
                move_to_trash(root, aside.relative_to(root).as_posix())
            else:
                os.replace(aside, target)
                restored.append(target.relative_to(root).as_posix())
    return restored


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
    dest = unique_path(_own_folder(root, TRASH_DIR) / rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(root / rel), str(dest))
    return dest.relative_to(root).as_posix()


def trash_text(root: Path, rel: str, text: bytes) -> str:
    """Keep ``text`` (an old version of ``rel``) in ``.trash/``; returns its trash path."""
    dest = unique_path(_own_folder(root, TRASH_DIR) / rel)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(text)
    return dest.relative_to(root).as_posix()


def _own_folder(root: Path, name: str) -> Path:
    """``.trash`` or ``.vaultkit`` under ``root``; VaultError if a symlink takes it outside the vault."""
    folder = root / name
    if folder.is_symlink() and not folder.resolve().is_relative_to(root.resolve()):
        raise VaultError(
            f"{folder} is a symlink to {folder.resolve()}, outside the vault; vaultkit writes only "
            f"inside the vault: make {name} a folder of the vault"
        )
    return folder


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

    _own_folder(root, TRASH_DIR)  # refused before anything is written, not when the first file retires
    state = _own_folder(root, STATE_DIR)
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
        raise VaultError(
            f"cannot lock {state / 'lock'}: the file system does not support file locks ({exc}); "
            "keep the vault on a local disk"
        ) from None
    try:
        yield
    finally:
        lock.release(force=True)
