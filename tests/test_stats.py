"""Statistics against scipy.stats on random data with missing values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats as ss
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tests.helpers import correctly_rounded_r
from vaultkit import exact, rstats
from vaultkit.stats import correlate, p_values, q_values, results_table


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
        if method == "pearson":  # scipy's Spearman p is the t approximation; R's (below) is exact or AS 89
            assert abs(p[i] - want[1]) <= 1e-7 * want[1] + 1e-300


REFERENCE = Path(__file__).parent / "fixtures" / "r_reference"


def _vector(text: str) -> np.ndarray:
    return np.array([np.nan if v == "NA" else float(v) for v in text.split(",")])


@pytest.mark.parametrize(
    ("table", "method", "estimate"), [("pearson.tsv", "pearson", "r"), ("spearman.tsv", "spearman", "rho")]
)
def test_the_scan_and_the_exact_path_give_rs_cor_test(table, method, estimate):
    """R's cor.test (tests/r/make_reference.R), case by case: the scan and the printed numbers alike."""
    ref = pd.read_csv(REFERENCE / table, sep="\t", keep_default_na=False, dtype=str)
    for row in ref.itertuples(index=False):
        x, y = _vector(row.x), _vector(row.y)
        want_r, want_p = float(getattr(row, estimate)), float(row.p)
        r, _, p = correlate(x[None, :], y, method=method)
        er, en, k = exact.correlation(x, y, method=method)
        ep = p_values(np.array([er]), np.array([en]), k, method == "spearman" and exact.untied(x, y))
        assert r[0] == pytest.approx(want_r, rel=1e-9, abs=1e-15), row.case
        assert er == pytest.approx(want_r, rel=1e-9, abs=1e-15), row.case
        if method == "pearson" and 1 - abs(want_r) < 1e-12:
            # A perfect line: t is infinite, and R's 1e-62 comes from its own last bit of r. Both say 0.
            assert p[0] < 1e-30 and ep[0] < 1e-30 and want_p < 1e-30, row.case
            continue
        assert p[0] == pytest.approx(want_p, rel=1e-9, abs=0), row.case
        assert ep[0] == pytest.approx(want_p, rel=1e-9, abs=0), row.case


def test_q_matches_false_discovery_control_within_trait(data):
    x, y = data
    _, _, p = correlate(x, y)
    p[5] = np.nan
    q = q_values(p)
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
    regions = pd.DataFrame(
        {"gene_id": ["G1", "G2", ""], "chrom": ["chr1"] * 3, "start": [1, 10, 20], "end": [5, 15, 25]}
    )
    pheno = pd.DataFrame({"a": rng.normal(size=8), "b": rng.normal(size=8)})
    out = results_table(regions, rng.normal(size=(3, 8)), pheno, traits=["a", "b"], method="spearman")
    assert list(out.columns) == ["gene_id", "chrom", "start", "end", "trait", "n", "r", "p", "q", "method"]
    assert len(out) == 6 and set(out["method"]) == {"spearman"}
    for _trait, part in out.groupby("trait"):
        np.testing.assert_allclose(part["q"], ss.false_discovery_control(part["p"]))


def test_q_methods_give_p_adjust_and_qvalue():
    """stats.q_values against R's p.adjust(p, "BH") and qvalue::qvalue(p, lambda) on R's own vectors."""
    ref = pd.read_csv(REFERENCE / "padjust.tsv", sep="\t", keep_default_na=False, dtype=str)
    num = lambda col: np.array([np.nan if v == "NA" else float(v) for v in col])  # noqa: E731
    for _, part in ref.groupby("vector", sort=False):
        p = num(part["p"])
        np.testing.assert_allclose(q_values(p), num(part["bh"]), rtol=1e-12)
        for lam in ("0.5", "0.3"):
            want = num(part[f"q_lambda{lam}"])
            if np.isnan(want).all():
                continue  # qvalue stopped: pi0 <= 0 at this lambda
            np.testing.assert_allclose(q_values(p, method="storey", storey_lambda=float(lam)), want, rtol=1e-12)


