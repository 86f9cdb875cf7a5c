"""Where a spraying drone actually sprayed: footprints, area sprayed, field coverage and overlap, in hectares.

Part of the pure core (shapely and pyproj; no database). Positions are WGS84; areas are measured in
UTM zone 48N (EPSG:32648), which covers the Mekong delta, so a hectare is a hectare.

A **pass** is a run of consecutive spraying samples of one sortie; its footprint is the pass's track
buffered by half the swath width with flat ends (the boom sprays across the track, not ahead of
it). The area sprayed is the union of the footprints; coverage is that union inside the field
polygon over the field's area; overlap is the share of the sprayed area under two footprints or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon

__all__ = ["M2_PER_HA", "Pass", "SprayedArea", "field_utm", "footprints", "overlap_ha", "passes", "sprayed_area", "to_utm"]

UTM_48N = "EPSG:32648"
M2_PER_HA = 10_000.0
MAX_GAP_S = 5.0  # a gap longer than this between two spraying samples ends a pass (a dropped link, a refill)
_TO_UTM = Transformer.from_crs("EPSG:4326", UTM_48N, always_xy=True)


def to_utm(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude and latitude to UTM 48N easting and northing, in metres."""
    x, y = _TO_UTM.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


@dataclass(frozen=True, slots=True)
class Pass:
    """One continuous spraying run: its track in UTM metres and the swath it sprayed."""

    x: np.ndarray
    y: np.ndarray
    swath_m: float


def passes(t_s: np.ndarray, lon: np.ndarray, lat: np.ndarray, spraying: np.ndarray, swath_m: np.ndarray,
           sortie: np.ndarray | None = None, max_gap_s: float = MAX_GAP_S) -> list[Pass]:
    """Split one device's samples (in time order) into spraying passes: a pass ends when spraying stops, when
    the sortie changes, or after a gap of more than ``max_gap_s`` seconds."""
    t = np.asarray(t_s, dtype=float)
    n = t.size
    arrays = [np.asarray(a) for a in (lon, lat, spraying, swath_m)]
    if any(a.shape != (n,) for a in arrays) or (sortie is not None and np.asarray(sortie).shape != (n,)):
        raise ValueError("t_s, lon, lat, spraying, swath_m (and sortie) must be 1-D arrays of one length")
    if n and np.any(np.diff(t) < 0):
        raise ValueError("the samples must be in time order")
    spray = arrays[2].astype(bool)
    swath = arrays[3].astype(float)
    x, y = to_utm(arrays[0], arrays[1])
    # A new run starts where spraying starts, after a long gap, or at a new sortie.
    breaks = np.ones(n, dtype=bool)
    if n > 1:
        same = spray[1:] & spray[:-1] & (np.diff(t) <= max_gap_s)
        if sortie is not None:
            labels = np.asarray(sortie)
            same &= labels[1:] == labels[:-1]
        breaks[1:] = ~same
    run = np.cumsum(breaks)
    found = []
    for label in np.unique(run[spray]):
        members = np.flatnonzero((run == label) & spray)
        width = float(np.median(swath[members]))
        if members.size >= 2 and width > 0:
            found.append(Pass(x[members], y[members], width))
    return found


@dataclass(frozen=True, slots=True)
class SprayedArea:
    sprayed_ha: float  # union of the footprints
    inside_field_ha: float  # union ∩ field
    field_ha: float
    overlap_ha: float  # under two footprints or more
    passes: int

    @property
    def coverage(self) -> float:
        """Share of the field sprayed (0–1); nan without a field."""
        return self.inside_field_ha / self.field_ha if self.field_ha > 0 else float("nan")

    @property
    def overlap(self) -> float:
        """Share of the sprayed area sprayed more than once (0–1); nan when nothing was sprayed."""
        return self.overlap_ha / self.sprayed_ha if self.sprayed_ha > 0 else float("nan")


def footprints(runs: Sequence[Pass]) -> np.ndarray:
    """The passes' footprints (an array of polygons), buffered together in one call: flat ends, round joins."""
    kept = [p for p in runs if p.x.size >= 2]
    if not kept:
        return np.empty(0, dtype=object)
    lines = shapely.linestrings(np.concatenate([np.column_stack([p.x, p.y]) for p in kept]),
                                indices=np.repeat(np.arange(len(kept)), [p.x.size for p in kept]))
    found = shapely.buffer(lines, np.array([p.swath_m / 2.0 for p in kept]), cap_style="flat", join_style="round")
    return found[~shapely.is_empty(found)]


def overlap_ha(footprints: np.ndarray) -> float:
    """The area under two footprints or more: the union of their pairwise intersections (pairs from an STR tree)."""
    if len(footprints) < 2:
        return 0.0
    left, right = shapely.STRtree(footprints).query(footprints, predicate="intersects")
    pairs = left < right
    if not pairs.any():
        return 0.0
    return float(shapely.union_all(shapely.intersection(footprints[left[pairs]], footprints[right[pairs]])).area
                 / M2_PER_HA)


def field_utm(field_lonlat: Sequence[tuple[float, float]]) -> Polygon:
    """A field's ring of (longitude, latitude) as a polygon in UTM metres; a ring crossing itself is refused."""
    field = shapely.transform(Polygon(field_lonlat), to_utm, interleaved=False)
    if not field.is_valid:
        raise ValueError("the field polygon is not valid (it crosses itself)")
    return field


def sprayed_area(runs: Sequence[Pass], field_lonlat: Sequence[tuple[float, float]] | None = None) -> SprayedArea:
    """Area sprayed, coverage of the field (a ring of (longitude, latitude)) and overlap of the passes."""
    found = footprints(runs)
    union = shapely.union_all(found) if len(found) else Polygon()
    field_ha, inside_ha = 0.0, 0.0
    if field_lonlat is not None:
        field = field_utm(field_lonlat)
        field_ha = field.area / M2_PER_HA
        inside_ha = union.intersection(field).area / M2_PER_HA
    return SprayedArea(union.area / M2_PER_HA, inside_ha, field_ha, overlap_ha(found), len(found))
