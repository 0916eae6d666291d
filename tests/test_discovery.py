"""The vault is found as git finds a repository (design.md section 4): from VAULT or the current folder, up.

Every command but ``init`` refuses a start that no vault holds (exit 2, how to make one with ``init``,
nothing written); from a subfolder of a vault it works on the whole vault, with vault-relative paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import make_gene_vault, write_vault
from vaultkit.cli import cli, find_vault

URL = "https://consensus.app/papers/x/abc/?extracted-answer=LIF+matters&q=LIF+and+PH"

# Every command that works on a vault, with the arguments after [VAULT] (vault paths where they are paths).
COMMANDS = {
    "refresh": (["refresh"], ["--offline"]),
    "plot": (["plot"], ["--results", "results.tsv"]),
    "fetch": (["fetch"], ["LIF", "--offline"]),
    "consensus add": (["consensus", "add"], ["LIF", URL]),
    "links check": (["links", "check"], []),
    "links resolve": (["links", "resolve"], ["Genes/a.md", "[[b]]"]),
    "links rename": (["links", "rename"], ["Genes/a.md", "Genes/c.md"]),
    "links prune": (["links", "prune"], []),
    "ingest": (["ingest"], ["plots_in", "--trait", "sPAP"]),
    "lint": (["lint"], []),
}


def everything(root: Path) -> dict[str, bytes]:
    """Every file and folder under ``root``, dot-folders included (a folder maps to b"/")."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else b"/") for p in sorted(root.rglob("*"))}


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A folder with notes in it that is no vault (no .obsidian/, no vaultkit.toml up to /)."""
    folder = write_vault(tmp_path / "notes", {"Genes/a.md": "[[b]]\n", "Genes/b.md": "b\n", "plots_in/x.png": b"x"})
    (folder / ".obsidian").rmdir()  # write_vault marks its folders as vaults; this one must be none
    assert not any((p / ".obsidian").is_dir() or (p / "vaultkit.toml").is_file() for p in (folder, *folder.parents))
    return folder


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_refuses_a_folder_that_is_no_vault(nowhere, monkeypatch, name):
    before = everything(nowhere)
    head, tail = COMMANDS[name]
    monkeypatch.chdir(nowhere / "Genes")
    for args in ([*head, *tail], [*head, str(nowhere), *tail]):  # from the current folder, and given as VAULT
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output, result.stderr)
        assert "not inside a vault" in result.stderr and "vaultkit init" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        assert everything(nowhere) == before


def test_init_makes_a_vault_of_a_folder_that_is_none(nowhere, monkeypatch):
    monkeypatch.chdir(nowhere)
    assert CliRunner().invoke(cli, ["init", "."]).exit_code == 0
    assert (nowhere / "vaultkit.toml").is_file()
    monkeypatch.chdir(nowhere / "Genes")
    result = CliRunner().invoke(cli, ["links", "resolve", "Genes/a.md", "[[b]]"])
    assert result.exit_code == 0 and result.stdout.strip() == "Genes/b.md"


def test_find_vault_takes_the_nearest_folder_up(tmp_path):
    outer = write_vault(
        tmp_path / "outer", {"vaultkit.toml": "", "inner/.obsidian/app.json": "{}", "inner/deep/x.md": ""}
    )
    assert find_vault(outer / "inner" / "deep") == outer / "inner"
    assert find_vault(outer / "inner") == outer / "inner"
    assert find_vault(outer / "inner" / ".obsidian") == outer / "inner"
    assert find_vault(outer) == outer


@pytest.fixture
def gene_vault(tmp_path: Path) -> Path:
    root = make_gene_vault(tmp_path / "v")
    write_vault(root, {".obsidian/app.json": "{}", "Genes/a.md": "[[b]]\n", "Genes/b.md": "b\n", "Genes/sub/x.md": ""})
    return root


@pytest.mark.parametrize(
    "args",
    [
        ["links", "check"],
        ["lint"],
        ["links", "prune", "--dry-run"],
        ["links", "resolve", "Genes/a.md", "[[b]]"],
        ["links", "rename", "--dry-run", "Genes/a.md", "Genes/c.md"],
    ],
)
def test_read_only_commands_from_a_subfolder_see_the_whole_vault(gene_vault, monkeypatch, args):
    monkeypatch.chdir(gene_vault)
    at_root = CliRunner().invoke(cli, args)
    assert "not inside a vault" not in at_root.stderr
    monkeypatch.chdir(gene_vault / "Genes" / "sub")
    below = CliRunner().invoke(cli, args)
    assert (below.exit_code, below.stdout) == (at_root.exit_code, at_root.stdout)
    given = CliRunner().invoke(
        cli,
        [*args[:-2], "..", *args[-2:]]
        if "resolve" in args or "rename" in args
        else [*args[:2], "..", *args[2:]]
        if args[0] == "links"
        else [*args, ".."],
    )
    assert (given.exit_code, given.stdout) == (at_root.exit_code, at_root.stdout), given.stderr


def test_refresh_from_a_subfolder_writes_the_vault_not_the_subfolder(gene_vault, monkeypatch):
    monkeypatch.chdir(gene_vault / "Genes" / "sub")
    result = CliRunner().invoke(cli, ["refresh", "--offline"])
    assert result.exit_code == 0, result.stderr
    assert (gene_vault / "Genes" / "LIF.md").is_file()
    assert sorted(p.name for p in (gene_vault / "Genes" / "sub").iterdir()) == ["x.md"]
    assert (gene_vault / ".vaultkit").is_dir() and not (gene_vault / "Genes" / ".vaultkit").exists()


def test_rename_paths_are_vault_paths_from_any_folder(gene_vault, monkeypatch):
    monkeypatch.chdir(gene_vault / "Genes")
    result = CliRunner().invoke(cli, ["links", "rename", "Genes/b.md", "Genes/sub/b2.md"])
    assert result.exit_code == 0, result.stderr
    assert (gene_vault / "Genes" / "sub" / "b2.md").is_file() and not (gene_vault / "Genes" / "b.md").exists()
    assert (gene_vault / "Genes" / "a.md").read_text() in ("[[b2]]\n", "[[sub/b2]]\n", "[[Genes/sub/b2]]\n")


def test_fetch_and_consensus_from_a_subfolder(gene_vault, monkeypatch):
    monkeypatch.chdir(gene_vault / "Genes" / "sub")
    assert CliRunner().invoke(cli, ["refresh", "--offline"]).exit_code == 0
    result = CliRunner().invoke(cli, ["consensus", "add", "LIF", URL])
    assert result.exit_code == 0, result.stderr
    assert "LIF matters" in (gene_vault / "Genes" / "LIF.md").read_text()
    result = CliRunner().invoke(cli, ["fetch", "--offline", "LIF"])
    assert result.exit_code in (0, 1) and "not inside a vault" not in result.stderr, result.stderr
