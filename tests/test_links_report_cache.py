"""The kept ``links check`` report: read back for an unchanged vault, never for a changed one."""

from __future__ import annotations

import os
import time

import pytest

from tests.helpers import age, refuse_reading
from vaultkit.pipeline.links import links_check
from vaultkit.vault import index, parsecache, reportcache
from vaultkit.vault.check import check
from vaultkit.vault.paths import listing

VAULT = {
    "a.md": "[[b]] [[b#Top]] ![[pic.png]] [[Gone]]\n",
    "b.md": "# Top\n",
    "x/b.md": "[[b]]\n",
    "pic.png": b"png",
    "old.png": b"png",
}
HOUR = 3600 * 10**9


def _fresh(root):
    return check(index.build(root, use_cache=False)).as_json()


def _kept(root):
    return (root / ".vaultkit" / reportcache.REPORT_FILE).exists()


@pytest.fixture
def no_checking(monkeypatch):
    """Make a check that does not read the report back fail loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("the vault was read again")

    return lambda: monkeypatch.setattr(index, "build", refuse)


def test_an_unchanged_vault_gets_its_report_back_without_reading_a_note(vault, no_checking):
    root = vault(VAULT)
    age(root)
    first = links_check(root).as_json()
    assert first == _fresh(root) and first["broken"] and first["orphans"] == ["old.png"]
    no_checking()
    assert links_check(root).as_json() == first


@pytest.mark.parametrize(
    "change",
    [
        "edit",
        "edit-same-mtime-other-size",
        "add-note",
        "add-attachment",
        "delete-note",
        "delete-attachment",
        "rename-note",
        "rename-folder",
        "touch",
    ],
)
def test_any_change_to_a_file_makes_a_new_report(vault, change):
    root = vault(VAULT)
    age(root)
    links_check(root)
    a, b = root / "a.md", root / "b.md"
    if change == "edit":
        a.write_text("[[b#Nowhere]] [[Gone]] [[Gone too]]\n")
    elif change == "edit-same-mtime-other-size":
        st = b.stat()
        b.write_text("# Other\n")
        os.utime(b, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif change == "add-note":
        (root / "Gone.md").write_text("")
    elif change == "add-attachment":
        (root / "new.png").write_bytes(b"png")
    elif change == "delete-note":
        b.unlink()
    elif change == "delete-attachment":
        (root / "pic.png").unlink()
    elif change == "rename-note":
        b.rename(root / "c.md")
    elif change == "rename-folder":
        (root / "x").rename(root / "y")
    elif change == "touch":
        os.utime(a)
    expected = _fresh(root)
    assert links_check(root).as_json() == expected
    if change != "touch":
        assert expected != reportcache.load(root, "no such vault") and _fresh(root) == expected


def test_a_file_no_older_than_the_report_keeps_no_report(vault):
    root = vault(VAULT)
    age(root)
    future = time.time_ns() + HOUR
    os.utime(root / "b.md", ns=(future, future))  # as if written in the report's own tick, or later
    first = links_check(root).as_json()
    assert not _kept(root)
    # Written again with the same size and mtime: seen, because neither cache trusted that file.
    (root / "b.md").write_text("# Tip\n")
    os.utime(root / "b.md", ns=(future, future))
    again = links_check(root).as_json()
    assert again == _fresh(root) and again != first
    assert [m["anchor"] for m in again["missing_anchors"]] == ["#Top"]


def test_a_note_that_could_not_be_read_is_read_next_time(vault, monkeypatch):
    root = vault(VAULT)
    age(root)
    real = refuse_reading(monkeypatch, lambda rel: rel == "b.md")
    assert links_check(root).as_json()["unreadable"]
    assert not _kept(root)
    monkeypatch.setattr(index, "_read", real)  # chmod +r: no mtime changes
    assert links_check(root).as_json() == _fresh(root) and _kept(root)


def test_a_damaged_report_is_made_again(vault):
    root = vault(VAULT)
    age(root)
    first = links_check(root).as_json()
    path = root / ".vaultkit" / reportcache.REPORT_FILE
    head, body = path.read_bytes().split(b"\n", 1)
    for damaged in (head + b"\n" + body[:-5], head + b"\n" + body.replace(b'"links":', b'"lynx":'), b"{", b""):
        path.write_bytes(damaged)
        assert links_check(root).as_json() == first
        assert path.read_bytes() == head + b"\n" + body


def test_the_report_follows_the_parse_cache_version():
    assert reportcache._VERSION[0] == parsecache.VERSION


def test_a_change_to_the_link_layers_code_drops_both_caches(vault, monkeypatch):
    from vaultkit.vault import stamp

    assert all(part in stamp.code_stamp() for part in ("linkparse.py:", "markdown.py:", "check.py:", "markdown_it:"))
    root = vault(VAULT)
    age(root)
    links_check(root)
    key = reportcache.fingerprint(listing(root))
    assert reportcache.load(root, key) is not None and parsecache.load(root / ".vaultkit" / parsecache.CACHE_FILE)[0]
    edited = stamp.code_stamp() + ";parser.py:1:2"  # as if a module were edited, or another branch checked out
    monkeypatch.setattr(reportcache, "code_stamp", lambda: edited)
    monkeypatch.setattr(parsecache, "code_stamp", lambda: edited)
    assert reportcache.fingerprint(listing(root)) != key
    assert parsecache.load(root / ".vaultkit" / parsecache.CACHE_FILE) == ({}, 0)


def test_a_report_with_findings_of_a_notes_content_is_kept(vault, no_checking):
    root = vault({**VAULT, "bad.md": "---\nbroken: [\n---\n[[b]]\n", "bin.md": b"\x00\x01"})
    age(root)
    first = links_check(root).as_json()
    assert {u["path"] for u in first["unreadable"]} == {"bad.md", "bin.md"} and _kept(root)
    no_checking()
    assert links_check(root).as_json() == first
