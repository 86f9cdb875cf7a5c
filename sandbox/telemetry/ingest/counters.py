"""Running totals of one ingester, kept in memory and written with every batch it commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from sandbox.clock import utcnow
from sandbox.telemetry.ingest.messages import Received
from sandbox.telemetry.models import IngestCounter

if TYPE_CHECKING:
    from sandbox.telemetry.ingest.pipeline import BatchResult

__all__ = ["LAG_BUCKETS_S", "Counters"]

# Upper bounds of the lag histogram (received → committed), in seconds, as Prometheus expects them.
LAG_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Counters:
    def __init__(self, row: IngestCounter) -> None:
        self.row = row

    @classmethod
    def load(cls, sessions: sessionmaker[Session], ingester: str) -> Counters:
        """Carry on from the totals this ingester left (a restart is not a reset)."""
        with sessions() as db:
            row = db.get(IngestCounter, ingester)
            if row is not None:
                db.expunge(row)
        now = utcnow()
        if row is None:
            row = IngestCounter(ingester=ingester, started_at=now, updated_at=now, messages_received=0,
                                messages_committed=0, messages_rejected=0, samples_received=0, samples_committed=0,
                                samples_duplicate=0, batches=0, lag_seconds_sum=0.0, lag_buckets={},
                                rejected_by_reason={})
        row.started_at = now
        return cls(row)

    def add(self, result: BatchResult, messages: Sequence[Received], committed_at: datetime) -> None:
        row = self.row
        row.messages_received += result.messages
        row.messages_committed += result.accepted
        row.messages_rejected += result.rejected
        row.samples_received += result.items
        row.samples_committed += result.stored
        row.samples_duplicate += result.duplicates
        row.batches += 1
        # A message received earlier waited longer: the lags of a batch are its commit time minus each
        # receipt time, counted per histogram bucket (cumulative: "at or below" each bound).
        lags = committed_at.timestamp() - np.fromiter((m.received_at.timestamp() for m in messages), float,
                                                      len(messages))
        at_or_below = np.searchsorted(np.sort(lags), LAG_BUCKETS_S, side="right")
        buckets: dict[str, Any] = dict(row.lag_buckets or {})
        for bound, count in zip(LAG_BUCKETS_S, at_or_below.tolist(), strict=True):
            buckets[str(bound)] = int(buckets.get(str(bound), 0)) + count
        row.lag_buckets = buckets
        row.lag_seconds_sum += float(lags.sum())
        reasons = dict(row.rejected_by_reason or {})
        for reason, count in result.rejected_by_reason.items():
            reasons[reason] = int(reasons.get(reason, 0)) + count
        row.rejected_by_reason = reasons
        row.updated_at = committed_at

    def save(self, db: Session) -> None:
        self.row = db.merge(self.row)
