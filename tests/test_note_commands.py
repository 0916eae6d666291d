"""ingest, consensus add, and fetch writing into notes."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from tests.helpers import EXAMPLES, FIXTURES, make_gene_vault, snapshot
from vaultkit.cli import cli
from vaultkit.vault.linkparse import parse

LIF_SHARE = (
    "https://consensus.app/papers/lif-paper-smith/0123456789abcdef0123456789abcdef/"
    "?extracted-answer=LIF+drives+vascular+remodelling.&q=LIF+and+pulmonary+hypertension"
    "&synthesize=on&copilot=on&lang=en"
)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_ingest_places_embeds_and_retires_the_old(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    incoming = tmp_path / "from_r"
    incoming.mkdir()
    new_name = "X0.612345678901234_ENSG00000128342_chr22.30247659.30247698.png"
    shutil.copy(
        EXAMPLES / "plot_dump/X0.567330246986036_ENSG00000128342_chr22.30247659.30247698.png", incoming / new_name
    )
    (incoming / "notes.png").write_bytes(b"not a plot name")
    before = (root / "Genes/LIF.md").read_text()
    result = invoke("ingest", root, incoming, "--trait", "sPAP")
    assert result.exit_code == 0, result.output
    assert "skipped notes.png" in result.stderr
    after = (root / "Genes/LIF.md").read_text()
    assert after == before.replace("X0.567330246986036_ENSG", "X0.612345678901234_ENSG")
    assert (root / "plots" / new_name).exists()
    assert (root / ".trash/plot_dump/X0.567330246986036_ENSG00000128342_chr22.30247659.30247698.png").exists()
    # Ingesting the same again changes nothing.
    snap = snapshot(root)
    assert invoke("ingest", root, incoming, "--trait", "sPAP").exit_code == 0
    assert snapshot(root) == snap


def test_ingest_creates_missing_note_and_refuses_overwrite(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    incoming = tmp_path / "in"
    incoming.mkdir()
    name = "X.0.5_ENSG00000204217_chr2.202376000.202376100.png"  # R's make.names form of -0.5
    (incoming / name).write_bytes(b"\x89PNG one")
    assert invoke("ingest", root, incoming, "--trait", "mPAP").exit_code == 0
    note = (root / "Genes/BMPR2.md").read_text()
    assert f"## mPAP\n![[{name}]]" in note and "symbol: BMPR2" in note
    (incoming / name).write_bytes(b"\x89PNG two")
    result = invoke("ingest", root, incoming, "--trait", "mPAP")
    assert result.exit_code == 2 and "never overwritten" in result.stderr


def test_consensus_add_appends_once(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    before = (root / "Genes/LIF.md").read_text()
    result = invoke("consensus", "add", root, "LIF", LIF_SHARE)
    assert result.exit_code == 0, result.output
    after = (root / "Genes/LIF.md").read_text()
    line = f"LIF drives vascular remodelling.({LIF_SHARE})"
    assert line in after and after.count(line) == 1
    # The user's own snippet is untouched and ours comes after it, in the same section.
    old_snippet = next(ln for ln in before.splitlines() if ln.startswith("LIF signaling"))
    assert after.index(old_snippet) < after.index(line) < after.index("### NCBI Gene Summary")
    assert invoke("consensus", "add", root, "LIF", LIF_SHARE).exit_code == 0
    assert (root / "Genes/LIF.md").read_text() == after


def test_consensus_add_creates_the_section_and_refuses_other_links(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    assert invoke("consensus", "add", root, "MYC", LIF_SHARE.replace("LIF", "MYC")).exit_code == 0
    assert "### Consensus\nMYC drives" in (root / "Genes/MYC.md").read_text()
    bad = invoke("consensus", "add", root, "LIF", "https://example.org/?extracted-answer=x")
    assert bad.exit_code == 2 and "not a consensus.app link" in bad.stderr
    assert invoke("consensus", "add", root, "BMPR2", LIF_SHARE).exit_code == 2  # no note yet


def test_fetch_writes_into_notes_but_keeps_pasted_text(tmp_path, httpserver):
    esummary = json.loads((FIXTURES / "eutils/esummary_gene_7171_TPM4.json").read_text())
    doc = esummary["result"]["7171"]
    lif = {**doc, "uid": "3976", "name": "LIF", "summary": "A fetched LIF summary. [provided by RefSeq]"}
    httpserver.expect_request("/esummary.fcgi").respond_with_json({"result": {"uids": ["3976"], "3976": lif}})
    base = httpserver.url_for("/")
    root = make_gene_vault(
        tmp_path / "v",
        user_notes=True,
        extra_toml=f'[sources]\nenabled = ["ncbi"]\n[sources.ncbi]\nbase_url = "{base}"\n',
    )
    (root / "Genes/BMPR2.md").write_text("# Info\n### NCBI Gene Summary for BMPR2 Gene\n\n")
    result = invoke("fetch", root, "LIF", "--source", "ncbi", "--json")
    assert result.exit_code == 0, result.output
    text = (root / "Genes/LIF.md").read_text()
    assert "A fetched LIF summary" not in text  # the user's pasted summary stays
    cache = root / ".vaultkit/http_cache.sqlite"
    before, cached = snapshot(root), cache.read_bytes()
    # LIF+MYC is a request the cache has not seen: its answer must not be stored.
    dry = invoke("fetch", root, "LIF", "MYC", "--source", "ncbi", "--force", "--dry-run")
    assert dry.exit_code == 0 and "+- A fetched LIF summary" in dry.stdout
    # A dry run writes nothing: not the notes, not even the answers it fetched into the cache.
    assert snapshot(root) == before and cache.read_bytes() == cached
    forced = invoke("fetch", root, "LIF", "--source", "ncbi", "--force")
    assert forced.exit_code == 0
    text = (root / "Genes/LIF.md").read_text()
    assert (
        "- A fetched LIF summary. [provided by RefSeq]" in text and "[](https://www.ncbi.nlm.nih.gov/gene/3976)" in text
    )
    assert list((root / ".trash/Genes").glob("LIF.md.ncbi*.md"))
    assert not [lk for lk in parse(text).links if lk.target.startswith("provided")]


def test_failing_source_exits_1_and_overwrites_nothing(tmp_path, httpserver, monkeypatch):
    httpserver.expect_request("/esummary.fcgi").respond_with_data("busy", status=503)
    base = httpserver.url_for("/")
    root = make_gene_vault(
        tmp_path / "v",
        user_notes=True,
        extra_toml=f'[sources]\nenabled = ["ncbi"]\ntimeout = 2.0\n[sources.ncbi]\nbase_url = "{base}"\n',
    )
    before = snapshot(root)
    from vaultkit import net

    slept = []
    monkeypatch.setattr(net.time, "sleep", slept.append)  # no real backoff in tests
    result = invoke("fetch", root, "LIF", "MYC", "--source", "ncbi", "--force")
    assert slept == [1.0, 2.0, 4.0]
    assert result.exit_code == 1 and "ncbi: failed" in result.stderr
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k.endswith(".md")} == {
        k: v for k, v in before.items() if k.endswith(".md")
    }
