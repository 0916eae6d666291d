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
    order, clean = _sort_order(block)
    if clean.sum() * 2 < m:  # mostly ties (counts, rounded values): the general path for every row costs less
        return general(block, ys)
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


def _sort_order(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns of each row of ``block`` in increasing order of their float32 values, and which rows
    have no two float32 values equal.

    One sort of 64-bit keys, not a sort to find ties and an argsort: each key
    holds the float32 value's bits, mapped so that unsigned order is the
    floats' order, above its column. Ties are neighbours whose high halves are
    equal: their keys differ by less than n, any others by more than 2^32 - n.
    """
    m, n = block.shape
    keys = np.empty((m, n), dtype=np.float32)  # row-major whatever the block: the sort reads rows
    with np.errstate(over="ignore"):  # beyond float32's range: infinities, equal, so ties
        np.add(block, 0.0, out=keys, casting="same_kind")  # -0.0 + 0.0 is +0.0: the two zeros one key
    bits = keys.view(np.int32)
    bits ^= (bits >> 31) & 0x7FFFFFFF  # negative floats: magnitude bits flipped, so signed order is their order
    bits ^= np.int32(-(1 << 31))  # and the sign bit, so unsigned order is
    packed = bits.view(np.uint32).astype(np.uint64)
    del keys, bits
    packed <<= np.uint64(32)
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort(axis=1)
    clean = ~np.any((packed[:, 1:] - packed[:, :-1]) < np.uint64(1 << 31), axis=1)
    packed &= np.uint64(0xFFFFFFFF)
    order = packed.view(np.intp) if np.dtype(np.intp).itemsize == 8 else packed.astype(np.intp)
    return order, clean
