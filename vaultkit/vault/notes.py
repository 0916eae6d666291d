"""Reading notes tolerantly: a bad note becomes a finding, the rest go on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vaultkit.vault import frontmatter

MAX_NOTE_BYTES = 20 * 1024 * 1024  # larger than any hand-written note; likely a dump


@dataclass(frozen=True)
class Finding:
    """Something wrong with a file, reported with its vault-relative path and line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class UnreadableNote(Exception):
    """A note vaultkit will not read or write; carries the finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def decode(rel: str, data: bytes) -> str:
    """Text of a note's bytes; UnreadableNote for binary or non-UTF-8 content."""
    if b"\x00" in data:
        return _fail(rel, data.count(b"\n", 0, data.index(b"\x00")) + 1, "binary content (NUL byte); not a note, left untouched")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return _fail(rel, line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); left untouched")


def _fail(rel: str, line: int, message: str) -> str:
    raise UnreadableNote(Finding(rel, line, message))


def read_text(root: Path, rel: str) -> str:
    """Read a note as text; UnreadableNote if it is too large, binary or not UTF-8."""
    path = root / rel
    try:
        size = path.stat().st_size
        if size > MAX_NOTE_BYTES:
            _fail(rel, 1, f"{size} bytes is larger than {MAX_NOTE_BYTES}; left untouched")
        data = path.read_bytes()
    except OSError as exc:
        _fail(rel, 1, f"cannot read: {exc.strerror}")
    return decode(rel, data)


def frontmatter_finding(rel: str, text: str) -> Finding | None:
    """A finding for broken frontmatter YAML, with the line it breaks on."""
    fm = frontmatter.find(text)
    if fm is not None and fm.data is None:
        return Finding(rel, fm.error_line or 1, fm.error or "broken frontmatter")
    return None
