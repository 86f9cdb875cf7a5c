"""Running totals of one ingester, kept in memory and written with every batch it commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING

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


@dataclass(frozen=True, slots=True)
class Counters:
    """The totals as plain values, never an ORM row: a batch whose commit fails (the database went away
    mid-transaction) must leave them as they were, and the retried batch must still be counted, once.

    ``after`` gives the totals with a batch added; the pipeline writes them in the batch's transaction
    and keeps them only once that transaction has committed.
    """

    ingester: str
    started_at: datetime
    updated_at: datetime
    messages_received: int = 0
    messages_committed: int = 0
    messages_rejected: int = 0
    samples_received: int = 0
    samples_committed: int = 0
    samples_duplicate: int = 0
    batches: int = 0
    lag_seconds_sum: float = 0.0
    lag_buckets: Mapping[str, int] = field(default_factory=dict)  # upper bound (s) → messages at or below
    rejected_by_reason: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, sessions: sessionmaker[Session], ingester: str) -> Counters:
        """Carry on from the totals this ingester left (a restart is not a reset)."""
        now = utcnow()
        with sessions() as db:
            row = db.get(IngestCounter, ingester)
            if row is None:
                return cls(ingester=ingester, started_at=now, updated_at=now)
            kept = {column.key: getattr(row, column.key) for column in IngestCounter.__table__.columns}
        return cls(**{**kept, "started_at": now, "lag_buckets": dict(kept["lag_buckets"] or {}),
                      "rejected_by_reason": dict(kept["rejected_by_reason"] or {})})

    def after(self, result: BatchResult, messages: Sequence[Received], committed_at: datetime) -> Counters:
        """These totals with one more batch counted."""
        # A message received earlier waited longer: the lags of a batch are its commit time minus each
        # receipt time, counted per histogram bucket (cumulative: "at or below" each bound).
        lags = committed_at.timestamp() - np.fromiter((m.received_at.timestamp() for m in messages), float,
                                                      len(messages))
        at_or_below = np.searchsorted(np.sort(lags), LAG_BUCKETS_S, side="right")
        buckets = dict(self.lag_buckets)
        for bound, count in zip(LAG_BUCKETS_S, at_or_below.tolist(), strict=True):
            buckets[str(bound)] = int(buckets.get(str(bound), 0)) + count
        reasons = dict(self.rejected_by_reason)
        for reason, count in result.rejected_by_reason.items():
            reasons[reason] = int(reasons.get(reason, 0)) + count
        return replace(
            self, updated_at=committed_at,
            messages_received=self.messages_received + result.messages,
            messages_committed=self.messages_committed + result.accepted,
            messages_rejected=self.messages_rejected + result.rejected,
            samples_received=self.samples_received + result.items,
            samples_committed=self.samples_committed + result.stored,
            samples_duplicate=self.samples_duplicate + result.duplicates,
            batches=self.batches + 1, lag_seconds_sum=self.lag_seconds_sum + float(lags.sum()),
            lag_buckets=buckets, rejected_by_reason=reasons)

    def save(self, db: Session) -> None:
        """Write these totals in ``db``'s transaction (a fresh row each time: nothing is left attached)."""
        db.merge(IngestCounter(**{f.name: getattr(self, f.name) for f in fields(self)}))
