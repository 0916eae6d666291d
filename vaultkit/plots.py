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

Drawing many plots, a worker keeps one Figure per layout (``Painter``) and
moves its artists to each plot's values instead of making a figure, axes
and ticks again; ``vaultkit.render`` keeps the text's shaping and glyphs
between plots. A plot's pixels do not depend on what was drawn before it.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

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
    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    fit = intercept + slope * grid
    if n < 3:
        return fit, np.zeros_like(grid)
    resid = y - (intercept + slope * x)
    s = np.sqrt(resid @ resid / (n - 2))
    sxx = ((x - x.mean()) ** 2).sum()
    half = _t975(n - 2) * s * np.sqrt(1.0 / n + (grid - x.mean()) ** 2 / sxx)
    return fit, half


@functools.cache
def _t975(df: int) -> float:
    """The t quantile of the band: ``scipy.stats.t.ppf(0.975, df)``, which is this function.

    ``scipy.special``'s compiled function (:mod:`vaultkit.special`) loads in a
    tenth of the time of ``scipy.special``, itself a third of ``scipy.stats``,
    which a worker process would otherwise import for this number alone.
    """
    from vaultkit.special import ufuncs

    return float(ufuncs().stdtrit(df, 0.975))


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
            out += [
                head + sep.rstrip(),
                textwrap.fill(tail, _WRAP, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False),
            ]
        else:
            out.append(textwrap.fill(line, _WRAP, subsequent_indent="  ", break_on_hyphens=False))
    return "\n".join(out)


@dataclass(frozen=True)
class _Mark:
    """One artist of the scatter as data: its kind, its look (with its legend label) and its values."""

    kind: str  # "points", "fit" (a condition's line), "band" (95% CI of all samples), "line" (their fit)
    look: tuple[str | None, ...]
    values: tuple[np.ndarray, ...]


def _marks(s: _Samples) -> list[_Mark]:
    """The scatter's artists in drawing order: per condition its points and line, then the band and the black line."""
    marks = []
    for cond in s.shown:
        sel = s.conds == cond
        color, marker = s.styles[cond]
        x, y = s.x[sel], s.y[sel]
        marks.append(_Mark("points", (color, marker, f"{cond} (n={int(sel.sum())})"), (x, y)))
        if sel.sum() >= 3 and np.ptp(x) > 0:
            sub = np.linspace(x.min(), x.max(), 50)
            marks.append(_Mark("fit", (color,), (sub, _fit_band(x, y, sub)[0])))
    if s.conds is None:
        marks.append(_Mark("points", (OKABE_ITO[0], None, None), (s.x, s.y)))
    if len(s.x) >= 3 and np.ptp(s.x) > 0:
        # All samples of the statistics, hidden conditions included: the line is the one r describes.
        grid = np.linspace(s.x.min(), s.x.max(), 100)
        fit, half = _fit_band(s.x, s.y, grid)
        marks.append(_Mark("band", (f"95% CI (all {len(s.x)})",), (grid, fit - half, fit + half)))
        marks.append(_Mark("line", (f"least squares (all {len(s.x)})",), (grid, fit)))
    return marks


def _add(ax: Axes, mark: _Mark) -> Artist:
    if mark.kind == "points":
        color, marker, label = mark.look
        return ax.scatter(
            *mark.values, s=36, color=color, marker=marker, edgecolor="white", linewidth=0.5, label=label, zorder=3
        )
    if mark.kind == "fit":
        return ax.plot(*mark.values, color=mark.look[0], linewidth=1.2, linestyle="--", zorder=2)[0]
    if mark.kind == "band":
        return ax.fill_between(*mark.values, color="0.6", alpha=0.3, linewidth=0, zorder=1, label=mark.look[0])
    return ax.plot(*mark.values, color="black", linewidth=1.8, zorder=4, label=mark.look[0])[0]


def _move(artist: Artist, mark: _Mark) -> None:
    """Give ``artist`` (made by ``_add`` for a mark of the same kind and look) the values of ``mark``."""
    if mark.kind == "points":
        artist.set_offsets(np.ma.column_stack(mark.values))  # as Axes.scatter stores them
    else:
        artist.set_data(*mark.values)  # Line2D, or the band's FillBetweenPolyCollection


