"""The cohort the commands share: both tables read and aligned, every association of it, and the selection.

``refresh`` and ``plot`` read the tables into a ``Cohort``, correlate it
(``associate_cohort``: the whole table in memory; ``vaultkit associate``
streams it instead, ``pipeline/associate.py``), keep what gets plotted
(``select``) and recompute those few exactly (``exact_stats``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.errors import InputError
from vaultkit.progress import SILENT, Progress

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

RESULT_COLUMNS = ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]


@dataclass(frozen=True)
class Cohort:
    """Aligned data: region table, values (regions x samples), phenotypes of the same samples."""

    regions: pd.DataFrame
    values: np.ndarray
    pheno: pd.DataFrame
    samples: list[str]
    notes: tuple[str, ...] = ()  # what reading found: delimiter, decimal mark, suffix, samples matched


def load_cohort(
    features: Path,
    phenotypes: Path,
    *,
    sample_column: str,
    traits: list[str],
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    condition_column: str | None = None,
    trait_columns: dict[str, str] | None = None,
    sample_suffix: str = "",
    progress: Progress = SILENT,
) -> Cohort:
    """Read both tables, validate them and the covariate design, and keep the samples they share.

    ``traits`` are labels; ``trait_columns`` maps a label to its phenotype
    column where they differ (``sPAP`` -> ``sPAP.excl..ZVD``). The cohort's
    phenotype table is indexed by sample and has one column per label.
    """
    from vaultkit.tables import align, read_features, read_phenotypes

    columns = {t: (trait_columns or {}).get(t, t) for t in traits}
    progress.start(f"reading {features.name} and {phenotypes.name}", 2)
    try:
        feats = read_features(features, sample_suffix=sample_suffix)
        progress.advance()
        pheno = read_phenotypes(
            phenotypes,
            sample_column=sample_column,
            traits=list(columns.values()),
            covariates=list(covariates),
            condition_column=condition_column,
        )
        progress.advance()
    finally:
        progress.stop()
    aligned = align(feats, pheno)
    values, table, samples = aligned
    table = table.rename(columns={c: t for t, c in columns.items() if c != t})
    check_design(
        table,
        traits=list(traits),
        covariates=list(covariates),
        categorical=list(categorical),
        path=phenotypes,
        columns=columns,
    )
    regions, mapped = _ensembl_ids(feats.regions)
    notes = (
        *(f"{features.name}: {n}" for n in feats.notes),
        *(f"{phenotypes.name}: {n}" for n in pheno.notes),
        *aligned.notes,
        *mapped,
    )
    return Cohort(regions, values, table, samples, notes)


def _ensembl_ids(regions: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Gene symbols in ``gene_id`` replaced by the gene's Ensembl id (HGNC), and a note saying which."""
    known: dict[str, str] = {}
    out = ensembl_ids(regions, known)
    return out, mapped_notes(known)


def mapped_notes(known: dict[str, str]) -> tuple[str, ...]:
    """The note on what :func:`ensembl_ids` mapped (``known``: its look-ups, "" where none was found)."""
    found = {g: e for g, e in known.items() if e}
    if not found:
        return ()
    shown = ", ".join(f"{g} -> {e}" for g, e in list(found.items())[:5]) + (" ..." if len(found) > 5 else "")
    return (f"gene symbols named by their Ensembl id (HGNC): {shown}",)


def ensembl_ids(regions: pd.DataFrame, known: dict[str, str]) -> pd.DataFrame:
    """Gene symbols in ``gene_id`` replaced by the gene's Ensembl id (HGNC), so plot names and results
    name genes one way; unknown names stay as they are. ``known`` caches the look-ups ("" for none) over
    the chunks of a table."""
    ids = regions["gene_id"].astype(str)
    others = (ids != "") & ~ids.str.startswith("ENS")  # vectorised: a table has 10^5-10^6 regions
    if not others.any():
        return regions
    if not _look_up(ids[others].unique(), known):
        return regions
    out = regions.copy()
    out["gene_id"] = ids.map(lambda g: known.get(g) or g)
    return out


