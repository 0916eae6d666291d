"""``vaultkit lint`` on facts: ids of another gene, text pasted from another gene's page (issue 15)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLES, FIXTURES
from vaultkit.cli import cli
from vaultkit.genome.facts import judge, location_fits
from vaultkit.genome.genes import gene_table
from vaultkit.pipeline.lint_ids import wrong_ids
from vaultkit.pipeline.lint_sections import foreign_sections

SEED = (FIXTURES / "lint" / "scidex_LIF.md").read_text(encoding="utf-8")
FACT_RULES = {"wrong-id", "unknown-id", "wrong-location", "other-gene-section"}


def lint_json(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, ["lint", str(root), "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def facts_of(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] in FACT_RULES]


def test_seed_page_gives_all_three_findings(vault):
    root = vault({"Genes/LIF.md": SEED})
    code, findings = lint_json(root)
    assert code == 1
    by_line = {(f["line"], f["code"]): f["message"] for f in facts_of(findings)}
    assert by_line[(23, "VK301")] == "NCBI Gene ID 3977 is LIFR; LIF is 3976"
    assert by_line[(259, "VK301")] == "NCBI Gene ID 3977 is LIFR; LIF is 3976"  # the NCBI link
    assert by_line[(27, "VK302")].startswith("OMIM ID 159446 is in no gene's record")
    assert by_line[(27, "VK302")].endswith("LIF is 159540")
    assert (261, "VK302") in by_line  # the OMIM link
    sections = [f for f in findings if f["rule"] == "other-gene-section"]
    assert len(sections) == 1
    s = sections[0]
    assert s["code"] == "VK304" and "HTR2A" in s["message"] and s["message"].endswith("not LIF (0)")
    assert s["line"] <= 267 and s["end_line"] >= 303  # "Expression Pattern" (HTR2A) to the 5-HT2A knockout lines
    assert s["message"].startswith('section "Expression Pattern" through "Research Directions" is about HTR2A (')
    # Everything else of the page (the real LIF text, its Ensembl and UniProt ids) is no finding.
    assert {f["line"] for f in facts_of(findings)} == {23, 27, 102, 106, 259, 261, s["line"]}


def test_seed_page_text_output_names_file_line_id_owner_and_right_value(vault):
    root = vault({"Genes/LIF.md": SEED})
    result = CliRunner().invoke(cli, ["lint", str(root)])
    assert result.exit_code == 1
    assert "Genes/LIF.md:23: NCBI Gene ID 3977 is LIFR; LIF is 3976 [VK301 wrong-id]" in result.stdout.splitlines()
    assert any(line.startswith("Genes/LIF.md:266-") and "about HTR2A" in line for line in result.stdout.splitlines())


def test_users_real_notes_have_no_fact_findings(vault):
    files = {f"Genes/{p.name}": p.read_text(encoding="utf-8") for p in (EXAMPLES / "GeneDump").glob("*.md")}
    files["Consensus/Consensus_overview.md"] = (EXAMPLES / "Consensus" / "Consensus_overview.md").read_text("utf-8")
    _, findings = lint_json(vault(files))
    assert facts_of(findings) == []


def _pairs(kind_has, n: int, seed: int) -> list[tuple]:
    """``n`` (gene, other gene) pairs of the bundled table where both have the id kind."""
    genes = [g for g in gene_table().genes if kind_has(g)]
    rng = random.Random(seed)
    return [tuple(rng.sample(genes, 2)) for _ in range(n)]


def _swapped_note(gene, other) -> str:
    """A note of ``gene`` with ``other``'s ids in a property, an infobox table, a prose line and links."""
    return (
        f"---\nsymbol: {gene.symbol}\nentrez_id: '{other.entrez_id}'\n---\n"
        f"# {gene.symbol}\n\n| Field | Value |\n|---|---|\n| Ensembl ID | {other.ensembl_id} |\n"
        f"| UniProt | {other.uniprot_ids[0]} |\n\n"
        f"- **HGNC ID:** {other.hgnc_id}\n\n"
        f"[NCBI Gene: {gene.symbol}](https://www.ncbi.nlm.nih.gov/gene/{other.entrez_id})\n"
        f"[](https://www.uniprot.org/uniprotkb/{other.uniprot_ids[0]}/entry)\n"
    )


