"""The vault as the link layer sees it: files, parsed notes, and a resolver.

Parsing is the slow part, so parsed notes are cached under ``.vaultkit/``
keyed by path, size and mtime (``parsecache``); an unchanged note is read
back from the cache.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from pathlib import Path

from vaultkit import gcpause
from vaultkit.progress import SILENT, Progress
from vaultkit.vault import forkread, linkparse, parsecache
from vaultkit.vault import notes as vnotes
from vaultkit.vault.linkparse import Link, ParsedNote
from vaultkit.vault.notes import (
    Finding,
    UnreadableNote,
    decode,
    frontmatter_finding,
    frontmatter_guard,
    read_text,
)
from vaultkit.vault.parsecache import CacheEntry
from vaultkit.vault.paths import CANVAS_EXT, NOTE_EXT, STATE_DIR, listing
from vaultkit.vault.resolve import Resolution, Resolver


@dataclass
class VaultIndex:
    """Every visible file of a vault, the parsed notes and canvases, and a resolver."""

    root: Path
    files: dict[str, tuple[int, int]]  # path -> (size, mtime_ns)
    parsed: dict[str, ParsedNote]
    findings: list[Finding] = field(default_factory=list)
    unread: bool = False  # a note could not be read (OSError): what is made from this index is not kept
    resolver: Resolver = field(init=False)
    prebuilt: InitVar[Resolver | None] = None  # a resolver of these files, made while children were reading

    def __post_init__(self, prebuilt: Resolver | None) -> None:
        self.resolver = prebuilt if prebuilt is not None else Resolver(self.files)

    @property
    def notes(self) -> list[str]:
        return [p for p in self.files if p.endswith(NOTE_EXT)]

    def resolve(self, link: Link, source: str) -> Resolution:
        """Where ``link``, written in ``source``, points."""
        return self.resolver.resolve_link(link, source)

    def links(self) -> list[tuple[str, Link, Resolution]]:
        """Every link in the vault with its source and resolution, in path order."""
        return [(src, link, self.resolve(link, src)) for src in sorted(self.parsed) for link in self.parsed[src].links]


def build(
    root: Path,
    *,
    use_cache: bool = True,
    progress: Progress = SILENT,
    files: dict[str, tuple[int, int]] | None = None,
) -> VaultIndex:
    """Scan and parse the vault at ``root`` (reusing cached parses of unchanged files).

    ``files``: the vault's ``paths.listing``, when the caller has just made it.
    """
    # Reading a vault makes hundreds of thousands of small tuples and no cycles: the collector is paused
    # while the index is made (a third of a warm check's time on 10,000 notes went to collections).
    with gcpause.no_gc():
        return _build(root, listing(root) if files is None else files, use_cache=use_cache, progress=progress)


def _build(root: Path, files: dict[str, tuple[int, int]], *, use_cache: bool, progress: Progress) -> VaultIndex:
    cache_path = root / STATE_DIR / parsecache.CACHE_FILE
    cache, written = parsecache.load(cache_path) if use_cache else ({}, 0)
    fresh: dict[str, CacheEntry] = {}
    todo = [rel for rel in files if rel.endswith((NOTE_EXT, CANVAS_EXT))]
    missed = []
    known = 0  # files of the cache still in the vault
    for rel in todo:
        hit = cache.get(rel)
        if hit is not None:
            known += 1
            # A file no older than the cache may have been written again in the same tick of the clock, with
            # the same size: it is read again (git's "racy" files). Older ones changed would have a newer mtime.
            if hit[0] == files[rel] and hit[0][1] < written:
                fresh[rel] = hit
                continue
        missed.append(rel)
    # Every file a hit and none gone: the cache is what it was (no need to compare 50,000 links). A few notes
    # read anew cost less than rewriting the whole cache (a note is read and parsed in the time ~5 are
    # saved): they are read again next time, until they are 1/64 of the vault; a file gone is dropped at once.
    keep = use_cache and (known < len(cache) or (bool(missed) and len(missed) * 64 >= len(todo)))
    read = _read_notes(root, files, missed, progress, total=len(todo), keep=keep)
    fresh.update(read.entries)
    if keep:
        # A note that could not be read is read again next time: making it readable changes no mtime.
        kept = {rel: fresh[rel] for rel in todo if rel not in read.unread and rel not in read.segmented}
        parsecache.save(cache_path, kept, read.segments)
    # A note with broken YAML still has links in its body: both count.
    parsed = {rel: entry[1] for rel in todo if (entry := fresh[rel])[1] is not None}
    findings = [entry[2] for entry in fresh.values() if entry[2] is not None]
    findings.sort(key=lambda f: (f.path, f.line))
    return VaultIndex(root, files, parsed, findings, bool(read.unread), read.resolver)


@dataclass
class _Read:
    entries: dict[str, CacheEntry] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)  # notes the file system refused: not cached
    segments: list[bytes] = field(default_factory=list)  # children's shares, as the cache segments they came in
    segmented: set[str] = field(default_factory=set)  # the notes in those segments
    resolver: Resolver | None = None  # made, and told this process's links, while the children read


def _read_notes(
    root: Path,
    files: dict[str, tuple[int, int]],
    missed: list[str],
    progress: Progress,
    *,
    total: int,
    keep: bool,
) -> _Read:
    """Read and parse the notes ``missed`` of the ``total`` to read (here, and in forked children for a large
    vault); ``keep``: the links cache is written after."""
    folder = str(root)
    read = _Read()

    def work(share: list[str], unread: set[str], advance: Callable[[int], None] | None = None) -> dict[str, CacheEntry]:
        out = {}
        for i, rel in enumerate(share, 1):
            out[rel] = (files[rel], *_parse_file(root, folder, rel, files[rel][0], unread))
            if advance is not None and i % 64 == 0:
                advance(64)  # a terminal's bar costs a few microseconds a call: told every 64 notes
        if advance is not None:
            advance(len(share) % 64)
        return out

    # Shares of a large vault go to forked children before the progress bar starts its thread.
    mine, *theirs = forkread.split(missed)
    children = forkread.Children(theirs, work) if theirs else None
    progress.start("reading notes", total)
    progress.advance(total - len(missed))
    try:
        read.entries = work(mine, read.unread, progress.advance)
        if children:
            # The children usually need a little longer (their start, sending): the time goes to work that
            # does not wait for them: the resolver, where this share's links point, this share's cache segment.
            read.resolver = Resolver(files)
            read.resolver.warm((rel, entry[1].links) for rel, entry in read.entries.items() if entry[1] is not None)
            if keep:
                own = {rel: entry for rel, entry in read.entries.items() if rel not in read.unread}
                with contextlib.suppress(OverflowError):  # a size beyond 64 bits: left to save, which keeps none
                    read.segments.append(parsecache.dumps(own))
                    read.segmented.update(own)
        for share, entries, bad, segment in children.results() if children else ():
            if entries is None:
                entries = work(share, read.unread, progress.advance)
            else:
                read.unread |= bad
                progress.advance(len(share))
                if not bad:  # a segment with a note the file system refused is not kept as it is
                    read.segments.append(segment)
                    read.segmented.update(share)
            read.entries.update(entries)
    finally:
        if children:
            children.stop()
    progress.stop()
    return read


def _parse_file(
    root: Path, folder: str, rel: str, size: int, unread: set[str]
) -> tuple[ParsedNote | None, Finding | None]:
    try:
        text = _read(root, folder, rel, size)
    except UnreadableNote as exc:
        if isinstance(exc.__context__, OSError):
            unread.add(rel)  # not its content: the file system refused it (permissions, a lock)
        return None, exc.finding
    if rel.endswith(CANVAS_EXT):
        return ParsedNote(tuple(linkparse.canvas_links(text)), (), ()), None
    return linkparse.parse(text), frontmatter_finding(rel, text)


def _read(root: Path, folder: str, rel: str, size: int) -> str:
    """``notes.read_text`` with the size the scan just saw: one open and read for a plain note.

    Anything unusual (too large, gone, set aside by a killed run, unreadable) goes
    the long way, through ``read_text``, which reports it.
    """
    limit = vnotes.MAX_NOTE_BYTES
    if size <= limit:
        try:
            with open(os.path.join(folder, rel), "rb") as fh:
                data = fh.read()  # read(n) would first allocate n bytes
        except OSError:
            data = None
        if data is not None and len(data) <= limit:
            text = decode(rel, data)
            frontmatter_guard(rel, text)
            return text
    return read_text(root, rel)
