"""Nothing lost, nothing duplicated: devices keep publishing while the ingester is killed, the database
restarts, or the broker restarts. Every published sample is counted in the database at the end.

Each test has a PostgreSQL cluster and a Mosquitto of its own, since it restarts them, and runs the
ingester as a real ``sandbox ingest`` process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from sandbox.app import create_app
from sandbox.config import Settings, load_settings
from sandbox.db import make_engine
from sandbox.db.migrate import upgrade
from sandbox.telemetry import contract
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration import steps
from tests.integration.conftest import Api, bootstrap_admin, register_startup
from tests.integration.telemetry.conftest import batch, in_window_now, uav
from tests.integration.telemetry.mqtt import DeviceClient, broker_settings, until
from tests.services.mosquitto import ThrowawayMosquitto
from tests.services.postgres import ThrowawayPostgres

SANDBOX = str(Path(sys.executable).parent / "sandbox")
DEVICES, MESSAGES, SAMPLES_PER_MESSAGE = 3, 120, 10
PUBLISH_EVERY_S = 0.05  # each device: 20 messages a second for six seconds


@dataclass
class Rig:
    settings: Settings
    database: ThrowawayPostgres
    broker: ThrowawayMosquitto
    trial: dict
    secrets: dict[str, str]
    ingester: subprocess.Popen[bytes] | None = None
    starts: int = 1

    def start_ingester(self, wait: bool = True) -> None:
        env = {**os.environ, "DATABASE_URL": self.settings.database_url, "SANDBOX_MQTT_URL": self.settings.mqtt_url,
               "SANDBOX_MQTT_USERNAME": self.settings.mqtt_username, "SANDBOX_MQTT_PASSWORD": self.settings.mqtt_password,
               "SANDBOX_INGESTER_ID": self.settings.ingester_id, "SANDBOX_DATA_DIR": str(self.settings.data_dir)}
        log = (self.settings.data_dir / "ingester.log").open("ab")
        self.ingester = subprocess.Popen([SANDBOX, "ingest"], env=env, stdout=log, stderr=subprocess.STDOUT)
        if wait:  # its subscriptions must exist before the devices publish, or the broker has no one to keep messages for
            until(lambda: self.log().count("subscribed to") >= self.starts, 30, "the ingester's subscriptions")
        self.starts += 1

    def log(self) -> str:
        path = self.settings.data_dir / "ingester.log"
        return path.read_text() if path.exists() else ""

    def kill_ingester(self) -> None:
        assert self.ingester is not None
        self.ingester.send_signal(signal.SIGKILL)
        self.ingester.wait(10)

    def stop_ingester(self) -> None:
        if self.ingester is not None and self.ingester.poll() is None:
            self.ingester.send_signal(signal.SIGTERM)
            self.ingester.wait(30)

    def stored(self) -> int:
        engine = make_engine(self.settings.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(select(func.count()).select_from(UAV_SAMPLES)).scalar_one()
        except Exception:
            return -1
        finally:
            engine.dispose()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    database = ThrowawayPostgres().start()
    broker = ThrowawayMosquitto().start()
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE faults")
    url = database.url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + "/faults"
    base = load_settings({"SANDBOX_DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SANDBOX_PASSWORD_HASHING": "fast"})
    settings = replace(broker_settings(base, broker), ingester_id="fault-ingester")
    upgrade(settings.database_url)
    with TestClient(create_app(settings)) as client:
        api = Api(client)
        bootstrap_admin(settings)
        api.log_in("admin", "admin@skhcn.test")
        for role in ("evaluator", "policy"):
            api.call("POST", "/users", "admin", {"email": f"{role}@skhcn.test", "full_name": role, "role": role,
                                                  "password": "correct horse battery"}, expect=201)
            api.log_in(role, f"{role}@skhcn.test")
        register_startup(api, "alpha", "1800222229", "alpha@startup.test")
        trial = steps.approved(api, start=in_window_now().date() - timedelta(days=3))
        enrolled = [steps.enrol(api, trial, serial=f"F-{n}") for n in range(DEVICES)]
        trial = steps.move(api, trial, "alpha", "activate")
    rig = Rig(settings, database, broker, trial, {e["device"]["id"]: e["mqtt_password"] for e in enrolled})
    try:
        yield rig
    finally:
        rig.stop_ingester()
        broker.remove()
        database.stop()


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

