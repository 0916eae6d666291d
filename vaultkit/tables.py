"""Read and validate the feature and phenotype tables; align their samples.

Errors name the file, the column and the row, and say what was expected;
nothing is written when a table is bad.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaultkit.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

IDENTITY = ("gene_id", "chrom", "start", "end")


class SampleWarning(UserWarning):
    """Samples found in only one of the two tables (left out)."""


@dataclass(frozen=True)
class Features:
    """Per-region values: ``regions`` (gene_id, chrom, start, end) and ``values`` (regions x samples)."""

    path: Path
    regions: pd.DataFrame
    samples: list[str]
    values: np.ndarray


@dataclass(frozen=True)
class Phenotypes:
    """One row per sample, indexed by sample id."""

    path: Path
    table: pd.DataFrame


def read_table(path: Path) -> pd.DataFrame:
    """A TSV, CSV or Parquet file (by extension, ``.gz`` allowed) as a DataFrame of its raw values."""
    import pandas as pd

    name = path.name.lower().removesuffix(".gz")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        sep = "," if name.endswith(".csv") else "\t"
        return pd.read_csv(path, sep=sep)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read as a {'Parquet' if 'parq' in name else 'delimited'} table: {exc}") from None


def _numeric(df: pd.DataFrame, columns: list[str], path: Path, what: str, row_names: Any) -> np.ndarray:
    """The columns as float64; InputError naming the first non-numeric cell."""
    import numpy as np
    import pandas as pd

    block = df[columns]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in block.dtypes):
        return block.to_numpy(dtype=np.float64)
    for col in columns:
        series = df[col]
        if pd.api.types.is_numeric_dtype(series.dtype):
            continue
        coerced = pd.to_numeric(series, errors="coerce")
        missing = series.isna() | series.astype(str).str.strip().isin(["", "NA", "NaN", "nan"])
        bad = coerced.isna() & ~missing
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: column {col!r}, row {pos + 2} ({what} {row_names[pos]}): "
                f"{series.iloc[pos]!r} is not a number; expected numeric {what} values (empty or NA for missing)"
            )
        df[col] = coerced
    return df[columns].to_numpy(dtype=np.float64)


def _regions(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    import numpy as np
    import pandas as pd

    from vaultkit.genome.regions import COLON_ID, DOTTED_ID, parse_region_id, strip_version

    cols = [str(c) for c in df.columns]
    df.columns = cols
    if set(IDENTITY) <= set(cols):
        regions = df[list(IDENTITY)].copy()
        regions["gene_id"] = regions["gene_id"].fillna("").astype(str).map(strip_version)
        for c in ("start", "end"):
            if not pd.api.types.is_integer_dtype(regions[c]):
                raise InputError(f"{path}: column {c!r} must hold whole-number positions")
        regions["chrom"] = regions["chrom"].astype(str)
        return regions, [c for c in cols if c not in IDENTITY]
    id_col = cols[0]
    ids = df[id_col].astype(str).str.strip()
    ok, regions = _extract_ids(ids, DOTTED_ID)
    if not ok.all():
        ok2, colon = _extract_ids(ids[~ok], COLON_ID)
        if not ok2.all():
            pos = int(np.flatnonzero(~ok)[np.flatnonzero(~ok2)[0]])
            try:
                parse_region_id(ids.iloc[pos])
                reason = "not a region id"
            except ValueError as exc:
                reason = str(exc)
            raise InputError(f"{path}: column {id_col!r}, row {pos + 2}: {reason}; "
                             "or give columns gene_id, chrom, start, end")
        merged = pd.DataFrame(index=range(len(ids)), columns=regions.columns)
        merged.loc[ok] = regions.to_numpy()
        merged.loc[~ok] = colon.to_numpy()
        regions = merged.astype({"start": np.int64, "end": np.int64, "gene_id": object, "chrom": object})
    backwards = (regions["end"] < regions["start"]).to_numpy()
    if backwards.any():
        pos = int(np.flatnonzero(backwards)[0])
        raise InputError(f"{path}: column {id_col!r}, row {pos + 2}: region {ids.iloc[pos]!r} ends before it starts")
    genes = regions["gene_id"].astype(str)
    if genes.str.contains(".", regex=False).any():
        regions["gene_id"] = genes.str.replace(r"^(ENS[A-Z]*\d+)\.\d+$", r"\1", regex=True)
    return regions, cols[1:]


def _extract_ids(ids: pd.Series, pattern: str) -> tuple[np.ndarray, pd.DataFrame]:
    """(matched mask, columns gene/chrom/start/end) of ids matching ``pattern``.

    pyarrow's RE2 runs over the whole column in C++; a Python regex per row
    is ten times slower than reading the table.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(ids.to_numpy(dtype=object), type=pa.string())
    found = pc.extract_regex(arr, pattern)
    ok = pc.is_valid(found).to_numpy(zero_copy_only=False)
    if not ok.all():
        found = found.filter(ok)
    pos = {}
    for name in ("start", "end"):
        digits = pc.replace_substring(found.field(name), ",", "")
        pos[name] = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    gene = found.field("gene").to_numpy(zero_copy_only=False)
    frame = pd.DataFrame({"gene_id": [g or "" for g in gene] if None in gene else gene,
                          "chrom": found.field("chrom").to_numpy(zero_copy_only=False), **pos})
    return ok, frame


