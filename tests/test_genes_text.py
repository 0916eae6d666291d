"""Gene identities offline, safe web text, Consensus links, UniProt rendering."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import EXAMPLES, FIXTURES
from vaultkit.errors import InputError
from vaultkit.genome.genes import GeneLookupError, gene_table, span_table, tss_distance
from vaultkit.genome.regions import Region
from vaultkit.sources import consensus, uniprot
from vaultkit.sources.safetext import clean
from vaultkit.vault.linkparse import parse


@pytest.mark.parametrize(
    "name", ["LIF", "lif", "ENSG00000128342", "ENSG00000128342.4", "3976", "P15018", "HGNC:6596", "HILDA"]
)
def test_lif_by_every_identifier(name):
    gene = gene_table().lookup(name)
    assert (gene.symbol, gene.entrez_id, gene.omim_id, gene.location) == ("LIF", "3976", "159540", "22q12.2")


def test_previous_symbol_and_shared_alias():
    assert gene_table().lookup("PPH1").symbol == "BMPR2"
    shared = next(k for k, v in gene_table()._shared.items() if len(v) > 1)
    with pytest.raises(GeneLookupError, match="alias of"):
        gene_table().lookup(shared)
    with pytest.raises(GeneLookupError, match="not a protein-coding gene"):
        gene_table().lookup("NOT_A_GENE")


def test_spans_and_strand_aware_tss_distance():
    lif = span_table().span("LIF")
    assert (lif.chrom, lif.start, lif.end, lif.strand) == ("chr22", 30240453, 30246759, "-")
    region = Region("chr22", 30247659, 30247698, "ENSG00000128342")
    span, dist = span_table().nearest(region)
    assert span.symbol == "LIF" and dist == -919  # upstream of a minus-strand TSS
    plus = span_table().span("BMPR2")
    assert tss_distance(Region(plus.chrom, plus.start + 100, plus.start + 100), plus) == 100


def test_consensus_share_link_from_the_users_note():
    text = (EXAMPLES / "GeneDump/LIF.md").read_text()
    url = text[text.index("(https://consensus.app") + 1 : text.index("lang=en)") + 7]
    answer = consensus.parse_share_link(url)
    assert answer.question == "connection between LIF and pulmanory hypertension"
    assert answer.answer.startswith("LIF signaling plays a fundamental")
    assert answer.snippet() in text


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/papers/x?extracted-answer=a",
        "javascript:alert(1)",
        "https://consensus.app.evil.com/?extracted-answer=a",
        "https://consensus.app/results/?q=x",
    ],
)
def test_consensus_refuses_other_links(url):
    with pytest.raises(InputError):
        consensus.parse_share_link(url)


def test_consensus_search_link():
    assert consensus.search_link("connection between LIF and pulmonary hypertension") == (
        "https://consensus.app/results/?q=connection+between+LIF+and+pulmonary+hypertension&synthesize=on&copilot=on&lang=en"
    )


def test_uniprot_function_with_pubmed_links():
    entry = json.loads((FIXTURES / "uniprot/P21802_FGFR2_HUMAN.json").read_text())
    fn = uniprot.parse_entry(entry)
    assert fn.accession == "P21802" and fn.gene == "FGFR2"
    assert fn.text.startswith("Tyrosine-protein kinase that acts as cell-surface receptor")
    assert "PubMed:[12529371](https://pubmed.ncbi.nlm.nih.gov/12529371)" in fn.text
    inline = {
        "comments": [{"commentType": "FUNCTION", "texts": [{"value": "Does X (PubMed:17443180).", "evidences": []}]}],
        "primaryAccession": "Q9",
    }
    assert uniprot.parse_entry(inline).text == "Does X (PubMed:[17443180](https://pubmed.ncbi.nlm.nih.gov/17443180))."
    assert uniprot.parse_entry({"comments": []}) is None


def test_safe_text_examples():
    assert clean("[provided by RefSeq, Nov 2009]") == "[provided by RefSeq, Nov 2009]"
    out = clean("<script>x</script> [a](javascript:alert(1)) %%c%% #tag\n# Heading")
    assert "<" not in out and "%%" not in out and "\n" not in out and "\\#tag" in out
    assert len(clean("x" * 10000)) <= 4000


@given(st.text(alphabet="[]!()%#<>|\\abc :/.\n", max_size=80))
def test_safe_text_never_makes_links_embeds_or_comments(text):
    out = clean(text)
    assert parse(out).links == ()
    assert "%%" not in out and "\n" not in out and "<" not in out.replace("\\<", "")
