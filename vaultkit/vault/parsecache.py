"""The links cache: every note's parse, keyed by path, size and mtime, as columns of plain data.

Layout: one or more segments, each one line of JSON (format, version, the code that wrote it, byte
order, the size of each column), then the columns, one after the other, in the order of ``_SCHEMA``:
numbers as arrays of 64-bit integers (``array``), a link's kind and flags as
one byte each, text as a JSON list of strings. Numbers are read back at C speed
and need no type check (an array holds nothing else); a JSON column is
checked as a whole (a set of its item types). It is data, never code: no
pickle (which runs code) and no marshal (not safe against a damaged or
crafted file, and its format changes between Python versions). A file that is
not exactly what this version writes (corrupt, truncated, foreign) is ignored
with a warning and rebuilt.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from array import array
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Any

from vaultkit.vault.linkparse import Link, ParsedNote
from vaultkit.vault.notes import Finding
from vaultkit.vault.stamp import code_stamp
from vaultkit.vault.write import write_if_changed

CACHE_FILE = "links.cache"
# 9: segments (shares parsed in forked children are written as they came); 8: binary columns; 7: columnar
# JSON (one list per field); 6: headings inside %% comments are no headings; 5: a $ in a link opens no math;
# 4: links in math are no links; 3: JSON (2 was a pickle, never read again)
VERSION = 9
_FORMAT = "vaultkit links cache"

CacheEntry = tuple[tuple[int, int], ParsedNote | None, Finding | None]

_KINDS = ("wiki", "markdown", "frontmatter", "canvas")  # a link's kind is written as its place here
_BOOLS = (False, True)
_NOTE_LISTS = ("headings", "block_ids", "aliases")
_SAMPLE = Link("", False, 0, 0, 0, 0, 0, "", "", "")
# Each link field's column type: "k" kind, "b" flag, "i" integer, "s" text, "n" text or None.
_LINK_TYPES = {
    name: "k"
    if name == "kind"
    else "n"
    if name == "display"
    else "b"
    if type(v) is bool
    else "i"
    if type(v) is int
    else "s"
    for name, v in zip(Link._fields, _SAMPLE, strict=True)
}
_SCHEMA: list[tuple[str, str, str]] = [
    ("files", "path", "s"),
    ("files", "size", "i"),
    ("files", "mtime", "i"),
    ("files", "parsed", "b"),
    ("notes", "links", "i"),
    *(("links", name, kind) for name, kind in _LINK_TYPES.items()),
    *((name, part, kind) for name in _NOTE_LISTS for part, kind in (("counts", "i"), ("items", "s"))),
    ("findings", "file", "i"),
    ("findings", "line", "i"),
    ("findings", "message", "s"),
]
_TEXT_TYPES: dict[str, set[type]] = {"s": {str}, "n": {str, type(None)}}
_as_link = partial(tuple.__new__, Link)
_tuple_new = tuple.__new__


def load(path: Path) -> tuple[dict[str, CacheEntry], int]:
    """The cached parses and the cache file's mtime (ns); ``({}, 0)`` (with a warning if it is damaged) when
    there is none this version can read."""
    try:
        with open(path, "rb") as fh:
            written = os.fstat(fh.fileno()).st_mtime_ns
            raw = fh.read()
    except OSError:
        return {}, 0  # no cache yet (or unreadable): build from the notes
    try:
        found = loads(raw)
    except Damaged as exc:
        warnings.warn(
            f"{path.name} in {path.parent.name}/ is corrupt or not vaultkit's ({exc}); "
            "ignoring it and rebuilding it from the notes",
            stacklevel=3,
        )
        return {}, 0
    return ({}, 0) if found is None else (found, written)


class Damaged(ValueError):
    """Bytes that are not a links cache this version wrote (corrupt, truncated, foreign)."""


def loads(raw: bytes) -> dict[str, CacheEntry] | None:
    """The entries of the segments ``dumps`` made, one after the other, in ``raw``; None when another
    vaultkit (or another state of its code) wrote them. Raises ``Damaged``."""
    found: dict[str, CacheEntry] = {}
    at = 0
    try:
        while True:
            nl = raw.find(b"\n", at)
            header = json.loads(raw[at:nl] if nl >= 0 else raw[at:])
            if not isinstance(header, dict) or header.get("format") != _FORMAT:
                raise ValueError("not a vaultkit links cache")
            if header.get("version") != VERSION or header.get("code") != code_stamp():
                return None
            sizes = header.get("sizes")
            if nl < 0 or type(sizes) is not list or not set(map(type, sizes)) <= {int}:
                raise ValueError("bad column sizes")
            at = nl + 1 + sum(sizes)
            if at > len(raw):
                raise ValueError("columns do not fill the file")
            entries = _entries(decode(header, raw[nl + 1 : at]))
            if not found.keys().isdisjoint(entries):
                raise ValueError("a file in two segments")
            found.update(entries)
            if at == len(raw):
                return found
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise Damaged(str(exc)) from exc


def dumps(data: dict[str, CacheEntry]) -> bytes:
    """``data`` as one segment of a cache file (see ``save``). Raises OverflowError for a size or mtime
    beyond 64 bits."""
    return encode(_doc(data))


def decode(header: dict[str, Any], body: bytes) -> dict[str, dict[str, list[Any]]]:
    """The columns of a cache file's ``body``, as ``_SCHEMA`` and the ``header`` lay them out."""
    sizes = header.get("sizes")
    if type(sizes) is not list or len(sizes) != len(_SCHEMA) or not set(map(type, sizes)) <= {int}:
        raise ValueError("bad column sizes")
    if sum(sizes) != len(body) or min(sizes) < 0:
        raise ValueError("columns do not fill the file")
    swap = header.get("byteorder") != sys.byteorder
    doc: dict[str, dict[str, list[Any]]] = {}
    for (table, name, kind), start, end in zip(_SCHEMA, [0, *accumulate(sizes)], accumulate(sizes), strict=False):
        blob = body[start:end]
        if kind == "i":
            numbers = array("q")
            numbers.frombytes(blob)  # ValueError unless a whole number of integers
            if swap:
                numbers.byteswap()
            col: list[Any] = numbers.tolist()
        elif kind in "bk":
            col = list(blob)
        else:
            col = json.loads(blob)
            if type(col) is not list or not set(map(type, col)) <= _TEXT_TYPES[kind]:
                raise ValueError(f"bad column {table}.{name}")
        doc.setdefault(table, {})[name] = col
    return doc


