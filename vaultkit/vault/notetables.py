"""Tables in a note's text, markdown pipe tables and HTML ``<table>``s alike: rows of cells with their lines.

Pasted gene pages carry their facts in tables: a wiki infobox in HTML, a
"| NCBI Gene ID | 3977 |" block in markdown. Only the cell text and the line
it sits on are needed, so this reads no more structure than that, and never
rewrites anything.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass

from vaultkit.vault import markdown

# Possessive runs (*+): a line of blanks is given back one at a time otherwise, each try rescanning the
# rest (13 s for a line of 30,000 spaces).
_SEPARATOR = re.compile(r"^[ \t]*+\|?[ \t]*+:?-{3,}:?[ \t]*+(?:\|[ \t]*+:?-{3,}:?[ \t]*+)*+\|?[ \t]*+$")
_ROW = re.compile(r"<tr\b[^>]*>(.*?)(?=<tr\b|</tr\s*>|</table\s*>|\Z)", re.I | re.S)
_CELL = re.compile(r"<(t[dh])\b[^>]*>(.*?)(?=<t[dh]\b|</t[dh]\s*>|</tr\s*>|\Z)", re.I | re.S)
_TAG = re.compile(r"<[^>\n]{0,500}>")


@dataclass(frozen=True)
class Cell:
    text: str
    line: int
    header: bool = False


@dataclass(frozen=True)
class Table:
    """Rows of cells; ``header`` is the column titles when the table has a header row, else ()."""

    rows: tuple[tuple[Cell, ...], ...]
    header: tuple[Cell, ...] = ()


class Lines:
    """Offset -> 1-based line number."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def blank(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with every match of ``pattern`` replaced by spaces (newlines kept): offsets stay valid."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def without_code(text: str) -> str:
    """Code blocks (fenced and indented, as the note's markdown reading finds them) blanked out:
    nothing in code is a fact of the note. ``text`` is a note's body or a whole note."""
    spans = markdown.reading(text).code_blocks
    if not spans:
        return text
    chars = list(text)
    for a, b in spans:
        chars[a:b] = [c if c == "\n" else " " for c in chars[a:b]]
    return "".join(chars)


def tables(text: str) -> list[Table]:
    """Every markdown and HTML table of ``text`` (frontmatter and code are the caller's to blank out)."""
    lines = Lines(text)
    return _pipe_tables(text) + _html_tables(text, lines)


def _cells(row: str) -> list[str]:
    # "\|" is a pipe inside a cell (a wiki-link alias in a table), not a column break.
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)]


def _pipe_tables(text: str) -> list[Table]:
    out: list[Table] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.replace("\r\n", "\n").split("\n"), ""], start=1):
        if "|" in line:
            block.append((number, line))
            continue
        if block:
            # A GFM table has a separator row; without one, only lines that open with "|" are rows
            # (a prose line with "[[a|b]]" in it is not a table).
            if (len(block) >= 2 and _SEPARATOR.match(block[1][1])) or all(
                ln.lstrip().startswith("|") for _, ln in block
            ):
                out.append(_pipe_table(block))
            block = []
    return out


def _pipe_table(block: list[tuple[int, str]]) -> Table:
    header: tuple[Cell, ...] = ()
    if len(block) >= 2 and _SEPARATOR.match(block[1][1]):
        header = tuple(Cell(c, block[0][0], True) for c in _cells(_strip_edges(block[0][1])))
        block = block[2:]
    rows = tuple(
        tuple(Cell(c, n) for c in _cells(_strip_edges(line))) for n, line in block if not _SEPARATOR.match(line)
    )
    return Table(rows, header)


def _strip_edges(line: str) -> str:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    return line[:-1] if line.endswith("|") and not line.endswith("\\|") else line


def _html_tables(text: str, lines: Lines) -> list[Table]:
    if "<t" not in text.lower():
        return []
    out = []
    for chunk in re.finditer(r"<table\b.*?(?:</table\s*>|\Z)", text, re.I | re.S):
        rows = []
        for row in _ROW.finditer(chunk.group()):
            base = chunk.start() + row.start(1)
            cells = tuple(
                Cell(_plain(c.group(2)), lines(base + c.start(2)), c.group(1).lower() == "th")
                for c in _CELL.finditer(row.group(1))
            )
            if cells:
                rows.append(cells)
        header: tuple[Cell, ...] = ()
        if len(rows) > 1 and all(c.header for c in rows[0]) and len(rows[0]) > 1:
            header = rows.pop(0)
        out.append(Table(tuple(rows), header))
    return out


def _plain(cell_html: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", cell_html))).strip()
