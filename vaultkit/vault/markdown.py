"""One reading of a note's markdown, with positions: what links, sections and adoption all see.

The structure comes from markdown-it-py (CommonMark, GFM tables) through its
public API: block tokens carry line maps, and two inline rules of ours record
where wiki-links and markdown links start, so every link, heading, code block
and code span is known by its offset in the note's text. Obsidian's own
syntax (``%%comments%%``, ``$math$``) is read on top of that structure.

A note with no code, HTML, table or escape at all reads the same with plain
patterns (``_scan_plain``); that path is taken for speed, and a test checks
that both give the same links and headings.

Headings are ATX headings (``# Title``) whose line starts the heading, outside
code, HTML, comments and frontmatter: a ``> # quoted`` or ``- # item`` heading
and a setext underline are not sections of the note.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any, NamedTuple

from vaultkit.vault import frontmatter

WIKI = r"!?\[\[(?:(?!\[\[)[^\n])*?\]\]"
DEST = r"(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)"
MDLINK = r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(" + DEST + r"(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?\)"
WIKI_PATTERN = re.compile(WIKI)
_MDLINK = re.compile(MDLINK)
_PLAIN = re.compile(f"(?P<wiki>{WIKI})|(?P<md>{MDLINK})")
# CommonMark ATX headings: up to three spaces of indent, an optional closing run of #s.
# "#Plots" (no space) is a tag, not a heading.
# The title group holds the closing run too ("## Plots ##"): ``_heading`` takes it off. A pattern that
# matched it as well (an optional run after a lazy title) took time quadratic in a run of blanks.
HEADING_LINE = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_HEADINGS = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+([^\n]*?))?\r?$", re.M)
_INLINE_COMMENT = re.compile(r"%%.*?%%|<!--.*?-->")
_TAB_INDENT = re.compile(r"^ {1,3}\t", re.M)
# Four blanks after a quote or list marker may be indented code inside them (">     code"): the parser tells.
_NESTED_INDENT = re.compile(r"^ {0,3}(?:>|[-*+]|\d{1,9}[.)])[ \t>*+\-.)\d]*?(?: {4}|\t)", re.M)
# Patterns over a whole note stay within a line ([^\S\n], not \s; anchored at a line's start) and never
# give back a run of blanks (possessive *+): one that could run on from any position over the rest of the
# text, or try every split of a run, takes time quadratic in a note of blank lines, "|" or blanks.
_TABLE_DELIMITER = re.compile(r"^[^\S\n]*+\|?[^\S\n]*+:?-+:?[^\S\n]*+\|", re.M)
# A line with a "|" over a row of dashes: a table's head, even with no "|" in the dashes ("a|\n---") and in
# a quote or list item ("> a|b\n> -|-").
_TABLE_HEAD = re.compile(r"^[^\n|]*+\|[^\n]*+\n[ \t>]*+[|:]?[ \t]*+-[-:| \t\r]*+$", re.M)
_LONE_CR = re.compile(r"\r(?=[^\n])")  # a "\r" ending the text ends its line, as the plain scan reads it


class Heading(NamedTuple):
    """An ATX heading: ``start`` is its line's offset in the note, ``body_start`` the next line's."""

    level: int
    title: str
    start: int
    body_start: int


class Candidate(NamedTuple):
    """A link as written, before its parts are read: ``kind`` is "wiki" or "markdown"."""

    kind: str
    start: int  # offset in the note's text
    raw: str
    line: int
    in_table: bool
    in_comment: bool


class Reading(NamedTuple):
    """A note's structure. Offsets are into the whole text, frontmatter included."""

    body_start: int
    links: tuple[Candidate, ...]
    headings: tuple[Heading, ...]
    frontmatter: frontmatter.Frontmatter | None
    code_blocks: tuple[tuple[int, int], ...] = ()  # fenced and indented code, whole lines


# Filled through tuple.__new__: a NamedTuple's generated __new__ is a Python call per link.
_tuple_new = tuple.__new__


@lru_cache(maxsize=64)
def reading(text: str) -> Reading:
    """``read(text)``, remembered: links, sections and adoption read the same note in turn, and a note
    is read many times while its sections are updated."""
    return read(text)


