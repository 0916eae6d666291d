"""UniProtKB function text (the FUNCTION comment) with its PubMed references as links."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vaultkit.errors import SourceError
from vaultkit.net import HttpClient
from vaultkit.sources.safetext import MAX_SECTION_CHARS, clean, digits

BATCH = 100  # accessions per search request
_INLINE_PUBMED = re.compile(r"PubMed:(\d{1,12})")
_ACCESSION = re.compile(r"[A-Z0-9]{1,10}(?:-\d{1,3})?")
MAX_REFS = 50  # PubMed links per FUNCTION text


@dataclass(frozen=True)
class UniprotFunction:
    """The FUNCTION text of one UniProtKB entry, rendered as the user's notes have it."""

    accession: str
    gene: str
    text: str  # markdown, PubMed ids as links
    pubmed_ids: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"https://www.uniprot.org/uniprotkb/{self.accession}/entry"


def pubmed_link(pmid: str) -> str:
    return f"PubMed:[{pmid}](https://pubmed.ncbi.nlm.nih.gov/{pmid})"


def fetch_entries(client: HttpClient, base_url: str, accessions: Iterable[str]) -> list[dict[str, Any]]:
    """Raw entries for ``accessions``, ``BATCH`` per request via the search endpoint."""
    accs = sorted(set(a for a in accessions if a))
    out: list[dict[str, Any]] = []
    url = base_url.rstrip("/") + "/uniprotkb/search"
    for i in range(0, len(accs), BATCH):
        chunk = accs[i : i + BATCH]
        payload = client.get_json(
            url,
            {
                "query": " OR ".join(f"accession:{a}" for a in chunk),
                "fields": "accession,gene_primary,cc_function",
                "format": "json",
                "size": str(len(chunk)),
            },
        )
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise SourceError("rest.uniprot.org: expected {'results': [...]} in the answer")
        out.extend(payload["results"])
    return out


def parse_entry(entry: Any) -> UniprotFunction | None:
    """The FUNCTION comment of one entry; None if it has none (or the entry is not one).

    The text is escaped (safetext.clean), PubMed ids are kept only when they
    are digits, and the whole text stays under ``MAX_SECTION_CHARS``.
    """
    if not isinstance(entry, dict):
        return None
    texts: list[str] = []
    pmids: list[str] = []
    size = 0
    for comment in _dicts(entry.get("comments")):
        if comment.get("commentType") != "FUNCTION":
            continue
        for item in _dicts(comment.get("texts")):
            value = clean(item.get("value"))
            refs = [digits(e.get("id")) for e in _dicts(item.get("evidences")) if e.get("source") == "PubMed"]
            refs = list(dict.fromkeys(r for r in refs if r))[:MAX_REFS]
            inline = _INLINE_PUBMED.findall(value)[:MAX_REFS]
            if inline:
                value = _INLINE_PUBMED.sub(lambda m: pubmed_link(m.group(1)), value)
            elif refs:
                value = value.rstrip(".") + " (" + ", ".join(pubmed_link(p) for p in refs) + ")."
            if not value or size + len(value) > MAX_SECTION_CHARS:
                continue
            size += len(value) + 1
            texts.append(value)
            pmids.extend(inline or refs)
    if not texts:
        return None
    genes = _dicts(entry.get("genes")) or [{}]
    name = genes[0].get("geneName")
    gene = clean(name.get("value") if isinstance(name, dict) else "", limit=40)
    accession = entry.get("primaryAccession")
    accession = accession if isinstance(accession, str) and _ACCESSION.fullmatch(accession) else ""
    return UniprotFunction(accession, gene, " ".join(texts), tuple(dict.fromkeys(pmids)))


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list from an answer (anything else in it is ignored)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
