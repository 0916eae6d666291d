"""Sources against a real local HTTP server serving recorded responses, including the ugly cases."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from tests.helpers import FIXTURES
from vaultkit.cli import cli
from vaultkit.config import Settings, SourceSettings
from vaultkit.errors import SourceError
from vaultkit.net import HttpClient, retry_after
from vaultkit.pipeline.fetch import fetch_genes
from vaultkit.vault.linkparse import parse

TPM4 = json.loads((FIXTURES / "eutils/esummary_gene_7171_TPM4.json").read_text())
FGFR2 = json.loads((FIXTURES / "uniprot/P21802_FGFR2_HUMAN.json").read_text())
# No verbatim Europe PMC answer exists in the fixtures; this one has the documented shape of /search?format=json.
EPMC = {
    "version": "6.9",
    "hitCount": 2,
    "request": {"queryString": "TPM4"},
    "resultList": {
        "result": [
            {
                "id": "123",
                "source": "MED",
                "pmid": "123",
                "doi": "10.1000/x1",
                "title": "TPM4 in <i>vascular</i> remodelling.",
                "authorString": "Smith J, Doe A.",
                "journalTitle": "Pulm Circ",
                "pubYear": "2021",
            },
            {
                "id": "456",
                "source": "MED",
                "pmid": "456",
                "title": "Second [[paper]]",
                "authorString": "Roe B.",
                "journalTitle": "Eur Respir J",
                "pubYear": "2019",
            },
        ]
    },
}


class FakeClock:
    def __init__(self):
        self.slept: list[float] = []

    def sleep(self, seconds):
        self.slept.append(seconds)


def settings(tmp_path: Path, server, **kw) -> Settings:
    base = server.url_for("/")
    src = SourceSettings(
        ncbi_base_url=base + "eutils/",
        uniprot_base_url=base + "uniprot/",
        europepmc_base_url=base + "epmc/",
        timeout=2.0,
        **kw,
    )
    return Settings(vault=tmp_path, sources=src)


def client(tmp_path, clock=None, **kw) -> HttpClient:
    clock = clock or FakeClock()
    return HttpClient(
        tmp_path / ".vaultkit/http_cache.sqlite",
        rates={"localhost": 100.0},
        sleep=clock.sleep,
        timeout=kw.pop("timeout", 2.0),
        **kw,
    )


def serve_all(server):
    server.expect_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    server.expect_request("/uniprot/uniprotkb/search").respond_with_json({"results": [FGFR2]})
    server.expect_request("/epmc/search").respond_with_json(EPMC)


def test_fetch_all_sources_then_everything_from_cache(tmp_path, httpserver):
    serve_all(httpserver)
    s = settings(tmp_path, httpserver)
    report = fetch_genes(s, ["TPM4", "FGFR2"], client=client(tmp_path))
    tpm4 = report.genes["TPM4"]
    assert tpm4.ncbi.summary.endswith("[provided by RefSeq, Nov 2009]") and tpm4.ncbi.entrez_id == "7171"
    assert report.genes["FGFR2"].uniprot.text.count("PubMed:[") >= 10
    assert tpm4.papers[0].title == "TPM4 in vascular remodelling" and tpm4.papers[0].first_author == "Smith J"
    assert parse(tpm4.papers[1].title).links == ()  # web text cannot make a link
    # One esummary for both genes, one UniProt search, one Europe PMC query per gene.
    assert report.requests == 4 and len(httpserver.log) == 4
    esummary = httpserver.log[0][0]
    assert esummary.args["id"] == "2263,7171" and esummary.args["tool"] == "vaultkit"
    assert "vaultkit/" in esummary.headers["User-Agent"]
    again = fetch_genes(s, ["TPM4", "FGFR2"], client=client(tmp_path))
    assert again.requests == 0 and len(httpserver.log) == 4
    assert set(again.status.values()) == {"cached"}


def test_api_key_and_email_never_reach_the_cache(tmp_path, httpserver):
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    s = settings(tmp_path, httpserver, ncbi_api_key="SECRETKEY123", ncbi_email="me@example.org")
    fetch_genes(s, ["TPM4"], sources=("ncbi",), client=client(tmp_path))
    assert httpserver.log[0][0].args["api_key"] == "SECRETKEY123"
    stored = (tmp_path / ".vaultkit/http_cache.sqlite").read_bytes()
    assert b"SECRETKEY123" not in stored and b"me@example.org" not in stored
    # The same request with another key is a cache hit: keys are not part of cache keys.
    s2 = settings(tmp_path, httpserver, ncbi_api_key="OTHERKEY", ncbi_email="me@example.org")
    assert fetch_genes(s2, ["TPM4"], sources=("ncbi",), client=client(tmp_path)).requests == 0


def test_429_with_retry_after_then_success(tmp_path, httpserver):
    body = (FIXTURES / "eutils/error_429_rate_limit.json").read_text()
    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_data(
        body, status=429, headers={"Retry-After": "3"}, content_type="application/json"
    )
    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    clock = FakeClock()
    report = fetch_genes(settings(tmp_path, httpserver), ["TPM4"], sources=("ncbi",), client=client(tmp_path, clock))
    assert report.genes["TPM4"].ncbi is not None and report.throttled == 1
    assert clock.slept == [3.0]


def test_503_three_times_is_a_clean_failure(tmp_path, httpserver):
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_data("busy", status=503)
    clock = FakeClock()
    report = fetch_genes(
        settings(tmp_path, httpserver), ["TPM4"], sources=("ncbi",), client=client(tmp_path, clock, retries=2)
    )
    assert report.status["ncbi"].startswith("failed:") and "HTTP 503" in report.status["ncbi"]
    assert report.failed and report.genes["TPM4"].ncbi is None
    assert clock.slept == [1.0, 2.0] and len(httpserver.log) == 3


def test_other_4xx_is_not_retried(tmp_path, httpserver):
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_data("no", status=400)
    c = client(tmp_path)
    with pytest.raises(SourceError, match="HTTP 400"):
        c.get_json(httpserver.url_for("/eutils/esummary.fcgi"))
    assert len(httpserver.log) == 1


def test_timeout(tmp_path, httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response(json.dumps(TPM4), content_type="application/json")

    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_handler(slow)
    c = client(tmp_path, retries=1, timeout=0.2)
    with pytest.raises(SourceError, match="timed out"):
        c.get_json(httpserver.url_for("/eutils/esummary.fcgi"))
    time.sleep(0.8)  # let the server finish the abandoned request before the next test's expectations


@pytest.mark.parametrize(
    ("body", "ctype", "message"),
    [
        ("<html><body>Robot check</body></html>", "text/html", "HTML"),
        ('{"result": {"uids": ["7171"], "7171": {"name": "TP', "application/json", "unreadable JSON"),
    ],
)
def test_html_or_truncated_json_fails_and_is_not_cached(tmp_path, httpserver, body, ctype, message):
    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_data(body, content_type=ctype)
    httpserver.expect_ordered_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    s = settings(tmp_path, httpserver)
    first = fetch_genes(s, ["TPM4"], sources=("ncbi",), client=client(tmp_path))
    assert message in first.status["ncbi"]
    second = fetch_genes(s, ["TPM4"], sources=("ncbi",), client=client(tmp_path))
    assert second.genes["TPM4"].ncbi is not None  # the bad answer was not kept


def test_errors_that_come_with_http_200(tmp_path, httpserver):
    for name in ("esummary.error.json", "esearch.baderror.json"):
        payload = json.loads((FIXTURES / "eutils/klortho" / name).read_text())
        httpserver.clear()
        httpserver.expect_request("/eutils/esummary.fcgi").respond_with_json(payload)
        report = fetch_genes(
            settings(tmp_path, httpserver),
            ["TPM4"],
            sources=("ncbi",),
            client=HttpClient(None, rates={"localhost": 100.0}),
        )
        assert "Invalid db name" in report.status["ncbi"]


def test_empty_answers_are_not_failures(tmp_path, httpserver):
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_json({"header": {}, "result": {"uids": []}})
    httpserver.expect_request("/epmc/search").respond_with_json({"hitCount": 0, "resultList": {"result": []}})
    httpserver.expect_request("/uniprot/uniprotkb/search").respond_with_json({"results": []})
    report = fetch_genes(settings(tmp_path, httpserver), ["TPM4"], client=client(tmp_path))
    assert not report.failed and report.genes["TPM4"].ncbi is None and report.genes["TPM4"].papers == []


def test_refused_connection_goes_offline_once_and_uses_the_cache(tmp_path):
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="localhost", port=0)
    server.start()
    serve_all(server)
    s = settings(tmp_path, server)
    fetch_genes(s, ["TPM4"], client=client(tmp_path))
    server.stop()  # the host now refuses connections
    # LIF comes first and is not cached: TPM4's cached papers must still be used.
    report = fetch_genes(s, ["LIF", "TPM4"], client=client(tmp_path))
    assert len(report.notices) == 1 and "localhost cannot be reached" in report.notices[0]
    # An unreachable host means offline (the report says so), not a failure; the cache still answers.
    assert report.requests == 0 and not report.failed
    assert report.status["ncbi"] == "offline: host unreachable, not all cached, text kept"
    assert report.genes["TPM4"].papers and report.genes["LIF"].papers is None


def test_offline_flag_uses_cache_and_is_not_a_failure(tmp_path, httpserver):
    serve_all(httpserver)
    s = settings(tmp_path, httpserver)
    fetch_genes(s, ["TPM4"], client=client(tmp_path))
    n = len(httpserver.log)
    report = fetch_genes(s, ["TPM4"], client=client(tmp_path, offline=True))
    assert len(httpserver.log) == n and report.genes["TPM4"].ncbi is not None and not report.failed


def test_post_above_200_ids_one_request(tmp_path, httpserver):
    from vaultkit.genome.genes import gene_table

    symbols = [g.symbol for g in gene_table().genes[:250]]
    httpserver.expect_request("/eutils/esummary.fcgi", method="POST").respond_with_json({"result": {"uids": []}})
    fetch_genes(settings(tmp_path, httpserver), symbols, sources=("ncbi",), client=client(tmp_path))
    assert len(httpserver.log) == 1
    req = httpserver.log[0][0]
    assert req.method == "POST" and len(req.form["id"].split(",")) == 250 and "id" not in req.args


def test_unknown_symbols_use_one_esearch(tmp_path, httpserver):
    httpserver.expect_request("/eutils/esearch.fcgi").respond_with_json(
        {"esearchresult": {"count": "1", "idlist": ["7171"]}}
    )
    httpserver.expect_request("/eutils/esummary.fcgi").respond_with_json(TPM4)
    report = fetch_genes(
        settings(tmp_path, httpserver), ["NOTAGENE1", "NOTAGENE2"], sources=("ncbi",), client=client(tmp_path)
    )
    term = httpserver.log[0][0].args["term"]
    assert "NOTAGENE1[sym] OR NOTAGENE2[sym]" in term and len(httpserver.log) == 2
    assert report.unknown == ["NOTAGENE1", "NOTAGENE2"]


def test_fetch_cli_json(tmp_path, httpserver):
    serve_all(httpserver)
    base = httpserver.url_for("/")
    (tmp_path / "vaultkit.toml").write_text(
        f'[sources.ncbi]\nbase_url = "{base}eutils/"\n[sources.uniprot]\nbase_url = "{base}uniprot/"\n'
        f'[sources.europepmc]\nbase_url = "{base}epmc/"\n'
    )
    result = CliRunner().invoke(cli, ["fetch", str(tmp_path), "TPM4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["genes"]["TPM4"]["ncbi"]["url"] == "https://www.ncbi.nlm.nih.gov/gene/7171"
    assert data["sources"]["ncbi"] == "fetched"


def test_retry_after_http_date():
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0) == 10.0
    assert retry_after("5", 0) == 5.0 and retry_after("soon", 0) is None
