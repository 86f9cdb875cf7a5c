"""An active trial with enrolled devices, and a way to feed messages to the ingest pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from sandbox.clock import LOCAL_TZ, utcnow
from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry import contract
from sandbox.telemetry.contract import Channel
from sandbox.telemetry.ingest.messages import Received
from sandbox.telemetry.ingest.pipeline import Pipeline
from sandbox.telemetry.registry import Registry
from tests.integration import steps
from tests.integration.conftest import Api


@dataclass
class Field:
    """An active UAV trial over the Vị Tân rice fields with two drones, and the ingest pipeline."""

    api: Api
    trial: dict[str, Any]
    drones: list[str]
    secrets: dict[str, str]
    pipeline: Pipeline
    engine: Engine

    def topic(self, device: str, channel: str = "telemetry") -> str:
        return contract.topic(self.trial["reference"], device, channel)

    def send(self, *messages: tuple[str, bytes], now: datetime | None = None):
        received = [Received(topic, payload, received_at=utcnow()) for topic, payload in messages]
        return self.pipeline.process(received, now=now)


INSIDE = (9.7805, 105.4670)  # in the first site of tests.plans.plan("agri_uav")
OUTSIDE = (9.7900, 105.4670)  # some 850 m north of it


def uav(seq: int, t: datetime, *, at: tuple[float, float] = INSIDE, height: float = 20.0, speed: float = 5.0,
        battery: float = 80.0, armed: bool = True) -> contract.UavSample:
    return contract.UavSample(seq=seq, t=t, lat=at[0], lon=at[1], height_agl_m=height, ground_speed_mps=speed,
                              heading_deg=90.0, battery_pct=battery, flight_mode="AUTO", armed=armed, spraying=True,
                              flow_rate_lpm=2.0, tank_level_l=15.0, swath_width_m=5.0, satellites=14)


def batch(*samples: contract.UavSample, encoding: str = "json") -> bytes:
    return contract.encode(contract.Telemetry(samples=list(samples)), encoding)  # type: ignore[arg-type]


def in_window_now(working_days: int = 6) -> datetime:
    """The latest 07:00 in Can Tho on a Monday to Saturday (``working_days=5``: to Friday, the robot plan's week)
    at least two hours ago: inside the demo plans' morning windows, with room after it for a test's flight that
    must not reach into the future."""
    local_now = utcnow().astimezone(LOCAL_TZ)
    moment = local_now.replace(hour=7, minute=0, second=0, microsecond=0)
    if moment > local_now - timedelta(hours=2):
        moment -= timedelta(days=1)
    while moment.weekday() >= working_days:
        moment -= timedelta(days=1)
    return moment.astimezone(UTC)


@pytest.fixture
def field(api: Api, settings: Settings) -> Iterator[Field]:
    trial = steps.approved(api, start=utcnow().date() - timedelta(days=10))
    enrolled = [steps.enrol(api, trial, serial=f"VT-{n}") for n in (1, 2)]
    drones = [e["device"]["id"] for e in enrolled]
    trial = steps.move(api, trial, "alpha", "activate")
    engine = make_engine(settings.database_url)
    pipeline = Pipeline(engine, Registry(sessionmaker(engine)), "test-ingester")
    yield Field(api, trial, drones, {e["device"]["id"]: e["mqtt_password"] for e in enrolled}, pipeline, engine)
    engine.dispose()


__all__ = ["INSIDE", "OUTSIDE", "Channel", "Field", "batch", "in_window_now", "uav"]
