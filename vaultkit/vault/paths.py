"""Vault-relative paths: scanning, normalising and validating names."""

from __future__ import annotations

import os
import posixpath
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from vaultkit.errors import VaultError
from vaultkit.names import FORBIDDEN_CHARS

NOTE_EXT = ".md"
CANVAS_EXT = ".canvas"


def fold(path: str) -> str:
    """Key for comparing names the way Obsidian does: NFC and case-insensitive."""
    return unicodedata.normalize("NFC", path).casefold()


def scan(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (vault-relative posix path, stat) of every visible file under ``root``.

    Dot-folders and dot-files are outside the vault. Symlinked folders are
    followed once; a loop is cut where it would revisit a folder.
    """
    seen: set[tuple[int, int]] = set()
    stack = [("", root)]
    while stack:
        prefix, folder = stack.pop()
        try:
            st = folder.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            try:
                if entry.is_dir():
                    stack.append((rel + "/", Path(entry.path)))
                elif entry.is_file():
                    # The name as it is on disk (NFD from macOS stays NFD): reads and writes need it;
                    # comparisons go through ``fold``.
                    yield rel, entry.stat()
            except OSError:
                continue


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

