"""Everything vaultkit writes stays inside the vault: folders that lead out are refused (exit 2)."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from tests.helpers import make_gene_vault
from vaultkit.cli import cli
from vaultkit.errors import ConfigError
from vaultkit.vault.obsidian import AppSettings
from vaultkit.vault.paths import confined


def refresh(root):
    return CliRunner().invoke(cli, ["refresh", str(root), "--offline"])


def set_toml(root, **keys):
    """Rewrite the top-level keys of the vault's vaultkit.toml made by ``make_gene_vault``."""
    path = root / "vaultkit.toml"
    lines = path.read_text().splitlines()
    for key, value in keys.items():
        lines = [f"{key} = {json.dumps(value)}" if line.startswith(f"{key} =") else line for line in lines]
    path.write_text("\n".join(lines) + "\n")


def files_under(folder):
    return sorted(p for p in folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("notes_dir", "../x"),
        ("attachments_dir", "../../x"),
        ("attachments_dir", "plots/../../x"),
    ],
)
def test_settings_leading_out_are_refused(tmp_path, key, value):
    root = make_gene_vault(tmp_path / "v" / "vault")
    set_toml(root, **{key: value})
    result = refresh(root)
    assert result.exit_code == 2, result.output
    assert key in result.stderr and "vaultkit.toml" in result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "v" / "x").exists()


def test_absolute_notes_dir_named_as_such(tmp_path):
    outside = tmp_path / "x"
    root = make_gene_vault(tmp_path / "v")
    set_toml(root, notes_dir=str(outside))
    result = refresh(root)
    assert result.exit_code == 2
    assert "notes_dir" in result.stderr and "absolute" in result.stderr
    assert not outside.exists()


@pytest.mark.parametrize("folder", ["../../x", "./../../x"])
def test_app_json_attachment_folder_leading_out_is_refused(tmp_path, folder):
    """Obsidian's attachment setting, plain or relative to the note ("./"), may not lead out of the vault."""
    root = make_gene_vault(tmp_path / "v" / "vault")
    set_toml(root, attachments_dir="")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text(json.dumps({"attachmentFolderPath": folder}))
    result = refresh(root)
    assert result.exit_code == 2, result.output
    assert "attachmentFolderPath" in result.stderr and "app.json" in result.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "v" / "x").exists()
    assert not (root / "Genes").exists()


def test_app_json_subfolder_beside_the_notes_is_used(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    set_toml(root, attachments_dir="")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text(json.dumps({"attachmentFolderPath": "./img"}))
    result = refresh(root)
    assert result.exit_code == 0, result.output
    assert any((root / "Genes" / "img").glob("*.png"))


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlinked_notes_folder_leading_out_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = make_gene_vault(tmp_path / "v")
    (root / "Genes").symlink_to(outside, target_is_directory=True)
    result = refresh(root)
    assert result.exit_code == 2, result.output
    assert "notes_dir" in result.stderr and "symlink" in result.stderr
    assert files_under(outside) == []


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlinked_parent_of_attachments_leading_out_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = make_gene_vault(tmp_path / "v")
    (root / "media").symlink_to(outside, target_is_directory=True)
    set_toml(root, attachments_dir="media/plots")
    result = refresh(root)
    assert result.exit_code == 2, result.output
    assert "attachments_dir" in result.stderr
    assert files_under(outside) == []


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlink_that_stays_inside_is_allowed(tmp_path):
    root = tmp_path / "v"
    (root / "real").mkdir(parents=True)
    (root / "Genes").symlink_to(root / "real", target_is_directory=True)
    assert confined(root, "Genes", "notes_dir") == root / "Genes"


@pytest.mark.parametrize("rel", ["", ".", "Genes", "Genes/", "a/../Genes", "./Genes"])
def test_paths_inside_are_kept(tmp_path, rel):
    assert confined(tmp_path, rel, "notes_dir").is_relative_to(tmp_path)


@pytest.mark.parametrize("rel", ["..", "../x", "a/../../x", "/etc", "C:\\x", "C:x", "\\\\server\\share\\x", "..\\x"])
def test_paths_leading_out_are_refused(tmp_path, rel):
    with pytest.raises(ConfigError, match=r"notes_dir in VAULT/vaultkit\.toml"):
        confined(tmp_path, rel, "notes_dir in VAULT/vaultkit.toml")


def test_obsidian_root_forms_stay_in_the_vault(tmp_path):
    for folder, expected in [
        ("/", ""),
        ("", ""),
        ("./", "Genes"),
        ("./img", "Genes/img"),
        ("att", "att"),
        ("/att/", "att"),
    ]:
        assert AppSettings(attachment_folder=folder).attachment_dir_in(tmp_path, "Genes/n.md") == expected
    with pytest.raises(ConfigError, match="attachmentFolderPath"):
        AppSettings(attachment_folder="../x").attachment_dir_in(tmp_path, "n.md")
