"""p- and q-values that equal R's: ``cor.test``, ``p.adjust(p, "BH")``, ``qvalue::qvalue``.

Pure functions on floats and numpy arrays (no pandas). Written from the
published methods, not from R's sources, and checked number by number against
tables R wrote (``tests/r/make_reference.R``, ``tests/fixtures/r_reference/``):

- Spearman's rho without ties: Best & Roberts (1975), Algorithm AS 89, "The
  upper tail probabilities of Spearman's rho", Applied Statistics 24:377-379:
  the exact null distribution of S = sum of squared rank differences for
  small n, an Edgeworth series above.
- The t test of a correlation coefficient (Pearson's r, Spearman's rho with
  ties, partial correlations): Student's t with ``df`` degrees of freedom,
  through the regularised incomplete beta function.
- Benjamini & Hochberg (1995) step-up adjusted p-values.
- Storey (2002), Storey & Tibshirani (2003): q-values with pi0 estimated at a
  single lambda.

What matching R's numbers showed (see ``tests/r/README.md``):

- R rounds S to the nearest integer before it uses the exact distribution
  (rho from floating point gives S = 66.000000000000014 and the like).
- The two-sided p is ``min(1, 2 * tail)``, the tail taken on the side of the
  observation: P(S <= s) when s is at most its mean (n^3 - n) / 6 (rho >= 0),
  P(S >= s) above it. The Edgeworth series is evaluated on that side with a
  continuity correction of one (S is even), at s - 1 for the upper tail and
  s + 1 for the lower, without cancellation (so tiny p keep their digits).
- Each tail of the series is clipped to [0, 1], so R's p is 0 near |rho| = 1
  for n >= 10 (n = 10 with S <= 4, say), although the true p is not.
- R uses the series up to n = 1290 (its help page says n < 1290) and the t
  approximation from n = 1291 on.
- ``qvalue(p, lambda = L)`` estimates pi0 from the p-values >= L (not > L).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from vaultkit.special import ufuncs

__all__ = [
    "EXACT_MAX_N",
    "SERIES_MAX_N",
    "bh",
    "cor_p",
    "spearman_p",
    "spearman_p_many",
    "storey_pi0",
    "storey_q",
]

EXACT_MAX_N = 9
"""Largest n for which the null distribution of S is enumerated (as R does)."""

SERIES_MAX_N = 1290
"""Largest n for which R uses the AS 89 Edgeworth series; above it, the t approximation."""

# The coefficients of the Edgeworth series of AS 89 (Best & Roberts 1975).
_C1, _C2, _C3, _C4, _C5, _C6 = 0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932
_C7, _C8, _C9, _C10, _C11, _C12 = 0.0879, 0.0151, 0.0072, 0.0831, 0.0131, 4.6e-4


# ------------------------------------------------------------- t test ----


def _log_beta_tail(a: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    """log I_x(a, b), the regularised incomplete beta function, for x below its mean.

    The continued fraction of Abramowitz & Stegun 26.5.8, evaluated with the
    modified Lentz method, times the prefactor x^a (1 - x)^b / (a B(a, b)) in
    logs: it keeps its relative precision where I_x underflows the normal
    range, which ``scipy.special.betainc`` does not.
    """
    tiny = 1e-300
    log_pre = a * np.log(x) + b * np.log1p(-x) - np.log(a) - ufuncs().betaln(a, b)

    def nonzero(v: np.ndarray) -> np.ndarray:
        return np.where(np.abs(v) < tiny, tiny, v)

    c = np.ones_like(x)
    d = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0))
    f = d.copy()
    for m in range(1, 5000):
        # d_2m, then d_2m+1
        for coef in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 / nonzero(1.0 + coef * d)
            c = nonzero(1.0 + coef / c)
            delta = c * d
            f = f * delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    else:
        raise ArithmeticError("the continued fraction of the incomplete beta function did not converge")
    return log_pre + np.log(f)


def cor_p(r: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Two-sided p of a correlation coefficient by Student's t, as R's ``cor.test``.

    ``t = sqrt(df) * r / sqrt(1 - r^2)`` and ``p = 2 P(T_df >= |t|)``. This is
    R's p for Pearson's r (``df = n - 2``), for Spearman's rho with ties or
    with n > 1290 (rho of average ranks, ``df = n - 2``), and for a partial
    correlation (``df = n - 2 - k``, k covariates).

    Parameters
    ----------
    r : array_like
        Correlation coefficients in [-1, 1]; NaN gives NaN.
    df : array_like
        Degrees of freedom, broadcast against ``r``; below 1 gives NaN.

    Returns
    -------
    numpy.ndarray
        p in [0, 1]; 0 where |r| = 1, as in R. Tails below the normal
        floating-point range are computed in logs, so p goes on into the
        subnormal numbers as R's does (and is 0 only where R's is).
    """
    r_arr, df_arr = np.broadcast_arrays(np.asarray(r, dtype=np.float64), np.asarray(df, dtype=np.float64))
    p = np.full(r_arr.shape, np.nan)
    ok = ~np.isnan(r_arr) & (df_arr >= 1)
    if not ok.any():
        return p
    rr = np.clip(r_arr[ok], -1.0, 1.0)
    nu = df_arr[ok]
    with np.errstate(divide="ignore"):
        t = np.sqrt(nu) * rr / np.sqrt(1.0 - rr * rr)
    # P(|T| >= |t|) = I_x(df/2, 1/2) with x = df / (df + t^2); at |t| = inf, x = 0 and p = 0.
    x = nu / (nu + t * t)
    a = nu / 2.0
    one_sided = ufuncs().betainc(a, 0.5, x) / 2.0
    # Where that is near or below the smallest normal double, redo it in logs.
    deep = (one_sided < 1e-290) & (x > 0)
    if deep.any():
        one_sided[deep] = np.exp(_log_beta_tail(a[deep], 0.5, x[deep]) - math.log(2.0))
    p[ok] = np.minimum(1.0, 2.0 * one_sided)
    return p


