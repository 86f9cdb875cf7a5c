"""The trial's map: its sites and the devices' tracks, drawn from lon/lat without tiles or a network.

A map of a few hectares does not need a projection library: longitude is stretched by 1/cos(latitude)
(the axes' aspect), which makes a metre look the same length in both directions at the trial's latitude,
and the scale bar converts degrees to metres with the same factor (a degree of latitude ≈ 111.32 km; the
error over a paddy is far below what the eye sees). The north arrow points up because north is up.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.patheffects import withStroke
from shapely.geometry import Polygon

from sandbox.evaluation.rendering.figures import placeholder, style
from sandbox.evaluation.rendering.labels import label
from sandbox.evaluation.rendering.numbers import number
from sandbox.evaluation.report import ReportContent
from sandbox.i18n import Language

__all__ = ["scale_length_m", "site_map"]

M_PER_DEGREE = 111_320.0  # metres in a degree of latitude (and of longitude at the equator)
MIN_EXTENT_M = 200.0  # a single point or a tiny site still gets a readable frame
SITE_STYLES = {
    "trial": {"facecolor": "#a6d96a", "edgecolor": "#1a7837", "alpha": 0.45, "lw": 1.6, "ls": "-", "hatch": None},
    "control": {"facecolor": "#e7e1ef", "edgecolor": "#5e3c99", "alpha": 0.55, "lw": 1.4, "ls": "--",
                "hatch": "///"},
}
HALO = [withStroke(linewidth=3, foreground="white")]


def _ring(coordinates: list[list[float]], clockwise: bool) -> np.ndarray | None:
    """A closed ring of finite [lon, lat] points with the winding asked for (holes wind the other way)."""
    try:
        points = np.asarray([c[:2] for c in coordinates], dtype=float)
    except (TypeError, ValueError, IndexError):
        return None
    if points.ndim != 2 or points.shape[1] != 2:
        return None
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) < 3:
        return None
    if not np.array_equal(points[0], points[-1]):
        points = np.vstack([points, points[:1]])
    x, y = points[:, 0], points[:, 1]
    signed_area = float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))  # shoelace: > 0 counter-clockwise
    if (signed_area < 0) != clockwise:
        points = points[::-1]
    return points


def scale_length_m(width_m: float) -> float:
    """The longest 1, 2 or 5 × 10ⁿ metres within a third of the map's width."""
    target = max(width_m / 3, 1.0)
    power = 10 ** math.floor(math.log10(target))
    return max(step * power for step in (1, 2, 5) if step * power <= target)


def site_map(content: ReportContent, language: Language = "vi") -> Figure:
    """Trial sites filled green, control sites hatched violet, each labelled; one coloured line per device."""
    shapes: list[tuple[str, str, list[np.ndarray]]] = []  # (name, role, [exterior, *holes])
    for site in content.sites:
        for polygon in site.polygons or []:
            exterior = _ring(polygon[0], clockwise=False) if polygon else None
            if exterior is not None:
                holes = [h for h in (_ring(r, clockwise=True) for r in polygon[1:]) if h is not None]
                shapes.append((site.name, site.role, [exterior, *holes]))
    tracks = []
    for track in content.tracks:
        lon, lat = np.asarray(track.lon, dtype=float), np.asarray(track.lat, dtype=float)
        if lon.shape == lat.shape and lon.ndim == 1:
            keep = np.isfinite(lon) & np.isfinite(lat)
            if keep.any():
                tracks.append((track.name, lon[keep], lat[keep]))
    xs = [s[2][0][:, 0] for s in shapes] + [t[1] for t in tracks]
    ys = [s[2][0][:, 1] for s in shapes] + [t[2] for t in tracks]
    if not xs:
        return placeholder(language)
    x, y = np.concatenate(xs), np.concatenate(ys)
    if np.abs(y).max() > 89 or np.abs(x).max() > 180:
        return placeholder(language)
    latitude = (y.min() + y.max()) / 2
    stretch = math.cos(math.radians(latitude))
    half_w = max((x.max() - x.min()) / 2 * 1.12, MIN_EXTENT_M / 2 / (M_PER_DEGREE * stretch))
    half_h = max((y.max() - y.min()) / 2 * 1.12, MIN_EXTENT_M / 2 / M_PER_DEGREE)
    centre_x, centre_y = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    box = (0.02, 0.03, 0.68, 0.94)
    size = (7.5, 5.4)
    box_ratio = (box[3] * size[1]) / (box[2] * size[0])  # the axes' height over width, in inches
    if half_h / (half_w * stretch) < box_ratio:  # widen the shorter side so the box is filled, metres square
        half_h = half_w * stretch * box_ratio
    else:
        half_w = half_h / (stretch * box_ratio)
    with style():
        fig = Figure(figsize=size)
        ax = fig.add_axes(box)
        ax.set_facecolor("#f7f7f2")
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#9e9e9e")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlim(centre_x - half_w, centre_x + half_w)
        ax.set_ylim(centre_y - half_h, centre_y + half_h)
        ax.set_aspect(1 / stretch, adjustable="box")  # the limits above already fit the box
        _draw_sites(ax, shapes)
        handles: list = [Patch(facecolor=SITE_STYLES[r]["facecolor"], edgecolor=SITE_STYLES[r]["edgecolor"],
                               hatch=SITE_STYLES[r]["hatch"], ls=SITE_STYLES[r]["ls"],
                               label=label(f"{r}_site", language))
                         for r in ("trial", "control") if any(role == r for _, role, _ in shapes)]
        for index, (name, lon, lat) in enumerate(tracks):
            colour = _TRACK_COLOURS[index % len(_TRACK_COLOURS)]
            (line,) = ax.plot(lon, lat, color=colour, lw=1.2, alpha=0.9, zorder=3, label=name,
                              solid_joinstyle="round")
            ax.plot(lon[:1], lat[:1], "o", color=colour, ms=4, zorder=4)
            handles.append(line)
        _scale_bar(ax, stretch, language)
        _north_arrow(ax, language)
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7.5)
    return fig


