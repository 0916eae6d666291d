"""Find every link in a note, as Obsidian's link cache would.

The markdown structure comes from mistune 3 with two inline rules of ours
(wiki-links/embeds and markdown links that keep their raw text), so links in
code spans and code blocks are excluded by the parser. mistune's tokens carry
no positions; each link's span is found by walking the source in token order,
stepping over code and HTML as they come, so a link inside code is never
mistaken for the real one after it.

A note with no code, HTML, table or escape at all parses the same with the
plain pattern scan (``_scan_plain``); that path is taken for speed and is
tested to agree with the mistune path.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote

from vaultkit.vault import frontmatter

WIKI = r"!?\[\[(?:(?!\[\[)[^\n])*?\]\]"
_DEST = r"(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)"
MDLINK = r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(" + _DEST + r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)"
_MD_PARTS = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\((<[^<>\n]*>|" + _DEST[3:-1] + r")(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)"
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_PLAIN = re.compile(f"(?P<wiki>{WIKI})|(?P<md>{MDLINK})")
_WIKI = re.compile(WIKI)
# Anything that makes markdown structure matter for links sends a note to mistune.
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*\|", re.M)
_DELIMITER_CELL = re.compile(r"\s*:?-+:?\s*")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
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


@lru_cache(maxsize=1)
def _markdown() -> Any:
    import inspect

    import mistune

    md = mistune.create_markdown(renderer=None, plugins=["table"])

    def wiki(inline: Any, m: re.Match[str], state: Any) -> int:
        # Empty ones ("[[]]") are consumed too and dropped later, exactly as the plain scan does.
        state.append_token({"type": "vk_wiki", "raw": m.group(0)})
        return m.end()

    def md_link(inline: Any, m: re.Match[str], state: Any) -> int | None:
        state.append_token({"type": "vk_md", "raw": m.group(0)})
        return m.end()

    # mistune takes a bare "|" line for a table's delimiter row and would then cut "[[a|b]]" on
    # the line above at its pipe; as in GFM (and Obsidian), every delimiter cell needs dashes.
    from mistune.plugins import table as gfm

    def strict(parse: Any) -> Any:
        def run(block: Any, m: re.Match[str], state: Any) -> int | None:
            cells = state.get_line(m.end()).strip().strip("|").split("|")
            return parse(block, m, state) if all(_DELIMITER_CELL.fullmatch(c) for c in cells) else None

        return run

    md.block.register("table", gfm.TABLE_PATTERN, strict(gfm.parse_table), before="paragraph")
    md.block.register("nptable", gfm.NP_TABLE_PATTERN, strict(gfm.parse_nptable), before="paragraph")
    # mistune skips plain text up to the next character that can start a rule. 3.4 turns that fast
    # scan off for a rule that does not name its first characters (register's start_chars, new in
    # 3.4); 3.3 guesses them from the pattern ("!" here, and "[" is the built-in link rule's).
    takes_start = "start_chars" in inspect.signature(md.inline.register).parameters
    start: dict[str, Any] = {"start_chars": ("!", "[")} if takes_start else {}
    md.inline.register("vk_wiki", WIKI, wiki, before="link", **start)
    md.inline.register("vk_md", MDLINK, md_link, before="link", **start)
    return md


def _walk(tokens: list[dict[str, Any]], out: list[tuple[str, str, bool]], headings: list[str], in_table: bool) -> None:
    for tok in tokens:
        kind = tok["type"]
        if kind in ("vk_wiki", "vk_md"):
            out.append((kind, tok["raw"], in_table))
        elif kind in ("codespan", "inline_html"):
            out.append(("skip", tok.get("raw", ""), in_table))
        elif kind in ("block_code", "block_html"):
            for line in tok.get("raw", "").splitlines():
                if line.strip():
                    out.append(("skip", line.strip(), in_table))
        if kind == "heading":
            headings.append(_plain_text(tok.get("children", [])))
        children = tok.get("children")
        if isinstance(children, list):
            _walk(children, out, headings, in_table or kind.startswith("table"))


def _plain_text(tokens: list[dict[str, Any]]) -> str:
    parts = []
    for tok in tokens:
        if ("raw" in tok and tok["type"] in ("text", "codespan")) or tok["type"] == "vk_wiki":
            parts.append(tok["raw"])
        elif isinstance(tok.get("children"), list):
            parts.append(_plain_text(tok["children"]))
    return "".join(parts).strip()


# Obsidian renders $…$ and $$…$$ as math, where no link is a link (obsidian-links.md). Inline math
# as Pandoc reads it: the opening $ has no space after it, the closing $ none before it and no digit
# after it ("costs $5 and $6" is no math), and it stays on one line; a backslash escapes a $.
_BLOCK_MATH = re.compile(r"(?<![\\$])\$\$(?!\$)[\s\S]*?(?<!\\)\$\$")
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])(?:[^$\n\\]|\\.)*?(?<![\s\\$])\$(?![\d$])")


def _math_ranges(body: str, code: list[tuple[int, int]], links: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of math in ``body``.

    A $ inside code (``code``: spans of it) or inside a link (``[[a|costs $5]]``)
    opens and closes nothing; a link stands for a word, so ``$[[x]]$`` is still math.
    """
    if "$" not in body:
        return []
    chars = list(body)

    def fill(spans: list[tuple[int, int]], with_: str) -> str:
        for a, b in spans:
            chars[a:b] = [c if c in "\r\n" else with_ for c in chars[a:b]]
        return "".join(chars)

    fill(code, " ")
    masked = fill(links, "x")
    ranges = [m.span() for m in _BLOCK_MATH.finditer(masked)]
    if ranges:
        masked = fill(ranges, " ")
    return ranges + [m.span() for m in _INLINE_MATH.finditer(masked)]


