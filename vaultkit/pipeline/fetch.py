"""``vaultkit fetch``: what NCBI Gene, UniProt and Europe PMC know of genes, batched and cached, into their notes.

``fetch_genes`` asks the sources (refresh uses it too); ``fetch_into_notes``
is the command: it writes the answers into the notes that exist.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vaultkit.config import Settings
from vaultkit.errors import InputError, SourceError
from vaultkit.genenote import GeneFacts, Reference, Summary
from vaultkit.genome.genes import Gene, gene_table
from vaultkit.net import HttpClient, OfflineMiss
from vaultkit.pipeline.notewriter import NotesReport, NoteWriter
from vaultkit.progress import SILENT, Progress
from vaultkit.sources import europepmc, ncbi, uniprot
from vaultkit.sources.europepmc import Paper
from vaultkit.sources.ncbi import NcbiGene
from vaultkit.sources.safetext import cap
from vaultkit.sources.uniprot import UniprotFunction
from vaultkit.vault.write import STATE_DIR, vault_lock

SOURCES = ("ncbi", "uniprot", "europepmc")
LABELS = {"ncbi": "NCBI Gene", "uniprot": "UniProt", "europepmc": "Europe PMC"}
CACHE_FILE = "http_cache.sqlite"
# The note section each source writes (a managed block id of vaultkit.genenote).
SOURCE_BLOCKS = {"ncbi": "ncbi", "uniprot": "uniprot", "europepmc": "literature"}


@dataclass
class GeneInfo:
    """What the sources said of one gene (None: nothing known or not fetched)."""

    symbol: str
    gene: Gene | None = None
    ncbi: NcbiGene | None = None
    uniprot: UniprotFunction | None = None
    papers: list[Paper] | None = None


@dataclass
class FetchReport:
    genes: dict[str, GeneInfo]
    status: dict[str, str] = field(default_factory=dict)  # source -> fetched | cached | offline | failed: why
    requests: int = 0
    throttled: int = 0
    notices: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(s.startswith("failed") for s in self.status.values())

    def found(self) -> dict[str, list[str]]:
        """Per gene, the sources that had something to say of it."""
        return {
            sym: [name for name, v in (("ncbi", i.ncbi), ("uniprot", i.uniprot), ("europepmc", i.papers)) if v]
            for sym, i in self.genes.items()
        }

    def as_json(self) -> dict[str, Any]:
        genes = {}
        for sym, info in self.genes.items():
            genes[sym] = {
                "hgnc_id": info.gene.hgnc_id if info.gene else None,
                "ncbi": asdict(info.ncbi) | {"url": info.ncbi.url} if info.ncbi else None,
                "uniprot": asdict(info.uniprot) | {"url": info.uniprot.url} if info.uniprot else None,
                "europepmc": [asdict(p) | {"url": p.url} for p in info.papers] if info.papers is not None else None,
            }
        return {
            "genes": genes,
            "sources": self.status,
            "requests": self.requests,
            "throttled": self.throttled,
            "unknown": self.unknown,
            "notices": self.notices,
        }


def note_texts(info: GeneInfo | None) -> dict[str, Any]:
    """What a note shows of the sources' answers: ``ncbi``, ``uniprot`` and ``papers`` for GeneFacts."""
    if info is None:
        return {}
    # The sources escaped and validated every field (sources.safetext); here each section keeps its budget.
    return {
        "ncbi": Summary(cap(info.ncbi.summary), info.ncbi.url) if info.ncbi and info.ncbi.summary else None,
        "uniprot": Summary(cap(info.uniprot.text), info.uniprot.url) if info.uniprot else None,
        "papers": None
        if info.papers is None
        else [
            Reference(
                p.title,
                p.first_author,
                p.journal,
                p.year,
                p.url,
                f"doi:{p.doi}" if p.doi else (f"PMID {p.pmid}" if p.pmid else ""),
            )
            for p in info.papers[: europepmc.MAX_PAPERS]
        ],
    }


def make_client(settings: Settings, *, offline: bool, dry_run: bool = False) -> HttpClient:
    """The run's HTTP client: cache in the vault's state folder, NCBI's published rate.

    A dry run reads a temporary copy of the cache, so it answers as the real run would
    and writes nothing into the vault.
    """
    rate = ncbi.HOST_RATE_WITH_KEY if settings.sources.ncbi_api_key else ncbi.HOST_RATE
    host = urlsplit(settings.sources.ncbi_base_url).hostname or ""
    cache: Path = settings.vault / STATE_DIR / CACHE_FILE
    scratch = None
    if dry_run:
        scratch = tempfile.TemporaryDirectory(prefix="vaultkit-dry-run-")
        copy = Path(scratch.name) / CACHE_FILE
        if cache.exists():
            shutil.copyfile(cache, copy)
        cache = copy
    client = HttpClient(cache, rates={host: rate}, offline=offline, timeout=settings.sources.timeout)
    client.scratch = scratch  # type: ignore[attr-defined]  # lives (and is removed) with the client
    return client


def _status(client: HttpClient, before: tuple[int, int], host: str) -> str:
    sent, cached = client.stats.sent - before[0], client.stats.cached - before[1]
    if host in client.stats.offline_hosts:
        return "offline: host unreachable, cached answers used"
    if client.offline:
        return "offline: cached answers used"
    return "fetched" if sent else ("cached" if cached else "nothing to fetch")


