"""The vault as the link layer sees it: files, parsed notes, and a resolver.

Parsing is the slow part, so parsed notes are cached under ``.vaultkit/``
keyed by path, size and mtime; an unchanged vault is re-read from the cache.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit.progress import SILENT, Progress
from vaultkit.vault import linkparse
from vaultkit.vault.linkparse import Link, ParsedNote
from vaultkit.vault.notes import Finding, UnreadableNote, frontmatter_finding, read_text
from vaultkit.vault.paths import CANVAS_EXT, NOTE_EXT, scan
from vaultkit.vault.resolve import Resolution, Resolver
from vaultkit.vault.write import STATE_DIR, write_if_changed

CACHE_FILE = "links.cache"
_CACHE_VERSION = 2


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
    try:
        with open(path, "rb") as fh:
            version, data = pickle.load(fh)
        return data if version == _CACHE_VERSION else {}
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, TypeError, AttributeError, ImportError):
        return {}


def _save_cache(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        write_if_changed(path, pickle.dumps((_CACHE_VERSION, data), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only vault still gets its check, just without the cache
