"""The device client on a real Mosquitto and ingester: a broker outage or a device restart loses nothing."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg

from devices.client import DeviceClient
from tests.integration.telemetry.conftest import in_window_now, uav
from tests.integration.telemetry.mqtt import until
from tests.integration.telemetry.rig import Rig, rig_fixture  # noqa: F401 (the fixture "rig")

RATE_HZ, SECONDS = 50, 6


def arrivals(rig: Rig, device: str) -> list[int]:
    """The device's stored sequence numbers in the order the ingester received them."""
    url = rig.settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT seq FROM uav_samples WHERE device_id = %s ORDER BY received_at, seq",
                                  (uuid.UUID(device),)).fetchall()
    return [seq for (seq,) in rows]


def client_for(rig: Rig, device: str, outbox: Path) -> DeviceClient:
    return DeviceClient("127.0.0.1", rig.broker.port, trial=rig.trial["reference"], device=device,
                        secret=rig.secrets[device], outbox=outbox, batch_size=10, batch_delay_s=0.2, max_backoff_s=2)


def test_samples_taken_during_a_broker_outage_arrive_in_order_once(rig: Rig, tmp_path: Path) -> None:
    rig.start_ingester()
    device = next(iter(rig.secrets))
    client = client_for(rig, device, tmp_path / "drone.outbox")
    client.connect()
    t0 = in_window_now()
    backlog: list[int] = []

    def fly() -> None:
        for n in range(RATE_HZ * SECONDS):
            client.add(uav(client.next_seq(), t0 + timedelta(seconds=n / RATE_HZ)))
            time.sleep(1 / RATE_HZ)

    flight = threading.Thread(target=fly)
    flight.start()
    time.sleep(SECONDS / 3)
    rig.broker.stop()
    until(lambda: not client.connected, 10, "the device to notice the outage")
    time.sleep(SECONDS / 3)
    backlog.append(client.outbox.waiting())
    rig.broker.start()
    flight.join()
    assert client.wait_delivered(60), f"{client.waiting} messages still waiting"
    expected = RATE_HZ * SECONDS
    until(lambda: len(arrivals(rig, device)) >= expected, 60, f"{expected} stored samples")
    client.close()
    assert backlog[0] >= 5  # the outage really held messages back on the device
    assert arrivals(rig, device) == list(range(expected))  # each once, in the order taken


def test_a_device_restarted_while_offline_sends_what_it_stored(rig: Rig, tmp_path: Path) -> None:
    rig.start_ingester()
    device = next(iter(rig.secrets))
    outbox = tmp_path / "drone.outbox"
    rig.broker.stop()
    offline = client_for(rig, device, outbox)
    offline.start()
    t0 = in_window_now()
    for n in range(35):
        offline.add(uav(offline.next_seq(), t0 + timedelta(seconds=n / 10)))
    offline.flush()
    assert offline.waiting == 4
    offline.stop()  # the device powers off without having reached the broker
    offline.outbox.close()

    rig.broker.start()
    restarted = client_for(rig, device, outbox)
    restarted.connect()
    restarted.add(uav(restarted.next_seq(), t0 + timedelta(seconds=10)))
    assert restarted.close(30)
    until(lambda: len(arrivals(rig, device)) >= 36, 30, "36 stored samples")
    stored = arrivals(rig, device)
    assert stored[:35] == list(range(35)) and len(stored) == 36 and stored[35] >= 35
