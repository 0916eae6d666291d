"""Vault-relative paths: scanning, normalising and validating names."""

from __future__ import annotations

import contextlib
import os
import posixpath
import unicodedata
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path, PurePosixPath, PureWindowsPath

from vaultkit.errors import ConfigError, VaultError
from vaultkit.names import FORBIDDEN_CHARS

NOTE_EXT = ".md"
CANVAS_EXT = ".canvas"
STATE_DIR = ".vaultkit"  # vaultkit's own files: a dot-folder, so outside the vault


def fold(path: str) -> str:
    """Key for comparing names the way Obsidian does: NFC and case-insensitive."""
    if path.isascii():
        return path.lower()  # ASCII is its own NFC form, and casefold is lower there
    return unicodedata.normalize("NFC", path).casefold()


ASIDE_SUFFIX = ".vaultkit-aside"
_name = attrgetter("name")


def aside_of(path: Path) -> Path:
    """Where a note is set aside while vaultkit replaces it (``Genes/.LIF.md.vaultkit-aside``)."""
    return path.with_name(f".{path.name}{ASIDE_SUFFIX}")


def scan(root: Path, *, asides: bool = True) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (vault-relative posix path, stat) of every visible file under ``root``.

    Dot-folders and dot-files are outside the vault, except a note that a
    killed vaultkit left set aside with nothing at its place: it is seen at
    its place (the next writing command puts it back; a reading one reads
    it where it is, see ``notes.read_text``; ``asides=False`` leaves it
    out, so that a vault with one never looks unchanged). Symlinked folders are followed
    once; a loop is cut where it would revisit a folder.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, str | Path]] = [("", root)]
    while stack:
        prefix, folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            with os.scandir(folder) as found:
                entries = sorted(found, key=_name)
        except OSError:
            continue
        names = None  # made only for a set-aside note: most folders have none
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                if asides and name.endswith(ASIDE_SUFFIX):
                    place = name[1 : -len(ASIDE_SUFFIX)]
                    if names is None:
                        names = {e.name for e in entries}
                    if place and place not in names and entry.is_file():
                        with contextlib.suppress(OSError):
                            yield prefix + place, entry.stat()
                continue
            try:
                if entry.is_dir():
                    stack.append((prefix + name + "/", entry.path))
                elif entry.is_file():
                    # The name as it is on disk (NFD from macOS stays NFD): reads and writes need it;
                    # comparisons go through ``fold``.
                    yield prefix + name, entry.stat()
            except OSError:
                continue


def listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every visible file of the vault (as ``scan`` sees them) with its size and mtime in nanoseconds."""
    return {rel: (st.st_size, st.st_mtime_ns) for rel, st in scan(root)}


def check_name(rel: str) -> None:
    """Raise VaultError if a vault-relative path has a component Obsidian refuses."""
    for part in rel.split("/"):
        bad = sorted(FORBIDDEN_CHARS.intersection(part))
        if not part or part in (".", ".."):
            raise VaultError(f"{rel!r}: empty or relative path component; give a path inside the vault")
        if bad:
            raise VaultError(
                f"{rel!r}: Obsidian refuses the characters {' '.join(bad)} in file names; choose another name"
            )


def inside(root: Path, rel: str) -> Path:
    """The absolute path of ``rel`` under ``root``; VaultError if it leaves the vault."""
    norm = posixpath.normpath(rel.replace("\\", "/"))
    if norm.startswith("../") or norm == ".." or norm.startswith("/"):
        raise VaultError(f"{rel!r} is outside the vault {root}")
    full = (root / norm).resolve()
    if not full.is_relative_to(root.resolve()):
        raise VaultError(f"{rel!r} resolves outside the vault {root} (through a symlink?)")
    return root / norm


def confined(root: Path, rel: str, what: str) -> Path:
    """The absolute path of the vault-relative ``rel`` under ``root``, refused if it leads out.

    ``what`` names the setting and the file it came from (``notes_dir in VAULT/vaultkit.toml``).
    Absolute paths (``/x``, ``C:\\x``, ``\\\\server\\x``), ``..`` that climbs above the vault and
    symlinks anywhere along the path whose target lies outside are refused, because everything
    vaultkit writes stays inside the vault. ``""`` and ``"."`` are the vault's root.

    Raises
    ------
    ConfigError
        Naming ``what``, the value and how to fix it.
    """
    text = rel.replace("\\", "/")
    if text.startswith("/") or PureWindowsPath(rel).drive or PurePosixPath(text).is_absolute():
        raise ConfigError(
            f"{what}: {rel!r} is an absolute path; vaultkit writes only inside the vault {root}, "
            'so give a folder relative to the vault\'s root, such as "Genes"'
        )
    norm = posixpath.normpath(text) if text else "."
    if norm == ".." or norm.startswith("../"):
        raise ConfigError(
            f"{what}: {rel!r} leads out of the vault {root} through '..'; "
            "give a folder inside the vault, relative to its root"
        )
    try:
        base = root.resolve()
        full = (base / norm).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise ConfigError(f"{what}: {rel!r} cannot be resolved in the vault {root} ({exc}); fix the symlinks") from None
    if not full.is_relative_to(base):
        raise ConfigError(
            f"{what}: {rel!r} leads out of the vault {root} through a symlink (to {full}); "
            "replace the symlink by a folder inside the vault or choose another folder"
        )
    return root if norm == "." else root / norm
