"""One association's plot: data in, Figure out (no saving, no pyplot state).

What the user's ggplot2 plots show, kept: signal on x, trait on y, points
coloured by condition, a black least-squares line with its 95% band for all
samples and one line per condition. Added: what the statistics are (method,
covariates) with r, p, q and n, the gene and a readable locus in the title,
units, the Okabe-Ito palette (with a distinct marker per condition, so colour
is never the only cue), and fixed fonts and sizes so the same data gives the
same bytes.

Optional, as the user asks for them: conditions left out of the picture
(``plot_conditions``; the statistics and the black line stay those of all
samples, and the plot says what is not shown) and a second panel with the
region's signal by condition (box and jittered points).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
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
DPI = 100
SIZE_IN = (7.0, 5.0)  # 700 x 500 px: Obsidian's reading width
PANEL_SIZE_IN = (10.0, 5.0)  # with the condition panel
# Fixed geometry in pixels (a layout engine costs more than the drawing, and
# the labels are of known length): the scatter, then the panel, then a column
# with the statistics box and the legend, outside the data so they never hide
# a point or a line.
_SCATTER_PX = (64, 52, 414, 406)  # left, bottom, width, height
_PANEL_PX = (554, 52, 234, 406)
_KEY_GAP_PT = 7.0  # between the last axes and the key column
_WRAP = 26  # characters per line in the key column (about 180 px at 10 pt)
_GOLDEN = 0.6180339887498949  # jitter: a low-discrepancy sequence, no random numbers


@dataclass(frozen=True)
class PlotData:
    """Everything drawn on one plot.

    ``x`` and ``y`` hold one value per sample (NaN where missing); the
    samples with both are those of the statistics. ``plot_conditions``
    names the conditions drawn (empty: all); ``covariates`` are those the
    correlation was adjusted for (partial correlation).
    """

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
    covariates: tuple[str, ...] = ()
    plot_conditions: tuple[str, ...] = ()
    condition_panel: bool = False


@dataclass(frozen=True)
class _Samples:
    """The samples of the statistics, and which of them are drawn."""

    x: np.ndarray
    y: np.ndarray
    conds: np.ndarray | None  # condition per sample (object array), None without conditions
    styles: dict[str, tuple[str, str]]  # condition -> (colour, marker), for every condition of the data
    shown: list[str]  # conditions drawn, in order, each with at least one sample
    hidden: list[tuple[str, int]]  # conditions left out, with their number of samples


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


def _samples(data: PlotData) -> _Samples:
    ok = np.isfinite(data.x) & np.isfinite(data.y)
    x, y = data.x[ok], data.y[ok]
    if not data.conditions:
        return _Samples(x, y, None, {}, [], [])
    # Colours follow every condition of the data, drawn or not, so a condition
    # keeps its colour in every plot of the vault.
    order = condition_order(data.conditions)
    styles = {c: (OKABE_ITO[i % len(OKABE_ITO)], MARKERS[i % len(MARKERS)]) for i, c in enumerate(order)}
    conds = np.asarray(data.conditions, dtype=object)[ok]
    counts = {c: int((conds == c).sum()) for c in order}
    wanted = set(data.plot_conditions) if data.plot_conditions else set(order)
    shown = [c for c in order if c in wanted and counts[c]]
    hidden = [(c, counts[c]) for c in order if c not in wanted and counts[c]]
    return _Samples(x, y, conds, styles, shown, hidden)


def format_p(p: float) -> str:
    return "NA" if not np.isfinite(p) else (f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}")


def method_label(method: str) -> str:
    """What the box calls the coefficient: ``Pearson r`` or ``Spearman ρ``."""
    return "Spearman ρ" if method == "spearman" else "Pearson r"


def stats_text(data: PlotData) -> str:
    """The statistics box as drawn: what r is, then r, p, q and n, rounded.

    Rounded, so the last bits of r, p and q never show (or change a fingerprint).
    """
    r = f"{data.r:.3f}" if np.isfinite(data.r) else "NA"
    lines = [f"{method_label(data.method)} = {r}"]
    if data.covariates:
        lines.append("partial, adjusted for " + ", ".join(data.covariates))
    lines += [f"p = {format_p(data.p)}", f"q = {format_p(data.q)}", f"n = {data.n}"]
    return "\n".join(lines)


def hidden_text(data: PlotData) -> str:
    """The note on conditions left out of the picture ("" when all are drawn)."""
    hidden = _samples(data).hidden
    if not hidden:
        return ""
    names = ", ".join(f"{c} (n={k})" for c, k in hidden)
    return f"not shown: {names}\n(counted in the statistics\nand the black line)"


def _wrapped(text: str) -> str:
    """``text`` in lines that fit the key column; a covariate list starts on a line of its own."""
    out = []
    for line in text.split("\n"):
        head, sep, tail = line.partition("adjusted for ")
        if sep and len(line) > _WRAP:
            out += [head + sep.rstrip(), textwrap.fill(tail, _WRAP, initial_indent="  ", subsequent_indent="  ",
                                                       break_on_hyphens=False)]
        else:
            out.append(textwrap.fill(line, _WRAP, subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(out)


def _draw_scatter(data: PlotData, s: _Samples, ax: Axes) -> None:
    for cond in s.shown:
        sel = s.conds == cond
        color, marker = s.styles[cond]
        ax.scatter(s.x[sel], s.y[sel], s=36, color=color, marker=marker, edgecolor="white", linewidth=0.5,
                   label=f"{cond} (n={int(sel.sum())})", zorder=3)
        if sel.sum() >= 3 and np.ptp(s.x[sel]) > 0:
            sub = np.linspace(s.x[sel].min(), s.x[sel].max(), 50)
            fit, _ = _fit_band(s.x[sel], s.y[sel], sub)
            ax.plot(sub, fit, color=color, linewidth=1.2, linestyle="--", zorder=2)
    if s.conds is None:
        ax.scatter(s.x, s.y, s=36, color=OKABE_ITO[0], edgecolor="white", linewidth=0.5, zorder=3)
    if len(s.x) >= 3 and np.ptp(s.x) > 0:
        # All samples of the statistics, hidden conditions included: the line is the one r describes.
        grid = np.linspace(s.x.min(), s.x.max(), 100)
        fit, half = _fit_band(s.x, s.y, grid)
        ax.fill_between(grid, fit - half, fit + half, color="0.6", alpha=0.3, linewidth=0, zorder=1,
                        label=f"95% CI (all {len(s.x)})")
        ax.plot(grid, fit, color="black", linewidth=1.8, zorder=4, label=f"least squares (all {len(s.x)})")
    ax.set_title(data.title)
    ax.set_xlabel(data.xlabel)
    ax.set_ylabel(data.ylabel)
    ax.grid(True, color="0.9", linewidth=0.8, zorder=0)


def _draw_panel(data: PlotData, s: _Samples, ax: Axes) -> None:
    """The signal by condition: a box per drawn condition and its samples, jittered the same way every run."""
    from matplotlib.colors import to_rgba

    groups = [(c, s.conds == c, *s.styles[c]) for c in s.shown] if s.conds is not None else \
        [("all", np.ones(len(s.x), dtype=bool), OKABE_ITO[0], "o")]
    for i, (_, sel, color, marker) in enumerate(groups):
        vals = s.x[sel]
        ax.boxplot([vals], positions=[i], widths=0.55, showfliers=False, patch_artist=True, manage_ticks=False,
                   boxprops={"facecolor": to_rgba(color, 0.15), "edgecolor": color, "linewidth": 1.2},
                   whiskerprops={"color": color, "linewidth": 1.2}, capprops={"color": color, "linewidth": 1.2},
                   medianprops={"color": color, "linewidth": 2.2}, zorder=2)
        jitter = ((np.arange(len(vals)) * _GOLDEN) % 1.0 - 0.5) * 0.36
        ax.scatter(i + jitter, vals, s=30, color=color, marker=marker, edgecolor="white", linewidth=0.5, zorder=3)
    ax.set_xticks(range(len(groups)), [g[0] for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylabel(data.xlabel)
    ax.set_title("by condition", fontsize=12)
    ax.grid(True, axis="y", color="0.9", linewidth=0.8, zorder=0)


def _draw_key(data: PlotData, ax: Axes, anchor: Axes) -> None:
    """The statistics box and, below it, the legend, in a column right of ``anchor``.

    Both belong to ``ax`` (the scatter). The legend's offset is the box's
    measured height, so a longer box (covariates, hidden conditions) pushes
    it down instead of covering it.
    """
    from matplotlib.transforms import ScaledTranslation

    fig = ax.figure
    pad_pt = 4.0
    text = stats_text(data)
    note = hidden_text(data)
    box = ax.text(1, 1, _wrapped(text + (f"\n{note}" if note else "")), va="top", ha="left", fontsize=10,
                  transform=anchor.transAxes + ScaledTranslation((_KEY_GAP_PT + pad_pt) / 72, -pad_pt / 72,
                                                                   fig.dpi_scale_trans),
                  bbox={"boxstyle": f"round,pad={pad_pt / 10}", "facecolor": "white", "edgecolor": "0.7"},
                  clip_on=False, zorder=5)
    height_in = box.get_window_extent().height / fig.dpi + 2 * pad_pt / 72 + 0.1
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), borderaxespad=0, frameon=True, framealpha=1,
              edgecolor="0.7", bbox_transform=anchor.transAxes + ScaledTranslation(_KEY_GAP_PT / 72, -height_in,
                                                                                  fig.dpi_scale_trans))


def scatter(data: PlotData, ax: Axes | None = None, *, panel_ax: Axes | None = None) -> Figure:
    """Draw the association on ``ax`` (or a new Figure) and return the Figure.

    With ``data.condition_panel`` the signal by condition is drawn on
    ``panel_ax`` (a new Figure has one; ValueError if ``ax`` is given without
    it). The statistics box and the legend go right of the last panel.
    """
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        if ax is None:
            size = PANEL_SIZE_IN if data.condition_panel else SIZE_IN
            fig = Figure(figsize=size, dpi=DPI)
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(fig)  # measuring the statistics box needs a renderer
            w, h = size[0] * DPI, size[1] * DPI
            ax = fig.add_axes((_SCATTER_PX[0] / w, _SCATTER_PX[1] / h, _SCATTER_PX[2] / w, _SCATTER_PX[3] / h))
            if data.condition_panel:
                panel_ax = fig.add_axes((_PANEL_PX[0] / w, _PANEL_PX[1] / h, _PANEL_PX[2] / w, _PANEL_PX[3] / h))
        elif data.condition_panel and panel_ax is None:
            raise ValueError("condition_panel: pass panel_ax with ax")
        fig = ax.figure
        s = _samples(data)
        _draw_scatter(data, s, ax)
        if data.condition_panel and panel_ax is not None:
            _draw_panel(data, s, panel_ax)
            # The panel's y is the scatter's x: the same range, so one can be read against the other.
            panel_ax.set_ylim(ax.get_xlim())
        _draw_key(data, ax, panel_ax if data.condition_panel and panel_ax is not None else ax)
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
