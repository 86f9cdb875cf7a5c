"""Nothing lost, nothing duplicated: devices keep publishing while the ingester is killed, the database
restarts, or the broker restarts. Every published sample is counted in the database at the end.

Each test has a PostgreSQL cluster and a Mosquitto of its own, since it restarts them, and runs the
ingester as a real ``sandbox ingest`` process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sandbox.telemetry import contract
from tests.integration.telemetry.conftest import batch, in_window_now, uav
from tests.integration.telemetry.mqtt import DeviceClient, until
from tests.integration.telemetry.rig import DEVICES, Rig, rig_fixture  # noqa: F401 (the fixture "rig")

MESSAGES, SAMPLES_PER_MESSAGE = 120, 10
PUBLISH_EVERY_S = 0.05  # each device: 20 messages a second for six seconds


def publish_all(rig: Rig, fault: Callable[[], None]) -> None:
    """Every device publishes its messages at a steady pace; halfway through, the fault strikes."""
    t0 = in_window_now()
    clients = []
    for device in rig.secrets:
        client = DeviceClient(rig.broker.port, device, rig.secrets[device])
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600
        client.client.connect_async("127.0.0.1", rig.broker.port, clean_start=False, properties=properties)
        client.client.reconnect_delay_set(min_delay=1, max_delay=2)
        client.client.loop_start()
        clients.append(client)

    def device_loop(client: DeviceClient) -> None:
        topic = contract.topic(rig.trial["reference"], client.username, contract.Channel.TELEMETRY)
        for message in range(MESSAGES):
            samples = [uav(message * SAMPLES_PER_MESSAGE + i, t0 + timedelta(seconds=message + i / 10))
                       for i in range(SAMPLES_PER_MESSAGE)]
            client.publish(topic, batch(*samples, encoding="msgpack"))
            time.sleep(PUBLISH_EVERY_S)

    threads = [threading.Thread(target=device_loop, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    time.sleep(MESSAGES * PUBLISH_EVERY_S / 2)
    fault()
    for thread in threads:
        thread.join()
    expected = DEVICES * MESSAGES * SAMPLES_PER_MESSAGE
    until(lambda: all(len(c.answers) == MESSAGES for c in clients), 60, "every message acknowledged by the broker")
    codes = [str(reason) for c in clients for reason in c.answers.values() if reason.value != 0]
    try:
        until(lambda: rig.stored() == expected, 90, f"{expected} stored samples")
    except AssertionError:
        raise AssertionError(f"stored {rig.stored()} of {expected}; PUBACK codes other than success: {codes}; ingester log:\n{rig.log()[-4000:]}\n"
                             f"broker log:\n{rig.broker.log()[-2500:]}") from None
    time.sleep(1)  # anything delivered twice would show up now
    assert rig.stored() == expected
    for client in clients:
        client.close()


def test_an_ingester_killed_mid_stream_loses_and_duplicates_nothing(rig: Rig) -> None:
    rig.start_ingester()

    def kill_and_restart() -> None:
        rig.kill_ingester()
        time.sleep(1)
        rig.start_ingester(wait=False)  # its persistent session has kept the subscriptions and the messages

    publish_all(rig, kill_and_restart)


def test_a_database_restart_loses_and_duplicates_nothing(rig: Rig) -> None:
    rig.start_ingester()

    def restart_database() -> None:
        rig.database.pause()
        time.sleep(2)  # the ingester retries its batch meanwhile; devices keep publishing to the broker
        rig.database.resume()

    publish_all(rig, restart_database)


def test_a_broker_restart_with_persistence_loses_and_duplicates_nothing(rig: Rig) -> None:
    rig.start_ingester()
    publish_all(rig, rig.broker.restart)