def test_associate_command_with_storey_q(tmp_path):
    from click.testing import CliRunner

    from tests.helpers import write_cohort
    from vaultkit import rstats
    from vaultkit.cli import cli
    from vaultkit.pipeline.analysis import read_results

    write_cohort(tmp_path)
    out = tmp_path / "results.tsv"
    args = [
        "associate",
        "--features",
        str(tmp_path / "features.tsv"),
        "--phenotypes",
        str(tmp_path / "phenotypes.tsv"),
        "--traits",
        "sPAP,mPAP",
        "--method",
        "spearman",
        "--q-method",
        "storey",
        "--storey-lambda",
        "0.3",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    table = read_results(out)  # Arrow's reader: pandas < 3's read_csv does not round floats correctly
    for _, part in table.groupby("trait"):
        np.testing.assert_allclose(part["q"], rstats.storey_q(part["p"].to_numpy(), 0.3)[0], rtol=1e-12)
    bad = tmp_path / "v"
    bad.mkdir()
    (bad / "vaultkit.toml").write_text('[data]\nq_method = "holm"\n')
    result = CliRunner().invoke(cli, ["refresh", str(bad), "--offline"])
    assert result.exit_code == 2 and "q_method" in result.stderr


@pytest.mark.parametrize("seed", range(5))
def test_ranks_equal_scipy_rankdata_with_and_without_ties(seed):
    from vaultkit.stats import _rank_rows

    rng = np.random.default_rng(seed)
    block = rng.integers(0, 6 + 10 * seed, size=(200, 1 + seed * 7)).astype(float)  # few values: many ties
    ranks, untied = _rank_rows(block)
    np.testing.assert_array_equal(ranks, ss.rankdata(block, axis=1))
    np.testing.assert_array_equal(untied, [len(set(row)) == len(row) for row in block])


@pytest.mark.parametrize("n", [3, 4, 9, 10, 57, 300])
@pytest.mark.parametrize(
    "kind", ["distinct", "ties", "counts", "float32 twins", "signed zeros", "huge", "tiny", "constant"]
)
def test_spearman_from_the_sort_order_is_the_ranked_path_to_the_bit(n, kind):
    # vaultkit.spearman skips the rank array for untied rows: r and the exact-p flags must not move at all.
    from vaultkit.stats import _dense_r, _ranked_r

    rng = np.random.default_rng(n)
    block = rng.normal(size=(400, n))
    if kind == "ties":
        block[::2] = block[::2].round(1)
    elif kind == "counts":  # ties in most rows: the whole block takes the ranked path
        block = rng.poisson(3, block.shape).astype(float)
    elif kind == "float32 twins":  # different doubles, one float32
        block[::3, 1] = np.nextafter(block[::3, 0], np.inf)
    elif kind == "signed zeros":
        block[:, 0], block[::2, 1] = 0.0, -0.0
    elif kind == "huge":
        block *= 1e300
    elif kind == "tiny":
        block *= 1e-310
    elif kind == "constant":
        block[::4] = 2.5
    ys = np.column_stack([rng.normal(size=n), rng.normal(size=n).round(0), np.ones(n)])
    got, want = _dense_r(block, ys, "spearman", None), _ranked_r(block, ys, "spearman", None)
    np.testing.assert_array_equal(got[0].view(np.uint64), want[0].view(np.uint64))
    np.testing.assert_array_equal(got[1], want[1])


# --- edges of vaultkit.exact (the printed numbers) and the scan, found by mutants that survived (scripts/mutate.py) ---


@given(st.lists(st.integers(0, 6), min_size=0, max_size=30))
@example([])
@example([5])
def test_average_ranks_are_rs_rank(values):
    got = exact.average_ranks(np.array(values, dtype=np.float64))
    np.testing.assert_array_equal(got, ss.rankdata(values) if values else np.empty(0))


def test_untied_looks_at_both_sides_of_the_complete_pairs():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.0, 1.0, 3.0, 2.0])
    assert exact.untied(a, b)
    assert not exact.untied(a, np.array([4.0, 1.0, 4.0, 2.0]))  # ties in y only
    assert not exact.untied(np.array([1.0, 1.0, 3.0, 4.0]), b)  # ties in x only
    assert exact.untied(np.array([1.0, 1.0, 3.0, 4.0]), np.array([np.nan, 1.0, 3.0, 2.0]))  # tie dropped with its NaN


