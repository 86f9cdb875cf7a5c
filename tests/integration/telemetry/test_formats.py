"""Real device formats: VDA 5050 robots and Frigate cameras, through the same pipeline and rules."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.telemetry.store.tables import AMR_SAMPLES, CAMERA_DETECTIONS, DEVICE_STATUS
from tests.integration import steps
from tests.integration.telemetry.conftest import Field, in_window_now
from tests.integration.telemetry.formats import frigate_event, vda_connection, vda_state

FIXTURES = Path(__file__).parents[2] / "fixtures"


@pytest.fixture
def robots(field: Field) -> Field:
    """The campus robot trial, with one robot speaking VDA 5050."""
    api = field.api
    trial = steps.approved(api, kind="amr", start=in_window_now().date() - timedelta(days=5))
    device = api.call("POST", f"/trials/{trial['id']}/devices", "alpha",
                      {"serial": "NKC-0001", "model": "NKC-1", "identity": {"protocol": "vda5050",
                                                                              "manufacturer": "RobotNK"}}, expect=201)
    trial = steps.move(api, trial, "alpha", "activate")
    field.pipeline.registry.refresh()
    field.trial, field.drones = trial, [device["device"]["id"]]
    return field


def amr_rows(field: Field) -> list:
    with field.engine.connect() as connection:
        return list(connection.execute(select(AMR_SAMPLES).order_by(AMR_SAMPLES.c.seq)))


@pytest.mark.parametrize("version,major", [("2.0.0", "v2"), ("2.1.0", "v2"), ("3.0.0", "v3")])
def test_vda5050_state_becomes_amr_samples_on_the_site_map(robots: Field, version: str, major: str) -> None:
    t0 = in_window_now()
    topic = f"uagv/{major}/RobotNK/NKC-0001/state"
    result = robots.send((topic, vda_state(version, 1, t0, serial="NKC-0001", x=100.0, y=50.0, vx=0.8, battery=64.0)))
    assert (result.accepted, result.stored) == (1, 1), result.rejected_by_reason
    [row] = amr_rows(robots)
    assert (row.x, row.y, row.map_id, row.speed_mps, row.battery_pct) == (100.0, 50.0, "campus", 0.8, 64.0)
    # 100 m east and 50 m north of the map origin (10.0312 N, 105.7683 E):
    assert row.lat == pytest.approx(10.0312 + 50 / 110_574, abs=2e-6)
    assert row.lon == pytest.approx(105.7683 + 100 / (111_320 * 0.98478), abs=2e-6)
    assert row.seq == 1 and row.mission_id == "order-7" and row.heading_deg == 90.0


def test_vda5050_safety_and_connection_raise_incidents(robots: Field) -> None:
    t0 = in_window_now()
    state = "uagv/v2/RobotNK/NKC-0001/state"
    robots.send((state, vda_state("2.0.0", 1, t0, serial="NKC-0001", estop="MANUAL")),
                (state, vda_state("2.0.0", 2, t0 + timedelta(seconds=1), serial="NKC-0001", field_violation=True,
                                  errors=[{"errorType": "laserScanner", "errorLevel": "FATAL"}])),
                (state, vda_state("2.0.0", 3, t0 + timedelta(seconds=2), serial="NKC-0001", x=2000.0)),
                ("uagv/v2/RobotNK/NKC-0001/connection",
                 vda_connection("2.0.0", 1, t0 + timedelta(seconds=3), "CONNECTIONBROKEN", serial="NKC-0001")))
    found = {i["category"]: i for i in robots.api.call("GET", f"/trials/{robots.trial['id']}/incidents", "policy",
                                                       expect=200)["items"]}
    assert {"emergency_stop", "near_miss", "device_error", "geofence_breach", "link_lost"} <= set(found)
    assert not found["emergency_stop"]["ongoing"] and found["link_lost"]["ongoing"]
    with robots.engine.connect() as connection:
        [status] = connection.execute(select(DEVICE_STATUS)).all()
    assert (status.online, status.graceful) == (False, False)


def test_vda5050_messages_that_break_the_schema_or_come_from_strangers_are_dead_lettered(robots: Field) -> None:
    t0 = in_window_now()
    broken = json.loads(vda_state("2.0.0", 1, t0, serial="NKC-0001"))
    del broken["safetyState"]
    result = robots.send(
        ("uagv/v2/RobotNK/NKC-0001/state", json.dumps(broken).encode()),
        ("uagv/v2/RobotNK/NKC-0001/state", vda_state("3.0.0", 2, t0, serial="NKC-0001")),  # a v3 message on v2
        ("uagv/v2/Someone/XYZ/state", vda_state("2.0.0", 1, t0, serial="XYZ")),
        ("uagv/v2/RobotNK/NKC-0001/state", b"not json"),
    )
    assert result.rejected_by_reason == {"invalid": 2, "unknown_device": 1, "malformed": 1}


@pytest.fixture
def cameras(field: Field) -> Field:
    """The intersection camera trial, with one camera of a Frigate NVR."""
    api = field.api
    trial = steps.approved(api, kind="ai_camera", start=in_window_now().date() - timedelta(days=5))
    device = api.call("POST", f"/trials/{trial['id']}/devices", "alpha",
                      {"serial": "TV-T2-0001", "model": "TV-T2",
                       "identity": {"protocol": "frigate", "camera": "nga_tu_30_4", "topic_prefix": "frigate/sb0002",
                                    "frame_width": 1280, "frame_height": 720}}, expect=201)
    trial = steps.move(api, trial, "alpha", "activate")
    field.pipeline.registry.refresh()
    field.trial, field.drones = trial, [device["device"]["id"]]
    return field


def test_frigate_events_become_detections_once_per_tracked_object(cameras: Field) -> None:
    t0 = in_window_now()
    topic = "frigate/sb0002/events"
    result = cameras.send((topic, frigate_event("new", t0)), (topic, frigate_event("update", t0)),
                          (topic, frigate_event("end", t0)), (topic, frigate_event("new", t0)))  # a repeat
    assert (result.accepted, result.stored, result.rejected) == (4, 1, 0)
    with cameras.engine.connect() as connection:
        [row] = connection.execute(select(CAMERA_DETECTIONS)).all()
    assert (row.label, row.score, row.zone, row.track_id) == ("motorcycle", 0.87, "lane_1", "1607123955.475377-mxklsc")
    assert (row.x1, row.y1, row.x2, row.y2) == pytest.approx((424 / 1280, 500 / 720, 536 / 1280, 712 / 720))


def test_the_published_frigate_sample_is_read_and_unknown_keys_ignored(cameras: Field) -> None:
    sample = json.loads((FIXTURES / "frigate" / "event_update.json").read_text())
    sample["after"]["camera"] = "nga_tu_30_4"  # the documentation's camera is called front_door
    result = cameras.send(("frigate/sb0002/events", json.dumps(sample).encode()))
    assert (result.accepted, result.rejected) == (1, 0)  # an update: read, nothing new to record
    stranger = cameras.send(("frigate/sb0002/events", (FIXTURES / "frigate" / "event_update.json").read_bytes()))
    assert stranger.rejected_by_reason == {"unknown_device": 1}