@functools.cache
def _can_move() -> bool:
    """Whether artists may be moved rather than made again: where ``Axes.relim`` counts collections
    (matplotlib 3.11), the limits of moved artists are found exactly as adding them finds them."""
    import matplotlib

    return matplotlib.__version_info__[:2] >= (3, 11)


class _Scene:
    """One plot's artists on ``ax`` (and ``panel_ax``): made for the first plot, then moved to the next one's data.

    What a plot shows beyond its values (its conditions, their looks and
    counts, which lines there are) is its shape; a plot of another shape
    has its artists and legend made again, in the order a fresh figure
    makes them, so that the picture never depends on the plot before it.
    """

    def __init__(self, ax: Axes, panel_ax: Axes | None = None) -> None:
        self.ax, self.panel_ax = ax, panel_ax
        self._shape: tuple | None = None
        self._artists: list[Artist] = []
        self._box: Text | None = None
        self._drawn = False

    def draw(self, data: PlotData) -> None:
        ax = self.ax
        s = _samples(data)
        marks = _marks(s)
        shape = tuple((m.kind, m.look) for m in marks)
        if shape == self._shape and _can_move():
            for artist, mark in zip(self._artists, marks, strict=True):
                _move(artist, mark)
            ax.relim()  # the limits of these values alone, found as adding the artists finds them
            ax.autoscale_view()
        else:
            for artist in [*self._artists, *([self._box] if self._box else []), *([ax.legend_] if ax.legend_ else [])]:
                artist.remove()
            if self._drawn:
                ax.relim()  # forget the previous plot's limits (no artist left to count)
            self._artists = [_add(ax, m) for m in marks]
            self._box = None
            self._shape = shape
        ax.set_title(data.title)
        ax.set_xlabel(data.xlabel)
        ax.set_ylabel(data.ylabel)
        if not self._drawn:
            ax.grid(True, color="0.9", linewidth=0.8, zorder=0)
        panel = self.panel_ax if data.condition_panel else None
        if panel is not None:
            for artist in [*panel.collections, *panel.lines, *panel.patches] if self._drawn else []:
                artist.remove()  # the previous plot's boxes and points (cheap to make again, unlike the axes)
            _draw_panel(data, s, panel)
            # The panel's y is the scatter's x: the same range, so one can be read against the other.
            panel.set_ylim(ax.get_xlim())
        self._draw_key(data, panel if panel is not None else ax)
        self._drawn = True

    def _draw_key(self, data: PlotData, anchor: Axes) -> None:
        """The statistics box and, below it, the legend, in a column right of ``anchor``.

        Both belong to the scatter's axes. The legend's offset is the box's
        measured height, so a longer box (covariates, hidden conditions)
        pushes it down instead of covering it.
        """
        from matplotlib.transforms import ScaledTranslation

        ax = self.ax
        fig = ax.figure
        pad_pt = 4.0
        note = hidden_text(data)
        text = _wrapped(stats_text(data) + (f"\n{note}" if note else ""))
        if self._box is None:
            self._box = ax.text(
                1,
                1,
                text,
                va="top",
                ha="left",
                fontsize=10,
                transform=anchor.transAxes
                + ScaledTranslation((_KEY_GAP_PT + pad_pt) / 72, -pad_pt / 72, fig.dpi_scale_trans),
                bbox={"boxstyle": f"round,pad={pad_pt / 10}", "facecolor": "white", "edgecolor": "0.7"},
                clip_on=False,
                zorder=5,
            )
        else:
            self._box.set_text(text)
        height_in = self._box.get_window_extent().height / fig.dpi + 2 * pad_pt / 72 + 0.1
        under_box = anchor.transAxes + ScaledTranslation(_KEY_GAP_PT / 72, -height_in, fig.dpi_scale_trans)
        if ax.legend_ is None:
            ax.legend(
                loc="upper left",
                bbox_to_anchor=(1, 1),
                borderaxespad=0,
                frameon=True,
                framealpha=1,
                edgecolor="0.7",
                bbox_transform=under_box,
            )
        else:
            ax.legend_.set_bbox_to_anchor((1, 1), under_box)


