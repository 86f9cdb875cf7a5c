"""The embedded broker enforces what Mosquitto's dynamic security does, and the ingester works through it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.orm import sessionmaker

from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry.broker.accounts import DatabaseAuthenticator
from sandbox.telemetry.broker.embedded import EmbeddedBroker
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration.telemetry.conftest import Field, batch, in_window_now, uav
from tests.integration.telemetry.mqtt import DeviceClient, rows, running_ingester, until

INGESTER_PASSWORD = "embedded-ingester-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, embedded_mqtt_port=free_port(), mqtt_password=INGESTER_PASSWORD,
                   ingester_id="embedded-ingester")


@pytest.fixture
def broker(settings: Settings) -> Iterator[EmbeddedBroker]:
    engine = make_engine(settings.database_url)
    authenticator = DatabaseAuthenticator(sessionmaker(engine), settings.mqtt_username, INGESTER_PASSWORD)
    broker = EmbeddedBroker(authenticator, port=settings.embedded_mqtt_port)
    broker.start_in_thread()
    yield broker
    broker.stop_thread()
    engine.dispose()


def test_devices_stream_through_the_embedded_broker(field: Field, settings: Settings, broker: EmbeddedBroker) -> None:
    t0 = in_window_now()
    device = DeviceClient(broker.port, field.drones[0], field.secrets[field.drones[0]])
    assert device.connect()
    with running_ingester(replace(settings, ingest_share_group="sandbox-ingest")):
        for message in range(10):
            samples = [uav(message * 5 + i, t0 + timedelta(seconds=message * 5 + i)) for i in range(5)]
            device.publish(field.topic(device.username), batch(*samples, encoding="msgpack"))
        assert all(not reason.is_failure for reason in device.wait_answers(10).values())
        until(lambda: rows(settings, UAV_SAMPLES) == 50, 15, "50 stored samples")
    device.close()


def test_the_embedded_broker_refuses_what_mosquitto_refuses(field: Field, settings: Settings,
                                                             broker: EmbeddedBroker) -> None:
    drone, other = field.drones
    assert not DeviceClient(broker.port, drone, "wrong password").connect()
    assert not DeviceClient(broker.port, drone, field.secrets[drone], client_id=other).connect()
    device = DeviceClient(broker.port, drone, field.secrets[drone])
    assert device.connect()
    mid = device.publish(field.topic(other), batch(uav(1, in_window_now())))
    assert device.wait_answers(1)[mid].is_failure
    granted: list[object] = []
    done = threading.Event()

    def on_subscribe(_c, _u, _mid, codes, _p) -> None:
        granted.extend(codes)
        done.set()

    device.client.on_subscribe = on_subscribe
    device.client.subscribe("sandbox/v1/#", qos=1)  # a device may not listen to others
    assert done.wait(5) and granted[0].is_failure
    device.close()


def test_an_ingester_that_drops_gets_its_unacknowledged_messages_again(field: Field, settings: Settings,
                                                                      broker: EmbeddedBroker) -> None:
    received: list[int] = []

    def listener(ack: bool) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="listener", protocol=mqtt.MQTTv5,
                             manual_ack=True)
        client.username_pw_set(settings.mqtt_username, INGESTER_PASSWORD)

        def on_message(c, _u, message) -> None:
            received.append(message.mid)
            if ack:
                c.ack(message.mid, message.qos)

        client.on_message = on_message
        client.on_connect = lambda c, *_: c.subscribe("sandbox/v1/#", qos=1)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 300
        client.connect("127.0.0.1", broker.port, clean_start=False, properties=properties)
        client.loop_start()
        return client

    first = listener(ack=False)
    until(lambda: "listener" in broker.sessions and broker.sessions["listener"].subscriptions, 5, "subscription")
    device = DeviceClient(broker.port, field.drones[0], field.secrets[field.drones[0]])
    assert device.connect()
    for seq in range(3):
        device.publish(field.topic(device.username), batch(uav(seq, in_window_now())))
    until(lambda: len(received) == 3, 5, "three deliveries")
    first.loop_stop()
    first.socket().close()  # drop the connection without acknowledging anything
    until(lambda: broker.sessions["listener"].connection is None, 5, "the broker to notice")
    received.clear()
    second = listener(ack=True)
    until(lambda: len(received) == 3, 5, "the three messages again")
    second.disconnect()
    second.loop_stop()
    device.close()
