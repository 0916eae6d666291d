"""The vault as the link layer sees it: files, parsed notes, and a resolver.

Parsing is the slow part, so parsed notes are cached under ``.vaultkit/``
keyed by path, size and mtime; an unchanged vault is re-read from the cache.
The cache is plain JSON (data, never code: no pickle); a file that is not
exactly what this version writes (corrupt, truncated, foreign) is ignored with
a warning and rebuilt.
"""

from __future__ import annotations

import gc
import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate
from pathlib import Path

from vaultkit.progress import SILENT, Progress
from vaultkit.vault import linkparse
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
from vaultkit.vault.paths import CANVAS_EXT, NOTE_EXT, STATE_DIR, listing
from vaultkit.vault.resolve import Resolution, Resolver
from vaultkit.vault.write import write_if_changed

CACHE_FILE = "links.cache"
# 7: columnar (one list per field); 6: headings inside %% comments are no headings; 5: a $ in a link opens no
# math; 4: links in math are no links; 3: JSON (2 was a pickle, never read again)
_CACHE_VERSION = 7
_CACHE_FORMAT = "vaultkit links cache"
_LINK_FIELDS = Link._fields
# The types each field of a link may have in the cache: a column is checked as a whole (a set of types).
_LINK_TYPES: list[set[type]] = [
    {str, type(None)} if name == "display" else {int} if type(value) is bool else {type(value)}
    for name, value in zip(_LINK_FIELDS, Link("", False, 0, 0, 0, 0, 0, "", "", ""), strict=True)
]
# Flags are written 0 or 1 (a third of the size of false/true, and as quick to check).
_FLAGS = [type(value) is bool for value in Link("", False, 0, 0, 0, 0, 0, "", "", "")]
_LINK_KINDS = {"wiki", "markdown", "frontmatter", "canvas"}
_NOTE_LISTS = ("headings", "block_ids", "aliases")
_as_link = partial(tuple.__new__, Link)


@dataclass
class VaultIndex:
    """Every visible file of a vault, the parsed notes and canvases, and a resolver."""

    root: Path
    files: dict[str, tuple[int, int]]  # path -> (size, mtime_ns)
    parsed: dict[str, ParsedNote]
    findings: list[Finding] = field(default_factory=list)
    unread: bool = False  # a note could not be read (OSError): what is made from this index is not kept
    resolver: Resolver = field(init=False)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.files)

    @property
    def notes(self) -> list[str]:
        return [p for p in self.files if p.endswith(NOTE_EXT)]

    def resolve(self, link: Link, source: str) -> Resolution:
        """Where ``link``, written in ``source``, points."""
        return self.resolver.resolve_link(link, source)

    def links(self) -> list[tuple[str, Link, Resolution]]:
        """Every link in the vault with its source and resolution, in path order."""
        return [(src, link, self.resolve(link, src)) for src in sorted(self.parsed) for link in self.parsed[src].links]


@contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while the index is made.

    Reading a vault makes hundreds of thousands of small tuples and no cycles;
    each of Python's collections on the way walks every object made so far (a
    third of a warm check's time on 10,000 notes). A caller that goes on working
    on the index (``links check``) keeps it paused until the index is dropped:
    the first collection after the pause walks every object made in it.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    with no_gc():
        return _build(root, listing(root) if files is None else files, use_cache=use_cache, progress=progress)


def _build(root: Path, files: dict[str, tuple[int, int]], *, use_cache: bool, progress: Progress) -> VaultIndex:
    cache_path = root / STATE_DIR / CACHE_FILE
    cache, written = _load_cache(cache_path) if use_cache else ({}, 0)
    fresh: dict[str, CacheEntry] = {}
    todo = [rel for rel in files if rel.endswith((NOTE_EXT, CANVAS_EXT))]
    progress.start("reading notes", len(todo))
    missed = []
    for rel in todo:
        hit = cache.get(rel)
        # A file no older than the cache may have been written again in the same tick of the clock, with
        # the same size: it is read again (git's "racy" files). Older ones changed would have a newer mtime.
        if hit is not None and hit[0] == files[rel] and hit[0][1] < written:
            fresh[rel] = hit
        else:
            missed.append(rel)
    progress.advance(len(todo) - len(missed))
    folder = str(root)
    unread = set()
    for rel in missed:
        fresh[rel] = (files[rel], *_parse_file(root, folder, rel, files[rel][0], unread))
        progress.advance()
    progress.stop()
    # Every file a hit and none gone: the cache is what it was (no need to compare 50,000 links).
    if use_cache and (missed or len(fresh) != len(cache)):
        # A note that could not be read is read again next time: making it readable changes no mtime.
        _save_cache(cache_path, {rel: fresh[rel] for rel in todo if rel not in unread})
    # A note with broken YAML still has links in its body: both count.
    parsed = {rel: entry[1] for rel in todo if (entry := fresh[rel])[1] is not None}
    findings = [entry[2] for entry in fresh.values() if entry[2] is not None]
    return VaultIndex(root, files, parsed, sorted(findings, key=lambda f: (f.path, f.line)), bool(unread))


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


CacheEntry = tuple[tuple[int, int], ParsedNote | None, Finding | None]


def _load_cache(path: Path) -> tuple[dict[str, CacheEntry], int]:
    """The cached parses and the cache file's mtime (ns), or ({}, 0) (with a warning) for a file this version did not write."""
    try:
        with open(path, "rb") as fh:
            written = os.fstat(fh.fileno()).st_mtime_ns
            raw = fh.read()
    except OSError:
        return {}, 0  # no cache yet (or unreadable): build from the notes
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != _CACHE_FORMAT:
            raise ValueError("not a vaultkit links cache")
        if doc.get("version") != _CACHE_VERSION:
            return {}, 0  # an older vaultkit's cache: silently rebuilt
        return _entries(doc), written
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        warnings.warn(
            f"{path.name} in {path.parent.name}/ is corrupt or not vaultkit's ({exc}); "
            "ignoring it and rebuilding it from the notes",
            stacklevel=2,
        )
        return {}, 0


