"""NCBI Gene through E-utilities: esummary for many ids per request, esearch only for unknown symbols.

NCBI's rules (E-utilities In-Depth, NBK25499): at most 3 requests/s (10/s
with an API key), ``tool`` and ``email`` on every request, POST for long id
lists (above ~200). Errors can come back with HTTP 200.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vaultkit.errors import SourceError
from vaultkit.net import HttpClient
from vaultkit.sources.safetext import clean, digits

GET_LIMIT = 200  # ids per GET; above this, one POST carries them all
HOST_RATE = 3.0
HOST_RATE_WITH_KEY = 10.0


@dataclass(frozen=True)
class NcbiGene:
    """What the NCBI Gene summary says of one gene."""

    entrez_id: str
    symbol: str
    name: str
    summary: str
    aliases: tuple[str, ...]
    map_location: str
    mim: tuple[str, ...]
    chrom: str
    start: int | None  # 1-based, as NCBI displays it
    end: int | None

    @property
    def url(self) -> str:
        return f"https://www.ncbi.nlm.nih.gov/gene/{self.entrez_id}"


def _params(tool_email_key: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tool_email_key.items() if v}


def fetch_summaries(
    client: HttpClient, base_url: str, ids: Iterable[str], *, email: str = "", api_key: str = ""
) -> dict[str, Any]:
    """The raw esummary JSON for ``ids`` in one request (GET up to 200 ids, POST above)."""
    ids = sorted({i for i in ids if i}, key=int)
    if not ids:
        return {"result": {"uids": []}}
    url = base_url.rstrip("/") + "/esummary.fcgi"
    common = {"db": "gene", "retmode": "json", **_params({"tool": "vaultkit", "email": email, "api_key": api_key})}
    if len(ids) <= GET_LIMIT:
        return client.get_json(url, {**common, "id": ",".join(ids)})
    return client.get_json(url, common, data={"id": ",".join(ids)})


def fetch_search(
    client: HttpClient, base_url: str, symbols: Iterable[str], *, email: str = "", api_key: str = ""
) -> dict[str, Any]:
    """One esearch for all ``symbols`` (human genes) the bundled table does not know."""
    symbols = sorted(set(symbols))
    term = "(" + " OR ".join(f"{s}[sym]" for s in symbols) + ") AND 9606[taxid]"
    url = base_url.rstrip("/") + "/esearch.fcgi"
    params = {
        "db": "gene",
        "retmode": "json",
        "retmax": str(max(20, 5 * len(symbols))),
        "term": term,
        **_params({"tool": "vaultkit", "email": email, "api_key": api_key}),
    }
    return client.get_json(url, params)


def _check_error(payload: Any, what: str) -> None:
    if not isinstance(payload, dict):
        raise SourceError(f"NCBI {what}: expected a JSON object, got {type(payload).__name__}")
    if "error" in payload:
        raise SourceError(f"NCBI {what}: {clean(payload['error'], limit=200)}")
    if "esummaryresult" in payload:
        raise SourceError(f"NCBI {what}: {clean('; '.join(map(str, payload['esummaryresult'])), limit=300)}")
    inner = payload.get("esearchresult")
    if isinstance(inner, dict) and "ERROR" in inner:
        raise SourceError(f"NCBI {what}: {clean(inner['ERROR'], limit=200)}")


def parse_search(payload: Any) -> list[str]:
    """Gene ids from an esearch answer; [] when nothing was found."""
    _check_error(payload, "esearch")
    result = payload.get("esearchresult")
    ids = result.get("idlist") if isinstance(result, dict) else None
    return [d for d in map(digits, ids if isinstance(ids, list) else []) if d]


def parse_summaries(payload: Any) -> dict[str, NcbiGene]:
    """Genes by Entrez id from an esummary answer (ids NCBI could not find are left out)."""
    _check_error(payload, "esummary")
    result = payload.get("result")
    if not isinstance(result, dict):
        raise SourceError("NCBI esummary: expected a 'result' in the answer")
    genes = {}
    uids = result.get("uids")
    for uid in uids if isinstance(uids, list) else []:
        doc = result.get(str(uid))
        # An Entrez id is digits (it goes into the gene's link); anything else is not a gene.
        if not digits(uid) or not isinstance(doc, dict) or "error" in doc:
            continue
        genes[digits(uid)] = _gene(digits(uid), doc)
    return genes


def _gene(uid: str, doc: dict[str, Any]) -> NcbiGene:
    infos = doc.get("genomicinfo")
    info = infos[0] if isinstance(infos, list) and infos and isinstance(infos[0], dict) else {}
    start = end = None
    a, b = digits(info.get("chrstart")), digits(info.get("chrstop"))
    if a and b:
        # E-utilities positions are 0-based; NCBI's pages show value + 1. Minus strand: start > stop.
        start, end = min(int(a), int(b)) + 1, max(int(a), int(b)) + 1
    others = doc.get("otheraliases")
    aliases = tuple(a.strip() for a in re.split(r",\s*", others if isinstance(others, str) else "") if a.strip())
    mims = doc.get("mim")
    return NcbiGene(
        entrez_id=uid,
        symbol=clean(doc.get("name", ""), limit=40),
        name=clean(doc.get("description", ""), limit=300),
        summary=clean(doc.get("summary", "")),
        aliases=tuple(clean(a, limit=40) for a in aliases),
        map_location=clean(doc.get("maplocation", ""), limit=40),
        mim=tuple(d for d in map(digits, mims if isinstance(mims, list) else []) if d),
        chrom=clean(doc.get("chromosome"), limit=10),
        start=start,
        end=end,
    )
