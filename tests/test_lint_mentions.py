"""Gene mentions for lint's other-gene rule: what counts as naming a gene, and what must not."""

from __future__ import annotations

import pytest

from vaultkit.genome.genes import gene_table
from vaultkit.genome.mentions import mention_finder


def named(text: str, own: str | None = None) -> list[tuple[str, str]]:
    gene = gene_table().find(own) if own else None
    return [(text[m.start : m.end], m.symbol) for m in mention_finder().find(text, own=gene)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The 5-HT2A receptor is a GPCR", [("5-HT2A receptor", "HTR2A")]),
        ("5-HT2A-mediated signalling", [("5-HT2A", "HTR2A")]),
        ("LIF signals through the LIF receptor (LIFR)", [("LIF", "LIF"), ("LIF receptor", "LIFR"), ("LIFR", "LIFR")]),
        ("the LIF-LIFR-IL6ST complex", [("LIF", "LIF"), ("LIFR", "LIFR"), ("IL6ST", "IL6ST")]),
        ("Stat3 and Smad1 in mice", [("Stat3", "STAT3"), ("Smad1", "SMAD1")]),
        ("IL-6 and BMP-9", [("IL-6", "IL6"), ("BMP-9", "GDF2")]),
        ("soluble LIF-R and the LIF-receptor", [("LIF-R", "LIFR"), ("LIF-receptor", "LIFR")]),
        ("5-hydroxytryptamine receptor 2A", [("5-hydroxytryptamine receptor 2A", "HTR2A")]),
    ],
)
def test_names_symbols_aliases_and_protein_names(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "PAH patients had higher mPAP and sPAP (ATAC-seq, hg38)",  # PAH is the disease here, SPAP a trait
        "Ca2+ and Mg2+ influx; Th1 cells; see Fig1",
        "IL-1 family, ALK-1, PD and AD, MAPK/ERK, PI3K/Akt via PLC and PKC",
        "the FISH and CHIP assays, a TASK for the MICE",
    ],
)
def test_abbreviations_and_words_are_no_gene(text):
    assert [s for _, s in named(text) if s not in ("IL1A", "PIK3CA")] == []


def test_the_notes_own_gene_counts_generously():
    assert named("Lif — Leukemia inhibitory factor; HILDA; DIA", own="LIF") == [
        ("Lif", "LIF"),
        ("HILDA", "LIF"),
        ("DIA", "LIF"),
    ]
    assert named("Lif and DIA") == []