class _Spans:
    """Membership in disjoint spans by bisection: a note may hold thousands of links and of spans."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __call__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.spans[i][1]


def _comment_ranges(text: str) -> list[tuple[int, int]]:
    marks = [m.start() for m in re.finditer("%%", text)]
    return [(marks[i], marks[i + 1] + 2) for i in range(0, len(marks) - 1, 2)]


def parse(text: str) -> ParsedNote:
    """All links, headings and block ids of a note's text (frontmatter included)."""
    fm = frontmatter.find(text)
    body_start = fm.body_start if fm else 0
    body = text[body_start:] if body_start else text
    links: list[Link] = []
    if fm is not None and fm.data:
        links.extend(_frontmatter_links(text, fm))
    found: list[tuple[str, int, str, bool]] = []
    headings: list[str] = []
    code: list[tuple[int, int]] = []
    if "[" in body or "#" in body:
        scan = _scan_mistune if _needs_parser(body) else _scan_plain
        found, headings, code = scan(body)
    in_math = (
        _Spans(_math_ranges(body, code, [(a, a + len(raw)) for _, a, raw, _ in found]))
        if found and "$" in body
        else None
    )
    in_comments = _Spans(_comment_ranges(body)) if "%%" in body else None
    if in_comments and headings:
        headings = _outside_comments(body, headings, in_comments)
    # Lines are counted on from one link to the next (links come in text order): one pass over the text.
    line = text.count("\n", 0, body_start) + 1
    counted = 0
    for kind, start, raw, in_table in found:
        if in_math and in_math(start):
            continue
        line += body.count("\n", counted, start)
        counted = start
        in_comment = bool(in_comments and in_comments(start))
        if kind == "vk_wiki":
            link = _wiki_link(raw, body_start + start, line, "wiki", in_table, in_comment)
        else:
            link = _md_link(raw, body_start + start, line, in_table, in_comment)
        if link is not None:
            links.append(link)
    block_ids = tuple(m.group(1) for m in _BLOCK_ID.finditer(body)) if "^" in body else ()
    return _tuple_new(ParsedNote, (tuple(links), tuple(headings), block_ids, _aliases(fm)))


def _needs_parser(body: str) -> bool:
    """Whether markdown structure can matter for the links of ``body`` (code, HTML, escapes, tables):
    then mistune reads it; otherwise the plain scan finds the same links (tested)."""
    if "`" in body or "<" in body or "\\" in body or "~~~" in body:
        return True
    if body.startswith(("    ", "\t")) or "\n    " in body or "\n\t" in body:
        return True
    return "|" in body and "-" in body and _TABLE_DELIMITER.search(body) is not None


def _outside_comments(body: str, headings: list[str], in_comments: _Spans) -> list[str]:
    """The headings without those written inside ``%%`` comments: Obsidian's outline and heading links
    do not see them (a heading of the same title outside a comment stays)."""
    hidden: dict[str, int] = {}
    for h in _HEADING.finditer(body):
        if in_comments(h.start()):
            title = h.group(2).strip()
            hidden[title] = hidden.get(title, 0) + 1
    kept = []
    for title in headings:
        if hidden.get(title):
            hidden[title] -= 1
            continue
        kept.append(title)
    return kept


def _aliases(fm: frontmatter.Frontmatter | None) -> tuple[str, ...]:
    value = fm.data.get("aliases") if fm is not None and fm.data else None
    if isinstance(value, str):
        value = [value]
    return tuple(str(a) for a in value) if isinstance(value, list) else ()


Scan = tuple[list[tuple[str, int, str, bool]], list[str], list[tuple[int, int]]]


def _scan_plain(body: str) -> Scan:
    """Links and headings of a body with no code in it (so no code spans either)."""
    if "](" not in body:  # no markdown link can match: the wiki pattern alone finds the same (faster)
        found = [("vk_wiki", m.start(), m.group(0), False) for m in _WIKI.finditer(body)]
    else:
        found = [
            ("vk_wiki" if m.lastgroup == "wiki" else "vk_md", m.start(), m.group(0), False)
            for m in _PLAIN.finditer(body)
        ]
    headings = [h.group(2).strip() for h in _HEADING.finditer(body)] if "#" in body else []
    return found, headings, []


def _scan_mistune(body: str) -> Scan:
    """Links, headings and the spans of code and HTML, from mistune's tokens."""
    tokens, _state = _markdown().parse(body)
    ordered: list[tuple[str, str, bool]] = []
    headings: list[str] = []
    _walk(tokens, ordered, headings, False)
    found = []
    code = []
    cursor = 0
    for kind, raw, in_table in ordered:
        at = body.find(raw, cursor) if raw else -1
        if at < 0:
            continue
        cursor = at + len(raw)
        if kind != "skip":
            found.append((kind, at, raw, in_table))
        else:
            code.append((at, cursor))
    return found, headings, code


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
        for m in _WIKI.finditer(value):
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
