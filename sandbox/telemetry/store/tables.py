"""The time-series tables, one per kind of stream, as SQLAlchemy Core tables.

Not ORM-mapped: rows go in by the thousand through binary COPY (PostgreSQL) or executemany
(SQLite) and come out as aggregates. A sample is identified by (device, time, seq): a redelivered or
replayed message repeats all three and is stored once; a device whose counter restarts still gets
new rows, because its samples carry new times. On PostgreSQL the tables are partitioned by ``time``
(native partitions, or TimescaleDB chunks when the extension is installed); the unique index on
(device_id, time, seq) also serves every "one device over a time range" query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "AMR_SAMPLES",
    "CAMERA_DETECTIONS",
    "CAMERA_STATUS",
    "DEVICE_EVENTS",
    "DEVICE_STATUS",
    "SERIES",
    "TIMESERIES",
    "UAV_SAMPLES",
    "Instant",
    "is_timeseries_table",
]

TIMESERIES = MetaData()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Instant(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL; integer microseconds since the epoch on SQLite (exact, sortable, cheap to bucket)."""

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(BigInteger())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        delta = value.astimezone(UTC) - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def _series(name: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        TIMESERIES,
        Column("device_id", Uuid, nullable=False),
        Column("trial_id", Uuid, nullable=False),
        Column("time", Instant, nullable=False),
        Column("seq", BigInteger, nullable=False),
        Column("received_at", Instant, nullable=False),
        *columns,
        Index(f"uq_{name}_device_time_seq", "device_id", "time", "seq", unique=True),
        Index(f"ix_{name}_trial_time", "trial_id", "time"),
    )


UAV_SAMPLES = _series(
    "uav_samples",
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("height_agl_m", Float, nullable=False),
    Column("ground_speed_mps", Float, nullable=False),
    Column("heading_deg", Float, nullable=False),
    Column("battery_pct", Float, nullable=False),
    Column("flight_mode", String(64), nullable=False),
    Column("armed", Boolean, nullable=False),
    Column("spraying", Boolean, nullable=False),
    Column("flow_rate_lpm", Float, nullable=False),
    Column("tank_level_l", Float),
    Column("swath_width_m", Float),
    Column("gps_fix", SmallInteger, nullable=False),
    Column("satellites", SmallInteger),
)
CAMERA_STATUS = _series(
    "camera_status",
    Column("online", Boolean, nullable=False),
    Column("fps", Float, nullable=False),
    Column("inference_latency_ms", Float, nullable=False),
    Column("temperature_c", Float),
    Column("privacy_masking", Boolean, nullable=False),
)
CAMERA_DETECTIONS = _series(
    "camera_detections",
    Column("label", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("x1", Float, nullable=False),
    Column("y1", Float, nullable=False),
    Column("x2", Float, nullable=False),
    Column("y2", Float, nullable=False),
    Column("zone", String(64)),
    Column("track_id", String(64)),
    Column("violation", String(16)),
)
AMR_SAMPLES = _series(
    "amr_samples",
    Column("lat", Float),
    Column("lon", Float),
    Column("x", Float),
    Column("y", Float),
    Column("map_id", String(64)),
    Column("speed_mps", Float, nullable=False),
    Column("heading_deg", Float, nullable=False),
    Column("battery_pct", Float, nullable=False),
    Column("mode", String(64), nullable=False),
    Column("emergency_stop", Boolean, nullable=False),
    Column("safety_field_violation", Boolean, nullable=False),
    Column("localisation_score", Float),
    Column("odometer_m", Float),
    Column("mission_id", String(64)),
    Column("fatal_error", Boolean, nullable=False),
)
DEVICE_EVENTS = _series(
    "device_events",
    Column("type", String(32), nullable=False),
    Column("detail", Text),
    Column("mission_id", String(64)),
    Column("success", Boolean),
    Column("intervention", String(16)),
    Column("lat", Float),
    Column("lon", Float),
)
DEVICE_STATUS = _series(
    "device_status",
    Column("online", Boolean, nullable=False),
    Column("graceful", Boolean, nullable=False),
    Column("firmware", String(64)),
    Column("detail", Text),
)

SERIES: dict[str, Table] = {
    table.name: table
    for table in (UAV_SAMPLES, CAMERA_STATUS, CAMERA_DETECTIONS, AMR_SAMPLES, DEVICE_EVENTS, DEVICE_STATUS)
}


def is_timeseries_table(name: str) -> bool:
    """A time-series table, one of its partitions (``uav_samples_p20261123``) or a rollup: not the ORM's business."""
    return name in TIMESERIES.tables or name.rpartition("_p")[0] in SERIES