def ensembl_gene_ids(genes: pa.Array, known: dict[str, str]) -> pa.Array:
    """:func:`ensembl_ids` on an Arrow column of gene ids (a streamed chunk's, which has no DataFrame)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    others = pc.and_(pc.not_equal(genes, ""), pc.invert(pc.starts_with(genes, "ENS")))
    if not pc.any(others).as_py():
        return genes
    symbols = pc.unique(genes.filter(others))
    if not _look_up(symbols.to_pylist(), known):
        return genes
    named = pa.array([known.get(g) or g for g in symbols.to_pylist()], pa.string())
    found = pc.index_in(genes, value_set=symbols)
    return pc.if_else(pc.is_valid(found), named.take(found), genes)


def _look_up(symbols: Iterable[str], known: dict[str, str]) -> bool:
    """Each symbol's Ensembl id into ``known`` ("" for none); whether any of these symbols has one."""
    from vaultkit.genome.genes import gene_table

    symbols = list(symbols)
    new = sorted(set(symbols) - set(known))
    if new:
        table = gene_table()
        for g in new:
            gene = table.find(g)
            known[g] = gene.ensembl_id if gene is not None and gene.ensembl_id else ""
    return any(known.get(g) for g in symbols)


def check_design(
    pheno: pd.DataFrame,
    *,
    traits: list[str],
    covariates: list[str],
    categorical: list[str],
    path: Path,
    columns: dict[str, str],
) -> None:
    """InputError, naming the columns, for a design no correlation can be computed with.

    A trait with one value over the samples in common; a covariate that is
    text but not declared categorical; a constant covariate or one that is a
    linear function of the others (with the intercept) over the samples whose
    covariates are all known: the partial correlation would not be defined.
    """
    import numpy as np

    from vaultkit.stats import covariate_design

    for t in traits:
        known = pheno[t].dropna()
        if len(known) and known.nunique() == 1:
            value = known.iloc[0].item() if hasattr(known.iloc[0], "item") else known.iloc[0]
            raise InputError(
                f"{path}: trait column {columns.get(t, t)!r} has the single value {value!r} "
                f"over the {len(known)} samples in common; a correlation needs a trait that varies"
            )
    unknown = [c for c in categorical if c not in covariates]
    if unknown:
        raise InputError(f"categorical column(s) {unknown} are not among the covariates {covariates}")
    try:
        matrix, names = covariate_design(pheno, covariates, categorical)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    if matrix is None:
        return
    rows = ~np.isnan(matrix).any(axis=1)
    x = np.column_stack([np.ones(int(rows.sum())), matrix[rows]])
    for j in range(1, x.shape[1]):
        if np.linalg.matrix_rank(x[:, : j + 1]) <= j:
            name = names[j - 1]
            column = name.split("=", 1)[0]
            if np.ptp(x[:, j]) == 0:
                what = "has one value" if "=" not in name else f"has only one level ({name.split('=', 1)[1]})"
                raise InputError(
                    f"{path}: covariate column {column!r} {what} over the {int(rows.sum())} samples "
                    "with all covariates known; leave it out"
                )
            raise InputError(
                f"{path}: covariate {name!r} is a linear function of the intercept and "
                f"{names[: j - 1]} over the {int(rows.sum())} samples with all covariates known; "
                "leave one of them out"
            )


def associate_cohort(
    cohort: Cohort,
    *,
    traits: list[str],
    method: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    q_method: str = "bh",
    storey_lambda: float = 0.5,
    progress: Progress = SILENT,
) -> pd.DataFrame:
    """The results table for every region and trait; InputError when Storey's pi0 cannot be estimated."""
    from vaultkit import stats

    try:
        return stats.results_table(
            cohort.regions,
            cohort.values,
            cohort.pheno,
            traits=list(traits),
            method=method,
            covariates=list(covariates),
            categorical=list(categorical),
            q_method=q_method,
            storey_lambda=storey_lambda,
            progress=progress,
        )
    except ValueError as exc:
        if q_method != "storey":
            raise
        raise InputError(f'q_method = "storey": {exc}; choose another storey_lambda or q_method = "bh"') from None


def result_format(out: Path) -> tuple[str, str]:
    """("parquet", "") or ("text", delimiter) by the extension of ``out``; InputError for another."""
    name = out.name.lower().removesuffix(".gz")
    if name.endswith((".parquet", ".pq")):
        return "parquet", ""
    if name.endswith((".tsv", ".txt", ".csv")):
        return "text", "," if name.endswith(".csv") else "\t"
    raise InputError(f"{out}: unknown extension; use .tsv, .csv or .parquet")


def write_results(results: pd.DataFrame, out: Path) -> None:
    """Write TSV, CSV or Parquet by the extension of ``out``."""
    kind, sep = result_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        results.to_parquet(out, index=False)
    else:
        # Arrow's writer is ten times faster than DataFrame.to_csv and prints floats that read back exactly.
        import pyarrow as pa
        import pyarrow.csv as pcsv

        table = pa.Table.from_pandas(results, preserve_index=False)
        try:
            pcsv.write_csv(table, out, csv_options(sep, "none"))
        except pa.ArrowInvalid:
            pcsv.write_csv(table, out, csv_options(sep, "needed"))


