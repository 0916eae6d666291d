"""Every long phase of a refresh speaks: a bar on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import io
import time

from tests.helpers import make_gene_vault
from vaultkit.config import load_settings
from vaultkit.pipeline.refresh import refresh
from vaultkit.progress import LineProgress, Progress


def test_plain_lines_for_a_long_phase_and_none_for_a_short_one():
    out = io.StringIO()
    lines = LineProgress(out, quiet=0.05, every=0.1)
    lines.start("quick", 3)
    lines.advance(3)
    lines.stop()
    assert out.getvalue() == ""
    lines.start("drawing plots", 10)
    for _ in range(5):
        time.sleep(0.06)
        lines.advance()
    lines.stop()
    text = out.getvalue().splitlines()
    assert text[0].startswith("drawing plots: ") and "/10 after 0:00" in text[0]
    assert any("left" in line for line in text)
    assert text[-1].startswith("drawing plots: done in ")


def test_one_long_step_is_not_silent():
    out = io.StringIO()
    lines = LineProgress(out, quiet=0.05, every=0.05)
    lines.start("reading features.tsv", 0)
    time.sleep(0.2)  # one big table, no steps to count
    lines.stop()
    text = out.getvalue().splitlines()
    assert len(text) >= 3 and text[0] == "reading features.tsv: 0:00 so far"


class Recorder(Progress):
    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.done: dict[str, int] = {}

    def start(self, label: str, total: int) -> None:
        self.phases.append((label, total))
        self.done[label] = 0

    def advance(self, steps: int = 1) -> None:
        self.done[self.phases[-1][0]] += steps


def test_every_phase_of_a_refresh_reports_its_progress(tmp_path):
    root = make_gene_vault(tmp_path / "v", extra_toml='[sources]\nenabled = ["ncbi", "europepmc"]\n')
    rec = Recorder()
    refresh(load_settings(root), offline=True, progress=rec)
    labels = [label for label, _ in rec.phases]
    for phase in (
        "reading features.tsv",
        "associating",
        "recomputing",
        "drawing plots",
        "asking NCBI Gene",
        "asking Europe PMC",
        "reading notes",
        "writing gene notes",
    ):
        assert any(label.startswith(phase) for label in labels), (phase, labels)
    for label, total in rec.phases:
        if total:
            assert rec.done[label] == total, label
