"""Managed content: the text vaultkit wrote into a user's file, told apart from the user's own by its hash.

vaultkit remembers what it last wrote (``.vaultkit/state.json``, see
``vault.state``): per note, the text of each managed block and the value of
each managed property; per whole file it owns (``Genes.base``), its hash.
A merge rewrites what is still as vaultkit left it, keeps what the user
edited and reports it as a conflict, leaves sections the user pasted by hand
alone until ``--force`` hands them over (their old text then goes to
``.trash/``), and never brings back what the user deleted (design section 4).

Every change is a splice into the text as the user left it: nothing here
re-renders markdown or YAML. This module knows headings and properties, not
genes: what the blocks say is ``vaultkit.genenote``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaultkit.vault import frontmatter, sections


def digest(text: str) -> str:
    """The hash vaultkit remembers of a text it wrote."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Block:
    """Managed text in a section: ``body`` (the section's own text), ``line`` (one line added) or ``intro``.

    The section is found under ``title`` or one of its ``aliases`` (the
    user's spellings); a missing one is made under the first of ``parent``'s
    spellings found (that heading is added if none is), or at the top level
    when ``parent`` is empty.
    """

    id: str
    title: str
    text: str
    mode: str = "body"
    parent: tuple[str, ...] = ()
    level: int = 3
    aliases: tuple[str, ...] = ()


@dataclass
class NoteUpdate:
    """A note's new text and what vaultkit now remembers of it, with what the merge left to the user."""

    text: str
    state: dict[str, Any]
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # sections the user pasted, left alone
    retired: list[str] = field(default_factory=list)  # files this note no longer embeds
    trashed: list[tuple[str, str]] = field(default_factory=list)  # (label, old text) replaced by --force


def merge_properties(result: NoteUpdate, wanted: dict[str, Any], force: bool) -> None:
    """Set the managed properties ``wanted`` in the note's frontmatter; ValueError if its YAML is broken.

    A property the user changed is kept (a conflict) and one they removed
    stays removed, unless ``force``. ``tags`` only ever gains its values.
    """
    fm = frontmatter.find(result.text)
    if fm is not None and fm.data is None:
        raise ValueError(f"line {fm.error_line}: {fm.error}")
    current: dict[str, Any] = fm.data if fm is not None and fm.data is not None else {}
    last = result.state["props"]
    changes: dict[str, Any] = {}
    for key, value in wanted.items():
        if key not in current:
            if key in last and not force:
                continue  # the user removed it: their choice
            changes[key] = value
        elif current[key] == value:
            pass
        elif key == "tags" and isinstance(current[key], list):
            if "gene" not in current[key]:
                changes[key] = [*current[key], "gene"]
            value = changes.get(key, current[key])
        elif key in last and current[key] == last[key]:
            changes[key] = value
        elif force:
            changes[key] = value
            result.trashed.append((f"property-{key}", frontmatter.dump_key(key, current[key])))
        else:
            result.conflicts.append(f"property {key!r} was changed by hand (kept {current[key]!r}, not {value!r})")
            continue
        last[key] = value
    if changes:
        result.text = frontmatter.update(result.text, changes)


def ensure_section(
    result: NoteUpdate, title: str | tuple[str, ...], *, parent: str | tuple[str, ...], level: int
) -> sections.Section:
    """The section ``title`` (one of several spellings), added under ``parent`` (or at the top) if missing."""
    found = sections.find(result.text, title)
    if found is not None:
        return found
    text = result.text
    name = title if isinstance(title, str) else title[0]
    if parent:
        scope = sections.find(text, parent)
        if scope is None:
            text = sections.insert_block(text, len(text), f"# {parent if isinstance(parent, str) else parent[0]}")
            scope = sections.find(text, parent)
            assert scope is not None
        # Below the user's own heading, whatever its level: "## Info" gets "### ...", never a sibling.
        level = min(6, max(level, scope.level + 1))
        text = sections.insert_block(text, sections.content_end(text, scope), f"{'#' * level} {name}")
    else:
        text = sections.insert_block(text, len(text), f"{'#' * level} {name}")
    result.text = text
    return sections.find(text, title)  # type: ignore[return-value]


