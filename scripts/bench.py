"""Benchmarks: each prints vaultkit's time against the naive or peer way, measured in the same run.

python scripts/bench.py links [--notes 10000 --runs 5 --peer-python PATH --peer-runs 1]
python scripts/bench.py assoc [--regions 200000 --samples 100]
python scripts/bench.py plots [--plots 100 --runs 5 --keep DIR]
python scripts/bench.py fetch [--genes 500]
python scripts/bench.py refresh [--genes 1000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_link_vault(root: Path, notes: int, seed: int = 1) -> tuple[int, int]:
    """A vault of ``notes`` notes in nested folders, ~5 links each, and notes/4 attachments."""
    rng = random.Random(seed)
    folders = [f"area{a}/topic{t}" for a in range(20) for t in range(10)]
    names = [f"{rng.choice(folders)}/Note {i}" for i in range(notes)]
    images = [f"attachments/img{i}.png" for i in range(notes // 4)]
    for img in images:
        p = root / img
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"\x89PNG")
    links = 0
    for i, name in enumerate(names):
        parts = [f"# Note {i}\n\nSome text about the topic.\n"]
        for _ in range(5):
            links += 1
            kind = rng.random()
            if kind < 0.6:
                target = names[rng.randrange(notes)].rsplit("/", 1)[-1]
                if rng.random() < 0.1:
                    target = target.lower()  # Obsidian matches names case-insensitively
                parts.append(f"See [[{target}]] and more words.\n")
            elif kind < 0.8:
                parts.append(f"![[{images[rng.randrange(len(images))].rsplit('/', 1)[-1]}|300]]\n")
            elif kind < 0.9:
                parts.append(f"[[{names[rng.randrange(notes)]}#Heading|shown]]\n")
            else:
                parts.append(f"[[Missing {rng.randrange(1000)}]]\n")
        if i % 10 == 0:
            parts.append("```\n[[not a link]]\n```\n`[[code]]`\n")
        p = root / f"{name}.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("".join(parts), encoding="utf-8")
    return links, len(images)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


READ_NOTES = """
import os, sys
for folder, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), "rb") as fh:
                fh.read()
