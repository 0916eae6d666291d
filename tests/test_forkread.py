"""Notes parsed in forked children: the same index as one process makes, whatever a child does."""

from __future__ import annotations

import json
import sys
import threading
import types
from unittest.mock import patch

import pytest

from tests.helpers import age, refuse_reading
from tests.test_links_cache import VAULT
from vaultkit.vault import forkread, index, parsecache

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="children are forked on Linux only")

# Every kind of note of the links cache's test vault, ten times over, with unreadable ones among them.
NOTES = {f"{k}/{name}": text for k in range(10) for name, text in VAULT.items()}
NOTES.update({f"bad{k}.md": "---\na: [\n---\n[[x]]\n" for k in range(3)})


@pytest.fixture
def forked(monkeypatch):
    """Children for every share of one note and up, counted; in this test process (which may hold
    other threads, the reason ``can_fork`` refuses) they are forced."""
    started = []
    real = forkread._fork

    def counted(share, work):
        started.append(share)
        return real(share, work)

    monkeypatch.setattr(forkread, "MIN_SHARE", 1)
    monkeypatch.setattr(forkread, "cores", lambda: 3)
    monkeypatch.setattr(forkread, "can_fork", lambda: True)
    monkeypatch.setattr(forkread, "_fork", counted)
    return started


def _alone(root):
    with patch.object(forkread, "split", lambda rels: [rels]):
        return index.build(root, use_cache=False)


def test_children_give_the_index_one_process_makes(vault, forked, monkeypatch):
    root = vault(NOTES)
    expected = _alone(root)
    sent = []
    real = forkread._decoded
    monkeypatch.setattr(forkread, "_decoded", lambda head, segment: sent.append(real(head, segment)) or sent[-1])
    got = index.build(root, use_cache=False)
    assert len(forked) == 2  # three shares: this process's and two children's
    assert [set(entries) for entries, _ in sent] == [set(share) for share in forked]  # both were believed
    assert got.parsed == expected.parsed and got.findings == expected.findings
    assert list(got.parsed) == list(expected.parsed)  # in the vault's order, whoever read them
    assert not got.unread


def test_the_cache_children_help_build_holds_what_one_process_puts_in_it(vault, forked, monkeypatch):
    root = vault(NOTES)
    age(root)
    index.build(root)
    path = root / ".vaultkit" / parsecache.CACHE_FILE
    with_children = path.read_bytes()
    # This process's share and each child's, one segment each (made while the others read; the children's
    # bytes written as they came).
    assert with_children.count(b'{"format": "vaultkit links cache"') == 3
    path.unlink()
    monkeypatch.setattr(forkread, "can_fork", lambda: False)
    index.build(root)
    alone = path.read_bytes()
    assert alone.count(b'{"format": "vaultkit links cache"') == 1
    assert parsecache.loads(with_children) == parsecache.loads(alone)
    path.write_bytes(with_children)
    forked.clear()
    again = index.build(root)  # every note a hit in the segmented cache: nothing read, nothing forked
    assert not forked and again.parsed == _alone(root).parsed and path.read_bytes() == with_children


def test_a_failing_child_leaves_its_share_to_this_process(vault, forked, monkeypatch):
    root = vault(NOTES)
    expected = _alone(root)

    def boom(_):
        raise RuntimeError("a child that dies")

    # The children (forked after this) die before sending; this process reads their shares itself.
    monkeypatch.setattr(forkread, "json", types.SimpleNamespace(dumps=boom, loads=json.loads))
    got = index.build(root, use_cache=False)
    assert len(forked) == 2
    assert got.parsed == expected.parsed and got.findings == expected.findings


def test_a_child_sending_damaged_bytes_is_not_believed(vault, forked, monkeypatch):
    root = vault(NOTES)
    expected = _alone(root)
    real = forkread._drain
    monkeypatch.setattr(forkread, "_drain", lambda fd: real(fd)[:-7])
    got = index.build(root, use_cache=False)
    assert got.parsed == expected.parsed and got.findings == expected.findings


def test_a_note_a_child_could_not_read_is_still_unread(vault, forked, monkeypatch):
    root = vault(NOTES)
    # Shares are interleaved: some of these fall to each child.
    real = refuse_reading(monkeypatch, lambda rel: rel.startswith(("3/", "4/")))
    got = index.build(root)
    assert got.unread and {f.path for f in got.findings} >= {f"3/{n}" for n in VAULT if n.endswith(".md")}
    # A note that could not be read is not cached: it is read again, here or in a child, next time.
    monkeypatch.setattr(index, "_read", real)
    again = index.build(root)
    assert not again.unread and again.parsed == _alone(root).parsed


def test_no_child_is_forked_beside_another_thread_or_for_a_small_vault(monkeypatch):
    monkeypatch.setattr(forkread, "cores", lambda: 4)
    rels = [f"n{i}.md" for i in range(4 * forkread.MIN_SHARE)]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert forkread.split(rels) == [rels]  # a thread might hold a lock the child would wait on
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(forkread, "can_fork", lambda: True)
    assert len(forkread.split(rels)) == 4 and sorted(r for share in forkread.split(rels) for r in share) == sorted(rels)
    assert forkread.split(rels[: forkread.MIN_SHARE]) == [rels[: forkread.MIN_SHARE]]


def test_links_check_reports_the_same_with_children(vault, forked, monkeypatch):
    from vaultkit.pipeline.links import links_check

    root = vault(NOTES)
    with_children = links_check(root).as_json()
    assert len(forked) == 2
    monkeypatch.setattr(forkread, "can_fork", lambda: False)
    for kept in (root / ".vaultkit").iterdir():
        kept.unlink()
    alone = links_check(root).as_json()
    assert with_children == alone and alone["broken"] and alone["missing_anchors"] and alone["unreadable"]
