"""Alembic environment: one engine made the way the service makes it (SQLite pragmas included)."""

from __future__ import annotations

from alembic import context

import sandbox.audit.models
import sandbox.auth.models
import sandbox.trials.models  # noqa: F401 - every table must be known to compare and create
from sandbox.db.base import Base
from sandbox.db.engine import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url").replace("%%", "%"))
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `sandbox db upgrade`")
run_migrations_online()