@pytest.mark.parametrize(
    ("gene", "other"), _pairs(lambda g: g.entrez_id and g.ensembl_id and g.uniprot_ids, 80, 15), ids=lambda g: g.symbol
)
def test_swapped_ids_are_found_for_many_genes(gene, other):
    found = {(w.line, w.verdict.kind): w.verdict for w in wrong_ids(_swapped_note(gene, other), gene)}
    assert set(found) == {(3, "entrez"), (9, "ensembl"), (10, "uniprot"), (12, "hgnc"), (14, "entrez"), (15, "uniprot")}
    for v in found.values():
        assert other in v.owners  # histone and RGPD genes share UniProt ids: all owners are named
        assert v.message.endswith(f"; {gene.symbol} is {v.expected}") and v.expected
        assert other.symbol in v.message.split(";")[0]


@pytest.mark.parametrize(
    ("gene", "other"), _pairs(lambda g: g.entrez_id and g.ensembl_id and g.uniprot_ids, 40, 16), ids=lambda g: g.symbol
)
def test_own_ids_are_no_finding_for_many_genes(gene, other):
    assert wrong_ids(_swapped_note(gene, gene), gene) == []


def test_swapped_omim_and_unknown_ids(vault):
    root = vault({"Genes/LIF.md": "| OMIM | 151443 |\n| NCBI Gene ID | 999999999 |\n| Ensembl | ENSG00000999999 |\n"})
    _, findings = lint_json(root)
    got = {f["line"]: (f["code"], f["message"]) for f in findings}
    assert got[1] == ("VK301", "OMIM ID 151443 is LIFR; LIF is 159540")
    assert got[2][0] == "VK302" and got[2][1].startswith("NCBI Gene ID 999999999 is in no gene's record")
    assert got[3][0] == "VK302"


def test_html_table_and_markdown_table_with_a_gene_column():
    lif = gene_table().find("LIF")
    html = (
        "<table>\n<tr><th>Gene</th><th>NCBI Gene ID</th><th>OMIM</th></tr>\n"
        "<tr><td>LIFR</td><td>3977</td><td>151443</td></tr>\n<tr><td>IL6ST</td><td>3572</td><td>600694</td></tr>\n"
        "<tr><td>LIF</td><td>3977</td><td>159540</td></tr>\n</table>\n"
    )
    md = "| Symbol | Entrez | UniProt |\n|---|---|---|\n| LIFR | 3977 | P42702 |\n| IL6ST | 3572 | P40189 |\n"
    found = wrong_ids(html + md, lif)
    # Partners' rows carry their own ids: only LIF's row, which gives LIFR's Entrez id, is wrong.
    assert [(w.line, w.verdict.value) for w in found] == [(5, "3977")]


def test_symbols_follow_aliases_and_previous_symbols():
    htr2a = gene_table().find("HTR2A")
    for ok in ("HTR2A", "HTR2", "5-HT2A"):
        assert judge(htr2a, "symbol", ok) is None
    assert judge(htr2a, "symbol", "LIF").message == "Gene symbol LIF names LIF, not HTR2A"
    assert wrong_ids(f"| Gene Symbol | HTR2 |\n| Ensembl | {htr2a.ensembl_id}.4 |\n", htr2a) == []


def test_locations():
    assert (
        location_fits("22q12.2", "22q12.2") and location_fits("22q12", "22q12.2") and location_fits("22q1", "22q12.2")
    )
    assert location_fits("chr22:30,240,453-30,246,759", "22q12.2") and location_fits("Chromosome 22", "22q12.2")
    assert location_fits("Xp22.33", "Xp22.33 and Yp11.2") and location_fits("Yp11.2", "Xp22.33 and Yp11.2")
    assert not location_fits("5p13.1", "22q12.2") and not location_fits("22p11", "22q12.2")
    assert not location_fits("22q13.1", "22q12.2")
    lif = gene_table().find("LIF")
    [w] = wrong_ids("Chromosomal Location: 5p13.1\n", lif)
    assert w.verdict.message == "Chromosomal location 5p13.1 is not LIF's; LIF is 22q12.2"


def test_identifier_links_of_partners_and_paralogs_are_no_finding():
    usp44 = gene_table().find("USP44")
    lif = gene_table().find("LIF")
    assert wrong_ids("paralog [USP49](https://www.genecards.org/cgi-bin/carddisp.pl?gene=USP49)\n", usp44) == []
    text = (
        "LIF signals through [LIFR](https://www.ncbi.nlm.nih.gov/gene/3977) and "
        "[gp130 (IL6ST)](https://www.uniprot.org/uniprot/P40189).\n"
        "See [the receptor](https://omim.org/entry/151443) and https://www.ncbi.nlm.nih.gov/gene/3572 in the review.\n"
        "[GeneCards: LIF](https://www.genecards.org/cgi-bin/carddisp.pl?gene=LIF) "
        '<a href="https://www.ncbi.nlm.nih.gov/gene/3976">NCBI</a>\n'
    )
    assert wrong_ids(text, lif) == []
    bad = "[GeneCards](https://www.genecards.org/cgi-bin/carddisp.pl?gene=LIFR)\n<a href='https://omim.org/entry/151443'>OMIM</a>\n"
    assert [w.verdict.kind for w in wrong_ids(bad, lif)] == ["symbol", "omim"]


