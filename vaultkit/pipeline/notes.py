"""Note use cases besides refresh: ingest plots made elsewhere, add Consensus answers, write fetched text."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit import genenote
from vaultkit.config import Settings
from vaultkit.errors import InputError
from vaultkit.genome.genes import Gene, gene_table, span_table
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.pipeline.fetch import FetchReport, fetch_genes, note_texts
from vaultkit.pipeline.notewriter import Edit, NotesReport, NoteWriter
from vaultkit.pipeline.plot import attachments_folder
from vaultkit.progress import SILENT, Progress
from vaultkit.sources.consensus import parse_share_link
from vaultkit.vault.write import vault_lock

SOURCE_BLOCKS = {"ncbi": "ncbi", "uniprot": "uniprot", "europepmc": "literature"}


@dataclass
class IngestReport:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not plot names, or genes not in the HGNC table
    notes: NotesReport = field(default_factory=NotesReport)


def ingest(settings: Settings, plots_dir: Path, *, trait: str, dry_run: bool = False) -> IngestReport:
    """Copy PNGs named in the plot template into the vault and embed them under ``## trait``."""
    if not plots_dir.is_dir():
        raise InputError(f"{plots_dir}: not a folder of plots")
    if not trait.strip() or "\n" in trait or trait.startswith("#"):
        raise InputError(f"--trait {trait!r}: give the trait's name, e.g. sPAP")
    report = IngestReport()
    folder = attachments_folder(settings)
    table = gene_table()
    by_gene: dict[str, tuple[Gene, list[genenote.PlotRef]]] = {}
    copies: list[tuple[Path, Path]] = []
    for png in sorted(plots_dir.glob("*.png")):
        name = parse_plot_name(png.name, settings.plot_name)
        gene = table.find(name.region.gene_id) if name and name.region.gene_id else None
        if name is None or gene is None:
            report.skipped.append(png.name)
            continue
        rel = f"{folder}/{png.name}" if folder else png.name
        dest = settings.vault / rel
        if dest.exists() and dest.read_bytes() != png.read_bytes():
            raise InputError(f"{rel} already exists with other content; a plot is never overwritten silently")
        copies.append((png, dest))
        by_gene.setdefault(gene.symbol, (gene, []))[1].append(genenote.PlotRef(trait, name.region, rel))
    with vault_lock(settings.vault, dry_run=dry_run):
        for src, dest in copies:
            if not dest.exists():
                if not dry_run:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest)
                report.copied.append(dest.relative_to(settings.vault).as_posix())  # a dry run names them too
        writer = NoteWriter(settings, dry_run=dry_run, planned=[p.rel for _, ps in by_gene.values() for p in ps])
        for symbol, (gene, plots) in sorted(by_gene.items()):
            writer.edit_gene(
                genenote.GeneFacts(
                    gene=gene,
                    build=settings.data.build,
                    span=span_table().span(symbol),
                    traits=(trait,),
                    plots={trait: plots},
                ),
                only={"plots"},
            )
        report.notes = writer.finish()
    return report


def consensus_add(settings: Settings, gene: str, url: str, *, dry_run: bool = False) -> NotesReport:
    """Append a Consensus share link's answer under the gene note's Consensus heading (never twice)."""
    answer = parse_share_link(url)
    symbol = _symbol(gene)
    with vault_lock(settings.vault, dry_run=dry_run):
        writer = NoteWriter(settings, dry_run=dry_run)
        rel = writer.note_path(symbol)
        if not writer.exists(rel):
            raise InputError(f"no note for {symbol} at {rel}; run `vaultkit refresh` (or create the note) first")

        def plan(old: str | None) -> tuple[str, Edit]:
            return old or "", lambda text, state, _rel, _res: genenote.NoteUpdate(
                genenote.add_consensus(text, answer.snippet(), answer.url), dict(state)
            )

        writer.edit(rel, plan)
        return writer.finish()


def _symbol(name: str) -> str:
    gene = gene_table().find(name)
    if gene is None:
        raise InputError(f"{name!r} is not a gene symbol or id of the bundled HGNC table (or names several genes)")
    return gene.symbol


def fetch_into_notes(
    settings: Settings,
    genes: list[str],
    *,
    sources: tuple[str, ...],
    offline: bool,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress = SILENT,
) -> tuple[FetchReport, NotesReport | None]:
    """Fetch the sources for ``genes`` (all gene notes if none) and write the text into existing notes."""
    table = gene_table()
    if not genes:
        folder = settings.vault / settings.notes_dir
        genes = sorted(p.stem for p in folder.glob("*.md") if table.find(p.stem)) if folder.is_dir() else []
        if not genes:
            raise InputError(f"no gene notes in {folder}; name genes, e.g. `vaultkit fetch VAULT LIF`")
    fetched = fetch_genes(settings, genes, sources=sources, offline=offline, dry_run=dry_run, progress=progress)
    with vault_lock(settings.vault, dry_run=dry_run):
        writer = NoteWriter(settings, dry_run=dry_run)
        only = {SOURCE_BLOCKS[s] for s in sources if s in SOURCE_BLOCKS}
        wrote_any = False
        for symbol, info in fetched.genes.items():
            if info.gene is None or not writer.exists(writer.note_path(symbol)):
                continue
            wrote_any = True
            writer.edit_gene(genenote.GeneFacts(gene=info.gene, **note_texts(info)), only=only, force=force)
        return fetched, writer.finish() if wrote_any else None
