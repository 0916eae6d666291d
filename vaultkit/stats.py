"""Correlations of every region with every trait: n, r, p and BH q, vectorised over regions.

No I/O and no plotting here. Observations are pair-wise complete: rows are
grouped by their pattern of missing values, so each group is a dense block
computed at once (one group when nothing is missing).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from vaultkit import spearman
from vaultkit.progress import SILENT, Progress

if TYPE_CHECKING:
    import pandas as pd

# 2 MB of float64 per block: ranking makes four copies of a block, so this bounds the temporaries (threads x
# ~10 MB) whatever the table; 850k x 500 never copies the whole matrix.
BLOCK_CELLS = 1 << 18


@cache
def _blas() -> Any:
    """The process's BLAS libraries, found once (a scan of the loaded libraries costs a few ms per call)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _rank_rows(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average ranks (1..n, ties get the mean of their positions, as R's ``rank``) of each row, and which
    rows have no ties.

    One argsort per block; rows with ties get their averages from the run
    boundaries of the sorted values, without a Python loop. (scipy's
    ``rankdata`` sorts as often and its import alone costs a second.)
    """
    m, n = block.shape
    # A row-major copy first: argsort along the rows of a column-major chunk costs half as much again.
    block = np.ascontiguousarray(block)
    order = np.argsort(block, axis=1)  # ties are averaged below, so the order among equals does not matter
    ranks = np.empty((m, n), dtype=np.float64)
    np.put_along_axis(ranks, order, np.arange(1.0, n + 1.0)[None, :], axis=1)
    if n < 2:
        return ranks, np.ones(m, dtype=bool)
    # Equal neighbours once sorted are the ties: a second (vectorised) sort costs less than gathering the
    # values in the argsort's order.
    ordered = np.sort(block, axis=1)
    same = ordered[:, 1:] == ordered[:, :-1]
    untied = ~same.any(axis=1)
    tied = np.flatnonzero(~untied)
    if len(tied):
        pos = np.arange(n)
        same_t = same[tied]
        first = np.maximum.accumulate(np.where(np.hstack([np.ones((len(tied), 1), bool), ~same_t]), pos, 0), axis=1)
        last = np.minimum.accumulate(
            np.where(np.hstack([~same_t, np.ones((len(tied), 1), bool)]), pos, n)[:, ::-1], axis=1
        )[:, ::-1]
        sub = np.empty((len(tied), n))
        np.put_along_axis(sub, order[tied], (first + last) / 2.0 + 1.0, axis=1)
        ranks[tied] = sub
    return ranks, untied


def _residualise(block: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Residuals of each row of ``block`` on the columns of ``design`` (least squares)."""
    q, _ = np.linalg.qr(design)
    return block - (block @ q) @ q.T


