"""``links rename``: move a file or folder and rewrite exactly the links that pointed to it.

The rule that covers every case in obsidian-links.md: resolve every link of
the vault before the move; after the move, any link whose resolution would
change is rewritten (in the author's form where possible) so it points where
it pointed before. Links to the moved files follow them; links that would be
captured by a new duplicate name get a path; a moved note's relative links are
recomputed. A link that cannot be kept on its target refuses the whole move.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from vaultkit.errors import VaultError
from vaultkit.names import unsafe_in
from vaultkit.vault.index import VaultIndex
from vaultkit.vault.linkformat import encode_markdown_path
from vaultkit.vault.linkparse import Link
from vaultkit.vault.notes import UnreadableNote, read_text
from vaultkit.vault.paths import NOTE_EXT, check_name, fold, inside
from vaultkit.vault.resolve import Resolver
from vaultkit.vault.write import (
    STATE_DIR,
    ChangedSinceRead,
    clean_temp_files,
    recover_asides,
    vault_lock,
    write_if_changed,
)


@dataclass
class RenamePlan:
    """What a rename will do: the moves, the new text of each changed note, and warnings."""

    moves: dict[str, str]
    folder: tuple[str, str] | None
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (old, new)
    rewritten: int = 0
    warnings: list[str] = field(default_factory=list)

    def diff(self) -> str:
        """A unified diff of every note the rename changes, then the moves."""
        out = []
        for path in sorted(self.texts):
            old, new = self.texts[path]
            dest = self.moves.get(path, path)
            lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{dest}")
            # A last line without a line break is marked as git marks it: the next header starts its own line.
            out.extend(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines)
        for src, dest in sorted(self.moves.items()):
            out.append(f"rename {src} -> {dest}\n")
        return "".join(out)


def _locate(index: VaultIndex, old: str) -> tuple[str, bool]:
    """The vault path named by ``old`` (file, note without ``.md``, or folder)."""
    norm = posixpath.normpath(old.replace("\\", "/")).strip("/")
    inside(index.root, norm)
    for candidate in (norm, norm + NOTE_EXT):
        hit = index.resolver.by_path.get(fold(candidate))
        if hit:
            return hit, False
    prefix = fold(norm) + "/"
    if any(fold(p).startswith(prefix) for p in index.files):
        real = next(p for p in index.files if fold(p).startswith(prefix))
        return real[: len(norm)], True
    raise VaultError(f"{old!r}: no such file or folder in the vault {index.root}")


def plan_rename(index: VaultIndex, old: str, new: str) -> RenamePlan:
    """Work out a rename without touching the vault; VaultError if it cannot be done safely."""
    src, is_folder = _locate(index, old)
    dest = posixpath.normpath(new.replace("\\", "/")).strip("/")
    inside(index.root, dest)
    check_name(dest)
    _check_destination(dest)
    if (
        not is_folder
        and src.endswith(NOTE_EXT)
        and not dest.lower().endswith(NOTE_EXT)
        and "." not in dest.rsplit("/", 1)[-1]
    ):
        dest += NOTE_EXT
    if fold(dest) == fold(src) and dest == src:
        raise VaultError(f"{old!r} and {new!r} are the same path; nothing to rename")
    if is_folder:
        moves = {p: dest + p[len(src) :] for p in index.files if p.startswith(src + "/")}
        if (fold(dest) + "/").startswith(fold(src) + "/") and fold(dest) != fold(src):
            raise VaultError(f"cannot move the folder {src!r} into itself ({dest!r})")
    else:
        moves = {src: dest}
    moved_keys = {fold(p) for p in moves}
    for target in moves.values():
        # Hidden files are not in the index but would be overwritten all the same.
        taken = fold(target) in index.resolver.by_path or (index.root / target).exists()
        if taken and fold(target) not in moved_keys:
            raise VaultError(f"{target!r} already exists; rename onto an existing file is refused")
    plan = RenamePlan(moves, (src, dest) if is_folder else None)
    after = Resolver(moves.get(p, p) for p in index.files)
    edits: dict[str, list[tuple[int, int, str]]] = {}
    texts: dict[str, str] = {}
    refused: list[str] = []
    for source, link, res in index.links():
        if link.kind != "canvas" and not link.target:
            continue  # [[#Heading]] follows its note wherever it goes
        new_source = moves.get(source, source)
        if res.path is None:
            if after.resolve_link(link, new_source).path is not None:
                plan.warnings.append(f"{source}:{link.line}: broken link {link.target!r} will now resolve")
            continue
        want = moves.get(res.path, res.path)
        # A link changes only if, as written, it would stop reaching its file (or reach it only
        # among new namesakes): [[command palette]] to a note whose folder was renamed still
        # resolves, so it keeps the author's case and form.
        now = after.resolve_link(link, new_source)
        if now.path == want and not (now.ambiguous and not res.ambiguous):
            continue
        new = _new_target(index.resolver, after, link, source, new_source, res.path, want)
        if source not in texts:
            texts[source] = read_text(index.root, source)
        written = texts[source][link.tstart : link.tend]
        # Nothing is spliced blind: the span must spell the parsed target, or the rename is refused.
        if new is None or _decode(written, link) != link.target:
            why = (
                "cannot be kept pointing at" if new is None else "is not where it was parsed (spelled unusually?), for"
            )
            refused.append(f"{source}:{link.line}: {link.target!r} {why} {want!r}")
        elif _decode(new, link) != link.target:  # same target in another spelling: keep the author's
            edits.setdefault(source, []).append((link.tstart, link.tend, new))
    if refused:
        raise VaultError("rename refused; these links would point elsewhere afterwards:\n  " + "\n  ".join(refused))
    for source, changes in edits.items():
        new_text = texts[source]
        for start, end, text in sorted(changes, reverse=True):
            new_text = new_text[:start] + text + new_text[end:]
        plan.texts[source] = (texts[source], new_text)
        plan.rewritten += len(changes)
    return plan


def _check_destination(dest: str) -> None:
    """VaultError for a name Obsidian can hold but whose links would break, or a place outside the vault."""
    parts = dest.split("/")
    hidden = [p for p in parts if p.startswith(".")]
    if hidden:
        raise VaultError(
            f"{dest!r}: {hidden[0]!r} is a hidden folder or file, outside what Obsidian shows "
            "(.trash, .obsidian, .vaultkit...); choose a visible place"
        )
    bad = unsafe_in(parts[-1])
    if bad:
        raise VaultError(f"{dest!r}: the name holds {' '.join(bad)}, which break links to it; choose another name")


def _decode(written: str, link: Link) -> str | None:
    """The target a span of text spells for this kind of link (None if it spells nothing)."""
    if link.kind == "canvas":
        try:
            decoded = json.loads(f'"{written}"')
        except ValueError:
            return None
    elif link.kind == "markdown":
        decoded = written if link.angle else unquote(written)
    else:
        decoded = written.strip()
    return unicodedata.normalize("NFC", decoded)


def _new_target(
    before: Resolver, after: Resolver, link: Link, source: str, new_source: str, was: str, want: str
) -> str | None:
    """The link's new target text in the author's form, or None if no form reaches ``want``."""
    written = link.target
    keep_md = written.lower().endswith(NOTE_EXT) or link.kind in ("markdown", "canvas")
    stem = want[: -len(NOTE_EXT)] if want.endswith(NOTE_EXT) and not keep_md else want
    folder = posixpath.dirname(new_source)
    forms: list[str] = []
    if link.kind == "canvas":
        forms.append(want)
    elif written.startswith(("./", "../")) or (
        link.kind == "markdown"
        and posixpath.dirname(source)
        and before._exact(posixpath.join(posixpath.dirname(source), written))
    ):
        rel = posixpath.relpath("/" + stem, "/" + folder)  # rooted: relpath of relative paths reads the cwd
        forms.append(rel if rel.startswith("../") or not written.startswith("./") else "./" + rel)
    elif "/" not in written.strip("/"):
        forms.append(stem.rsplit("/", 1)[-1])
    elif fold(written.strip("/")) not in (fold(was), fold(was).removesuffix(NOTE_EXT)):
        depth = len(written.strip("/").split("/"))  # a partial path keeps its depth
        forms.append("/".join(stem.split("/")[-depth:]))
    lead = "/" if written.startswith("/") else ""
    forms.append(lead + stem)
    for form in forms:
        form = _keep_spelling(form, written, was, want)
        probe = Link(link.kind, link.embed, 0, 0, 0, 0, 0, form, "", None)
        res = after.resolve_link(probe, new_source)
        if res.path == want and not res.ambiguous:
            return _encode(form, link)
    return None


def _keep_spelling(form: str, written: str, was: str, want: str) -> str:
    """``form`` with the author's spelling of every path component the move left as it was.

    Compared from the end: ``[[plugins/command palette]]`` to a note whose
    folder ``Plugins`` became ``Core`` reads ``[[Core/command palette]]``; only
    the part that changed takes the new name's spelling.
    """
    f, w, a, b = (x.split("/") for x in (form, written, was, want))

    def key(part: str) -> str:
        return fold(part).removesuffix(NOTE_EXT)

    for i in range(1, min(len(f), len(w), len(a), len(b)) + 1):
        same_ext = f[-i].lower().endswith(NOTE_EXT) == w[-i].lower().endswith(NOTE_EXT)
        if same_ext and key(f[-i]) == key(b[-i]) == key(a[-i]) == key(w[-i]):
            f[-i] = w[-i]
    return "/".join(f)


def _encode(target: str, link: Link) -> str:
    if link.kind == "canvas":
        return json.dumps(target, ensure_ascii=False)[1:-1]
    if link.kind == "markdown" and not link.angle:
        return encode_markdown_path(target)
    return target


JOURNAL = "rename.journal.json"


def apply_rename(root: Path, plan: RenamePlan) -> None:
    """Carry out a plan as a transaction: check everything, write a journal, rewrite, move, forget.

    A run killed half-way leaves the journal in ``.vaultkit/``; the next
    vaultkit command completes the rename from it (``finish_rename``), so the
    vault is never left half-renamed.
    """
    for path, (old_text, _) in plan.texts.items():
        if read_text(root, path) != old_text:
            raise VaultError(f"{path} changed while the rename was planned; run it again")
    for src, dest in plan.moves.items():
        if not (root / src).exists():
            raise VaultError(f"{src} disappeared while the rename was planned; run it again")
        if (root / dest).exists() and fold(src) != fold(dest):
            raise VaultError(f"{dest} appeared while the rename was planned; rename onto an existing file is refused")
    folder = plan.folder
    if folder is not None and (root / folder[1]).exists() and fold(folder[0]) != fold(folder[1]):
        folder = None  # into a folder that exists: file by file (a folder rename onto it would fail half-way)
    journal = root / STATE_DIR / JOURNAL
    record = {"texts": plan.texts, "moves": plan.moves, "folder": folder, "emptied": plan.folder}
    write_if_changed(journal, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    try:
        _carry_out(root, record)
    except ChangedSinceRead as exc:
        raise VaultError(
            f"{exc.path} was saved during the rename; its links were left as they are. "
            "The rest of the rename completes with the next vaultkit command"
        ) from None
    journal.unlink()


def settle_rename(root: Path) -> str | None:
    """Complete an interrupted rename, if there is one, under the vault's lock (for read-only commands).

    Temporary files a killed run left in ``.vaultkit/`` (a cache being saved) go too.
    """
    state = root / STATE_DIR
    if not (state / JOURNAL).exists() and not any(state.glob(".*.vaultkit-tmp")):
        return None
    with vault_lock(root):
        for tmp in state.glob(".*.vaultkit-tmp"):
            tmp.unlink(missing_ok=True)
        return finish_rename(root)


def finish_rename(root: Path) -> str | None:
    """Complete a rename a killed run left in its journal; returns what was done (None if nothing)."""
    journal = root / STATE_DIR / JOURNAL
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
        record["texts"] = {k: tuple(v) for k, v in record["texts"].items()}
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, AttributeError, TypeError):
        journal.rename(journal.with_suffix(".broken"))
        return f"a broken rename journal was set aside in {journal.with_suffix('.broken')}"
    recover_asides(root)  # a note the killed run had set aside mid-replace goes back before it is read
    _carry_out(root, record)
    clean_temp_files(root)  # what the killed run was writing when it died
    journal.unlink()
    moves = [record["folder"]] if record["folder"] else list(record["moves"].items())
    return "completed an interrupted rename: " + ", ".join(f"{a} -> {b}" for a, b in moves)


def _carry_out(root: Path, record: dict) -> None:
    """Rewrite and move; every step is skipped when already done, so a second pass completes a first."""
    moves, folder = record["moves"], record["folder"]
    for path, (old_text, new_text) in sorted(record["texts"].items()):
        where = path if (root / path).exists() else moves.get(path, path)
        if not (root / where).exists():
            continue  # deleted by the user since: nothing to rewrite
        try:
            current = read_text(root, where)
        except UnreadableNote:
            continue  # changed into something vaultkit does not read: left as it is
        if current == old_text:
            write_if_changed(root / where, new_text.encode("utf-8"), expected=old_text.encode("utf-8"))
    pairs = [tuple(folder)] if folder else list(moves.items())
    for src, dest in pairs:
        if not (root / src).exists() or ((root / dest).exists() and fold(src) != fold(dest)):
            continue  # done already
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        if fold(src) == fold(dest):
            # A case-only rename: through a temporary name, so case-insensitive file systems take it too.
            step = (root / dest).with_name(f".{(root / dest).name}.vaultkit-case")
            os.rename(root / src, step)
            os.rename(step, root / dest)
        else:
            os.rename(root / src, root / dest)
    emptied = record.get("emptied")
    if emptied and not folder and (root / emptied[0]).is_dir():
        # Moved file by file into an existing folder: the source folders left empty go (never a file).
        for here, _dirs, files in sorted(os.walk(root / emptied[0]), key=lambda t: -len(t[0])):
            if not files and not os.listdir(here):
                os.rmdir(here)
