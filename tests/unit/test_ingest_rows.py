"""Rows for the time-series tables: every value lands in its column, and new items are found again by position."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.telemetry.contract import (
    AmrEvent,
    AmrSample,
    CameraDetection,
    CameraStatus,
    DeviceStatus,
    UavEvent,
    UavSample,
)
from sandbox.telemetry.ingest.pipeline import _only
from sandbox.telemetry.ingest.rows import rows_of
from sandbox.telemetry.registry import KnownDevice
from sandbox.telemetry.store.writer import row_columns

T = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
RECEIVED = T + timedelta(seconds=1)


def known(trial: uuid.UUID) -> KnownDevice:
    return KnownDevice(id=uuid.uuid4(), trial_id=trial, trial_reference="CT-2026-001", kind="agri_uav",
                       protocol="sandbox", external_key=None, retired=False)


DEVICE = known(uuid.uuid4())

ITEMS = [
    UavSample(seq=7, t=T, lat=9.78, lon=105.47, height_agl_m=3.0, ground_speed_mps=6.0, heading_deg=90.0,
              battery_pct=80.0, flight_mode="AUTO", armed=True, spraying=True, flow_rate_lpm=6.0, tank_level_l=30.0,
              swath_width_m=7.0, gps_fix=3, satellites=18),
    UavEvent(seq=7, t=T, type="failsafe", detail="rc lost", lat=9.78, lon=105.47),
    CameraStatus(seq=7, t=T, online=True, fps=25.0, inference_latency_ms=40.0, temperature_c=41.0,
                 privacy_masking=True),
    CameraDetection(seq=7, t=T, label="motorbike", score=0.9, box=[0.1, 0.2, 0.3, 0.4], zone="stop_line",
                    track_id="t-1", violation="red_light"),
    AmrSample(seq=7, t=T, lat=10.03, lon=105.77, x=1.0, y=2.0, map_id="campus", speed_mps=1.2, heading_deg=10.0,
              battery_pct=55.0, mode="AUTOMATIC", emergency_stop=False, safety_field_violation=True,
              localisation_score=0.9, odometer_m=120.0, mission_id="m-1", fatal_error=False),
    AmrEvent(seq=7, t=T, type="intervention", mission_id="m-1", intervention="remote", detail="stuck"),
    DeviceStatus(seq=7, t=T, online=False, graceful=True, firmware="1.2.3", detail="bye"),
]
# What each column of the row must hold, where the column has a same-named field or a known source.
RENAMED = {"time": "t"}
BY_HAND = {
    CameraDetection: {"x1": 0.1, "y1": 0.2, "x2": 0.3, "y2": 0.4},
    UavEvent: {"mission_id": None, "success": None, "intervention": None},
    AmrEvent: {"lat": None, "lon": None},
}


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: type(item).__name__)
def test_every_value_lands_in_its_column(item) -> None:
    table, rows = rows_of([item], DEVICE, RECEIVED)
    names = row_columns(table)
    assert len(rows) == 1 and len(rows[0]) == len(names) == len(table.columns)
    row = dict(zip(names, rows[0], strict=True))
    assert (row["device_id"], row["trial_id"], row["received_at"]) == (DEVICE.id, DEVICE.trial_id, RECEIVED)
    expected = BY_HAND.get(type(item), {})
    for name, value in row.items():
        if name in ("device_id", "trial_id", "received_at"):
            continue
        source = RENAMED.get(name, name)
        wanted = expected[name] if name in expected else getattr(item, source)
        assert value == wanted, name


def test_rows_keep_the_items_order() -> None:
    samples = [UavSample(seq=n, t=T + timedelta(seconds=n), lat=9.78, lon=105.47, height_agl_m=3.0,
                         ground_speed_mps=6.0, heading_deg=0.0, battery_pct=80.0, flight_mode="AUTO", armed=True)
               for n in range(5)]
    _, rows = rows_of(samples, DEVICE, RECEIVED)
    assert [row[0] for row in rows] == [0, 1, 2, 3, 4]


def test_only_picks_the_stored_items_message_by_message() -> None:
    other = known(DEVICE.trial_id)
    parts = [(0, DEVICE, ["a0", "a1", "a2"]), (3, other, ["b0", "b1"]), (5, DEVICE, ["c0", "c1", "c2"])]
    assert _only(parts, [1, 2, 5, 7]) == [(0, DEVICE, ["a1", "a2"]), (5, DEVICE, ["c0", "c2"])]  # arrival kept
    assert _only(parts, [3]) == [(3, other, ["b0"])]
    assert _only(parts, []) == []
