"""UniProtKB function text (the FUNCTION comment) with its PubMed references as links."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vaultkit.errors import SourceError
from vaultkit.net import HttpClient
from vaultkit.sources.safetext import clean

BATCH = 100  # accessions per search request
_INLINE_PUBMED = re.compile(r"PubMed:(\d+)")


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
        payload = client.get_json(url, {"query": " OR ".join(f"accession:{a}" for a in chunk),
                                        "fields": "accession,gene_primary,cc_function", "format": "json",
                                        "size": str(len(chunk))})
        if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
            raise SourceError("rest.uniprot.org: expected {'results': [...]} in the answer")
        out.extend(payload["results"])
    return out


def parse_entry(entry: dict[str, Any]) -> UniprotFunction | None:
    """The FUNCTION comment of one entry; None if it has none."""
    texts: list[str] = []
    pmids: list[str] = []
    for comment in entry.get("comments", []):
        if comment.get("commentType") != "FUNCTION":
            continue
        for item in comment.get("texts", []):
            value = clean(item.get("value", ""))
            refs = [e["id"] for e in item.get("evidences", []) if e.get("source") == "PubMed" and e.get("id")]
            inline = _INLINE_PUBMED.findall(value)
            if inline:
                value = _INLINE_PUBMED.sub(lambda m: pubmed_link(m.group(1)), value)
            elif refs:
                value = value.rstrip(".") + " (" + ", ".join(pubmed_link(p) for p in dict.fromkeys(refs)) + ")."
            texts.append(value)
            pmids.extend(inline or refs)
    if not texts:
        return None
    genes = entry.get("genes") or [{}]
    gene = (genes[0].get("geneName") or {}).get("value", "")
    return UniprotFunction(entry.get("primaryAccession", ""), gene, " ".join(texts), tuple(dict.fromkeys(pmids)))