def fetch_genes(
    settings: Settings,
    symbols: list[str],
    *,
    sources: tuple[str, ...] = SOURCES,
    offline: bool = False,
    dry_run: bool = False,
    client: HttpClient | None = None,
    progress: Progress = SILENT,
) -> FetchReport:
    """Everything the chosen sources know of ``symbols``; a failing source never stops the others."""
    unknown_sources = [s for s in sources if s not in SOURCES]
    if unknown_sources:
        raise InputError(f"unknown source(s) {unknown_sources}; choose from {', '.join(SOURCES)}")
    client = client or make_client(settings, offline=offline, dry_run=dry_run)
    table = gene_table()
    report = FetchReport({})
    for sym in symbols:
        gene = table.find(sym)
        report.genes[gene.symbol if gene else sym] = GeneInfo(gene.symbol if gene else sym, gene)
    cfg = settings.sources
    for source in sources:
        before = (client.stats.sent, client.stats.cached)
        host = urlsplit(getattr(cfg, f"{source}_base_url")).hostname or ""
        # Europe PMC is asked once per gene (minutes for a large vault); the others in a few batched requests.
        progress.start(
            f"asking {LABELS[source]} about {len(report.genes)} gene(s)",
            len(report.genes) if source == "europepmc" else 1,
        )
        try:
            {"ncbi": _ncbi, "uniprot": _uniprot, "europepmc": _europepmc}[source](client, cfg, report, progress)
            report.status[source] = _status(client, before, host)
        except OfflineMiss:
            unreachable = host in client.stats.offline_hosts
            report.status[source] = f"offline: {'host unreachable, ' if unreachable else ''}not all cached, text kept"
        except SourceError as exc:
            report.status[source] = f"failed: {exc}"
        finally:
            if source != "europepmc":
                progress.advance()
            progress.stop()
    report.requests, report.throttled = client.stats.sent, client.stats.throttled
    report.notices = list(dict.fromkeys(client.stats.notices))
    return report


def _ncbi(client: HttpClient, cfg: Any, report: FetchReport, progress: Progress) -> None:
    ids = {info.gene.entrez_id for info in report.genes.values() if info.gene and info.gene.entrez_id}
    missing = [sym for sym, info in report.genes.items() if info.gene is None]
    if missing:
        ids.update(
            ncbi.parse_search(
                ncbi.fetch_search(client, cfg.ncbi_base_url, missing, email=cfg.ncbi_email, api_key=cfg.ncbi_api_key)
            )
        )
    genes = ncbi.parse_summaries(
        ncbi.fetch_summaries(client, cfg.ncbi_base_url, ids, email=cfg.ncbi_email, api_key=cfg.ncbi_api_key)
    )
    by_symbol = {g.symbol.upper(): g for g in genes.values()}
    for sym, info in report.genes.items():
        hit = genes.get(info.gene.entrez_id) if info.gene else by_symbol.get(sym.upper())
        info.ncbi = hit
    report.unknown = sorted(s for s, i in report.genes.items() if i.gene is None and i.ncbi is None)


def _uniprot(client: HttpClient, cfg: Any, report: FetchReport, progress: Progress) -> None:
    wanted = {
        info.gene.uniprot_ids[0]: sym for sym, info in report.genes.items() if info.gene and info.gene.uniprot_ids
    }
    entries = uniprot.fetch_entries(client, cfg.uniprot_base_url, wanted)
    for entry in entries:
        parsed = uniprot.parse_entry(entry)
        if parsed is not None and parsed.accession in wanted:
            report.genes[wanted[parsed.accession]].uniprot = parsed


def _europepmc(client: HttpClient, cfg: Any, report: FetchReport, progress: Progress) -> None:
    # Each gene is its own query: Europe PMC has no batch search that keeps per-gene top lists.
    # Offline, a gene missing from the cache must not hide the cached answers of the others.
    missed: OfflineMiss | None = None
    for sym, info in report.genes.items():
        query = cfg.europepmc_query.format(symbol=sym)
        try:
            info.papers = europepmc.parse_search(
                europepmc.fetch_search(client, cfg.europepmc_base_url, query, size=cfg.europepmc_papers)
            )
        except OfflineMiss as exc:
            missed = exc
        progress.advance()
    if missed is not None:
        raise missed


@dataclass
class FetchNotesReport:
    """What ``vaultkit fetch`` did: the sources' answers, and the notes they were written into (None: no note)."""

    fetched: FetchReport
    notes: NotesReport | None

    @property
    def exit_code(self) -> int:
        """1 when a source failed while online, or a note had a conflict or could not be read."""
        return 1 if self.fetched.failed or (self.notes is not None and not self.notes.ok) else 0

    def as_json(self) -> dict[str, Any]:
        """The ``fetch --json`` document: the sources' answers and what became of the notes."""
        doc = self.fetched.as_json()
        n = self.notes
        doc["notes"] = (
            None
            if n is None
            else {
                "updated": n.updated,
                "unchanged": len(n.unchanged),
                "conflicts": n.conflicts,
                "unreadable": n.unreadable,
            }
        )
        return doc


def fetch_into_notes(
    settings: Settings,
    genes: list[str],
    *,
    sources: tuple[str, ...],
    offline: bool,
    force: bool = False,
    dry_run: bool = False,
    progress: Progress = SILENT,
) -> FetchNotesReport:
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
            writer.edit_gene(GeneFacts(gene=info.gene, **note_texts(info)), only=only, force=force)
        return FetchNotesReport(fetched, writer.finish() if wrote_any else None)
