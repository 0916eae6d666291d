"""A rename is a transaction: refused whole when it cannot be done, completed by the next command when killed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tests.helpers import snapshot, write_vault
from vaultkit.cli import cli
from vaultkit.vault import rename as vrename
from vaultkit.vault.write import STATE_DIR


def a_vault(root, notes=3):
    files = {"vaultkit.toml": "", ".obsidian/app.json": "{}"}
    for i in range(notes):
        files[f"Genes/G{i}.md"] = f"# G{i}\n"
        files[f"links/n{i}.md"] = f"[[G{i}]] [[Genes/G{i}]] [t](../Genes/G{i}.md) ![[G{i}#G{i}]]\n"
    return write_vault(root, files)


def check(root):
    result = CliRunner().invoke(cli, ["links", "check", str(root), "--json"])
    assert result.stdout.startswith("{"), (result.exit_code, result.stderr, result.exception)
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "target",
    [
        ".trash/G0.md",
        ".obsidian/G0.md",
        "Genes/.hidden/G0.md",
        "Genes/G#0.md",
        "Genes/G[0].md",
        "Genes/G^0.md",
        "Genes/50%%.md",
        "Genes/a|b.md",
        "../G0.md",
    ],
)
def test_names_obsidian_cannot_link_to_are_refused_and_nothing_moves(tmp_path, target):
    root = a_vault(tmp_path / "v")
    before = snapshot(root)
    result = CliRunner().invoke(cli, ["links", "rename", str(root), "Genes/G0.md", target])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert snapshot(root) == before


def test_case_only_rename_of_a_file_and_a_folder(tmp_path):
    root = a_vault(tmp_path / "v")
    assert CliRunner().invoke(cli, ["links", "rename", str(root), "Genes/G0.md", "Genes/g0.md"]).exit_code == 0
    assert (root / "Genes").is_dir() and "g0.md" in os.listdir(root / "Genes")
    assert CliRunner().invoke(cli, ["links", "rename", str(root), "Genes", "genes"]).exit_code == 0
    assert "genes" in os.listdir(root) and "Genes" not in os.listdir(root)
    report = check(root)
    assert report["broken"] == [] and report["ambiguous"] == []
    assert not list(root.rglob(".*vaultkit-case"))


def test_a_crash_between_rewriting_and_moving_is_completed_by_the_next_command(tmp_path, monkeypatch):
    root = a_vault(tmp_path / "v")
    real = os.rename

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies here: links rewritten, nothing moved yet

    monkeypatch.setattr(vrename.os, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        vrename.apply_rename(
            root,
            vrename.plan_rename(
                __import__("vaultkit.vault.index", fromlist=["build"]).build(root), "Genes", "Cytokines"
            ),
        )
    assert (root / STATE_DIR / vrename.JOURNAL).exists()
    monkeypatch.setattr(vrename.os, "rename", real)
    report = check(root)  # any command finishes it first
    assert report["broken"] == []
    assert (root / "Cytokines/G0.md").exists() and not (root / "Genes").exists()
    assert not (root / STATE_DIR / vrename.JOURNAL).exists()
    assert "[[Cytokines/G0]]" in (root / "links/n0.md").read_text()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_sigkill_at_random_moments_never_leaves_a_half_renamed_vault(tmp_path):
    rng = random.Random(3)
    for trial in range(8):
        root = a_vault(tmp_path / f"v{trial}", notes=120)
        proc = subprocess.Popen(
            [sys.executable, "-m", "vaultkit.cli_main", "links", "rename", str(root), "Genes", "Cytokines"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        report = check(root)  # the next command: completes (or finds complete) whatever was started
        assert report["broken"] == [], (trial, report["broken"][:3])
        in_old, in_new = (root / "Genes").exists(), (root / "Cytokines").exists()
        assert in_old != in_new, trial  # one place or the other, never both
        assert not (root / STATE_DIR / vrename.JOURNAL).exists()
        assert not list(root.rglob(".*vaultkit-tmp"))


def test_notes_dir_follows_a_renamed_notes_folder(tmp_path):
    root = a_vault(tmp_path / "v")
    (root / "vaultkit.toml").write_text(
        '# my settings\nnotes_dir = "Genes"  # where notes live\n'
        'attachments_dir = "Genes/plots"\n[data]\ntraits = ["sPAP"]\n'
    )
    result = CliRunner().invoke(cli, ["links", "rename", str(root), "Genes", "Gene notes"])
    assert result.exit_code == 0, result.output
    assert (root / "vaultkit.toml").read_text() == (
        '# my settings\nnotes_dir = "Gene notes"  # where notes live\n'
        'attachments_dir = "Gene notes/plots"\n[data]\ntraits = ["sPAP"]\n'
    )


def test_a_folder_renamed_into_a_folder_that_exists_moves_file_by_file(tmp_path):
    root = a_vault(tmp_path / "v")
    (root / "Cytokines").mkdir()
    (root / "Cytokines/IL6.md").write_text("# IL6\n")
    result = CliRunner().invoke(cli, ["links", "rename", str(root), "Genes", "Cytokines"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "Cytokines").iterdir()) == ["G0.md", "G1.md", "G2.md", "IL6.md"]
    assert (root / "Cytokines/IL6.md").read_text() == "# IL6\n" and not (root / "Genes").exists()
    assert check(root)["broken"] == []
    assert not (root / STATE_DIR / vrename.JOURNAL).exists()


def test_a_journal_naming_a_note_deleted_since_still_completes(tmp_path, monkeypatch):
    root = a_vault(tmp_path / "v")
    real = os.rename
    monkeypatch.setattr(vrename.os, "rename", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        vrename.apply_rename(
            root,
            vrename.plan_rename(
                __import__("vaultkit.vault.index", fromlist=["build"]).build(root), "Genes", "Cytokines"
            ),
        )
    monkeypatch.setattr(vrename.os, "rename", real)
    (root / "links/n1.md").unlink()  # the user deletes a note the journal names
    assert check(root)["broken"] == []
    assert not (root / STATE_DIR / vrename.JOURNAL).exists() and (root / "Cytokines/G1.md").exists()


def test_case_only_renames_on_a_case_insensitive_file_system(tmp_path, monkeypatch):
    """As on Windows, macOS and FAT by default: a name answers in any case, and a rename to the same name in
    another case is refused (FAT) - so vaultkit goes through a temporary name, and a second pass (the
    recovery after a kill) finds the work done in any case."""
    from pathlib import Path

    real_exists, real_rename = Path.exists, os.rename

    def exists(self, *args, **kwargs):
        if real_exists(self):
            return True
        parent = self.parent
        return (
            real_exists(parent)
            and parent.is_dir()
            and any(n.casefold() == self.name.casefold() for n in os.listdir(parent))
        )

    def rename(src, dst):
        src, dst = Path(src), Path(dst)
        if src != dst and str(src).casefold() == str(dst).casefold():
            raise FileExistsError(17, "File exists (case-insensitive)", str(dst))
        return real_rename(src, dst)

    root = a_vault(tmp_path / "v")
    monkeypatch.setattr(Path, "exists", exists)
    monkeypatch.setattr(os, "rename", rename)
    for old, new in (("Genes/G0.md", "Genes/g0.md"), ("Genes", "genes"), ("genes/G1.md", "genes/G1.MD")):
        result = CliRunner().invoke(cli, ["links", "rename", str(root), old, new])
        assert result.exit_code == 0, result.output
    monkeypatch.undo()
    assert sorted(os.listdir(root / "genes")) == ["G1.MD", "G2.md", "g0.md"]
    report = check(root)
    assert report["broken"] == [] and report["ambiguous"] == []
    assert not list(root.rglob(".*vaultkit-case"))
