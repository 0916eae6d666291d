"""Spearman's rho of rows without ties, from their sort order alone: the scan's common case, made cheap.

Ranks are half-integers, and so are their deviations from the mean rank
(n + 1) / 2: every product and every partial sum of the correlation is
exact in float64 while n^3 < 2^53, whatever the order of the additions.
Rho of an untied row therefore needs no rank array: the numerator is the
trait's centred ranks taken in the row's sort order, times the centred
positions 1..n, and the sum of squares is the same for every such row. The
numbers are the ones the general path (ranks, centring, BLAS) computes, to
the last bit.

Rows are ordered on float32 copies: rounding to float32 keeps the order,
so a row whose float32 values are all different has the float64 order
(and no ties). A row where two float32 values meet (a tie, or two values
closer than float32 tells apart) is left to the general path, and so is a
block where most rows are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EXACT_N = 200_000
"""Samples up to which every sum of products of centred ranks is exact in float64 (n^3 < 2^53)."""

# ``(block, ys) -> (r, untied)`` for rows this module leaves: the general path of vaultkit.stats.
General = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def untied_first(block: np.ndarray, ys: np.ndarray, general: General) -> tuple[np.ndarray, np.ndarray]:
    """Rho of each row of ``block`` (no missing values, n <= EXACT_N columns) with each column of ``ys``,
    and which (row, trait) pairs have no ties; rows with (perhaps) ties go through ``general``."""
    from vaultkit.stats import _rank_rows

    m, n = block.shape
    with np.errstate(over="ignore"):  # beyond float32's range: infinities, equal, so left to the general path
        keys = block.astype(np.float32)
    ordered = np.sort(keys, axis=1)
    clean = ~(ordered[:, 1:] == ordered[:, :-1]).any(axis=1)
    del ordered
    if clean.sum() * 2 < m:  # mostly ties (counts, rounded values): the general path for every row costs less
        return general(block, ys)
    order = np.argsort(keys, axis=1)
    del keys
    yr, untied_y = _rank_rows(ys.T)
    ranked = yr.T
    yc = ranked - ranked.mean(axis=0)
    syy = np.einsum("ij,ij->j", yc, yc)
    centred = np.arange(1.0, n + 1.0) - (n + 1.0) / 2.0
    sxx = np.full(m, centred @ centred)
    # Every row, the few with ties too (replaced below): cheaper than copying the order of the others.
    num = np.column_stack([np.take(yc[:, j], order) @ centred for j in range(yc.shape[1])])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / np.sqrt(np.outer(sxx, syy))
    out[:, syy <= 0] = np.nan
    untied = np.repeat(untied_y[None, :], m, axis=0)
    if not clean.all():
        rest = ~clean
        out[rest], untied[rest] = general(block[rest], ys)
    return out, untied
