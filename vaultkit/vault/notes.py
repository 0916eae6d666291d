"""Reading notes tolerantly: a bad note becomes a finding, the rest go on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vaultkit.vault import frontmatter
from vaultkit.vault.paths import aside_of

MAX_NOTE_BYTES = 20 * 1024 * 1024  # larger than any hand-written note; likely a dump
# Limits checked on the YAML text before PyYAML builds anything from it (frontmatter_guard).
MAX_FRONTMATTER_CHARS = 1024 * 1024  # Obsidian's Properties are a few lines; a megabyte is a dump or an attack
MAX_YAML_DEPTH = 64  # properties are flat or one list deep; PyYAML's constructor recurses per level
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 100_000  # values with every alias expanded: a billion-laughs bomb has 10**9


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
        return _fail(
            rel, data.count(b"\n", 0, data.index(b"\x00")) + 1, "binary content (NUL byte); not a note, left untouched"
        )
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
    if not os.path.lexists(path) and aside_of(path).is_file():
        path = aside_of(path)  # set aside by a killed vaultkit, not yet put back (see ``paths.scan``)
    try:
        size = path.stat().st_size
        if size > MAX_NOTE_BYTES:
            _fail(rel, 1, f"{size} bytes is larger than {MAX_NOTE_BYTES}; left untouched")
        data = path.read_bytes()
    except OSError as exc:
        _fail(rel, 1, f"cannot read: {exc.strerror}")
    text = decode(rel, data)
    frontmatter_guard(rel, text)
    return text


def frontmatter_guard(rel: str, text: str) -> None:
    """UnreadableNote for frontmatter too large, too deep or with an alias bomb; else nothing.

    Runs on the YAML text before it is parsed into values: libyaml's event
    parser (a state machine, linear in the text, no recursion, aliases not
    expanded) measures the size every value would have with its aliases
    expanded, the number of aliases and the nesting depth. YAML anchors and
    aliases are allowed (a user may write them; Obsidian keeps them) as long
    as what they expand to stays small. Broken YAML is left to
    ``frontmatter.find``, which reports it with its line.
    """
    where = frontmatter.span(text)
    if where is None:
        return
    start, end, _ = where
    yaml_text = text[start:end]
    if len(yaml_text) > MAX_FRONTMATTER_CHARS:
        _fail(
            rel, 2, f"frontmatter of {len(yaml_text)} characters is larger than {MAX_FRONTMATTER_CHARS}; left untouched"
        )
    # Fast path: every level of nesting needs one of these characters, and without "&" and "*" nothing expands.
    if "&" not in yaml_text and "*" not in yaml_text and sum(map(yaml_text.count, "[{-:?")) <= MAX_YAML_DEPTH:
        return
    _check_events(rel, yaml_text)


def _check_events(rel: str, yaml_text: str) -> None:
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[list] = []  # open collections: [anchor, expanded size so far]
    aliases = 0

    def close(anchor: str | None, size: int) -> None:
        if anchor:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
            if stack[-1][1] > MAX_YAML_NODES:
                _fail(
                    rel,
                    2,
                    f"frontmatter YAML expands to more than {MAX_YAML_NODES} values (an alias bomb?); left untouched",
                )

    import yaml  # here: a vault with no frontmatter never loads PyYAML

    try:
        for event in yaml.parse(yaml_text, Loader=frontmatter.safe_loader()):
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_YAML_DEPTH:
                    _fail(
                        rel,
                        2 + event.start_mark.line,
                        f"frontmatter YAML is nested more than {MAX_YAML_DEPTH} levels deep; left untouched",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, size = stack.pop()
                close(anchor, size)
            elif isinstance(event, yaml.ScalarEvent):
                close(event.anchor, 1)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    _fail(
                        rel,
                        2 + event.start_mark.line,
                        f"frontmatter YAML has more than {MAX_YAML_ALIASES} aliases (*name); left untouched",
                    )
                close(None, sizes.get(event.anchor or "", 1))
    except yaml.YAMLError:
        return  # broken YAML: frontmatter.find reports it (nothing before the error broke a limit)


def frontmatter_finding(rel: str, text: str) -> Finding | None:
    """A finding for broken frontmatter YAML, with the line it breaks on."""
    fm = frontmatter.find(text)
    if fm is not None and fm.data is None:
        return Finding(rel, fm.error_line or 1, fm.error or "broken frontmatter")
    return None
