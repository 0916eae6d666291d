"""Compare before replace: a note saved by the user while vaultkit works on it is merged again, never lost."""

from __future__ import annotations

import os
import random
import threading
import time

from click.testing import CliRunner

from tests.helpers import make_gene_vault, write_cohort
from vaultkit import genenote
from vaultkit.cli import cli
from vaultkit.vault import write as vwrite


def refresh(root):
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline"])
    assert result.exit_code in (0, 1), result.output
    return result


def vault_with_new_data(tmp_path, seed=1):
    """A refreshed vault whose data then change, so the next refresh rewrites every note."""
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    refresh(root)
    write_cohort(root / "data", seed=seed)
    return root


def embeds(root, name="LIF.md"):
    return [line for line in (root / "Genes" / name).read_text().splitlines() if line.startswith("![[")]


def test_a_save_after_vaultkit_read_the_note_is_merged_again(tmp_path, monkeypatch):
    root = vault_with_new_data(tmp_path)
    note = root / "Genes/LIF.md"
    before = embeds(root)
    real = genenote.update
    saved = []

    def user_saves_while_we_merge(text, facts, *args, **kwargs):
        if facts.symbol == "LIF" and not saved:
            note.write_text(note.read_text() + "\nTyped while vaultkit merged.\n")
            saved.append(True)
        return real(text, facts, *args, **kwargs)

    monkeypatch.setattr(genenote, "update", user_saves_while_we_merge)
    refresh(root)
    assert "Typed while vaultkit merged." in note.read_text()
    assert embeds(root) != before  # and the new data still reached the note, merged from the user's version


def test_a_save_at_the_last_instant_before_the_replace(tmp_path, monkeypatch):
    root = vault_with_new_data(tmp_path)
    note = root / "Genes/LIF.md"
    before = embeds(root)
    real_replace = os.replace
    fired = []

    def save_then_move(src, dst, *args, **kwargs):
        if str(dst).endswith(".LIF.md.vaultkit-aside") and not fired:
            fired.append(True)
            with open(note, "a", encoding="utf-8") as fh:  # lands just before vaultkit moves the note aside
                fh.write("\nSaved at the last instant.\n")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(vwrite.os, "replace", save_then_move)
    refresh(root)
    assert fired and "Saved at the last instant." in note.read_text()
    assert embeds(root) != before


def test_a_note_saved_again_while_set_aside(tmp_path, monkeypatch):
    root = vault_with_new_data(tmp_path)
    note = root / "Genes/LIF.md"
    real_link = os.link
    fired = []

    def editor_recreates_note(src, dst, *args, **kwargs):
        if str(dst) == str(note) and not fired:
            fired.append(True)
            aside = note.with_name(".LIF.md.vaultkit-aside")
            note.write_text(aside.read_text() + "\nSaved while the note was set aside.\n")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(vwrite.os, "link", editor_recreates_note)
    refresh(root)
    assert fired and "Saved while the note was set aside." in note.read_text()
    assert not list(root.rglob(".*.vaultkit-tmp"))