def _key(regions: pd.DataFrame, pos: int) -> str:
    row = regions.iloc[pos]
    return f"{row['gene_id']}_{row['chrom']}.{row['start']}.{row['end']}"


class _LazyKeys:
    """Region names for error messages, built only for the row that needs one."""

    def __init__(self, regions: pd.DataFrame) -> None:
        self.regions = regions

    def __getitem__(self, pos: int) -> str:
        return _key(self.regions, pos)


def read_features(path: Path) -> Features:
    """Read a feature table: one row per region, one column per sample."""
    df = read_table(path)
    if df.empty or len(df.columns) < 2:
        raise InputError(f"{path}: the feature table is empty; expected one row per region and one column per sample")
    regions, samples = _regions(df, path)
    if not samples:
        raise InputError(f"{path}: no sample columns besides the region identity")
    dup_cols = sorted({s for s in samples if samples.count(s) > 1})
    if dup_cols:
        raise InputError(f"{path}: duplicated sample column(s) {dup_cols}")
    dup = regions.duplicated().to_numpy()
    if dup.any():
        pos = int(dup.nonzero()[0][0])
        raise InputError(f"{path}: row {pos + 2}: region {_key(regions, pos)} appears twice; expected one row per region")
    values = _numeric(df, samples, path, "region", _LazyKeys(regions))
    return Features(path, regions.reset_index(drop=True), samples, values)


def read_phenotypes(path: Path, *, sample_column: str, traits: list[str], covariates: list[str] = (),
                    condition_column: str | None = None) -> Phenotypes:
    """Read a phenotype table and check that the traits and covariates are columns."""
    df = read_table(path)
    if df.empty:
        raise InputError(f"{path}: the phenotype table is empty; expected one row per sample")
    df.columns = [str(c) for c in df.columns]
    if sample_column not in df.columns:
        raise InputError(f"{path}: no sample id column {sample_column!r}; columns are {list(df.columns)} "
                         "(set [data].sample_column in vaultkit.toml)")
    for kind, names in (("trait", traits), ("covariate", covariates)):
        missing = [n for n in names if n not in df.columns]
        if missing:
            raise InputError(f"{path}: {kind} column(s) {missing} not found; columns are {list(df.columns)}")
    ids = df[sample_column].astype(str)
    dup = ids.duplicated()
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(f"{path}: column {sample_column!r}, row {pos + 2}: sample {ids.iloc[pos]!r} appears twice")
    df.index = ids
    _numeric(df, list(traits), path, "sample", ids.reset_index(drop=True))
    keep = [*traits, *[c for c in covariates if c not in traits]]
    if condition_column and condition_column in df.columns and condition_column not in keep:
        keep.append(condition_column)
    return Phenotypes(path, df[keep])


def align(features: Features, phenotypes: Phenotypes) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Samples in both tables, in the feature table's order: (values, phenotypes, sample ids).

    Samples in only one table are left out with a SampleWarning; none in
    common is an InputError.
    """
    pheno_ids = set(phenotypes.table.index)
    common = [s for s in features.samples if s in pheno_ids]
    if not common:
        raise InputError(
            f"no sample in common between {features.path} (columns such as {features.samples[:3]}) and "
            f"{phenotypes.path} (ids such as {list(phenotypes.table.index[:3])}); samples are matched by id"
        )
    only_f = [s for s in features.samples if s not in pheno_ids]
    only_p = sorted(pheno_ids - set(features.samples))
    if only_f or only_p:
        warnings.warn(
            f"left out {len(only_f)} sample(s) only in {features.path.name} {only_f[:5]} and "
            f"{len(only_p)} only in {phenotypes.path.name} {only_p[:5]}",
            SampleWarning,
            stacklevel=2,
        )
    position = {s: i for i, s in enumerate(features.samples)}
    cols = [position[s] for s in common] if only_f else slice(None)
    return features.values[:, cols], phenotypes.table.loc[common], common
