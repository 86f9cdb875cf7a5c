"""Devices and ingesters on a real Mosquitto: helpers shared by the MQTT tests."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry.broker.dynsec import DynamicSecurity
from sandbox.telemetry.ingest.consumer import Consumer
from sandbox.telemetry.ingest.pipeline import Pipeline
from sandbox.telemetry.registry import Registry
from tests.services.mosquitto import ThrowawayMosquitto

INGESTER_PASSWORD = "ingester-secret-for-tests"


def broker_settings(settings: Settings, broker: ThrowawayMosquitto) -> Settings:
    """The test's settings, pointed at the broker, with an ingester identity of its own."""
    DynamicSecurity("127.0.0.1", broker.port, broker.admin_username, broker.admin_password).ensure_ingester(
        "sandbox-ingester", INGESTER_PASSWORD)
    return replace(settings, mqtt_url=f"mqtt://127.0.0.1:{broker.port}", mqtt_username="sandbox-ingester",
                   mqtt_password=INGESTER_PASSWORD, mqtt_admin_username=broker.admin_username,
                   mqtt_admin_password=broker.admin_password, ingester_id=f"test-ingest-{uuid.uuid4().hex[:8]}")


@contextmanager
def running_ingester(settings: Settings) -> Iterator[Consumer]:
    engine = make_engine(settings.database_url)
    consumer = Consumer(settings, Pipeline(engine, Registry(sessionmaker(engine)), settings.ingester_id))
    consumer.start()
    assert consumer.wait_connected(10), "the ingester could not connect to the broker"
    try:
        yield consumer
    finally:
        consumer.stop()
        engine.dispose()


@dataclass
class DeviceClient:
    """A device on MQTT 5 with its credentials, publishing QoS 1 and recording the broker's answers."""

    port: int
    username: str
    password: str
    client_id: str | None = None
    answers: dict[int, Any] = field(default_factory=dict)
    refused: Any = None

    def __post_init__(self) -> None:
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id or self.username,
                                  protocol=mqtt.MQTTv5)
        self.client.username_pw_set(self.username, self.password)
        self._connected = threading.Event()
        self._lock = threading.Lock()

        def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
            if reason.is_failure:
                self.refused = reason
            self._connected.set()

        def on_publish(_c: Any, _u: Any, mid: int, reason: Any, _p: Any) -> None:
            with self._lock:
                self.answers[mid] = reason

        self.client.on_connect, self.client.on_publish = on_connect, on_publish

    def connect(self, timeout: float = 10) -> bool:
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        self._connected.wait(timeout)
        return self.refused is None

    def publish(self, topic: str, payload: bytes, content_type: str | None = None) -> int:
        properties = None
        if content_type:
            properties = Properties(PacketTypes.PUBLISH)
            properties.ContentType = content_type
        return self.client.publish(topic, payload, qos=1, properties=properties).mid

    def wait_answers(self, count: int, timeout: float = 10) -> dict[int, Any]:
        until(lambda: len(self.answers) >= count, timeout, f"{count} PUBACKs")
        return self.answers

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait for a condition the system under test must reach (polling the database or a client)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def rows(settings: Settings, table: Any) -> int:
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()
