"""Gene identities offline, from the bundled HGNC table, and GRCh38 spans.

Look-ups by symbol, alias, previous symbol, Ensembl id (with or without a
version), Entrez id and UniProt accession. An alias shared by several genes
is an error that names them: guessing would put text under the wrong gene.
"""

from __future__ import annotations

import bisect
import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from vaultkit.genome.regions import Region, strip_version

HGNC_RELEASE = "2024-10 (latest date_modified 2024-10-18)"
SPANS_RELEASE = "org.Hs.eg.db 3.16.0 (UCSC hg38 2022-08-31)"


class GeneLookupError(LookupError):
    """No gene, or more than one, answers to a name."""


@dataclass(frozen=True)
class Gene:
    """One HGNC gene record."""

    symbol: str
    name: str
    hgnc_id: str
    entrez_id: str
    ensembl_id: str
    uniprot_ids: tuple[str, ...]
    omim_id: str
    location: str
    aliases: tuple[str, ...]
    prev_symbols: tuple[str, ...]


@dataclass(frozen=True)
class Span:
    """A gene's GRCh38 span (1-based, closed) and strand."""

    symbol: str
    chrom: str
    start: int
    end: int
    strand: str

    @property
    def tss(self) -> int:
        return self.start if self.strand == "+" else self.end


def _rows(name: str) -> list[dict[str, str]]:
    with (
        resources.files("vaultkit.data").joinpath(name).open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8") as fh,
    ):
        return list(csv.DictReader(fh, delimiter="\t"))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split("|") if v)


class GeneTable:
    """Index of the bundled HGNC genes."""

    def __init__(self, genes: list[Gene]) -> None:
        self.genes = genes
        self._unique: dict[str, Gene] = {}
        self._shared: dict[str, list[Gene]] = {}
        for gene in genes:
            keys = {gene.symbol.upper(), gene.hgnc_id.upper(), gene.entrez_id, gene.ensembl_id.upper()}
            keys.update(u.upper() for u in gene.uniprot_ids)
            for key in keys - {""}:
                self._unique[key] = gene
        for gene in genes:
            for alias in {a.upper() for a in gene.aliases + gene.prev_symbols}:
                if alias in self._unique:
                    continue  # an approved symbol always wins over someone's alias
                self._shared.setdefault(alias, []).append(gene)

    def lookup(self, name: str) -> Gene:
        """The gene a symbol, alias, previous symbol or identifier names; GeneLookupError otherwise."""
        key = strip_version(name.strip()).upper()
        hit = self._unique.get(key)
        if hit is not None:
            return hit
        shared = self._shared.get(key, [])
        if len(shared) == 1:
            return shared[0]
        if shared:
            raise GeneLookupError(
                f"{name!r} is an alias of {len(shared)} genes: {', '.join(g.symbol for g in shared)}; use the symbol"
            )
        raise GeneLookupError(f"{name!r} is not a protein-coding gene in the bundled HGNC table ({HGNC_RELEASE})")

    def find(self, name: str) -> Gene | None:
        """Like ``lookup`` but None for unknown or ambiguous names."""
        try:
            return self.lookup(name)
        except GeneLookupError:
            return None


@lru_cache(maxsize=1)
def gene_table() -> GeneTable:
    """The bundled HGNC table (loaded once)."""
    genes = [
        Gene(
            r["symbol"],
            r["name"],
            r["hgnc_id"],
            r["entrez_id"],
            r["ensembl_gene_id"],
            _split(r["uniprot_ids"]),
            r["omim_id"],
            r["location"],
            _split(r["alias_symbol"]),
            _split(r["prev_symbol"]),
        )
        for r in _rows("hgnc_protein_coding.tsv.gz")
    ]
    return GeneTable(genes)


def _chrom_key(chrom: str) -> str:
    return chrom.removeprefix("chr").removeprefix("Chr").upper()


class SpanTable:
    """GRCh38 gene spans, for "which gene is this region near" and distances to the TSS."""

    def __init__(self, spans: list[Span]) -> None:
        self.by_symbol: dict[str, list[Span]] = {}
        self.by_chrom: dict[str, list[Span]] = {}
        for span in spans:
            self.by_symbol.setdefault(span.symbol.upper(), []).append(span)
            self.by_chrom.setdefault(_chrom_key(span.chrom), []).append(span)
        self._tss: dict[str, list[int]] = {}
        for chrom, items in self.by_chrom.items():
            items.sort(key=lambda s: s.tss)
            self._tss[chrom] = [s.tss for s in items]

    def span(self, symbol: str, chrom: str | None = None) -> Span | None:
        spans = self.by_symbol.get(symbol.upper(), [])
        if chrom is not None:
            spans = [s for s in spans if _chrom_key(s.chrom) == _chrom_key(chrom)]
        return spans[0] if spans else None

    def nearest(self, region: Region) -> tuple[Span, int] | None:
        """The gene whose TSS is nearest the region's middle, with the signed distance to it.

        The distance is strand-aware: negative upstream of the TSS, positive downstream.
        """
        chrom = _chrom_key(region.chrom)
        tss = self._tss.get(chrom)
        if not tss:
            return None
        mid = (region.start + region.end) // 2
        i = bisect.bisect_left(tss, mid)
        best = min((j for j in (i - 1, i) if 0 <= j < len(tss)), key=lambda j: abs(tss[j] - mid))
        span = self.by_chrom[chrom][best]
        return span, tss_distance(region, span)


def tss_distance(region: Region, span: Span) -> int:
    """Signed distance from the gene's TSS to the region's middle (negative = upstream)."""
    mid = (region.start + region.end) // 2
    return (mid - span.tss) if span.strand == "+" else (span.tss - mid)


@lru_cache(maxsize=1)
def span_table() -> SpanTable:
    """The bundled GRCh38 spans (loaded once)."""
    return SpanTable(
        [
            Span(r["symbol"], "chr" + r["chrom"], int(r["start"]), int(r["end"]), r["strand"])
            for r in _rows("grch38_genes.tsv.gz")
        ]
    )
