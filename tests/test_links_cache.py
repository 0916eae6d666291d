"""The columnar links cache and the memoised resolver (issue 13: links near the read floor)."""

from __future__ import annotations

import json
import warnings

import pytest

from tests.helpers import age
from vaultkit.vault import index, parsecache
from vaultkit.vault.linkparse import Link, parse
from vaultkit.vault.resolve import Resolver

# Every kind of link and flag, a heading, a block id, an alias, a broken frontmatter and a canvas.
VAULT = {
    "a.md": '---\nrelated: "[[b]]"\naliases: [ay]\n---\n# Top\n[[b|shown]] ![[pic.png|300]] [t](<b.md#Top>)\n'
    "| x | y |\n| - | - |\n| [[b\\|z]] | 1 |\n%% [[c]] %%\nend ^blk\n",
    "b.md": "---\nbroken: [\n---\n[[a#Top]] [[#Top]]\n",
    "c.md": "",
    "board.canvas": json.dumps({"nodes": [{"id": "1", "type": "file", "file": "a.md"}]}),
    "pic.png": b"png",
}


def _cache(root):
    return root / ".vaultkit" / parsecache.CACHE_FILE


def _read(raw: bytes) -> tuple[dict, dict]:
    """The header and the columns of a cache file."""
    head, _, body = raw.partition(b"\n")
    header = json.loads(head)
    return header, parsecache.decode(header, body)


def test_cache_round_trip_keeps_every_field(vault):
    root = vault(VAULT)
    first = index.build(root)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = index.build(root)
    assert again.parsed == first.parsed and again.findings == first.findings
    assert first.findings and first.findings[0].path == "b.md"
    links = again.parsed["a.md"].links
    assert {lk.kind for lk in links} == {"frontmatter", "wiki", "markdown"}
    assert any(lk.in_table and lk.escaped_pipe for lk in links) and any(lk.in_comment for lk in links)
    assert any(lk.angle for lk in links) and any(lk.display is None for lk in links)
    assert all(type(lk.embed) is bool and type(lk.in_table) is bool for lk in links)
    assert again.parsed["board.canvas"].links[0].kind == "canvas"
    assert again.parsed["a.md"].aliases == ("ay",) and again.parsed["a.md"].block_ids == ("blk",)


def test_cache_is_columns(vault):
    root = vault(VAULT)
    index.build(root)
    header, doc = _read(_cache(root).read_bytes())
    assert header["version"] == parsecache.VERSION
    assert set(doc["links"]) == set(Link._fields)
    assert len({len(column) for column in doc["links"].values()}) == 1  # one list per field, as long as each other
    assert parsecache.encode(doc) == _cache(root).read_bytes()


