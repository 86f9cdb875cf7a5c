"""The time-series store writes each sample once, on both databases, whatever the repetition."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry.store.partitions import Partitions
from sandbox.telemetry.store.tables import UAV_SAMPLES
from sandbox.telemetry.store.writer import insert_new

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def uav_row(device: uuid.UUID, trial: uuid.UUID, seq: int, t: datetime) -> tuple:
    return (seq, t, 9.78, 105.47, 20.0, 5.0, 90.0, 80.0, "AUTO", True, True, 1.5, 10.0, 5.0, 3, 12,
            device, trial, t + timedelta(milliseconds=50))


@pytest.fixture
def engine(settings: Settings):
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


def count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(UAV_SAMPLES)).scalar_one()


def test_rows_are_stored_once_and_the_new_ones_are_reported(engine) -> None:
    """Both paths of the PostgreSQL writer: all new (no list needed), and some already there."""
    device, trial = uuid.uuid4(), uuid.uuid4()
    rows = [uav_row(device, trial, seq, T0 + timedelta(seconds=seq / 10)) for seq in range(100)]
    Partitions(engine).ensure({T0.date()})
    with engine.begin() as connection:
        assert len(insert_new(connection, UAV_SAMPLES, rows[:60])) == 60
    with engine.begin() as connection:
        given = rows[40:] + rows[40:50]  # overlaps what is stored, and repeats itself
        fresh = insert_new(connection, UAV_SAMPLES, given)
    assert [given[position][0] for position in fresh] == list(range(60, 100))
    assert count(engine) == 100
    with engine.connect() as connection:
        stored = connection.execute(select(UAV_SAMPLES).where(UAV_SAMPLES.c.seq == 42)).one()
    assert stored.time == T0 + timedelta(seconds=4.2) and stored.device_id == device and stored.flight_mode == "AUTO"


def test_a_restarted_counter_with_new_times_is_not_a_duplicate(engine) -> None:
    device, trial = uuid.uuid4(), uuid.uuid4()
    Partitions(engine).ensure({T0.date()})
    with engine.begin() as connection:
        insert_new(connection, UAV_SAMPLES, [uav_row(device, trial, 0, T0)])
        fresh = insert_new(connection, UAV_SAMPLES, [uav_row(device, trial, 0, T0 + timedelta(hours=1))])
    assert len(fresh) == 1 and count(engine) == 2


def test_partitions_are_made_for_the_days_the_data_needs(engine) -> None:
    partitions = Partitions(engine)
    days = {T0.date() - timedelta(days=20), T0.date(), T0.date() + timedelta(days=1)}
    partitions.ensure(days)
    partitions.ensure(days)  # idempotent, and a second Partitions object may race the first
    Partitions(engine).ensure(days)
    device, trial = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as connection:
        insert_new(connection, UAV_SAMPLES, [uav_row(device, trial, i, datetime.combine(day, T0.time(), UTC))
                                             for i, day in enumerate(sorted(days))])
    assert count(engine) == 3
    if partitions.layout == "native":
        with engine.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT relname FROM pg_class WHERE relname LIKE 'uav_samples_p%%' AND relkind = 'r' ORDER BY relname").scalars().all()
        assert names == [f"uav_samples_p{day:%Y%m%d}" for day in sorted(days)]