def read(text: str) -> Reading:
    """The links, headings and frontmatter of a note's text."""
    fm = frontmatter.find(text)
    body_start = fm.body_start if fm else 0
    body = text[body_start:] if body_start else text
    found: list[tuple[str, int, str, bool]] = []
    heads: list[tuple[int, str, int, int]] = []
    code: list[tuple[int, int]] = []
    blocks: list[tuple[int, int]] = []
    if needs_parser(body):
        scan = _scan_fenced(body) if _only_code(body) else None
        found, heads, code, blocks = scan if scan is not None else _scan_parsed(body)
    elif "[" in body or "#" in body:
        found, heads, code, blocks = _scan_plain(body)
    in_comments = _Spans(_comment_ranges(body, code)) if "%%" in body else None
    in_math = (
        _Spans(_math_ranges(body, code, [(a, a + len(raw)) for _, a, raw, _ in found]))
        if found and "$" in body
        else None
    )
    headings = tuple(
        Heading(level, title, body_start + start, body_start + end)
        for level, title, start, end in heads
        if not (in_comments and in_comments(start))
    )
    # Lines are counted on from one link to the next (links come in text order): one pass over the text.
    links: list[Candidate] = []
    line = text.count("\n", 0, body_start) + 1
    counted = 0
    for kind, start, raw, in_table in found:
        if in_math and in_math(start):
            continue
        line += body.count("\n", counted, start)
        counted = start
        in_comment = bool(in_comments and in_comments(start))
        links.append(_tuple_new(Candidate, (kind, body_start + start, raw, line, in_table, in_comment)))
    code_blocks = tuple((body_start + a, body_start + b) for a, b in blocks)
    return Reading(body_start, tuple(links), headings, fm, code_blocks)


def needs_parser(body: str) -> bool:
    """Whether markdown structure can matter for the links or headings of ``body`` (code, HTML,
    escapes, tables): then the parser reads it; otherwise the plain scan finds the same (tested)."""
    return "`" in body or _needs_more_than_code(body)


def _only_code(body: str) -> bool:
    """Whether backticks are all the structure ``body`` has that the plain scan cannot read: then
    ``_scan_fenced`` may read it (it says when it cannot)."""
    return "\r" not in body and "\x00" not in body and not _needs_more_than_code(body)


def _needs_more_than_code(body: str) -> bool:
    if "<" in body or "\\" in body or "~~~" in body:
        return True
    if "]:" in body:  # a link reference definition ("[a]: dest") is no text: its dest is no link
        return True
    if body.startswith(("    ", "\t")) or "\n    " in body or "\n\t" in body:
        return True
    if "\t" in body and _TAB_INDENT.search(body):  # " \t" reaches column 4 too: indented code
        return True
    if ("    " in body or "\t" in body) and _NESTED_INDENT.search(body):
        return True
    if "|" not in body or "-" not in body:
        return False
    return _TABLE_DELIMITER.search(body) is not None or _TABLE_HEAD.search(body) is not None


Spans = list[tuple[int, int]]
# Links (kind, offset, raw, in a table), headings (level, title, start, body start), code and HTML,
# code blocks: offsets in the body.
Scan = tuple[list[tuple[str, int, str, bool]], list[tuple[int, str, int, int]], Spans, Spans]


def _heading(level: str, title: str | None) -> tuple[int, str]:
    # "## sPAP %% mine %%" is sPAP: a comment in a heading is no part of its title.
    title = _without_closing(title or "")
    return len(level), (_INLINE_COMMENT.sub("", title) if "%%" in title or "<!--" in title else title).strip()


def _without_closing(title: str) -> str:
    """A heading's text without its closing run: blanks, then #s, then blanks, at the end ("Plots ##")."""
    text = title.rstrip(" \t")
    if text.endswith("#"):
        before = text.rstrip("#")
        if before[-1:] in (" ", "\t"):
            return before.rstrip(" \t")
    return text


