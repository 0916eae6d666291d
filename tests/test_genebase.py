"""``Genes.base`` is a managed file that learns new traits; ``.obsidian/types.json`` declares vaultkit's property types."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from tests.helpers import make_gene_vault
from vaultkit.cli import cli
from vaultkit.config import load_settings
from vaultkit.pipeline.genebase import genes_base, legacy_genes_base, merge_types


def refresh(root, *extra):
    return CliRunner().invoke(cli, ["refresh", str(root), "--offline", *extra])


def test_base_is_valid_bases_yaml_with_filter_formulas_display_names_and_sort(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    base = yaml.safe_load(genes_base(load_settings(root)))
    assert base["filters"] == {"and": ['file.hasTag("gene")', 'file.inFolder("Genes")']}
    assert set(base["formulas"]) == {"strongest_q", "best_abs_r"}
    assert "r_sPAP.abs()" in base["formulas"]["best_abs_r"] and "q_mPAP" in base["formulas"]["strongest_q"]
    names = {k: v["displayName"] for k, v in base["properties"].items()}
    assert names["note.r_sPAP"] == "sPAP r" and names["formula.best_abs_r"] == "Best |r|"
    (view,) = base["views"]
    assert view["type"] == "table" and view["sort"][0] == {"property": "formula.strongest_q", "direction": "ASC"}
    # Every column shown has a display name, and every trait has its columns.
    assert set(view["order"]) <= set(names)
    assert {f"note.{p}_{t}" for p in "rqn" for t in ("sPAP", "mPAP")} <= set(view["order"])


def test_trait_names_that_are_no_identifiers_are_bracketed_in_formulas(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / "vaultkit.toml").write_text(
        (root / "vaultkit.toml").read_text().replace('["sPAP", "mPAP"]', '["sPAP", "m PAP"]')
    )
    base = yaml.safe_load(genes_base(load_settings(root)))
    assert 'note["r_m PAP"].abs()' in base["formulas"]["best_abs_r"]
    assert base["properties"]["note.r_m PAP"]["displayName"] == "m PAP r"


def test_base_follows_the_traits_of_the_settings(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    assert "r_dPAP" not in (root / "Genes.base").read_text()
    toml = root / "vaultkit.toml"
    toml.write_text(toml.read_text().replace('traits = ["sPAP", "mPAP"]', 'traits = ["sPAP"]'))
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["files"]["updated"] == ["Genes.base", "Associations.canvas"]
    assert "r_mPAP" not in (root / "Genes.base").read_text()


def test_a_users_edit_of_the_base_is_kept_and_reported_until_force(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    base = root / "Genes.base"
    edited = base.read_text().replace("name: Genes", "name: My genes")
    base.write_text(edited)
    toml = root / "vaultkit.toml"
    toml.write_text(toml.read_text().replace('traits = ["sPAP", "mPAP"]', 'traits = ["sPAP"]'))
    result = refresh(root)
    assert result.exit_code == 1 and "conflict: Genes.base" in result.stderr
    assert base.read_text() == edited
    forced = refresh(root, "--force")
    assert forced.exit_code == 0, forced.output
    assert "My genes" not in base.read_text() and "r_mPAP" not in base.read_text()
    assert (root / ".trash/Genes.base").read_text() == edited


def test_a_base_vaultkit_never_wrote_is_the_users(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / "Genes.base").write_text("views:\n  - type: cards\n    name: Mine\n")
    result = refresh(root, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["pasted_kept"] == [
        {"path": "Genes.base", "section": "(the whole file, not written by vaultkit)"}
    ]
    assert (root / "Genes.base").read_text() == "views:\n  - type: cards\n    name: Mine\n"


def test_the_base_an_older_vaultkit_wrote_is_upgraded_and_a_deleted_one_stays_deleted(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / "Genes.base").write_text(legacy_genes_base(load_settings(root)))
    assert refresh(root).exit_code == 0
    assert "formulas:" in (root / "Genes.base").read_text()
    (root / "Genes.base").unlink()
    toml = root / "vaultkit.toml"
    toml.write_text(toml.read_text().replace('traits = ["sPAP", "mPAP"]', 'traits = ["sPAP"]'))
    assert refresh(root).exit_code == 0
    assert not (root / "Genes.base").exists()


def test_types_json_is_created_in_an_obsidian_vault_and_merged_never_overwriting(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / ".obsidian").mkdir()
    (root / ".obsidian/types.json").write_text(json.dumps({"types": {"r_sPAP": "text", "mine": "date"}}, indent=2))
    result = refresh(root, "--json")
    assert result.exit_code == 0, result.output
    assert ".obsidian/types.json" in json.loads(result.stdout)["files"]["updated"]
    types = json.loads((root / ".obsidian/types.json").read_text())["types"]
    assert types["r_sPAP"] == "text" and types["mine"] == "date"  # the user's choices stay
    assert types["q_sPAP"] == "number" and types["n_mPAP"] == "number" and types["start"] == "number"
    assert types["aliases"] == "aliases" and types["tags"] == "tags"
    assert list(types)[:2] == ["r_sPAP", "mine"]


def test_types_json_is_not_made_where_obsidian_has_no_settings_folder(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    assert refresh(root).exit_code == 0
    assert not (root / ".obsidian").exists()


def test_merge_types_adds_nothing_twice_and_leaves_broken_files_alone():
    text = merge_types(None, {"a": "number"})
    assert json.loads(text) == {"types": {"a": "number"}}
    assert merge_types(text, {"a": "number"}) is None
    for broken in ("[1]", '{"types": []}', "{"):
        try:
            merge_types(broken, {"a": "number"})
        except ValueError:
            continue
        raise AssertionError(broken)
