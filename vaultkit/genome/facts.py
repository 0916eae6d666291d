"""Gene identifiers as notes write them, and whose they are in the bundled HGNC table.

A note's "NCBI Gene ID 3977", an ``omim.org/entry/159446`` link or an
``entrez_id`` property each name an identifier of some kind; ``judge`` says
whether it is the gene's own, another gene's (and whose), or in no gene's
record at all. The table holds protein-coding genes only, so an id of a
non-coding gene is "unknown", never "wrong".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vaultkit.genome.genes import HGNC_RELEASE, Gene, gene_table

# Names used in messages: stable, so findings read the same whatever label the note used.
KIND_NAMES = {
    "entrez": "NCBI Gene ID",
    "omim": "OMIM ID",
    "ensembl": "Ensembl ID",
    "uniprot": "UniProt ID",
    "hgnc": "HGNC ID",
    "location": "Chromosomal location",
    "chromosome": "Chromosome",
    "symbol": "Gene symbol",
    "name": "Gene name",
}

_ID = {
    "entrez": re.compile(r"(?<![\w.])(\d{1,9})(?!\w|\.\d)"),
    "omim": re.compile(r"(?<![\w.])[*#%+^]?(\d{6})(?!\w|\.\d)"),
    "ensembl": re.compile(r"\b(ENSG\d{11})(?:\.\d+)?\b"),
    # UniProt's accession format (uniprot.org/help/accession_numbers); an isoform suffix "-2" is dropped.
    "uniprot": re.compile(r"\b([OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-\d+)?\b"),
    "hgnc": re.compile(r"(?<![\w.])(?:HGNC:\s*)?(\d{1,6})(?![\w.])", re.I),
    "symbol": re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9@._-]*)\s*$"),
}

_URLS = (
    ("entrez", re.compile(r"ncbi\.nlm\.nih\.gov/gene/(?:\?term=)?(\d+)\b", re.I)),
    ("entrez", re.compile(r"ncbi\.nlm\.nih\.gov/\S*?[?&]list_uids=(\d+)\b", re.I)),
    ("omim", re.compile(r"omim\.org/entry/(\d{6})\b", re.I)),
    ("uniprot", re.compile(r"uniprot\.org/(?:uniprot|uniprotkb)/([A-Z0-9]{6,10})\b", re.I)),
    ("ensembl", re.compile(r"(ENSG\d{11})")),
    ("hgnc", re.compile(r"(HGNC:\d+)", re.I)),
    ("symbol", re.compile(r"genecards\.org/cgi-bin/carddisp\.pl\?(?:[^#\s]*&)?gene=([A-Za-z0-9@._-]+)", re.I)),
)

# Cytobands as HGNC writes them (22q12.2, Xp22.33, 6q12-q13); a chromosome alone ("chr22", "Chromosome 22").
_BAND = re.compile(
    r"(?<![\w,.:-])(chr(?:omosome)?\s*)?([1-9]|1\d|2[0-2]|X|Y)(?:([pq])(\d+)?(?:\.\d+)?)?(?![\w.])", re.I
)


_CHROM = re.compile(r"\s*(?:chr(?:omosome)?\s*)?([1-9]|1\d|2[0-2]|X|Y)\s*", re.I)

# Labels that name a database but not its gene record: a disease's MIM number, a taxon, a transcript.
_NOT_GENE_IDS = {
    "phenotype",
    "phenotypes",
    "disease",
    "diseases",
    "disorder",
    "syndrome",
    "taxonomy",
    "taxon",
    "refseq",
    "reference",
    "sequence",
    "transcript",
    "nucleotide",
    "assembly",
    "function",
    "summary",
    "keywords",
    "pubmed",
    "pmid",
}


def kind_of_label(label: str) -> str | None:
    """The identifier kind a table label or property key names ("NCBI Gene ID" -> "entrez"), else None."""
    words = re.sub(r"[^a-z0-9]+", " ", label.casefold().replace("-", "")).split()
    key = " ".join(words)
    if not words or len(words) > 5 or _NOT_GENE_IDS & set(words):
        return None
    if "omim" in words or "mim" in words:
        return "omim"
    if "entrez" in key or ("ncbi" in words and ("gene" in words or "id" in words)) or key in ("gene id", "geneid"):
        return "entrez"
    if "ensembl" in key:
        return "ensembl"
    if "uniprot" in key or "swissprot" in words:
        return "uniprot"
    if "hgnc" in key and "symbol" not in words and "name" not in words:
        return "hgnc"
    if (
        "cytoband" in key
        or "cytogenetic" in words
        or key
        in ("location", "chromosomal location", "map location", "chromosome location", "chromosome band", "locus")
    ):
        return "location"
    if key in ("chromosome", "chrom", "chr"):
        return "chromosome"
    if key in ("symbol", "gene symbol", "official symbol", "approved symbol", "hgnc symbol"):
        return "symbol"
    if key in ("name", "full name", "gene name", "approved name", "official full name", "hgnc name", "protein name"):
        return "name"
    return None


def ids_in(kind: str, value: str) -> list[str]:
    """The identifiers of ``kind`` in a cell or property value, normalised ("HGNC:6596", "ENSG…" without version)."""
    if kind == "location":
        return [value.strip()] if _bands(value) else []
    if kind == "chromosome":
        m = _CHROM.fullmatch(value)
        return [f"chr{m.group(1).upper()}"] if m else []
    if kind == "name":
        return [value.strip()] if value.strip() else []
    found = [m.group(1) for m in _ID[kind].finditer(value)]
    if kind == "hgnc":
        return [f"HGNC:{n}" for n in found]
    if kind == "symbol":
        return found if kind_of_label(value) is None else []
    return found


def ids_in_url(url: str) -> list[tuple[str, str]]:
    """(kind, id) for each gene identifier a URL carries (NCBI Gene, OMIM, UniProt, Ensembl, HGNC, GeneCards)."""
    out = []
    for kind, pattern in _URLS:
        for m in pattern.finditer(url):
            value = m.group(1).upper() if kind in ("uniprot", "hgnc") else m.group(1)
            if kind == "uniprot" and not _ID["uniprot"].fullmatch(value):
                continue
            out.append((kind, value))
    return out


@dataclass(frozen=True)
class Verdict:
    """An identifier that is not the gene's own: ``owner`` is whose it is (None: nobody's, as far as HGNC knows)."""

    kind: str
    value: str
    gene: Gene
    owners: tuple[Gene, ...] = ()

    @property
    def owner(self) -> Gene | None:
        return self.owners[0] if self.owners else None

    @property
    def expected(self) -> str:
        """The gene's own value of this kind ("" when HGNC has none)."""
        return own_value(self.gene, self.kind)

    @property
    def message(self) -> str:
        name = KIND_NAMES[self.kind]
        right = f"{self.gene.symbol} is {self.expected}" if self.expected else f"HGNC has none for {self.gene.symbol}"
        if self.kind in ("location", "chromosome"):
            return f"{name} {self.value} is not {self.gene.symbol}'s; {right}"
        if self.kind == "name":
            return f'{name} "{self.value}" is {self.owners[0].symbol}\'s; {self.gene.symbol} is "{self.expected}"'
        if self.kind == "symbol" and self.owners:
            return f"{name} {self.value} names {self.owners[0].symbol}, not {self.gene.symbol}"
        if self.owners:
            return f"{name} {self.value} is {'/'.join(g.symbol for g in self.owners)}; {right}"
        if self.kind == "symbol":
            right = f"this note is {self.gene.symbol}"
        return f"{name} {self.value} is in no gene's record (HGNC {HGNC_RELEASE.split()[0]}, protein-coding); {right}"