def merge_block(result: NoteUpdate, block: Block, force: bool) -> None:
    """Write ``block`` into its section, keeping what the user wrote there (see the module's docstring)."""
    last = result.state["blocks"].get(block.id)
    title = (block.title, *block.aliases) if block.aliases else block.title
    sec = sections.find(result.text, title)
    nl = sections.newline(result.text)
    new = block.text.replace("\n", nl)
    if sec is None:
        if last is not None and not force:
            return  # the user deleted the section: respect it
        sec = ensure_section(result, title, parent=block.parent, level=block.level)
    body = sec.body(result.text)
    old = last["text"].replace("\n", nl) if last else None
    record = {"text": block.text, "sha": digest(block.text)}
    if block.mode in ("line", "intro"):
        if new in body:
            result.state["blocks"][block.id] = record
            return
        if old and old in body:
            at = sec.body_start + body.index(old)
            result.text = result.text[:at] + new + result.text[at + len(old) :]
        elif last is not None and not force:
            return  # the user removed our line
        else:
            at = sec.body_start if block.mode == "intro" else sections.content_end(result.text, sec)
            result.text = sections.insert_block(result.text, at, block.text)
        result.state["blocks"][block.id] = record
        return
    # The section's own text (before any sub-heading) is the block.
    own = own_body(result.text, sec)
    if own.strip() == new.strip():
        result.state["blocks"][block.id] = record
        return
    if old is not None and old in own:
        at = sec.body_start + own.index(old)
        result.text = result.text[:at] + new + result.text[at + len(old) :]
    elif not own.strip():
        result.text = sections.insert_block(result.text, sec.body_start, block.text)
    elif force:
        result.trashed.append((block.id, own))
        result.text = result.text[: sec.body_start] + result.text[sec.body_start + len(own) :]
        result.text = sections.insert_block(result.text, sec.body_start, block.text)
    elif old is not None:
        result.conflicts.append(f"section {block.title!r} was edited by hand (kept; --force replaces it)")
        return
    else:
        result.kept.append(block.title)
        return
    result.state["blocks"][block.id] = record


def own_body(text: str, sec: sections.Section) -> str:
    """A section's text up to its first sub-heading."""
    sub = next((s for s in sections.sections(text) if sec.body_start <= s.start < sec.end), None)
    return text[sec.body_start : sub.start if sub else sec.end]


def file_record(text: str) -> dict[str, Any]:
    """What vaultkit remembers of a whole file it wrote."""
    return {"file": {"sha": digest(text)}}


@dataclass(frozen=True)
class FileMerge:
    """What to do with a whole managed file: write the new text or keep the old, and why."""

    write: bool
    current: bool = False  # already the new text: remember it as vaultkit's
    trash_old: bool = False  # --force over the user's edit: their text goes to .trash/ first
    conflict: str = ""  # the user edited vaultkit's file: kept
    kept: str = ""  # the file was never vaultkit's: kept


def merge_file(
    old: str | None, new: str, last: dict[str, Any] | None, *, force: bool, ours: Callable[[str], bool]
) -> FileMerge:
    """Whether a file vaultkit owns whole (``Genes.base``) takes ``new``, as a managed section would.

    ``old`` is the file's text (None: no file), ``last`` what vaultkit
    remembers writing (``file_record``'s ``"file"``, None: nothing). It is
    rewritten while it is what vaultkit last wrote, or what ``ours``
    recognises as an older vaultkit's output; an edit of the user's is kept
    (a conflict) unless ``force``; a file vaultkit never wrote is the
    user's; one the user deleted is not written again without ``force``.
    """
    if old is None:
        return FileMerge(write=last is None or force)
    if old == new:
        return FileMerge(write=False, current=True)
    if (last is not None and digest(old) == last.get("sha")) or (last is None and ours(old)):
        return FileMerge(write=True)
    if force:
        return FileMerge(write=True, trash_old=True)
    if last is not None:
        return FileMerge(write=False, conflict="edited by hand (kept; --force replaces it)")
    return FileMerge(write=False, kept="(the whole file, not written by vaultkit)")
