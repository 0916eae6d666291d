"""``links prune``: retire attachments that no note links to, into ``.trash/``."""

from __future__ import annotations

from collections.abc import Callable

from vaultkit.vault.check import check
from vaultkit.vault.index import VaultIndex
from vaultkit.vault.write import move_to_trash


def orphans_to_prune(index: VaultIndex, select: Callable[[str], bool]) -> list[str]:
    """Orphaned attachments for which ``select(path)`` is true, in path order."""
    return [p for p in check(index).orphans if select(p)]


def prune(index: VaultIndex, paths: list[str]) -> list[str]:
    """Move ``paths`` into ``.trash/``; returns where each one went."""
    return [move_to_trash(index.root, p) for p in paths]
