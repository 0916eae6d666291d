"""``links check``: broken, ambiguous and dangling-anchor links, orphaned attachments."""

from __future__ import annotations

from vaultkit.vault import sections
from vaultkit.vault.index import VaultIndex
from vaultkit.vault.linkparse import ParsedNote
from vaultkit.vault.linkreport import LinkReport
from vaultkit.vault.paths import NOTE_EXT, fold

# What Obsidian opens as an attachment (help.obsidian.md "Accepted file formats"); other files
# (settings, data tables) are not shown in the vault, so they can never be orphans.
ATTACHMENT_EXTS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".svg",
    ".webp",
    ".avif",
    ".pdf",
    ".mp3",
    ".wav",
    ".m4a",
    ".ogg",
    ".3gp",
    ".flac",
    ".webm",
    ".mp4",
    ".ogv",
    ".mov",
    ".mkv",
)


def is_attachment(path: str) -> bool:
    return path.lower().endswith(ATTACHMENT_EXTS)


def check(index: VaultIndex) -> LinkReport:
    """Check every link of the vault against Obsidian's resolution rules."""
    aliases = _alias_map(index)
    report = LinkReport(notes=len(index.notes), files=len(index.files), links=0)
    linked: set[str] = set()
    anchors: dict[str, set[str]] = {}  # a note's heading keys, made once per note that links point into
    wanted: dict[str, tuple[str, ...]] = {}  # a subpath's heading keys, made once per subpath
    resolve = index.resolver.resolve_links
    parsed = index.parsed
    for source in sorted(parsed):
        note_links = parsed[source].links
        report.links += len(note_links)
        for link, res in zip(note_links, resolve(note_links, source), strict=True):
            path = res.path
            if path is None:
                entry = {"source": source, "line": link.line, "target": link.target, "embed": link.embed}
                if res.outside:
                    entry["reason"] = "climbs out of the vault"
                hint = aliases.get(fold(link.target)) if aliases else None
                if hint and link.kind != "canvas":
                    entry["suggestion"] = f"[[{hint.removesuffix(NOTE_EXT)}|{link.target}]]"
                report.broken.append(entry)
                continue
            if path != source:
                linked.add(path)
            if res.candidates or link.subpath:
                entry = {"source": source, "line": link.line, "target": link.target, "embed": link.embed}
                if res.ambiguous:
                    report.ambiguous.append({**entry, "candidates": list(res.candidates)})
                if link.subpath and not _anchor_exists(parsed.get(path), link.subpath, anchors, wanted, path):
                    report.missing_anchors.append({**entry, "anchor": link.subpath, "resolved": path})
    report.orphans = sorted(p for p in index.files if is_attachment(p) and p not in linked)
    report.unreadable = [{"path": f.path, "line": f.line, "message": f.message} for f in index.findings]
    return report


def _alias_map(index: VaultIndex) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, note in index.parsed.items():
        for alias in note.aliases:
            out.setdefault(fold(alias), path.rsplit("/", 1)[-1])
    return out


def _norm_heading(text: str) -> str:
    # Obsidian's rule for a heading anchor: every ASCII punctuation character stripped (backticks
    # too), whitespace collapsed, case ignored, on both sides ("#Whats new" finds "## What's new?").
    return sections.title_key(text)


def _anchor_exists(
    note: ParsedNote | None, subpath: str, anchors: dict[str, set[str]], wanted: dict[str, tuple[str, ...]], path: str
) -> bool:
    if note is None:
        return True  # attachments have no anchors to check (PDF pages etc.)
    parts = wanted.get(subpath)
    if parts is None:
        written = [p for p in subpath.split("#") if p]
        # A block id is kept as written (with its ^); heading parts as the keys Obsidian compares.
        block = bool(written) and written[0].startswith("^")
        parts = wanted[subpath] = tuple(written if block else map(_norm_heading, written))
    if not parts:
        return True
    if parts[0].startswith("^"):
        return parts[0][1:] in note.block_ids
    headings = anchors.get(path)
    if headings is None:
        headings = anchors[path] = {_norm_heading(h) for h in note.headings}
    return all(p in headings for p in parts)