_TRACK_COLOURS = ("#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#e377c2", "#8c564b", "#bcbd22", "#7f7f7f",
                  "#2ca02c", "#d62728")


def _draw_sites(ax: Axes, shapes: list[tuple[str, str, list[np.ndarray]]]) -> None:
    labelled: dict[str, tuple[float, np.ndarray, list[np.ndarray]]] = {}
    for name, role, rings in shapes:
        look = SITE_STYLES.get(role, SITE_STYLES["trial"])
        path = Path.make_compound_path(*(Path(r, closed=True) for r in rings))
        ax.add_patch(PathPatch(path, facecolor=look["facecolor"], alpha=look["alpha"], lw=0, zorder=1))
        ax.add_patch(PathPatch(path, facecolor="none", edgecolor=look["edgecolor"], lw=look["lw"], ls=look["ls"],
                               hatch=look["hatch"], zorder=2))
        area = abs(float(Polygon(rings[0]).area))
        if name not in labelled or area > labelled[name][0]:
            labelled[name] = (area, rings[0], rings[1:])
    for name, (_, exterior, holes) in labelled.items():
        try:
            point = Polygon(exterior, holes).representative_point()
            at = (point.x, point.y)
        except Exception:  # an invalid ring (self-crossing): its vertices' mean will do
            at = (float(exterior[:, 0].mean()), float(exterior[:, 1].mean()))
        ax.text(*at, name, ha="center", va="center", fontsize=8.5, fontweight="bold", color="#222222",
                path_effects=HALO, zorder=5, clip_on=True)


def _scale_bar(ax: Axes, stretch: float, language: Language) -> None:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    metres_per_degree = M_PER_DEGREE * stretch
    length_m = scale_length_m((x1 - x0) * metres_per_degree)
    length = length_m / metres_per_degree
    left, bottom, height = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0), 0.014 * (y1 - y0)
    ax.add_patch(Rectangle((left, bottom), length / 2, height, facecolor="#222222", edgecolor="#222222", zorder=6))
    ax.add_patch(Rectangle((left + length / 2, bottom), length / 2, height, facecolor="white",
                           edgecolor="#222222", zorder=6))
    text = f"{number(length_m / 1000, language, 0)} km" if length_m >= 1000 else f"{number(length_m, language, 0)} m"
    ax.text(left + length / 2, bottom + 1.8 * height, text, ha="center", va="bottom", fontsize=8,
            path_effects=HALO, zorder=6)


def _north_arrow(ax: Axes, language: Language) -> None:
    ax.annotate("", xy=(0.95, 0.92), xytext=(0.95, 0.80), xycoords="axes fraction", textcoords="axes fraction",
                arrowprops={"arrowstyle": "-|>,head_width=0.4,head_length=0.8", "color": "#222222", "lw": 1.8},
                zorder=6)
    ax.text(0.95, 0.93, label("north", language), transform=ax.transAxes, ha="center", va="bottom",
            fontsize=11, fontweight="bold", path_effects=HALO, zorder=6)