def test_exact_r_of_a_constant_side_is_nan_and_of_a_line_is_one():
    line = np.arange(5.0)
    assert math.isnan(exact.exact_r(np.full(5, 2.5), line))
    assert math.isnan(exact.exact_r(line, np.full(5, 2.5)))
    assert exact.exact_r(line, 3 * line + 1) == 1.0 and exact.exact_r(line, -line) == -1.0
    assert exact.exact_r(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 1.0])) == 0.0
    assert exact.exact_r(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == 1.0  # the smallest sums: all 1


wide = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)


@settings(deadline=None)
@given(st.lists(st.tuples(wide, wide), min_size=3, max_size=12))
@example([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0**-1000)])  # r about 1e-301: the root needs bits for the scale too
@example([(1.0, 5e-324), (2.0, 0.0), (3.0, 1e300)])
def test_exact_r_is_correctly_rounded(pairs):
    x, y = (list(col) for col in zip(*pairs, strict=True))
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    assert exact.exact_r(np.array(x), np.array(y)) == correctly_rounded_r(x, y)


def test_rows_flat_but_for_rounding_have_no_r_as_in_the_scan():
    y = np.arange(8.0)
    flat_rows = (
        np.full(8, 0.1) * 3,
        np.array([1.0, 1.0 + 2**-52] * 4),
        np.array([1e6, 1e6 + 1e-7] * 4),
        1e6 + np.array([0.0, 1e-6] * 4),  # a spread of 5e-13 of the mean: within the 1e-12 the scan allows
    )
    for row in flat_rows:
        r, _, _ = correlate(row[None, :], y)
        assert math.isnan(r[0]) and math.isnan(exact.correlation(row, y)[0]), row
    # Small numbers are not flat (the spread is relative to the mean), nor a spread of 5e-12 of the mean.
    for row in (np.array([1e-20, 2e-20] * 4), 1e6 + np.array([0.0, 1e-5] * 4)):
        r, _, _ = correlate(row[None, :], y)
        assert not math.isnan(r[0]) and not math.isnan(exact.correlation(row, y)[0]), row


def test_the_scan_gives_rs_partial_correlations():
    """partial.tsv (lm residuals, pt; ranked first for Spearman, as ppcor): the scan and the printed numbers alike."""
    ref = pd.read_csv(REFERENCE / "partial.tsv", sep="\t", keep_default_na=False, dtype=str)
    seen = set()
    for row in ref.itertuples(index=False):
        x, y = _vector(row.x), _vector(row.y)
        z = np.column_stack([_vector(c) for c in row.covariates.split(";")])
        er, en, k = exact.correlation(x, y, method=row.method, covariates=z)
        ep = p_values(np.array([er]), np.array([en]), k)[0]
        assert (en, k) == (int(row.n), int(row.k)), row.case
        if row.r == "NA":
            assert np.isnan(er) and np.isnan(ep), row.case
        else:
            assert er == pytest.approx(float(row.r), rel=1e-9, abs=1e-12), (row.case, row.method)
            assert ep == pytest.approx(float(row.p), rel=1e-9), (row.case, row.method)
        if "rank_deficient" in row.case:
            continue  # the scan never sees these: check_design refuses them (test_design.py)
        r, n, p = correlate(x[None, :], y, method=row.method, covariates=z)
        assert n[0] == int(row.n), row.case
        if row.r == "NA":
            assert np.isnan(r[0]) and np.isnan(p[0]), row.case
            continue
        seen.add(row.method)
        assert r[0] == pytest.approx(float(row.r), rel=1e-9, abs=1e-12), (row.case, row.method)
        assert p[0] == pytest.approx(float(row.p), rel=1e-9), (row.case, row.method)
    assert seen == {"pearson", "spearman"}


