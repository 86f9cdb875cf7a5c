"""Turning decoded items into rows of the time-series tables (values in ``row_columns`` order).

This runs for every sample, a hundred thousand a second: a row is the item's values as
``astuple`` gives them (in C) with the device, trial and reception time added, no Python per value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import repeat
from operator import add
from typing import Any

from msgspec.structs import astuple
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
from sandbox.telemetry.store.writer import Row, row_columns

__all__ = ["rows_of"]


def _detection(d: CameraDetection) -> tuple[Any, ...]:
    return (d.seq, d.t, d.label, d.score, *d.box, d.zone, d.track_id, d.violation)


def _uav_event(e: UavEvent) -> tuple[Any, ...]:
    return (e.seq, e.t, e.type, e.detail, None, None, None, e.lat, e.lon)


def _amr_event(e: AmrEvent) -> tuple[Any, ...]:
    return (e.seq, e.t, e.type, e.detail, e.mission_id, e.success, e.intervention, None, None)


def _in_field_order(struct: type, table: Table) -> Callable[[Any], tuple[Any, ...]] | None:
    """When a Struct's fields are the row's first columns, in order, its values are ``astuple``'s."""
    fields = struct.__struct_fields__
    if list(fields) == ["seq", "t", *row_columns(table)[2:-3]]:
        return astuple
    return None


_TABLES: dict[type, Table] = {
    UavSample: UAV_SAMPLES, CameraStatus: CAMERA_STATUS, CameraDetection: CAMERA_DETECTIONS, AmrSample: AMR_SAMPLES,
    UavEvent: DEVICE_EVENTS, AmrEvent: DEVICE_EVENTS, DeviceStatus: DEVICE_STATUS,
}
_BY_HAND: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    CameraDetection: _detection, UavEvent: _uav_event, AmrEvent: _amr_event,
}
_LAYOUT: dict[type, tuple[Table, Callable[[Any], tuple[Any, ...]]]] = {
    struct: (table, _BY_HAND.get(struct) or _in_field_order(struct, table))  # type: ignore[misc]
    for struct, table in _TABLES.items()
}


def rows_of(items: list[Any], device: KnownDevice, received_at: datetime) -> tuple[Table, list[Row]]:
    """The rows of one message's items (all of one type) for their table, in ``row_columns`` order."""
    table, values = _LAYOUT[type(items[0])]
    whose = (device.id, device.trial_id, received_at)
    return table, list(map(add, map(values, items), repeat(whose)))