def _corrupt(good: bytes, how: str) -> bytes:
    header, doc = _read(good)
    links = doc["links"]
    if how == "kind":
        links["kind"][0] = len(parsecache._KINDS)
    elif how == "flag":
        links["embed"][0] = 2
    elif how == "short-column":
        links["line"].pop()
    elif how == "counts":
        doc["notes"]["links"][0] += 1
    elif how == "negative-count":
        doc["notes"]["links"][:2] = [doc["notes"]["links"][0] + doc["notes"]["links"][1] + 1, -1]
    elif how == "finding-file":
        doc["findings"]["file"][0] = 99
    elif how == "display-type":
        links["display"][0] = 3
    elif how == "path-type":
        doc["files"]["path"][0] = None
    raw = parsecache.encode(doc)
    head, _, body = raw.partition(b"\n")
    header = json.loads(head)
    sizes = header["sizes"]
    if how == "ragged":  # an integer column that is no whole number of integers
        sizes[1] -= 1
        sizes[2] += 1
    elif how == "missing":
        del sizes[-1]
    elif how == "long":
        body += b"x"
    raw = json.dumps(header).encode() + b"\n" + body
    if how == "twice":  # two segments holding the same files
        raw += raw
    elif how == "cut-segment":  # a second segment cut short
        raw += raw[: len(raw) // 2]
    return raw


@pytest.mark.parametrize(
    "how",
    [
        "kind",
        "flag",
        "short-column",
        "counts",
        "negative-count",
        "finding-file",
        "display-type",
        "path-type",
        "ragged",
        "missing",
        "long",
        "twice",
        "cut-segment",
    ],
)
def test_a_bad_column_is_a_warning_and_a_rebuild(vault, how):
    root = vault(VAULT)
    expected = index.build(root, use_cache=False)
    index.build(root)
    good = _cache(root).read_bytes()
    _cache(root).write_bytes(_corrupt(good, how))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = index.build(root)
    assert any("rebuilding" in str(w.message) for w in caught)
    assert again.parsed == expected.parsed
    assert _cache(root).read_bytes() == good


def test_an_older_cache_is_rebuilt_silently(vault):
    root = vault(VAULT)
    index.build(root)
    head, _, body = _cache(root).read_bytes().partition(b"\n")
    header = {**json.loads(head), "version": 7}
    _cache(root).write_bytes(json.dumps(header).encode() + b"\n" + body)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        index.build(root)
    assert _read(_cache(root).read_bytes())[0]["version"] == parsecache.VERSION


def test_integers_written_in_the_other_byte_order_read_the_same(vault):
    root = vault(VAULT)
    index.build(root)
    good = _cache(root).read_bytes()
    entries = parsecache.load(_cache(root))[0]
    head, _, body = good.partition(b"\n")
    header = json.loads(head)
    at, swapped = 0, []
    for (_, _, kind), size in zip(parsecache._SCHEMA, header["sizes"], strict=True):
        blob = body[at : at + size]
        at += size
        swapped.append(b"".join(blob[i : i + 8][::-1] for i in range(0, size, 8)) if kind == "i" else blob)
    other = "big" if header["byteorder"] == "little" else "little"
    _cache(root).write_bytes(json.dumps({**header, "byteorder": other}).encode() + b"\n" + b"".join(swapped))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parsecache.load(_cache(root))[0] == entries


def test_an_unchanged_vault_does_not_rewrite_the_cache(vault):
    root = vault(VAULT)
    age(root)
    index.build(root)
    stamp = _cache(root).stat().st_mtime_ns
    index.build(root)
    assert _cache(root).stat().st_mtime_ns == stamp
    (root / "c.md").unlink()  # a file gone: the cache follows
    index.build(root)
    assert "c.md" not in _read(_cache(root).read_bytes())[1]["files"]["path"]


def test_resolver_forgets_what_it_remembered_when_a_file_is_added():
    res = Resolver(["x/Note.md"])
    assert res.resolve("Note", "y/src.md").path == "x/Note.md"
    res.add("y/Note.md")  # a namesake beside the source now wins
    assert res.resolve("Note", "y/src.md").path == "y/Note.md"
    assert res.resolve("Note", "z/src.md").path == "x/Note.md"  # equal lengths elsewhere: ambiguous
    assert res.resolve("Note", "z/src.md").ambiguous


def test_remembered_resolutions_depend_on_the_source_only_where_obsidian_does():
    res = Resolver(["a/Dup.md", "b/Dup.md", "a/x.md", "b/x.md", "Solo.md"])
    assert res.resolve("Dup", "a/x.md").path == "a/Dup.md"
    assert res.resolve("Dup", "b/x.md").path == "b/Dup.md"
    assert res.resolve("./x", "a/x.md").path == "a/x.md" and res.resolve("./x", "b/x.md").path == "b/x.md"
    assert res.resolve("", "a/x.md").path == "a/x.md" and res.resolve("", "b/x.md").path == "b/x.md"
    assert res.resolve_markdown("x.md", "a/src.md").path == "a/x.md"
    assert res.resolve_markdown("x.md", "b/src.md").path == "b/x.md"
    assert res.resolve_markdown("", "a/x.md").path == "a/x.md" and res.resolve_markdown("", "b/x.md").path == "b/x.md"
    assert res.resolve("solo", "a/x.md").path == res.resolve("SOLO", "b/x.md").path == "Solo.md"


def test_wiki_link_span_covers_a_trailing_backslash():
    (link,) = parse("[[foo\\]]\n").links
    assert link.target == "foo\\" and "[[foo\\]]"[link.tstart : link.tend] == "foo\\"


def test_a_few_edited_notes_are_read_again_until_the_cache_is_worth_rewriting(vault):
    root = vault({f"n{i}.md": f"[[n{i + 1}]]\n" for i in range(100)})
    age(root)
    index.build(root)
    stamp = _cache(root).stat().st_mtime_ns
    (root / "n1.md").write_text("[[gone]]\n")
    first = index.build(root)
    assert first.parsed == index.build(root, use_cache=False).parsed  # seen, though not cached
    assert _cache(root).stat().st_mtime_ns == stamp  # 1 note of 100: not worth 100 notes' writing
    (root / "n2.md").write_text("[[gone too]]\n")
    second = index.build(root)
    assert second.parsed == index.build(root, use_cache=False).parsed
    assert _cache(root).stat().st_mtime_ns != stamp  # 2 of 100 > 1/64: rewritten with both
    entries = parsecache.load(_cache(root))[0]
    assert entries["n1.md"][1].links[0].target == "gone" and entries["n2.md"][1].links[0].target == "gone too"
