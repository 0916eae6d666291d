"""``vaultkit refresh``: settings -> associate -> select -> plot -> notes -> sources, then report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vaultkit import __version__
from vaultkit.config import CONFIG_FILE, Settings
from vaultkit.errors import InputError
from vaultkit.pipeline import lastrun
from vaultkit.pipeline.notewriter import NotesReport, NoteWriter
from vaultkit.progress import SILENT, Progress
from vaultkit.vault.rename import settle_rename
from vaultkit.vault.write import clean_temp_files, vault_lock

if TYPE_CHECKING:
    from vaultkit import genenote
    from vaultkit.pipeline.fetch import FetchReport


@dataclass
class RefreshReport:
    """What a refresh did; ``as_json`` is the ``--json`` document."""

    notes: NotesReport = field(default_factory=NotesReport)
    drawn: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # nothing changed since the last refresh: nothing was computed, drawn or written
    inputs: list[str] = field(default_factory=list)  # what reading the tables found (delimiter, suffix, samples)

    @property
    def exit_code(self) -> int:
        failed = any(s.startswith("failed") for s in self.sources.values())
        return 1 if self.notes.conflicts or self.notes.unreadable or failed else 0

    def as_json(self) -> dict[str, Any]:
        n = self.notes
        return {
            "notes": {"created": n.created, "updated": n.updated, "unchanged": len(n.unchanged)},
            "plots": {"drawn": self.drawn, "kept": len(self.kept), "retired": n.retired},
            "files": {"created": n.files_created, "updated": n.files_updated},
            "sources": self.sources,
            "conflicts": n.conflicts,
            "unreadable": n.unreadable,
            "pasted_kept": n.pasted_kept,
            "warnings": self.warnings,
            "skipped": self.skipped,
            "inputs": self.inputs,
        }


def _facts(
    settings: Settings, chosen: Any, plot_rel: dict[tuple, str], fetched: FetchReport | None
) -> dict[str, genenote.GeneFacts]:
    from vaultkit import genenote
    from vaultkit.genome.genes import gene_table, span_table
    from vaultkit.genome.regions import Region
    from vaultkit.pipeline.fetch import note_texts
    from vaultkit.sources.consensus import search_link

    table, spans = gene_table(), span_table()
    data = settings.data
    facts: dict[str, genenote.GeneFacts] = {}
    for row in chosen.itertuples(index=False):
        gene = table.find(row.gene_id)
        if gene is None:
            continue
        f = facts.get(gene.symbol)
        if f is None:
            question = settings.sources.consensus_question.format(symbol=gene.symbol)
            f = facts[gene.symbol] = genenote.GeneFacts(
                gene=gene,
                build=data.build,
                span=spans.span(gene.symbol, row.chrom),
                traits=tuple(data.traits),
                consensus_search=(question, search_link(question)) if question else None,
                synthetic=data.synthetic,
                **note_texts(fetched.genes.get(gene.symbol) if fetched else None),
            )
        region = Region(row.chrom, int(row.start), int(row.end), row.gene_id)
        f.plots.setdefault(row.trait, []).append(
            genenote.PlotRef(
                row.trait, region, plot_rel[(row.trait, row.gene_id, row.chrom, int(row.start), int(row.end))]
            )
        )
        best = f.stats.get(row.trait)
        if best is None or row.p < best.p:
            f.stats[row.trait] = genenote.TraitStats(float(row.r), float(row.p), float(row.q), int(row.n), region)
    return facts


# Bump when what refresh writes besides notes and plots changes (Genes.base, types.json, the canvas),
# so a vault whose last refresh is otherwise current is refreshed once more.
VAULT_FILES = "2"

# Online answers are asked again after this long, even when nothing else changed (new papers appear).
SOURCES_FRESH_SECONDS = 12 * 3600


def refresh(
    settings: Settings,
    *,
    offline: bool = False,
    dry_run: bool = False,
    force: bool = False,
    redraw: bool = False,
    processes: int = 1,
    progress: Progress = SILENT,
) -> RefreshReport:
    """Bring the vault's gene notes and plots up to date with the data and the sources.

    When the inputs (settings, data tables, versions) and every file of the
    vault are as the last clean refresh left them, nothing can change: the
    run is skipped and reported as such (``report.skipped``).
    """
    from vaultkit.pipeline.plot import PLOT_STYLE

    root = settings.vault
    if dry_run:
        # As links check does: a rename a killed run left half done is completed first (under the lock),
        # so the dry run plans on the vault the real run would see; on a sound vault this writes nothing.
        settle_rename(root)
    with vault_lock(root, dry_run=dry_run):
        if not dry_run:
            clean_temp_files(root)  # what a killed run left behind
        data = settings.data
        tables = [settings.path(data.features), settings.path(data.phenotypes)]
        for key, path in zip(("features", "phenotypes"), tables, strict=True):
            if not path.exists():
                raise InputError(
                    f"{path}: no such file; set [data].{key} in "
                    f"{root / CONFIG_FILE} (a path relative to the vault, or absolute)"
                )
        last = lastrun.LastRun.load(root)
        hashes = lastrun.data_hashes(tables, last.data if last else None)
        inputs = lastrun.inputs_digest(repr(settings), root, hashes, (__version__, PLOT_STYLE, VAULT_FILES))
        before = lastrun.snapshot(root)
        online = bool(settings.sources.enabled) and not offline
        if (
            last is not None
            and not (force or redraw)
            and last.inputs == inputs
            and last.vault == lastrun.snapshot_digest(before)
            and (not online or time.time() < last.sources_until)
        ):
            return _skipped(last)
        report = _refresh(
            settings,
            offline=offline,
            dry_run=dry_run,
            force=force,
            redraw=redraw,
            processes=processes,
            progress=progress,
        )
        if not dry_run:
            n = report.notes
            written = {*n.created, *n.updated, *report.drawn, *n.files_created, *n.files_updated}
            clean = report.exit_code == 0
            fetched_ok = online and all(v in ("fetched", "cached", "nothing to fetch") for v in report.sources.values())
            lastrun.LastRun(
                inputs=inputs if clean else "",
                vault=lastrun.left_behind(root, before, written),
                data=hashes,
                sources_until=time.time() + SOURCES_FRESH_SECONDS if fetched_ok else 0.0,
                summary={
                    "notes": sorted({*n.created, *n.updated, *n.unchanged}),
                    "plots": sorted({*report.drawn, *report.kept}),
                    "warnings": report.warnings,
                    "inputs": report.inputs,
                    "sources": [f"{k}\0{v}" for k, v in report.sources.items()],
                },
            ).save(root)
    return report


def _skipped(last: lastrun.LastRun) -> RefreshReport:
    summary = last.summary or {}
    report = RefreshReport(
        notes=NotesReport(unchanged=list(summary.get("notes", []))),
        kept=list(summary.get("plots", [])),
        warnings=list(summary.get("warnings", [])),
        inputs=list(summary.get("inputs", [])),
        skipped=True,
    )
    for item in summary.get("sources", []):
        name, _, status = item.partition("\0")
        report.sources[name] = f"as in the last refresh ({status})"
    return report


def _refresh(
    settings: Settings, *, offline: bool, dry_run: bool, force: bool, redraw: bool, processes: int, progress: Progress
) -> RefreshReport:
    from vaultkit.pipeline.analysis import associate_cohort, exact_stats, load_cohort, select
    from vaultkit.pipeline.fetch import fetch_genes
    from vaultkit.pipeline.plot import draw, jobs_for, symbols_for

    report = RefreshReport()
    data = settings.data
    cohort = load_cohort(
        settings.path(data.features),
        settings.path(data.phenotypes),
        sample_column=data.sample_column,
        traits=list(data.traits),
        covariates=list(data.covariates),
        categorical=list(data.categorical),
        condition_column=data.condition_column,
        trait_columns=data.trait_columns,
        sample_suffix=data.sample_suffix,
        progress=progress,
    )
    report.inputs = list(cohort.notes)
    results = associate_cohort(
        cohort,
        traits=list(data.traits),
        method=data.method,
        covariates=list(data.covariates),
        categorical=list(data.categorical),
        q_method=data.q_method,
        storey_lambda=data.storey_lambda,
        progress=progress,
    )
    chosen = select(results, fdr=data.fdr, top=data.top_per_gene)
    symbols = symbols_for(sorted(set(results["gene_id"])))
    unknown = sorted(g for g in symbols if g and symbols[g] == g)
    if unknown:
        report.warnings.append(
            f"{len(unknown)} gene id(s) not in the HGNC table get no note: {', '.join(unknown[:10])}"
        )
    empty = int((results["gene_id"] == "").sum() // max(1, len(data.traits)))
    if empty:
        report.warnings.append(f"{empty} region(s) without a gene id count in the statistics but get no note")
    known = chosen["gene_id"].map(lambda g: symbols.get(g, g) != g).astype(bool)
    chosen, _ = exact_stats(
        chosen.loc[known].reset_index(drop=True),
        cohort,
        method=data.method,
        covariates=list(data.covariates),
        categorical=list(data.categorical),
        progress=progress,
    )
    jobs = jobs_for(chosen, cohort, settings, symbols)
    plots = draw(jobs, processes=processes, progress=progress, dry_run=dry_run, redraw=redraw)
    report.drawn, report.kept = plots.drawn, plots.kept
    plot_rel = {j.key: j.rel for j in jobs}
    gene_symbols = sorted({symbols[g] for g in chosen["gene_id"]})
    fetched = None
    if settings.sources.enabled and gene_symbols:
        fetched = fetch_genes(
            settings,
            gene_symbols,
            sources=settings.sources.enabled,
            offline=offline,
            dry_run=dry_run,
            progress=progress,
        )
        report.sources = fetched.status
        report.warnings.extend(fetched.notices)
    facts = _facts(settings, chosen, plot_rel, fetched)
    _write_notes(
        settings, facts, report, dry_run=dry_run, force=force, planned=[j.rel for j in jobs], progress=progress
    )
    return report


def _write_notes(
    settings: Settings,
    facts: dict[str, genenote.GeneFacts],
    report: RefreshReport,
    *,
    dry_run: bool,
    force: bool,
    planned: list[str],
    progress: Progress,
) -> None:
    writer = NoteWriter(settings, dry_run=dry_run, planned=planned, progress=progress)
    progress.start("writing gene notes", len(facts))
    for symbol in sorted(facts):
        writer.edit_gene(facts[symbol], force=force)
        progress.advance()
    progress.stop()
    if facts:
        _write_obsidian_files(settings, writer, force=force)
        _write_canvas(settings, facts, writer, force=force)
    report.notes = writer.finish()


def _write_canvas(settings: Settings, facts: dict[str, genenote.GeneFacts], writer: NoteWriter, *, force: bool) -> None:
    """``Associations.canvas``, rewritten only when the selection of top plots changes; the user's nodes stay."""
    from vaultkit.pipeline import canvas

    traits = list(settings.data.traits)
    cards = canvas.select(facts, writer.note_path, traits)
    wanted = canvas.signature(cards, traits)
    last = writer.state.get(canvas.CANVAS_FILE, {}).get("selection")
    current = False

    def make(old: str | None) -> str | None:
        nonlocal current
        if old is None:
            if last is not None and not force:
                return None  # the user deleted it
        elif wanted == last or (last is None and canvas.signature_of(old) == wanted):
            current = True
            return None
        try:
            return canvas.build(old, cards, traits)
        except ValueError as exc:
            writer.report.conflicts.append({"path": canvas.CANVAS_FILE, "message": f"left as it is: {exc}"})
            return None

    if writer.write_file(canvas.CANVAS_FILE, make) or current:
        writer.state[canvas.CANVAS_FILE] = {"selection": wanted}


def _write_obsidian_files(settings: Settings, writer: NoteWriter, *, force: bool) -> None:
    """``Genes.base`` (managed: a user's edit is kept) and the property types in ``.obsidian/types.json``."""
    from vaultkit.pipeline.genebase import (
        BASE_FILE,
        TYPES_FILE,
        genes_base,
        legacy_genes_base,
        merge_types,
        property_types,
    )

    writer.write_managed(
        BASE_FILE, genes_base(settings), force=force, ours=lambda text: text == legacy_genes_base(settings)
    )
    if not (settings.vault / ".obsidian").is_dir():
        return  # a vault Obsidian has not opened yet: its settings folder is Obsidian's to make

    def types(old: str | None) -> str | None:
        try:
            return merge_types(old, property_types(list(settings.data.traits)))
        except ValueError as exc:
            writer.report.conflicts.append({"path": TYPES_FILE, "message": f"left as it is: {exc}"})
            return None

    writer.write_file(TYPES_FILE, types)
