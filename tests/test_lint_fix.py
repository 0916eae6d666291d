"""``vaultkit lint --fix``: wrong ids in vaultkit's own properties are corrected; the user's text never is."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vaultkit import genenote
from vaultkit.cli import cli
from vaultkit.genome.genes import gene_table
from vaultkit.pipeline.lint import managed_keys
from vaultkit.vault.state import load_state

FRONT = "---\n# my comment\nsymbol: LIF\nentrez_id: '3977'   # pasted\nomim: 159446\nmy_ncbi_id: 3977\nstatus: read\n---\n"
BODY = "# Info\n| NCBI Gene ID | 3977 |\n|---|---|\n\n[NCBI Gene: LIF](https://www.ncbi.nlm.nih.gov/gene/3977)\n"


def test_fix_corrects_managed_properties_and_leaves_user_text(vault):
    root = vault({"Genes/LIF.md": FRONT + BODY})
    result = CliRunner().invoke(cli, ["lint", str(root), "--fix", "--json"])
    assert result.exit_code == 1  # the user's own lines still give findings
    report = json.loads(result.stdout)
    fixed = {f["line"]: f["message"] for f in report["findings"] if f["fixed"]}
    assert set(fixed) == {4, 5} and report["fixed"] == 2
    text = (root / "Genes/LIF.md").read_text(encoding="utf-8")
    assert text == FRONT.replace("'3977'   # pasted", "'3976'   # pasted").replace("159446", "'159540'") + BODY
    # The old values are kept in .trash/, and the state says vaultkit wrote the new ones (refresh sees no edit).
    assert any(p.name.startswith("LIF.md.property-") for p in (root / ".trash").rglob("*"))
    assert load_state(root)["Genes/LIF.md"]["props"] == {"entrez_id": "3976", "omim": "159540"}
    again = json.loads(CliRunner().invoke(cli, ["lint", str(root), "--json"]).stdout)["findings"]
    assert {(f["line"], f["fixable"]) for f in again} == {(6, False), (10, False), (13, False)}


def test_fix_dry_run_prints_the_diff_and_writes_nothing(vault):
    root = vault({"Genes/LIF.md": FRONT + BODY})
    result = CliRunner().invoke(cli, ["lint", str(root), "--fix", "--dry-run"])
    assert result.exit_code == 1
    assert "-entrez_id: '3977'   # pasted" in result.stdout and "+entrez_id: '3976'   # pasted" in result.stdout
    assert (root / "Genes/LIF.md").read_text(encoding="utf-8") == FRONT + BODY
    assert not (root / ".trash").exists()
    report = json.loads(CliRunner().invoke(cli, ["lint", str(root), "--fix", "--dry-run", "--json"]).stdout)
    assert "+entrez_id: '3976'   # pasted" in report["diff"] and report["fixed"] == 0


def test_fix_with_only_fixable_findings_exits_0(vault):
    root = vault({"Genes/LIF.md": "---\nentrez_id: '3977'\n---\n# Info\n"})
    result = CliRunner().invoke(cli, ["lint", str(root), "--fix"])
    assert result.exit_code == 0, result.output
    assert "(fixed)" in result.stdout
    assert (root / "Genes/LIF.md").read_text(encoding="utf-8") == "---\nentrez_id: '3976'\n---\n# Info\n"


def test_dry_run_needs_fix(vault):
    root = vault({"Genes/LIF.md": ""})
    assert CliRunner().invoke(cli, ["lint", str(root), "--dry-run"]).exit_code == 2


def test_managed_keys_are_the_id_properties_vaultkit_writes():
    props = genenote.properties(genenote.GeneFacts(gene=gene_table().find("MYC")))
    assert managed_keys() == {"symbol", "name", "hgnc_id", "entrez_id", "ensembl_id", "uniprot", "omim", "location"}
    assert managed_keys() <= set(props)
