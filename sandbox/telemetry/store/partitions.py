"""Daily partitions of the time-series tables on plain PostgreSQL (TimescaleDB makes its own chunks).

Created ahead of the data, in their own short transactions: creating a partition locks its parent,
which must not happen inside a batch that other ingesters are waiting to write.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from sandbox.telemetry.store.tables import SERIES

__all__ = ["Layout", "Partitions", "detect_layout"]

log = logging.getLogger("sandbox.telemetry")

Layout = Literal["sqlite", "native", "timescaledb"]


def detect_layout(engine: Engine) -> Layout:
    if engine.dialect.name == "sqlite":
        return "sqlite"
    with engine.connect() as connection:
        kind = connection.execute(text("SELECT relkind FROM pg_class WHERE relname = 'uav_samples'")).scalar()
    return "native" if kind == "p" else "timescaledb"


def partition_name(table: str, day: date) -> str:
    return f"{table}_p{day:%Y%m%d}"


class Partitions:
    """Knows which days have partitions and makes the missing ones; a no-op for other layouts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.layout = detect_layout(engine)
        self._known: set[date] = set()
        self._lock = threading.Lock()

    def ensure(self, days: set[date]) -> None:
        if self.layout != "native":
            return
        missing = days - self._known
        if not missing:
            return
        with self._lock:
            for day in sorted(missing - self._known):
                self._create(day)
                self._known.add(day)

    def ensure_around(self, today: date, before: int = 1, after: int = 2) -> None:
        self.ensure({today + timedelta(days=offset) for offset in range(-before, after + 1)})

    def _create(self, day: date) -> None:
        for table in SERIES:
            statement = (
                f"CREATE TABLE IF NOT EXISTS {partition_name(table, day)} PARTITION OF {table} "
                f"FOR VALUES FROM ('{day.isoformat()}') TO ('{(day + timedelta(days=1)).isoformat()}')"
            )
            try:
                with self.engine.begin() as connection:
                    connection.execute(text(statement))
            except DBAPIError as exc:
                # Another ingester made it between our check and our create: that is what we wanted.
                if getattr(exc.orig, "sqlstate", None) not in ("42P07", "23505"):
                    raise
                log.debug("partition %s appeared concurrently", partition_name(table, day))