def test_ids_in_code_and_orthologs_are_no_finding():
    lif = gene_table().find("LIF")
    assert wrong_ids("```\n| NCBI Gene ID | 3977 |\n```\n", lif) == []
    assert wrong_ids("| Entrez | 3976 (human), 16878 (mouse) |\n", lif) == []
    assert wrong_ids("- OMIM: 178600 (pulmonary hypertension, primary, 1)\n", lif) == []


PARTNER_NOTES = {
    "LIF": """---
symbol: LIF
entrez_id: '3976'
---
# Info
## Signalling
LIF binds a heterodimer of LIFR and IL6ST (gp130); LIFR and IL6ST then activate JAK1 and STAT3.
LIFR-IL6ST signalling downstream of LIF is shared with OSM and CNTF.

## Receptor
The LIF receptor (LIFR) is a type I cytokine receptor. LIFR pairs with IL6ST. Soluble LIFR
antagonises LIF. LIFR mutations cause Stuve-Wiedemann syndrome. LIFR is CD118.

## Partners
| Gene | NCBI Gene ID | OMIM | UniProt |
|---|---|---|---|
| LIFR | 3977 | 151443 | P42702 |
| IL6ST | 3572 | 600694 | P40189 |

### Consensus
LIF and LIFR are raised in pulmonary arterial hypertension (PAH); LIFR knockdown in PAH models.(https://consensus.app/papers/x/?q=LIF)
""",
    "LIFR": """# Info
LIFR (CD118) is the receptor of LIF, CNTF, CT-1 and OSM.

## Ligands
LIF binds LIFR with low affinity; IL6ST recruitment makes it high affinity. LIF, LIF and again LIF:
the LIF-LIFR-IL6ST complex. [LIF](https://www.ncbi.nlm.nih.gov/gene/3976)
""",
    "IL6ST": """# Info
IL6ST (gp130) is the shared signal transducer of the IL-6 family: IL6, IL11, LIF, OSM, CNTF, CLCF1, CTF1.
## Family
IL6 and IL11 use an IL6ST homodimer; LIF, OSM, CNTF and CTF1 use LIFR with IL6ST. IL6 trans-signalling
uses soluble IL6R. IL6 is the best studied; IL6 blockade (tocilizumab) targets IL6R.
""",
}


def test_notes_that_mention_partners_legitimately_have_no_finding(vault):
    root = vault({f"Genes/{k}.md": v for k, v in PARTNER_NOTES.items()})
    _, findings = lint_json(root)
    assert facts_of(findings) == []


SENTENCES = (
    "{x} is expressed in the lung and in vascular smooth muscle.",
    "Loss of {x} impairs endothelial repair in mouse models.",
    "{x} levels rise in patients with pulmonary hypertension.",
    "Knock-down of {x} reduces proliferation of pulmonary artery cells.",
    "{x} is regulated by hypoxia through HIF1A.",
)


def _pasted(gene, other) -> str:
    own = " ".join(SENTENCES[:2]).format(x=gene.symbol)
    theirs = "\n".join(s.format(x=other.symbol) for s in SENTENCES)
    return f"# Info\n## Overview\n{own}\n\n## Expression Pattern\n{theirs}\n\n## Function\n{own}\n"


def _with_partner(gene, other) -> str:
    return "# Info\n" + "".join(
        f"## Part {i}\n{s.format(x=gene.symbol)} It binds {other.symbol}; {other.symbol} "
        f"and {gene.symbol} act together.\n\n"
        for i, s in enumerate(SENTENCES)
    )


GENES = [g for g in gene_table().genes if len(g.symbol) >= 4 and g.symbol.isupper() and g.symbol not in ("HIF1A",)]


@pytest.mark.parametrize("seed", range(40))
def test_text_pasted_from_another_gene_is_found_and_partners_are_not(seed):
    gene, other = random.Random(seed).sample(GENES, 2)
    [found] = foreign_sections(_pasted(gene, other), gene)
    assert (found.start, found.end, found.other) == (5, 10, other.symbol)  # the heading line to the last one
    assert (
        found.message(gene)
        == f'section "Expression Pattern" is about {other.symbol} (5 mentions), not {gene.symbol} (0)'
    )
    assert foreign_sections(_with_partner(gene, other), gene) == []


