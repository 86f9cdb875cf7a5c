"""MAVLink flight logs imported into a trial: the same validation, storage and rules as live telemetry."""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

import pytest
from pymavlink import mavutil
from sqlalchemy import select

from sandbox.clock import utcnow
from sandbox.config import Settings
from sandbox.errors import InvalidInput
from sandbox.telemetry.importing import import_flight_log
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration.telemetry.conftest import INSIDE, Field

FIXTURES = Path(__file__).parents[2] / "fixtures"
ARDUPILOT_LOG = FIXTURES / "mavlink" / "test.BIN"  # a short simulated ArduPlane flight, recorded in 2017


def test_an_old_log_is_refused_unless_shifted_and_is_stored_once(field: Field, settings: Settings) -> None:
    drone = uuid.UUID(field.drones[0])
    old = import_flight_log(settings, drone, ARDUPILOT_LOG)
    assert old.stored == 0 and old.rejected == {"time_out_of_range": 1}
    replay = import_flight_log(settings, drone, ARDUPILOT_LOG, shift_to=utcnow(), start_at=INSIDE)
    assert (replay.samples, replay.stored, replay.rejected) == (17, 17, {})
    again = import_flight_log(settings, drone, ARDUPILOT_LOG, shift_to=replay.last, start_at=INSIDE)
    assert (again.stored, again.duplicates) == (0, 17)
    with field.engine.connect() as connection:
        rows = connection.execute(select(UAV_SAMPLES).order_by(UAV_SAMPLES.c.seq)).all()
    assert rows[0].lat == pytest.approx(INSIDE[0]) and rows[0].lon == pytest.approx(INSIDE[1])
    assert rows[0].flight_mode == "MANUAL" and rows[0].satellites == 11 and rows[0].gps_fix == 3
    # The log has no RemPct: BAT.CurrTot (24.2–24.3 mAh drawn by then) against BATT_CAPACITY 3300 mAh.
    assert 100 * (1 - 24.3 / 3300) <= rows[0].battery_pct <= 100 * (1 - 24.2 / 3300)
    assert not any(row.armed for row in rows)  # on the ground, below 2 m and 1 m/s


def write_tlog(path: Path, messages: list) -> None:
    """A telemetry log as ground stations record it: each packet after its 8-byte big-endian µs timestamp."""
    mavutil.set_dialect("ardupilotmega")
    mav = mavutil.mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    start = int(utcnow().timestamp() * 1e6) - len(messages) * 100_000
    with path.open("wb") as out:
        for index, message in enumerate(messages):
            out.write(struct.pack(">Q", start + index * 100_000) + message.pack(mav))


def test_a_telemetry_log_is_read_with_its_armed_state_and_battery(field: Field, settings: Settings,
                                                                   tmp_path: Path) -> None:
    mavlink = mavutil.mavlink
    armed = mavlink.MAV_MODE_FLAG_SAFETY_ARMED | mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
    path = tmp_path / "flight.tlog"
    write_tlog(path, [
        mavlink.MAVLink_heartbeat_message(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, armed, 3, 4, 3),
        mavlink.MAVLink_gps_raw_int_message(0, 3, 97805000, 1054670000, 10000, 100, 100, 500, 0, 14),
        mavlink.MAVLink_sys_status_message(0, 0, 0, 500, 22200, 1000, 81, 0, 0, 0, 0, 0, 0),
        *[mavlink.MAVLink_global_position_int_message(i * 100, int((INSIDE[0] + i * 1e-5) * 1e7),
                                                      int(INSIDE[1] * 1e7), 10000, (20 + i) * 1000, 500, 0, 0, 9000)
          for i in range(5)],
    ])
    report = import_flight_log(settings, uuid.UUID(field.drones[1]), path)
    assert (report.samples, report.stored) == (5, 5), report.rejected
    with field.engine.connect() as connection:
        rows = connection.execute(select(UAV_SAMPLES).order_by(UAV_SAMPLES.c.seq)).all()
    assert [row.height_agl_m for row in rows] == [20.0, 21.0, 22.0, 23.0, 24.0]
    assert all(row.armed and row.flight_mode == "AUTO" and row.battery_pct == 81 for row in rows)
    assert rows[0].ground_speed_mps == 5.0 and rows[0].heading_deg == 90.0


def test_a_file_that_is_not_a_flight_log_is_refused_clearly(field: Field, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InvalidInput, match=r"neither a \.tlog nor a \.bin"):
        import_flight_log(settings, uuid.UUID(field.drones[0]), tmp_path / "notes.txt")
    with pytest.raises(InvalidInput, match="no UAV is enrolled"):
        import_flight_log(settings, uuid.uuid4(), ARDUPILOT_LOG)
