"""A message as the ingester received it, and what decoding made of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.telemetry.contract import Channel
from sandbox.telemetry.registry import KnownDevice

__all__ = ["Accepted", "Received", "Rejected"]


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    received_at: datetime
    content_type: str | None = None
    mid: int = 0  # the broker's message id, acknowledged once the rows are committed
    qos: int = 1


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid message of a known device of an active trial: its samples, events or status."""

    device: KnownDevice
    channel: Channel
    items: list[Any]
    # Incidents the message reports directly (a VDA 5050 connection lost), beside its items.
    notes: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Why a message cannot be stored; it goes to the dead letters with its bytes."""

    reason: str
    detail: str
    device_id: uuid.UUID | None = None
    trial_id: uuid.UUID | None = None
