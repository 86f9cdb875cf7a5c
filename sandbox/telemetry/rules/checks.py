"""What one sample or event says about the envelope: pure functions, no database.

Each check returns the violations present in a single sample; the episode logic (open, extend,
close) is elsewhere. ``excess`` in a reading ranks how bad it is, so an episode keeps its worst.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely import Point

from sandbox.telemetry.contract import AmrEvent, AmrSample, CameraStatus, UavEvent, UavSample
from sandbox.telemetry.rules.envelope import Envelope
from sandbox.trials.incident_kinds import IncidentCategory as C

__all__ = ["EPISODE_CATEGORIES", "Violation", "event_incident", "violations"]

BATTERY_CRITICAL_PCT = 15.0  # below this a UAV must land now and a robot must dock
AMR_MOVING_MPS = 0.05  # slower than this a robot counts as standing still
SEVERE_FACTOR = 1.5  # half again over a limit is one severity step worse

# The episodes each kind's sample rules can open, so that a clean sample closes them.
EPISODE_CATEGORIES: dict[str, tuple[C, ...]] = {
    "agri_uav": (C.GEOFENCE_BREACH, C.HEIGHT_EXCEEDED, C.SPEED_EXCEEDED, C.OUTSIDE_WINDOW, C.BATTERY_CRITICAL),
    "amr": (C.GEOFENCE_BREACH, C.SPEED_EXCEEDED, C.OUTSIDE_WINDOW, C.BATTERY_CRITICAL, C.EMERGENCY_STOP,
            C.NEAR_MISS, C.DEVICE_ERROR),
    "ai_camera": (C.PRIVACY_BREACH,),
}


@dataclass(frozen=True, slots=True)
class Violation:
    category: C
    severity: int
    reading: dict[str, Any]


def _over(category: C, value: float, limit: float, base: int, field: str, where: dict[str, Any]) -> Violation:
    severity = base + 1 if value > limit * SEVERE_FACTOR else base
    return Violation(category, severity, {field: round(value, 3), "limit": limit,
                                          "excess": round(value - limit, 3), **where})


def _uav(envelope: Envelope, sample: UavSample) -> list[Violation]:
    if not sample.armed:
        return []
    where = {"time": sample.t.isoformat(), "lat": sample.lat, "lon": sample.lon}
    found = []
    if envelope.geofence is not None and not envelope.geofence.covers(Point(sample.lon, sample.lat)):
        outside = envelope.distance_outside_m(sample.lat, sample.lon)
        found.append(Violation(C.GEOFENCE_BREACH, 4, {"distance_outside_m": round(outside, 1), "excess": outside,
                                                       **where}))
    if envelope.max_height_m is not None and sample.height_agl_m > envelope.max_height_m:
        found.append(_over(C.HEIGHT_EXCEEDED, sample.height_agl_m, envelope.max_height_m, 3, "height_agl_m", where))
    if envelope.max_speed_mps is not None and sample.ground_speed_mps > envelope.max_speed_mps:
        found.append(_over(C.SPEED_EXCEEDED, sample.ground_speed_mps, envelope.max_speed_mps, 2, "ground_speed_mps",
                           where))
    if not envelope.inside_window(sample.t):
        found.append(Violation(C.OUTSIDE_WINDOW, 2, {**where, "excess": 0}))
    if sample.battery_pct < BATTERY_CRITICAL_PCT:
        found.append(Violation(C.BATTERY_CRITICAL, 3, {"battery_pct": sample.battery_pct,
                                                       "excess": BATTERY_CRITICAL_PCT - sample.battery_pct, **where}))
    return found


def _amr(envelope: Envelope, sample: AmrSample) -> list[Violation]:
    where = {"time": sample.t.isoformat(), "lat": sample.lat, "lon": sample.lon}
    moving = sample.speed_mps > AMR_MOVING_MPS
    found = []
    if envelope.geofence is not None and sample.lat is not None and sample.lon is not None \
            and not envelope.geofence.covers(Point(sample.lon, sample.lat)):
        outside = envelope.distance_outside_m(sample.lat, sample.lon)
        found.append(Violation(C.GEOFENCE_BREACH, 3, {"distance_outside_m": round(outside, 1), "excess": outside,
                                                       **where}))
    if envelope.max_speed_mps is not None and sample.speed_mps > envelope.max_speed_mps:
        found.append(_over(C.SPEED_EXCEEDED, sample.speed_mps, envelope.max_speed_mps, 2, "speed_mps", where))
    if moving and not envelope.inside_window(sample.t):
        found.append(Violation(C.OUTSIDE_WINDOW, 2, {**where, "excess": 0}))
    if moving and sample.battery_pct < BATTERY_CRITICAL_PCT:
        found.append(Violation(C.BATTERY_CRITICAL, 2, {"battery_pct": sample.battery_pct,
                                                       "excess": BATTERY_CRITICAL_PCT - sample.battery_pct, **where}))
    if sample.emergency_stop:
        found.append(Violation(C.EMERGENCY_STOP, 3, {**where, "excess": 0}))
    if sample.safety_field_violation:
        found.append(Violation(C.NEAR_MISS, 2, {**where, "excess": 0}))
    if sample.fatal_error:
        found.append(Violation(C.DEVICE_ERROR, 3, {**where, "excess": 0}))
    return found


def _camera(envelope: Envelope, status: CameraStatus) -> list[Violation]:
    if envelope.privacy_masking_required and status.online and not status.privacy_masking:
        return [Violation(C.PRIVACY_BREACH, 4, {"time": status.t.isoformat(), "privacy_masking": False, "excess": 0})]
    return []


def violations(envelope: Envelope, item: object) -> list[Violation]:
    """The envelope violations present in one sample (none for events and statuses)."""
    if isinstance(item, UavSample):
        return _uav(envelope, item)
    if isinstance(item, AmrSample):
        return _amr(envelope, item)
    if isinstance(item, CameraStatus):
        return _camera(envelope, item)
    return []


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
