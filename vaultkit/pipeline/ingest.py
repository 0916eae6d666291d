"""``vaultkit ingest``: plots made elsewhere (an R script, say) copied into the vault and embedded in their notes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from vaultkit import genenote
from vaultkit.config import Settings
from vaultkit.errors import InputError
from vaultkit.genome.genes import Gene, gene_table, span_table
from vaultkit.genome.plotnames import parse_plot_name
from vaultkit.pipeline.notewriter import NotesReport, NoteWriter
from vaultkit.pipeline.plot import attachments_folder
from vaultkit.vault.write import vault_lock


@dataclass
class IngestReport:
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not plot names, or genes not in the HGNC table
    notes: NotesReport = field(default_factory=NotesReport)

    @property
    def exit_code(self) -> int:
        """1 when a note had a conflict or could not be read (the plots were still copied)."""
        return 0 if self.notes.ok else 1


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
