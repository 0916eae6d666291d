"""README's "Scaling" recipe: one feature file per worker on Dask, q over all of them at the end.

Run with Dask's local scheduler (threads and processes); the results equal
``vaultkit associate`` on the whole table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from tests.test_streaming import feature_table, pheno_table
from vaultkit.pipeline.associate import associate_chunk, design_for, run_associate, write_parts
from vaultkit.tables import FeatureStream, read_phenotypes

dask = pytest.importorskip("dask")


def one_file(path: Path, design) -> pa.Table:
    """What a worker does: read its file in chunks and correlate each (the README's recipe)."""
    return pa.concat_tables(associate_chunk(chunk, design) for chunk, _ in FeatureStream(path))


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_the_scaling_recipe_gives_the_whole_tables_results(tmp_path, scheduler):
    table = feature_table(rows=120, samples=10, missing=0.1)
    whole = tmp_path / "features.tsv"
    table.to_csv(whole, sep="\t", index=False)
    files = []
    for i, start in enumerate(range(0, 120, 50)):  # one file per chromosome, say
        files.append(tmp_path / f"part{i}.parquet")
        table.iloc[start : start + 50].to_parquet(files[-1], index=False)
    phenotypes = tmp_path / "phenotypes.tsv"
    pheno_table(10).to_csv(phenotypes, sep="\t", index=False)
    traits = ["sPAP", "mPAP"]

    pheno = read_phenotypes(phenotypes, sample_column="sample", traits=traits)
    first, _ = next(iter(FeatureStream(files[0])))
    design = design_for(first, pheno, traits=traits, method="spearman")
    parts = dask.compute(*[dask.delayed(one_file)(f, design) for f in files], scheduler=scheduler)
    rows = write_parts(parts, tmp_path / "results.parquet", traits=traits, method="spearman")

    run_associate(features=whole, phenotypes=phenotypes, traits=traits, out=tmp_path / "expected.parquet")
    assert rows == 240
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "results.parquet"), pd.read_parquet(tmp_path / "expected.parquet"), check_exact=True
    )
