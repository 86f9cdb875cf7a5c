"""Fixtures shared by the whole suite: real databases (SQLite and a throwaway PostgreSQL), the app.

Every integration test runs twice, once per database, each time on a fresh database copied
from a migrated template (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from sandbox.config import Settings, load_settings
from sandbox.db.migrate import upgrade
from tests.services.mosquitto import MosquittoNotFound, ThrowawayMosquitto
from tests.services.postgres import PostgresNotFound, ThrowawayPostgres

DATABASES = ["sqlite", "postgresql"]
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per test request drowns the useful output


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server we may create databases on: SANDBOX_TEST_POSTGRES_URL, or one started here."""
    if url := os.environ.get("SANDBOX_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        server = ThrowawayPostgres().start()
    except PostgresNotFound as exc:
        pytest.exit(str(exc), returncode=3)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[ThrowawayMosquitto]:
    """A Mosquitto broker with dynamic security, shared by the tests that need MQTT."""
    try:
        broker = ThrowawayMosquitto().start()
    except MosquittoNotFound as exc:
        pytest.exit(str(exc), returncode=3)
    try:
        yield broker
    finally:
        broker.remove()


def _sqlalchemy_url(psycopg_url: str, database: str) -> str:
    base = psycopg_url.rsplit("/", 1)[0]
    return base.replace("postgresql://", "postgresql+psycopg://", 1) + f"/{database}"


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    name = f"sandbox_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    upgrade(_sqlalchemy_url(postgres_admin_url, name))
    yield name
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "sandbox.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "sandbox.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    name = f"sandbox_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _sqlalchemy_url(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with no schema at all, as on the first day."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"sandbox_empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _sqlalchemy_url(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {"SANDBOX_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url, "SANDBOX_PASSWORD_HASHING": "fast"}
    )


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest) -> Iterator[None]:
    """An error logged by the service (an unexpected exception behind a 500) fails the test that caused it."""
    caplog.set_level(logging.WARNING, logger="sandbox")
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    errors = [r for r in caplog.get_records("call") if r.name.startswith("sandbox") and r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("the service logged errors:\n" + "\n".join(r.getMessage() for r in errors), pytrace=False)
