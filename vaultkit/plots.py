"""One association's scatter plot: data in, Figure out (no saving, no pyplot state).

What the user's ggplot2 plots show, kept: signal on x, trait on y, points
coloured by condition, a black least-squares line with its 95% band for all
samples and one line per condition. Added: r, p, q and n on the plot, the
gene and a readable locus in the title, units, the Okabe-Ito palette (with a
distinct marker per condition, so colour is never the only cue), and fixed
fonts and sizes so the same data gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito (2008), readable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
KNOWN_CONDITIONS = ["healthy", "pah", "ph-lung", "cteph"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
RC = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: same glyphs on every machine
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 10,
    "svg.hashsalt": "vaultkit",
    "path.simplify": False,
}
SIZE_IN, DPI = (7.0, 5.0), 100  # 700 x 500 px: Obsidian's reading width


@dataclass(frozen=True)
class PlotData:
    """Everything drawn on one plot."""

    x: np.ndarray
    y: np.ndarray
    conditions: tuple[str, ...] | None
    title: str
    xlabel: str
    ylabel: str
    r: float
    p: float
    q: float
    n: int
    method: str = "pearson"


def _fit_band(x: np.ndarray, y: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line over ``grid`` and the half-width of its 95% confidence band."""
    from scipy.stats import t as t_dist

    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    fit = intercept + slope * grid
    if n < 3:
        return fit, np.zeros_like(grid)
    resid = y - (intercept + slope * x)
    s = np.sqrt(resid @ resid / (n - 2))
    sxx = ((x - x.mean()) ** 2).sum()
    half = t_dist.ppf(0.975, n - 2) * s * np.sqrt(1.0 / n + (grid - x.mean()) ** 2 / sxx)
    return fit, half


def condition_order(conditions: tuple[str, ...]) -> list[str]:
    """The user's four conditions first, in their order, then any others sorted."""
    present = set(conditions)
    return [c for c in KNOWN_CONDITIONS if c in present] + sorted(present - set(KNOWN_CONDITIONS))


def format_p(p: float) -> str:
    return "NA" if not np.isfinite(p) else (f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}")


def stats_text(data: PlotData) -> str:
    """The statistics box as drawn: rounded, so the last bits of r, p and q never show (or change a fingerprint)."""
    symbol = "r" if data.method == "pearson" else "ρ"
    return f"{symbol} = {data.r:.3f}\np = {format_p(data.p)}\nq = {format_p(data.q)}\nn = {data.n}"


def scatter(data: PlotData, ax=None) -> Figure:
    """Draw the association on ``ax`` (or a new Figure) and return the Figure."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        if ax is None:
            fig = Figure(figsize=SIZE_IN, dpi=DPI)
            # Fixed margins: a layout engine costs more than the drawing and the
            # labels are of known length.
            fig.subplots_adjust(left=0.1, right=0.97, bottom=0.11, top=0.92)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        ok = np.isfinite(data.x) & np.isfinite(data.y)
        x, y = data.x[ok], data.y[ok]
        conds = tuple(np.asarray(data.conditions, dtype=object)[ok]) if data.conditions else None
        grid = np.linspace(x.min(), x.max(), 100) if len(x) else np.array([0.0, 1.0])
        if conds:
            for i, cond in enumerate(condition_order(conds)):
                sel = np.array([c == cond for c in conds])
                color = OKABE_ITO[i % len(OKABE_ITO)]
                ax.scatter(x[sel], y[sel], s=36, color=color, marker=MARKERS[i % len(MARKERS)],
                           edgecolor="white", linewidth=0.5, label=f"{cond} (n={int(sel.sum())})", zorder=3)
                if sel.sum() >= 3 and np.ptp(x[sel]) > 0:
                    sub = np.linspace(x[sel].min(), x[sel].max(), 50)
                    fit, _ = _fit_band(x[sel], y[sel], sub)
                    ax.plot(sub, fit, color=color, linewidth=1.2, linestyle="--", zorder=2)
        else:
            ax.scatter(x, y, s=36, color=OKABE_ITO[0], edgecolor="white", linewidth=0.5, zorder=3)
        if len(x) >= 3 and np.ptp(x) > 0:
            fit, half = _fit_band(x, y, grid)
            ax.fill_between(grid, fit - half, fit + half, color="0.6", alpha=0.3, linewidth=0, zorder=1,
                            label="95% CI (all)")
            ax.plot(grid, fit, color="black", linewidth=1.8, zorder=4, label="least squares (all)")
        ax.text(0.02, 0.98, stats_text(data), transform=ax.transAxes, va="top", ha="left", family="DejaVu Sans Mono",
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7", "alpha": 0.9}, zorder=5)
        ax.set_title(data.title)
        ax.set_xlabel(data.xlabel)
        ax.set_ylabel(data.ylabel)
        ax.grid(True, color="0.9", linewidth=0.8, zorder=0)
        ax.legend(loc="lower right", frameon=True, framealpha=0.9)
    return fig


def png_bytes(fig: Figure, text: dict[str, str]) -> bytes:
    """The figure as PNG with ``text`` chunks and nothing that varies between runs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with __import__("matplotlib").rc_context(RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None, **text})
    return buf.getvalue()


def png_text(data: bytes, *, whole: bool = False) -> dict[str, str]:
    """The tEXt chunks of a PNG (provenance written by ``png_bytes``), without decoding the image.

    ``data`` may be the head of the file only; with ``whole`` it must be the
    entire file. Raises ValueError for bytes that are not a PNG, and with
    ``whole`` for a file cut short (no IEND chunk).
    """
    import struct

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG")
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"tEXt" and pos + 12 + length <= len(data):
            key, _, value = data[pos + 8 : pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IEND":
            return out
        pos += 12 + length
    if whole:
        raise ValueError("PNG cut short")
    return out