def test_p_values_are_the_t_test_unless_marked_untied_and_nan_below_one_df():
    r, n = np.array([0.5, 0.5, -0.3, 0.9]), np.array([10, 3, 7, 6])
    want = [*rstats.cor_p(r[[0]], 8), math.nan, *rstats.cor_p(r[2:], n[2:] - 4.0)]
    np.testing.assert_array_equal(p_values(r, n, np.array([0, 1, 2, 2])), want)  # n = 3 with k = 1: df = 0
    np.testing.assert_array_equal(p_values(r, n), rstats.cor_p(r, n - 2.0))  # not untied by default
    untied = p_values(r, n, 0, True)
    np.testing.assert_array_equal(untied, rstats.spearman_p_many(r, n))


def test_progress_counts_every_region_once_per_group_of_traits():
    from vaultkit.progress import Progress

    class Count(Progress):
        def start(self, label, total):
            self.total, self.done = total, 0

        def advance(self, steps=1):
            self.done += steps

    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 12))
    x[3, :10] = np.nan  # a row with too few samples: counted, not computed
    y = rng.normal(size=(12, 2))
    y[0, 1] = np.nan  # two patterns of missing traits: two groups
    count = Count()
    correlate(x, y, progress=count)
    assert count.total == 80 and count.done == 80


def test_rows_all_too_short_give_nan_without_computing():
    x = np.array([[1.0, 2.0, np.nan, np.nan], [np.nan, 1.0, 2.0, np.nan]])
    r, n, p = correlate(x, np.array([1.0, 2.0, 3.0, 4.0]))
    assert np.isnan(r).all() and np.isnan(p).all() and n.tolist() == [2, 2]


def test_categories_become_sorted_dummies_without_the_first_level():
    from vaultkit.stats import covariate_design

    pheno = pd.DataFrame({"age": [50.0, 61, 70, 45], "site": ["b", "a", "c", None]})
    design, names = covariate_design(pheno, ["age", "site"], ["site"])
    assert names == ["age", "site=b", "site=c"]
    np.testing.assert_array_equal(design, [[50, 1, 0], [61, 0, 0], [70, 0, 1], [45, np.nan, np.nan]])
    assert covariate_design(pheno, []) == (None, [])
    with pytest.raises(ValueError, match="declare it categorical"):
        covariate_design(pheno, ["site"])
    with pytest.raises(ValueError, match="only one level"):
        covariate_design(pheno.assign(site="a"), ["site"], ["site"])


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_covariates_dependent_on_earlier_ones_are_dropped_whatever_their_units(scale):
    rng = np.random.default_rng(0)
    for n in (4, 9, 16):  # a constant column of ones is exactly the intercept here: its residual is exactly 0
        x, y = rng.normal(size=n), rng.normal(size=n)
        r, m, k = exact.correlation(x, y, covariates=np.full((n, 1), scale))
        assert (m, k) == (n, 0) and r == pytest.approx(exact.correlation(x, y)[0], rel=1e-12)
    age = rng.normal(60, 10, 20)
    x, y = rng.normal(size=20) + 0.05 * age, rng.normal(size=20)
    alone = exact.correlation(x, y, covariates=scale * age[:, None])
    r, n, k = exact.correlation(x, y, covariates=scale * np.column_stack([age, 2 * age + 1]))
    assert (n, k) == (20, 1) and r == pytest.approx(alone[0], rel=1e-12)
