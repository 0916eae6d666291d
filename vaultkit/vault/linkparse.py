"""Every link in a note, as Obsidian's link cache would list it.

Where links are comes from the note's one markdown reading (``markdown.read``:
code, math and tables already told apart); this module reads each link's
parts (target, subpath, display) and adds the links in frontmatter properties
and in canvas files.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple
from urllib.parse import unquote

from vaultkit.vault import frontmatter, markdown
from vaultkit.vault.markdown import DEST, WIKI_PATTERN

_MD_PARTS = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\((<[^<>\n]*>|" + DEST[3:-1] + r")(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9\-]+)[ \t]*$", re.M)


class Link(NamedTuple):
    """One link as written in a note: a plain tuple with named fields (cheap to make, cache and compare).

    ``start``/``end`` span the whole link (with ``!`` and brackets) and
    ``tstart``/``tend`` only its target path, as character offsets into the
    note's text; a rewrite replaces the target span and nothing else.
    ``target`` is the path as Obsidian resolves it (trimmed; percent-decoded
    for markdown links), ``subpath`` the ``#Heading`` or ``#^block`` part,
    ``display`` the alias or image size.
    """

    kind: str  # "wiki" | "markdown" | "frontmatter" | "canvas"
    embed: bool
    start: int
    end: int
    tstart: int
    tend: int
    line: int
    target: str
    subpath: str
    display: str | None
    in_table: bool = False
    in_comment: bool = False
    escaped_pipe: bool = False
    angle: bool = False  # markdown destination written as <...>


class ParsedNote(NamedTuple):
    """What the link layer needs of a note: its links, headings and block ids."""

    links: tuple[Link, ...]
    headings: tuple[str, ...]
    block_ids: tuple[str, ...]
    aliases: tuple[str, ...] = ()


# A Link is filled through tuple.__new__: NamedTuple's generated __new__ is a Python call per link.
_tuple_new = tuple.__new__
_NFC = unicodedata.normalize


def _nfc(text: str) -> str:
    return text if text.isascii() else _NFC("NFC", text)  # ASCII is its own NFC form


def _wiki_link(
    raw: str,
    start: int,
    line: int = 0,
    kind: str = "wiki",
    in_table: bool = False,
    in_comment: bool = False,
) -> Link | None:
    embed = raw[0] == "!"
    inner_at = start + (3 if embed else 2)
    inner = raw[(3 if embed else 2) : -2]
    escaped = False
    cut = inner.find("|")
    if cut > 0 and inner[cut - 1] == "\\":
        escaped = True
        head, display = inner[: cut - 1], inner[cut + 1 :]
    elif cut >= 0:
        head, display = inner[:cut], inner[cut + 1 :]
    else:
        head, display = inner, None
    hash_at = head.find("#")
    if hash_at >= 0:
        path, subpath = head[:hash_at], head[hash_at:].strip()
    else:
        path, subpath = head, ""
    target = path.strip()
    if not target and not subpath:
        return None
    tstart = inner_at + len(path) - len(path.lstrip())
    fields = (kind, embed, start, start + len(raw), tstart, tstart + len(target), line, _nfc(target), subpath)
    return _tuple_new(Link, (*fields, display, in_table, in_comment, escaped, False))


def _md_link(raw: str, start: int, line: int = 0, in_table: bool = False, in_comment: bool = False) -> Link | None:
    m = _MD_PARTS.match(raw)
    if not m:
        return None
    dest = m.group(3)
    angle = dest.startswith("<")
    dstart = start + m.start(3) + (1 if angle else 0)
    dest = dest[1:-1] if angle else dest
    if not dest or _SCHEME.match(dest):
        return None  # external URL or empty: not a vault link
    hash_at = dest.find("#")
    path, subpath = (dest[:hash_at], dest[hash_at:]) if hash_at >= 0 else (dest, "")
    alt = m.group(2)
    return Link(
        "markdown",
        bool(m.group(1)),
        start,
        start + len(raw),
        dstart,
        dstart + len(path),
        line,
        _nfc(unquote(path)),
        unquote(subpath),
        alt or None,
        in_table,
        in_comment,
        angle=angle,
    )


def parse(text: str) -> ParsedNote:
    """All links, headings and block ids of a note's text (frontmatter included)."""
    read = markdown.reading(text)
    fm = read.frontmatter
    links: list[Link] = []
    if fm is not None and fm.data:
        links.extend(_frontmatter_links(text, fm))
    for kind, start, raw, line, in_table, in_comment in read.links:
        if kind == "wiki":
            link = _wiki_link(raw, start, line, "wiki", in_table, in_comment)
        else:
            link = _md_link(raw, start, line, in_table, in_comment)
        if link is not None:
            links.append(link)
    body = text[read.body_start :] if read.body_start else text
    block_ids = tuple(m.group(1) for m in _BLOCK_ID.finditer(body)) if "^" in body else ()
    headings = tuple(h.title for h in read.headings)
    return _tuple_new(ParsedNote, (tuple(links), headings, block_ids, _aliases(fm)))


def _aliases(fm: frontmatter.Frontmatter | None) -> tuple[str, ...]:
    value = fm.data.get("aliases") if fm is not None and fm.data else None
    if isinstance(value, str):
        value = [value]
    return tuple(str(a) for a in value) if isinstance(value, list) else ()


def _frontmatter_links(text: str, fm: frontmatter.Frontmatter) -> list[Link]:
    """Wiki-links in quoted property values; unquoted ``[[x]]`` is a YAML list, not a link."""
    strings: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    collect(fm.data)
    links: list[Link] = []
    cursor = fm.start
    for value in strings:
        for m in WIKI_PATTERN.finditer(value):
            at = text.find(m.group(0), cursor, fm.end)
            if at < 0:
                continue
            cursor = at + len(m.group(0))
            link = _wiki_link(m.group(0), at, text.count("\n", 0, at) + 1, "frontmatter")
            if link is not None:
                links.append(link)
    return links


def canvas_links(text: str) -> list[Link]:
    """``file`` nodes of a ``.canvas`` file (JSON Canvas); their paths are exact vault paths."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return []
    links = []
    cursor = 0
    for node in data.get("nodes", []) if isinstance(data, dict) else []:
        if isinstance(node, dict) and node.get("type") == "file" and isinstance(node.get("file"), str):
            encoded = json.dumps(node["file"], ensure_ascii=False)[1:-1]
            at = text.find(encoded, cursor)
            if at < 0:  # spelled with other escapes: still a link, but with no span to rewrite
                links.append(Link("canvas", True, 0, 0, 0, 0, 1, node["file"], "", None))
                continue
            cursor = at + len(encoded)
            line = text.count("\n", 0, at) + 1
            links.append(
                Link("canvas", True, at, at + len(encoded), at, at + len(encoded), line, node["file"], "", None)
            )
    return links
