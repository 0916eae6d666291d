"""``links prune``: retire attachments that no note links to, into ``.trash/``.

Obsidian Publish uses files no note links to: a favicon at the vault's root
(``favicon.ico``, ``favicon-32.png``, ``favicon-32x32.png``) and the preview
image a note names in its ``image`` or ``cover`` property (a vault path, not
a link). Those are never pruned, ``--all`` or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vaultkit.vault import frontmatter
from vaultkit.vault.check import check
from vaultkit.vault.index import VaultIndex
from vaultkit.vault.notes import UnreadableNote, read_text
from vaultkit.vault.write import move_to_trash

# help.obsidian.md, Obsidian Publish > Customize your site, and > Social media link previews.
_FAVICON = re.compile(r"favicon(?:-\d+(?:x\d+)?)?\.(?:png|ico|svg)", re.IGNORECASE)
PUBLISH_PROPERTIES = ("image", "cover")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def publish_assets(index: VaultIndex) -> set[str]:
    """The attachments Obsidian Publish uses without a link: root favicons and ``image``/``cover`` files."""
    used = {p for p in index.files if "/" not in p and _FAVICON.fullmatch(p)}
    for note in index.notes:
        try:
            text = read_text(index.root, note)
        except UnreadableNote:
            continue
        where = frontmatter.span(text)
        if where is None or not any(f"{key}:" in text[where[0] : where[1]] for key in PUBLISH_PROPERTIES):
            continue
        fm = frontmatter.find(text)
        data = fm.data if fm is not None and isinstance(fm.data, dict) else {}
        for key in PUBLISH_PROPERTIES:
            value = data.get(key)
            if not isinstance(value, str) or not value.strip() or _URL.match(value.strip()):
                continue
            target = value.strip().removeprefix("!").removeprefix("[[").removesuffix("]]").split("|", 1)[0]
            path = index.resolver.resolve(target, note).path
            if path is not None:
                used.add(path)
    return used


def orphans_to_prune(index: VaultIndex, select: Callable[[str], bool]) -> list[str]:
    """Orphaned attachments for which ``select(path)`` is true and that Publish does not use, in path order."""
    orphans = [p for p in check(index).orphans if select(p)]
    spared = publish_assets(index) if orphans else set()
    return [p for p in orphans if p not in spared]


def prune(index: VaultIndex, paths: list[str]) -> list[str]:
    """Move ``paths`` into ``.trash/``; returns where each one went."""
    return [move_to_trash(index.root, p) for p in paths]
