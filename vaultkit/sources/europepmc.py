"""Europe PMC literature search: the top papers for "<symbol> AND <disease>"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultkit.errors import SourceError
from vaultkit.net import HttpClient
from vaultkit.sources.safetext import clean


@dataclass(frozen=True)
class Paper:
    title: str
    first_author: str
    year: str
    journal: str
    doi: str
    pmid: str

    @property
    def url(self) -> str:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


def fetch_search(client: HttpClient, base_url: str, query: str, *, size: int = 5) -> dict[str, Any]:
    """The raw search answer for ``query`` (most cited first)."""
    return client.get_json(base_url.rstrip("/") + "/search",
                           {"query": query, "format": "json", "resultType": "lite", "pageSize": str(size),
                            "sort": "CITED desc"})


def parse_search(payload: Any) -> list[Paper]:
    """Papers of a search answer; [] when there are none."""
    if not isinstance(payload, dict) or "resultList" not in payload:
        raise SourceError("Europe PMC: expected a 'resultList' in the answer")
    papers = []
    for item in payload["resultList"].get("result", []) or []:
        author = (item.get("authorString") or "").split(",")[0].strip().rstrip(".")
        papers.append(Paper(clean(item.get("title", ""), limit=300).rstrip("."), clean(author, limit=80),
                            str(item.get("pubYear", "")), clean(item.get("journalTitle", ""), limit=120),
                            str(item.get("doi", "")), str(item.get("pmid", ""))))
    return papers