def _scan_plain(body: str) -> Scan:
    """Links and headings of a body with no code, HTML or table in it."""
    if "](" not in body:  # no markdown link can match: the wiki pattern alone finds the same (faster)
        found = [("wiki", m.start(), m.group(0), False) for m in WIKI_PATTERN.finditer(body)]
    else:
        found = [
            ("wiki" if m.lastgroup == "wiki" else "markdown", m.start(), m.group(0), False)
            for m in _PLAIN.finditer(body)
        ]
    heads: list[tuple[int, str, int, int]] = []
    _line_headings(body, 0, len(body), heads)
    return found, heads, [], []


def _line_headings(body: str, start: int, end: int, heads: list[tuple[int, str, int, int]]) -> None:
    """The ATX headings of ``body[start:end]`` read line by line (no code there), added to ``heads``."""
    if body.find("#", start, end) < 0:
        return
    for h in _HEADINGS.finditer(body, start, end):
        line_end = body.find("\n", h.end())
        heads.append((*_heading(h.group(1), h.group(2)), h.start(), len(body) if line_end < 0 else line_end + 1))


_FENCE = re.compile(r"^(`{3,})([^`\n]*)$|^ {1,3}`{3}", re.M)  # an opening fence, or one that may be indented
_TOKEN = re.compile(f"(?P<tick>`+)|(?P<wiki>{WIKI})|(?P<md>{MDLINK})")


def _scan_fenced(body: str) -> Scan | None:
    """``_scan_parsed``'s links, headings and code of a body whose only markdown structure is code:
    fences at the start of their line and code spans within one line; None when it holds more than
    that (a fence indented into a list or quote, a backtick run left open, a link markdown-it would
    read across a code span), and the parser must read it.

    Markdown-it reads such a body the same way: a fence opened at column 0 is outside every list and
    quote (nothing there continues one) and interrupts a paragraph; the rest is paragraphs and headings
    whose inline text is read left to right, a code span, a wiki-link or a markdown link taking the
    place where it starts.
    """
    found: list[tuple[str, int, str, bool]] = []
    code: Spans = []
    blocks: Spans = []
    heads: list[tuple[int, str, int, int]] = []
    text_from = 0
    for m in _FENCE.finditer(body):
        if m.start() < text_from:
            continue  # a fence line inside a fence already passed
        if m.group(1) is None:
            return None  # " ```": a fence inside a list item, or indented at the top: the parser tells
        if not _scan_text(body, text_from, m.start(), found, code, heads):
            return None
        closing = re.compile(r"^ {0,3}`{" + str(len(m.group(1))) + r",}[ \t]*$", re.M)
        end = closing.search(body, m.end() + 1) if m.end() < len(body) else None
        text_from = _unclosed_end(body) if end is None else min(len(body), end.end() + 1)
        code.append((m.start(), text_from))
        blocks.append(code[-1])
    if not _scan_text(body, text_from, len(body), found, code, heads):
        return None
    return found, heads, code, blocks


def _unclosed_end(body: str) -> int:
    # A fence never closed runs to the end; markdown-it counts no last line of only blanks without a "\n".
    last = body.rfind("\n") + 1
    return last if last < len(body) and not body[last:].strip(" \t") else len(body)


def _scan_text(
    body: str,
    start: int,
    end: int,
    found: list[tuple[str, int, str, bool]],
    code: Spans,
    heads: list[tuple[int, str, int, int]],
) -> bool:
    """Links, code spans and headings of ``body[start:end]``, lines outside code; False if the parser
    must read them."""
    pos = start
    spans_from = len(code)
    while True:
        m = _TOKEN.search(body, pos, end)
        if m is None:
            break
        kind = m.lastgroup
        if kind == "tick":
            run = m.group(0)
            close = re.compile(f"(?<!`){run}(?!`)").search(body, m.end(), end)
            if close is None or "\n" in body[m.end() : close.start()]:
                return False  # an open run, or a span across lines: where it ends is the parser's to say
            code.append((m.start(), close.end()))
            pos = close.end()
        else:
            found.append(("wiki" if kind == "wiki" else "markdown", m.start(), m.group(0), False))
            pos = m.end()
    if len(code) > spans_from and body.find("](", start, end) >= 0 and not _explained(body, start, end, found, code):
        return False
    _line_headings(body, start, end, heads)
    return True


