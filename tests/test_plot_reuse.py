"""A reused figure draws each plot as a fresh process draws it: same bytes, nothing left of the plot before.

Also: the caching renderer draws matplotlib's own pixels, and the PNG writer
keeps them and the provenance chunks.
"""

from __future__ import annotations

import ast
import io
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vaultkit import plots, render
from vaultkit.plots import Painter, PlotData, png_bytes, png_text, scatter

TEXT = {"vaultkit:trait": "sPAP", "Title": "LIF · chr22:30,247,659-30,247,698 (GRCh38)"}


def _data(seed: int = 5, n: int = 24, **kw) -> PlotData:
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 2, n)
    y = 30 + 4 * x + rng.normal(0, 4, n)
    conds = tuple((["healthy", "pah", "ph-lung", "cteph"] * n)[:n])
    base = {
        "x": x,
        "y": y,
        "conditions": conds,
        "title": f"GENE{seed} · chr1:{seed:,}-{seed + 40:,} (GRCh38)",
        "xlabel": "ATAC-seq signal",
        "ylabel": "sPAP (mmHg)",
        "r": 0.8123,
        "p": 1.5e-6,
        "q": 2.5e-4,
        "n": n,
    }
    return PlotData(**{**base, **kw})


def _cases() -> list[PlotData]:
    """Plots of every shape a worker meets in one run, several of the same shape in a row."""
    gap = _data(7)
    gap.x[2] = np.nan  # one sample fewer: other counts in the legend
    few = _data(8, n=9)
    few.x[[0, 4, 8]] = 5.0  # healthy's three samples on one x: no fit line for it
    return [
        _data(1),
        _data(2),
        _data(3, r=-0.4, p=0.02, q=0.3),  # same shape, other values
        _data(4, plot_conditions=("healthy", "pah", "ph-lung")),
        _data(5, conditions=None),
        gap,
        few,
        _data(9, method="spearman", covariates=("age", "gender")),
        _data(10, condition_panel=True),
        _data(11, condition_panel=True),
        _data(12, condition_panel=True, plot_conditions=("pah", "cteph"), ylabel="mPAP (mmHg)"),
        _data(13, n=2),  # too few samples for any line
    ]


FRESH = (
    "import pickle, sys; from vaultkit.plots import Painter; data, text = pickle.load(sys.stdin.buffer); "
    "sys.stdout.buffer.write(Painter().png(data, text))"
)


def _fresh_process_png(data: PlotData) -> bytes:
    """The plot drawn alone by a new Python process: nothing drawn before it, no cache filled."""
    out = subprocess.run(
        [sys.executable, "-c", FRESH], input=pickle.dumps((data, TEXT)), capture_output=True, check=True
    )
    return out.stdout


def test_reuse_gives_the_bytes_of_a_fresh_process_in_any_order():
    cases = _cases()
    with ThreadPoolExecutor(2) as pool:
        fresh = list(pool.map(_fresh_process_png, cases))
    assert len(set(fresh)) == len(cases)
    order = list(range(len(cases)))
    rng = np.random.default_rng(0)
    for run in (order, order[::-1], [int(i) for i in rng.permutation(order)] * 2):
        painter = Painter()  # one worker drawing the plots in this order
        for i in run:
            assert painter.png(cases[i], TEXT) == fresh[i], f"plot {i} after plots {run[: run.index(i)]}"
    # A fresh figure in this process, and the pipeline's worker, agree too.
    assert [png_bytes(scatter(d), TEXT) for d in cases] == fresh


def _points(ax) -> set[tuple[float, float]]:
    from matplotlib.collections import PathCollection

    return {tuple(np.round(p, 9)) for c in ax.collections if isinstance(c, PathCollection) for p in c.get_offsets()}


def _visible(fig) -> dict:
    """Everything one can read off a figure: texts, legend, points, lines, limits."""
    out = {}
    for i, ax in enumerate(fig.axes):
        legend = ax.get_legend()
        out[i] = {
            "title": ax.get_title(),
            "labels": (ax.get_xlabel(), ax.get_ylabel()),
            "texts": [t.get_text() for t in ax.texts],
            "legend": [t.get_text() for t in legend.get_texts()] if legend else None,
            "points": _points(ax),
            "lines": [tuple(np.round(ln.get_xydata().ravel(), 9)) for ln in ax.lines],
            "patches": len(ax.patches),
            "collections": len(ax.collections),
            "limits": (ax.get_xlim(), ax.get_ylim()),
            "ticks": [t.get_text() for t in ax.get_xticklabels()],
        }
    return out


