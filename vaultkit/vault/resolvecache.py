"""Where each link target of the last check pointed, kept for a vault with the same paths.

Which file a wiki link's target finds depends on nothing but the vault's
paths (a pick among several candidates by the source's folder is made per
link, afterwards). A note edited in place changes no path, so the next check
takes the targets' answers back instead of looking each up again (on 50,000
notes, ~90,000 targets). Any file added, removed or renamed, or a change to
vaultkit's link code, changes the key, and every target is looked up.

JSON (data, never code): a first line with the format and the key, then the
targets and what each found. An answer naming a path the vault does not have
means a damaged file: it is ignored.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vaultkit.vault.paths import STATE_DIR
from vaultkit.vault.stamp import code_stamp

RESOLVED_FILE = "links.resolved"
_FORMAT = "vaultkit resolved targets"
_VERSION = 1


def paths_key(files: dict[str, tuple[int, int]]) -> str:
    """A digest of the vault's paths (not their sizes or times) and of the code that resolves them."""
    digest = hashlib.blake2b(f"{_FORMAT} {_VERSION} {code_stamp()}\n".encode(), digest_size=20)
    digest.update("\0".join(files).encode("utf-8", "surrogatepass"))  # "\n" may be in a name; NUL never
    return digest.hexdigest()


def load(root: Path, key: str, paths: dict[str, Any]) -> dict[str, str | list[str] | None] | None:
    """The kept answers, if made for the vault ``key`` names and every one a path of ``paths``; else None."""
    try:
        with open(root / STATE_DIR / RESOLVED_FILE, "rb") as fh:
            try:
                if json.loads(fh.readline()) != {"format": _FORMAT, "version": _VERSION, "key": key}:
                    return None
                doc = json.loads(fh.read())
            except (ValueError, RecursionError):
                return None
    except OSError:
        return None
    if type(doc) is not dict or type(doc.get("targets")) is not list or type(doc.get("found")) is not list:
        return None
    targets, found = doc["targets"], doc["found"]
    if len(targets) != len(found) or not set(map(type, targets)) <= {str}:
        return None
    named = [hit for hit in found if type(hit) is str]
    pools = [hit for hit in found if type(hit) is list]
    if len(named) + len(pools) + found.count(None) != len(found):
        return None
    if not all(len(pool) > 1 and set(map(type, pool)) <= {str} for pool in pools):
        return None
    if not (set(named) | {p for pool in pools for p in pool}) <= paths.keys():
        return None  # a path the vault does not have: damaged
    return dict(zip(targets, found, strict=True))


def save(root: Path, key: str, found: dict[str, str | list[str] | None]) -> None:
    """Keep ``found`` (``Resolver.remembered``) for the next check of a vault with the paths ``key`` names."""
    from vaultkit.vault.write import write_if_changed

    head = json.dumps({"format": _FORMAT, "version": _VERSION, "key": key}).encode()
    body = json.dumps({"targets": list(found), "found": list(found.values())}, ensure_ascii=False)
    try:
        (root / STATE_DIR).mkdir(exist_ok=True)
        write_if_changed(root / STATE_DIR / RESOLVED_FILE, head + b"\n" + body.encode("utf-8", "surrogatepass"))
    except OSError:
        pass  # a read-only vault still gets its check