def correlate(
    x: np.ndarray,
    y: np.ndarray,
    *,
    method: str = "pearson",
    covariates: np.ndarray | None = None,
    progress: Progress = SILENT,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """r, n and two-sided p of each row of ``x`` (regions x samples) with ``y``.

    ``y`` is one trait (samples) or several (samples x traits); the results
    then have one column per trait. NaN in either side drops that sample for
    that row and trait. With ``covariates`` (samples x k) both sides are
    residualised first (partial correlation, df = n - 2 - k). Spearman ranks
    within the complete observations. Rows with df < 1 or no variance give NaN
    r and p. Each block of rows is centred (or ranked, or residualised) once
    for all traits that share its complete samples. ``workers``: threads computing the blocks (None: one
    per core; 1: the calling thread alone), which changes no result.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    single = y.ndim == 1
    ys = y[:, None] if single else y
    k = 0 if covariates is None else covariates.shape[1]
    ok_y = ~np.isnan(ys)
    if covariates is not None:
        ok_y &= ~np.isnan(covariates).any(axis=1)[:, None]
    m, t = x.shape[0], ys.shape[1]
    r = np.full((m, t), np.nan)
    n = np.zeros((m, t), dtype=np.int64)
    # R's exact Spearman null distribution holds only without ties and without covariates.
    ranked_exact = method == "spearman" and k == 0
    untied = np.zeros((m, t), dtype=bool)
    y_groups: dict[bytes, list[int]] = {}
    for j in range(t):
        y_groups.setdefault(ok_y[:, j].tobytes(), []).append(j)
    x_nan = np.isnan(x)
    progress.start(f"associating {m:,} regions with {t} trait(s)", m * len(y_groups))

    def block_task(
        idx: np.ndarray | slice, cols: np.ndarray, traits: list[int], yy: np.ndarray, cov: np.ndarray | None
    ) -> int:
        block = x[idx] if cols.all() else x[idx][:, cols]
        # Each block writes its own rows: the result does not depend on which thread ran it.
        r[_sel(idx), traits], untied[_sel(idx), traits] = _dense_r(block, yy, method, cov)
        return len(block)

    tasks = []
    for traits in y_groups.values():
        ymask = ok_y[:, traits[0]]
        for rows, cols in _row_groups(x_nan, ymask):
            n[_sel(rows), traits] = int(cols.sum())
            if cols.sum() < 3 + k:
                progress.advance(len(rows) if isinstance(rows, np.ndarray) else rows.stop)
                continue
            yy = ys[np.ix_(cols, np.asarray(traits))]
            cov = None if covariates is None else covariates[cols]
            step = max(1, BLOCK_CELLS // max(1, int(cols.sum())))
            total = len(rows) if isinstance(rows, np.ndarray) else rows.stop
            for s in range(0, total, step):
                # Contiguous rows are sliced, not copied by fancy indexing.
                idx = rows[s : s + step] if isinstance(rows, np.ndarray) else slice(s, min(s + step, total))
                tasks.append((idx, cols, traits, yy, cov))
    # numpy's sorts and BLAS release the GIL: threads rank and multiply blocks on every core. BLAS itself
    # gets one thread: its products here are thin (samples x traits), and OpenBLAS's idle threads spin
    # between calls, which cost as much CPU as the whole association did on two cores.
    threads = min(len(tasks), (os.cpu_count() or 1) if workers is None else workers)
    with _blas().limit(limits=1, user_api="blas"):
        if threads < 2:
            for task in tasks:
                progress.advance(block_task(*task))
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for done in pool.map(lambda task: block_task(*task), tasks):
                    progress.advance(done)
    progress.stop()
    r = np.clip(r, -1.0, 1.0)
    r[n - 2 - k < 1] = np.nan
    p = p_values(r, n, k, untied & ranked_exact)
    return (r[:, 0], n[:, 0], p[:, 0]) if single else (r, n, p)


def p_values(r: np.ndarray, n: np.ndarray, k: int | np.ndarray = 0, untied: np.ndarray | bool = False) -> np.ndarray:
    """Two-sided p as R's ``cor.test`` gives it; NaN r, or df = n - 2 - k < 1, gives NaN.

    ``untied`` marks Spearman rho without ties and covariates: R's null
    distribution of S (exact up to n = 9, AS 89 above, t from n = 1291).
    Everything else (Pearson, Spearman with ties, partial correlations) is
    Student's t with n - 2 - k degrees of freedom.
    """
    from vaultkit import rstats

    r = np.asarray(r, dtype=np.float64)
    n = np.asarray(n)
    df = np.asarray(n - 2 - np.asarray(k), dtype=np.float64)
    untied = np.broadcast_to(np.asarray(untied, dtype=bool), r.shape)
    df, n = np.broadcast_to(df, r.shape), np.broadcast_to(n, r.shape)
    p = np.full(r.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Each p is computed one way only: the t tail costs as much as the series, for rows it would not serve.
        t = ~untied
        if t.any():
            p[t] = rstats.cor_p(r[t], np.maximum(df[t], 1))
        if untied.any():
            p[untied] = rstats.spearman_p_many(r[untied], n[untied])
    p[np.isnan(r) | (df < 1)] = np.nan
    return p


def _sel(rows: np.ndarray | slice) -> np.ndarray | slice:
    """Row selector that combines with a list of trait columns."""
    return rows[:, None] if isinstance(rows, np.ndarray) else rows


def _row_groups(x_nan: np.ndarray, ymask: np.ndarray) -> list[tuple[np.ndarray | slice, np.ndarray]]:
    """Rows grouped by which samples are complete (with the trait's mask): (rows, columns)."""
    m = x_nan.shape[0]
    if not x_nan.any():
        return [(slice(0, m), ymask.copy())]
    mask = ~x_nan & ymask
    patterns, inverse = np.unique(np.packbits(mask, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(patterns) + 1))
    return [(order[bounds[i] : bounds[i + 1]], mask[order[bounds[i]]]) for i in range(len(patterns))]


def _dense_r(
    block: np.ndarray, ys: np.ndarray, method: str, covariates: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of each row of ``block`` with each column of ``ys`` (no missing values), and which
    (row, trait) pairs are Spearman without ties (R's exact null distribution applies)."""
    if method == "spearman" and covariates is None and block.shape[1] <= spearman.EXACT_N:
        return spearman.untied_first(block, ys, lambda rows, y: _ranked_r(rows, y, method, covariates))
    return _ranked_r(block, ys, method, covariates)


def _ranked_r(
    block: np.ndarray, ys: np.ndarray, method: str, covariates: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_dense_r` for any rows: ranks (Spearman), residuals (covariates), then Pearson's r."""
    untied = np.zeros((len(block), ys.shape[1]), dtype=bool)
    if method == "spearman":
        (block, untied_x), (yr, untied_y) = _rank_rows(block), _rank_rows(ys.T)
        ys = yr.T
        untied = untied_x[:, None] & untied_y[None, :]
        if covariates is not None:  # ppcor ranks the covariates too
            covariates = _rank_rows(covariates.T)[0].T
    if covariates is not None:
        design = np.column_stack([np.ones(len(ys)), covariates])
        block, ys = _residualise(block, design), _residualise(ys.T, design).T
    mean = block.mean(axis=1, keepdims=True)
    xc = block - mean
    yc = ys - ys.mean(axis=0)
    sxx = np.einsum("ij,ij->i", xc, xc)
    syy = np.einsum("ij,ij->j", yc, yc)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (xc @ yc) / np.sqrt(np.outer(sxx, syy))
    # No variance, no correlation: rounding leaves a spread of ~1e-16 x the mean around a constant.
    flat = sxx <= (1e-12 * np.maximum(np.abs(mean[:, 0]), 1e-300)) ** 2 * block.shape[1]
    out[flat] = np.nan
    out[:, syy <= 0] = np.nan
    return out, untied


def q_values(p: np.ndarray, *, method: str = "bh", storey_lambda: float = 0.5) -> np.ndarray:
    """q of one trait's p: ``p.adjust(p, "BH")`` or ``qvalue::qvalue(p, lambda = storey_lambda)``; NaN stay NaN."""
    from vaultkit import rstats

    if method == "bh":
        return rstats.bh(p)
    if method == "storey":
        return rstats.storey_q(p, storey_lambda)[0]
    raise ValueError(f"q_method must be 'bh' or 'storey', not {method!r}")


def covariate_design(
    pheno: pd.DataFrame, covariates: Sequence[str], categorical: Sequence[str] = ()
) -> tuple[np.ndarray | None, list[str]]:
    """Covariates as numbers, and a name per column: numeric columns as they are, declared categories as
    0/1 dummies (levels sorted, the first dropped; a missing value stays missing).

    Raises ValueError for a text covariate that is not declared categorical:
    a silent one-hot encoding would change the model without the user knowing.
    """
    import pandas as pd

    if not covariates:
        return None, []
    parts, names = [], []
    for c in covariates:
        col = pheno[c]
        if c not in categorical:
            if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
                seen = ", ".join(sorted(map(str, col.dropna().unique()))[:4])
                raise ValueError(
                    f"covariate {c!r} holds text ({seen}); declare it categorical "
                    f'(--categorical {c}, or categorical = ["{c}"] in [data]) or give numbers'
                )
            parts.append(col.to_numpy(dtype=np.float64)[:, None])
            names.append(c)
            continue
        levels = sorted(col.dropna().astype(str).unique())
        if len(levels) < 2:
            raise ValueError(f"covariate column {c!r} has only one level ({', '.join(levels) or 'none'}); leave it out")
        text = col.astype(str).where(col.notna())
        for level in levels[1:]:
            values = (text == level).to_numpy(dtype=np.float64)
            values[col.isna().to_numpy()] = np.nan
            parts.append(values[:, None])
            names.append(f"{c}={level}")
    return np.hstack(parts), names


def design_matrix(pheno: pd.DataFrame, covariates: Sequence[str], categorical: Sequence[str] = ()) -> np.ndarray | None:
    """The covariate columns of :func:`covariate_design` (None without covariates)."""
    return covariate_design(pheno, covariates, categorical)[0]


def results_table(
    regions: pd.DataFrame,
    values: np.ndarray,
    pheno: pd.DataFrame,
    *,
    traits: list[str],
    method: str = "pearson",
    covariates: Sequence[str] = (),
    categorical: Sequence[str] = (),
    q_method: str = "bh",
    storey_lambda: float = 0.5,
    progress: Progress = SILENT,
) -> pd.DataFrame:
    """The tidy results table: gene_id, chrom, start, end, trait, n, r, p, q, method."""
    import pandas as pd

    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', not {method!r}")
    x_design = design_matrix(pheno, list(covariates), list(categorical))
    ys = np.column_stack([pd.to_numeric(pheno[t], errors="coerce").to_numpy(dtype=np.float64) for t in traits])
    r, n, p = correlate(values, ys, method=method, covariates=x_design, progress=progress)
    m, k = len(regions), len(traits)
    return pd.DataFrame(
        {
            **{c: np.tile(regions[c].to_numpy(), k) for c in ("gene_id", "chrom", "start", "end")},
            "trait": np.repeat(np.array(traits, dtype=object), m),
            "n": n.T.ravel(),
            "r": r.T.ravel(),
            "p": p.T.ravel(),
            "q": np.concatenate([q_values(p[:, j], method=q_method, storey_lambda=storey_lambda) for j in range(k)])
            if k
            else np.empty(0),
            "method": method,
        }
    )
