"""Associate regions with traits, and select what gets plotted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaultkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

RESULT_COLUMNS = ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]


@dataclass(frozen=True)
class Cohort:
    """Aligned data: region table, values (regions x samples), phenotypes of the same samples."""

    regions: pd.DataFrame
    values: np.ndarray
    pheno: pd.DataFrame
    samples: list[str]


def load_cohort(features: Path, phenotypes: Path, *, sample_column: str, traits: list[str],
                covariates: list[str] = (), condition_column: str | None = None) -> Cohort:
    """Read both tables, validate them, and keep the samples they share."""
    from vaultkit.tables import align, read_features, read_phenotypes

    feats = read_features(features)
    pheno = read_phenotypes(phenotypes, sample_column=sample_column, traits=list(traits),
                            covariates=list(covariates), condition_column=condition_column)
    values, table, samples = align(feats, pheno)
    return Cohort(feats.regions, values, table, samples)


def associate(cohort: Cohort, *, traits: list[str], method: str, covariates: list[str] = ()) -> pd.DataFrame:
    """The results table for every region and trait."""
    from vaultkit import stats

    return stats.associate(cohort.regions, cohort.values, cohort.pheno, traits=list(traits), method=method,
                           covariates=list(covariates))


def write_results(results: pd.DataFrame, out: Path) -> None:
    """Write TSV, CSV or Parquet by the extension of ``out``."""
    name = out.name.lower().removesuffix(".gz")
    out.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith((".parquet", ".pq")):
        results.to_parquet(out, index=False)
    elif name.endswith((".tsv", ".txt", ".csv")):
        # Arrow's writer is ten times faster than DataFrame.to_csv and prints floats that read back exactly.
        import pyarrow as pa
        import pyarrow.csv as pcsv

        table = pa.Table.from_pandas(results, preserve_index=False)
        sep = "," if name.endswith(".csv") else "\t"
        try:  # plain values, as R and pandas write them; quotes only if a value holds the delimiter
            pcsv.write_csv(table, out, pcsv.WriteOptions(delimiter=sep, quoting_style="none", quoting_header="none"))
        except pa.ArrowInvalid:
            pcsv.write_csv(table, out, pcsv.WriteOptions(delimiter=sep, quoting_style="needed"))
    else:
        raise InputError(f"{out}: unknown extension; use .tsv, .csv or .parquet")


def read_results(path: Path) -> pd.DataFrame:
    """A results table written by ``associate``; InputError if columns are missing."""
    from vaultkit.tables import read_table

    df = read_table(path)
    missing = [c for c in RESULT_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: not a vaultkit results table; missing column(s) {missing}")
    df["gene_id"] = df["gene_id"].fillna("").astype(str)
    df["chrom"] = df["chrom"].astype(str)
    return df


def select(results: pd.DataFrame, *, fdr: float, top: int) -> pd.DataFrame:
    """Associations with q <= fdr, at most ``top`` regions per gene and trait (smallest p first)."""
    keep = results[(results["q"] <= fdr) & (results["gene_id"] != "")]
    keep = keep.sort_values(["gene_id", "trait", "p", "chrom", "start", "end"], kind="mergesort")
    return keep.groupby(["gene_id", "trait"], sort=False).head(top).reset_index(drop=True)