def csv_options(sep: str, quoting: str) -> Any:
    """Plain values, as R and pandas write them (``quoting="none"``); ``"needed"`` when a value holds the
    delimiter, which Arrow refuses to write unquoted."""
    import pyarrow.csv as pcsv

    if quoting == "needed":
        return pcsv.WriteOptions(delimiter=sep, quoting_style="needed")
    try:
        return pcsv.WriteOptions(delimiter=sep, quoting_style="none", quoting_header="none")
    except TypeError:  # pyarrow < 15 has no quoting_header: it quotes the header, which readers accept
        return pcsv.WriteOptions(delimiter=sep, quoting_style="none")


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
    """Associations with q <= fdr, at most ``top`` regions per gene and trait.

    Smallest p first (within a trait BH's q orders as p does), then largest
    |r|, then position. p and |r| are compared at 9 significant digits: the
    scan's last bits depend on the machine, and two regions whose p differ
    only there must be ordered the same way everywhere.
    """
    import numpy as np

    keep = results[(results["q"] <= fdr) & (results["gene_id"] != "")].copy()
    keep["_p"] = [float(f"{v:.9g}") for v in keep["p"]]
    keep["_r"] = [-float(f"{abs(v):.9g}") for v in keep["r"]]
    keep = keep.sort_values(["gene_id", "trait", "_p", "_r", "chrom", "start", "end"], kind="mergesort")
    keep = keep.drop(columns=["_p", "_r"])
    out = keep.groupby(["gene_id", "trait"], sort=False).head(top).reset_index(drop=True)
    out["n"] = out["n"].astype(np.int64)
    return out


def region_rows(cohort: Cohort) -> dict[tuple[str, str, int, int], int]:
    """The row of each region of the cohort's matrix, by (gene_id, chrom, start, end) as results name it."""
    regions = cohort.regions
    keys = zip(regions["gene_id"], regions["chrom"], regions["start"], regions["end"], strict=True)
    return {(g, c, int(s), int(e)): i for i, (g, c, s, e) in enumerate(keys)}


def exact_stats(
    chosen: pd.DataFrame,
    cohort: Cohort,
    *,
    method: str,
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    progress: Progress = SILENT,
) -> tuple[pd.DataFrame, int]:
    """``chosen`` with r and p recomputed bit-for-bit the same on every machine (see ``vaultkit.exact``).

    These are the numbers that reach file names, notes and plots; q stays
    the scan's (it depends on every p of the trait) and is only ever printed
    rounded. Returns the table and how many rows kept their old values
    because the recomputation is not the computation that made them (r
    differs by more than 1e-9: other covariates).
    """
    import numpy as np

    from vaultkit import exact
    from vaultkit.stats import design_matrix, p_values

    if chosen.empty:
        return chosen, 0
    index = region_rows(cohort)
    design = design_matrix(cohort.pheno, list(covariates), list(categorical))
    traits = {t: np.asarray(cohort.pheno[t], dtype=np.float64) for t in set(chosen["trait"])}
    r = np.empty(len(chosen))
    n = np.zeros(len(chosen), dtype=np.int64)
    k = np.zeros(len(chosen), dtype=np.int64)
    untied = np.zeros(len(chosen), dtype=bool)
    progress.start("recomputing the selected associations exactly", len(chosen))
    for i, row in enumerate(chosen.itertuples(index=False)):
        key = (row.gene_id, row.chrom, int(row.start), int(row.end))
        if key not in index:
            raise InputError(f"results row {key} is not a region of the feature table; run associate again")
        x, y = cohort.values[index[key]], traits[row.trait]
        r[i], n[i], k[i] = exact.correlation(x, y, method=method, covariates=design)
        untied[i] = method == "spearman" and design is None and exact.untied(x, y)
        progress.advance()
    progress.stop()
    # A table made with other covariates (``plot --results``) is not recomputed from here: keep its values.
    scan = chosen["r"].to_numpy(dtype=np.float64)
    same = (np.abs(r - scan) <= 1e-9) | (np.isnan(r) & np.isnan(scan))
    out = chosen.copy()
    out["r"] = np.where(same, r, scan)
    out["p"] = np.where(same, p_values(r, n, k, untied), chosen["p"].to_numpy(dtype=np.float64))
    return out, int((~same).sum())
