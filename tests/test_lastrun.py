"""A refresh with nothing new is skipped whole; anything new (data, settings, a note, an option) is looked at."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from tests.helpers import make_gene_vault, snapshot
from vaultkit.cli import cli
from vaultkit.pipeline import lastrun
from vaultkit.pipeline import refresh as refresh_module


def refresh(root, *extra):
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_nothing_new_is_skipped_and_reports_the_same_vault(tmp_path):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    first = refresh(root)
    assert not first["skipped"]
    before = snapshot(root)
    second = refresh(root)
    assert second["skipped"]
    assert (
        second["notes"]["unchanged"]
        == len(first["notes"]["created"]) + len(first["notes"]["updated"]) + first["notes"]["unchanged"]
    )
    assert second["plots"]["kept"] == len(first["plots"]["drawn"]) + first["plots"]["kept"]
    assert snapshot(root) == before


def test_a_noop_refresh_imports_no_heavy_library(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    refresh(root)
    code = (
        "import sys\nfrom vaultkit.cli import main\nsys.argv = ['vaultkit', 'refresh', sys.argv[1], '--offline']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = sorted(m for m in ('pandas', 'scipy', 'matplotlib', 'requests_cache', 'markdown_it') if m in sys.modules)\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_user_edit_data_change_settings_and_options_are_not_skipped(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    refresh(root)
    note = root / "Genes/LIF.md"
    note.write_text(note.read_text() + "\nMy own line.\n")
    assert not refresh(root)["skipped"]
    assert "My own line." in note.read_text()
    assert refresh(root)["skipped"]

    table = root / "data/phenotypes.tsv"
    table.write_text(table.read_text().replace("\t", "\t", 1) + "")  # same bytes, new mtime: still nothing new
    assert not refresh(root)["skipped"]  # the table is inside the vault: its file changed, so look
    assert refresh(root)["skipped"]

    toml = root / "vaultkit.toml"
    toml.write_text(toml.read_text().replace('traits = ["sPAP", "mPAP"]', 'traits = ["sPAP"]'))
    assert not refresh(root)["skipped"]
    assert refresh(root)["skipped"]
    for option in ("--force", "--redraw"):
        assert not refresh(root, option)["skipped"]


def test_data_outside_the_vault_is_fingerprinted_by_content(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    (root / "data").rename(tmp_path / "data")
    toml = root / "vaultkit.toml"
    toml.write_text(
        toml.read_text().replace(
            "[data]\n", '[data]\nfeatures = "../data/features.tsv"\nphenotypes = "../data/phenotypes.tsv"\n'
        )
    )
    refresh(root)
    table = tmp_path / "data/features.tsv"
    table.write_bytes(table.read_bytes())  # touched, same bytes
    assert refresh(root)["skipped"]
    table.write_text(table.read_text().replace("\t8.", "\t9.", 3))
    assert not refresh(root)["skipped"]


def test_a_new_version_recomputes_but_writes_nothing(tmp_path, monkeypatch):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    refresh(root)
    before = snapshot(root)
    monkeypatch.setattr(refresh_module, "__version__", "99.0")
    report = refresh(root)
    assert not report["skipped"] and report["notes"]["created"] == report["notes"]["updated"] == []
    assert report["plots"]["drawn"] == [] and snapshot(root) == before


def test_an_edit_made_during_the_run_is_looked_at_next_time(tmp_path, monkeypatch):
    root = make_gene_vault(tmp_path / "v")
    refresh(root)
    note = root / "Genes/MYC.md"
    real = refresh_module._refresh

    def obsidian_saves_meanwhile(*args, **kwargs):
        report = real(*args, **kwargs)
        note.write_text(note.read_text() + "\nTyped while vaultkit ran.\n")
        return report

    monkeypatch.setattr(refresh_module, "_refresh", obsidian_saves_meanwhile)
    refresh(root, "--force")
    monkeypatch.setattr(refresh_module, "_refresh", real)
    assert not refresh(root)["skipped"]
    assert "Typed while vaultkit ran." in note.read_text()


def test_a_broken_record_is_rebuilt(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    refresh(root)
    record = root / ".vaultkit" / lastrun.LASTRUN_FILE
    for junk in (b"\x80\x04not json", b'{"format": 1, "inputs": 3}', b"[]"):
        record.write_bytes(junk)
        assert not refresh(root)["skipped"]
        assert json.loads(record.read_text())["format"] == lastrun.FORMAT


def test_sources_that_were_offline_are_asked_again_online(tmp_path):
    root = make_gene_vault(
        tmp_path / "v", extra_toml='[sources]\nenabled = ["ncbi"]\n[sources.ncbi]\nbase_url = "http://127.0.0.1:9/"\n'
    )
    refresh(root)
    assert refresh(root)["skipped"]  # offline again: the cached answers are what there is
    online = CliRunner().invoke(cli, ["refresh", str(root), "--json"])
    assert not json.loads(online.stdout)["skipped"]


def test_dry_run_of_a_noop_is_a_noop(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    refresh(root)
    record = (root / ".vaultkit" / lastrun.LASTRUN_FILE).read_bytes()
    out = refresh(root, "--dry-run")
    assert out["skipped"] and out["notes"]["updated"] == []
    assert (root / ".vaultkit" / lastrun.LASTRUN_FILE).read_bytes() == record


def test_redraw_reports_only_the_plots_whose_bytes_changed(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    first = refresh(root)
    assert first["plots"]["drawn"]
    again = refresh(root, "--redraw")
    # Every plot was drawn again in memory; none came out different, so none was written or reported drawn.
    assert again["plots"]["drawn"] == [] and again["plots"]["kept"] == len(first["plots"]["drawn"])
