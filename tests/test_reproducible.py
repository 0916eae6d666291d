"""Same vault on every machine: printed numbers that do not depend on summation order, BLAS or versions."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import correctly_rounded_r, make_gene_vault, snapshot
from vaultkit import exact, stats
from vaultkit.genome.plotnames import format_r
from vaultkit.pipeline import plot as plot_command
from vaultkit.plots import PlotData


def naive_r(x: list[float], y: list[float]) -> float:
    """Textbook r with left-to-right sums: what a plain loop prints."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (math.sqrt(sxx) * math.sqrt(syy))


def pairwise_r(x: np.ndarray, y: np.ndarray) -> float:
    """The same formula with numpy's pairwise sums (what a vectorised scan does, up to BLAS order)."""
    xc, yc = x - x.sum() / len(x), y - y.sum() / len(y)
    return float((xc * yc).sum() / (math.sqrt((xc * xc).sum()) * math.sqrt((yc * yc).sum())))


# Values on a large offset, so the order of additions shows in the last bits of r.
OFFSET_X = [1e6 + v for v in (0.954, 0.768, 0.126, 0.827, 0.849, 0.35, 0.511, 0.602, 0.339, 0.622, 0.732, 0.861)]
OFFSET_Y = [3e5 + v for v in (2.92, 2.82, 2.03, 4.58, 4.48, 0.88, 3.32, 1.68, 1.51, 2.99, 3.8, 2.24)]


def test_summation_order_shows_in_naive_digits_but_not_in_ours():
    naive = format_r(naive_r(OFFSET_X, OFFSET_Y))
    pairwise = format_r(pairwise_r(np.array(OFFSET_X), np.array(OFFSET_Y)))
    ours = format_r(exact.correlation(np.array(OFFSET_X), np.array(OFFSET_Y))[0])
    truth = format_r(correctly_rounded_r(OFFSET_X, OFFSET_Y))
    assert naive != pairwise  # the data were chosen so that the order of additions shows in the digits
    assert ours == truth == "0.618582838321018"
    # Any order of the samples gives the same bits.
    rng = np.random.default_rng(0)
    for _ in range(20):
        perm = rng.permutation(len(OFFSET_X))
        assert (
            exact.correlation(np.array(OFFSET_X)[perm], np.array(OFFSET_Y)[perm])[0]
            == exact.correlation(np.array(OFFSET_X), np.array(OFFSET_Y))[0]
        )


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(
    st.lists(st.tuples(finite, finite, finite), min_size=5, max_size=40),
    st.randoms(use_true_random=False),
    st.sampled_from(["pearson", "spearman"]),
    st.booleans(),
)
def test_same_bits_in_any_sample_order(rows, rnd, method, with_covariate):
    x, y, c = (np.array(col) for col in zip(*rows, strict=True))
    cov = c[:, None] if with_covariate else None
    first = exact.correlation(x, y, method=method, covariates=cov)
    order = list(range(len(rows)))
    rnd.shuffle(order)
    again = exact.correlation(x[order], y[order], method=method, covariates=None if cov is None else cov[order])
    assert (first[1:], format_r(first[0])) == (again[1:], format_r(again[0])) or (
        math.isnan(first[0]) and math.isnan(again[0])
    )


def test_exact_agrees_with_the_scan_and_scipy():
    from scipy.stats import pearsonr, spearmanr

    rng = np.random.default_rng(4)
    x = rng.normal(8, 1, (30, 25))
    y = x[0] * 0.8 + rng.normal(0, 1, 25)
    x[3, 5] = np.nan
    age = rng.normal(60, 9, 25)
    for method, ref in (("pearson", pearsonr), ("spearman", spearmanr)):
        r, n, _ = stats.correlate(x, y, method=method)
        for i in range(len(x)):
            ok = ~np.isnan(x[i])
            er, en, k = exact.correlation(x[i], y, method=method)
            assert en == n[i] and k == 0
            assert er == pytest.approx(r[i], abs=1e-12)
            assert er == pytest.approx(ref(x[i][ok], y[ok])[0], abs=1e-12)
        rc, _, _ = stats.correlate(x, y, method=method, covariates=age[:, None])
        for i in range(len(x)):
            er, _, k = exact.correlation(x[i], y, method=method, covariates=age[:, None])
            assert k == 1 and er == pytest.approx(rc[i], abs=1e-12)