def test_a_run_killed_mid_replace_puts_the_note_back(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    refresh(root)
    note = root / "Genes/MYC.md"
    text = note.read_bytes()
    os.replace(note, note.with_name(".MYC.md.vaultkit-aside"))  # what a kill between the two steps leaves
    other = root / "Genes/LIF.md"
    other.with_name(".LIF.md.vaultkit-aside").write_bytes(b"an older version")  # the replace had completed
    refresh(root)
    assert note.read_bytes() == text
    assert not list((root / "Genes").glob(".*vaultkit-aside"))
    assert [p.name for p in (root / ".trash").rglob("*aside*")] == [".LIF.md.vaultkit-aside"]


def test_reading_commands_see_a_note_set_aside_by_a_killed_run_at_its_place(tmp_path):
    """Before any writing command has put it back, links, lint and a dry run read it where it is, and move
    nothing (they write nothing)."""
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    (root / "Index.md").write_text("[[MYC]] and [[MYC#Plots]] and ![[MYC#sPAP]]\n", encoding="utf-8")
    refresh(root)
    before = CliRunner().invoke(cli, ["links", "check", str(root), "--json"])
    note = root / "Genes/MYC.md"
    aside = note.with_name(".MYC.md.vaultkit-aside")
    os.replace(note, aside)  # killed between setting the note aside and linking the new one in
    runner = CliRunner()
    after = runner.invoke(cli, ["links", "check", str(root), "--json"])
    assert after.exit_code == before.exit_code and after.stdout == before.stdout
    resolved = runner.invoke(cli, ["links", "resolve", str(root), "Index.md", "[[MYC]]"])
    assert "Genes/MYC.md" in resolved.stdout
    assert runner.invoke(cli, ["lint", str(root), "--json"]).exit_code in (0, 1)
    assert runner.invoke(cli, ["refresh", str(root), "--dry-run", "--offline"]).exit_code == 0
    assert not note.exists() and aside.exists()  # reading commands put nothing back
    refresh(root)
    assert note.exists() and not aside.exists()


def test_obsidian_saving_all_the_time_loses_no_line(tmp_path):
    """A real concurrent writer: atomic saves every millisecond or so while refresh rewrites the notes."""
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    refresh(root)
    note = root / "Genes/LIF.md"
    rng = random.Random(7)
    for trial in range(12):
        write_cohort(root / "data", seed=trial + 1)
        written: list[str] = []
        stop = threading.Event()

        def obsidian(trial=trial, written=written, stop=stop):
            i = 0
            while not stop.is_set():
                try:
                    text = note.read_text(encoding="utf-8")
                except FileNotFoundError:
                    continue  # set aside for a moment by vaultkit
                line = f"user line {trial}-{i}"
                tmp = note.with_name(f".obsidian-{trial}-{i}.tmp")
                tmp.write_text(text + line + "\n", encoding="utf-8")
                os.replace(tmp, note)
                written.append(line)
                i += 1
                time.sleep(rng.random() / 500)

        saver = threading.Thread(target=obsidian)
        saver.start()
        try:
            refresh(root)
        finally:
            stop.set()
            saver.join()
        final = note.read_text(encoding="utf-8")
        lost = [line for line in written if line not in final]
        assert not lost, (trial, lost[:5])


def test_a_symlinked_note_is_written_through_and_stays_a_link(tmp_path):
    import sys

    import pytest

    if sys.platform == "win32":
        pytest.skip("symlinks need privileges on Windows")
    root = vault_with_new_data(tmp_path)
    before = embeds(root)
    real = root / "Archive/LIF real.md"
    real.parent.mkdir()
    os.replace(root / "Genes/LIF.md", real)
    os.symlink(real, root / "Genes/LIF.md")
    outside = tmp_path / "outside.md"
    os.replace(root / "Genes/MYC.md", outside)
    os.symlink(outside, root / "Genes/MYC.md")
    before_outside = outside.read_bytes()
    result = refresh(root)
    assert (root / "Genes/LIF.md").is_symlink() and embeds(root) != before  # written through the link
    assert (root / "Genes/MYC.md").is_symlink() and outside.read_bytes() == before_outside
    assert "Genes/MYC.md" in result.stderr and "outside" in result.stderr


def test_trash_or_state_folders_linked_outside_are_refused(tmp_path):
    import sys

    import pytest

    if sys.platform == "win32":
        pytest.skip("symlinks need privileges on Windows")
    for name in (".vaultkit", ".trash"):
        root = vault_with_new_data(tmp_path / name, seed=2)
        outside = tmp_path / f"outside{name}"
        outside.mkdir()
        import shutil

        shutil.rmtree(root / name, ignore_errors=True)
        os.symlink(outside, root / name)
        result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--force"])
        assert result.exit_code == 2 and "outside the vault" in result.stderr, result.output
        assert list(outside.iterdir()) == []
