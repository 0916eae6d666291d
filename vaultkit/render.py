"""A Figure to PNG bytes, fast and the same every time: a caching Agg canvas and a plain PNG writer.

Knows nothing of genes, plots or the vault: ``vaultkit.plots`` draws, this
turns what it drew into bytes.

Text costs most of a plot with Agg: every draw lays out each string again
(shaping) and rasterises each glyph again with FreeType. The renderer here
keeps both. A glyph's bitmap depends only on the glyph, the font size, the
rotation and where its origin falls inside a pixel (FreeType positions in
1/64 pixel): moved by whole pixels it is the same bitmap, moved. So a cache
keyed on that sub-pixel phase returns exactly the bitmap FreeType would
render, and the picture is the same pixels as matplotlib's own renderer
draws (``tests/test_plot_reuse.py`` compares them). It relies on the
glyph-by-glyph text path of matplotlib 3.11 (``FT2Font._layout``,
``_render_glyph``); where that path is missing, the stock renderer draws.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font

if TYPE_CHECKING:
    from collections.abc import Iterable

    from matplotlib.backend_bases import GraphicsContextBase
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

# Private text path of matplotlib 3.11; without it the caches stay off and the stock renderer draws.
TEXT_CACHE = all(hasattr(FT2Font, name) for name in ("_layout", "_render_glyph", "_set_transform")) and hasattr(
    RendererAgg, "_draw_text_glyphs_and_boxes"
)
# Bounds on the caches (entries): a long run of unique titles must not grow a worker without limit.
# A full cache is emptied, which changes no pixel, only the time.
_MAX_GLYPHS = 50_000
_MAX_LAYOUTS = 20_000

_glyphs: dict[tuple, tuple[np.ndarray, int, int]] = {}
_layouts: dict[tuple, list[tuple[Any, int, float, float]]] = {}
_heights: dict[tuple, tuple[float | None, float | None, float | None]] = {}


def _forget_fonts() -> None:
    """Empty the caches that hold FT2Font objects (the layouts and the glyph keys).

    A forked worker inherits the parent's fonts, and with them the open font
    file whose read position every sibling shares: two workers loading glyphs
    at once read each other's bytes ("FT_Load_Glyph ... invalid outline").
    matplotlib clears its own font cache in a forked child for this reason;
    ours must follow, or the child keeps drawing with the parent's objects.
    """
    _layouts.clear()
    _glyphs.clear()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_forget_fonts)


class CachingRenderer(RendererAgg):
    """RendererAgg whose text shaping, glyph bitmaps and font height metrics are kept between draws.

    Shaping is keyed as matplotlib keys its own text metrics: by the font
    properties, not by the rcParams a generic family ("sans-serif") is
    looked up in; vaultkit's plots name their font.
    """

    def draw_text(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: bool | str = False,
        mtext: Text | None = None,
    ) -> None:
        if ismath or not TEXT_CACHE:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        flags = get_hinting_flag()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (s, prop.copy(), self.dpi, flags, tuple(features) if features else features, language)
        items = _layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = [
                (it.ft_object, it.glyph_index, it.x, it.y)
                for it in font._layout(s, flags=flags, features=features, language=language)
            ]
            if len(_layouts) >= _MAX_LAYOUTS:
                _layouts.clear()
            _layouts[key] = items
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(gc, x, y, angle, ((f, size, g, 0, 1, dx, dy) for f, g, dx, dy in items), [])
        return None

    def _draw_text_glyphs_and_boxes(
        self, gc: GraphicsContextBase, x: float, y: float, angle: float, glyphs: Iterable[tuple], boxes: Iterable[tuple]
    ) -> None:
        if not TEXT_CACHE:
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
        from matplotlib.ft2font import RenderMode

        # The same arithmetic as RendererAgg's, so the same 26.6 positions reach FreeType.
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        height = self.height
        matrices: dict[tuple[float, float], np.ndarray] = {}
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
            tx = round(0x40 * (x + dx * cos - dy * sin))
            ty = round(0x40 * (height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font, size, self.dpi, glyph_index, slant, extend, angle, load_flags, antialiased, tx & 63, ty & 63)
            hit = _glyphs.get(key)
            if hit is None:
                matrix = matrices.get((slant, extend))
                if matrix is None:
                    matrix = matrices[slant, extend] = (
                        (0x10000 * np.array([[cos, -sin], [sin, cos]]) @ [[extend, extend * slant], [0, 1]])
                        .round()
                        .astype(int)
                    )
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [tx, ty])
                bitmap = font._render_glyph(
                    glyph_index, load_flags, RenderMode.NORMAL if antialiased else RenderMode.MONO
                )
                buffer = bitmap.buffer
                if not antialiased:
                    buffer *= 0xFF
                # Kept relative to the whole pixel of the origin: moved by whole pixels, the bitmap is the same.
                hit = (buffer, bitmap.left - (tx >> 6), bitmap.top - (ty >> 6))
                if len(_glyphs) >= _MAX_GLYPHS:
                    _glyphs.clear()
                _glyphs[key] = hit
            buffer, left, top = hit
            # draw_text_image's y is downwards & the bitmap bottom side.
            self._renderer.draw_text_image(
                buffer, left + (tx >> 6), int(height) - (top + (ty >> 6)) + buffer.shape[0], 0, gc
            )
        if boxes:
            super()._draw_text_glyphs_and_boxes(gc, x, y, angle, (), boxes)
        return None

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        """Ascent, descent and line gap of ``prop``'s font, as ``Text._get_layout`` computes them, kept.

        ``Text`` asks the renderer first (the hook the PDF backend uses) and
        otherwise reads the font's tables for every line of every text.
        """
        key = (prop.copy(), self.dpi)
        found = _heights.get(key)
        if found is None:
            found = _heights[key] = _font_height_metrics(prop, self.dpi)
        return found


def _font_height_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    """matplotlib 3.11's ``Text._get_layout`` computation of the font's vertical extent, unchanged."""
    from matplotlib.font_manager import fontManager, get_font

    font = get_font(fontManager._find_fonts_by_props(prop))
    possible = [("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"), ("hhea", "lineGap", "ascent", "descent")]
    for table_name, linegap_key, ascent_key, descent_key in possible:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        fontsize = prop.get_size_in_points()
        units_per_em = font.get_sfnt_table("head")["unitsPerEm"]
        scale = 1 / units_per_em * fontsize * dpi / 72
        return table[ascent_key] * scale, -table[descent_key] * scale, table[linegap_key] * scale
    return None, None, None


class Canvas(FigureCanvasAgg):
    """An Agg canvas that draws with CachingRenderer (kept, like Agg's own, while the size stays)."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def canvas_for(fig: Figure) -> Canvas:
    """``fig``'s canvas, made a Canvas if it is not one (as ``FigureCanvasAgg(fig)`` would)."""
    canvas = fig.canvas
    return canvas if isinstance(canvas, Canvas) else Canvas(fig)


def render_png(fig: Figure, text: dict[str, str]) -> bytes:
    """Draw ``fig`` at its own size and dpi; the PNG with ``text`` as tEXt chunks before the image data."""
    canvas = canvas_for(fig)
    canvas.draw()
    return encode_png(np.asarray(canvas.buffer_rgba()), text, dpi=fig.dpi)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(rgba: np.ndarray, text: dict[str, str], *, dpi: float) -> bytes:
    """An 8-bit PNG of ``rgba`` (rows top down): RGB when every pixel is opaque, else RGBA.

    No row filter and zlib's default level: a plot is large flat areas and
    thin antialiased lines, which filters make larger, not smaller, and
    cost time (Pillow's adaptive filter took a third of a plot's time).
    Text that is not Latin-1 goes in an iTXt chunk (UTF-8), as Pillow does.
    """
    height, width = rgba.shape[:2]
    pixels = rgba[:, :, :3] if bool((rgba[:, :, 3] == 255).all()) else rgba
    channels = pixels.shape[2]
    raw = np.zeros((height, width * channels + 1), dtype=np.uint8)  # a 0 (no filter) byte starts each row
    raw[:, 1:] = pixels.reshape(height, width * channels)
    ppm = int(dpi / 0.0254 + 0.5)
    out = [
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
    ]
    for key, value in text.items():
        try:
            out.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")))
        except UnicodeEncodeError:
            out.append(_chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8")))
    out += [_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)), _chunk(b"IEND", b"")]
    return b"".join(out)
