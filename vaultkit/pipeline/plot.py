"""``vaultkit plot``: draw the selected associations of a results table into the vault.

Here are the command's parts that refresh shares: a ``PlotJob`` per selected
association (its file name from the plot template, its data, the
fingerprint of its inputs), and ``draw``, the pool that draws the jobs whose
fingerprint changed. What a plot looks like is ``vaultkit.plots`` (data in,
Figure out); turning it into PNG bytes is ``vaultkit.render``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.config import Settings
from vaultkit.errors import InputError
from vaultkit.genome.plotnames import format_plot_name
from vaultkit.genome.regions import Region
from vaultkit.pipeline.analysis import Cohort, exact_stats, load_cohort, read_results, region_rows, select
from vaultkit.progress import SILENT, Progress
from vaultkit.vault.obsidian import load_app_settings
from vaultkit.vault.write import clean_temp_files, vault_lock, write_if_changed

if TYPE_CHECKING:
    import pandas as pd

    from vaultkit.plots import Painter, PlotData

# Bump when the drawing or the bytes change, so every plot is redrawn once. 4: the same pixels as 3, written
# by vaultkit.render (RGB, no row filter) instead of Pillow (RGBA, adaptive filter): a fifth smaller, written in a
# third of the time.
PLOT_STYLE = "4"
HASH_KEY = "vaultkit:hash"


@dataclass(frozen=True)
class PlotJob:
    """One plot to draw: where, what, and the provenance it carries."""

    path: Path
    rel: str
    data: PlotData
    text: dict[str, str]
    key: tuple[str, str, str, int, int]  # trait, gene_id, chrom, start, end

    @property
    def digest(self) -> str:
        return self.text[HASH_KEY]


@dataclass
class PlotReport:
    drawn: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fingerprint(data: PlotData) -> str:
    """What the picture is made of: the values plotted, every text on it, and the plot-style version.

    Numbers enter as they are drawn (``stats_text``), never at full precision, so
    a new machine, BLAS or library version that moves r, p or q in their last
    bits leaves the fingerprint, and so the file, alone.
    """
    import numpy as np

    from vaultkit.plots import stats_text

    h = hashlib.sha256(PLOT_STYLE.encode())
    h.update(np.ascontiguousarray(data.x, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(data.y, dtype="<f8").tobytes())
    h.update(
        json.dumps(
            [
                data.conditions,
                data.title,
                data.xlabel,
                data.ylabel,
                stats_text(data),
                data.method,
                list(data.covariates),
                list(data.plot_conditions),
                data.condition_panel,
            ]
        ).encode()
    )
    return h.hexdigest()[:32]


def jobs_for(chosen: pd.DataFrame, cohort: Cohort, settings: Settings, symbols: dict[str, str]) -> list[PlotJob]:
    """The plot jobs of the chosen associations, named, placed and drawn as the vault's settings say
    (``plot`` and ``refresh`` alike)."""
    data = settings.data
    return build_jobs(
        chosen,
        cohort,
        vault=settings.vault,
        folder=attachments_folder(settings),
        template=settings.plot_name,
        build=data.build,
        feature_label=data.feature_label,
        units=data.units,
        condition_column=data.condition_column,
        symbols=symbols,
        plot_conditions=data.plot_conditions,
        condition_panel=data.condition_panel,
        covariates=tuple(data.covariates),
    )


def build_jobs(
    selected: pd.DataFrame,
    cohort: Cohort,
    *,
    vault: Path,
    folder: str,
    template: str,
    build: str,
    feature_label: str,
    units: dict[str, str],
    condition_column: str | None,
    symbols: dict[str, str],
    plot_conditions: tuple[str, ...] = (),
    condition_panel: bool = False,
    covariates: tuple[str, ...] = (),
) -> list[PlotJob]:
    """A job per selected association; InputError if two would share a file name.

    ``plot_conditions`` are the conditions drawn (empty: all; InputError for
    one the phenotype table does not have), ``condition_panel`` adds the
    signal-by-condition panel, ``covariates`` are those the statistics were
    adjusted for: named on the plot, and samples missing one are not drawn,
    as they are not in the statistics.
    """
    import numpy as np

    from vaultkit.plots import PlotData, stats_text

    index = region_rows(cohort)
    conds = None
    if condition_column and condition_column in cohort.pheno.columns:
        conds = tuple(cohort.pheno[condition_column].fillna("unknown").astype(str))
    if plot_conditions:
        if conds is None:
            raise InputError(
                f"plot_conditions {list(plot_conditions)} but the phenotype table has no condition "
                f"column {condition_column!r}; set condition_column or plot_conditions = []"
            )
        unknown = [c for c in plot_conditions if c not in set(conds)]
        if unknown:
            raise InputError(
                f"plot_conditions: {unknown} not among the conditions of the phenotype table "
                f"({', '.join(sorted(set(conds)))})"
            )
    # Samples without every covariate are not in the statistics: not drawn either, so n and the points agree.
    missing = [c for c in covariates if c not in cohort.pheno.columns]
    if missing:
        raise InputError(f"covariate(s) {missing} are not columns of the phenotype table")
    complete = cohort.pheno[list(covariates)].notna().all(axis=1).to_numpy() if covariates else None
    jobs: list[PlotJob] = []
    seen: dict[str, str] = {}
    for row in selected.itertuples(index=False):
        key = (row.gene_id, row.chrom, int(row.start), int(row.end))
        if key not in index:
            raise InputError(f"results row {key} is not a region of the feature table; run associate again")
        region = Region(row.chrom, int(row.start), int(row.end), row.gene_id)
        symbol = symbols.get(row.gene_id, row.gene_id)
        try:
            name = format_plot_name(template, region, r=float(row.r), trait=row.trait, symbol=symbol)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        rel = f"{folder}/{name}" if folder else name
        ident = f"{row.trait} {region.key}"
        if rel in seen and seen[rel] != ident:
            raise InputError(
                f"two plots would both be named {name!r} ({seen[rel]} and {ident}); "
                "choose a plot_name template with {trait} or {r} in it"
            )
        seen[rel] = ident
        unit = units.get(row.trait, "")
        x = cohort.values[index[key]]
        data = PlotData(
            x=x if complete is None else np.where(complete, x, np.nan),
            y=np.asarray(cohort.pheno[row.trait], dtype=np.float64),
            conditions=conds,
            title=f"{symbol} · {region.locus()} ({build})",
            xlabel=feature_label,
            ylabel=f"{row.trait} ({unit})" if unit else row.trait,
            r=float(row.r),
            p=float(row.p),
            q=float(row.q),
            n=int(row.n),
            method=str(row.method),
            covariates=tuple(covariates),
            plot_conditions=tuple(plot_conditions),
            condition_panel=condition_panel,
        )
        # No vaultkit version in the file: an upgrade that draws the same picture must write the same bytes.
        text = {
            "Title": data.title,
            "vaultkit:style": PLOT_STYLE,
            "vaultkit:trait": row.trait,
            "vaultkit:region": region.key,
            "vaultkit:stats": stats_text(data).replace("\n", "; ").replace("ρ", "rho"),
            HASH_KEY: fingerprint(data),
        }
        jobs.append(PlotJob(vault / rel, rel, data, text, (row.trait, *key)))
    return jobs


def _keep(job: PlotJob, *, redraw: bool) -> bool:
    """Whether the file at the job's path stays as it is.

    Ours with the same fingerprint stays (unless ``redraw``); a PNG with no
    fingerprint was drawn elsewhere (R, ``ingest``) and always stays; a
    missing file, or one that is not a PNG, is drawn.
    """
    from vaultkit.plots import png_text

    try:
        # Our provenance chunks sit before the image data: the head of the file is enough.
        with open(job.path, "rb") as fh:
            found = png_text(fh.read(8192)).get(HASH_KEY)
        if found is not None:
            return found == job.digest and not redraw
        # No fingerprint: someone else's picture if it is a whole PNG, a broken file (redrawn) if not.
        png_text(job.path.read_bytes(), whole=True)
        return True
    except (OSError, ValueError):
        return False


_local = threading.local()


def _painter() -> Painter:
    """This thread's Painter: one reused figure per layout for every plot a process draws."""
    painter = getattr(_local, "painter", None)
    if painter is None:
        from vaultkit.plots import Painter

        painter = _local.painter = Painter()
    return painter