# ------------------------------------------------------------ Spearman ----


@cache
def _s_tails(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts of permutations with S <= s and with S >= s, s = 0..(n^3 - n) / 3, for one n.

    The null distribution of S = sum (i - pi(i))^2 over all n! permutations
    pi, by dynamic programming over the set of values already placed (the
    same counts as enumerating the permutations, in 2^n n steps).
    """
    s_max = (n**3 - n) // 3
    counts = np.zeros((1 << n, s_max + 1), dtype=np.int64)
    counts[0, 0] = 1
    for mask in range(1 << n):
        row = counts[mask]
        if not row.any():
            continue
        i = mask.bit_count()  # position being filled
        for v in range(n):
            if mask & (1 << v):
                continue
            d = (i - v) ** 2
            target = counts[mask | (1 << v)]
            if d:
                target[d:] += row[:-d]
            else:
                target += row
    dist = counts[-1]
    assert int(dist.sum()) == math.factorial(n)
    lower = np.cumsum(dist)
    upper = np.cumsum(dist[::-1])[::-1]
    lower.flags.writeable = False
    upper.flags.writeable = False
    return lower, upper


def _exact_p(s: np.ndarray, n: int) -> np.ndarray:
    """Two-sided exact p for rounded S values ``s`` (float array) at one n <= EXACT_MAX_N."""
    lower, upper = _s_tails(n)
    mean = (n**3 - n) / 6.0
    idx = np.clip(s, 0, len(lower) - 1).astype(np.int64)
    k = np.where(s > mean, upper[idx], lower[idx])
    return np.minimum(1.0, (2 * k) / math.factorial(n))


def _series_p(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p for rounded S values by the AS 89 Edgeworth series, each tail clipped to [0, 1]."""
    nf = n.astype(np.float64)
    b = 1.0 / nf
    # +1 for the upper tail of S (rho < 0), -1 for the lower.
    side = np.where(s > (nf**3 - nf) / 6.0, 1.0, -1.0)
    # Continuity correction: S is even, so the tail beyond s starts one unit off.
    js = s - side
    x = (6.0 * js * b / (nf * nf - 1.0) - 1.0) * np.sqrt(1.0 / b - 1.0)
    y = x * x
    u = (
        x
        * b
        * (
            _C1
            + b * (_C2 + _C3 * b)
            + y
            * (-_C4 + b * (_C5 + _C6 * b) - y * b * (_C7 + _C8 * b - y * (_C9 - _C10 * b + y * b * (_C11 - _C12 * y))))
        )
    )
    u = u / np.exp(y / 2.0)
    # Upper tail u + P(Z > x); lower tail P(Z < x) - u, which is the same with x, u of opposite sign.
    tail = side * u + ufuncs().ndtr(-side * x)
    tail = np.clip(tail, 0.0, 1.0)
    return np.minimum(1.0, 2.0 * tail)


def spearman_p_many(rho: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """Two-sided p of Spearman's rho for n pairs without ties, as R's ``cor.test`` (vectorised).

    The same as :func:`spearman_p` for every element: exact for
    n <= 9 (a table per n, computed once), the AS 89 Edgeworth series for
    10 <= n <= 1290, the t approximation above.

    Parameters
    ----------
    rho : numpy.ndarray
        Spearman's rho (the Pearson correlation of the ranks), any shape.
    n : numpy.ndarray or int
        Number of complete pairs, broadcast against ``rho``.

    Returns
    -------
    numpy.ndarray
        p of the broadcast shape; NaN where rho is NaN or n < 3.
    """
    rho_arr, n_arr = np.broadcast_arrays(np.asarray(rho, dtype=np.float64), np.asarray(n))
    n_float = n_arr.astype(np.float64)
    finite_n = np.isfinite(n_float)
    if np.any(finite_n & (n_float != np.round(n_float))):
        raise ValueError("n must be whole numbers")
    n_int = np.where(finite_n, n_float, 0.0).astype(np.int64)
    p = np.full(rho_arr.shape, np.nan)
    ok = ~np.isnan(rho_arr) & (n_int >= 3)
    r = np.clip(rho_arr, -1.0, 1.0)
    nf = n_int.astype(np.float64)
    # S as R forms it from rho, rounded: S is a whole (even) number for untied ranks.
    s = np.rint((nf**3 - nf) * (1.0 - r) / 6.0)

    exact = ok & (n_int <= EXACT_MAX_N)
    for size in np.unique(n_int[exact]):
        sel = exact & (n_int == size)
        p[sel] = _exact_p(s[sel], int(size))
    series = ok & (n_int > EXACT_MAX_N) & (n_int <= SERIES_MAX_N)
    if series.any():
        p[series] = _series_p(s[series], n_int[series])
    large = ok & (n_int > SERIES_MAX_N)
    if large.any():
        p[large] = cor_p(r[large], nf[large] - 2.0)
    return p


def spearman_p(rho: float, n: int) -> float:
    """Two-sided p of Spearman's rho for n complete pairs without ties, as R's ``cor.test``.

    R's default (``exact = NULL``) for untied data: S = (n^3 - n)(1 - rho) / 6,
    rounded to a whole number; for n <= 9 the exact null distribution of S
    (all n! permutations); for 10 <= n <= 1290 the Edgeworth series of
    algorithm AS 89 with a continuity correction; the tail on the side of the
    observation (P(S <= s) for rho >= 0, P(S >= s) below), clipped to [0, 1];
    ``p = min(1, 2 * tail)``. Above n = 1290, the t approximation
    (:func:`cor_p` with ``df = n - 2``).

    With ties in either variable R does not use this: it takes rho of the
    average ranks and the t approximation, ``cor_p(rho, n - 2)`` (and warns
    "Cannot compute exact p-value with ties"). Detecting ties is the
    caller's business; this function assumes there are none.

    Parameters
    ----------
    rho : float
        Spearman's rho of the n pairs.
    n : int
        Number of complete pairs.

    Returns
    -------
    float
        p in [0, 1], or NaN for NaN rho or n < 3. It is exact where R's is
        rational (n = 4 with rho = 1 gives 1/12), and 0 exactly where R's is
        (near |rho| = 1 for 10 <= n <= 1290, where the series goes below 0).
    """
    return float(spearman_p_many(np.asarray([rho], dtype=np.float64), np.asarray([n]))[0])


# ------------------------------------------------------------ q-values ----


def _step_up(p: np.ndarray, pi0: float | None) -> np.ndarray:
    """min over j >= i of p_(j) m / j (times pi0 if given), capped at 1; NaN kept and not counted."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    vals = p[ok]
    m = vals.size
    if m == 0:
        return out
    # Largest first. The order among equal p does not matter: each of a run of equal p gets the running
    # minimum taken from the run's highest rank on, whichever came first, so the quicker unstable sort serves.
    order = np.argsort(vals)[::-1]
    rank = np.arange(m, 0, -1, dtype=np.float64)
    # The same operations, in the same order, as R: m / i * p for BH, p * m / i * pi0 for qvalue.
    raw = m / rank * vals[order] if pi0 is None else vals[order] * m / rank * pi0
    adjusted = np.minimum(1.0, np.minimum.accumulate(raw))
    res = np.empty(m)
    res[order] = adjusted
    out[ok] = res
    return out


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, as R's ``p.adjust(p, "BH")``.

    ``q_(i) = min(1, min_{j >= i} m p_(j) / j)`` over the p sorted
    increasingly (Benjamini & Hochberg 1995).

    Parameters
    ----------
    p : numpy.ndarray
        p-values, one dimension; NaN allowed.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input's order; NaN stay NaN and do not count in m.
    """
    return _step_up(np.asarray(p, dtype=np.float64).ravel(), None)


def storey_pi0(p: np.ndarray, lambda_: float = 0.5) -> float:
    """Storey's estimate of the proportion of true nulls at one lambda, as ``qvalue``.

    ``pi0 = min(1, #{p >= lambda} / (m (1 - lambda)))``, m the number of
    non-NaN p. (Storey 2002 writes p > lambda; the qvalue package counts
    p >= lambda, and this follows the package.)

    Parameters
    ----------
    p : numpy.ndarray
        p-values in [0, 1]; NaN are left out.
    lambda_ : float
        The tuning parameter, in [0, 1).

    Returns
    -------
    float
        pi0 in (0, 1].

    Raises
    ------
    ValueError
        If lambda is outside [0, 1), a p is outside [0, 1], there is no
        p-value, or no p is >= lambda (pi0 would be 0: qvalue stops with
        "The estimated pi0 <= 0").
    """
    if not 0.0 <= lambda_ < 1.0:
        raise ValueError(f"lambda must be in [0, 1), not {lambda_!r}")
    vals = np.asarray(p, dtype=np.float64).ravel()
    vals = vals[~np.isnan(vals)]
    if vals.size == 0:
        raise ValueError("no p-values (all are NaN)")
    if vals.min() < 0.0 or vals.max() > 1.0:
        raise ValueError("p-values must be in [0, 1]")
    pi0 = min(1.0, float(np.mean(vals >= lambda_)) / (1.0 - lambda_))
    if pi0 <= 0.0:
        raise ValueError(f"the estimated pi0 is 0: no p-value is >= lambda = {lambda_}")
    return pi0


def storey_q(p: np.ndarray, lambda_: float = 0.5) -> tuple[np.ndarray, float]:
    """Storey's q-values with pi0 at one lambda, as ``qvalue::qvalue(p, lambda = lambda_)``.

    ``q_(i) = min(1, min_{j >= i} pi0 m p_(j) / j)`` (Storey & Tibshirani
    2003), i.e. pi0 times the Benjamini-Hochberg values; pi0 from
    :func:`storey_pi0`. The package's default, pi0 smoothed over
    lambda = 0.05..0.95, is not implemented.

    Parameters
    ----------
    p : numpy.ndarray
        p-values in [0, 1], one dimension; NaN allowed.
    lambda_ : float
        The tuning parameter, in [0, 1); qvalue's ``lambda``.

    Returns
    -------
    q : numpy.ndarray
        q-values in the input's order; NaN stay NaN and do not count in m.
    pi0 : float
        The estimated proportion of true nulls.

    Raises
    ------
    ValueError
        As :func:`storey_pi0`.
    """
    vals = np.asarray(p, dtype=np.float64).ravel()
    pi0 = storey_pi0(vals, lambda_)
    return _step_up(vals, pi0), pi0
