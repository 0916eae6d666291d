"""Which vault holds a folder: found as git finds a repository (design.md section 4)."""

from __future__ import annotations

import os
from pathlib import Path

from vaultkit.errors import VaultError


def find_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The vault that holds ``start`` (None: the current folder).

    The nearest folder from ``start`` up that holds ``.obsidian/`` or
    ``vaultkit.toml``; ``start`` itself is returned as given when it is the
    vault, so paths in messages stay as the user wrote them. VaultError if
    ``start`` is no folder or no vault holds it, so a folder that is no
    vault is never scanned or written into.
    """
    given = Path(".") if start is None else Path(start)
    if not given.is_dir():
        raise VaultError(f"{given} is not a folder; give a folder inside a vault")
    here = Path(os.path.abspath(given))
    for folder in (here, *here.parents):
        if (folder / ".obsidian").is_dir() or (folder / "vaultkit.toml").is_file():
            return given if folder == here else folder
    raise VaultError(
        f"{here} is not inside a vault: no folder from there up holds .obsidian/ or vaultkit.toml; "
        f"make it one with `vaultkit init {given}` (or open it in Obsidian), or give the vault's path"
    )
