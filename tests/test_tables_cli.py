"""Input tables and ``vaultkit associate``: formats, alignment, and clear errors (exit 2, nothing written)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vaultkit.cli import cli


def tables(tmp_path, features=None, pheno=None, fname="f.tsv"):
    rng = np.random.default_rng(1)
    if features is None:
        features = pd.DataFrame(rng.normal(size=(4, 6)), columns=[f"S{i}" for i in range(6)])
        features.insert(0, "region", [f"ENSG0000000000{i}_chr1.{100 * i + 1}.{100 * i + 40}" for i in range(4)])
    if pheno is None:
        pheno = pd.DataFrame(
            {
                "sample": [f"S{i}" for i in reversed(range(6))],
                "sPAP": rng.normal(40, 9, 6),
                "mPAP": rng.normal(25, 5, 6),
                "age": rng.integers(20, 80, 6),
                "sex": ["F", "M"] * 3,
            }
        )
    fpath, ppath = tmp_path / fname, tmp_path / "p.tsv"
    if fname.endswith(".parquet"):
        features.to_parquet(fpath, index=False)
    else:
        features.to_csv(fpath, sep="," if fname.endswith(".csv") else "\t", index=False)
    pheno.to_csv(ppath, sep="\t", index=False)
    return fpath, ppath


def run_assoc(fpath, ppath, out, *extra):
    return CliRunner().invoke(
        cli,
        [
            "associate",
            "--features",
            str(fpath),
            "--phenotypes",
            str(ppath),
            "--traits",
            "sPAP,mPAP",
            "--out",
            str(out),
            *extra,
        ],
    )


@pytest.mark.parametrize("fname", ["f.tsv", "f.csv", "f.parquet"])
@pytest.mark.parametrize("outname", ["r.tsv", "r.csv", "r.parquet"])
def test_formats_in_and_out(tmp_path, fname, outname):
    fpath, ppath = tables(tmp_path, fname=fname)
    result = run_assoc(fpath, ppath, tmp_path / outname)
    assert result.exit_code == 0, result.output
    out = (
        pd.read_parquet(tmp_path / outname)
        if outname.endswith("parquet")
        else pd.read_csv(tmp_path / outname, sep="," if outname.endswith("csv") else "\t")
    )
    assert list(out.columns) == ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]
    assert len(out) == 8 and out["start"].tolist()[:2] == [1, 101]


def test_samples_matched_by_id_whatever_the_order(tmp_path):
    fpath, ppath = tables(tmp_path)
    run_assoc(fpath, ppath, tmp_path / "a.tsv")
    f = pd.read_csv(fpath, sep="\t")
    f[["region", *reversed(f.columns[1:])]].to_csv(fpath, sep="\t", index=False)
    run_assoc(fpath, ppath, tmp_path / "b.tsv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.tsv", sep="\t"), pd.read_csv(tmp_path / "b.tsv", sep="\t"))


def test_identity_columns_and_covariates(tmp_path):
    rng = np.random.default_rng(2)
    feats = pd.DataFrame(rng.normal(size=(3, 6)), columns=[f"S{i}" for i in range(6)])
    feats.insert(0, "gene_id", ["ENSG00000128342.4", "", "ENSG00000128342"])
    feats.insert(1, "chrom", "chr22")
    feats.insert(2, "start", [1, 50, 100])
    feats.insert(3, "end", [40, 90, 140])
    fpath, ppath = tables(tmp_path, features=feats)
    result = run_assoc(
        fpath, ppath, tmp_path / "r.tsv", "--covariates", "age,sex", "--categorical", "sex", "--method", "spearman"
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "r.tsv", sep="\t", keep_default_na=False)
    assert out["gene_id"].tolist()[:3] == ["ENSG00000128342", "", "ENSG00000128342"]


def test_samples_in_one_table_only_are_left_out_with_a_warning(tmp_path):
    fpath, ppath = tables(tmp_path)
    p = pd.read_csv(ppath, sep="\t")
    p.iloc[:4].to_csv(ppath, sep="\t", index=False)
    result = run_assoc(fpath, ppath, tmp_path / "r.tsv")
    assert result.exit_code == 0
    assert "warning: left out 2 sample(s)" in result.stderr
    assert set(pd.read_csv(tmp_path / "r.tsv", sep="\t")["n"]) == {4}


def _bad(tmp_path, mutate):
    fpath, ppath = tables(tmp_path)
    f, p = pd.read_csv(fpath, sep="\t"), pd.read_csv(ppath, sep="\t")
    f, p, extra = mutate(f, p)
    f.to_csv(fpath, sep="\t", index=False)
    p.to_csv(ppath, sep="\t", index=False)
    out = tmp_path / "r.tsv"
    result = run_assoc(fpath, ppath, out, *extra)
    assert result.exit_code == 2, result.output
    assert not out.exists()
    return result.stderr


def test_no_sample_in_common(tmp_path):
    def mutate(f, p):
        p["sample"] = ["X" + s for s in p["sample"]]
        return f, p, []

    assert "no sample in common" in _bad(tmp_path, mutate)


def test_trait_or_covariate_not_a_column(tmp_path):
    assert "trait column(s) ['mPAP']" in _bad(tmp_path, lambda f, p: (f, p.drop(columns="mPAP"), []))
    assert "covariate column(s) ['bmi']" in _bad(tmp_path, lambda f, p: (f, p, ["--covariates", "bmi"]))


def test_non_numeric_values_named_by_file_column_row(tmp_path):
    def feat(f, p):
        f["S3"] = f["S3"].astype(object)
        f.loc[2, "S3"] = "high"
        return f, p, []

    msg = _bad(tmp_path, feat)
    assert "f.tsv" in msg and "column 'S3', row 4" in msg and "'high'" in msg

    def trait(f, p):
        p["sPAP"] = p["sPAP"].astype(object)
        p.loc[1, "sPAP"] = "n/a?"
        return f, p, []

    msg = _bad(tmp_path, trait)
    assert "p.tsv" in msg and "column 'sPAP', row 3" in msg


def test_duplicated_ids(tmp_path):
    assert "appears twice" in _bad(tmp_path, lambda f, p: (pd.concat([f, f.iloc[:1]]), p, []))
    assert "appears twice" in _bad(tmp_path, lambda f, p: (f, pd.concat([p, p.iloc[:1]]), []))


def test_empty_table_and_bad_region_id(tmp_path):
    assert "empty" in _bad(tmp_path, lambda f, p: (f.iloc[:0], p, []))

    def bad_id(f, p):
        f.loc[1, "region"] = "somewhere"
        return f, p, []

    assert "column 'region', row 3" in _bad(tmp_path, bad_id)


def test_missing_file_is_a_usage_error(tmp_path):
    result = run_assoc(tmp_path / "nope.tsv", tmp_path / "nope2.tsv", tmp_path / "r.tsv")
    assert result.exit_code == 2 and "no such file" in result.stderr