def _draw_panel(data: PlotData, s: _Samples, ax: Axes) -> None:
    """The signal by condition: a box per drawn condition and its samples, jittered the same way every run."""
    from matplotlib.colors import to_rgba

    groups = (
        [(c, s.conds == c, *s.styles[c]) for c in s.shown]
        if s.conds is not None
        else [("all", np.ones(len(s.x), dtype=bool), OKABE_ITO[0], "o")]
    )
    for i, (_, sel, color, marker) in enumerate(groups):
        vals = s.x[sel]
        ax.boxplot(
            [vals],
            positions=[i],
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            manage_ticks=False,
            boxprops={"facecolor": to_rgba(color, 0.15), "edgecolor": color, "linewidth": 1.2},
            whiskerprops={"color": color, "linewidth": 1.2},
            capprops={"color": color, "linewidth": 1.2},
            medianprops={"color": color, "linewidth": 2.2},
            zorder=2,
        )
        jitter = ((np.arange(len(vals)) * _GOLDEN) % 1.0 - 0.5) * 0.36
        ax.scatter(i + jitter, vals, s=30, color=color, marker=marker, edgecolor="white", linewidth=0.5, zorder=3)
    ax.set_xticks(range(len(groups)), [g[0] for g in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylabel(data.xlabel)
    ax.set_title("by condition", fontsize=12)
    ax.grid(True, axis="y", color="0.9", linewidth=0.8, zorder=0)


def _new_figure(panel: bool) -> tuple[Axes, Axes | None]:
    """A figure of the fixed geometry: the scatter's axes, and the panel's with ``panel``."""
    from matplotlib.figure import Figure

    from vaultkit.render import Canvas

    size = PANEL_SIZE_IN if panel else SIZE_IN
    fig = Figure(figsize=size, dpi=DPI)
    Canvas(fig)  # measuring the statistics box needs a renderer
    w, h = size[0] * DPI, size[1] * DPI
    ax = fig.add_axes((_SCATTER_PX[0] / w, _SCATTER_PX[1] / h, _SCATTER_PX[2] / w, _SCATTER_PX[3] / h))
    panel_ax = fig.add_axes((_PANEL_PX[0] / w, _PANEL_PX[1] / h, _PANEL_PX[2] / w, _PANEL_PX[3] / h)) if panel else None
    return ax, panel_ax


class Painter:
    """Draws plot after plot on one Figure per layout (with or without the panel), made once.

    Making a figure, its axes and their ticks costs more than drawing the
    data, so a worker keeps one and moves its artists to each plot's data
    (``_Scene``). The Figure that ``draw`` returns is drawn over by the next
    call. The bytes of a plot are the same whatever was drawn before it.
    Not for use from two threads at once.
    """

    def __init__(self) -> None:
        self._scenes: dict[bool, _Scene] = {}

    def draw(self, data: PlotData) -> Figure:
        import matplotlib

        with matplotlib.rc_context(RC):
            scene = self._scenes.get(data.condition_panel)
            if scene is None:
                scene = self._scenes[data.condition_panel] = _Scene(*_new_figure(data.condition_panel))
            scene.draw(data)
        return scene.ax.figure

    def png(self, data: PlotData, text: dict[str, str]) -> bytes:
        """The plot of ``data`` as PNG bytes with ``text`` chunks (``png_bytes``)."""
        return png_bytes(self.draw(data), text)


def scatter(data: PlotData, ax: Axes | None = None, *, panel_ax: Axes | None = None) -> Figure:
    """Draw the association on ``ax`` (or a new Figure) and return the Figure.

    With ``data.condition_panel`` the signal by condition is drawn on
    ``panel_ax`` (a new Figure has one; ValueError if ``ax`` is given without
    it). The statistics box and the legend go right of the last panel.
    """
    import matplotlib

    if ax is None:
        return Painter().draw(data)
    if data.condition_panel and panel_ax is None:
        raise ValueError("condition_panel: pass panel_ax with ax")
    with matplotlib.rc_context(RC):
        _Scene(ax, panel_ax).draw(data)
    return ax.figure


def png_bytes(fig: Figure, text: dict[str, str]) -> bytes:
    """The figure as PNG at DPI with ``text`` chunks and nothing that varies between runs."""
    import matplotlib

    from vaultkit.render import render_png

    dpi = fig.dpi
    with matplotlib.rc_context(RC):
        if dpi == DPI:
            return render_png(fig, text)
        fig.set_dpi(DPI)
        try:
            return render_png(fig, text)
        finally:
            fig.set_dpi(dpi)


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
