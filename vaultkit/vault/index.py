"""The vault as the link layer sees it: files, parsed notes, and a resolver.

Parsing is the slow part, so parsed notes are cached under ``.vaultkit/``
keyed by path, size and mtime; an unchanged vault is re-read from the cache.
The cache is plain JSON (data, never code: no pickle); a file that is not
exactly what this version writes (corrupt, truncated, foreign) is ignored with
a warning and rebuilt.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from itertools import product
from operator import attrgetter
from pathlib import Path

from vaultkit.progress import SILENT, Progress
from vaultkit.vault import linkparse
from vaultkit.vault.linkparse import Link, ParsedNote
from vaultkit.vault.notes import Finding, UnreadableNote, frontmatter_finding, read_text
from vaultkit.vault.paths import CANVAS_EXT, NOTE_EXT, scan
from vaultkit.vault.resolve import Resolution, Resolver
from vaultkit.vault.write import STATE_DIR, write_if_changed

CACHE_FILE = "links.cache"
_CACHE_VERSION = 6  # 6: headings inside %% comments are no headings; 5: a $ in a link opens no math; 4: links in math are no links; 3: JSON (2 was a pickle, never read again)
_CACHE_FORMAT = "vaultkit links cache"
_TYPES = {"str": (str,), "int": (int,), "bool": (bool,), "str | None": (str, type(None))}
# Every allowed tuple of field types of a cached link (a field that may be None gives two).
_LINK_SHAPES = set(product(*(_TYPES[str(f.type)] for f in Link.__dataclass_fields__.values())))
_LINK_FIELDS = tuple(Link.__dataclass_fields__)
_link_row = attrgetter(*_LINK_FIELDS)
_new = object.__new__


@dataclass
class VaultIndex:
    """Every visible file of a vault, the parsed notes and canvases, and a resolver."""

    root: Path
    files: dict[str, tuple[int, int]]  # path -> (size, mtime_ns)
    parsed: dict[str, ParsedNote]
    findings: list[Finding] = field(default_factory=list)
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


def build(root: Path, *, use_cache: bool = True, progress: Progress = SILENT) -> VaultIndex:
    """Scan and parse the vault at ``root`` (reusing cached parses of unchanged files)."""
    files = {rel: (st.st_size, st.st_mtime_ns) for rel, st in scan(root)}
    cache_path = root / STATE_DIR / CACHE_FILE
    cache = _load_cache(cache_path) if use_cache else {}
    fresh: dict[str, tuple[tuple[int, int], ParsedNote | None, Finding | None]] = {}
    parsed: dict[str, ParsedNote] = {}
    findings: list[Finding] = []
    todo = [rel for rel in files if rel.endswith((NOTE_EXT, CANVAS_EXT))]
    progress.start("reading notes", len(todo))
    for rel in todo:
        key = files[rel]
        hit = cache.get(rel)
        note, finding = hit[1:] if hit is not None and hit[0] == key else _parse_file(root, rel)
        fresh[rel] = (key, note, finding)
        # A note with broken YAML still has links in its body: both count.
        if note is not None:
            parsed[rel] = note
        if finding is not None:
            findings.append(finding)
        progress.advance()
    progress.stop()
    if use_cache and fresh != cache:
        _save_cache(cache_path, fresh)
    return VaultIndex(root, files, parsed, sorted(findings, key=lambda f: (f.path, f.line)))


def _parse_file(root: Path, rel: str) -> tuple[ParsedNote | None, Finding | None]:
    try:
        text = read_text(root, rel)
    except UnreadableNote as exc:
        return None, exc.finding
    if rel.endswith(CANVAS_EXT):
        return ParsedNote(tuple(linkparse.canvas_links(text)), (), ()), None
    return linkparse.parse(text), frontmatter_finding(rel, text)


def _load_cache(path: Path) -> dict:
    """The cached parses, or {} (with a warning) for a file this version did not write."""
    try:
        raw = path.read_bytes()
    except OSError:
        return {}  # no cache yet (or unreadable): build from the notes
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != _CACHE_FORMAT:
            raise ValueError("not a vaultkit links cache")
        if doc.get("version") != _CACHE_VERSION:
            return {}  # an older vaultkit's cache: silently rebuilt
        return {rel: _entry(row) for rel, row in _items(doc.get("notes"))}
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as exc:
        warnings.warn(
            f"{path.name} in {path.parent.name}/ is corrupt or not vaultkit's ({exc}); "
            "ignoring it and rebuilding it from the notes",
            stacklevel=2,
        )
        return {}


def _items(notes: object) -> list[tuple[str, list]]:
    if not isinstance(notes, dict):
        raise ValueError("no notes table")
    return list(notes.items())


def _ints(value: object, n: int) -> tuple:
    if not isinstance(value, list) or len(value) != n or not all(type(v) is int for v in value):
        raise ValueError("bad numbers")
    return tuple(value)


def _strs(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("bad strings")
    return tuple(value)


def _entry(row: object) -> tuple[tuple[int, int], ParsedNote | None, Finding | None]:
    """One cached file, checked field by field: nothing in the file is trusted."""
    if not isinstance(row, list) or len(row) != 3:
        raise ValueError("bad entry")
    key, note, finding = row
    parsed = None
    if note is not None:
        links, headings, blocks, aliases = note
        parsed = ParsedNote(tuple(_link(x) for x in links), _strs(headings), _strs(blocks), _strs(aliases))
    found = None
    if finding is not None:
        fpath, line, message = finding
        if not (isinstance(fpath, str) and type(line) is int and isinstance(message, str)):
            raise ValueError("bad finding")
        found = Finding(fpath, line, message)
    return _ints(key, 2), parsed, found


def _link(row: object) -> Link:
    if type(row) is not list or tuple(map(type, row)) not in _LINK_SHAPES:
        raise ValueError("bad link")
    # Checked above; filled without the frozen dataclass's __init__, three times slower for 50,000 links.
    link = _new(Link)
    link.__dict__.update(zip(_LINK_FIELDS, row, strict=True))
    return link


def _note_row(note: ParsedNote) -> list:
    return [[_link_row(x) for x in note.links], list(note.headings), list(note.block_ids), list(note.aliases)]


def _save_cache(path: Path, data: dict) -> None:
    notes = {
        rel: [
            list(key),
            None if note is None else _note_row(note),
            None if finding is None else [finding.path, finding.line, finding.message],
        ]
        for rel, (key, note, finding) in data.items()
    }
    doc = {"format": _CACHE_FORMAT, "version": _CACHE_VERSION, "notes": notes}
    try:
        path.parent.mkdir(exist_ok=True)
        write_if_changed(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except OSError:
        pass  # a read-only vault still gets its check, just without the cache
