"""Where each target pointed, kept for a check of a vault with the same paths (an edited note changes none)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import age
from vaultkit.pipeline.links import links_check
from vaultkit.vault import index, resolvecache
from vaultkit.vault.check import check
from vaultkit.vault.paths import listing
from vaultkit.vault.resolve import Resolver

VAULT = {
    "a/src.md": "[[Note]] [[Dup]] [[x/Deep]] [[Gone]] [[NOTE]] ![[p.png]]\n",
    "b/src.md": "[[Dup]] [[Note#Top]]\n",
    "c/src.md": "[[Dup]]\n",
    "x/Note.md": "# Top\n",
    "a/Dup.md": "",
    "b/Dup.md": "",
    "d/Dup.md": "",
    "e/Dup.md": "",
    "y/x/Deep.md": "",
    "p.png": b"png",
}


def _fresh(root):
    return check(index.build(root, use_cache=False)).as_json()


def _edit(root, rel="c/src.md", text="[[Dup]] [[Note]] [[New target]]\n"):
    (root / rel).write_text(text)


def test_an_edited_note_takes_the_targets_answers_back(vault, monkeypatch):
    root = vault(VAULT)
    age(root)
    links_check(root)
    kept = resolvecache.load(root, resolvecache.paths_key(listing(root)), listing(root))
    assert (
        kept
        and kept["Note"] == "x/Note.md"
        and kept["Gone"] is None
        and sorted(kept["Dup"])
        == [
            "a/Dup.md",
            "b/Dup.md",
            "d/Dup.md",
            "e/Dup.md",
        ]
    )
    looked_up = []
    real = Resolver._pool
    monkeypatch.setattr(Resolver, "_pool", lambda self, key: looked_up.append(key) or real(self, key))
    _edit(root)
    report = links_check(root).as_json()
    assert looked_up == ["new target"]  # the only target not seen before
    assert report == _fresh(root)
    assert report["ambiguous"] and [a["source"] for a in report["ambiguous"]] == ["c/src.md"]
    assert "New target" in resolvecache.load(root, resolvecache.paths_key(listing(root)), listing(root))


@pytest.mark.parametrize("change", ["add", "remove", "rename"])
def test_a_changed_path_looks_every_target_up_again(vault, change):
    root = vault(VAULT)
    age(root)
    links_check(root)
    if change == "add":
        (root / "c/Dup.md").write_text("")  # now c/src.md's [[Dup]] is its own folder's
    elif change == "remove":
        (root / "x/Note.md").unlink()
    else:
        (root / "y/x/Deep.md").rename(root / "y/x/Shallow.md")
    assert links_check(root).as_json() == _fresh(root)


@pytest.mark.parametrize("damage", ["unknown-path", "bad-type", "short-pool", "lengths", "not-json"])
def test_damaged_answers_are_not_taken(vault, damage):
    root = vault(VAULT)
    age(root)
    links_check(root)
    path = root / ".vaultkit" / resolvecache.RESOLVED_FILE
    head, body = path.read_bytes().split(b"\n", 1)
    doc = json.loads(body)
    at = doc["targets"].index("Note")
    if damage == "unknown-path":  # taken, [[Gone]] would not be broken
        doc["found"][doc["targets"].index("Gone")] = "elsewhere/Gone.md"
    elif damage == "bad-type":
        doc["found"][at] = 3
    elif damage == "short-pool":
        doc["found"][at] = ["x/Note.md"]
    elif damage == "lengths":
        doc["found"].pop()
    body = b"{" if damage == "not-json" else json.dumps(doc).encode()
    path.write_bytes(head + b"\n" + body)
    _edit(root)
    assert links_check(root).as_json() == _fresh(root)
