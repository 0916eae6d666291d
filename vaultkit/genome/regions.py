"""Genomic regions: 1-based, both ends included, as in the user's plot names."""

from __future__ import annotations

import re
from dataclasses import dataclass

DOTTED_ID = r"^(?P<gene>[^_\s]*)_(?P<chrom>[A-Za-z0-9_]+?)\.(?P<start>\d+)\.(?P<end>\d+)$"
COLON_ID = r"^(?:(?P<gene>[^_\s:]+)_)?(?P<chrom>[A-Za-z0-9_]+):(?P<start>[\d,]+)-(?P<end>[\d,]+)$"
_ID_DOTTED = re.compile(DOTTED_ID)
_ID_COLON = re.compile(COLON_ID)
_VERSION = re.compile(r"\.\d+$")


@dataclass(frozen=True, order=True)
class Region:
    """A genomic interval and the gene it belongs to (``gene_id`` may be empty)."""

    chrom: str
    start: int
    end: int
    gene_id: str = ""

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def key(self) -> str:
        """The seed's id form: ``ENSG00000128342_chr22.30247659.30247698``."""
        return f"{self.gene_id}_{self.chrom}.{self.start}.{self.end}"

    def locus(self) -> str:
        """Readable locus: ``chr22:30,247,659-30,247,698``."""
        return f"{self.chrom}:{self.start:,}-{self.end:,}"


def strip_version(gene_id: str) -> str:
    """``ENSG00000128342.4`` -> ``ENSG00000128342``."""
    return _VERSION.sub("", gene_id) if gene_id.upper().startswith("ENS") else gene_id


def parse_region_id(text: str) -> Region:
    """Parse ``ENSG…_chr22.30247659.30247698`` or ``[ENSG…_]chr22:30247659-30247698``.

    Raises ValueError with the accepted forms when ``text`` is neither.
    """
    text = text.strip()
    m = _ID_DOTTED.match(text) or _ID_COLON.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a region id; expected ENSG00000128342_chr22.30247659.30247698 or chr22:30247659-30247698"
        )
    start, end = int(m.group("start").replace(",", "")), int(m.group("end").replace(",", ""))
    if end < start:
        raise ValueError(f"{text!r}: region end {end} is before its start {start}")
    return Region(m.group("chrom"), start, end, strip_version(m.group("gene") or ""))