def _column(table: object, name: str, n: int | None, types: set[type]) -> list:
    """One column of the cache, checked as a whole: a list (of ``n`` items) whose items are of ``types``.

    Nothing in the file is trusted, and a column is checked at C speed (a set of
    the item types), not item by item in Python.
    """
    col = table.get(name) if isinstance(table, dict) else None
    if type(col) is not list or (n is not None and len(col) != n) or not set(map(type, col)) <= types:
        raise ValueError(f"bad column {name!r}")
    return col


def _spans(counts: list[int], total: int) -> list[tuple[int, int]]:
    """(start, end) of each file's run in a flat column, from the number of items each file has."""
    ends = list(accumulate(counts))
    if (ends[-1] if ends else 0) != total or (counts and min(counts) < 0):
        raise ValueError("counts do not add up")
    return list(zip([0, *ends[:-1]], ends, strict=True)) if ends else []


def _entries(doc: dict) -> dict[str, CacheEntry]:
    """Cached files from the columns of the cache document (see ``_save_cache`` for its layout)."""
    files = doc["files"]
    paths = _column(files, "path", None, {str})
    n = len(paths)
    sizes, mtimes = _column(files, "size", n, {int}), _column(files, "mtime", n, {int})
    has_note = _column(files, "parsed", n, {bool})
    notes = doc["notes"]
    m = sum(has_note)
    links = doc["links"]
    total = len(_column(links, "target", None, {str}))
    link_spans = _spans(_column(notes, "links", m, {int}), total)
    columns = [_column(links, name, total, types) for name, types in zip(_LINK_FIELDS, _LINK_TYPES, strict=True)]
    if not set(columns[0]) <= _LINK_KINDS:
        raise ValueError("bad link kind")
    for i, flag in enumerate(_FLAGS):
        if flag:
            if not set(columns[i]) <= {0, 1}:
                raise ValueError(f"bad flag {_LINK_FIELDS[i]!r}")
            columns[i] = list(map(bool, columns[i]))
    rows = list(map(_as_link, zip(*columns, strict=True)))
    lists = []
    for name in _NOTE_LISTS:
        flat = _column(doc[name], "items", None, {str})
        lists.append([tuple(flat[a:b]) for a, b in _spans(_column(doc[name], "counts", m, {int}), len(flat))])
    parsed = [
        _tuple_new(ParsedNote, (tuple(rows[a:b]), *rest)) for (a, b), *rest in zip(link_spans, *lists, strict=True)
    ]
    findings = doc["findings"]
    at = _column(findings, "file", None, {int})
    if at and not 0 <= min(at) <= max(at) < n:
        raise ValueError("bad finding")
    lines, messages = _column(findings, "line", len(at), {int}), _column(findings, "message", len(at), {str})
    found = {i: Finding(paths[i], line, message) for i, line, message in zip(at, lines, messages, strict=True)}
    notes_of = iter(parsed)
    return {
        rel: ((size, mtime), next(notes_of) if has else None, found.get(i))
        for i, (rel, size, mtime, has) in enumerate(zip(paths, sizes, mtimes, has_note, strict=True))
    }


_tuple_new = tuple.__new__


def _save_cache(path: Path, data: dict[str, CacheEntry]) -> None:
    """Write the parses as columns: a list per field of every file, link and heading, in file order.

    ``files``: path, size, mtime and whether it has a parse; ``notes.links``: how
    many links each parsed file has (its links follow each other in the
    ``links`` columns, one per field of :class:`Link`); ``headings``,
    ``block_ids``, ``aliases``: ``counts`` per parsed file and the flat
    ``items``; ``findings``: the file (by its index), line and message.
    """
    entries = list(data.items())
    notes = [note for _, (_, note, _) in entries if note is not None]
    all_links = [link for note in notes for link in note.links]
    link_columns = [list(c) for c in zip(*all_links, strict=True)] if all_links else [[] for _ in _LINK_FIELDS]
    for i, flag in enumerate(_FLAGS):
        if flag:
            link_columns[i] = list(map(int, link_columns[i]))
    found = [(i, f) for i, (_, (_, _, f)) in enumerate(entries) if f is not None]
    doc = {
        "format": _CACHE_FORMAT,
        "version": _CACHE_VERSION,
        "files": {
            "path": [rel for rel, _ in entries],
            "size": [key[0] for _, (key, _, _) in entries],
            "mtime": [key[1] for _, (key, _, _) in entries],
            "parsed": [note is not None for _, (_, note, _) in entries],
        },
        "notes": {"links": [len(note.links) for note in notes]},
        "links": dict(zip(_LINK_FIELDS, link_columns, strict=True)),
        **{
            name: {
                "counts": [len(getattr(n, name)) for n in notes],
                "items": [x for n in notes for x in getattr(n, name)],
            }
            for name in _NOTE_LISTS
        },
        "findings": {
            "file": [i for i, _ in found],
            "line": [f.line for _, f in found],
            "message": [f.message for _, f in found],
        },
    }
    try:
        path.parent.mkdir(exist_ok=True)
        if not write_if_changed(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")):
            os.utime(path)  # racy files read again, and the same: now older than the cache, so trusted
    except OSError:
        pass  # a read-only vault still gets its check, just without the cache
