"""A dry run is the real run: the files it names and the diffs it prints are what the real run then writes.

Each scenario is set up once, copied twice; one copy gets ``--dry-run``, the
other the real run, and the real run's changes are compared with what the dry
run announced, file by file and diff by diff.
"""

from __future__ import annotations

import difflib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import make_gene_vault, snapshot, write_cohort
from vaultkit.cli import cli


def refresh(root: Path, *extra: str):
    return CliRunner().invoke(cli, ["refresh", str(root), "--offline", *extra])


def visible(root: Path) -> dict[str, bytes]:
    """What Obsidian shows of a vault (and its .obsidian settings), without vaultkit's state and the trash."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".trash/")}


def split_diff(diff: str) -> dict[str, str]:
    """A unified diff of many files, per file (keyed by the path after ``b/``)."""
    out: dict[str, list[str]] = {}
    current = None
    lines = diff.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ b/"):
            current = lines[i + 1][6:].rstrip("\n")
            out[current] = []
        if current is not None:
            out[current].append(line)
    return {k: "".join(v) for k, v in out.items()}


def real_diff(rel: str, old: bytes | None, new: bytes) -> str:
    a = old.decode("utf-8").splitlines(True) if old is not None else []
    lines = difflib.unified_diff(
        a, new.decode("utf-8").splitlines(True), f"a/{rel}" if old is not None else "/dev/null", f"b/{rel}"
    )
    return "".join(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines)


def compare(tmp_path: Path, name: str, setup: Callable[[Path], None], *extra: str) -> dict:
    base = tmp_path / name
    setup(base)
    dry, real = tmp_path / f"{name}-dry", tmp_path / f"{name}-real"
    shutil.copytree(base, dry)
    shutil.copytree(base, real)
    before = visible(dry)
    planned = refresh(dry, "--json", "--dry-run", *extra)
    assert planned.exit_code in (0, 1), planned.output
    assert visible(dry) == before, "the dry run wrote into the vault"
    announced = json.loads(planned.stdout)
    diffs = split_diff(refresh(dry, "--dry-run", *extra).stdout)
    done = refresh(real, "--json", *extra)
    assert done.exit_code == planned.exit_code, done.output
    after = visible(real)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    said = json.loads(done.stdout)
    for report in (announced, said):
        report.pop("skipped")
    assert announced == said, "the dry run's report differs from the real run's"
    n, f = announced["notes"], announced.get("files", {})
    named = {
        *n["created"],
        *n["updated"],
        *announced["plots"]["drawn"],
        *announced["plots"]["retired"],
        *f.get("created", []),
        *f.get("updated", []),
    }
    assert changed == named
    text_changes = {p for p in changed if p in after and not p.endswith(".png")}
    assert set(diffs) == text_changes
    for rel in text_changes:
        assert diffs[rel] == real_diff(rel, before.get(rel), after[rel]), rel
    return announced


def test_first_refresh_of_the_users_real_notes(tmp_path):
    report = compare(tmp_path, "user", lambda root: make_gene_vault(root, user_notes=True))
    assert report["plots"]["retired"] and report["notes"]["updated"]


def _obsidian_vault(root: Path) -> None:
    make_gene_vault(root)
    (root / ".obsidian").mkdir()
    (root / ".obsidian/types.json").write_text('{\n  "types": {\n    "r_sPAP": "text"\n  }\n}')


def test_new_vault(tmp_path):
    report = compare(tmp_path, "new", _obsidian_vault)
    assert report["files"] == {"created": ["Genes.base", "Associations.canvas"], "updated": [".obsidian/types.json"]}


def _after_data_change(root: Path) -> None:
    make_gene_vault(root, user_notes=True)
    assert refresh(root).exit_code == 0
    write_cohort(root / "data", seed=7)  # new data: new r, new plot names, old plots retired


def test_refresh_after_the_data_changed(tmp_path):
    report = compare(tmp_path, "changed", _after_data_change)
    assert report["plots"]["retired"]


def _shared_plot_and_edits(root: Path) -> None:
    make_gene_vault(root, user_notes=True)
    assert refresh(root).exit_code == 0
    lif = (root / "Genes/LIF.md").read_text()
    embed = next(line for line in lif.splitlines() if line.startswith("![[X"))
    # Another note of the user embeds the plot that the next run replaces: it must not be retired.
    (root / "Board.md").write_text(f"my board\n{embed}\n")
    (root / "Genes/MYC.md").write_text((root / "Genes/MYC.md").read_text().replace("symbol: MYC", "symbol: MYC-mine"))
    write_cohort(root / "data", seed=3)


def test_refresh_with_a_plot_embedded_elsewhere_and_a_conflict(tmp_path):
    report = compare(tmp_path, "shared", _shared_plot_and_edits)
    assert report["conflicts"]


@pytest.mark.parametrize("flag", ["--force", "--redraw"])
def test_forced_refresh(tmp_path, flag):
    compare(tmp_path, "forced", _shared_plot_and_edits, flag)


USER_SPAP = "X0.567330246986036_ENSG00000128342_chr22.30247659.30247698.png"


def test_ingest_dry_run_is_the_real_run(tmp_path):
    from tests.helpers import EXAMPLES
    from vaultkit.config import load_settings
    from vaultkit.pipeline.ingest import ingest

    base = make_gene_vault(tmp_path / "base", user_notes=True)
    shutil.copy(EXAMPLES / "GeneDump/LIF.md", base / "Genes/LIF.md")
    # The user's second download of a plot: a copy-suffixed name for the same association.
    dump = tmp_path / "dump"
    dump.mkdir()
    for p in (EXAMPLES / "plot_dump").iterdir():
        shutil.copy(p, dump / p.name.replace(".png", " 1.png"))
    dry, real = tmp_path / "dry", tmp_path / "real"
    shutil.copytree(base, dry)
    shutil.copytree(base, real)
    before = visible(dry)
    planned = ingest(load_settings(dry), dump, trait="sPAP", dry_run=True)
    assert visible(dry) == before
    done = ingest(load_settings(real), dump, trait="sPAP")
    after = visible(real)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert planned.copied == done.copied and planned.notes.retired == done.notes.retired
    assert planned.copied and planned.notes.retired == ["plot_dump/" + USER_SPAP]
    assert changed == {*planned.copied, *planned.notes.created, *planned.notes.updated, *planned.notes.retired}
    diffs = split_diff(planned.notes.diff)
    assert set(diffs) == {p for p in changed if p.endswith(".md")}
    for rel, diff in diffs.items():
        assert diff == real_diff(rel, before.get(rel), after[rel])


def test_a_rename_a_killed_run_left_half_done_is_completed_first_by_both(tmp_path, monkeypatch):
    """The real run completes the interrupted rename before it plans; so does the dry run (as links check
    does), so that what it announces is what the real run then writes."""
    import os

    from vaultkit.vault import index as vindex
    from vaultkit.vault import rename as vrename

    base = make_gene_vault(tmp_path / "base", user_notes=True)
    assert refresh(base).exit_code == 0
    real_rename = os.rename

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # killed here: links rewritten, nothing moved yet

    monkeypatch.setattr(vrename.os, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        vrename.apply_rename(base, vrename.plan_rename(vindex.build(base), "Genes/MYC.md", "Genes/MYC oncogene.md"))
    monkeypatch.setattr(vrename.os, "rename", real_rename)
    dry, real, settled = (tmp_path / n for n in ("dry", "real", "settled"))
    for copy in (dry, real, settled):
        shutil.copytree(base, copy)
    CliRunner().invoke(cli, ["links", "check", str(settled)])  # the vault as any command first makes it
    before = visible(settled)
    assert "Genes/MYC oncogene.md" in before and "Genes/MYC.md" not in before
    planned = refresh(dry, "--json", "--dry-run")
    assert visible(dry) == before  # the dry run completed the rename and wrote nothing of its own
    done = refresh(real, "--json")
    announced, said = json.loads(planned.stdout), json.loads(done.stdout)
    for report in (announced, said):
        report.pop("skipped")
    assert announced == said
    after = visible(real)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    n, f = announced["notes"], announced.get("files", {})
    assert changed == {
        *n["created"],
        *n["updated"],
        *announced["plots"]["drawn"],
        *announced["plots"]["retired"],
        *f.get("created", []),
        *f.get("updated", []),
    }
