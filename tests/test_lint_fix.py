"""``vaultkit lint --fix``: wrong ids in vaultkit's own properties are corrected; the user's text never is."""

from __future__ import annotations

import json

from click.testing import CliRunner

from vaultkit import genenote
from vaultkit.cli import cli
from vaultkit.genome.genes import gene_table
from vaultkit.pipeline.lint import managed_keys
from vaultkit.vault.state import load_state

FRONT = (
    "---\n# my comment\nsymbol: LIF\nentrez_id: '3977'   # pasted\nomim: 159446\nmy_ncbi_id: 3977\nstatus: read\n---\n"
)
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


def test_after_fix_refresh_sees_vaultkits_own_value_and_the_users_table_survives(tmp_path):
    from tests.helpers import make_gene_vault

    root = make_gene_vault(tmp_path / "v", user_notes=True)
    runner = CliRunner()
    assert runner.invoke(cli, ["refresh", str(root), "--offline"]).exit_code == 0
    note = root / "Genes/LIF.md"
    pasted = note.read_text(encoding="utf-8").replace("entrez_id: '3976'", "entrez_id: '3977'")
    pasted += "\n| NCBI Gene ID | 3977 |\n"
    note.write_text(pasted, encoding="utf-8")
    result = runner.invoke(cli, ["lint", str(root), "--fix", "--json"])
    fixed = [f for f in json.loads(result.stdout)["findings"] if f["path"] == "Genes/LIF.md" and f["fixed"]]
    assert len(fixed) == 1 and fixed[0]["code"] == "VK301"
    text = note.read_text(encoding="utf-8")
    assert text == pasted.replace(
        "entrez_id: '3977'", "entrez_id: '3976'"
    )  # the table row is the user's: reported only
    again = runner.invoke(cli, ["refresh", str(root), "--offline"])
    assert again.exit_code == 0 and "conflict: " not in again.stderr and "conflicts: 0" in again.stderr, again.output
    assert note.read_text(encoding="utf-8") == text
