"""A rig of its own for tests that restart things: PostgreSQL, Mosquitto, an active trial with enrolled
drones, and the ingester as a real ``sandbox ingest`` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from sandbox.app import create_app
from sandbox.config import Settings, load_settings
from sandbox.db import make_engine
from sandbox.db.migrate import upgrade
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration import steps
from tests.integration.conftest import Api, bootstrap_admin, register_startup
from tests.integration.telemetry.conftest import in_window_now
from tests.integration.telemetry.mqtt import broker_settings, until
from tests.services.mosquitto import ThrowawayMosquitto
from tests.services.postgres import ThrowawayPostgres

SANDBOX = str(Path(sys.executable).parent / "sandbox")
DEVICES = 3


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


@pytest.fixture(name="rig")
def rig_fixture(tmp_path: Path) -> Iterator[Rig]:
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
