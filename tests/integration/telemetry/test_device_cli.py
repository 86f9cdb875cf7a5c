"""``sandbox-device`` against a real Mosquitto and ingester: a sample, a replay, a MAVLink log flown live."""

from __future__ import annotations

import uuid
from itertools import pairwise
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import select

from devices.bridges.mavlink import read_flight_log
from devices.cli import main
from sandbox.config import Settings
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration.telemetry.conftest import INSIDE, Field, in_window_now, uav
from tests.integration.telemetry.mqtt import broker_settings, rows, running_ingester, until
from tests.services.mosquitto import ThrowawayMosquitto

ARDUPILOT_LOG = Path(__file__).parents[2] / "fixtures" / "mavlink" / "test.BIN"


@pytest.fixture
def settings(settings: Settings, mosquitto: ThrowawayMosquitto) -> Settings:
    return broker_settings(settings, mosquitto)


def device_args(field: Field, mosquitto: ThrowawayMosquitto, tmp_path: Path, secret: str | None = None) -> list[str]:
    drone = field.drones[0]
    return ["--port", str(mosquitto.port), "--trial", field.trial["reference"], "--device", drone,
            "--secret", secret or field.secrets[drone], "--outbox", str(tmp_path / "drone.outbox"), "--timeout", "15"]


def stored(field: Field) -> list:
    with field.engine.connect() as connection:
        return connection.execute(select(UAV_SAMPLES).where(UAV_SAMPLES.c.device_id == uuid.UUID(field.drones[0]))
                                  .order_by(UAV_SAMPLES.c.time)).all()


def test_a_person_sends_one_sample_and_it_is_stored(field: Field, settings: Settings, mosquitto, tmp_path) -> None:
    sample = msgspec.json.encode(uav(0, in_window_now(), at=INSIDE)).decode()
    with running_ingester(settings):
        assert main([*device_args(field, mosquitto, tmp_path), "send", sample.replace('"seq":0,', "")]) == 0
        until(lambda: rows(settings, UAV_SAMPLES) == 1, 15, "the sample stored")
    (row,) = stored(field)
    assert row.seq == 0 and row.lat == pytest.approx(INSIDE[0])


def test_bad_input_is_refused_with_a_reason_and_nothing_is_queued(field: Field, settings: Settings, mosquitto,
                                                                  tmp_path, capsys) -> None:
    args = device_args(field, mosquitto, tmp_path)
    assert main([*args, "send", "{not json"]) == 2
    assert "not JSON" in capsys.readouterr().err
    assert main([*args, "send", '{"lat": 200, "lon": 105.4, "height_agl_m": 20, "ground_speed_mps": 5}']) == 2
    assert "lat" in capsys.readouterr().err
    assert main([*args, "mavlink", str(tmp_path / "missing.bin")]) == 2
    assert "there is no file" in capsys.readouterr().err
    assert not (tmp_path / "drone.outbox").exists()  # checked before anything was opened or connected
    sample = msgspec.json.encode(uav(0, in_window_now(), at=INSIDE)).decode()
    assert main([*device_args(field, mosquitto, tmp_path, secret="guessed"), "send", sample]) == 3
    assert "could not connect" in capsys.readouterr().err
    assert rows(settings, UAV_SAMPLES) == 0


def test_a_mavlink_log_flies_as_a_live_uav_over_the_field(field: Field, settings: Settings, mosquitto,
                                                          tmp_path) -> None:
    recorded = read_flight_log(ARDUPILOT_LOG)
    at = f"{INSIDE[0]},{INSIDE[1]}"
    with running_ingester(settings):
        assert main([*device_args(field, mosquitto, tmp_path), "mavlink", str(ARDUPILOT_LOG), "--speed", "0",
                     "--at", at]) == 0
        until(lambda: rows(settings, UAV_SAMPLES) == len(recorded), 15, f"{len(recorded)} samples stored")
    flown = stored(field)
    assert [row.seq for row in flown] == list(range(len(recorded)))
    assert flown[0].lat == pytest.approx(INSIDE[0]) and flown[0].lon == pytest.approx(INSIDE[1])
    gaps = [(b.time - a.time) for a, b in pairwise(flown)]
    assert gaps == [(b.t - a.t) for a, b in pairwise(recorded)]  # the flight keeps its rhythm


def test_a_recording_is_replayed_faster_than_real_time(field: Field, settings: Settings, mosquitto,
                                                       tmp_path) -> None:
    t0 = in_window_now()
    recording = tmp_path / "flight.jsonl"
    recording.write_bytes(b"\n".join(msgspec.json.encode(uav(n, t0.replace(second=n))) for n in range(20)))
    with running_ingester(settings):
        assert main([*device_args(field, mosquitto, tmp_path), "replay", str(recording), "--speed", "50"]) == 0
        until(lambda: rows(settings, UAV_SAMPLES) == 20, 15, "20 samples stored")
    replayed = stored(field)
    span = (replayed[-1].time - replayed[0].time).total_seconds()
    assert span == pytest.approx(19 / 50, abs=1e-3)  # 19 s of recording compressed fifty times