def _draw(job: PlotJob) -> tuple[str, bool]:
    """Draw one plot; (its vault path, whether the file changed: a redraw may give the same bytes)."""
    return job.rel, write_if_changed(job.path, _painter().png(job.data, job.text))


PARENT_POLL = 0.2  # seconds between a pool worker's looks at its parent


def _die_with_parent() -> None:
    """Pool worker initializer: end this worker as soon as the process that started it is gone.

    A killed ``vaultkit`` (even by SIGKILL, which runs no clean-up) must not
    leave workers behind that go on writing into the vault or keep its lock
    (a forked worker shares the lock's open file). A daemon thread looks
    every PARENT_POLL seconds: on POSIX the parent pid changes when the
    parent dies (the worker is re-parented); on every platform the parent's
    sentinel from ``multiprocessing`` (a pipe end or a process handle)
    becomes ready. Then the worker exits at once; a plot it was writing is a
    dot-file temporary that the next run removes, never a partial PNG.
    """
    import multiprocessing
    import os
    import threading
    import time

    ppid = os.getppid()
    parent = multiprocessing.parent_process()

    def watch() -> None:
        while True:
            if os.getppid() != ppid or (parent is not None and not parent.is_alive()):
                os._exit(1)
            time.sleep(PARENT_POLL)

    threading.Thread(target=watch, name="vaultkit-parent-watch", daemon=True).start()


