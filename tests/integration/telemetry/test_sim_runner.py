"""Simulated devices through the device client, a real Mosquitto and ingester: faults of the link and the wire."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from devices.client import DeviceClient
from devices.vda5050 import Vda5050
from sandbox.config import Settings
from sandbox.telemetry.contract import AmrSample, UavSample
from sandbox.telemetry.models import DeadLetter
from sandbox.telemetry.store.tables import AMR_SAMPLES, UAV_SAMPLES
from sims.amr import AmrSim
from sims.faults import Fault, inject
from sims.runner import Runner, SimDevice, WireFault
from sims.scenario import load, streams
from sims.uav import UavSim
from tests.integration import steps
from tests.integration.telemetry.conftest import Field, in_window_now
from tests.integration.telemetry.mqtt import broker_settings, running_ingester, until
from tests.integration.telemetry.test_sim_faults import FIELD_RING, incidents
from tests.services.mosquitto import ThrowawayMosquitto


@pytest.fixture
def settings(settings: Settings, mosquitto: ThrowawayMosquitto) -> Settings:
    return broker_settings(settings, mosquitto)


def drone(field: Field, mosquitto: ThrowawayMosquitto, tmp_path: Path, n: int = 0) -> DeviceClient:
    device = field.drones[n]
    return DeviceClient("127.0.0.1", mosquitto.port, trial=field.trial["reference"], device=device,
                        secret=field.secrets[device], outbox=tmp_path / f"{device}.outbox", max_backoff_s=2)


def stored(field: Field, n: int = 0) -> list:
    with field.engine.connect() as connection:
        return connection.execute(select(UAV_SAMPLES.c.seq, UAV_SAMPLES.c.time).where(
            UAV_SAMPLES.c.device_id == uuid.UUID(field.drones[n])).order_by(UAV_SAMPLES.c.time)).all()


def flight(start: datetime, minutes: float, seed: int = 2) -> list:
    return list(UavSim(FIELD_RING, seed=seed).work(start, start + timedelta(minutes=minutes)))


def local(moment: datetime) -> str:
    return moment.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+07:00").tzinfo).isoformat()[:19]


def test_a_lost_link_is_an_incident_and_what_was_kept_meanwhile_arrives_once(field: Field, settings: Settings,
                                                                             mosquitto, tmp_path: Path) -> None:
    start = in_window_now()
    items = flight(start, 15)
    lost = start + timedelta(minutes=3)
    device = SimDevice(drone(field, mosquitto, tmp_path), items, [WireFault("link_loss", lost, 120)])
    with running_ingester(settings):
        [sent] = Runner([device]).run().values()
        until(lambda: len(stored(field)) >= sent.samples, 60, f"{sent.samples} samples stored")
    rows = stored(field)
    assert sent.link_losses == 1 and len(rows) == sent.samples == sum(1 for i in items if hasattr(i, "armed"))
    assert [seq for seq, _ in rows] == sorted(seq for seq, _ in rows) and len({seq for seq, _ in rows}) == len(rows)
    [incident] = [i for i in incidents(field) if i["category"] == "link_lost"]
    assert not incident["ongoing"]
    began, ended = (datetime.fromisoformat(incident[k]) for k in ("started_at", "ended_at"))
    assert lost - timedelta(seconds=2) <= began <= lost  # when it was last heard, not when it connected
    assert timedelta(seconds=120) <= ended - lost <= timedelta(seconds=122)  # when it said it was back


def test_repeats_reordered_and_garbled_messages_lose_nothing_and_add_nothing(field: Field, settings: Settings,
                                                                          mosquitto, tmp_path: Path) -> None:
    start = in_window_now()
    items = flight(start, 15, seed=5)
    faults = [WireFault(kind, start + timedelta(seconds=offset))
              for kind, offset in (("duplicate", 200), ("out_of_order", 230), ("malformed", 260), ("duplicate", 290))]
    device = SimDevice(drone(field, mosquitto, tmp_path, 1), items, faults)
    with running_ingester(settings):
        [sent] = Runner([device]).run().values()
        until(lambda: len(stored(field, 1)) >= sent.samples, 60, f"{sent.samples} samples stored")
        with field.engine.connect() as connection:
            until(lambda: connection.execute(select(DeadLetter.reason)).all(), 30, "the garbled message's dead letter")
    assert (sent.duplicates, sent.reordered, sent.malformed) == (2, 1, 1)
    rows = stored(field, 1)
    assert len(rows) == len({seq for seq, _ in rows}) == sent.samples
    with field.engine.connect() as connection:
        letters = connection.execute(select(DeadLetter.reason, DeadLetter.device_id)).all()
    assert [(reason, str(device_id)) for reason, device_id in letters] == [("malformed", field.drones[1])]
    assert incidents(field) == []


def test_sandbox_sim_runs_a_scenario_file_and_each_fault_raises_its_incident(field: Field, settings: Settings,
                                                                            mosquitto, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sandbox.cli import main

    day = (in_window_now() + timedelta(hours=7)).date()  # a Monday to Saturday in Can Tho, in the trial
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(f"""
name = "every fault once"
seed = 3
first_day = "{day.isoformat()}"
message_s = 5
[[devices]]
name = "drone-1"
kind = "agri_uav"
windows = ["06:00-06:30"]
rate_hz = 2
faults = [
    {{ kind = "geofence_breach", at = "06:10", duration_s = 20 }},
    {{ kind = "malformed", at = "06:12" }},
    {{ kind = "link_loss", at = "06:15", duration_s = 60 }},
    {{ kind = "outside_window", at = "03:00" }},  # before dawn: whatever the hour the test runs, in the past
]
[[devices]]
name = "drone-2"
kind = "agri_uav"
windows = ["06:00-06:30"]
rate_hz = 1
""", encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({f"drone-{n + 1}": {"device": field.drones[n], "secret": field.secrets[field.drones[n]]}
                                for n in (0, 1)}))
    with running_ingester(settings):
        result = CliRunner(env={"LANG": "en_US.UTF-8"}).invoke(main, [
            "sim", str(scenario), "--trial", field.trial["reference"], "--credentials", str(keys),
            "--broker", f"mqtt://127.0.0.1:{mosquitto.port}"])
        assert result.exit_code == 0, result.output
        samples = [sum(1 for item in stream.items if isinstance(item, UavSample))
                   for stream in streams(load(scenario), day)]
        until(lambda: [len(stored(field, n)) for n in (0, 1)] == samples, 60, f"{samples} samples stored")
        until(lambda: {i["category"] for i in incidents(field)} >= {"geofence_breach", "link_lost", "outside_window"},
              30, "the incidents")
    assert "drone-1" in result.output and "drone-2" in result.output
    assert incidents(field) and all(i["device_id"] == field.drones[0] for i in incidents(field))
    assert Counter(i["category"] for i in incidents(field)) == Counter(
        {"geofence_breach": 1, "link_lost": 1, "outside_window": 1})
    with field.engine.connect() as connection:
        assert [r for (r,) in connection.execute(select(DeadLetter.reason))] == ["malformed"]


def test_a_robot_speaking_vda5050_sends_a_state_per_sample_and_its_link_on_connection(
        field: Field, settings: Settings, mosquitto, tmp_path: Path) -> None:
    start = in_window_now(working_days=5)  # the robot plan works Monday to Friday
    trial = steps.approved(field.api, kind="amr", start=start.date() - timedelta(days=5))
    enrolled = field.api.call("POST", f"/trials/{trial['id']}/devices", "alpha", {
        "serial": "NKC-0001", "model": "NKC-1", "identity": {"protocol": "vda5050", "manufacturer": "RobotNK"}},
        expect=201)
    field.trial = steps.move(field.api, trial, "alpha", "activate")
    robot_id = enrolled["device"]["id"]
    client = DeviceClient("127.0.0.1", mosquitto.port, trial=trial["reference"], device=robot_id,
                          secret=enrolled["mqtt_password"], outbox=tmp_path / "robot.outbox", max_backoff_s=2,
                          dialect=Vda5050("RobotNK", "NKC-0001", "2.0.0"))
    robot = AmrSim(seed=4)
    work = list(robot.work(start, start + timedelta(minutes=60)))
    driving = next(m.started for m in robot.missions if m.started)  # faults strike on its first delivery (17 min)
    items = list(inject(work, [Fault("collision", driving + timedelta(minutes=2), 20)]))
    lost = (driving + timedelta(minutes=5)).replace(microsecond=0)  # VDA 5050 times are whole milliseconds
    device = SimDevice(client, items, [WireFault("link_loss", lost, 60),
                                       WireFault("malformed", driving + timedelta(minutes=7))])
    with running_ingester(settings):
        [sent] = Runner([device]).run().values()

        def rows() -> list:
            with field.engine.connect() as connection:
                return connection.execute(select(AMR_SAMPLES.c.seq, AMR_SAMPLES.c.emergency_stop).where(
                    AMR_SAMPLES.c.device_id == uuid.UUID(robot_id)).order_by(AMR_SAMPLES.c.time)).all()
        until(lambda: len(rows()) >= sent.samples, 60, f"{sent.samples} robot samples stored")
        until(lambda: {"emergency_stop", "link_lost"} <= {i["category"] for i in incidents(field)}, 30,
              "the robot's incidents")
    samples = [item for item in items if isinstance(item, AmrSample)]
    assert sent.samples == sent.messages == len(samples) and sent.events == 0  # VDA 5050 has no event topic
    stored_rows = rows()
    assert [seq for seq, _ in stored_rows] == list(range(len(samples)))  # header ids: the client's numbering
    assert sum(stop for _, stop in stored_rows) == sum(s.emergency_stop for s in samples) > 0
    found = {i["category"]: i for i in incidents(field)}
    assert not found["link_lost"]["ongoing"]  # the robot said ONLINE on its connection topic when it was back
    began, ended = (datetime.fromisoformat(found["link_lost"][k]) for k in ("started_at", "ended_at"))
    assert lost - timedelta(seconds=2) <= began <= lost and timedelta(seconds=60) <= ended - lost <= timedelta(seconds=62)
    with field.engine.connect() as connection:
        assert [r for (r,) in connection.execute(select(DeadLetter.reason))] == ["malformed"]


def test_a_load_scenario_offers_n_devices_times_a_rate_and_every_sample_is_stored_once(
        field: Field, settings: Settings, mosquitto, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sandbox.cli import main

    local_start = in_window_now() + timedelta(hours=7)  # 07:00 in Can Tho, inside the plan's window
    scenario = tmp_path / "load.toml"
    scenario.write_text(f"""
name = "two drones, a little load"
first_day = "{local_start.date().isoformat()}"
[load]
devices = 2
messages_per_s = 100
samples_per_message = 20
seconds = 3
publishers = 2
at = "07:00"
""", encoding="utf-8")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({f"drone-{n}": {"device": d, "secret": field.secrets[d]}
                                for n, d in enumerate(field.drones)}))
    with running_ingester(settings):
        result = CliRunner(env={"LANG": "en_US.UTF-8"}).invoke(main, [
            "sim", str(scenario), "--trial", field.trial["reference"], "--credentials", str(keys),
            "--broker", f"mqtt://127.0.0.1:{mosquitto.port}"])
        assert result.exit_code == 0, result.output
        until(lambda: sum(len(stored(field, n)) for n in (0, 1)) >= 6_000, 60, "6,000 samples stored")
    for n in (0, 1):
        rows = stored(field, n)
        assert [seq for seq, _ in rows] == list(range(3_000))  # 150 messages of 20 samples, each once, in order
    assert "messages" in result.output and "300" in result.output and "6,000" in result.output
    assert incidents(field) == []  # a steady run inside the field and the window
