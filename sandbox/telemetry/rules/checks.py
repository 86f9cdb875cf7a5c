"""What a device's samples say about its envelope: pure, vectorised, no database.

``scan`` takes one device's samples of a batch (in time order) and returns, for each rule, the
*runs* of consecutive offending samples: where a run starts and ends, its severity, its worst
reading and its last. The episode logic (open, extend, close) works on runs, so a batch of
thousands of clean samples costs a few numpy comparisons, not thousands of Python calls.

Asia/Ho_Chi_Minh has kept UTC+07:00 without daylight saving since 1975, so local minutes and
weekdays of the operating windows are plain arithmetic on epoch seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
import shapely

from sandbox.telemetry.contract import AmrEvent, AmrSample, CameraStatus, UavEvent, UavSample
from sandbox.telemetry.rules.envelope import Envelope
from sandbox.trials.incident_kinds import IncidentCategory as C

__all__ = ["EPISODE_CATEGORIES", "Run", "event_incident", "scan"]

BATTERY_CRITICAL_PCT = 15.0  # below this a UAV must land now and a robot must dock
AMR_MOVING_MPS = 0.05  # slower than this a robot counts as standing still
SEVERE_FACTOR = 1.5  # half again over a limit is one severity step worse
LOCAL_OFFSET_S = 7 * 3600  # Asia/Ho_Chi_Minh
THURSDAY = 3  # 1970-01-01, day 0 of the epoch

# The episodes each kind's sample rules can open, so that a clean sample closes them.
EPISODE_CATEGORIES: dict[str, tuple[C, ...]] = {
    "agri_uav": (C.GEOFENCE_BREACH, C.HEIGHT_EXCEEDED, C.SPEED_EXCEEDED, C.OUTSIDE_WINDOW, C.BATTERY_CRITICAL),
    "amr": (C.GEOFENCE_BREACH, C.SPEED_EXCEEDED, C.OUTSIDE_WINDOW, C.BATTERY_CRITICAL, C.EMERGENCY_STOP,
            C.NEAR_MISS, C.DEVICE_ERROR),
    "ai_camera": (C.PRIVACY_BREACH,),
}


@dataclass(frozen=True, slots=True)
class Run:
    """Samples ``start`` to ``end - 1`` of the scanned list all break one rule."""

    start: int
    end: int
    severity: int
    first: dict[str, Any]
    worst: dict[str, Any]
    last: dict[str, Any]


def _inside_windows(envelope: Envelope, epoch_s: np.ndarray) -> np.ndarray:
    if not envelope.windows:
        return np.ones(len(epoch_s), dtype=bool)
    local = epoch_s + LOCAL_OFFSET_S
    minute = (local // 60) % 1440
    weekday = (local // 86_400 + THURSDAY) % 7
    inside = np.zeros(len(epoch_s), dtype=bool)
    for window in envelope.windows:
        days = np.isin(weekday, list(window.days))
        if window.start < window.end:
            inside |= days & (minute >= window.start) & (minute < window.end)
        else:  # past midnight: the early part belongs to the day before's window
            yesterday = np.isin((weekday - 1) % 7, list(window.days))
            inside |= (days & (minute >= window.start)) | (yesterday & (minute < window.end))
    return inside


def _outside_area(envelope: Envelope, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    if envelope.geofence is None:
        return np.zeros(len(lon), dtype=bool)
    known = ~(np.isnan(lon) | np.isnan(lat))
    outside = np.zeros(len(lon), dtype=bool)
    outside[known] = ~shapely.intersects_xy(envelope.geofence, lon[known], lat[known])  # on the edge counts as in
    return outside


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def _reading(items: Sequence[Any], index: int, **values: Any) -> dict[str, Any]:
    item = items[index]
    where = {"time": item.t.isoformat(), "lat": getattr(item, "lat", None), "lon": getattr(item, "lon", None)}
    return {**where, **values}


def _rule(items: Sequence[Any], mask: np.ndarray, severity: np.ndarray | int, excess: np.ndarray | None,
          describe: Any) -> list[Run]:
    """Runs of ``mask``; each with its highest severity and its first, worst (largest excess) and last reading."""
    found = []
    for start, end in _runs(mask):
        worst = start + int(np.argmax(excess[start:end])) if excess is not None else start
        level = int(np.max(severity[start:end])) if isinstance(severity, np.ndarray) else severity
        found.append(Run(start, end, level, describe(start), describe(worst), describe(end - 1)))
    return found


def _over_limit(items: Sequence[Any], values: np.ndarray, limit: float, active: np.ndarray, base: int,
                field: str) -> list[Run]:
    mask = active & (values > limit)
    severity = base + (values > limit * SEVERE_FACTOR).astype(int)
    excess = values - limit
    return _rule(items, mask, severity, excess, lambda i: _reading(
        items, i, **{field: round(float(values[i]), 3)}, limit=limit, excess=round(float(excess[i]), 3)))


def _breaches(envelope: Envelope, items: Sequence[Any], outside: np.ndarray, lat: np.ndarray, lon: np.ndarray,
              severity: int) -> list[Run]:
    """Geofence runs: samples further outside than the positioning's tolerance, with how far (metres, in UTM)."""
    distance = np.zeros(len(items))
    distance[outside] = envelope.distances_outside_m(lat[outside], lon[outside])
    breach = distance > envelope.geofence_tolerance_m
    return _rule(items, breach, severity, distance, lambda i: _reading(
        items, i, distance_outside_m=round(float(distance[i]), 1), excess=float(distance[i])))