def draw(
    jobs: list[PlotJob], *, processes: int = 1, progress: Progress = SILENT, dry_run: bool = False, redraw: bool = False
) -> PlotReport:
    """Draw the jobs whose plot is missing or whose fingerprint differs (all of them with ``redraw``).

    ``processes`` > 1 draws in parallel. A redrawn plot whose bytes come out
    the same is not written, and is reported as kept, not drawn (a dry run
    with ``redraw`` draws in memory to know which).
    """
    report = PlotReport()
    kept: list[PlotJob] = []
    todo: list[PlotJob] = []
    for job in jobs:
        (kept if _keep(job, redraw=redraw) else todo).append(job)
    report.kept = [j.rel for j in kept]
    if dry_run and redraw:
        # A redraw writes only the plots whose bytes change: the dry run draws them too, in memory, to know.
        for job in todo:
            same = job.path.is_file() and job.path.read_bytes() == _painter().png(job.data, job.text)
            (report.kept if same else report.drawn).append(job.rel)
        return report
    if dry_run or not todo:
        report.drawn = [j.rel for j in todo]  # missing, or another fingerprint: their bytes will change
        return report
    progress.start("drawing plots", len(todo))
    try:
        if processes > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=processes, initializer=_die_with_parent) as pool:
                for rel, written in pool.map(_draw, todo, chunksize=max(1, len(todo) // (processes * 8))):
                    (report.drawn if written else report.kept).append(rel)
                    progress.advance()
        else:
            for job in todo:
                rel, written = _draw(job)
                (report.drawn if written else report.kept).append(rel)
                progress.advance()
    finally:
        progress.stop()
    return report


def attachments_folder(settings: Settings) -> str:
    """Where plots go: ``attachments_dir`` from vaultkit.toml, else Obsidian's attachment setting.

    Either is confined to the vault: ConfigError (naming the setting and its file) if it leads out.
    """
    from vaultkit.config import CONFIG_FILE
    from vaultkit.vault.paths import confined

    if settings.attachments_dir:
        where = f"attachments_dir in {settings.vault / CONFIG_FILE}"
        full = confined(settings.vault, settings.attachments_dir, where)
        return "" if full == settings.vault else full.relative_to(settings.vault).as_posix()
    note = f"{settings.notes_dir}/note.md" if settings.notes_dir else "note.md"
    return load_app_settings(settings.vault).attachment_dir_in(settings.vault, note)


def symbols_for(gene_ids: list[str]) -> dict[str, str]:
    """Gene symbols from the bundled HGNC table; unknown ids map to themselves."""
    from vaultkit.genome.genes import gene_table

    table = gene_table()
    out = {}
    for gid in gene_ids:
        gene = table.find(gid) if gid else None
        out[gid] = gene.symbol if gene else gid
    return out


def run_plot(
    settings: Settings,
    *,
    results: Path,
    processes: int = 1,
    progress: Progress = SILENT,
    dry_run: bool = False,
    redraw: bool = False,
) -> PlotReport:
    """Draw the selected associations of ``results`` (``fdr``, ``top_per_gene``) into the attachments folder."""
    data = settings.data
    table = read_results(results)
    chosen = select(table, fdr=data.fdr, top=data.top_per_gene)
    traits = sorted(set(chosen["trait"]))
    cohort = load_cohort(
        settings.path(data.features),
        settings.path(data.phenotypes),
        sample_column=data.sample_column,
        traits=traits or list(data.traits),
        covariates=list(data.covariates),
        categorical=list(data.categorical),
        condition_column=data.condition_column,
        trait_columns=data.trait_columns,
        sample_suffix=data.sample_suffix,
    )
    methods = set(chosen["method"])
    chosen, kept_digits = exact_stats(
        chosen,
        cohort,
        method=methods.pop() if len(methods) == 1 else data.method,
        covariates=list(data.covariates),
        categorical=list(data.categorical),
    )
    jobs = jobs_for(chosen, cohort, settings, symbols_for(sorted(set(chosen["gene_id"]))))
    if dry_run:
        report = draw(jobs, dry_run=True, redraw=redraw)
    else:
        with vault_lock(settings.vault):
            clean_temp_files(settings.vault)  # what a killed `plot --jobs N` left behind
            report = draw(jobs, processes=processes, progress=progress, redraw=redraw)
    if kept_digits:
        report.warnings.append(
            f"{kept_digits} association(s) of {results.name} could not be recomputed from the feature table with "
            f"covariates {list(data.covariates)}: their r and p are the table's, whose last digits may differ "
            "between machines"
        )
    return report
