"""User text survives: generated notes (hypothesis), SIGKILL at random moments, two refreshes at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import make_gene_vault, snapshot, write_cohort
from vaultkit import genenote
from vaultkit.genome.genes import gene_table, span_table
from vaultkit.genome.regions import Region
from vaultkit.vault.obsidian import AppSettings
from vaultkit.vault.resolve import Resolver

LIF = gene_table().lookup("LIF")
REGION = Region("chr22", 30247659, 30247698, LIF.ensembl_id)


def facts(r: float, summary: str) -> genenote.GeneFacts:
    plots = {
        t: [genenote.PlotRef(t, REGION, f"plots/X{r + i / 10:.15g}_{LIF.ensembl_id}_chr22.30247659.30247698.png")]
        for i, t in enumerate(("sPAP", "mPAP"))
    }
    stats = {t: genenote.TraitStats(r, 1e-4, 1e-3, 30) for t in ("sPAP", "mPAP")}
    ncbi = genenote.Summary(summary, "https://www.ncbi.nlm.nih.gov/gene/3976")
    return genenote.GeneFacts(
        gene=LIF,
        span=span_table().span("LIF"),
        traits=("sPAP", "mPAP"),
        plots=plots,
        stats=stats,
        ncbi=ncbi,
        consensus_search=("about LIF", "https://consensus.app/results/?q=x"),
    )


def run(text: str, f: genenote.GeneFacts, state: dict) -> genenote.NoteUpdate:
    paths = [p.rel for ps in f.plots.values() for p in ps]
    return genenote.update(text, f, state, note="Genes/LIF.md", resolver=Resolver(paths), app=AppSettings())


# User lines: anything on one line that is not a heading (a heading of theirs would be a section of theirs).
user_line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(
    lambda s: (
        "u: "
        + s.replace("\r", " ").replace("\n", " ").replace("\x85", " ").replace("\u2028", " ").replace("\u2029", " ")
    )
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), user_line), min_size=1, max_size=8))
def test_random_user_lines_anywhere_survive_a_refresh_with_changed_data(insertions):
    first = run(genenote.skeleton(facts(0.5, "old summary")), facts(0.5, "old summary"), {})
    lines = first.text.split("\n")
    body_from = lines.index("---", 1) + 1  # not inside the YAML
    added = []
    for pos, line in sorted(insertions):
        at = body_from + pos % (len(lines) - body_from)
        lines.insert(at, line)
        added.append(line)
    edited = "\n".join(lines)
    second = run(edited, facts(-0.25, "new summary"), first.state)
    # Every user line is still there, byte for byte and in order.
    remaining = iter(second.text.split("\n"))
    assert all(any(line == other for other in remaining) for line in edited.split("\n") if line in added)
    assert "r_sPAP: -0.25" in second.text
    # Running again with the same facts changes nothing.
    assert run(second.text, facts(-0.25, "new summary"), second.state).text == second.text


def test_managed_text_is_replaced_when_untouched():
    first = run(genenote.skeleton(facts(0.5, "old summary")), facts(0.5, "old summary"), {})
    second = run(first.text, facts(0.5, "new summary"), first.state)
    assert "- new summary" in second.text and "old summary" not in second.text and not second.conflicts


def _refresh_cmd(root: Path) -> list[str]:
    return [sys.executable, "-m", "vaultkit.cli_main", "refresh", str(root), "--offline"]


def _notes(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if k.endswith(".md")}


def test_sigkill_at_random_moments_leaves_notes_whole_and_the_next_run_finishes(tmp_path):
    base = make_gene_vault(tmp_path / "base", user_notes=True)
    done = tmp_path / "done"
    shutil.copytree(base, done)
    subprocess.run(_refresh_cmd(done), check=True, capture_output=True)
    expected = _notes(done)
    originals = _notes(base)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for i, delay in enumerate((0.8, 1.6, 2.4, 3.2)):
        root = tmp_path / f"kill{i}"
        shutil.copytree(base, root)
        proc = subprocess.Popen(_refresh_cmd(root), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for rel, data in _notes(root).items():
            assert data in (originals.get(rel), expected.get(rel)), f"{rel} is partial after a kill at {delay}s"
        visible_tmp = [p for p in root.rglob("*vaultkit-tmp*") if not p.name.startswith(".")]
        assert not visible_tmp
        subprocess.run(_refresh_cmd(root), check=True, capture_output=True, env=env)
        assert _notes(root) == expected
        assert not list(root.rglob("*.vaultkit-tmp"))


def test_two_refreshes_at_once_the_second_says_locked(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    write_cohort(root / "data")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from vaultkit.vault.write import vault_lock\n"
                "with vault_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)"
            ),
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = snapshot(root)
        second = subprocess.run(_refresh_cmd(root), capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "vault is locked" in second.stderr
        assert snapshot(root) == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
