"""What the last refresh read and left behind, so that a refresh with nothing new costs nothing.

Kept in ``VAULT/.vaultkit/lastrun.json``: a digest of the inputs (settings,
Obsidian's link settings, the data tables' bytes, vaultkit's and the plot
style's versions) and a digest of the vault as the run left it (path, size
and modification time of every file outside dot-folders). When both match,
the association, the drawing and the notes would come out the same, so the
whole run is skipped. A file someone else changed while the run was going
is recorded as changed, so the next run looks at it. The file is data: a
broken or foreign one is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vaultkit.vault.paths import scan
from vaultkit.vault.write import STATE_DIR, write_if_changed

LASTRUN_FILE = "lastrun.json"
FORMAT = 1


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime in ns) of every file of the vault outside dot-folders (Obsidian's own view of it)."""
    # A note a killed run set aside is missing here: the vault differs from the one the last run left.
    return {rel: (st.st_size, st.st_mtime_ns) for rel, st in scan(root, asides=False)}


def snapshot_digest(files: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(sorted(files.items())).encode("utf-8")).hexdigest()


@dataclass
class LastRun:
    """The record of one refresh; ``matches`` says whether a new run would find the same world."""

    inputs: str = ""
    vault: str = ""
    data: dict[str, list[Any]] | None = None  # path -> [size, mtime_ns, sha256], to hash a table only when touched
    sources_until: float = 0.0  # online answers count as current until then (the HTTP cache's expiry)
    summary: dict[str, list[str]] | None = None  # notes, plots, warnings, sources: the report of a skipped run

    @classmethod
    def load(cls, root: Path) -> LastRun | None:
        try:
            raw = json.loads((root / STATE_DIR / LASTRUN_FILE).read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                return None
            return cls(
                inputs=str(raw["inputs"]),
                vault=str(raw["vault"]),
                data=dict(raw["data"]),
                sources_until=float(raw["sources_until"]),
                summary=dict(raw["summary"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, root: Path) -> None:
        payload = {
            "format": FORMAT,
            "inputs": self.inputs,
            "vault": self.vault,
            "data": self.data or {},
            "sources_until": self.sources_until,
            "summary": self.summary or {},
        }
        write_if_changed(
            root / STATE_DIR / LASTRUN_FILE, (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode()
        )


def data_hashes(paths: list[Path], known: dict[str, list[Any]] | None) -> dict[str, list[Any]]:
    """Content hashes of the data tables, reusing the last one while size and mtime are the same."""
    out: dict[str, list[Any]] = {}
    for path in paths:
        key = str(path)
        try:
            st = path.stat()
        except OSError:
            out[key] = [-1, -1, ""]
            continue
        old = (known or {}).get(key)
        if old and old[:2] == [st.st_size, st.st_mtime_ns]:
            out[key] = old
        else:
            out[key] = [st.st_size, st.st_mtime_ns, _hash_file(path)]
    return out


def inputs_digest(settings_repr: str, root: Path, data: dict[str, list[Any]], versions: tuple[str, ...]) -> str:
    """Everything besides the vault's own files that decides what a refresh writes."""
    h = hashlib.sha256()
    for part in (*versions, settings_repr):
        h.update(part.encode("utf-8") + b"\0")
    for name in ("vaultkit.toml", ".obsidian/app.json"):
        try:
            h.update((root / name).read_bytes())
        except OSError:
            h.update(b"-")
        h.update(b"\0")
    for key in sorted(data):
        h.update(f"{key}\0{data[key][2]}\0".encode())
    return h.hexdigest()


def left_behind(root: Path, before: dict[str, tuple[int, int]], written: set[str]) -> str:
    """The vault digest to remember after a run: files changed by someone else meanwhile count as unknown."""
    after: dict[str, Any] = dict(snapshot(root))
    for rel, stamp in after.items():
        if rel not in written and before.get(rel) != stamp:
            after[rel] = ("changed during the run", time.time_ns())
    return snapshot_digest(after)
