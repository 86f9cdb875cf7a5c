"""Turning decoded items into rows of the time-series tables, in each table's column order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from sandbox.telemetry.contract import (
    AmrEvent,
    AmrSample,
    CameraDetection,
    CameraStatus,
    DeviceStatus,
    UavEvent,
    UavSample,
)
from sandbox.telemetry.registry import KnownDevice
from sandbox.telemetry.store.tables import (
    AMR_SAMPLES,
    CAMERA_DETECTIONS,
    CAMERA_STATUS,
    DEVICE_EVENTS,
    DEVICE_STATUS,
    UAV_SAMPLES,
)
from sandbox.telemetry.store.writer import Row

__all__ = ["row_of"]


def _uav(s: UavSample) -> tuple[Any, ...]:
    return (s.lat, s.lon, s.height_agl_m, s.ground_speed_mps, s.heading_deg, s.battery_pct, s.flight_mode, s.armed,
            s.spraying, s.flow_rate_lpm, s.tank_level_l, s.swath_width_m, s.gps_fix, s.satellites)


def _camera_status(s: CameraStatus) -> tuple[Any, ...]:
    return (s.online, s.fps, s.inference_latency_ms, s.temperature_c, s.privacy_masking)


def _detection(d: CameraDetection) -> tuple[Any, ...]:
    return (d.label, d.score, *d.box, d.zone, d.track_id, d.violation)


def _amr(s: AmrSample) -> tuple[Any, ...]:
    return (s.lat, s.lon, s.x, s.y, s.map_id, s.speed_mps, s.heading_deg, s.battery_pct, s.mode, s.emergency_stop,
            s.safety_field_violation, s.localisation_score, s.odometer_m, s.mission_id, s.fatal_error)


def _uav_event(e: UavEvent) -> tuple[Any, ...]:
    return (e.type, e.detail, None, None, None, e.lat, e.lon)


def _amr_event(e: AmrEvent) -> tuple[Any, ...]:
    return (e.type, e.detail, e.mission_id, e.success, e.intervention, None, None)


def _status(s: DeviceStatus) -> tuple[Any, ...]:
    return (s.online, s.graceful, s.firmware, s.detail)


_LAYOUT: dict[type, tuple[Table, Callable[[Any], tuple[Any, ...]]]] = {
    UavSample: (UAV_SAMPLES, _uav),
    CameraStatus: (CAMERA_STATUS, _camera_status),
    CameraDetection: (CAMERA_DETECTIONS, _detection),
    AmrSample: (AMR_SAMPLES, _amr),
    UavEvent: (DEVICE_EVENTS, _uav_event),
    AmrEvent: (DEVICE_EVENTS, _amr_event),
    DeviceStatus: (DEVICE_STATUS, _status),
}


def row_of(item: Any, device: KnownDevice, received_at: datetime) -> tuple[Table, Row]:
    table, values = _LAYOUT[type(item)]
    return table, (device.id, device.trial_id, item.t, item.seq, received_at, *values(item))
