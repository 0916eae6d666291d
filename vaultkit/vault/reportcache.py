"""The last ``links check`` report, kept with a fingerprint of the vault it was made from.

A report depends on nothing but the vault's files: the text of its notes and
canvases and the paths of all the others. When every visible file has the
path, size and mtime it had when the report was made, the report is read back
instead of made again: no note is read and no link resolved. Any file added,
removed, renamed or written changes the fingerprint, and the check runs.

A file written in the same tick of the file system's clock as the report
(``racy``, as git calls it) could be written again within that tick, keeping
its size and mtime; a report made from such a vault is not kept. Every file
the fingerprint trusts is older than the report, so any later write gives it
a newer mtime. A report with a note the file system refused is not kept either:
making it readable (``chmod``) changes no mtime. (A note that is no UTF-8 or has
broken YAML is a finding of its content, kept like any other.)

The file is JSON (data, never code): a first line with the format, version
and fingerprint, then the report as ``links check --json`` prints it. A file
that is not that is ignored, and the next check replaces it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vaultkit import __version__
from vaultkit.vault.paths import STATE_DIR
from vaultkit.vault.stamp import code_stamp

REPORT_FILE = "links.report"
_FORMAT = "vaultkit links report"
# The parse cache's version (parsecache.VERSION, which a test keeps equal) and this file's own: a change
# to what a note parses to changes its reports too.
_VERSION = (9, 1)
_COUNTS = ("notes", "files", "links")
_LISTS = {"broken": dict, "ambiguous": dict, "orphans": str, "missing_anchors": dict, "unreadable": dict}


def fingerprint(files: dict[str, tuple[int, int]]) -> str:
    """A digest of every file's path, size and mtime, and of what made the report (vaultkit and its code)."""
    digest = hashlib.blake2b(f"{_FORMAT} {_VERSION} {__version__} {code_stamp()}\n".encode(), digest_size=20)
    # surrogatepass: a file name that is no valid UTF-8 (os.fsdecode's escapes) still has its own bytes
    listing = "\n".join([f"{rel}\0{size}\0{mtime}" for rel, (size, mtime) in files.items()])
    digest.update(listing.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def load(root: Path, key: str) -> dict[str, Any] | None:
    """The kept report (the ``--json`` document) if it was made from the vault ``key`` fingerprints, else None."""
    try:
        with open(root / STATE_DIR / REPORT_FILE, "rb") as fh:
            head = fh.readline()
            try:
                if json.loads(head) != {"format": _FORMAT, "version": list(_VERSION), "key": key}:
                    return None  # another vault state (or vaultkit): the check runs and replaces it
            except ValueError:
                return None
            body = fh.read()
    except OSError:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if _well_formed(doc) else None


def _well_formed(doc: Any) -> bool:
    """The report's keys, each holding a value of its type (the file is not trusted: a program may print it)."""
    if type(doc) is not dict or doc.keys() != {*_COUNTS, *_LISTS}:
        return False
    if any(type(doc[name]) is not int for name in _COUNTS):
        return False
    return all(type(doc[name]) is list and set(map(type, doc[name])) <= {kind} for name, kind in _LISTS.items())


def save(root: Path, key: str, report: dict[str, Any], files: dict[str, tuple[int, int]]) -> None:
    """Keep ``report``, made from the vault ``key`` fingerprints, unless a file is racy.

    The caller keeps no report of a vault with a note the file system refused (``VaultIndex.unread``).
    """
    from vaultkit.vault.write import write_if_changed

    path = root / STATE_DIR / REPORT_FILE
    head = json.dumps({"format": _FORMAT, "version": list(_VERSION), "key": key}).encode()
    body = json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    try:
        path.parent.mkdir(exist_ok=True)
        write_if_changed(path, head + b"\n" + body)
        newest = max((mtime for _, mtime in files.values()), default=0)
        if newest >= path.stat().st_mtime_ns:
            path.unlink()  # racy: see the module's docstring
    except OSError:
        pass  # a read-only vault still gets its check, just without keeping it
