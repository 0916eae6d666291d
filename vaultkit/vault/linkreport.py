"""The findings of ``links check``, apart from the checking: a report read back from its cache needs no parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class LinkReport:
    """The findings of a link check; ``as_json`` is the contract of ``links check --json``."""

    notes: int
    files: int
    links: int
    broken: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    missing_anchors: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.broken or self.ambiguous or self.unreadable)

    def as_json(self) -> dict[str, Any]:
        return {
            "notes": self.notes,
            "files": self.files,
            "links": self.links,
            "broken": self.broken,
            "ambiguous": self.ambiguous,
            "orphans": self.orphans,
            "missing_anchors": self.missing_anchors,
            "unreadable": self.unreadable,
        }