def test_a_heading_that_names_the_other_gene_is_the_authors_choice():
    lif = gene_table().find("LIF")
    text = "# Info\n## LIFR\n" + " ".join(s.format(x="LIFR") for s in SENTENCES) + "\n"
    assert foreign_sections(text, lif) == []
    assert len(foreign_sections(text.replace("## LIFR", "## Expression"), lif)) == 1


def test_codes_are_stable():
    from vaultkit.pipeline.lint import CODES

    assert CODES == {
        "broken-link": "VK101",
        "ambiguous-link": "VK102",
        "unreadable": "VK103",
        "bad-name": "VK104",
        "unknown-gene": "VK201",
        "not-a-symbol": "VK202",
        "other-gene-plot": "VK203",
        "unknown-trait": "VK204",
        "duplicate-embed": "VK205",
        "wrong-id": "VK301",
        "unknown-id": "VK302",
        "wrong-location": "VK303",
        "other-gene-section": "VK304",
    }


def test_ignore_setting_silences_codes_and_rules(vault):
    root = vault(
        {
            "Genes/LIF.md": SEED,
            "Genes/MYC.md": "| NCBI Gene ID | 3977 |\n",
            "vaultkit.toml": '[lint]\nignore = ["VK304", "wrong-id:Genes/LIF.md"]\n',
        }
    )
    result = CliRunner().invoke(cli, ["lint", str(root), "--json"])
    report = json.loads(result.stdout)
    rules = {(f["path"], f["rule"]) for f in report["findings"]}
    assert ("Genes/LIF.md", "unknown-id") in rules and ("Genes/MYC.md", "wrong-id") in rules
    assert ("Genes/LIF.md", "wrong-id") not in rules and ("Genes/LIF.md", "other-gene-section") not in rules
    assert report["ignored"] == 4


def test_ignore_setting_with_an_unknown_code_is_an_error(vault):
    root = vault({"Genes/LIF.md": "", "vaultkit.toml": '[lint]\nignore = ["VK999"]\n'})
    result = CliRunner().invoke(cli, ["lint", str(root)])
    assert result.exit_code == 2 and "VK999" in result.stderr and "VK304" in result.stderr


def test_init_template_lists_the_setting(tmp_path):
    from vaultkit.config import load_settings

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "v")]).exit_code == 0
    assert "[lint]" in (tmp_path / "v" / "vaultkit.toml").read_text(encoding="utf-8")
    assert load_settings(tmp_path / "v").lint_ignore == ()


WIKI_ORTHOLOGS = """| Species | Human | Mouse |
|---|---|---|
| Entrez | 3976 | 16878 |
| Ensembl | ENSG00000128342 | ENSMUSG00000034394 |
| UniProt | P15018 | P09056 |
| RefSeq (mRNA) | NM_002309 | NM_001039537 |
| Location (UCSC) | Chr 22: 30.24 – 30.25 Mb | Chr 11: 4.21 – 4.22 Mb |

<table><tr><th>Entrez</th><td><a href="https://www.ncbi.nlm.nih.gov/gene/3976">3976</a></td>
<td><a href="https://www.ncbi.nlm.nih.gov/gene/16878">16878</a></td></tr></table>
"""


def test_places_that_look_like_ids_but_are_not_the_genes_are_no_finding():
    lif = gene_table().find("LIF")
    assert wrong_ids(WIKI_ORTHOLOGS, lif) == []
    others = (
        "---\nlocation: Lab bench 3\nstatus: 2\n---\nNCBI Taxonomy: 9606\nOMIM phenotype: 178600\n"
        "NCBI Reference Sequence: NM_002309\n[mouse](https://www.ncbi.nlm.nih.gov/gene/16878)\n"
        "[](https://www.ncbi.nlm.nih.gov/gene/99999999)\n"
    )
    assert wrong_ids(others, lif) == []
    [w] = wrong_ids("[NCBI Gene: LIF](https://www.ncbi.nlm.nih.gov/gene/99999999)\n", lif)
    assert w.verdict.owner is None and w.verdict.message.startswith("NCBI Gene ID 99999999 is in no gene's record")


def _as_text(page: str) -> str:
    """The page as a browser copies it: no tags, the infobox's label and value on lines of their own."""
    return re.sub(r"\n\s*\n", "\n", re.sub(r"<[^>]+>", "", page))


