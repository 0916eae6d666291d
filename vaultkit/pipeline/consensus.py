"""``vaultkit consensus add``: a Consensus share link's answer appended under a gene note's Consensus heading."""

from __future__ import annotations

from vaultkit import genenote
from vaultkit.config import Settings
from vaultkit.errors import InputError
from vaultkit.genome.genes import gene_table
from vaultkit.pipeline.notewriter import Edit, NotesReport, NoteWriter
from vaultkit.sources.consensus import parse_share_link
from vaultkit.vault.managed import NoteUpdate
from vaultkit.vault.write import vault_lock


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
            return old or "", lambda text, state, _rel, _res: NoteUpdate(
                genenote.add_consensus(text, answer.snippet(), answer.url), dict(state)
            )

        writer.edit(rel, plan)
        return writer.finish()


def _symbol(name: str) -> str:
    gene = gene_table().find(name)
    if gene is None:
        raise InputError(f"{name!r} is not a gene symbol or id of the bundled HGNC table (or names several genes)")
    return gene.symbol
