"""YAML frontmatter: find it, read it, and change single keys without reflowing the rest.

python-frontmatter's dump sorts keys, reflows lists and drops the final
newline. Here an edit is a splice into the user's text: every byte that is
not the value being changed stays as written (design section 4).

Why spans from PyYAML's composer and not ruamel.yaml's round trip:
``yaml.compose`` (PyYAML is already a dependency) gives each top-level key and
value node its start and end marks, so the exact lines a key occupies are known
whatever its style: quoted or plain over several lines, ``|``/``>`` block
scalars, flow or block lists, trailing comments. A splice of those lines cannot
touch anything else, by construction, and an unchanged key is never re-emitted.
ruamel.yaml re-emits the whole document from its tree: it keeps most comments
and quotes, but re-indents sequences, folds long lines and normalises spacing
unless tuned per document, so its fidelity is a property of its emitter that we
cannot state locally; and it would be a new dependency. With spans the
guarantee is simple to state and to test (lines outside the span are
identical), and every result is parsed again before it is returned: an edit
that would not read back as exactly the intended mapping raises ValueError
instead of being written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.M)


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


# PyYAML is imported where a note has frontmatter: ``links check`` on a vault without any never loads it.


def safe_loader() -> type:
    """libyaml's loader when PyYAML was built with it: the pure-Python one is ten times slower."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    import yaml

    try:
        return (yaml.load(yaml_text, Loader=safe_loader()) if yaml_text.strip() else {}), None, None
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
    if data is None:
        data = {}  # only comments: no keys yet
    if not isinstance(data, dict):
        return Frontmatter(start, end, body, None, "frontmatter is not a mapping of keys", 2)
    return Frontmatter(start, end, body, data)


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
    import yaml

    if isinstance(value, str) and not value.isprintable():
        return json.dumps(value, ensure_ascii=False)  # one line: "\n" escaped (JSON strings are YAML)
    out = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    return out.removesuffix("\n...\n").removesuffix("\n")


def update(text: str, changes: dict[str, Any]) -> str:
    """Return ``text`` with the top-level frontmatter keys in ``changes`` set.

    Keys whose parsed value already equals the new one are left byte-for-byte;
    a changed key's lines (all of them, for a value over several lines) are
    replaced, a one-line value in place so that the key's spelling and a
    trailing comment stay; new keys are appended at the end of the
    frontmatter. A note without frontmatter gets one. A value of None removes
    the key. Raises ValueError when the existing YAML is broken, or when the
    edit would not read back as intended: vaultkit never rewrites what it
    cannot read.
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
    todo = {
        k: v
        for k, v in changes.items()
        if not (v is None and k not in fm.data)
        and not (v is not None and k in fm.data and fm.data[k] == v and type(fm.data[k]) is type(v))
    }
    if not todo:
        return text
    yaml_text = text[fm.start : fm.end]
    expected = {k: v for k, v in {**fm.data, **todo}.items() if not (k in todo and todo[k] is None)}
    for in_place in (True, False):
        edited = _splice(yaml_text, todo, in_place=in_place, nl="\r\n" if "\r\n" in (yaml_text or text) else "\n")
        parsed, error, _ = _parse(edited)
        if error is None and (parsed if parsed is not None else {}) == expected:
            return text[: fm.start] + edited + text[fm.end :]
    raise ValueError(
        "frontmatter cannot be edited without changing other keys (an anchor or alias?); "
        f"set {', '.join(map(repr, todo))} by hand"
    )


@dataclass(frozen=True)
class _Entry:
    """Where one top-level key sits: its whole lines [start, end), and its value's own span."""

    start: int
    end: int
    indent: int
    key_src: str
    value: yaml.Node
    value_start: int
    value_end: int


def _entries(yaml_text: str) -> dict[Any, _Entry]:
    """Each top-level key's span, from PyYAML's composer marks (the last of duplicate keys wins, as in loading)."""
    import yaml

    root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)  # pure Python: marks index this very str
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return {}
    lines = yaml_text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out: dict[Any, _Entry] = {}
    for key, value in root.value:
        first = key.start_mark.line
        end, last = value.end_mark, value.end_mark.line
        if end.column == 0 and last > first:
            last -= 1  # the value ended with its line break: the next token's line is not its own
        block = isinstance(value, yaml.ScalarNode) and value.style in ("|", ">")
        keep = block and "+" in lines[value.start_mark.line][value.start_mark.column :].split("#")[0]
        while last > first and not keep and end.column == 0 and _filler(lines[last], comments=not keep and not block):
            last -= 1  # blank lines and comments after a block value belong to what follows
        loaded = yaml.safe_load(yaml_text[key.start_mark.index : key.end_mark.index] + ": x")
        name = next(iter(loaded)) if isinstance(loaded, dict) else key.value
        out[name] = _Entry(
            starts[first],
            starts[last + 1],
            key.start_mark.column,
            yaml_text[key.start_mark.index : key.end_mark.index],
            value,
            value.start_mark.index,
            value.end_mark.index,
        )
    return out


def _filler(line: str, *, comments: bool) -> bool:
    stripped = line.strip()
    return not stripped or (comments and stripped.startswith("#"))


def _splice(yaml_text: str, todo: dict[str, Any], *, in_place: bool, nl: str) -> str:
    """``yaml_text`` with the keys of ``todo`` replaced, removed (None) or appended (lines end with ``nl``)."""
    entries = _entries(yaml_text)
    indent = min((e.indent for e in entries.values()), default=0)
    edits: list[tuple[int, int, str]] = []
    appended = ""
    for key, value in todo.items():
        entry = entries.get(key)
        if entry is None:
            if value is not None:
                appended += _indented(dump_key(key, value), indent).replace("\n", nl)
            continue
        if value is None:
            edits.append((entry.start, entry.end, ""))
        elif in_place and (inline := _inline(entry, value)) is not None:
            edits.append((entry.value_start, entry.value_end, inline))
        else:
            new = _indented(_entry_text(entry.key_src, value), entry.indent).replace("\n", nl)
            if entry.end == len(yaml_text) and not yaml_text.endswith(("\n", "\r")):
                new = new.removesuffix(nl)
            edits.append((entry.start, entry.end, new))
    for start, end, new in sorted(edits, reverse=True):
        yaml_text = yaml_text[:start] + new + yaml_text[end:]
    if appended:
        if yaml_text and not yaml_text.endswith("\n"):
            yaml_text += nl
        yaml_text += appended
    return yaml_text


def _inline(entry: _Entry, value: Any) -> str | None:
    """The new value's text to put in place of a one-line old value, in the old one's style; None if not one line."""
    import yaml

    node = entry.value
    if node.start_mark.line != node.end_mark.line or node.start_mark.index == node.end_mark.index:
        return None
    if isinstance(node, yaml.ScalarNode) and node.style in (None, "'", '"') and not isinstance(value, list | dict):
        if isinstance(value, str) and node.style == "'" and value.isprintable():
            return "'" + value.replace("'", "''") + "'"
        if isinstance(value, str) and node.style == '"':
            return json.dumps(value, ensure_ascii=False)
        return _scalar(value)
    if (
        isinstance(node, yaml.SequenceNode)
        and node.flow_style
        and isinstance(value, list)
        and all(not isinstance(v, list | dict) for v in value)
    ):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return None


def _entry_text(key_src: str, value: Any) -> str:
    """``dump_key`` with the key spelt as the user wrote it."""
    return key_src + dump_key("k", value)[1:]


def _indented(entry: str, indent: int) -> str:
    return "".join(" " * indent + line for line in entry.splitlines(keepends=True)) if indent else entry