def encode(doc: dict[str, dict[str, list[Any]]]) -> bytes:
    """A cache file holding the columns of ``doc`` (laid out as ``decode`` returns them)."""
    blobs = []
    for table, name, kind in _SCHEMA:
        col = doc[table][name]
        if kind == "i":
            blobs.append(array("q", col).tobytes())  # OverflowError beyond 64 bits: no cache
        elif kind in "bk":
            blobs.append(bytes(col))
        else:
            blobs.append(json.dumps(col, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    header = {
        "format": _FORMAT,
        "version": VERSION,
        "code": code_stamp(),
        "byteorder": sys.byteorder,
        "sizes": list(map(len, blobs)),
    }
    return json.dumps(header).encode() + b"\n" + b"".join(blobs)


def _column(doc: dict[str, dict[str, list[Any]]], table: str, name: str, n: int) -> list[Any]:
    col = doc[table][name]
    if len(col) != n:
        raise ValueError(f"bad column {table}.{name}")
    return col


def _spans(counts: list[int], total: int) -> list[tuple[int, int]]:
    """(start, end) of each file's run in a flat column, from the number of items each file has."""
    ends = list(accumulate(counts))
    if (ends[-1] if ends else 0) != total or (counts and min(counts) < 0):
        raise ValueError("counts do not add up")
    return list(zip([0, *ends[:-1]], ends, strict=True)) if ends else []


def _entries(doc: dict[str, dict[str, list[Any]]]) -> dict[str, CacheEntry]:
    """Cached files from the columns of the cache (see ``_save`` for what they hold)."""
    paths = doc["files"]["path"]
    n = len(paths)
    sizes, mtimes = _column(doc, "files", "size", n), _column(doc, "files", "mtime", n)
    has_note = list(map(_BOOLS.__getitem__, _column(doc, "files", "parsed", n)))  # IndexError unless 0 or 1
    m = sum(has_note)
    total = len(doc["links"]["target"])
    link_spans = _spans(_column(doc, "notes", "links", m), total)
    columns = []
    for name, kind in _LINK_TYPES.items():
        col = _column(doc, "links", name, total)
        columns.append(
            list(map(_KINDS.__getitem__ if kind == "k" else _BOOLS.__getitem__, col)) if kind in "kb" else col
        )
    # Tuples, not lists: a slice of a tuple is the note's tuple itself (and an empty one is shared).
    rows = tuple(map(_as_link, zip(*columns, strict=True)))
    lists = []
    for name in _NOTE_LISTS:
        flat = tuple(doc[name]["items"])
        lists.append([flat[a:b] for a, b in _spans(_column(doc, name, "counts", m), len(flat))])
    parsed = [_tuple_new(ParsedNote, (rows[a:b], *rest)) for (a, b), *rest in zip(link_spans, *lists, strict=True)]
    at = doc["findings"]["file"]
    if at and not 0 <= min(at) <= max(at) < n:
        raise ValueError("bad finding")
    lines, messages = _column(doc, "findings", "line", len(at)), _column(doc, "findings", "message", len(at))
    found = {i: Finding(paths[i], line, message) for i, line, message in zip(at, lines, messages, strict=True)}
    notes_of = iter(parsed)
    return {
        rel: ((size, mtime), next(notes_of) if has else None, found.get(i))
        for i, (rel, size, mtime, has) in enumerate(zip(paths, sizes, mtimes, has_note, strict=True))
    }


def save(path: Path, data: dict[str, CacheEntry], segments: list[bytes] | tuple[()] = ()) -> None:
    """Write the parses as columns: a list per field of every file, link and heading, in file order.

    A cache file is segments one after the other, each a header line and its columns: ``data`` is the
    first, ``segments`` (what ``dumps`` made of other files, in forked children) follow as they are.

    ``files``: path, size, mtime and whether it has a parse; ``notes.links``: how
    many links each parsed file has (its links follow each other in the
    ``links`` columns, one per field of :class:`Link`); ``headings``,
    ``block_ids``, ``aliases``: ``counts`` per parsed file and the flat
    ``items``; ``findings``: the file (by its index), line and message.
    """
    try:
        raw = b"".join([dumps(data), *segments] if data or not segments else segments)
    except OverflowError:
        return  # a size or mtime beyond 64 bits: no cache rather than a wrong one
    try:
        path.parent.mkdir(exist_ok=True)
        if not write_if_changed(path, raw):
            os.utime(path)  # racy files read again, and the same: now older than the cache, so trusted
    except OSError:
        pass  # a read-only vault still gets its check, just without the cache


def _doc(data: dict[str, CacheEntry]) -> dict[str, dict[str, list[Any]]]:
    entries = list(data.items())
    notes = [note for _, (_, note, _) in entries if note is not None]
    all_links = [link for note in notes for link in note.links]
    link_columns = [list(c) for c in zip(*all_links, strict=True)] if all_links else [[] for _ in _LINK_TYPES]
    kind_of = {kind: i for i, kind in enumerate(_KINDS)}
    link_columns[0] = list(map(kind_of.__getitem__, link_columns[0]))
    found = [(i, f) for i, (_, (_, _, f)) in enumerate(entries) if f is not None]
    return {
        "files": {
            "path": [rel for rel, _ in entries],
            "size": [key[0] for _, (key, _, _) in entries],
            "mtime": [key[1] for _, (key, _, _) in entries],
            "parsed": [note is not None for _, (_, note, _) in entries],
        },
        "notes": {"links": [len(note.links) for note in notes]},
        "links": dict(zip(_LINK_TYPES, link_columns, strict=True)),
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
