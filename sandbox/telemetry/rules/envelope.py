"""A trial's operating envelope as the live rules need it, built once from the plan in force.

Geofences are prepared shapely geometries (point-in-polygon for thousands of samples a second);
the same area projected to UTM zone 48N measures how far outside a device went, in metres. A position
read within ``GEOFENCE_TOLERANCE_M`` outside the fence is not a breach: that close, the positioning cannot
tell it from the edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from sandbox.clock import LOCAL_TZ
from sandbox.trials.geofence import to_shape
from sandbox.trials.plan import AmrEnvelope, CameraEnvelope, MapFrame, PlanContent, UavEnvelope

__all__ = ["GEOFENCE_TOLERANCE_M", "Envelope", "Window", "build_envelope", "map_to_wgs84"]

# How far outside its geofence a reported position may be before it counts as a breach, by kind: the error of
# the positioning itself. A drone's satellite fix without RTK corrections wanders a metre or two (a horizontal
# CEP of 1-2.5 m), so a drone taking off a metre inside the field's edge may read a few centimetres outside it;
# a robot localising against its map is off by centimetres.
GEOFENCE_TOLERANCE_M = {"agri_uav": 3.0, "amr": 0.5}

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@lru_cache(maxsize=1)
def _to_utm() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)


@lru_cache(maxsize=64)
def _from_local(origin_lat: float, origin_lon: float) -> Transformer:
    # Azimuthal equidistant centred on the map origin: metres east/north ↔ WGS84, exact at a campus' scale.
    local = f"+proj=aeqd +lat_0={origin_lat} +lon_0={origin_lon} +datum=WGS84 +units=m"
    return Transformer.from_crs(local, "EPSG:4326", always_xy=True)


def map_to_wgs84(frame: MapFrame, x: float, y: float) -> tuple[float, float]:
    """(lat, lon) of a point given in a robot's map frame."""
    angle = math.radians(frame.rotation_deg)
    east = x * math.cos(angle) - y * math.sin(angle)
    north = x * math.sin(angle) + y * math.cos(angle)
    lon, lat = _from_local(frame.origin_lat, frame.origin_lon).transform(east, north)
    return lat, lon


@dataclass(frozen=True, slots=True)
class Window:
    """A daily operating window in local minutes; ``end`` before ``start`` runs past midnight."""

    days: frozenset[int]
    start: int
    end: int

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(LOCAL_TZ)
        minute = local.hour * 60 + local.minute
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= minute < self.end
        # Overnight: the part after midnight belongs to the window that started the day before.
        if minute >= self.start:
            return local.weekday() in self.days
        return minute < self.end and (local.weekday() - 1) % 7 in self.days


@dataclass(frozen=True, slots=True)
class Envelope:
    kind: str
    geofence: BaseGeometry | None = None  # WGS84, prepared
    geofence_utm: BaseGeometry | None = None
    geofence_tolerance_m: float = 0.0
    max_height_m: float | None = None
    max_speed_mps: float | None = None
    windows: tuple[Window, ...] = ()
    privacy_masking_required: bool = False
    map_frames: dict[str, MapFrame] = field(default_factory=dict)

    def inside_window(self, moment: datetime) -> bool:
        return not self.windows or any(window.contains(moment) for window in self.windows)

    def distances_outside_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """How far outside the geofence each position is, in metres (0 inside or without a geofence)."""
        if self.geofence_utm is None:
            return np.zeros(len(lat))
        x, y = _to_utm().transform(lon, lat)
        return shapely.distance(self.geofence_utm, shapely.points(x, y))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def build_envelope(plan: PlanContent, kind: str) -> Envelope:
    envelope = plan.envelope
    # The product runs on the trial's sites only: a control site is worked without it (a drone over the
    # hand-sprayed control field is outside its envelope), and a robot keeps to its allowed zones.
    sites = [site for site in plan.sites if site.role == "trial"]
    if isinstance(envelope, AmrEnvelope):
        sites = [site for site in sites if site.name in envelope.allowed_zones]
    area = shapely.union_all([to_shape(site.geofence) for site in sites]) if sites and kind != "ai_camera" else None
    if area is not None:
        shapely.prepare(area)
    windows = tuple(
        Window(frozenset(_WEEKDAYS[d] for d in w.days), _minutes(w.start), _minutes(w.end))
        for w in (plan.schedule.operating_windows if plan.schedule else [])
    )
    return Envelope(
        kind=kind,
        geofence=area,
        geofence_utm=shapely.transform(area, _to_utm().transform, interleaved=False) if area is not None else None,
        geofence_tolerance_m=GEOFENCE_TOLERANCE_M.get(kind, 0.0),
        max_height_m=envelope.max_height_agl_m if isinstance(envelope, UavEnvelope) else None,
        max_speed_mps=(
            envelope.max_ground_speed_mps if isinstance(envelope, UavEnvelope)
            else envelope.max_speed_mps if isinstance(envelope, AmrEnvelope) else None
        ),
        windows=windows,
        privacy_masking_required=isinstance(envelope, CameraEnvelope) and envelope.privacy_masking_required,
        map_frames={site.map_frame.map_id: site.map_frame for site in plan.sites if site.map_frame},
    )
