"""Covariates and trait labels: partial correlations as R computes them, designs that cannot work refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tests.helpers import make_gene_vault
from vaultkit import exact
from vaultkit.cli import cli


def _cohort(folder: Path, **pheno_columns) -> tuple[Path, Path]:
    rng = np.random.default_rng(5)
    n = 12
    samples = [f"S{i}" for i in range(n)]
    pheno = pd.DataFrame(
        {
            "sample": samples,
            "sPAP.excl..ZVD": rng.normal(50, 10, n).round(1),
            "age": rng.integers(30, 80, n),
            "sex": list("FM" * (n // 2)),
            **pheno_columns,
        }
    )
    feats = pd.DataFrame(rng.normal(size=(3, n)).round(3), columns=samples)
    feats.insert(0, "region", [f"ENSG00000128342_chr22.{s}.{s + 40}" for s in (100, 200, 300)])
    folder.mkdir(parents=True, exist_ok=True)
    feats.to_csv(folder / "f.tsv", sep="\t", index=False)
    pheno.to_csv(folder / "p.tsv", sep="\t", index=False)
    return folder / "f.tsv", folder / "p.tsv"


def _associate(f, p, *extra):
    return CliRunner().invoke(
        cli,
        [
            "associate",
            "--features",
            str(f),
            "--phenotypes",
            str(p),
            "--traits",
            "sPAP.excl..ZVD",
            "--out",
            str(f.parent / "r.tsv"),
            *extra,
        ],
    )


@pytest.mark.parametrize(
    ("columns", "args", "message"),
    [
        ({}, ["--covariates", "age,sex"], "covariate 'sex' holds text (F, M); declare it categorical"),
        ({"batch": 3}, ["--covariates", "age,batch"], "covariate column 'batch' has one value"),
        (
            {"site": "A"},
            ["--covariates", "site", "--categorical", "site"],
            "covariate column 'site' has only one level",
        ),
        ({"age2": "x"}, ["--covariates", "age,age2"], None),  # filled in below: 2 * age + 1
        ({"sPAP.excl..ZVD": 7.5}, [], "trait column 'sPAP.excl..ZVD' has the single value 7.5"),
        (
            {},
            ["--covariates", "age", "--categorical", "sex"],
            "categorical column(s) ['sex'] are not among the covariates",
        ),
    ],
)
def test_designs_that_cannot_work_exit_2_naming_the_columns(tmp_path, columns, args, message):
    f, p = _cohort(tmp_path, **columns)
    if "age2" in columns:
        table = pd.read_csv(p, sep="\t")
        table["age2"] = 2 * table["age"] + 1
        table.to_csv(p, sep="\t", index=False)
        message = "covariate 'age2' is a linear function of the intercept and ['age']"
    result = _associate(f, p, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert str(p) in result.stderr or "--categorical" in args
    assert not (tmp_path / "r.tsv").exists()


def test_declared_categories_are_dummy_coded(tmp_path):
    f, p = _cohort(tmp_path)
    result = _associate(f, p, "--covariates", "age,sex", "--categorical", "sex")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(tmp_path / "r.tsv", sep="\t")
    table = pd.read_csv(p, sep="\t")
    feats = pd.read_csv(f, sep="\t")
    z = np.column_stack([table["age"], (table["sex"] == "M").astype(float)])
    want = exact.correlation(
        feats.iloc[0, 1:].to_numpy(float), table["sPAP.excl..ZVD"].to_numpy(float), method="spearman", covariates=z
    )
    assert out["r"][0] == pytest.approx(want[0], abs=1e-12) and want[2] == 2


def test_a_trait_label_names_headings_files_and_properties(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    table = pd.read_csv(root / "data/phenotypes.tsv", sep="\t").rename(columns={"sPAP": "sPAP.excl..ZVD"})
    table.to_csv(root / "data/phenotypes.tsv", sep="\t", index=False)
    toml = root / "vaultkit.toml"
    toml.write_text(toml.read_text() + '[traits.sPAP]\ncolumn = "sPAP.excl..ZVD"\nunit = "mm Hg"\n')
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
    assert result.exit_code == 0, result.output
    text = (root / "Genes/LIF.md").read_text()
    assert "\n## sPAP\n" in text and "r_sPAP:" in text and "ZVD" not in text
    drawn = json.loads(result.stdout)["plots"]["drawn"]
    assert drawn and not any("ZVD" in d for d in drawn)


def test_refresh_on_the_users_real_formats(tmp_path):
    """The clinical export and the ATAC table as they are: labels, make.names ids, suffix, a symbol as gene id."""
    import shutil

    root = tmp_path / "v"
    (root / "data").mkdir(parents=True)
    real = Path(__file__).parent / "fixtures" / "real_formats"
    shutil.copy(real / "atac_format_sample.tsv", root / "data/atac.tsv")
    shutil.copy(real / "clinical_format_sample.csv", root / "data/clinical.csv")
    (root / "vaultkit.toml").write_text(
        'notes_dir = "Genes"\nattachments_dir = "plots"\n'
        '[data]\nfeatures = "data/atac.tsv"\nphenotypes = "data/clinical.csv"\nsample_column = "rna.final.ids"\n'
        'traits = ["sPAP", "mPAP"]\ncovariates = ["age", "gender"]\ncategorical = ["gender"]\nfdr = 1.0\n'
        '[traits.sPAP]\ncolumn = "sPAP.excl..ZVD"\n[sources]\nenabled = []\n'
    )
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any("'.ATAC' stripped" in line for line in report["inputs"])
    assert any("MYC -> ENSG00000136997" in line for line in report["inputs"])
    myc = (root / "Genes/MYC.md").read_text()
    assert "\n## sPAP\n" in myc and "_ENSG00000136997_chr8.127736231.127736594.png" in myc
    assert "n_sPAP: " in myc
