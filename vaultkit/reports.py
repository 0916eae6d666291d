"""The reports the public API returns: frozen records whose fields are the commands' ``--json`` documents.

Each field holds exactly the value of the JSON key of the same name (lists,
dicts, numbers and strings, typed with TypedDicts), so ``report.to_json()``
is ``links check --json`` or ``refresh --json``, and the command line prints
that. A field marked ``json=False`` (a dry run's diff) is for Python callers
only: the command line prints it as text instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict


class _Report:
    """``to_json``: the fields, in order, but those marked ``json=False``."""

    def to_json(self) -> dict[str, Any]:
        """The report as the command's ``--json`` document (plain dicts and lists, ready for ``json.dumps``)."""
        assert dataclasses.is_dataclass(self)
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.metadata.get("json", True)}


def _plain(value: Any) -> Any:
    """A deep copy made of dicts and lists, so a caller editing the document cannot change the report."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------- links check


class BrokenLink(TypedDict):
    """A link that points to no file."""

    source: str  # the note the link is written in (vault path)
    line: int
    target: str  # as written, without the heading or block part
    embed: bool
    reason: NotRequired[str]  # e.g. "climbs out of the vault"
    suggestion: NotRequired[str]  # a link to the note that has the target as an alias


class AmbiguousLink(TypedDict):
    """A link that two or more files answer equally well (Obsidian picks the first in sorted order)."""

    source: str
    line: int
    target: str
    embed: bool
    candidates: list[str]


class MissingAnchor(TypedDict):
    """A link whose file exists but whose ``#heading`` or ``#^block`` does not."""

    source: str
    line: int
    target: str
    embed: bool
    anchor: str
    resolved: str  # the file the link points to


class Unreadable(TypedDict):
    """A note that could not be read (bad frontmatter, undecodable text); the others were."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class LinkReport(_Report):
    """What :meth:`vaultkit.Vault.check_links` found; ``to_json()`` is ``vaultkit links check --json``."""

    notes: int
    files: int
    links: int
    broken: list[BrokenLink]
    ambiguous: list[AmbiguousLink]
    orphans: list[str]  # attachments no note links to or embeds
    missing_anchors: list[MissingAnchor]
    unreadable: list[Unreadable]

    @property
    def ok(self) -> bool:
        """No broken or ambiguous link and no unreadable note (the command's exit code 0)."""
        return not (self.broken or self.ambiguous or self.unreadable)


# ---------------------------------------------------------------- links rename


@dataclass(frozen=True)
class RenameReport(_Report):
    """What :meth:`vaultkit.Vault.rename` did (or, in a dry run, would do)."""

    moves: dict[str, str]  # vault path before -> after, every file moved
    rewritten: int  # links rewritten
    notes: list[str]  # files whose text changed (vault paths before the move)
    warnings: list[str]
    dry_run: bool
    # A dry run's unified diff of every changed file, then the moves (``links rename --dry-run`` prints it);
    # "" after a real rename, whose diff nobody reads and which would cost a diff of every changed note.
    diff: str = field(default="", metadata={"json": False}, repr=False)


# ---------------------------------------------------------------- refresh


class NoteCounts(TypedDict):
    created: list[str]
    updated: list[str]
    unchanged: int


class PlotCounts(TypedDict):
    drawn: list[str]
    kept: int
    retired: list[str]  # plots no note embeds any more, moved to .trash/


class FileCounts(TypedDict):
    """Files vaultkit manages that are not notes (``Genes.base``, ``Associations.canvas``, ...)."""

    created: list[str]
    updated: list[str]


class Conflict(TypedDict):
    """A file or section edited by hand that vaultkit left as it is."""

    path: str
    message: str


class PastedKept(TypedDict):
    """A section the user pasted into a note, kept as it is."""

    path: str
    section: str


@dataclass(frozen=True)
class RefreshReport(_Report):
    """What :meth:`vaultkit.Vault.refresh` did; ``to_json()`` is ``vaultkit refresh --json``."""

    notes: NoteCounts
    plots: PlotCounts
    files: FileCounts
    sources: dict[str, str]  # source name -> "fetched", "cached", "failed: ...", ...
    conflicts: list[Conflict]
    unreadable: list[Unreadable]
    pasted_kept: list[PastedKept]
    warnings: list[str]
    skipped: bool  # nothing changed since the last refresh: nothing was computed, drawn or written
    inputs: list[str]  # what reading the tables found (delimiter, suffix, samples)
    diff: str = field(default="", metadata={"json": False}, repr=False)  # of a dry run: what would be written

    @property
    def ok(self) -> bool:
        """No conflict, no unreadable note, no source that failed (the command's exit code 0)."""
        failed = any(status.startswith("failed") for status in self.sources.values())
        return not (self.conflicts or self.unreadable or failed)
