"""Headings and the sections they open, found without re-rendering anything.

A section runs from its heading line to the next heading of the same or a
higher level. Edits are splices into the original text, so every byte outside
the spliced span stays as the user wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vaultkit.vault import frontmatter, markdown


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    start: int  # start of the heading line
    body_start: int  # just after the heading line
    end: int  # start of the next heading of level <= this one, or end of text

    def body(self, text: str) -> str:
        return text[self.body_start : self.end]


@lru_cache(maxsize=64)
def sections(text: str) -> tuple[Section, ...]:
    """Every heading of the note's markdown reading, with its section's extent.

    The headings are those links to ``#Heading`` see (``markdown.read``):
    ATX headings outside code, HTML, comments and frontmatter. A ``%%`` or
    ``<!-- -->`` comment hides what it holds from Obsidian's outline: a
    ``# Plots`` the user commented out is no section to write into. Cached by
    text: a note is scanned many times while its sections are updated.
    """
    heads = markdown.reading(text).headings
    out = []
    for i, (level, title, start, body_start) in enumerate(heads):
        end = next((h.start for h in heads[i + 1 :] if h.level <= level), len(text))
        out.append(Section(level, title, start, body_start, end))
    return tuple(out)


def find(text: str, title: str | tuple[str, ...], *, parent: str | tuple[str, ...] | None = None) -> Section | None:
    """The first section whose title matches ``title`` (or one of several spellings), as ``title_key`` compares.

    With ``parent``, only a section inside a section of that title.
    """
    want = _keys(title)
    all_sections = sections(text)
    scope = None
    if parent is not None:
        parents = _keys(parent)
        scope = next((s for s in all_sections if title_key(s.title) in parents), None)
        if scope is None:
            return None
    for s in all_sections:
        if title_key(s.title) in want and (scope is None or scope.start < s.start < scope.end):
            return s
    return None


_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def title_key(title: str) -> str:
    """A heading's title as compared: Obsidian's heading-link normalisation.

    Every ASCII punctuation character goes, runs of whitespace become one
    space, case is ignored: ``## sPAP:``, ``##  SPAP`` and ``## sPAP`` are one
    heading to a user, so they are one section to vaultkit.
    """
    return re.sub(r"\s+", " ", _PUNCTUATION.sub("", title)).strip().lower()  # JavaScript's toLowerCase, not casefold


def _keys(title: str | tuple[str, ...]) -> set[str]:
    # An empty heading ("## ") is a heading of the user's, never one vaultkit looks for.
    return {k for k in map(title_key, (title,) if isinstance(title, str) else title) if k}


def subsections(text: str, section: Section) -> list[Section]:
    """The headings nested in ``section``, in order."""
    return [s for s in sections(text) if section.body_start <= s.start < section.end]


def content_end(text: str, section: Section) -> int:
    """Where new lines go in a section: at the end of its last non-blank line.

    Only the blank lines after it are stepped back over; the last line's own
    trailing spaces (``## `` is a heading of the user's) stay on that line.
    """
    body = text[section.body_start : section.end]
    lines = body.splitlines(keepends=True)
    end = len(body)
    while lines and not lines[-1].strip():
        end -= len(lines.pop())
    if not lines:
        return section.body_start
    last = lines[-1]
    return section.body_start + end - (len(last) - len(last.rstrip("\r\n")))


def newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def insert_block(text: str, at: int, block: str) -> str:
    """Insert ``block`` (lines without surrounding blank lines) at ``at``.

    One blank line separates it from the text around it, except right under
    a heading, where it follows the heading line as the user's notes do.
    """
    nl = newline(text)
    before, after = text[:at], text[at:]
    last_line = before.rstrip("\r\n").rsplit("\n", 1)[-1]
    fm = frontmatter.span(text)
    at_top = not before.strip() or (fm is not None and at == fm[2])  # right under the properties is the top
    if (
        at_top
        or before.endswith(nl * 2)
        or (before.endswith(nl) and markdown.HEADING_LINE.match(last_line.rstrip("\r")))
    ):
        lead = ""
    elif before.endswith(nl):
        lead = nl
    else:
        lead = nl * 2
    if not before or before.endswith("\n"):
        # At a line's start the block brings its own line break; a blank line after it stays the
        # user's blank line instead of becoming the block's line end.
        trail = nl if not after or after.startswith(("\n", "\r\n")) else nl * 2
    elif after.startswith(nl * 2) or (after.startswith(nl) and not after.strip()):
        trail = ""
    elif after.startswith(nl) or not after:
        trail = nl
    else:
        trail = nl * 2
    return before + lead + block.replace("\n", nl) + trail + after
