"""``vaultkit init``: a vault folder with a commented vaultkit.toml of the defaults."""

from __future__ import annotations

from pathlib import Path

from vaultkit.config import CONFIG_FILE
from vaultkit.vault.write import write_if_changed

TEMPLATE = """# vaultkit settings. Every key has a default; delete what you do not change.
notes_dir = "Genes"              # where gene notes live
attachments_dir = ""             # "" = Obsidian's attachment folder setting, else this folder
plot_name = "legacy"             # "legacy" (X<r>_<ENSG>_<chrom>.<start>.<end>.png) or e.g. "{symbol}_{trait}_{chrom}_{start}_{end}.png"

[data]
features = "data/features.tsv"
phenotypes = "data/phenotypes.tsv"
sample_column = "sample"
traits = ["sPAP", "mPAP"]
covariates = []                  # numeric columns; text ones only if listed in categorical
categorical = []                 # covariates that are categories (dummy-coded, first level dropped)
sample_suffix = ""               # "" = detect a ".WORD" shared by all sample columns (".ATAC")
build = "GRCh38"
method = "spearman"              # or "pearson"; p as R's cor.test
q_method = "bh"                  # or "storey": qvalue::qvalue(p, lambda = storey_lambda), as R's qvalue package
storey_lambda = 0.5
fdr = 0.05                       # keep associations with q <= fdr ...
top_per_gene = 1                 # ... and at most this many regions per gene and trait
feature_label = "ATAC-seq signal"
units = { sPAP = "mmHg", mPAP = "mmHg" }
condition_column = "condition"   # colours the points, one fit line per condition
plot_conditions = []             # conditions drawn in the scatter ([] = all)
condition_panel = false          # a second panel: the region's signal by condition

# A trait whose column is not the label the notes use: the label names the
# "## heading", the plot files and the r_/p_/q_/n_ properties.
# [traits.sPAP]
# column = "sPAP.excl..ZVD"
# unit = "mmHg"

[lint]
ignore = []                      # finding codes or rules to silence, e.g. ["VK304"] or ["other-gene-section:Genes/LIF.md"]

[sources]
enabled = ["ncbi", "uniprot", "europepmc"]

[sources.ncbi]
base_url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
email = ""                       # NCBI asks for one; the API key comes from NCBI_API_KEY

[sources.consensus]
question = "connection between {symbol} and pulmonary hypertension"

[sources.uniprot]
base_url = "https://rest.uniprot.org/"

[sources.europepmc]
base_url = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
query = "{symbol} AND \\"pulmonary hypertension\\""
"""


def init_vault(vault: Path) -> bool:
    """Create ``vault`` and its settings file; False if the settings file already existed."""
    vault.mkdir(parents=True, exist_ok=True)
    path = vault / CONFIG_FILE
    if path.exists():
        return False
    write_if_changed(path, TEMPLATE.encode("utf-8"))
    return True
