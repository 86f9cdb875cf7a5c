"""When each device was last heard from, kept per device as batches commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sandbox.telemetry.ingest.messages import Received
from sandbox.telemetry.models import DevicePresence
from sandbox.telemetry.registry import KnownDevice

__all__ = ["note_presence"]


def note_presence(db: Session, fresh: Sequence[tuple[KnownDevice, Any]], messages: Sequence[Received]) -> None:
    latest: dict[Any, dict[str, Any]] = {}
    received = max((m.received_at for m in messages), default=None)
    for device, item in fresh:
        seen = latest.get(device.id)
        if seen is None or item.t > seen["last_time"]:
            latest[device.id] = {"device_id": device.id, "trial_id": device.trial_id, "last_time": item.t,
                                 "last_received_at": received}
    if not latest:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DevicePresence).values(list(latest.values()))
    newest = func.greatest if dialect is postgresql else func.max  # SQLite's two-argument max() is GREATEST
    statement = statement.on_conflict_do_update(
        index_elements=[DevicePresence.device_id],
        set_={
            "last_time": newest(DevicePresence.last_time, statement.excluded.last_time),
            "last_received_at": statement.excluded.last_received_at,
        },
    )
    db.execute(statement)
