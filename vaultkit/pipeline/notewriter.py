"""One pass of note writes: read tolerantly, merge, compare before replacing, write atomically, retire, remember.

Shared by refresh, ingest, fetch, consensus add and lint --fix, so every
command that touches notes keeps the same promises. What a gene's note says
is ``vaultkit.genenote``; how vaultkit's text merges with the user's is
``vault.managed``; reading a note's bytes safely is ``vault.notes``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vaultkit import genenote
from vaultkit.config import Settings
from vaultkit.errors import ConfigError
from vaultkit.progress import SILENT, Progress
from vaultkit.vault import index as vindex
from vaultkit.vault import managed
from vaultkit.vault.managed import NoteUpdate
from vaultkit.vault.notes import UnreadableNote, read_text
from vaultkit.vault.obsidian import load_app_settings
from vaultkit.vault.paths import confined, fold
from vaultkit.vault.rename import finish_rename
from vaultkit.vault.resolve import Resolver
from vaultkit.vault.state import load_state, save_state
from vaultkit.vault.write import ChangedSinceRead, move_to_trash, recover_asides, trash_text, write_if_changed


@dataclass
class NotesReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)
    pasted_kept: list[dict[str, str]] = field(default_factory=list)
    files_created: list[str] = field(default_factory=list)  # managed files that are not notes (Genes.base...)
    files_updated: list[str] = field(default_factory=list)
    diff: str = ""

    @property
    def ok(self) -> bool:
        """No conflict and no unreadable note."""
        return not (self.conflicts or self.unreadable)


MERGE_ATTEMPTS = 5  # then the note is left alone: someone is typing in it right now

Edit = Callable[[str, dict[str, Any], str, Resolver], NoteUpdate]


class NoteWriter:
    """One pass of note edits over a vault; ``finish`` writes the state and retires old plots."""

    def __init__(
        self, settings: Settings, *, dry_run: bool = False, planned: Sequence[str] = (), progress: Progress = SILENT
    ) -> None:
        self.settings = settings
        self.root = settings.vault
        self.dry_run = dry_run
        if not dry_run:
            # What a killed run left half done is finished first (the caller holds the vault's lock).
            finish_rename(self.root)
            recover_asides(self.root)
        index = vindex.build(self.root, use_cache=not dry_run, progress=progress)
        self.resolver = Resolver([*index.files, *planned])
        self.app = load_app_settings(self.root)
        self.state = load_state(self.root)
        self.report = NotesReport()
        self._planned = list(planned)
        self._retired: set[str] = set()
        self._diffs: list[str] = []
        self._texts: dict[str, str] = {}  # the new text of every note and file this pass changes

    def note_path(self, symbol: str) -> str:
        """The gene's note: ``notes_dir/SYMBOL.md``, or a ``SYMBOL.md`` the user moved deeper into notes_dir."""
        folder = self.settings.notes_dir.strip("/")
        rel = f"{folder}/{symbol}.md" if folder else f"{symbol}.md"
        exact = self.resolver._exact(rel)
        if exact:
            return exact
        moved = [
            p for p in self.resolver.by_name.get(fold(f"{symbol}.md"), []) if not folder or p.startswith(folder + "/")
        ]
        return min(moved, key=lambda p: (len(p), p)) if moved else rel

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def edit(self, rel: str, make: Callable[[str | None], tuple[str, Edit] | None]) -> None:
        """Apply ``make(old_text)`` -> (starting text, edit) to the note ``rel``; None skips it.

        Compare before replace: if the note changes on disk between reading and
        writing (Obsidian saves every few seconds), the edit is merged again
        from the new version; a note that keeps changing is left as it is and
        reported as a conflict. An edit made during a run is never lost.
        """
        for _ in range(MERGE_ATTEMPTS):
            try:
                self._edit_once(rel, make)
                return
            except ChangedSinceRead:
                continue
        self.report.conflicts.append(
            {
                "path": rel,
                "message": "kept as it is: it changed on disk each time vaultkit "
                "merged into it (being edited?); run the command again",
            }
        )

    def _edit_once(self, rel: str, make: Callable[[str | None], tuple[str, Edit] | None]) -> None:
        try:
            old = read_text(self.root, rel) if self.exists(rel) else None
        except UnreadableNote as exc:
            self.report.unreadable.append({"path": rel, "line": exc.finding.line, "message": exc.finding.message})
            return
        plan = make(old)
        if plan is None:
            return
        text, run = plan
        try:
            upd = run(text, self.state.get(rel, {}), rel, self.resolver)
        except ValueError as exc:
            self.report.unreadable.append({"path": rel, "line": 1, "message": f"frontmatter: {exc}"})
            return
        changed = old != upd.text
        if changed and (self.root / rel).is_symlink():
            try:
                confined(self.root, rel, f"note {rel}")
            except ConfigError as exc:
                self.report.conflicts.append({"path": rel, "message": f"left as it is: {exc}"})
                return
        if changed and not self.dry_run:
            for label, old_text in upd.trashed:
                trash_text(self.root, f"{rel}.{label}.md", old_text.encode("utf-8"))
            # Raises ChangedSinceRead when the note is no longer ``old``: nothing below is recorded then.
            write_if_changed(
                self.root / rel, upd.text.encode("utf-8"), expected=None if old is None else old.encode("utf-8")
            )
        r = self.report
        r.conflicts.extend({"path": rel, "message": c} for c in upd.conflicts)
        r.pasted_kept.extend({"path": rel, "section": k} for k in upd.kept)
        self._retired.update(upd.retired)
        self.state[rel] = upd.state
        self.resolver.add(rel)
        if not changed:
            r.unchanged.append(rel)
            return
        (r.created if old is None else r.updated).append(rel)
        self._texts[rel] = upd.text
        self._diff(rel, old, upd.text)

    def _diff(self, rel: str, old: str | None, new: str) -> None:
        if self.dry_run:
            lines = difflib.unified_diff(
                (old or "").splitlines(True),
                new.splitlines(True),
                f"a/{rel}" if old is not None else "/dev/null",
                f"b/{rel}",
            )
            # A last line without a line break is marked as git marks it, so the next file's header
            # starts a line of its own (JSON files, notes not ending in a newline).
            self._diffs.extend(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines)

    def write_file(self, rel: str, make: Callable[[str | None], str | None]) -> bool:
        """Write a managed file that is not a gene note (``Genes.base``, ``.obsidian/types.json``...).

        ``make(old_text)`` returns the new text (None: leave the file alone).
        Reported and diffed like a note, written only on change, and never over
        a version saved in the meantime (then it is a conflict). True if it was
        (or, in a dry run, would be) written.
        """
        path = self.root / rel
        try:
            old = path.read_text(encoding="utf-8") if path.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            self.report.unreadable.append({"path": rel, "line": 1, "message": str(exc)})
            return False
        new = make(old)
        if new is None or new == old:
            return False
        if not self.dry_run:
            try:
                write_if_changed(path, new.encode("utf-8"), expected=None if old is None else old.encode("utf-8"))
            except ChangedSinceRead:
                self.report.conflicts.append(
                    {"path": rel, "message": "kept as it is: it changed while vaultkit wrote it; run the command again"}
                )
                return False
        (self.report.files_created if old is None else self.report.files_updated).append(rel)
        self._texts[rel] = new
        self._diff(rel, old, new)
        return True

    def edit_gene(self, facts: genenote.GeneFacts, *, only: set[str] | None = None, force: bool = False) -> None:
        """Bring the gene's note up to date with ``facts``.

        A note that does not exist yet is created whole; an existing one only
        gets the parts in ``only`` (None: all of them).
        """

        def plan(old: str | None) -> tuple[str, Edit]:
            parts = None if old is None else only
            return (
                old if old is not None else genenote.skeleton(facts),
                lambda text, state, rel, resolver: genenote.update(
                    text, facts, state, note=rel, resolver=resolver, app=self.app, force=force, only=parts
                ),
            )

        self.edit(self.note_path(facts.symbol), plan)

    def write_managed(
        self, rel: str, new: str, *, force: bool = False, ours: Callable[[str], bool] = lambda _text: False
    ) -> None:
        """Write a file vaultkit owns whole (``Genes.base``), as a managed section is (``managed.merge_file``).

        A file the user edited is kept and reported as a conflict; ``force``
        replaces it, and its old text goes to ``.trash/``.
        """
        last = self.state.get(rel, {}).get("file")

        def make(old: str | None) -> str | None:
            merge = managed.merge_file(old, new, last, force=force, ours=ours)
            if merge.current:
                self.state[rel] = managed.file_record(new)
            if merge.trash_old and old is not None and not self.dry_run:
                trash_text(self.root, rel, old.encode("utf-8"))
            if merge.conflict:
                self.report.conflicts.append({"path": rel, "message": merge.conflict})
            if merge.kept:
                self.report.pasted_kept.append({"path": rel, "section": merge.kept})
            return new if merge.write else None

        if self.write_file(rel, make):
            self.state[rel] = managed.file_record(new)

    def finish(self) -> NotesReport:
        """Retire plots no note embeds any more, and remember what was written."""
        r = self.report
        r.diff = "".join(self._diffs)
        if self._retired or r.created or r.updated:
            for old in sorted(self._retired - self._still_linked()):
                if (self.root / old).exists():
                    if not self.dry_run:
                        move_to_trash(self.root, old)
                    r.retired.append(old)
        if not self.dry_run:
            save_state(self.root, self.state)
        return r

    def _still_linked(self) -> set[str]:
        """Every file some note links to once this pass is written: a retired plot another note embeds stays.

        A real run re-reads the vault (which also refreshes the link cache, so
        the next run writes nothing); a dry run reads it as it is and puts the
        notes' new texts and the planned plots in, so both retire the same files.
        """
        if not self.dry_run:
            return {res.path for _, _, res in vindex.build(self.root).links() if res.path}
        from vaultkit.vault.linkparse import ParsedNote, canvas_links, parse
        from vaultkit.vault.paths import CANVAS_EXT, NOTE_EXT

        index = vindex.build(self.root, use_cache=False)
        parsed = dict(index.parsed)
        for rel, text in self._texts.items():
            if rel.endswith(NOTE_EXT):
                parsed[rel] = parse(text)
            elif rel.endswith(CANVAS_EXT):
                parsed[rel] = ParsedNote(tuple(canvas_links(text)), (), ())
        resolver = Resolver([*index.files, *(p for p in self._texts if not p.startswith(".")), *self._planned])
        return {
            path
            for src, note in parsed.items()
            for link in note.links
            if (path := resolver.resolve_link(link, src).path)
        }
