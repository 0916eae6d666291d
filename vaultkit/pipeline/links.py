"""Link use cases: check, resolve, rename and prune a vault's links."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.errors import VaultError
from vaultkit.gcpause import no_gc
from vaultkit.progress import SILENT, Progress
from vaultkit.vault import reportcache, resolvecache
from vaultkit.vault.linkreport import LinkReport
from vaultkit.vault.paths import STATE_DIR, listing

if TYPE_CHECKING:
    from vaultkit.vault.rename import RenamePlan

# The parser, the index, the settings, plot names, pruning and the rename's writing are imported where they
# are used: ``links check`` starts in the time a user waits for it, and a check of an unchanged vault reads
# its last report back and needs none of them.


def _vault(path: Path) -> Path:
    if not path.is_dir():
        raise VaultError(f"{path}: not a folder; give the path of an Obsidian vault")
    # A rename a killed run left half done is completed before anything reads the vault. settle_rename
    # decides; it is imported only where it may have something to do: a journal (rename.journal.json) or
    # a temporary dot-file in the state folder.
    state = path / STATE_DIR
    if state.is_dir() and any(name.startswith((".", "rename.journal")) for name in os.listdir(state)):
        from vaultkit.vault.rename import settle_rename

        settle_rename(path)
    return path


def links_check(vault: Path, *, progress: Progress = SILENT) -> LinkReport:
    """Check every link of ``vault`` (or read back the last check's report, if no file changed since)."""
    root = _vault(vault)
    files = listing(root)
    key = reportcache.fingerprint(files)
    kept = reportcache.load(root, key)
    if kept is not None:
        return LinkReport(**kept)
    from vaultkit.vault import index as vindex
    from vaultkit.vault.check import check

    # The index is garbage once checked: it is dropped inside the pause, so no collection ever walks its
    # objects (the first one after the pause would walk every object made in it).
    with no_gc():
        index = vindex.build(root, progress=progress, files=files)
        same_paths = resolvecache.paths_key(files)
        found = resolvecache.load(root, same_paths, files)
        if found is not None:
            index.resolver.remember(found)
        report = check(index)
        if found is None or index.resolver.remembered_count != len(found):
            resolvecache.save(root, same_paths, index.resolver.remembered())
        if not index.unread:
            reportcache.save(root, key, report.as_json(), files)
        del index, found
    return report


def links_resolve(vault: Path, source: str, link_text: str) -> str | None:
    """The vault path ``link_text`` points to from the note ``source``, or None.

    ``link_text`` is a target (``LIF``, ``Genes/LIF#Plots``) or a whole link
    (``[[LIF|x]]``, ``![[p.png]]``, ``[t](a%20b.md)``).
    """
    from vaultkit.vault import index as vindex
    from vaultkit.vault.linkparse import parse

    index = vindex.build(_vault(vault))
    src = index.resolver._exact(source.replace("\\", "/").strip("/"))
    if src is None:
        src = source.replace("\\", "/").strip("/")
    text = link_text.strip()
    if not (text.startswith(("[", "![")) and parse(text).links):
        text = f"[[{text}]]"
    links = parse(text).links
    if not links:
        return None
    return index.resolve(links[0], src).path


@dataclass
class PruneReport:
    candidates: list[str]
    moved: list[str] = field(default_factory=list)


def links_rename(vault: Path, old: str, new: str, *, dry_run: bool = False) -> RenamePlan:
    """Rename/move a file or folder and rewrite the links to it (nothing written if ``dry_run``)."""
    from vaultkit.vault import index as vindex
    from vaultkit.vault.rename import apply_rename, plan_rename
    from vaultkit.vault.write import vault_lock

    root = _vault(vault)
    with vault_lock(root, dry_run=dry_run):
        plan = plan_rename(vindex.build(root, use_cache=not dry_run), old, new)
        _follow_settings(root, plan)
        if not dry_run:
            apply_rename(root, plan)
            _move_state(root, plan.moves)
    return plan


def _follow_settings(root: Path, plan: RenamePlan) -> None:
    """``notes_dir`` and ``attachments_dir`` in vaultkit.toml follow a folder they name, in the same transaction.

    Only the value on the key's own line changes; comments and the rest of
    the file stay byte for byte.
    """
    import re

    from vaultkit.config import CONFIG_FILE, load_settings

    if plan.folder is None or not (root / CONFIG_FILE).exists():
        return
    src, dest = plan.folder
    text = (root / CONFIG_FILE).read_text(encoding="utf-8")
    settings = load_settings(root)

    def moved(folder: str) -> str | None:
        folder = folder.strip("/")
        if folder == src or folder.startswith(src + "/"):
            return dest + folder[len(src) :]
        return None

    new_text = text
    for key in ("notes_dir", "attachments_dir"):
        target = moved(getattr(settings, key))
        if target is None:
            continue
        # The key's line before the first [table]: top-level keys live there.
        head, sep, tail = new_text.partition("\n[")
        line = re.compile(rf'^(\s*{key}\s*=\s*)(["\'])([^"\'\n]*)\2', re.MULTILINE)
        head, count = line.subn(lambda m, t=target: f"{m.group(1)}{m.group(2)}{t}{m.group(2)}", head, count=1)
        if count:
            new_text = head + sep + tail
            plan.warnings.append(f"{CONFIG_FILE}: {key} follows the folder: {target!r}")
    if new_text != text:
        plan.texts[CONFIG_FILE] = (text, new_text)


def _move_state(root: Path, moves: dict[str, str]) -> None:
    """What vaultkit wrote into a note follows the note, so ownership survives a rename."""
    from vaultkit.vault.state import load_state, save_state

    state = load_state(root)
    moved = {moves[k]: v for k, v in state.items() if k in moves}
    if moved:
        save_state(root, {**{k: v for k, v in state.items() if k not in moves}, **moved})


def links_prune(vault: Path, *, dry_run: bool = False, everything: bool = False) -> PruneReport:
    """Move orphaned plot images (all orphaned attachments with ``everything``) to ``.trash/``."""
    from vaultkit.config import load_settings
    from vaultkit.genome.plotnames import is_plot_name
    from vaultkit.vault import index as vindex
    from vaultkit.vault.prune import orphans_to_prune, prune
    from vaultkit.vault.write import vault_lock

    root = _vault(vault)
    with vault_lock(root, dry_run=dry_run):
        index = vindex.build(root, use_cache=not dry_run)
        template = load_settings(root).plot_name

        def select(path: str) -> bool:
            return everything or is_plot_name(path.rsplit("/", 1)[-1], template)

        report = PruneReport(orphans_to_prune(index, select))
        if not dry_run:
            report.moved = prune(index, report.candidates)
    return report