def own_value(gene: Gene, kind: str) -> str:
    """The gene's identifier of ``kind`` as vaultkit writes it in properties."""
    return {
        "entrez": gene.entrez_id,
        "omim": gene.omim_id.split("|")[0],
        "ensembl": gene.ensembl_id,
        "uniprot": gene.uniprot_ids[0] if gene.uniprot_ids else "",
        "hgnc": gene.hgnc_id,
        "location": gene.location,
        "symbol": gene.symbol,
        "name": gene.name,
        "chromosome": "".join(f"chr{c}" for c, _, _ in _bands(gene.location)[:1]),
    }[kind]


@lru_cache(maxsize=1)
def _owners() -> dict[str, dict[str, tuple[Gene, ...]]]:
    index: dict[str, dict[str, list[Gene]]] = {k: {} for k in ("entrez", "omim", "ensembl", "uniprot", "hgnc", "name")}
    for g in gene_table().genes:
        values = {
            "entrez": [g.entrez_id],
            "omim": g.omim_id.split("|"),
            "ensembl": [g.ensembl_id],
            "uniprot": list(g.uniprot_ids),
            "hgnc": [g.hgnc_id],
            "name": [g.name],
        }
        for kind, ids in values.items():
            for v in ids:
                if v:
                    index[kind].setdefault(v.upper(), []).append(g)
    return {k: {v: tuple(gs) for v, gs in d.items()} for k, d in index.items()}


def owners(kind: str, value: str) -> tuple[Gene, ...]:
    """The genes whose HGNC record holds this identifier (symbols follow aliases and previous symbols)."""
    if kind == "symbol":
        hit = gene_table().find(value)
        return (hit,) if hit is not None else ()
    return _owners().get(kind, {}).get(value.upper(), ())


def judge(gene: Gene, kind: str, value: str) -> Verdict | None:
    """None when ``value`` is ``gene``'s own (or cannot be told); a Verdict otherwise."""
    if kind in ("location", "chromosome"):
        return None if location_fits(value, gene.location) else Verdict(kind, value, gene)
    found = owners(kind, value)
    if kind == "name" and not found:
        return None  # pages name genes their own way ("Leukemia Inhibitory Factor"): only another gene's name is wrong
    if any(g.symbol == gene.symbol for g in found):
        return None
    if kind == "symbol" and value.upper() in {a.upper() for a in gene.aliases + gene.prev_symbols}:
        return None  # an alias the gene shares with others is still its own
    if kind == "symbol" and not found and value.upper() in _all_aliases():
        return None  # an alias several genes share says nothing certain
    return Verdict(kind, value, gene, found)


@lru_cache(maxsize=1)
def _all_aliases() -> frozenset[str]:
    return frozenset(a.upper() for g in gene_table().genes for a in g.aliases + g.prev_symbols)


def _bands(text: str) -> list[tuple[str, str, str]]:
    # A bare number is no place ("Lab bench 3"): a band has an arm, a chromosome says "chr".
    return [
        (m.group(2).upper(), (m.group(3) or "").lower(), m.group(4) or "")
        for m in _BAND.finditer(text)
        if m.group(1) or m.group(3)
    ]


def location_fits(written: str, hgnc: str) -> bool:
    """Whether a written location can be the gene's: same chromosome, arm and band.

    Sources place genes in neighbouring sub-bands (NCBI and Ensembl differ
    near band edges), and a note may give only the chromosome or a coarser
    band ("22q1"); so only a different chromosome, arm or band contradicts.
    """
    mine, theirs = _bands(hgnc), _bands(written)
    if not mine or not theirs:
        return True
    for chrom, arm, region in theirs:
        for c, a, r in mine:
            if c == chrom and (not arm or not a or a == arm) and (region.startswith(r) or r.startswith(region)):
                return True
    return False
