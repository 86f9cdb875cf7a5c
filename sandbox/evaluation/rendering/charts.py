"""The report's charts: KPIs against targets, the score's distribution, incidents over time, the map.

Each takes the report document and a language and returns a `Figure`; `to_svg` gives the HTML's inline
SVG and `to_png` the PDF's image (both free the figure). Each copes with missing data by drawing a
"Không có dữ liệu" / "No data" panel instead of raising. Colours are never the only carrier of meaning:
verdicts and severities are written beside them.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from datetime import timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sandbox.evaluation.rendering.figures import (
    hide_frame,
    language_ticks,
    placeholder,
    style,
    to_png,
    to_svg,
)
from sandbox.evaluation.rendering.labels import VERDICTS, label
from sandbox.evaluation.rendering.maps import site_map
from sandbox.evaluation.rendering.numbers import day_label, number, percent
from sandbox.evaluation.report import KpiRow, ReportContent
from sandbox.i18n import Language

__all__ = ["CHARTS", "SEVERITY_COLOURS", "VERDICT_COLOURS", "forest_plot", "incidents_over_time",
           "score_histogram", "site_map", "to_png", "to_svg"]

VERDICT_COLOURS = {"met": "#1a9850", "not_met": "#d73027", "inconclusive": "#e08c00", "no_data": "#9e9e9e"}
# Severity 1–3 in calm blues and sand, 4–5 in alarming reds: the eye goes to what may stop the trial.
SEVERITY_COLOURS = ("#c6dbef", "#6baed6", "#fdd08a", "#f03b20", "#8b0000")
MAX_DAYS = 400  # beyond this the incidents chart shows the days that have incidents only


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def forest_plot(content: ReportContent, language: Language = "vi") -> Figure:
    """Each KPI against its target as small multiples: one row per KPI, each on its own x scale and unit.

    Why not one axis with every KPI normalised (say, as a share of its target): a policy reader checks the
    number the plan promised — 4 ha/h, 98 % uptime, at most 2 breaches per 100 hours — and a normalised
    axis hides it, turns "lower is better" rows backwards and stretches small targets. Stacked rows that
    share only the layout keep each KPI in its unit with its target as a dashed line and its safety limit
    as a red dotted one; the interval's colour and the written verdict on the right say met / not met /
    inconclusive / no data, and an arrow says which way is better.
    """
    kpis = content.kpis
    if not kpis:
        return placeholder(language)
    row_in, top_in, bottom_in = 0.78, 0.55, 0.15
    height = top_in + bottom_in + row_in * len(kpis)
    with style():
        fig = Figure(figsize=(8.0, height))
        grid = fig.add_gridspec(len(kpis), 1, left=0.33, right=0.80, top=1 - top_in / height,
                                bottom=bottom_in / height, hspace=1.1)
        for position, kpi in enumerate(kpis):
            _forest_row(fig.add_subplot(grid[position]), kpi, language)
        handles = [Line2D([], [], color=VERDICT_COLOURS[v], lw=4, label=VERDICTS[v].in_(language))
                   for v in VERDICT_COLOURS]
        handles += [Line2D([], [], color="#333333", ls="--", lw=1.2, label=label("target", language)),
                    Line2D([], [], color="#b2182b", ls=":", lw=1.8, label=label("limit", language))]
        fig.legend(handles=handles, loc="upper center", ncol=6, fontsize=7.5, bbox_to_anchor=(0.5, 1.0),
                   handlelength=1.8, columnspacing=1.2)
    return fig


def _forest_row(ax: Axes, kpi: KpiRow, language: Language) -> None:
    colour = VERDICT_COLOURS.get(kpi.verdict, VERDICT_COLOURS["no_data"])
    values = [v for v in (kpi.estimate, kpi.low, kpi.high, kpi.target, kpi.limit) if _finite(v)]
    low_x, high_x = (min(values), max(values)) if values else (0.0, 1.0)
    span = high_x - low_x or max(abs(high_x) * 0.2, 1.0)
    low_x, high_x = low_x - 0.12 * span, high_x + 0.12 * span
    ax.set_xlim(low_x, high_x)
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    hide_frame(ax)
    ax.tick_params(axis="x", labelsize=7, length=2.5, pad=1.5)
    language_ticks(ax.xaxis, low_x, high_x, language, bins=5)
    if _finite(kpi.target):
        ax.axvline(kpi.target, color="#333333", ls="--", lw=1.2, zorder=1)
    if _finite(kpi.limit):
        ax.axvline(kpi.limit, color="#b2182b", ls=":", lw=1.8, zorder=1)
    low = kpi.low if kpi.low is not None and not math.isnan(kpi.low) else None
    high = kpi.high if kpi.high is not None and not math.isnan(kpi.high) else None
    if low is not None or high is not None:  # an infinite bound runs to the edge of the row
        left = low_x if low is None or math.isinf(low) else low
        right = high_x if high is None or math.isinf(high) else high
        ax.hlines(0, left, right, color=colour, lw=4, alpha=0.85, zorder=2, capstyle="butt")
    if _finite(kpi.estimate):
        ax.plot([kpi.estimate], [0], "o", ms=8, color=colour, mec="white", mew=1.2, zorder=3)
    else:
        ax.text(0.5, 0.0, label("no_data", language), transform=ax.get_yaxis_transform(), ha="center",
                va="center", fontsize=8, style="italic", color="#757575")
    unit = f" ({kpi.unit})" if kpi.unit else ""
    name = textwrap.fill(f"{kpi.name}{unit}", 34, max_lines=3, placeholder="…")
    ax.text(-0.03, 0.5, name, transform=ax.transAxes, ha="right", va="center", fontsize=8, linespacing=1.15)
    better = label("better_right" if kpi.direction == "higher_is_better" else "better_left", language)
    ax.text(1.03, 0.62, VERDICTS[kpi.verdict].in_(language) if kpi.verdict in VERDICTS else kpi.verdict,
            transform=ax.transAxes, ha="left", va="center", fontsize=8.5, color=colour, fontweight="bold")
    ax.text(1.03, 0.05, better, transform=ax.transAxes, ha="left", va="center", fontsize=7, color="#757575")


def score_histogram(content: ReportContent, language: Language = "vi") -> Figure:
    """The Monte Carlo distribution of the impact score, the rollout threshold and P(score ≥ threshold).

    Bars at or above the threshold are green: their share is the probability written on the line. The
    95% interval is shaded; the dashed line is the score at the KPIs' point estimates.
    """
    score = content.score
    if score is None:
        return placeholder(language)
    counts = np.asarray(score.histogram, dtype=float)
    edges = np.asarray(score.bin_edges, dtype=float)
    if counts.size == 0 or edges.size != counts.size + 1 or not np.all(np.isfinite(edges)) or counts.sum() <= 0:
        return placeholder(language)
    shares = counts / counts.sum() * 100
    with style():
        fig = Figure(figsize=(7.5, 3.2))
        ax = fig.add_axes((0.09, 0.16, 0.88, 0.70))
        if _finite(score.low) and _finite(score.high):
            ax.axvspan(score.low, score.high, color="#4575b4", alpha=0.12, lw=0,
                       label=f"{label('interval95', language)}")
        above = edges[:-1] >= score.threshold - 1e-9
        ax.bar(edges[:-1], shares, width=np.diff(edges), align="edge", edgecolor="white", lw=0.4,
               color=np.where(above, "#66bd63", "#9ab3cf").tolist())
        top = float(shares.max()) * 1.25
        ax.set_ylim(0, top)
        ax.set_xlim(float(edges[0]), float(edges[-1]))
        if _finite(score.point):
            ax.axvline(score.point, color="#4d4d4d", ls="--", lw=1.1, label=label("point", language))
        if _finite(score.threshold):
            ax.axvline(score.threshold, color="#111111", lw=1.8, label=label("threshold", language))
            text = (f"P({label('score', language).lower()} ≥ {number(score.threshold, language, 0)}) = "
                    f"{percent(score.probability, language)}")
            right_side = score.threshold < (edges[0] + edges[-1]) / 2
            ax.text(score.threshold, top * 0.97, f" {text} " if right_side else f"{text} ",
                    ha="left" if right_side else "right", va="top", fontsize=9, fontweight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
        language_ticks(ax.xaxis, float(edges[0]), float(edges[-1]), language, bins=10)
        language_ticks(ax.yaxis, 0.0, top, language, bins=5)
        ax.set_xlabel(label("score", language))
        ax.set_ylabel(label("share_draws", language))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize=7.5)
    return fig


def incidents_over_time(content: ReportContent, language: Language = "vi") -> Figure:
    """Incidents per local day, stacked by severity 1–5 (4–5 in reds); days without incidents stay visible."""
    days = sorted(content.incidents, key=lambda d: d.day)
    if not days:
        return placeholder(language)
    by_day = {d.day: d.by_severity for d in days}
    first, last = days[0].day, days[-1].day
    if (last - first).days <= MAX_DAYS:  # the calendar without gaps: quiet days are part of the story
        calendar = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    else:
        calendar = [d.day for d in days]
    counts = np.zeros((5, len(calendar)))
    for column, day in enumerate(calendar):
        for severity, count in enumerate(list(by_day.get(day, []))[:5]):
            counts[severity, column] = max(0, count) if count is not None else 0
    with style():
        fig = Figure(figsize=(7.5, 3.0))
        ax = fig.add_axes((0.08, 0.2, 0.78, 0.72))
        x = np.arange(len(calendar))
        bottom = np.zeros(len(calendar))
        for severity in range(5):
            ax.bar(x, counts[severity], bottom=bottom, width=0.8, color=SEVERITY_COLOURS[severity],
                   edgecolor="white", lw=0.3, label=f"{label('severity', language)} {severity + 1}")
            bottom += counts[severity]
        top = max(float(bottom.max()), 1.0) * 1.15
        ax.set_ylim(0, top)
        ax.set_xlim(-0.6, len(calendar) - 0.4)
        step = max(1, math.ceil(len(calendar) / 14))
        ax.set_xticks(x[::step], [day_label(d, language) for d in calendar[::step]], fontsize=7.5)
        language_ticks(ax.yaxis, 0.0, top, language, bins=5, integer=True)
        ax.set_ylabel(label("incidents_per_day", language))
        if bottom.sum() == 0:
            ax.text(0.5, 0.5, label("no_incidents", language), transform=ax.transAxes, ha="center",
                    va="center", color="#616161", fontsize=11)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5)
    return fig


Chart = Callable[[ReportContent, Language], Figure]
CHARTS: dict[str, Chart] = {
    "forest": forest_plot,
    "score": score_histogram,
    "incidents": incidents_over_time,
    "map": site_map,
}
