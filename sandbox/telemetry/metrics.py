"""Ingest metrics in the Prometheus text format, summed from every ingester's counters in the database.

Each ingester writes its running totals with every batch it commits, so the API can show the
whole fleet from one scrape, wherever the ingesters run.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.telemetry.ingest.counters import LAG_BUCKETS_S
from sandbox.telemetry.models import DeadLetter, IngestCounter

__all__ = ["CONTENT_TYPE", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_COUNTERS = (
    ("messages_received", "Messages taken from the broker"),
    ("messages_committed", "Messages whose rows were committed"),
    ("samples_received", "Samples and events in received messages"),
    ("samples_committed", "Samples and events stored (new rows)"),
    ("samples_duplicate", "Samples and events already stored (redeliveries, replays)"),
    ("batches", "Transactions committed"),
)


class _FromDatabase:
    def __init__(self, db: Session) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        rows = list(self.db.scalars(select(IngestCounter).order_by(IngestCounter.ingester)))
        for name, documentation in _COUNTERS:
            family = CounterMetricFamily(f"sandbox_ingest_{name}", documentation, labels=["ingester"])
            for row in rows:
                family.add_metric([row.ingester], getattr(row, name))
            yield family
        rejected = CounterMetricFamily("sandbox_ingest_messages_rejected", "Messages dead-lettered, by reason",
                                       labels=["ingester", "reason"])
        for row in rows:
            for reason, count in sorted((row.rejected_by_reason or {}).items()):
                rejected.add_metric([row.ingester, reason], count)
        yield rejected
        lag = HistogramMetricFamily("sandbox_ingest_lag_seconds", "From receipt by the ingester to commit",
                                    labels=["ingester"])
        for row in rows:
            buckets = [(str(bound), int((row.lag_buckets or {}).get(str(bound), 0))) for bound in LAG_BUCKETS_S]
            buckets.append(("+Inf", row.messages_received))
            lag.add_metric([row.ingester], buckets, row.lag_seconds_sum)
        yield lag
        last = GaugeMetricFamily("sandbox_ingest_last_commit_timestamp_seconds", "When the ingester last committed",
                                 labels=["ingester"])
        for row in rows:
            last.add_metric([row.ingester], row.updated_at.timestamp())
        yield last
        dead = GaugeMetricFamily("sandbox_dead_letters", "Dead letters kept, by reason", labels=["reason"])
        for reason, count in self.db.execute(select(DeadLetter.reason, func.count()).group_by(DeadLetter.reason)):
            dead.add_metric([reason], count)
        yield dead


def render_metrics(db: Session) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_FromDatabase(db))  # type: ignore[arg-type]
    return generate_latest(registry)