"""
PEER = """
import json, sys
from pathlib import Path
import obsidiantools.api as otools
vault = otools.Vault(Path(sys.argv[1])).connect(attachments=True).gather()
links = sum(map(len, vault.wikilinks_index.values())) + sum(map(len, vault.embedded_files_index.values()))
print(json.dumps({"links": links, "missing": sorted(vault.nonexistent_notes)}))
"""


REPO = Path(__file__).resolve().parent.parent


def _child_env() -> dict[str, str]:
    """The environment of every measured process (run in ``REPO``): this checkout's vaultkit, wherever the
    bench is started from (``python -m`` and ``-c`` put the working folder first, so it is REPO too), run
    from compiled bytecode as it is once installed (a shell that says not to write it would make every run
    compile vaultkit's sources again)."""
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _process(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and stdout of one whole process."""
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False, cwd=REPO, env=_child_env()
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, out.stdout


def _peer_python(given: str | None) -> str | None:
    """A Python that has obsidiantools: the one given, else this one if it has it, else None."""
    import subprocess

    for python in [given] if given else [sys.executable]:
        if subprocess.run([python, "-c", "import obsidiantools"], capture_output=True, check=False).returncode == 0:
            return python
    return None


def _figures(name: str, runs: list[tuple[float, float, str]], floor: list[tuple[float, float, str]]) -> str:
    import statistics

    parts = []
    for i, what in ((0, "wall"), (1, "CPU")):
        values = [r[i] for r in runs]
        ratios = sorted(a[i] / b[i] for a, b in zip(runs, floor, strict=True))
        parts.append(
            f"{what} median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}) = "
            f"{statistics.median(ratios):.1f}x the floor ({ratios[0]:.1f}-{ratios[-1]:.1f})"
        )
    return f"{name:<34}" + "; ".join(parts)


def bench_links(args: argparse.Namespace) -> None:
    """Whole processes, as a user waits for them, interleaved round by round: ``vaultkit links check`` cold
    (no cache), warm (caches in .vaultkit/, nothing changed: the kept report) and warm after one note was
    edited (the parse cache and the targets' kept answers, every link checked) against the floor, a process that only reads every note's
    bytes, and obsidiantools (``connect().gather()``) on the same vault; then the parse cache: loaded
    against rebuilt."""
    import json
    import statistics

    root = Path(tempfile.mkdtemp(prefix="vk-bench-")) / "vault"
    (root / ".obsidian").mkdir(parents=True)
    try:
        links, images = make_link_vault(root, args.notes)
        size = sum(p.stat().st_size for p in root.rglob("*.md"))
        print(f"vault: {args.notes} notes ({size / 2**20:.0f} MB), {links} links, {images} attachments")
        peer = _peer_python(args.peer_python) if args.peer_runs else None
        if peer:
            version = _process([peer, "-c", "from importlib.metadata import version; print(version('obsidiantools'))"])
            print(f"peer: obsidiantools {version[2].strip()} ({peer})")
        elif args.peer_runs:
            print("obsidiantools not found (pip install -e '.[bench]', or --peer-python PATH); no peer figures")
        check = [sys.executable, "-m", "vaultkit.cli_main", "links", "check", str(root)]
        rounds: dict[str, list[tuple[float, float, str]]] = {
            "floor": [],
            "cold": [],
            "warm": [],
            "edit": [],
            "peer": [],
        }
        edited = next(root.rglob("*.md"))
        _process(check)  # untimed: the bytecode written, the files in the OS's cache for every round alike
        for i in range(args.runs):  # interleaved, so drift of the machine's speed hits all alike
            rounds["floor"].append(_process([sys.executable, "-c", READ_NOTES, str(root)]))
            shutil.rmtree(root / ".vaultkit", ignore_errors=True)
            rounds["cold"].append(_process(check))
            rounds["warm"].append(_process(check))
            # The kept report is for an unchanged vault: one note written, and every link is checked again (from
            # the parse cache and the targets' kept answers).
            with edited.open("a", encoding="utf-8") as fh:
                fh.write("One more line.\n")
            rounds["edit"].append(_process(check))
            if peer and i < args.peer_runs:  # a minute a run on 10,000 notes: the first rounds only
                rounds["peer"].append(_process([peer, "-c", PEER, str(root)]))
        floor = rounds["floor"]
        print(
            f"{'floor (read every note):':<34}wall median {statistics.median(r[0] for r in floor):.2f} s, "
            f"CPU median {statistics.median(r[1] for r in floor):.2f} s ({args.runs} rounds)"
        )
        print(_figures("vaultkit links check, cold:", rounds["cold"], floor))
        print(_figures("vaultkit links check, warm:", rounds["warm"], floor))
        print(_figures("  warm, one note edited:", rounds["edit"], floor))
        if rounds["peer"]:
            print(_figures("obsidiantools connect+gather:", rounds["peer"], floor[: len(rounds["peer"])]))
        _cache_load_vs_rebuild(root, args.runs)
        report = json.loads(_process([*check, "--json"])[2])
        print(f"links: vaultkit {report['links']}, {len(report['broken'])} broken", end="")
        if rounds["peer"]:
            theirs = json.loads(rounds["peer"][-1][2])
            ours_missing = {b["target"].casefold() for b in report["broken"]}
            wrong = [n for n in theirs["missing"] if n.casefold() not in ours_missing]
            print(
                f"; obsidiantools {theirs['links']} (wikilinks + embeds); both leave out the "
                f"{2 * len(range(0, args.notes, 10))} written in code. Names reported missing: vaultkit "
                f"{len(ours_missing)}, obsidiantools {len(theirs['missing'])}, of which {len(wrong)} exist "
                "(written in another case or as a folder path; Obsidian resolves them)"
            )
        else:
            print()
    finally:
        shutil.rmtree(root.parent)


def _cache_load_vs_rebuild(root: Path, runs: int) -> None:
    """In this process: loading the links cache against rebuilding it (reading and parsing every note, saving)."""
    import statistics

    from vaultkit import gcpause
    from vaultkit.vault import index, parsecache

    cache = root / ".vaultkit" / parsecache.CACHE_FILE
    load, rebuild = [], []
    for _ in range(runs):
        with gcpause.no_gc():  # as build() loads it
            seconds, (entries, _) = timed(lambda: parsecache.load(cache))
        load.append(seconds)
        parse, _ = timed(lambda: index.build(root, use_cache=False))
        cache.unlink()  # written afresh, as a rebuild does (an equal file would only be compared)
        save, _ = timed(lambda e=entries: parsecache.save(cache, e))
        rebuild.append(parse + save)
    ratios = sorted(b / a for a, b in zip(load, rebuild, strict=True))
    print(
        f"links cache ({cache.stat().st_size / 2**20:.1f} MB): loaded in median {statistics.median(load):.3f} s "
        f"(min {min(load):.3f}), rebuilt (read, parse, save) in {statistics.median(rebuild):.3f} s: loading is "
        f"{statistics.median(ratios):.1f}x faster ({ratios[0]:.1f}-{ratios[-1]:.1f})"
    )


def make_assoc_tables(folder: Path, regions: int, samples: int, seed: int = 3) -> tuple[Path, Path, Path]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    names = [f"S{i:03d}" for i in range(samples)]
    values = rng.normal(8, 2, size=(regions, samples)).round(4)
    ids = [f"ENSG{i:011d}_chr{1 + i % 22}.{1000 + 50 * i}.{1039 + 50 * i}" for i in range(regions)]
    feats = pd.DataFrame(values, columns=names)
    feats.insert(0, "region", ids)
    tsv, parquet, pheno = folder / "features.tsv", folder / "features.parquet", folder / "phenotypes.tsv"
    feats.to_csv(tsv, sep="\t", index=False)
    feats.to_parquet(parquet, index=False)
    spap = rng.normal(45, 15, samples)
    pd.DataFrame({"sample": names, "sPAP": spap, "mPAP": 0.61 * spap + 2 + rng.normal(0, 2, samples)}).to_csv(
        pheno, sep="\t", index=False
    )
    return tsv, parquet, pheno


MEASURED = """
import resource, runpy, sys
sys.argv = sys.argv[1:]
try:
    if sys.argv[0] == "-c":
        exec(sys.argv[1], {"__name__": "__main__", "sys": sys})
    else:
        runpy.run_module(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
finally:
    # ru_maxrss keeps the size of the process that forked this one (Linux carries it across exec): the
    # high-water mark of this program's own memory is /proc's VmHWM where there is one.
    try:
        kb = int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
    except OSError:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
    print("maxrss_kb", kb, file=sys.stderr)
"""
READ_TABLE = "import pandas as pd; pd.read_csv(sys.argv[2], sep='\\t')"


def _whole_process(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of one fresh Python process running ``args``."""
    import subprocess

    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], capture_output=True, text=True, check=True, cwd=REPO, env=_child_env()
    )
    wall = time.perf_counter() - t0
    kb = int(out.stderr.rsplit("maxrss_kb", 1)[1].split()[0])
    return wall, kb // 1024


def bench_assoc(args: argparse.Namespace) -> None:
    """Whole processes, as a user waits for them: ``vaultkit associate`` (Spearman, R's exact p) against a
    process that only reads the table with pandas, and against a per-region scipy loop."""
    import statistics

    import numpy as np
    import pandas as pd
    import scipy.stats as ss

    folder = Path(tempfile.mkdtemp(prefix="vk-assoc-"))
    try:
        tsv, _, pheno = make_assoc_tables(folder, args.regions, args.samples)
        matrix_mb = args.regions * args.samples * 8 / 2**20
        print(f"{args.regions} regions x {args.samples} samples x 2 traits (float64 matrix {matrix_mb:.0f} MB)")
        for method in ("spearman", "pearson"):
            ours, floor = [], []
            for _ in range(args.runs):  # interleaved, so drift of the machine's speed hits both alike
                ours.append(
                    _whole_process(
                        [
                            "vaultkit.cli_main",
                            "associate",
                            "--features",
                            str(tsv),
                            "--phenotypes",
                            str(pheno),
                            "--traits",
                            "sPAP,mPAP",
                            "--method",
                            method,
                            "--out",
                            str(folder / "results.parquet"),
                        ]
                    )
                )
                floor.append(_whole_process(["-c", READ_TABLE, str(tsv)]))
            ratio = sorted(a[0] / b[0] for a, b in zip(ours, floor, strict=True))
            print(
                f"[{method}] vaultkit associate: median {statistics.median(w for w, _ in ours):.2f} s, "
                f"peak {max(m for _, m in ours)} MB ({max(m for _, m in ours) / matrix_mb:.1f}x the matrix) | "
                f"python + pandas read_csv: median {statistics.median(w for w, _ in floor):.2f} s, "
                f"peak {max(m for _, m in floor)} MB | ratio median {statistics.median(ratio):.2f}x "
                f"(min {ratio[0]:.2f}, max {ratio[-1]:.2f})"
            )
        table = pd.read_csv(tsv, sep="\t")
        y = pd.read_csv(pheno, sep="\t")
        sample = 2000
        values = table.iloc[:sample, 1:].to_numpy(dtype=float)
        t0 = time.perf_counter()
        for trait in ("sPAP", "mPAP"):
            yy = y[trait].to_numpy()
            for row in values:
                ok = ~np.isnan(row)
                ss.spearmanr(row[ok], yy[ok])
        loop = (time.perf_counter() - t0) * args.regions / sample
        print(f"per-region scipy.stats.spearmanr loop, scaled from {sample} regions: {loop:.0f} s without the read")
    finally:
        shutil.rmtree(folder)


def _pyplot_naive(job, folder: Path) -> None:
    """The same figure the way a script usually makes it: pyplot, a fresh figure per plot, tight_layout, savefig."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vaultkit.plots import PANEL_SIZE_IN, SIZE_IN, scatter

    if job.data.condition_panel:
        fig, (ax, panel) = plt.subplots(1, 2, figsize=PANEL_SIZE_IN)
        scatter(job.data, ax=ax, panel_ax=panel)
    else:
        fig, ax = plt.subplots(figsize=SIZE_IN)
        scatter(job.data, ax=ax)
    plt.tight_layout()
    plt.savefig(folder / job.path.name, format="png", dpi=100, metadata=job.text)
    plt.close(fig)


def _drawing_libraries() -> str:
    """What the plot figures depend on beyond the machine line: the PNG writer's zlib and pyplot's Pillow."""
    import zlib
    from importlib.metadata import version

    return f"drawing: zlib {zlib.ZLIB_RUNTIME_VERSION}, pillow {version('pillow')} (the pyplot loop's PNG writer)"


def make_plot_vault(root: Path, plots: int) -> Path:
    """A vault whose results select ``plots`` plots (two traits, one region per gene); returns the results table."""
    import subprocess

    make_refresh_vault(root, max(1, plots // 2))
    results = root.parent / "results.tsv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "vaultkit.cli_main",
            "associate",
            "--features",
            str(root / "data/features.tsv"),
            "--phenotypes",
            str(root / "data/phenotypes.tsv"),
            "--traits",
            "sPAP,mPAP",
            "--out",
            str(results),
        ],
        check=True,
        capture_output=True,
    )
    return results


def bench_plots(args: argparse.Namespace) -> None:
    """Plots against the same figures drawn the naive pyplot way, in the same run: first per process (one
    process drawing, interleaved rounds), then whole processes (``vaultkit plot --redraw`` against a process that
    reads and selects the same way and draws with pyplot), with --jobs 1 and 2."""
    import statistics

    from vaultkit.cli import settings_for
    from vaultkit.pipeline import plot as plot_cmd
    from vaultkit.pipeline.plot import draw

    print(_drawing_libraries())
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="vk-plots-"))
    root = base / "vault"
    try:
        results = base / "results.tsv"
        if not root.exists():
            make_plot_vault(root, args.plots)
        naive_out = Path(tempfile.mkdtemp(prefix="vk-naive-"))
        jobs = []
        plot_cmd.draw = lambda todo, **_: jobs.extend(todo) or draw([], dry_run=True)  # only to get the jobs
        plot_cmd.run_plot(settings_for(root), results=results)
        plot_cmd.draw = draw
        print(f"{len(jobs)} plots of {len(jobs[0].data.x)} samples, 4 conditions")

        def per_plot(fn) -> float:
            t0 = time.perf_counter()
            fn()
            return (time.perf_counter() - t0) / len(jobs)

        naive, ours = [], []
        for _ in range(args.runs):  # interleaved, so drift of the machine's speed hits both alike
            naive.append(per_plot(lambda: [_pyplot_naive(j, naive_out) for j in jobs]))
            ours.append(per_plot(lambda: draw(jobs, processes=1, redraw=True)))
        ratio = sorted(a / b for a, b in zip(naive, ours, strict=True))
        print(
            f"one process: vaultkit {statistics.median(ours) * 1000:.1f} ms/plot, pyplot "
            f"{statistics.median(naive) * 1000:.1f} ms/plot: {statistics.median(ratio):.2f}x "
            f"(min {ratio[0]:.2f}, max {ratio[-1]:.2f}) over {args.runs} rounds"
        )

        ours_cmd = [sys.executable, "-m", "vaultkit.cli_main", "plot", str(root), "--results", str(results), "--redraw"]
        naive_cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "plots-naive",
            str(root),
            "--results",
            str(results),
            "--out",
            str(naive_out),
        ]
        for jobs_n in (1, 2):
            mine, theirs = [], []
            for _ in range(args.runs):
                mine += _process_seconds([*ours_cmd, "--jobs", str(jobs_n)], 1)
                theirs += _process_seconds(naive_cmd, 1)
            ratio = sorted(a / b for a, b in zip(theirs, mine, strict=True))
            print(
                f"whole processes, --jobs {jobs_n}: vaultkit plot median {statistics.median(mine):.2f} s "
                f"(min {min(mine):.2f}, max {max(mine):.2f}); pyplot process median {statistics.median(theirs):.2f} s; "
                f"{statistics.median(ratio):.2f}x (min {ratio[0]:.2f}, max {ratio[-1]:.2f})"
            )
        if args.keep:
            print(f"kept: {base}\n  ours:  {' '.join(ours_cmd)} --jobs 1\n  naive: {' '.join(naive_cmd)}")
        shutil.rmtree(naive_out)
    finally:
        if not args.keep:
            shutil.rmtree(base)


def plots_naive(args: argparse.Namespace) -> None:
    """``vaultkit plot`` with its drawing replaced by the pyplot loop: same start-up, reading and selection."""
    from vaultkit.cli import settings_for
    from vaultkit.pipeline import plot as plot_cmd
    from vaultkit.pipeline.plot import PlotReport

    out = Path(args.out or tempfile.mkdtemp(prefix="vk-naive-"))
    out.mkdir(parents=True, exist_ok=True)

    def naive_draw(jobs, **_):
        for job in jobs:
            _pyplot_naive(job, out)
        return PlotReport(drawn=[j.rel for j in jobs])

    plot_cmd.draw = naive_draw
    report = plot_cmd.run_plot(settings_for(Path(args.vault)), results=Path(args.results))
    print(f"{len(report.drawn)} plots drawn with pyplot into {out}", file=sys.stderr)


class _ThrottlingNcbi:
    """A local E-utilities stand-in that answers 429 above 3 requests per second, as NCBI does."""

    def __init__(self) -> None:
        import json as _json
        from collections import deque

        from pytest_httpserver import HTTPServer

        template = _json.loads(
            (Path(__file__).resolve().parent.parent / "tests/fixtures/eutils/esummary_gene_7171_TPM4.json").read_text()
        )["result"]["7171"]
        self.recent: deque[float] = deque()
        self.requests = self.throttled = 0
        self.server = HTTPServer(host="127.0.0.1", port=0)
        self.server.expect_request("/esummary.fcgi").respond_with_handler(self.esummary)
        self.server.expect_request("/esearch.fcgi").respond_with_handler(self.esearch)
        self.template, self.json = template, _json

    def _limited(self):
        from werkzeug import Response

        self.requests += 1
        now = time.monotonic()
        while self.recent and now - self.recent[0] > 1.0:
            self.recent.popleft()
        self.recent.append(now)
        if len(self.recent) > 3:
            self.throttled += 1
            return Response(
                '{"error":"API rate limit exceeded","count":"4","limit":"3"}',
                status=429,
                headers={"Retry-After": "1"},
                content_type="application/json",
            )
        return None

    def esummary(self, request):
        from werkzeug import Response

        limited = self._limited()
        if limited:
            return limited
        ids = (request.form.get("id") or request.args.get("id") or "").split(",")
        result = {"uids": ids, **{i: {**self.template, "uid": i} for i in ids}}
        return Response(self.json.dumps({"header": {}, "result": result}), content_type="application/json")

    def esearch(self, request):
        from werkzeug import Response

        return self._limited() or Response(
            self.json.dumps({"esearchresult": {"idlist": ["1"]}}), content_type="application/json"
        )


def bench_fetch(args: argparse.Namespace) -> None:
    import logging

    import requests

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from vaultkit.config import Settings, SourceSettings
    from vaultkit.genome.genes import gene_table
    from vaultkit.pipeline.fetch import fetch_genes, make_client

    fake = _ThrottlingNcbi()
    fake.server.start()
    folder = Path(tempfile.mkdtemp(prefix="vk-fetch-"))
    try:
        symbols = [g.symbol for g in gene_table().genes if g.entrez_id][: args.genes]
        settings = Settings(vault=folder, sources=SourceSettings(ncbi_base_url=fake.server.url_for("/")))
        first, report = timed(
            lambda: fetch_genes(settings, symbols, sources=("ncbi",), client=make_client(settings, offline=False))
        )
        got = sum(1 for g in report.genes.values() if g.ncbi)
        print(
            f"vaultkit, {args.genes} genes: {fake.requests} requests, {fake.throttled} answered 429, "
            f"{first:.2f} s, {got} summaries"
        )
        before = fake.requests
        second, _ = timed(
            lambda: fetch_genes(settings, symbols, sources=("ncbi",), client=make_client(settings, offline=False))
        )
        print(f"vaultkit, second run: {fake.requests - before} requests, {second:.2f} s")
        sample = 20
        fake.requests = fake.throttled = 0
        t0 = time.perf_counter()
        for sym in symbols[:sample]:
            requests.get(fake.server.url_for("/esearch.fcgi"), params={"db": "gene", "term": f"{sym}[sym]"}, timeout=5)
            requests.get(fake.server.url_for("/esummary.fcgi"), params={"db": "gene", "id": "1"}, timeout=5)
        naive = time.perf_counter() - t0
        print(
            f"naive (esearch + esummary per gene, no limiter), {sample} genes: {fake.requests} requests, "
            f"{fake.throttled} answered 429 ({naive:.2f} s); for {args.genes} genes: {2 * args.genes} requests, "
            f"at least {2 * args.genes / 3:.0f} s if it kept to 3 requests/s"
        )
    finally:
        fake.server.stop()
        shutil.rmtree(folder)


def make_refresh_vault(root: Path, genes: int, samples: int = 30, seed: int = 11) -> None:
    import numpy as np
    import pandas as pd

    from vaultkit.genome.genes import gene_table, span_table

    rng = np.random.default_rng(seed)
    chosen = [g for g in gene_table().genes if g.ensembl_id and span_table().span(g.symbol)][:genes]
    names = [f"P{i:03d}" for i in range(samples)]
    spap = rng.normal(50, 15, samples)
    z = (spap - spap.mean()) / spap.std()
    (root / "data").mkdir(parents=True)
    pd.DataFrame(
        {
            "sample": names,
            "condition": (["healthy", "pah", "ph-lung", "cteph"] * samples)[:samples],
            "sPAP": spap.round(1),
            "mPAP": (0.61 * spap + 2 + rng.normal(0, 2, samples)).round(1),
        }
    ).to_csv(root / "data/phenotypes.tsv", sep="\t", index=False)
    ids, rows = [], []
    for g in chosen:
        span = span_table().span(g.symbol)
        ids.append(f"{g.ensembl_id}_{span.chrom}.{span.tss}.{span.tss + 99}")
        rows.append(8 + rng.choice([-0.9, 0.9]) * z + rng.normal(0, 0.5, samples))
    feats = pd.DataFrame(np.array(rows).round(3), columns=names)
    feats.insert(0, "region", ids)
    feats.to_csv(root / "data/features.tsv", sep="\t", index=False)
    (root / "vaultkit.toml").write_text('attachments_dir = "plots"\n[sources]\nenabled = []\n')


READ_EVERY_FILE = """
import sys, os
import vaultkit.cli
for folder, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(folder, name), "rb") as fh:
            fh.read()
"""


def _process_seconds(cmd: list[str], runs: int) -> list[float]:
    import subprocess

    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=_child_env()
        )
        out.append(time.perf_counter() - t0)
    return out


def bench_refresh(args: argparse.Namespace) -> None:
    """Whole processes, as a user waits for them: a no-op ``vaultkit refresh`` against importing the CLI and
    reading every file of the same vault."""
    import statistics
    import subprocess

    root = Path(tempfile.mkdtemp(prefix="vk-refresh-")) / "vault"
    vaultkit = [sys.executable, "-m", "vaultkit.cli_main", "refresh", str(root), "--offline", "--jobs", "2"]
    try:
        make_refresh_vault(root, args.genes)
        first, _ = timed(lambda: subprocess.run(vaultkit, check=True, capture_output=True))
        files = sum(1 for p in root.rglob("*") if p.is_file())
        print(f"first run, --jobs 2: {first:.1f} s; the vault now holds {files} files")
        stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
        noop, floor = [], []
        for _ in range(args.runs):  # interleaved, so drift of the machine's speed hits both alike
            noop += _process_seconds(vaultkit, 1)
            floor += _process_seconds([sys.executable, "-c", READ_EVERY_FILE, str(root)], 1)
        changed = [p for p in root.rglob("*") if p.is_file() and stamps.get(p) != p.stat().st_mtime_ns]
        ratios = sorted(a / b for a, b in zip(noop, floor, strict=True))
        print(
            f"no-op refresh: median {statistics.median(noop):.3f} s (min {min(noop):.3f}, max {max(noop):.3f}); "
            f"files written: {len(changed)}"
        )
        print(f"import vaultkit.cli + read every file: median {statistics.median(floor):.3f} s")
        print(
            f"ratio no-op / floor: median {statistics.median(ratios):.2f}x (min {ratios[0]:.2f}, max {ratios[-1]:.2f})"
        )
    finally:
        shutil.rmtree(root.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("links", help="links check, cold and warm, against reading the notes and obsidiantools")
    p.add_argument("--notes", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--peer-python", help="a Python that has obsidiantools (default: this one, if it has it)")
    p.add_argument("--peer-runs", type=int, default=1, help="rounds that also run obsidiantools (0: none)")
    p.set_defaults(func=bench_links)
    p = sub.add_parser("assoc", help="associate against a bare read and a per-region scipy loop")
    p.add_argument("--regions", type=int, default=200_000)
    p.add_argument("--samples", type=int, default=100)
    p.add_argument("--runs", type=int, default=3)
    p.set_defaults(func=bench_assoc)
    p = sub.add_parser("plots", help="vaultkit plot against a naive pyplot loop: per process, whole processes")
    p.add_argument("--plots", type=int, default=100)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", help="build the vault in this folder and keep it (to time the commands it prints)")
    p.set_defaults(func=bench_plots)
    p = sub.add_parser("plots-naive", help="vaultkit plot's reading and selection, drawn with a pyplot loop")
    p.add_argument("vault")
    p.add_argument("--results", required=True)
    p.add_argument("--out", help="folder for the pyplot PNGs (default: a new temporary folder)")
    p.set_defaults(func=plots_naive)
    p = sub.add_parser("fetch", help="NCBI summaries for many genes against one request pair per gene")
    p.add_argument("--genes", type=int, default=500)
    p.set_defaults(func=bench_fetch)
    p = sub.add_parser("refresh", help="a 1,000-gene vault: first run, then runs with nothing changed")
    p.add_argument("--genes", type=int, default=1000)
    p.add_argument("--runs", type=int, default=7)
    p.set_defaults(func=bench_refresh)
    args = parser.parse_args()
    print(machine())
    args.func(args)


def machine() -> str:
    """Where the figures come from: cores, memory, Python and the libraries that set the speed."""
    import os
    import platform
    from importlib.metadata import PackageNotFoundError, version

    libs = []
    for name in ("numpy", "scipy", "pandas", "pyarrow", "matplotlib", "markdown_it"):
        try:
            libs.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    try:
        memory = f", {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    except (AttributeError, ValueError, OSError):  # not POSIX
        memory = ""
    return (
        f"machine: {os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; {', '.join(libs)}"
    )


if __name__ == "__main__":
    main()