def _battery_low(items: Sequence[Any], low: np.ndarray, battery: np.ndarray, severity: int) -> list[Run]:
    shortfall = BATTERY_CRITICAL_PCT - battery
    return _rule(items, low, severity, shortfall, lambda i: _reading(
        items, i, battery_pct=float(battery[i]), excess=float(shortfall[i])))


_UAV_READINGS = attrgetter("armed", "lat", "lon", "height_agl_m", "ground_speed_mps", "battery_pct")


def _uav(envelope: Envelope, items: Sequence[UavSample], epoch_s: np.ndarray) -> dict[C, list[Run]]:
    columns = np.array(list(map(_UAV_READINGS, items)), dtype=float).reshape(len(items), 6).T  # one pass, in C
    armed, lat, lon, height, speed, battery = columns[0].astype(bool), *columns[1:]
    runs: dict[C, list[Run]] = {}
    outside = armed & _outside_area(envelope, lon, lat)
    if outside.any():
        runs[C.GEOFENCE_BREACH] = _breaches(envelope, items, outside, lat, lon, 4)
    if envelope.max_height_m is not None:
        runs[C.HEIGHT_EXCEEDED] = _over_limit(items, height, envelope.max_height_m, armed, 3, "height_agl_m")
    if envelope.max_speed_mps is not None:
        runs[C.SPEED_EXCEEDED] = _over_limit(items, speed, envelope.max_speed_mps, armed, 2, "ground_speed_mps")
    late = armed & ~_inside_windows(envelope, epoch_s)
    runs[C.OUTSIDE_WINDOW] = _rule(items, late, 2, None, lambda i: _reading(items, i, excess=0))
    low = armed & (battery < BATTERY_CRITICAL_PCT)
    runs[C.BATTERY_CRITICAL] = _battery_low(items, low, battery, 3)
    return runs


def _amr(envelope: Envelope, items: Sequence[AmrSample], epoch_s: np.ndarray) -> dict[C, list[Run]]:
    nan = float("nan")
    lat = np.fromiter((nan if s.lat is None else s.lat for s in items), float, len(items))
    lon = np.fromiter((nan if s.lon is None else s.lon for s in items), float, len(items))
    speed = np.fromiter((s.speed_mps for s in items), float, len(items))
    battery = np.fromiter((s.battery_pct for s in items), float, len(items))
    moving = speed > AMR_MOVING_MPS
    flags = {C.EMERGENCY_STOP: (3, "emergency_stop"), C.NEAR_MISS: (2, "safety_field_violation"),
             C.DEVICE_ERROR: (3, "fatal_error")}
    runs: dict[C, list[Run]] = {}
    outside = _outside_area(envelope, lon, lat)
    if outside.any():
        runs[C.GEOFENCE_BREACH] = _breaches(envelope, items, outside, lat, lon, 3)
    if envelope.max_speed_mps is not None:
        runs[C.SPEED_EXCEEDED] = _over_limit(items, speed, envelope.max_speed_mps, np.ones(len(items), bool), 2,
                                             "speed_mps")
    late = moving & ~_inside_windows(envelope, epoch_s)
    runs[C.OUTSIDE_WINDOW] = _rule(items, late, 2, None, lambda i: _reading(items, i, excess=0))
    low = moving & (battery < BATTERY_CRITICAL_PCT)
    runs[C.BATTERY_CRITICAL] = _battery_low(items, low, battery, 2)
    for category, (severity, field) in flags.items():
        mask = np.fromiter((getattr(s, field) for s in items), bool, len(items))
        runs[category] = _rule(items, mask, severity, None, lambda i: _reading(items, i, excess=0))
    return runs


def _camera(envelope: Envelope, items: Sequence[CameraStatus]) -> dict[C, list[Run]]:
    if not envelope.privacy_masking_required:
        return {}
    exposed = np.fromiter((s.online and not s.privacy_masking for s in items), bool, len(items))
    return {C.PRIVACY_BREACH: _rule(items, exposed, 4, None, lambda i: _reading(items, i, privacy_masking=False,
                                                                                  excess=0))}


def scan(envelope: Envelope, kind: str, items: Sequence[Any]) -> dict[C, list[Run]]:
    """The runs of offending samples for each rule of ``kind``; ``items`` are samples in time order."""
    if not items:
        return {}
    epoch_s = np.fromiter((item.t.timestamp() for item in items), float, len(items))
    if kind == "agri_uav":
        return _uav(envelope, items, epoch_s)
    if kind == "amr":
        return _amr(envelope, items, epoch_s)
    return _camera(envelope, items)


_DEVICE_EVENTS: dict[str, tuple[C, int]] = {
    "failsafe": (C.FAILSAFE, 3),
    "collision": (C.COLLISION, 4),
    "emergency_stop": (C.EMERGENCY_STOP, 3),
    "near_miss": (C.NEAR_MISS, 2),
    "error": (C.DEVICE_ERROR, 2),
}


def event_incident(item: object) -> tuple[C, int, dict[str, Any]] | None:
    """The incident a device event reports, if it is one (a collision is; a take-off is not)."""
    if not isinstance(item, UavEvent | AmrEvent) or item.type not in _DEVICE_EVENTS:
        return None
    category, severity = _DEVICE_EVENTS[item.type]
    values: dict[str, Any] = {"event": item.type, "seq": item.seq, "detail": item.detail}
    if isinstance(item, UavEvent) and item.lat is not None:
        values.update(lat=item.lat, lon=item.lon)
    if isinstance(item, AmrEvent) and item.mission_id:
        values["mission_id"] = item.mission_id
    return category, severity, values
