"""Hostile input: planted caches, hostile notes and hostile source answers (design.md sections 4, 8, 10)."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXTURES, make_gene_vault
from vaultkit.cli import cli
from vaultkit.vault import index, notes, parsecache
from vaultkit.vault.linkparse import parse

HOSTILE = FIXTURES / "hostile"


class _Planted:
    """Unpickling this creates ``marker``: the proof that a pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _cache(root: Path) -> Path:
    return root / ".vaultkit" / parsecache.CACHE_FILE


def _links(ix: index.VaultIndex) -> list[tuple[str, str]]:
    return [(src, link.target) for src, link, _ in ix.links()]


VAULT = {
    "a.md": "[[b]] ![[pic.png]]\n## Head\ntext ^blk\n",
    "b.md": "---\naliases: [bee]\n---\n[[a#Head]]\n",
    "pic.png": b"png",
}


@pytest.mark.parametrize("planted", ["pickle", "truncated", "foreign-json", "bad-types", "binary", "deep-json"])
def test_links_cache_is_data_never_code(vault, tmp_path, planted):
    root = vault(VAULT)
    expected = _links(index.build(root, use_cache=False))
    index.build(root)
    good = _cache(root).read_bytes()
    head, _, body = good.partition(b"\n")
    assert json.loads(head)["format"] == "vaultkit links cache"
    marker = tmp_path / "pwned"
    bodies = {
        "pickle": pickle.dumps((2, _Planted(marker))),
        "truncated": good[: len(good) // 2],
        "foreign-json": json.dumps({"some": "other tool"}).encode(),
        # a number among the paths, the columns' sizes adjusted to it
        "bad-types": json.dumps(
            {**json.loads(head), "sizes": [size + 2 * (i == 0) for i, size in enumerate(json.loads(head)["sizes"])]}
        ).encode()
        + b"\n"
        + body.replace(b"[", b"[7,", 1),
        "binary": bytes(range(256)) * 4,
        "deep-json": b"[" * 100_000 + b"]" * 100_000,
    }
    _cache(root).write_bytes(bodies[planted])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ix = index.build(root)
    assert not marker.exists()
    assert _links(ix) == expected
    assert any("links.cache" in str(w.message) and "rebuilding" in str(w.message) for w in caught)
    assert _cache(root).read_bytes() == good  # rebuilt as it was


def test_links_cache_round_trip_is_exact(vault):
    root = vault(VAULT)
    first = index.build(root)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a good cache loads without a warning
        again = index.build(root)
    assert again.parsed == first.parsed and again.findings == first.findings
    assert again.parsed["a.md"] == parse((root / "a.md").read_text())


def test_no_pickle_marshal_or_shelve_in_vaultkit():
    src = Path(__file__).parent.parent / "vaultkit"
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in ("import pickle", "import marshal", "import shelve", "from pickle", "dill", "cloudpickle"):
            assert word not in text, f"{path}: {word}"


def _hostile_frontmatter() -> dict[str, str]:
    return {
        "alias bomb": (HOSTILE / "alias_bomb.yaml").read_text(),
        "deep nesting": (HOSTILE / "deep_nesting.yaml").read_text(),
        "huge frontmatter": "symbol: USP44\nnotes: '" + "x" * (notes.MAX_FRONTMATTER_CHARS + 10) + "'\n",
    }


@pytest.mark.parametrize("kind", list(_hostile_frontmatter()))
def test_hostile_frontmatter_is_unreadable_at_once(vault, kind):
    text = "---\n" + _hostile_frontmatter()[kind] + "---\n# Note\n[[b]]\n"
    root = vault({"hostile.md": text, "b.md": "[[hostile]]\n"})
    # No time is asserted (tests never do): unguarded, the bomb would take minutes and gigabytes, and the suite
    # would not finish.
    with pytest.raises(notes.UnreadableNote, match="left untouched"):
        notes.read_text(root, "hostile.md")
    ix = index.build(root)
    assert [f.path for f in ix.findings] == ["hostile.md"] and "b.md" in ix.parsed


def test_frontmatter_guard_lets_ordinary_yaml_through():
    for yaml_text in (
        "symbol: LIF\naliases: [a, b]\ntags:\n  - gene\n",
        "base: &b {x: 1}\nother: *b\n",
        "x: [broken\n",
        "a:\n  b:\n    c: [1, {d: 2}]\n" * 5,
    ):
        notes.frontmatter_guard("n.md", "---\n" + yaml_text + "---\nbody\n")


def test_refresh_reports_hostile_notes_and_refreshes_the_rest(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    genes = root / "Genes"
    hostile = dict(zip(["LIF.md", "MYC.md", "USP44.md"], _hostile_frontmatter().values(), strict=True))
    for name, yaml_text in hostile.items():
        (genes / name).write_text("---\n" + yaml_text + "---\n" + (genes / name).read_text())
    before = {name: (genes / name).read_bytes() for name in hostile}
    others = {p.name: p.read_bytes() for p in genes.glob("*.md") if p.name not in hostile}
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert {u["path"] for u in data["unreadable"]} == {f"Genes/{name}" for name in hostile}
    assert all("left untouched" in u["message"] for u in data["unreadable"])
    assert {name: (genes / name).read_bytes() for name in hostile} == before
    assert set(data["notes"]["updated"]) == {f"Genes/{name}" for name in others}
    assert all((genes / name).read_bytes() != old for name, old in others.items())
    assert (genes / "BMPR2.md").exists()  # a new note for a gene of the data


# --- Hostile answers from the sources -------------------------------------------------------------

EVIL = "[[x]] ![[y]] [a](http://e.vil) ](http ![i](http://e.vil/i.png) # H %%c%% $m$ [^1] ^blk <script>s</script> \u202eevil"
EVIL_LINE_START = "# Function " + EVIL  # UniProt text that would be a heading at a line start
MANAGED_HEADINGS = (
    "# Info",
    "### NCBI Gene Summary for LIF Gene",
    "### UniProtKB/Swiss-Prot Summary for LIF Gene",
    "### Literature (Europe PMC)",
    "### GeneCards Summary for LIF Gene",
    "### Gene overview (open sources)",
    "### Consensus",
)


def _hostile_paper(i: int) -> dict:
    return {
        "id": str(i),
        "pmid": EVIL if i % 2 else str(1000 + i),
        "doi": "10.1/x)[a](b" if i % 3 else "10.1000/ok(1)",
        "title": EVIL,
        "authorString": EVIL,
        "journalTitle": EVIL,
        "pubYear": EVIL if i % 2 else "2020",
    }


def _serve_hostile(server) -> None:
    esummary = {
        "result": {
            "uids": ["3976", "39[[z]]"],
            "3976": {
                "uid": "3976",
                "name": "LIF",
                "description": EVIL,
                "summary": EVIL_LINE_START,
                "otheraliases": EVIL,
                "maplocation": EVIL,
                "mim": [EVIL, "159540"],
                "chromosome": EVIL,
                "genomicinfo": [{"chrstart": EVIL, "chrstop": 5}],
            },
            "39[[z]]": {"name": "Z", "summary": "z"},
        }
    }
    entry = {
        "primaryAccession": "P15018",
        "genes": [{"geneName": {"value": EVIL}}],
        "comments": [
            {
                "commentType": "FUNCTION",
                "texts": [
                    {
                        "value": EVIL_LINE_START,
                        "evidences": [{"source": "PubMed", "id": "1)[a](b"}, {"source": "PubMed", "id": "12345"}],
                    },
                    {"value": "Also (PubMed:777) " + EVIL, "evidences": []},
                ]
                + [{"value": "x" * 3000}] * 20,
            }
        ],
    }
    server.expect_request("/eutils/esummary.fcgi").respond_with_json(esummary)
    server.expect_request("/uniprot/uniprotkb/search").respond_with_json({"results": [entry]})
    server.expect_request("/epmc/search").respond_with_json(
        {"hitCount": 5000, "resultList": {"result": [_hostile_paper(i) for i in range(5000)]}}
    )


def _sources_toml(server) -> str:
    base = server.url_for("/")
    return (
        f'[sources]\nncbi_base_url = "{base}eutils/"\nuniprot_base_url = "{base}uniprot/"\n'
        f'europepmc_base_url = "{base}epmc/"\neuropepmc_papers = 5000\ntimeout = 5\n'
    )


def _fetched_links_are_vaultkits_own(text: str, before: str) -> None:
    """Every link the fetch added is one vaultkit builds, to a page of a source, with a validated id."""
    import re

    old = {(lk.kind, lk.target) for lk in parse(before).links}
    ours = re.compile(
        r"https://(www\.ncbi\.nlm\.nih\.gov/gene/3976|www\.genecards\.org/cgi-bin/carddisp\.pl\?gene=LIF"
        r"|pubmed\.ncbi\.nlm\.nih\.gov/\d+/?|doi\.org/10\.\d{4,9}/[-._;/:A-Za-z0-9%]+"
        r"|www\.uniprot\.org/uniprotkb/P15018/entry)"
    )
    for link in parse(text).links:
        if (link.kind, link.target) in old:
            continue
        assert link.kind == "markdown" and not link.embed and ours.fullmatch(link.target), link


def test_hostile_answers_cannot_add_links_headings_or_markup(tmp_path, httpserver):
    _serve_hostile(httpserver)
    root = make_gene_vault(tmp_path / "v", user_notes=True, extra_toml=_sources_toml(httpserver))
    note = root / "Genes" / "LIF.md"
    before = note.read_text()
    result = CliRunner().invoke(cli, ["fetch", str(root), "LIF", "--json"])
    assert result.exit_code == 0, result.output
    text = note.read_text()
    assert text != before
    _fetched_links_are_vaultkits_own(text, before)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert set(headings) <= set(before.splitlines()) | set(MANAGED_HEADINGS), headings
    for bad in ("%%", "<script", "\u202e", "[^1]", "$m$", " ^blk", "](http:", "[[x]]", "![[y]]", "10.1/x"):
        assert text.count(bad) == before.count(bad), bad  # the user's own text may have some
    assert len(text.encode()) < len(before.encode()) + 3 * 20_000 + 2000  # capped: 5,000 papers, 60 KB of function
    data = json.loads(result.stdout)
    papers = data["genes"]["LIF"]["europepmc"]
    assert len(papers) == 25
    assert all(
        p["year"] in ("", "2020")
        and p["pmid"] in ("", *(str(1000 + i) for i in range(25)))
        and p["doi"] in ("", "10.1000/ok(1)")
        for p in papers
    )


def _bad_gzip(server, path):
    server.expect_request(path).respond_with_data(
        b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )


TRANSPORT = {
    "redirect loop": (
        lambda s, p: s.expect_request(p).respond_with_data("", status=302, headers={"Location": p}),
        "redirect loop",
    ),
    "redirect to ftp": (
        lambda s, p: s.expect_request(p).respond_with_data(
            "", status=302, headers={"Location": "ftp://ftp.invalid/x.json"}
        ),
        "only http and https",
    ),
    "bad gzip": (_bad_gzip, "decompressed"),
    "html": (
        lambda s, p: s.expect_request(p).respond_with_data("<html>robot check</html>", content_type="text/html"),
        "HTML",
    ),
    "empty body": (
        lambda s, p: s.expect_request(p).respond_with_data("", content_type="application/json"),
        "unreadable JSON",
    ),
    "deep json": (
        lambda s, p: s.expect_request(p).respond_with_data(
            "[" * 100_000 + "]" * 100_000, content_type="application/json"
        ),
        "unreadable JSON",
    ),
    "429 forever": (
        lambda s, p: s.expect_request(p).respond_with_data("slow down", status=429, headers={"Retry-After": "3"}),
        "HTTP 429",
    ),
    "wrong shape": (lambda s, p: s.expect_request(p).respond_with_json({"resultList": ["x"], "result": 7}), "expected"),
}


@pytest.mark.parametrize("case", list(TRANSPORT))
def test_hostile_transport_is_one_clean_failure(tmp_path, httpserver, case):
    from tests.test_sources import FakeClock, client, settings
    from vaultkit.pipeline.fetch import fetch_genes

    serve, message = TRANSPORT[case]
    for path in ("/eutils/esummary.fcgi", "/uniprot/uniprotkb/search", "/epmc/search"):
        serve(httpserver, path)
    clock = FakeClock()
    report = fetch_genes(settings(tmp_path, httpserver), ["LIF", "MYC"], client=client(tmp_path, clock))
    assert set(report.status) == {"ncbi", "uniprot", "europepmc"}
    for source, status in report.status.items():
        assert status.startswith("failed: ") and message in status and "Traceback" not in status, (source, status)
    assert report.failed
    if case == "429 forever":
        assert clock.slept and all(s >= 3 for s in clock.slept)


def test_429_with_retry_after_is_honoured_then_answered(tmp_path, httpserver):
    from tests.test_sources import TPM4, FakeClock, client, settings
    from vaultkit.pipeline.fetch import fetch_genes

    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_data(
        "", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    clock = FakeClock()
    report = fetch_genes(settings(tmp_path, httpserver), ["TPM4"], sources=("ncbi",), client=client(tmp_path, clock))
    assert report.status["ncbi"] == "fetched" and clock.slept == [7.0]


@pytest.mark.parametrize(
    "exc",
    ["SSLError", "ChunkedEncodingError", "ContentDecodingError", "TooManyRedirects", "InvalidSchema", "RetryError"],
)
def test_every_requests_exception_is_one_source_error(tmp_path, monkeypatch, exc):
    import requests

    from vaultkit.errors import SourceError
    from vaultkit.net import HttpClient

    def boom(*args, **kwargs):
        raise getattr(requests.exceptions, exc)("details with a traceback nobody wants")

    c = HttpClient(tmp_path / "c.sqlite")
    monkeypatch.setattr(c._session("example.invalid"), "request", boom)
    with pytest.raises(SourceError) as info:
        c.get_json("https://example.invalid/x")
    assert str(info.value).startswith("example.invalid: ") and "\n" not in str(info.value)
    assert info.value.__suppress_context__


def test_http_cache_stores_json_not_pickle(tmp_path, httpserver):
    import sqlite3

    from tests.test_sources import client

    httpserver.expect_request("/x").respond_with_json({"a": "é", "b": [1, 2]})
    assert client(tmp_path).get_json(httpserver.url_for("/x")) == {"a": "é", "b": [1, 2]}
    again = client(tmp_path)
    assert again.get_json(httpserver.url_for("/x")) == {"a": "é", "b": [1, 2]} and again.stats.sent == 0
    db = sqlite3.connect(tmp_path / ".vaultkit/http_cache.sqlite")
    (value,) = db.execute("select value from responses").fetchone()
    assert json.loads(value)["status_code"] == 200  # a JSON document, not a pickle
    marker = tmp_path / "pwned"
    db.execute("update responses set value = ?", (pickle.dumps(_Planted(marker)),))
    db.commit()
    db.close()
    third = client(tmp_path)
    assert third.get_json(httpserver.url_for("/x")) == {"a": "é", "b": [1, 2]} and third.stats.sent == 1
    assert not marker.exists()
