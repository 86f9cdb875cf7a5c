"""What every chart of the report shares: the style, the "no data" placeholder, numbers on the axes, output.

Charts are plain `matplotlib.figure.Figure` objects, never pyplot's: nothing is registered in a global
figure manager, no display or GUI backend is touched, and a figure is freed as soon as it is written
(`to_svg`, `to_png`). PNG goes through the Agg canvas; SVG keeps text as paths, so the HTML shows the
same DejaVu Sans glyphs (Vietnamese included) on any machine without shipping a font.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from sandbox.evaluation.rendering.labels import label
from sandbox.evaluation.rendering.numbers import number
from sandbox.i18n import Language

__all__ = ["PLACEHOLDER", "STYLE", "hide_frame", "language_ticks", "placeholder", "style", "to_png", "to_svg"]

STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib and has every Vietnamese glyph
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10.0,
    "svg.fonttype": "path",  # text as outlines: self-contained, looks the same everywhere
    "svg.hashsalt": "sandbox-report",  # stable ids: the same report gives the same SVG
    "legend.frameon": False,
}
PNG_DPI = 150
PLACEHOLDER = "no data"  # the label of a placeholder figure


# rcParams are global to the process: reports drawn at once in two API worker threads take turns.
_DRAWING = threading.RLock()


@contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib settings, for drawing and saving (rcParams are read at both times)."""
    with _DRAWING, matplotlib.rc_context(STYLE):
        yield


def placeholder(language: Language, message: str | None = None, size: tuple[float, float] = (7.5, 1.6)) -> Figure:
    """A framed "Không có dữ liệu" / "No data" panel, so a chart without data is a visible statement."""
    with style():
        fig = Figure(figsize=size)
        fig.set_label(PLACEHOLDER)
        ax = fig.add_axes((0.01, 0.04, 0.98, 0.92))
        ax.set_axis_off()
        ax.add_patch(FancyBboxPatch(
            (0.01, 0.04), 0.98, 0.92, boxstyle="round,pad=0,rounding_size=0.04", transform=ax.transAxes,
            facecolor="#f4f4f4", edgecolor="#bdbdbd", linestyle="--"))
        ax.text(0.5, 0.5, message or label("no_data", language), transform=ax.transAxes, ha="center",
                va="center", fontsize=13, color="#616161")
    return fig


def language_ticks(axis: Axis, low: float, high: float, language: Language, bins: int = 5,
                   integer: bool = False) -> None:
    """Ticks between ``low`` and ``high`` labelled with the language's decimal mark (``0,5`` / ``0.5``)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return
    ticks = MaxNLocator(nbins=bins, integer=integer).tick_values(low, high)
    ticks = ticks[(ticks >= low - 1e-9 * abs(high - low)) & (ticks <= high + 1e-9 * abs(high - low))]
    # the fewest decimals that tell every tick apart: 0 · 2,5 · 5 · 7,5 · 10 needs one
    decimals = next((d for d in range(7) if np.allclose(ticks * 10**d, np.round(ticks * 10**d), atol=1e-6)), 6)
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: number(value, language, decimals)))


def hide_frame(ax: Axes, *, keep_bottom: bool = True) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_visible(keep_bottom)


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML prologue, no date), ready to inline; frees the figure."""
    buffer = io.BytesIO()
    try:
        with style():
            fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        fig.clear()
    return _XML_PROLOGUE.sub("", buffer.getvalue().decode("utf-8"), count=1).strip()


def to_png(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    """The figure as PNG through the Agg canvas (for the PDF); frees the figure."""
    buffer = io.BytesIO()
    try:
        with style():
            FigureCanvasAgg(fig)  # attaches itself: savefig below draws with Agg
            fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        fig.clear()
    return buffer.getvalue()
