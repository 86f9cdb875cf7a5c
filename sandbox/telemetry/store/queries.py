"""Reading telemetry back: each device's latest state, time-bucketed series, raw rows for export.

The same queries run on both stores; only the bucketing expression differs (``date_bin`` on
PostgreSQL, integer arithmetic on SQLite's microsecond timestamps). Aggregation happens in SQL,
so a month of 10 Hz samples comes back as a few hundred buckets, not millions of rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    SmallInteger,
    Table,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from sandbox.telemetry.store.tables import DEVICE_STATUS, SERIES

__all__ = [
    "BUCKETS_S",
    "Point",
    "choose_bucket",
    "instant",
    "latest",
    "latest_status",
    "numeric_fields",
    "raw_rows",
    "series",
    "stream_table",
    "time_bucket",
]

# Bucket sizes a caller may get by default: the smallest giving at most TARGET_POINTS over the range.
BUCKETS_S = (1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86_400)
TARGET_POINTS = 500
MAX_POINTS = 20_000  # a caller choosing a tiny bucket over a long range is refused beyond this
EXPORT_BATCH_ROWS = 5_000


def numeric_fields(table: Table) -> list[str]:
    """Columns one can average: measurements, not keys or times."""
    skip = {"seq"}
    return [c.name for c in table.columns if isinstance(c.type, Float | Integer | SmallInteger | BigInteger)
            and not isinstance(c.type, Boolean) and c.name not in skip and c.name not in ("time", "received_at")]


def choose_bucket(start: datetime, end: datetime) -> int:
    span = (end - start).total_seconds()
    return next((size for size in BUCKETS_S if span / size <= TARGET_POINTS), BUCKETS_S[-1])


def time_bucket(connection: Connection, table: Table, size_s: int, origin_s: int = 0) -> ColumnElement[Any]:
    """The start of the ``size_s`` bucket a row's time falls in, computed by the database (read it with `instant`).

    Buckets are aligned on the epoch shifted by ``origin_s``: ``origin_s=-7 * 3600`` with a day's size gives
    local days in Asia/Ho_Chi_Minh (UTC+7, no daylight saving), each bucket starting at local midnight.
    """
    origin = int(origin_s)
    if connection.dialect.name == "postgresql":
        return func.date_bin(text(f"INTERVAL '{int(size_s)} seconds'"), table.c.time,
                             literal_column(f"TIMESTAMPTZ 'epoch' + INTERVAL '{origin} seconds'"))
    micros = int(size_s) * 1_000_000
    shift = origin * 1_000_000
    # SQLite keeps microseconds since the epoch as integers: integer division floors to the bucket
    # (times are after the epoch, so the shifted value stays positive and division is flooring).
    if not shift:
        return literal_column(f"({table.name}.time / {micros}) * {micros}")
    return literal_column(f"((({table.name}.time - ({shift})) / {micros}) * {micros} + ({shift}))")


def instant(connection: Connection, table: Table, value: Any) -> datetime:
    """A time read back from an aggregate (min, max, a bucket), which SQLite returns as the stored microseconds."""
    if isinstance(value, datetime):
        return value
    return table.c.time.type.process_result_value(int(value), connection.dialect)


@dataclass(frozen=True, slots=True)
class Point:
    start: datetime
    device_id: uuid.UUID
    minimum: float | None
    average: float | None
    maximum: float | None
    count: int


def series(connection: Connection, table: Table, field: str, trial_id: uuid.UUID, start: datetime, end: datetime,
           bucket_s: int, device_id: uuid.UUID | None = None) -> list[Point]:
    column = table.c[field]
    bucket = time_bucket(connection, table, bucket_s).label("bucket")
    query = (
        select(bucket, table.c.device_id, func.min(column), func.avg(column), func.max(column), func.count())
        .where(table.c.trial_id == trial_id, table.c.time >= start, table.c.time < end)
        .group_by(bucket, table.c.device_id)
        .order_by(bucket, table.c.device_id)
    )
    if device_id is not None:
        query = query.where(table.c.device_id == device_id)
    points = []
    for row in connection.execute(query):
        points.append(Point(instant(connection, table, row.bucket), row.device_id, _number(row[2]), _number(row[3]), _number(row[4]), row[5]))
    return points


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def latest(connection: Connection, table: Table, device_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The newest row of each device (by its own time), as a mapping of column to value."""
    found = {}
    for device_id in device_ids:
        row = connection.execute(
            select(table).where(table.c.device_id == device_id).order_by(table.c.time.desc(), table.c.seq.desc())
            .limit(1)
        ).first()
        if row is not None:
            found[device_id] = dict(row._mapping)
    return found


def latest_status(connection: Connection, device_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    return latest(connection, DEVICE_STATUS, device_ids)


def raw_rows(connection: Connection, table: Table, trial_id: uuid.UUID, start: datetime, end: datetime,
             device_id: uuid.UUID | None = None) -> Iterator[dict[str, Any]]:
    """Every row in the range, oldest first, fetched in batches (a server-side cursor on PostgreSQL)."""
    query = select(table).where(table.c.trial_id == trial_id, table.c.time >= start, table.c.time < end)
    if device_id is not None:
        query = query.where(table.c.device_id == device_id)
    query = query.order_by(table.c.time, table.c.device_id, table.c.seq)
    result = connection.execution_options(yield_per=EXPORT_BATCH_ROWS).execute(query)
    for row in result:
        yield dict(row._mapping)


def stream_table(name: str) -> Table | None:
    return SERIES.get(name)

