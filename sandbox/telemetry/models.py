"""Relational tables of telemetry: messages that could not be stored, and each ingester's counters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, new_id

__all__ = ["DeadLetter", "DevicePresence", "IngestCounter"]


class DeadLetter(Base):
    """A message the ingester refused, kept whole with the reason, so that nothing is dropped silently."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_received_at", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    received_at: Mapped[datetime]
    topic: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40), index=True)  # a stable code: malformed, invalid, unknown_device…
    detail: Mapped[str] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    device_id: Mapped[uuid.UUID | None]
    trial_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    ingester: Mapped[str] = mapped_column(String(100))


class IngestCounter(Base):
    """Running totals of one ingester process, written with each batch it commits.

    The API sums them for /metrics, so operators see every ingester from one endpoint.
    """

    __tablename__ = "ingest_counters"

    ingester: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    messages_received: Mapped[int] = mapped_column(BigInteger, default=0)
    messages_committed: Mapped[int] = mapped_column(BigInteger, default=0)
    messages_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    samples_received: Mapped[int] = mapped_column(BigInteger, default=0)
    samples_committed: Mapped[int] = mapped_column(BigInteger, default=0)
    samples_duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    batches: Mapped[int] = mapped_column(BigInteger, default=0)
    lag_seconds_sum: Mapped[float] = mapped_column(default=0.0)
    lag_buckets: Mapped[dict[str, Any]] = mapped_column(default=dict)  # upper bound (s) → messages at or below
    rejected_by_reason: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DevicePresence(Base):
    """When each device was last heard from: what the silence watchdog and "latest state" start from."""

    __tablename__ = "device_presence"

    device_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    trial_id: Mapped[uuid.UUID] = mapped_column(index=True)
    last_time: Mapped[datetime]  # the newest sample time, as the device stamped it
    last_received_at: Mapped[datetime]  # when that news reached an ingester
