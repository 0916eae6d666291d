"""Generated gene pages (hypothesis): a gene's own ids in any of the places lint reads are no finding;
the same page with another gene's ids has one finding per place, naming that gene and the right value."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultkit.genome.genes import gene_table
from vaultkit.pipeline.lint_ids import wrong_ids

GENES = [
    g
    for g in gene_table().genes
    if g.entrez_id and g.ensembl_id and g.uniprot_ids and g.omim_id and "|" not in g.omim_id
]
KINDS = {
    "entrez": ("NCBI Gene ID", "Entrez", "Gene ID", "entrez_id"),
    "omim": ("OMIM", "OMIM ID", "MIM number", "omim"),
    "ensembl": ("Ensembl", "Ensembl ID", "ensembl_id"),
    "uniprot": ("UniProt", "UniProt ID", "uniprot"),
}
URLS = {
    "entrez": "https://www.ncbi.nlm.nih.gov/gene/{}",
    "omim": "https://www.omim.org/entry/{}",
    "ensembl": "https://www.ensembl.org/Homo_sapiens/Gene/Summary?g={}",
    "uniprot": "https://www.uniprot.org/uniprotkb/{}/entry",
}
PLACES = ("property", "markdown", "html", "label", "link")


def value(gene, kind: str) -> str:
    return {"entrez": gene.entrez_id, "omim": gene.omim_id, "ensembl": gene.ensembl_id, "uniprot": gene.uniprot_ids[0]}[
        kind
    ]


def page(gene, ids_of, places: list[tuple[str, str, int]]) -> tuple[str, list[int]]:
    """A note of ``gene`` giving ``ids_of``'s ids at ``places`` (place, kind, label choice); the lines that hold them."""
    front = ["---", f"symbol: {gene.symbol}"]
    body = [f"# {gene.symbol}", "", f"{gene.symbol} is a gene; this page was pasted.", ""]
    at: list[tuple[str, int]] = []
    for place, kind, pick in places:
        labels = KINDS[kind]
        label, v = labels[pick % len(labels)], value(ids_of, kind)
        if place == "property":
            key = labels[-1]
            if any(line.startswith(f"{key}:") for line in front):
                continue
            front.append(f"{key}: '{v}'")
            at.append(("front", len(front)))
        elif place == "markdown":
            body += [f"| {label} | {v} |", ""]
            at.append(("body", len(body) - 1))
        elif place == "html":
            body += ["<table>", f"<tr><td>{label}</td><td>{v}</td></tr>", "</table>", ""]
            at.append(("body", len(body) - 2))
        elif place == "label":
            body += [f"- **{label}:** {v}", ""]
            at.append(("body", len(body) - 1))
        else:
            text = ("", f"{label}: {gene.symbol}", gene.symbol)[pick % 3]
            body += [f"[{text}]({URLS[kind].format(v)})", ""]
            at.append(("body", len(body) - 1))
    front.append("---")
    lines = [n if where == "front" else len(front) + n for where, n in at]
    return "\n".join(front + body) + "\n", lines


places = st.lists(
    st.tuples(st.sampled_from(PLACES), st.sampled_from(sorted(KINDS)), st.integers(0, 5)), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gene=st.sampled_from(GENES), where=places)
def test_a_genes_own_ids_anywhere_are_no_finding(gene, where):
    text, _ = page(gene, gene, where)
    assert wrong_ids(text, gene) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=st.lists(st.sampled_from(GENES), min_size=2, max_size=2, unique=True), where=places)
def test_another_genes_ids_anywhere_are_found(pair, where):
    gene, other = pair
    text, lines = page(gene, other, where)
    found = wrong_ids(text, gene)
    assert sorted({w.line for w in found}) == sorted(set(lines))
    for w in found:
        assert other in w.verdict.owners
        assert w.verdict.message.endswith(f"; {gene.symbol} is {w.verdict.expected}")


@settings(max_examples=40, deadline=None)
@given(gene=st.sampled_from(gene_table().genes))
def test_the_notes_vaultkit_writes_have_no_fact_findings(gene):
    from vaultkit import genenote
    from vaultkit.genome.genes import span_table
    from vaultkit.pipeline.lint_sections import foreign_sections
    from vaultkit.vault.obsidian import AppSettings
    from vaultkit.vault.resolve import Resolver

    facts = genenote.GeneFacts(
        gene=gene,
        span=span_table().span(gene.symbol),
        traits=("sPAP", "mPAP"),
        consensus_search=(f"about {gene.symbol}", "https://consensus.app/results/?q=x"),
    )
    text = genenote.update(
        genenote.skeleton(facts), facts, {}, note=f"Genes/{gene.symbol}.md", resolver=Resolver([]), app=AppSettings()
    ).text
    assert wrong_ids(text, gene) == []
    assert foreign_sections(text, gene) == []
