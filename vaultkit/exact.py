"""One association recomputed so that its printed digits are the same on every machine.

The vectorised scan in ``stats`` sums with BLAS, whose order of additions
depends on the CPU kernel, the thread count and the numpy version: r then
differs in its last bits, and the 15 significant digits of a plot name
(``%.15g``, as R prints r) show it. Here r is computed from the input bits
alone: every float64 is an integer times a power of two, so the sums of
squares and products are exact Python integers, and r is their exact ratio
rounded once to float64 (correctly rounded, hence also the digits R prints
whenever R's own rounding error stays below the 15th digit). Residuals for
partial correlations use ``math.fsum`` (correctly rounded, so independent of
order) and single IEEE 754 operations, which the standard rounds the same
way everywhere. It costs microseconds per sample, so it runs only for the
associations that get printed, never for the scan.
"""

from __future__ import annotations

import math

import numpy as np


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # The elementwise product is exact-rounded per element (no FMA in numpy's multiply);
    # fsum then rounds the sum once.
    return math.fsum((a * b).tolist())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given the mean of their positions (R's ``rank``): the scan's own ranking, whose
    values are half-integers, exact in float64 whatever the order of the sort."""
    from vaultkit.stats import _rank_rows

    if len(values) == 0:
        return np.asarray(values, dtype=np.float64)
    return _rank_rows(np.asarray(values, dtype=np.float64)[None, :])[0][0]


def _orthonormal_basis(design: np.ndarray) -> list[np.ndarray]:
    """Modified Gram-Schmidt on the columns of ``design``; columns dependent on earlier ones are dropped."""
    basis: list[np.ndarray] = []
    for j in range(design.shape[1]):
        v = design[:, j].astype(np.float64, copy=True)
        norm0 = math.sqrt(_dot(v, v))
        for q in basis:
            v = v - _dot(q, v) * q
        norm = math.sqrt(_dot(v, v))
        # Relative to the column's own size: what is left is rounding, not a new direction.
        if norm0 == 0.0 or norm <= 1e-9 * norm0:
            continue
        basis.append(v / norm)
    return basis


def _residual(v: np.ndarray, basis: list[np.ndarray]) -> np.ndarray:
    for q in basis:
        v = v - _dot(q, v) * q
    return v


def correlation(
    x: np.ndarray, y: np.ndarray, *, method: str = "pearson", covariates: np.ndarray | None = None
) -> tuple[float, int, int]:
    """r (or rho), n and the covariates' rank k of ``x`` with ``y`` over their complete pairs.

    Parameters
    ----------
    x, y
        One value per sample; NaN marks a missing value.
    method
        ``"pearson"`` or ``"spearman"`` (average ranks, covariates ranked too, as ppcor does).
    covariates
        samples x k design (without intercept), or None. Both sides are then the
        residuals of least squares on intercept + covariates (partial correlation).

    Returns
    -------
    (r, n, k): r is NaN when either side has no variance or n < 3.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = ~(np.isnan(x) | np.isnan(y))
    if covariates is not None:
        covariates = np.asarray(covariates, dtype=np.float64).reshape(len(x), -1)
        ok &= ~np.isnan(covariates).any(axis=1)
    xs, ys = x[ok], y[ok]
    n = int(ok.sum())
    cov = None if covariates is None else covariates[ok]
    if method == "spearman":
        xs, ys = average_ranks(xs), average_ranks(ys)
        if cov is not None:
            cov = np.column_stack([average_ranks(c) for c in cov.T]) if cov.shape[1] else cov
    k = 0
    if n < 3 or not (np.isfinite(xs).all() and np.isfinite(ys).all()) or _flat(xs) or _flat(ys):
        return math.nan, n, k
    if cov is not None and cov.shape[1]:
        basis = _orthonormal_basis(np.column_stack([np.ones(n), cov]))
        k = len(basis) - 1
        xs, ys = _residual(xs, basis), _residual(ys, basis)
    if n < 3 + k:
        return math.nan, n, k
    return exact_r(xs, ys), n, k


def untied(x: np.ndarray, y: np.ndarray) -> bool:
    """No two equal values on either side among the complete pairs (R's exact Spearman p applies)."""
    ok = ~(np.isnan(x) | np.isnan(y))
    xs, ys = x[ok], y[ok]
    return len(np.unique(xs)) == len(xs) and len(np.unique(ys)) == len(ys)


def exact_r(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson r of two float64 vectors, correctly rounded from exact integer sums; NaN if one is constant."""
    n = len(x)
    xs, ys = _integers(x), _integers(y)  # the common power-of-two scale of each side cancels in r
    sx, sy = sum(xs), sum(ys)
    cxy = n * sum(a * b for a, b in zip(xs, ys, strict=True)) - sx * sy
    cxx = n * sum(a * a for a in xs) - sx * sx
    cyy = n * sum(b * b for b in ys) - sy * sy
    if cxx == 0 or cyy == 0:
        return math.nan
    if cxy == 0:
        return 0.0
    # |r| = sqrt(cxy^2 / (cxx cyy)) <= 1, taken to ~100 bits with integer square roots, then rounded once.
    num, den = cxy * cxy, cxx * cyy
    shift = 100 + max(0, (den.bit_length() - num.bit_length()) // 2 + 1)
    root = math.isqrt((num << (2 * shift)) // den)
    r = math.ldexp(float(root), -shift)
    return min(1.0, r) if cxy > 0 else -min(1.0, r)


def _integers(v: np.ndarray) -> list[int]:
    """The values as integers on one power-of-two scale (exact: a float64 is m * 2**e)."""
    ratios = [f.as_integer_ratio() for f in v.tolist()]
    scale = max(d for _, d in ratios)
    return [m * (scale // d) for m, d in ratios]


def _centred(v: np.ndarray) -> np.ndarray:
    return v - math.fsum(v.tolist()) / len(v)


def _flat(v: np.ndarray) -> bool:
    """No variance beyond rounding: a spread of ~1e-12 x the mean around a constant (as the scan decides)."""
    c = _centred(v)
    mean = abs(math.fsum(v.tolist()) / len(v))
    return _dot(c, c) <= (1e-12 * max(mean, 1e-300)) ** 2 * len(v)
