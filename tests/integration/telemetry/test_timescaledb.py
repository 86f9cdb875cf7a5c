"""The TimescaleDB layout, on a server that has the extension: hypertables, policies, the same writes and reads.

TimescaleDB is not in Debian's archive, so the throwaway server of `make test` cannot have it and
these tests skip there. Where Docker runs, `make test-timescaledb` starts the TimescaleDB image of
docker-compose.yml and runs them against it (SANDBOX_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text

from sandbox.db import make_engine
from sandbox.db.migrate import upgrade
from sandbox.telemetry.store.partitions import Partitions
from sandbox.telemetry.store.queries import series
from sandbox.telemetry.store.tables import SERIES, UAV_SAMPLES
from sandbox.telemetry.store.writer import insert_new
from tests.conftest import _sqlalchemy_url
from tests.integration.telemetry.test_store import uav_row

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
def timescale_url(postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone():
            pytest.skip("this PostgreSQL has no TimescaleDB (make test-timescaledb runs these against its image)")
        name = f"sandbox_tsdb_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("SANDBOX_TIMESERIES_LAYOUT", "timescaledb")  # fail, rather than fall back to native
    url = _sqlalchemy_url(postgres_admin_url, name)
    upgrade(url)
    yield url
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_series_is_a_hypertable_with_compression_and_retention(timescale_url: str) -> None:
    engine = make_engine(timescale_url)
    with engine.connect() as connection:
        hypertables = set(connection.execute(text(
            "SELECT hypertable_name FROM timescaledb_information.hypertables")).scalars())
        jobs = connection.execute(text(
            "SELECT hypertable_name, proc_name FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL"
        )).all()
    engine.dispose()
    assert hypertables == set(SERIES)
    for name in SERIES:
        procs = {proc for table, proc in jobs if table == name}
        assert {"policy_retention"} <= procs and procs & {"policy_compression", "policy_columnstore"}, name
    assert Partitions(make_engine(timescale_url)).layout == "timescaledb"


def test_writes_are_exactly_once_and_series_read_back(timescale_url: str) -> None:
    engine = make_engine(timescale_url)
    device, trial = uuid.uuid4(), uuid.uuid4()
    rows = [uav_row(device, trial, seq, T0 + timedelta(seconds=seq)) for seq in range(120)]
    with engine.begin() as connection:
        assert len(insert_new(connection, UAV_SAMPLES, rows[:80])) == 80
    with engine.begin() as connection:
        fresh = insert_new(connection, UAV_SAMPLES, rows[60:] + rows[60:70])
    assert [rows[60:][p][0] for p in fresh] == list(range(80, 120))
    with engine.connect() as connection:
        points = series(connection, UAV_SAMPLES, "height_agl_m", trial, T0, T0 + timedelta(minutes=2), 60)
    engine.dispose()
    assert [p.count for p in points] == [60, 60]
