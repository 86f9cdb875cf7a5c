"""Importing a recorded flight log into a trial, through the same pipeline as live telemetry.

The samples are cut into contract messages on the device's own topic and run through the
pipeline: the same validation (a log from years ago is refused as out of range unless it is
shifted to now), the same exactly-once storage (a log imported twice is stored once), the same
live rules and incidents.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from sandbox.clock import utcnow
from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.errors import InvalidInput
from sandbox.i18n import Text
from sandbox.telemetry import contract
from sandbox.telemetry.adapters.mavlink import read_flight_log, relocate, shift
from sandbox.telemetry.ingest.messages import Received
from sandbox.telemetry.ingest.pipeline import Pipeline
from sandbox.telemetry.registry import Registry

__all__ = ["ImportReport", "import_flight_log"]

SAMPLES_PER_MESSAGE = 500  # well under the contract's payload limit in MessagePack
MESSAGES_PER_BATCH = 40


@dataclass
class ImportReport:
    samples: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    incidents_opened: int = 0
    first: datetime | None = None
    last: datetime | None = None


def import_flight_log(settings: Settings, device_id: uuid.UUID, path: Path, *, shift_to: datetime | None = None,
                      start_at: tuple[float, float] | None = None) -> ImportReport:
    samples = read_flight_log(path)
    if shift_to is not None:
        samples = shift(samples, shift_to)
    if start_at is not None:
        samples = relocate(samples, *start_at)
    engine = make_engine(settings.database_url)
    try:
        registry = Registry(sessionmaker(engine))
        registry.refresh()
        device = registry.device(device_id)
        if device is None or device.kind != "agri_uav":
            raise InvalidInput.at("/device", Text(f"không có UAV nào được đăng ký với mã {device_id}",
                                                  f"no UAV is enrolled with id {device_id}"))
        pipeline = Pipeline(engine, registry, f"import:{path.name}"[:100])
        topic = contract.topic(device.trial_reference, str(device.id), contract.Channel.TELEMETRY)
        messages = [
            Received(topic, contract.encode(contract.Telemetry(samples=samples[i:i + SAMPLES_PER_MESSAGE]), "msgpack"),
                     utcnow())
            for i in range(0, len(samples), SAMPLES_PER_MESSAGE)
        ]
        report = ImportReport(samples=len(samples), first=samples[0].t, last=samples[-1].t)
        for start in range(0, len(messages), MESSAGES_PER_BATCH):
            result = pipeline.process(messages[start:start + MESSAGES_PER_BATCH])
            report.stored += result.stored
            report.duplicates += result.duplicates
            report.incidents_opened += result.rules.opened + result.rules.events
            for reason, count in result.rejected_by_reason.items():
                report.rejected[reason] = report.rejected.get(reason, 0) + count
        return report
    finally:
        engine.dispose()
