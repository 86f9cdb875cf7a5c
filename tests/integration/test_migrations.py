"""Alembic migrations build exactly the schema the models describe, on both databases, and come down again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import sandbox.audit.models
import sandbox.auth.models
import sandbox.evaluation.models
import sandbox.telemetry.models
import sandbox.trials.models  # noqa: F401 - the models must be loaded to be compared
from sandbox.config import Settings
from sandbox.db import Base, make_engine
from sandbox.db.migrate import alembic_config, current_revision, head_revision
from sandbox.telemetry.store.tables import TIMESERIES, is_timeseries_table


def test_the_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or not is_timeseries_table(name or ""),
        })
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
    assert current_revision(settings.database_url) == head_revision()


def test_downgrade_to_nothing_and_up_again(settings: Settings) -> None:
    config = alembic_config(settings.database_url)
    command.downgrade(config, "base")
    engine = make_engine(settings.database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    assert current_revision(settings.database_url) == head_revision()


def test_the_timeseries_tables_match_their_core_definitions(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or name in TIMESERIES.tables,
        })
        differences = compare_metadata(context, TIMESERIES)
    engine.dispose()
    assert differences == []
