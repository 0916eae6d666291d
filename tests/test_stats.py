"""Statistics against scipy.stats on random data with missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as ss

from vaultkit.stats import associate, bh_q, correlate


@pytest.fixture
def data():
    rng = np.random.default_rng(42)
    x = rng.normal(size=(300, 25))
    y = rng.normal(size=25) + 0.5 * x[0]
    x[:50] += 0.8 * y  # some real associations
    x[rng.random(x.shape) < 0.08] = np.nan
    y[[2, 7]] = np.nan
    return x, y


@pytest.mark.parametrize(("method", "ref"), [("pearson", ss.pearsonr), ("spearman", ss.spearmanr)])
def test_r_and_p_match_scipy_pairwise_complete(data, method, ref):
    x, y = data
    r, n, p = correlate(x, y, method=method)
    for i in range(x.shape[0]):
        ok = ~np.isnan(x[i]) & ~np.isnan(y)
        want = ref(x[i][ok], y[ok])
        assert n[i] == ok.sum()
        assert abs(r[i] - want[0]) <= 1e-9 * abs(want[0]) + 1e-15
        assert abs(p[i] - want[1]) <= 1e-7 * want[1] + 1e-300


def test_q_matches_false_discovery_control_within_trait(data):
    x, y = data
    _, _, p = correlate(x, y)
    p[5] = np.nan
    q = bh_q(p)
    ok = ~np.isnan(p)
    np.testing.assert_allclose(q[ok], ss.false_discovery_control(p[ok]), rtol=1e-12)
    assert np.isnan(q[5])


def test_covariates_match_explicit_residuals():
    rng = np.random.default_rng(3)
    n = 40
    cov = np.column_stack([rng.normal(50, 10, n), rng.integers(0, 2, n)])
    y = 0.3 * cov[:, 0] + rng.normal(size=n)
    x = rng.normal(size=(20, n)) + 0.05 * cov[:, 0]
    r, _nn, p = correlate(x, y, covariates=cov)
    design = np.column_stack([np.ones(n), cov])
    ry = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    for i in range(20):
        rx = x[i] - design @ np.linalg.lstsq(design, x[i], rcond=None)[0]
        want = np.corrcoef(rx, ry)[0, 1]
        assert abs(r[i] - want) < 1e-9 * abs(want) + 1e-14
        df = n - 2 - 2
        t = want * np.sqrt(df / (1 - want**2))
        assert abs(p[i] - 2 * ss.t.sf(abs(t), df)) < 1e-9


def test_constant_rows_and_too_few_observations_give_nan():
    x = np.array([[1.0, 1, 1, 1, 1], [1, 2, np.nan, np.nan, np.nan], [1, 2, 3, 4, 6]])
    y = np.array([1.0, 2, 3, 4, 5])
    r, n, p = correlate(x, y)
    assert np.isnan(r[0]) and np.isnan(p[0]) and np.isnan(r[1]) and n[1] == 2
    assert r[2] > 0.9 and p[2] < 0.05


def test_results_table_columns_and_per_trait_q():
    rng = np.random.default_rng(0)
    regions = pd.DataFrame({"gene_id": ["G1", "G2", ""], "chrom": ["chr1"] * 3, "start": [1, 10, 20], "end": [5, 15, 25]})
    pheno = pd.DataFrame({"a": rng.normal(size=8), "b": rng.normal(size=8)})
    out = associate(regions, rng.normal(size=(3, 8)), pheno, traits=["a", "b"], method="spearman")
    assert list(out.columns) == ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]
    assert len(out) == 6 and set(out["method"]) == {"spearman"}
    for _trait, part in out.groupby("trait"):
        np.testing.assert_allclose(part["q"], ss.false_discovery_control(part["p"]))