def test_nothing_of_the_plot_before_is_left():
    first = _data(1)
    second = _data(
        2,
        plot_conditions=("healthy", "pah"),
        title="OTHER · chr2:1-40 (GRCh38)",
        ylabel="mPAP (mmHg)",
        r=-0.2,
        p=0.5,
        q=0.9,
    )
    painter = Painter()
    painter.draw(first)
    reused = _visible(painter.draw(second))
    fresh = _visible(scatter(second))
    assert reused == fresh
    (ax,) = painter.draw(second).axes
    assert not any("cteph" in t.get_text() or "ph-lung" in t.get_text() for t in ax.get_legend().get_texts())
    assert not _points(ax) & {(round(a, 9), round(b, 9)) for a, b in zip(first.x, first.y, strict=True)}
    assert ax.texts[0].get_text().startswith("Pearson r = -0.200\np = 0.5")
    assert "GENE1" not in ax.get_title() and ax.get_ylabel() == "mPAP (mmHg)"


@pytest.mark.skipif(not plots._can_move(), reason="artists are made again on matplotlib < 3.11")
def test_same_shape_moves_the_artists_and_their_limits():
    painter = Painter()
    small = _data(1)
    wide = _data(2, x=_data(2).x * 10 - 40, r=0.3)  # other values, same conditions and counts
    (ax,) = painter.draw(small).axes
    artists = [*ax.collections, *ax.lines]
    legend = ax.get_legend()
    painter.draw(wide)
    assert [*ax.collections, *ax.lines] == artists and all(
        a is b for a, b in zip(artists, [*ax.collections, *ax.lines], strict=True)
    )
    assert ax.get_legend() is legend  # same entries: the legend is kept
    assert _visible(ax.figure) == _visible(scatter(wide))
    assert ax.get_xlim()[1] > 50  # the limits follow the new values, not the old ones


def test_panel_and_plain_figures_are_kept_apart():
    painter = Painter()
    plain = painter.draw(_data(1))
    wide = painter.draw(_data(2, condition_panel=True))
    assert plain is not wide and len(wide.axes) == 2 and len(plain.axes) == 1
    assert painter.draw(_data(3)) is plain
    assert _visible(painter.draw(_data(4, condition_panel=True))) == _visible(scatter(_data(4, condition_panel=True)))


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    image.load()
    return np.asarray(image.convert("RGBA"))


def test_the_picture_is_the_one_matplotlib_saves():
    """Style 4 changed the bytes, not the look: the pixels of savefig (Pillow, style 3) are ours."""
    for data in (_data(1), _data(9, method="spearman", covariates=("age", "gender"), condition_panel=True)):
        fig = scatter(data)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=plots.DPI)
        ours = png_bytes(fig, TEXT)
        assert np.array_equal(_pixels(buf.getvalue()), _pixels(ours))


def test_caching_renderer_draws_matplotlibs_pixels():
    """Text at many sub-pixel positions, rotated, with non-ASCII glyphs: cache hits must be FreeType's bitmaps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def draw(canvas_class) -> np.ndarray:
        fig = Figure(figsize=(4, 3), dpi=100)
        canvas = canvas_class(fig)
        for i in range(40):
            fig.text(
                0.01 + i * 0.0237,
                0.05 + (i % 7) * 0.13,
                f"ρ = -0.{i:03d} · µ",
                rotation=(0, 90, 33)[i % 3],
                fontsize=7 + i % 5,
            )
        canvas.draw()
        canvas.draw()  # the second draw is served from the caches
        return np.asarray(canvas.buffer_rgba()).copy()

    assert np.array_equal(draw(render.Canvas), draw(FigureCanvasAgg))


def test_png_writer_keeps_pixels_and_provenance():
    rng = np.random.default_rng(1)
    opaque = rng.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    png = render.encode_png(opaque, {"vaultkit:hash": "abc", "Title": "ρ · x"}, dpi=100)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB" and image.info["dpi"] == pytest.approx((100, 100), abs=0.01)
    assert np.array_equal(np.asarray(image), opaque[..., :3])
    assert image.info["Title"] == "ρ · x"  # not Latin-1: an iTXt chunk
    assert png_text(png, whole=True) == {"vaultkit:hash": "abc"}  # tEXt, before the image data
    see_through = opaque.copy()
    see_through[0, 0, 3] = 10
    image = Image.open(io.BytesIO(render.encode_png(see_through, {}, dpi=100)))
    assert image.mode == "RGBA" and np.array_equal(np.asarray(image), see_through)


def test_band_quantile_is_scipy_stats():
    from scipy.stats import t

    assert all(plots._t975(df) == t.ppf(0.975, df) for df in range(1, 300))


def test_render_knows_nothing_of_vaultkit():
    tree = ast.parse((Path(render.__file__)).read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {n for n in names if n.startswith(("vaultkit", "requests", "pandas", "scipy"))}


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this platform")
@pytest.mark.skipif(not render.TEXT_CACHE, reason="this matplotlib has no glyph path to cache: nothing is kept")
def test_forked_worker_draws_with_its_own_fonts():
    """A forked plot worker must not use the parent's font objects: siblings share their file's read position."""
    import multiprocessing

    png_bytes(scatter(_data()), TEXT)  # the parent's caches now hold its fonts
    assert render._layouts
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_cached_layouts) == 0
    assert render._layouts  # the parent keeps its own


def _cached_layouts() -> int:
    return len(render._layouts)
