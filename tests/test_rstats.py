"""vaultkit.rstats gives R's numbers: checked against the tables R wrote (tests/r/make_reference.R).

The tables hold the inputs too, so no R is needed here. Agreement is to 1e-9
relative (the design's promise), exact where R's p is a rational number (the
exact Spearman distribution), and 0 exactly where R's p is 0 and nowhere else.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special
from scipy.stats import rankdata

from vaultkit import rstats

REF = Path(__file__).parent / "fixtures" / "r_reference"
REL = 1e-9
TINY = np.finfo(np.float64).tiny  # below it, doubles are subnormal and carry fewer digits
TIES_WARNING = "Cannot compute exact p-value with ties"


def _rows(name: str) -> list[dict[str, str]]:
    with open(REF / name, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _num(s: str) -> float:
    return math.nan if s == "NA" else float(s)


def _vec(cell: str) -> np.ndarray:
    return np.array([_num(v) for v in cell.split(",")])


def _rel_err(mine: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|mine - ref| / |ref|, with subnormal and zero ref measured against the smallest normal double."""
    mine = np.asarray(mine, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.abs(mine - ref) / np.maximum(np.abs(ref), TINY)


def _assert_like_r(mine: np.ndarray, ref: np.ndarray, cases: list[str], rel: float = REL) -> None:
    mine = np.asarray(mine, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert mine.shape == ref.shape
    bad_nan = np.isnan(mine) != np.isnan(ref)
    assert not bad_nan.any(), [cases[i] for i in np.nonzero(bad_nan)[0]]
    # 0 exactly where R says 0, and nowhere else.
    bad_zero = (mine == 0) != (ref == 0)
    assert not bad_zero.any(), [(cases[i], mine[i], ref[i]) for i in np.nonzero(bad_zero)[0]]
    err = np.where(np.isnan(ref), 0.0, _rel_err(mine, ref))
    worst = int(np.argmax(err)) if err.size else 0
    assert err.size == 0 or err[worst] <= rel, (cases[worst], mine[worst], ref[worst], err[worst])


def _complete(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = ~np.isnan(x) & ~np.isnan(y)
    return x[ok], y[ok]


# ------------------------------------------------------------- Pearson ----

PEARSON = _rows("pearson.tsv")


def test_pearson_p_from_r_and_df_is_rs():
    p = rstats.cor_p(np.array([float(r["r"]) for r in PEARSON]), np.array([float(r["df"]) for r in PEARSON]))
    _assert_like_r(p, np.array([float(r["p"]) for r in PEARSON]), [r["case"] for r in PEARSON])


def test_pearson_table_covers_the_hard_cases():
    ps = [float(r["p"]) for r in PEARSON]
    assert any(0 < p < TINY for p in ps), "a subnormal p"
    assert any(1e-310 < p < 1e-280 for p in ps)
    assert sum(p == 0 for p in ps) >= 3
    assert {int(r["n"]) for r in PEARSON} >= {3, 200}
    assert any("NA" in r["x"] for r in PEARSON)


def test_subnormal_pearson_p_goes_on_below_the_normal_range():
    row = next(r for r in PEARSON if 0 < float(r["p"]) < 1e-320)
    assert float(rstats.cor_p(float(row["r"]), float(row["df"]))) == float(row["p"])


def test_pearson_inputs_read_back_to_rs_r():
    # The stored inputs are the ones R used: numpy's r on the complete pairs is R's r.
    for row in PEARSON:
        x, y = _complete(_vec(row["x"]), _vec(row["y"]))
        assert len(x) == int(row["n"])
        r = np.corrcoef(x, y)[0, 1]
        assert abs(r - float(row["r"])) <= 1e-12, row["case"]


def test_cor_p_edges():
    assert rstats.cor_p(1.0, 5)[()] == 0.0
    assert rstats.cor_p(-1.0, 5)[()] == 0.0
    assert rstats.cor_p(0.0, 5)[()] == 1.0
    assert math.isnan(rstats.cor_p(math.nan, 5)[()])
    assert math.isnan(rstats.cor_p(0.5, 0)[()])  # df < 1: NA, as the design says
    assert rstats.cor_p(np.zeros((2, 3)), 10).shape == (2, 3)


# ------------------------------------------------------------ Spearman ----

SPEARMAN = _rows("spearman.tsv")


def _spearman(branch: str) -> list[dict[str, str]]:
    return [r for r in SPEARMAN if r["branch"] == branch]


def test_spearman_exact_branch_is_rs_to_the_last_bit():
    rows = _spearman("exact")
    assert {int(r["n"]) for r in rows} == set(range(3, 10))
    for row in rows:
        assert rstats.spearman_p(float(row["rho"]), int(row["n"])) == float(row["p"]), row["case"]


def test_spearman_exact_covers_every_attainable_s():
    # n = 3..9: R's table has one row for each value S takes over the n! permutations.
    for n in range(3, 10):
        seen = {round(float(r["S"])) for r in _spearman("exact") if r["case"].startswith(f"exact_n{n}_S")}
        lower, _ = rstats._s_tails(n)
        counts = np.diff(lower, prepend=0)
        assert seen == set(np.nonzero(counts)[0].tolist()), n
        assert counts.sum() == math.factorial(n)


def test_spearman_n4_rho1_is_one_twelfth():
    assert rstats.spearman_p(1.0, 4) == 1 / 12
    assert rstats.spearman_p(-1.0, 4) == 1 / 12
    row = next(r for r in SPEARMAN if r["case"] == "rho_plus1_n4")
    assert float(row["p"]) == 1 / 12


def test_spearman_series_branch_is_rs():
    rows = _spearman("edgeworth")
    assert min(int(r["n"]) for r in rows) == 10
    assert max(int(r["n"]) for r in rows) == 1290
    p = rstats.spearman_p_many(np.array([float(r["rho"]) for r in rows]), np.array([int(r["n"]) for r in rows]))
    _assert_like_r(p, np.array([float(r["p"]) for r in rows]), [r["case"] for r in rows])


def test_spearman_zero_where_r_is_zero():
    # R's p is 0 where the Edgeworth series is clipped: n = 10 with S <= 4, and n = 500 at rho = -0.6.
    zeros = [r for r in _spearman("edgeworth") if float(r["p"]) == 0]
    assert {"edge_n10_S0", "edge_n10_S2", "edge_n10_S4", "edge_n500_rho-0.6"} <= {r["case"] for r in zeros}
    for row in zeros:
        assert rstats.spearman_p(float(row["rho"]), int(row["n"])) == 0.0


def test_spearman_without_ties_above_1290_is_the_t_approximation():
    row = next(r for r in SPEARMAN if r["case"] == "t_noties_n1291_rho0.1")
    assert row["ties"] == "FALSE" and row["warnings"] == ""
    p = rstats.spearman_p(float(row["rho"]), 1291)
    assert _rel_err(p, float(row["p"])) <= REL
    assert p == rstats.cor_p(float(row["rho"]), 1289)[()]


def test_spearman_with_ties_is_the_callers_business():
    # With ties R warns and uses the t approximation on rho of average ranks: that is cor_p, not spearman_p.
    rows = [r for r in SPEARMAN if r["ties"] == "TRUE"]
    assert len(rows) >= 10
    for row in rows:
        assert TIES_WARNING in row["warnings"], row["case"]
    p = rstats.cor_p(np.array([float(r["rho"]) for r in rows]), np.array([int(r["n"]) - 2.0 for r in rows]))
    _assert_like_r(p, np.array([float(r["p"]) for r in rows]), [r["case"] for r in rows])
    # spearman_p would give something else for most of them (it assumes no ties).
    differs = [r for r in rows if _rel_err(rstats.spearman_p(float(r["rho"]), int(r["n"])), float(r["p"])) > REL]
    assert len(differs) >= len(rows) - 2


def test_spearman_no_warning_without_ties():
    for row in SPEARMAN:
        if row["ties"] == "FALSE":
            assert row["warnings"] == "", row["case"]


def test_spearman_ties_only_in_dropped_pairs_do_not_count():
    row = next(r for r in SPEARMAN if r["case"] == "ties_only_in_dropped_pairs")
    assert row["branch"] == "exact" and row["warnings"] == ""
    assert rstats.spearman_p(float(row["rho"]), int(row["n"])) == float(row["p"])


def test_spearman_inputs_read_back_to_rs_rho_and_ties():
    for row in SPEARMAN:
        x, y = _complete(_vec(row["x"]), _vec(row["y"]))
        assert len(x) == int(row["n"]), row["case"]
        ties = len(np.unique(x)) < len(x) or len(np.unique(y)) < len(y)
        assert ties == (row["ties"] == "TRUE"), row["case"]
        rho = np.corrcoef(rankdata(x), rankdata(y))[0, 1]
        assert abs(rho - float(row["rho"])) <= 1e-12, row["case"]


def test_spearman_many_equals_the_scalar_function():
    rho = np.array([float(r["rho"]) for r in SPEARMAN])
    n = np.array([int(r["n"]) for r in SPEARMAN])
    many = rstats.spearman_p_many(rho, n)
    one = np.array([rstats.spearman_p(a, b) for a, b in zip(rho, n, strict=True)])
    assert np.array_equal(many, one)
    assert rstats.spearman_p_many(rho.reshape(1, -1), n.reshape(1, -1)).shape == (1, len(rho))


def test_spearman_p_nan_and_small_n():
    assert math.isnan(rstats.spearman_p(math.nan, 10))
    assert math.isnan(rstats.spearman_p(0.5, 2))
    with pytest.raises(ValueError, match="whole"):
        rstats.spearman_p_many(np.array([0.5]), np.array([10.5]))


def test_spearman_many_handles_a_million_at_once():
    """The vectorised p of a million rho (the series at n = 50, the exact table at n = 8) in one call, with
    the values of one rho at a time. (How long it takes is bench.py's business; tests never time.)"""
    rng = np.random.default_rng(0)
    rho = rng.uniform(-1, 1, 1_000_000)
    for n in (50, 8):
        many = rstats.spearman_p_many(rho, n)
        some = rng.integers(0, len(rho), 20)
        assert many.shape == rho.shape and np.isfinite(many).all()
        assert np.array_equal(many[some], [rstats.spearman_p_many(rho[i : i + 1], n)[0] for i in some])


# Properties. rho attainable without ties: 1 - 6 S / (n^3 - n) for an even S.


@st.composite
def _attainable(draw: st.DrawFn) -> tuple[float, int]:
    n = draw(st.integers(3, 1400))
    s = 2 * draw(st.integers(0, (n**3 - n) // 6))
    return 1.0 - 6.0 * s / (n**3 - n), n


@given(rho=st.floats(-1.0, 1.0), n=st.integers(0, 3000))
def test_spearman_p_is_a_probability(rho: float, n: int):
    p = rstats.spearman_p(rho, n)
    assert (math.isnan(p) and n < 3) or 0.0 <= p <= 1.0


@given(_attainable())
def test_spearman_p_is_symmetric_in_the_sign_of_rho(case: tuple[float, int]):
    rho, n = case
    a, b = rstats.spearman_p(rho, n), rstats.spearman_p(-rho, n)
    if n <= rstats.EXACT_MAX_N:
        assert a == b
    else:
        # Each tail's series is evaluated on its own side, and deep in the tail its two terms nearly cancel:
        # the sides differ by up to 6.5e-10 of p (n = 300, p = 5e-19; 9e-11 at n = 37, p = 7e-12), within
        # what R's own values are matched to (REL). 1e-12 here let hypothesis find such a case now and then.
        assert abs(a - b) <= 2 * REL * max(a, b) + 1e-300


@pytest.mark.parametrize("n", [*range(3, 16), *range(26, 41), 50, 100, 300, 1000, 1290, 1291, 2000])
def test_spearman_p_falls_as_abs_rho_grows(n: int):
    mean = (n**3 - n) // 6
    if mean < 200_000:
        s = np.arange(0, mean + 1, 2)
    else:  # every S near 0, where the series ends, and a grid to the mean
        s = np.unique(np.r_[np.arange(0, 200_000, 2), np.linspace(0, mean, 100_001) // 2 * 2])
    p = rstats.spearman_p_many(1.0 - 6.0 * s / (n**3 - n), n)  # |rho| falling from 1 to 0
    assert np.all(np.diff(p) >= 0)


@pytest.mark.parametrize("n", range(16, 26))
def test_spearman_p_not_monotone_like_r_only_in_the_far_tail(n: int):
    # For n = 16..25 the Edgeworth series (and so R's p) falls as S grows just before it reaches 0;
    # only below p = 2e-5.
    s = np.arange(0, (n**3 - n) // 6 + 1, 2)
    p = rstats.spearman_p_many(1.0 - 6.0 * s / (n**3 - n), n)
    wrong_way = np.nonzero(np.diff(p) < 0)[0]
    assert wrong_way.size > 0
    assert p[wrong_way].max() < 2e-5


def test_spearman_n16_near_rho1_is_rs_non_monotone_p():
    rows = sorted((r for r in SPEARMAN if r["case"].startswith("edge_n16_S")), key=lambda r: float(r["S"]))
    ref = [float(r["p"]) for r in rows]
    assert ref[0] > ref[5] > 0 == ref[6] == ref[7]
    mine = [rstats.spearman_p(float(r["rho"]), 16) for r in rows]
    _assert_like_r(np.array(mine), np.array(ref), [r["case"] for r in rows])


# -------------------------------------------------- partial correlation ----

PARTIAL = _rows("partial.tsv")


def test_partial_p_from_r_and_df_is_rs():
    p = rstats.cor_p(np.array([_num(r["r"]) for r in PARTIAL]), np.array([float(r["df"]) for r in PARTIAL]))
    _assert_like_r(p, np.array([_num(r["p"]) for r in PARTIAL]), [f"{r['case']}/{r['method']}" for r in PARTIAL])


def test_partial_r_from_residuals_is_rs():
    # The design's recipe, in numpy: residuals after least squares on intercept + covariates.
    for row in PARTIAL:
        x, y = _vec(row["x"]), _vec(row["y"])
        z = np.column_stack([_vec(c) for c in row["covariates"].split(";")])
        ok = ~np.isnan(x) & ~np.isnan(y) & ~np.isnan(z).any(axis=1)
        x, y, z = x[ok], y[ok], z[ok]
        if row["method"] == "spearman":
            x, y = rankdata(x), rankdata(y)
            z = np.column_stack([rankdata(c) for c in z.T])
        design = np.column_stack([np.ones(len(x)), z])
        k = np.linalg.matrix_rank(design) - 1
        assert (len(x), k, len(x) - 2 - k) == (int(row["n"]), int(row["k"]), int(row["df"])), row["case"]
        if int(row["df"]) < 1:
            assert row["r"] == "NA" and row["p"] == "NA"
            continue
        beta_x, beta_y = np.linalg.lstsq(design, np.column_stack([x, y]), rcond=None)[0].T
        rx, ry = x - design @ beta_x, y - design @ beta_y
        r = np.corrcoef(rx, ry)[0, 1]
        assert abs(r - float(row["r"])) <= 1e-10, (row["case"], row["method"])


# ---------------------------------------------------- p.adjust / qvalue ----


def _vectors() -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows("padjust.tsv"):
        out[row["vector"]].append(row)
    return dict(out)


VECTORS = _vectors()
PI0 = {(r["vector"], r["setting"]): r for r in _rows("qvalue_pi0.tsv")}
LAMBDAS = {"lambda0.5": 0.5, "lambda0.3": 0.3, "lambda0.8": 0.8}


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_bh_is_p_adjust(name: str):
    rows = VECTORS[name]
    q = rstats.bh(np.array([_num(r["p"]) for r in rows]))
    _assert_like_r(q, np.array([_num(r["bh"]) for r in rows]), [f"{name}[{r['i']}]" for r in rows])


@given(
    st.lists(st.sampled_from([1e-300, 0.001, 0.01, 0.2, 0.5, 1.0, math.nan]), min_size=1, max_size=60),
    st.randoms(use_true_random=False),
)
def test_bh_and_storey_do_not_depend_on_the_order_of_equal_p(values, rnd):
    # The step-up sorts p without keeping the order of equal values: permuting the input must permute the
    # output, to the bit, however many p are equal.
    p = np.array(values)
    perm = np.array(rnd.sample(range(len(p)), len(p)))
    np.testing.assert_array_equal(rstats.bh(p[perm]), rstats.bh(p)[perm])
    if np.nanmax(p, initial=0.0) >= 0.5:
        np.testing.assert_array_equal(rstats.storey_q(p[perm])[0], rstats.storey_q(p)[0][perm])


@pytest.mark.parametrize("setting", sorted(LAMBDAS))
@pytest.mark.parametrize("name", sorted(VECTORS))
def test_storey_q_is_qvalue(name: str, setting: str):
    rows = VECTORS[name]
    p = np.array([_num(r["p"]) for r in rows])
    ref = PI0[(name, setting)]
    if ref["error"]:
        assert "pi0 <= 0" in ref["error"]
        with pytest.raises(ValueError, match="pi0"):
            rstats.storey_q(p, LAMBDAS[setting])
        return
    q, pi0 = rstats.storey_q(p, LAMBDAS[setting])
    assert _rel_err(pi0, float(ref["pi0"])) <= REL, (pi0, ref["pi0"])
    _assert_like_r(q, np.array([_num(r[f"q_{setting}"]) for r in rows]), [f"{name}[{r['i']}]" for r in rows])


def test_storey_pi0_counts_p_equal_to_lambda():
    # qvalue counts p >= lambda: four of 12 p are >= 0.8 in 'at_lambda' (two are exactly 0.8).
    p = np.array([_num(r["p"]) for r in VECTORS["at_lambda"]])
    assert np.sum(p == 0.8) == 2
    assert rstats.storey_pi0(p, 0.8) == min(1.0, np.mean(p >= 0.8) / (1 - 0.8))
    assert rstats.storey_pi0(np.array([0.5, 0.5, 0.1, 0.2]), 0.5) == 1.0


def test_storey_q_rejects_what_qvalue_rejects():
    with pytest.raises(ValueError, match="lambda"):
        rstats.storey_q(np.array([0.1, 0.9]), 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rstats.storey_q(np.array([0.1, 1.5]), 0.5)
    with pytest.raises(ValueError, match="NaN"):
        rstats.storey_q(np.array([math.nan]), 0.5)


def test_default_qvalue_smoother_is_recorded_but_not_implemented():
    # q_default is qvalue's own pi0 smoother: kept in the reference for a later implementation.
    settings = {r["setting"] for r in PI0.values()}
    assert settings == {*LAMBDAS, "default"}
    assert not hasattr(rstats, "storey_q_smoothed")


def test_bh_keeps_nan_and_shape():
    q = rstats.bh(np.array([0.01, math.nan, 0.04, 0.03]))
    assert math.isnan(q[1])
    assert np.allclose(q[[0, 2, 3]], [0.03, 0.04, 0.04])
    assert rstats.bh(np.array([])).shape == (0,)


# ---------------------------------------------- edges R's tables miss ----
# Found by mutants of rstats.py that survived the tests above (scripts/mutate.py): the deep-tail continued
# fraction and the q-value bounds.

# a = df / 2 of a t test, and x as a fraction of the mean of Beta(a, 1/2): the continued fraction's domain.
_HALF_DF = st.floats(0.5, 3000.0)
_FRACTION = st.floats(0.02, 0.98)


@settings(deadline=None)  # up to thousands of terms near the mean of the distribution
@given(_HALF_DF, _FRACTION)
def test_log_beta_tail_is_scipys_betainc_where_that_is_normal(a, fraction):
    x = fraction * a / (a + 0.5)
    want = special.betainc(a, 0.5, x)
    assume(want > 1e-280)
    got = math.exp(rstats._log_beta_tail(np.array([a]), 0.5, np.array([x]))[0])
    assert got == pytest.approx(want, rel=1e-11)


@settings(deadline=None)
@given(st.floats(50.0, 3000.0), st.floats(0.05, 0.9))
def test_log_beta_tail_keeps_the_recurrence_in_the_deep_tail(a, fraction):
    # I_x(a, b) - I_x(a + 1, b) = x^a (1 - x)^b / (a B(a, b)) (Abramowitz & Stegun 26.5.16): it holds below the
    # normal range too, where betainc is 0 and only the logs can be compared.
    b = 0.5
    x = fraction * a / (a + b + 1)
    lo, hi = rstats._log_beta_tail(np.array([a, a + 1.0]), b, np.array([x, x]))
    term = a * math.log(x) + b * math.log1p(-x) - math.log(a) - special.betaln(a, b)
    assert lo + math.log1p(-math.exp(hi - lo)) == pytest.approx(term, rel=1e-11)


def test_cor_p_below_the_normal_range_is_continuous_with_betainc():
    # Large df and moderate t: x = df / (df + t^2) far from 0, where the continued fraction needs many terms.
    df = 20000.0
    r = np.linspace(0.2, 0.3, 2001)
    p = rstats.cor_p(r, df)
    assert p[0] > 1e-280 and p[-1] < 1e-300  # the grid crosses the switch to logs at 1e-290
    logs = np.log(p[p > 1e-300])  # above the subnormals, whose few digits would show as steps
    steps = np.diff(logs)
    assert np.all(steps < 0)
    # log p is smooth in r: no step differs from its neighbours' mean by more than a rounding error.
    assert np.max(np.abs(steps[1:-1] - (steps[:-2] + steps[2:]) / 2)) < 1e-6 * np.max(np.abs(steps))


def test_bh_caps_at_one_as_p_adjust_does():
    # R: p.adjust(c(1.5, 0.2), "BH") is c(1, 0.4) (pmin(1, cummin(n / i * p[o])))
    assert rstats.bh(np.array([1.5, 0.2])).tolist() == [1.0, 0.4]


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_storey_at_lambda_zero_is_bh(p):
    # Every p is >= 0, so pi0 = 1 and Storey's q-values are Benjamini-Hochberg's.
    q, pi0 = rstats.storey_q(np.array(p), 0.0)
    assert pi0 == 1.0
    np.testing.assert_allclose(q, rstats.bh(np.array(p)), rtol=1e-15)


@pytest.mark.parametrize("lambda_", [-0.1, 1.0, 1.5, math.nan])
def test_storey_lambda_outside_0_1_is_refused(lambda_):
    with pytest.raises(ValueError, match="lambda must be in"):
        rstats.storey_pi0(np.array([0.2, 0.9]), lambda_)


def test_storey_lambda_just_below_one_is_accepted():
    assert rstats.storey_pi0(np.array([0.2, 0.9995]), 0.999) == 1.0