def test_constant_or_short_rows_have_no_r():
    assert math.isnan(exact.correlation(np.full(6, 3.3), np.arange(6.0))[0])
    assert math.isnan(exact.correlation(np.array([1.0, 2.0]), np.array([2.0, 1.0]))[0])
    r, n, _ = exact.correlation(np.array([1.0, np.nan, 3.0, 4.0]), np.array([2.0, 5.0, 1.0, 7.0]))
    assert n == 3 and not math.isnan(r)


def _data(**changes):
    base = {
        "x": np.array([1.0, 2.0, 3.5]),
        "y": np.array([2.0, 1.0, 4.0]),
        "conditions": ("pah", "pah", "healthy"),
        "title": "LIF · chr22:1-2 (GRCh38)",
        "xlabel": "signal",
        "ylabel": "sPAP (mmHg)",
        "r": 0.56733024698603,
        "p": 0.0123456789,
        "q": 0.04321,
        "n": 3,
    }
    base.update(changes)
    return PlotData(**base)


def test_fingerprint_ignores_last_bits_but_not_what_is_drawn():
    base = plot_command.fingerprint(_data())
    wiggled = _data(r=np.nextafter(0.56733024698603, 1), p=np.nextafter(0.0123456789, 0), q=0.04321 * (1 + 1e-15))
    assert plot_command.fingerprint(wiggled) == base
    assert plot_command.fingerprint(_data(r=0.5684)) != base  # the drawn "r = 0.568" changes
    assert plot_command.fingerprint(_data(x=np.array([1.0, 2.0, 3.25]))) != base
    assert plot_command.fingerprint(_data(ylabel="sPAP")) != base


def test_plot_style_version_is_in_the_fingerprint(monkeypatch):
    base = plot_command.fingerprint(_data())
    monkeypatch.setattr(plot_command, "PLOT_STYLE", plot_command.PLOT_STYLE + "-next")
    assert plot_command.fingerprint(_data()) != base


def _wiggle_scan(monkeypatch, seed):
    """Make the vectorised scan behave like another BLAS: r moves by a few units in the last place."""
    rng = np.random.default_rng(seed)
    real = stats._dense_r

    def other_blas(*args, **kwargs):
        out, untied = real(*args, **kwargs)
        steps = rng.integers(-4, 5, out.shape)
        return out + steps * np.spacing(out), untied

    monkeypatch.setattr(stats, "_dense_r", other_blas)


def test_another_blas_changes_no_file_of_the_vault(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from vaultkit.cli import cli

    root = make_gene_vault(tmp_path / "v", user_notes=True)
    assert CliRunner().invoke(cli, ["refresh", str(root), "--offline"]).exit_code == 0
    before = snapshot(root)
    for seed in range(3):
        shutil.rmtree(root / ".vaultkit", ignore_errors=True)  # a fresh clone has no state: nothing to skip by
        _wiggle_scan(monkeypatch, seed)
        result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--json"])
        assert result.exit_code == 0, result.output
        assert snapshot(root) == before


def test_a_png_drawn_elsewhere_is_never_redrawn(tmp_path):
    root = make_gene_vault(tmp_path / "v")
    from click.testing import CliRunner

    from vaultkit.cli import cli

    assert CliRunner().invoke(cli, ["refresh", str(root), "--offline"]).exit_code == 0
    plot = sorted((root / "plots").glob("*.png"))[0]
    foreign = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82"  # a PNG with no vaultkit fingerprint
    plot.write_bytes(foreign)
    ours = sorted((root / "plots").glob("*.png"))[1]
    ours_before = ours.read_bytes()
    ours.write_bytes(ours_before[:100])  # truncated: not a readable PNG any more, so it is drawn again
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline", "--redraw"])
    assert result.exit_code == 0, result.output
    assert plot.read_bytes() == foreign
    assert ours.read_bytes() == ours_before
