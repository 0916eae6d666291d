"""YAML frontmatter: find it, read it, and change single keys without reflowing the rest.

python-frontmatter's dump sorts keys, reflows lists and drops the final
newline; here a change touches only the lines of the keys that changed, so
the user's keys keep their order, values, comments and formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.M)
_TOP_KEY = re.compile(r"^([^\s#\-][^:\n]*?|\"[^\"\n]*\"|'[^'\n]*'):(?:[ \t]|$)", re.M)


@dataclass(frozen=True)
class Frontmatter:
    """Where the frontmatter sits in a note and what it holds.

    ``start``/``end`` delimit the YAML text between the fences; ``body_start``
    is where the note body begins. ``data`` is None when the YAML is broken,
    with ``error`` and ``error_line`` (1-based line in the note) saying why.
    """

    start: int
    end: int
    body_start: int
    data: dict[str, Any] | None
    error: str | None = None
    error_line: int | None = None


# libyaml's loader when PyYAML was built with it: the pure-Python one is ten times slower.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def span(text: str) -> tuple[int, int, int] | None:
    """(YAML start, YAML end, body start) of the frontmatter, without parsing it."""
    m = _OPEN.match(text)
    if not m:
        return None
    close = _CLOSE.search(text, m.end())
    if not close:
        return None
    return m.end(), close.start(), close.end()


@lru_cache(maxsize=256)
def _parse(yaml_text: str) -> tuple[Any, str | None, int | None]:
    """Parsed YAML (shared between callers: never mutate it), or the error and its line."""
    try:
        return (yaml.load(yaml_text, Loader=_Loader) if yaml_text.strip() else {}), None, None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, f"broken YAML: {reason}", (2 + mark.line if mark is not None else 1)


def find(text: str) -> Frontmatter | None:
    """Locate and parse the frontmatter of ``text``; None if the note has none."""
    where = span(text)
    if where is None:
        return None
    start, end, body = where
    data, error, line = _parse(text[start:end])
    if error is not None:
        return Frontmatter(start, end, body, None, error, line)
    if not isinstance(data, dict):
        return Frontmatter(start, end, body, None, "frontmatter is not a mapping of keys", 2)
    return Frontmatter(start, end, body, data)


def _key_blocks(yaml_text: str) -> dict[str, tuple[int, int]]:
    """Span of each top-level key's lines (the key line and its indented continuation)."""
    starts = [(m.start(), m.group(1).strip("\"'")) for m in _TOP_KEY.finditer(yaml_text)]
    blocks: dict[str, tuple[int, int]] = {}
    for i, (pos, key) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(yaml_text)
        # Trailing comment or blank lines belong to what follows, not to this key.
        chunk = yaml_text[pos:end]
        lines = chunk.splitlines(keepends=True)
        while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")) and lines[-1][:1] not in " \t-":
            lines.pop()
        blocks[key] = (pos, pos + sum(map(len, lines)))
    return blocks


def dump_key(key: str, value: Any) -> str:
    """One top-level ``key: value`` in block style, as Obsidian's Properties write it.

    The key is quoted when YAML would read it as something else (``on``, ``yes``, ``1``).
    """
    name = _scalar(key)
    if isinstance(value, list):
        if not value:
            return f"{name}: []\n"
        items = "".join("  - " + _scalar(v) + "\n" for v in value)
        return f"{name}:\n{items}"
    return f"{name}: {_scalar(value)}\n"


def _scalar(value: Any) -> str:
    out = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    return out.removesuffix("\n...\n").removesuffix("\n")


def update(text: str, changes: dict[str, Any]) -> str:
    """Return ``text`` with the top-level frontmatter keys in ``changes`` set.

    Keys whose parsed value already equals the new one are left byte-for-byte;
    changed keys are rewritten in place; new keys are appended at the end of
    the frontmatter. A note without frontmatter gets one. A value of None
    removes the key. Raises ValueError when the existing YAML is broken:
    vaultkit never rewrites what it cannot read.
    """
    fm = find(text)
    if fm is None:
        added = "".join(dump_key(k, v) for k, v in changes.items() if v is not None)
        if not added:
            return text
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        nl = "\r\n" if "\r\n" in text else "\n"
        return bom + ("---\n" + added + "---\n").replace("\n", nl) + text[len(bom) :]
    if fm.data is None:
        raise ValueError(fm.error or "broken frontmatter")
    yaml_text = text[fm.start : fm.end]
    nl = "\r\n" if "\r\n" in yaml_text else "\n"
    blocks = _key_blocks(yaml_text)
    edits: list[tuple[int, int, str]] = []
    appended = ""
    for key, value in changes.items():
        if value is None and key not in fm.data:
            continue
        if value is not None and key in fm.data and fm.data[key] == value and type(fm.data[key]) is type(value):
            continue
        new = "" if value is None else dump_key(key, value).replace("\n", nl)
        if key in blocks:
            edits.append((*blocks[key], new))
        else:
            appended += new
    if not edits and not appended:
        return text
    for start, end, new in sorted(edits, reverse=True):
        yaml_text = yaml_text[:start] + new + yaml_text[end:]
    if appended:
        if yaml_text and not yaml_text.endswith("\n"):
            yaml_text += nl
        yaml_text += appended
    return text[: fm.start] + yaml_text + text[fm.end :]
