"""Telemetry inside the service process: the embedded broker and an ingester, for the embedded mode.

With no ``SANDBOX_MQTT_URL`` the service is one process: API, MQTT broker and ingester, over a
SQLite file. With a broker configured, ``sandbox serve`` is the API only, and ingesters run as
``sandbox ingest`` processes beside it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from sqlalchemy.orm import sessionmaker

from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry.broker.accounts import DatabaseAuthenticator
from sandbox.telemetry.broker.embedded import EmbeddedBroker
from sandbox.telemetry.ingest.consumer import Consumer
from sandbox.telemetry.ingest.pipeline import Pipeline
from sandbox.telemetry.registry import Registry

__all__ = ["EmbeddedTelemetry"]

log = logging.getLogger("sandbox.telemetry")
CONNECT_TIMEOUT_S = 10


class EmbeddedTelemetry:
    """Starts the embedded broker on ``SANDBOX_EMBEDDED_MQTT_PORT`` and an ingester connected to it."""

    def __init__(self, settings: Settings) -> None:
        # The in-process ingester's password lives only in this process unless one is configured.
        self.settings = replace(settings, mqtt_password=settings.mqtt_password or secrets.token_urlsafe(24))
        self.engine = make_engine(settings.database_url)
        sessions = sessionmaker(self.engine)
        self.broker = EmbeddedBroker(
            DatabaseAuthenticator(sessions, self.settings.mqtt_username, self.settings.mqtt_password),
            host=settings.host, port=settings.embedded_mqtt_port,
        )
        self.consumer = Consumer(self.settings, Pipeline(self.engine, Registry(sessions), self.settings.ingester_id))

    def start(self) -> None:
        self.broker.start_in_thread()
        self.consumer.start()
        if not self.consumer.wait_connected(CONNECT_TIMEOUT_S):
            raise RuntimeError("the embedded ingester could not connect to the embedded broker")
        log.info("embedded telemetry: broker on %s:%d, ingester %s", self.settings.host, self.broker.port,
                 self.settings.ingester_id)

    def stop(self) -> None:
        self.consumer.stop()
        self.broker.stop_thread()
        self.engine.dispose()