def _as_markdown(page: str) -> str:
    """The page as an HTML-to-markdown converter gives it: infobox rows as pipes, titles as headings."""
    rows = re.sub(r'<tr>\s*<td class="label">(.*?)</td>\s*<td>(.*?)</td>\s*</tr>', r"| \1 | \2 |", page, flags=re.S)
    titles = {
        "Expression Pattern",
        "Molecular Mechanisms",
        "Role in Neurodegeneration",
        "Therapeutic Targeting",
        "Animal Models",
        "Research Directions",
        "References",
        "Overview",
        "Background",
        "External Links",
    }
    return "\n".join(f"## {line}" if line in titles else line for line in rows.split("\n"))


@pytest.mark.parametrize("variant", [_as_text, _as_markdown, lambda p: p.replace("\n", "\r\n")])
def test_the_seed_page_pasted_other_ways_gives_the_same_three_findings(variant):
    lif = gene_table().find("LIF")
    text = variant(SEED)
    assert {
        (w.verdict.kind, w.verdict.value, w.verdict.owner.symbol if w.verdict.owner else None)
        for w in wrong_ids(text, lif)
    } == {("entrez", "3977", "LIFR"), ("omim", "159446", None)}
    [section] = foreign_sections(text, lif)
    assert section.other == "HTR2A" and section.first == "Expression Pattern"


def test_names_and_chromosomes():
    lif = gene_table().find("LIF")
    text = (
        "| Full Name | Leukemia Inhibitory Factor |\n| Gene name | LIF receptor subunit alpha |\n"
        "| Chromosome | 5 |\n| Chromosome | 22 |\n\n| Name | NCBI Gene ID |\n|---|---|\n"
        "| LIF receptor subunit alpha | 3977 |\n"
    )
    assert [(w.line, w.verdict.message) for w in wrong_ids(text, lif)] == [
        (2, 'Gene name "LIF receptor subunit alpha" is LIFR\'s; LIF is "LIF interleukin 6 family cytokine"'),
        (3, "Chromosome chr5 is not LIF's; LIF is chr22"),
    ]


def test_a_name_the_note_gives_its_gene_counts_as_the_gene():
    lif = gene_table().find("LIF")
    note = (
        "# Info\nLeukemia inhibitory factor (LIF) is a cytokine.\n## Details\nLeukemia inhibitory factor signals "
        "via LIFR. LIFR is CD118; LIFR pairs with gp130, and LIFR loss is lethal in mice; soluble LIFR.\n"
    )
    assert foreign_sections(note, lif) == []
    [found] = foreign_sections(note.replace("Leukemia inhibitory factor signals", "It signals"), lif)
    assert found.other == "LIFR"


def test_a_label_as_heading_or_bold_line_above_its_value():
    lif = gene_table().find("LIF")
    found = wrong_ids(
        "### NCBI Gene ID\n3977\n\n**OMIM**\n**151443**\n\n## OMIM\n151443 is the receptor's entry.\n", lif
    )
    assert [(w.line, w.verdict.value) for w in found] == [(2, "3977"), (5, "151443")]


def test_a_section_on_the_receptor_complex_that_does_not_name_the_gene_is_no_finding():
    lif = gene_table().find("LIF")
    text = (
        "# Info\nLIF is a cytokine.\n## Signalling\nLIFR forms a heterodimer with IL6ST. LIFR and IL6ST both "
        "carry box motifs; LIFR is phosphorylated first, then LIFR recruits SHP2 less than IL6ST does.\n"
    )
    assert foreign_sections(text, lif) == []


def test_reference_lists_are_skipped_by_their_heading_only():
    lif = gene_table().find("LIF")
    pasted = "\n".join(s.format(x="HTR2A") for s in SENTENCES)
    assert foreign_sections(f"# Info\nLIF.\n## References\n{pasted}\n## Related genes\n{pasted}\n", lif) == []
    [found] = foreign_sections(f"# Info\nLIF.\n## Disease-related expression\n{pasted}\n", lif)
    assert found.other == "HTR2A"


def test_a_pasted_pages_own_title_lines_do_not_excuse_it():
    lif = gene_table().find("LIF")
    pasted = "\n".join(s.format(x="HTR2A") for s in SENTENCES)
    for title in ("HTR2A", "Receptor Pharmacology"):
        [found] = foreign_sections(f"# Info\nLIF.\n\n{title}\n{pasted}\n", lif)
        assert found.other == "HTR2A" and found.first == title
        assert foreign_sections(f"# Info\nLIF.\n## {title}\n{pasted}\n", lif) == []
