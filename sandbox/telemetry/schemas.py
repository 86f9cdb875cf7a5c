"""What the telemetry API returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from msgspec import Struct

__all__ = ["ConnectionInfo", "DeadLetterView", "DeviceLatest", "Series", "SeriesPoint"]


class DeviceLatest(Struct):
    device_id: uuid.UUID
    serial: str
    kind: str
    retired: bool
    last_heard_at: datetime | None  # when the newest data reached Sandbox
    sample: dict[str, Any] | None  # the newest sample, by the device's own time
    status: dict[str, Any] | None  # the newest status message (online, firmware)


class SeriesPoint(Struct):
    start: datetime
    device_id: uuid.UUID
    min: float | None
    avg: float | None
    max: float | None
    count: int


class Series(Struct):
    stream: str
    field: str
    bucket_s: int
    start: datetime
    end: datetime
    points: list[SeriesPoint]


class DeadLetterView(Struct):
    id: uuid.UUID
    received_at: datetime
    topic: str
    reason: str
    detail: str
    device_id: uuid.UUID | None
    size: int
    payload_preview: str  # the first bytes, as text where they are text


class ConnectionInfo(Struct):
    """What a device maker needs to connect this device (the password was shown at enrolment)."""

    host: str
    port: int
    protocol: str
    client_id: str
    username: str
    publish_topics: list[str]
    contract_topics: dict[str, str]
