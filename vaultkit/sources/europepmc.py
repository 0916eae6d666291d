"""Europe PMC literature search: the top papers for "<symbol> AND <disease>"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaultkit.errors import SourceError
from vaultkit.net import HttpClient
from vaultkit.sources.safetext import clean, digits, doi, url_path, year

MAX_PAPERS = 25  # a section of a note, not a bibliography: 5,000 results never make a 32 MB note


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
            return f"https://doi.org/{url_path(self.doi)}"
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""


def fetch_search(client: HttpClient, base_url: str, query: str, *, size: int = 5) -> dict[str, Any]:
    """The raw search answer for ``query`` (most cited first)."""
    return client.get_json(
        base_url.rstrip("/") + "/search",
        {
            "query": query,
            "format": "json",
            "resultType": "lite",
            "pageSize": str(min(size, MAX_PAPERS)),
            "sort": "CITED desc",
        },
    )


def parse_search(payload: Any) -> list[Paper]:
    """Papers of a search answer (at most ``MAX_PAPERS``); [] when there are none.

    Every field is made safe here: text escaped (safetext.clean), the year,
    DOI and PMID kept only when they look like one (a DOI that is not
    ``10.NNNN/...`` is dropped, never escaped into a link).
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("resultList"), dict):
        raise SourceError("Europe PMC: expected a 'resultList' in the answer")
    results = payload["resultList"].get("result") or []
    if not isinstance(results, list):
        raise SourceError("Europe PMC: expected a list of results in the answer")
    papers = []
    for item in results[:MAX_PAPERS]:
        if not isinstance(item, dict):
            continue
        authors = item.get("authorString")
        author = authors.split(",")[0].strip().rstrip(".") if isinstance(authors, str) else ""
        papers.append(
            Paper(
                clean(item.get("title"), limit=300).rstrip("."),
                clean(author, limit=80),
                year(item.get("pubYear")),
                clean(item.get("journalTitle"), limit=120),
                doi(item.get("doi")),
                digits(item.get("pmid")),
            )
        )
    return papers