def _explained(body: str, start: int, end: int, found: list[tuple[str, int, str, bool]], code: Spans) -> bool:
    """Whether every "](" on a line with code in ``body[start:end]`` lies in a link or code span read here.

    markdown-it's own link rule reads more than the markdown-link pattern ("[a]( b)"), and such a link may
    hide a backtick from a code span: where one could be, the parser reads the note.
    """
    spans = _Spans([(a, a + len(raw)) for _, a, raw, _ in found] + code)
    at = start
    for line in body[start:end].split("\n"):
        if "`" in line and "](" in line:
            cut = line.find("](")
            while cut >= 0:
                if not spans(at + cut):
                    return False
                cut = line.find("](", cut + 2)
        at += len(line) + 1
    return True


def _link_rule(kind: str, pattern: re.Pattern[str]) -> Any:
    def rule(state: Any, silent: bool) -> bool:
        m = pattern.match(state.src, state.pos, state.posMax)
        if m is None:
            return False
        if not silent:
            # Empty ones ("[[]]") are consumed too and dropped later, exactly as the plain scan does.
            token = state.push(kind, "", 0)
            token.content = m.group(0)
            token.meta = {"at": state.pos}
        state.pos = m.end()
        return True

    return rule


def _spanned(rule: Any) -> Any:
    """A built-in inline rule that also records where its token starts and ends in the source."""

    def spanned(state: Any, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent and len(state.tokens) > count:  # the rule's own token is the last; before it may
            state.tokens[-1].meta = {"at": start, "end": state.pos}  # come the pending text's
        return True

    return spanned


def _inline_where_needed(state: Any) -> None:
    # Inline structure matters only where a link, math or a comment mark can be: most paragraphs
    # have none (a "%%" in a code span is no mark, so its code spans are needed too).
    for token in state.tokens:
        if token.type == "inline" and ("[" in token.content or "$" in token.content or "%%" in token.content):
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import backtick, html_inline

    md = MarkdownIt("commonmark").enable("table")
    # What decides no link's place: setext underlines (not our headings; the line is then a rule or
    # text, with the same links), emphasis, entities, line breaks and joined text.
    md.disable(
        ["lheading", "emphasis", "entity", "newline", "balance_pairs", "fragments_join", "text_join"],
        ignoreInvalid=True,
    )
    md.inline.ruler.before("link", "vk_wiki", _link_rule("wiki", WIKI_PATTERN))
    md.inline.ruler.before("link", "vk_md", _link_rule("markdown", _MDLINK))
    md.inline.ruler.at("backticks", _spanned(backtick))
    md.inline.ruler.at("html_inline", _spanned(html_inline))
    md.core.ruler.at("inline", _inline_where_needed)
    return md


def _scan_parsed(body: str) -> Scan:
    """Links, headings and the spans of code and HTML, from markdown-it's tokens and line maps."""
    # Obsidian ends lines at "\n" only; markdown-it also at a lone "\r". A space for the "\r" of a
    # "\r\n" keeps every offset; a lone one is no blank (four would indent code), so a form feed, a
    # character markdown-it neither breaks nor indents at, and which str.strip and \s take as Python does.
    src = _LONE_CR.sub("\x0c", body).replace("\r", " ") if "\r" in body else body
    # markdown-it turns NUL into U+FFFD in what it reads: done here too, the content of its tokens
    # stays the text of their lines (one character for one, so offsets hold).
    src = src.replace("\x00", "\ufffd") if "\x00" in src else src
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", src))
    starts.append(len(src) + 1)  # a line after the last one, so that line i ends at starts[i + 1] - 1
    md = _parser()
    tokens = md.parse(src)
    found: list[tuple[str, int, str, bool]] = []
    heads: list[tuple[int, str, int, int]] = []
    code: Spans = []
    blocks: Spans = []
    in_table = False
    for token in tokens:
        kind = token.type
        if kind == "table_open":
            in_table = True
        elif kind == "table_close":
            in_table = False
        elif kind in ("fence", "code_block", "html_block") and token.map:
            code.append((starts[token.map[0]], min(len(src), starts[token.map[1]])))
            if kind != "html_block":
                blocks.append(code[-1])
        elif kind == "heading_open" and token.map:
            at = starts[token.map[0]]
            # Matched in the note's own line (where a lone "\r" is no blank), as the plain scan does.
            end = starts[token.map[0] + 1] - 1
            end -= body.endswith("\r", at, end)
            h = HEADING_LINE.match(body, at, end)
            if h is not None:  # not a setext heading, nor one inside a quote or after a list marker
                heads.append((*_heading(h.group(1), h.group(2)), at, min(len(src), starts[token.map[0] + 1])))
        elif kind == "tr_open" and token.map:
            # Cells lose their "\|" escapes in markdown-it; the row's own line keeps them, so links
            # in a table are read from the row as written.
            at = starts[token.map[0]]
            row = src[at : starts[token.map[0] + 1] - 1]
            if "[" in row or "$" in row:
                cells: list[Any] = []
                md.inline.parse(row, md, {}, cells)
                _collect(cells, lambda p, at=at: at + p, True, found, code)
        elif kind == "inline" and token.children and not in_table and token.map:
            _collect(token.children, _locator(src, starts, token), False, found, code)
    if src is not body:  # a link's raw text is the note's, as written ("\r" and NUL included)
        found = [(kind, at, body[at : at + len(raw)], t) for kind, at, raw, t in found]
    return found, heads, code, blocks


def _collect(
    children: list[Any],
    where: Any,
    in_table: bool,
    found: list[tuple[str, int, str, bool]],
    code: list[tuple[int, int]],
) -> None:
    for child in children:
        meta = child.meta
        if child.type in ("wiki", "markdown"):
            found.append((child.type, where(meta["at"]), child.content, in_table))
        elif meta and "end" in meta:  # a code span or inline HTML
            code.append((where(meta["at"]), where(meta["end"])))
        elif child.children:
            _collect(child.children, where, in_table, found, code)


def _locator(src: str, starts: list[int], token: Any) -> Any:
    """Maps an offset in an inline token's content to the source.

    A paragraph's content is its lines with block markers (indent, ``>``, list
    markers) taken off the front, so each content line ends where its source
    line ends, trailing blanks aside.
    """
    pieces = token.content.split("\n")
    # The content is stripped with str.strip: leading lines of blanks markdown-it does not call blank
    # (U+00A0, U+2003, ...) are not in it. The first line that holds every piece in turn is where it starts.
    last = max(token.map[0], token.map[1] - len(pieces))
    for first in range(token.map[0], last + 1):
        offsets, shifts, missed = _shifts(src, starts, first, pieces)
        if not missed:
            break
    else:
        offsets, shifts, _ = _shifts(src, starts, token.map[0], pieces)

    def where(pos: int) -> int:
        return pos + shifts[bisect.bisect_right(offsets, pos) - 1]

    return where


def _shifts(src: str, starts: list[int], first: int, pieces: list[str]) -> tuple[list[int], list[int], bool]:
    """Where each content line starts in the content, and source offset minus content offset for it,
    with the content's first line at source line ``first``; and whether some line did not hold its piece."""
    offsets: list[int] = []
    shifts: list[int] = []
    at = 0
    missed = False
    for k, piece in enumerate(pieces):
        line_at = starts[first + k]
        line = src[line_at : starts[first + k + 1] - 1]
        lead = len(piece) - len(piece.lstrip())
        core = piece.strip()
        tail = line.rstrip()
        if tail.endswith(core):
            source = line_at + len(tail) - len(core)
        else:  # a heading's closing #s: the title sits inside its line
            found = line.find(core)
            missed = missed or found < 0
            source = line_at + (found if found >= 0 else 0)
        offsets.append(at)
        shifts.append(source - at - lead)
        at += len(piece) + 1
    return offsets, shifts, missed


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


def _comment_ranges(body: str, code: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``%%`` comments: marks pair up in order, and a mark inside code is no mark."""
    in_code = _Spans(code) if code else None
    marks = [m.start() for m in re.finditer("%%", body) if not (in_code and in_code(m.start()))]
    return [(marks[i], marks[i + 1] + 2) for i in range(0, len(marks) - 1, 2)]


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
