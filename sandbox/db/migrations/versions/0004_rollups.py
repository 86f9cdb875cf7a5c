"""rollups of the time-series tables: minutes of every series, a drone's sortie pieces and spraying seconds

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:10:00.000000

Small tables kept beside the samples (sandbox.telemetry.store.rollups: the writer counts every minute's
rows, the ingester's keeper recomputes a drone's pieces and seconds), so that evaluating a trial of
millions of samples reads thousands of rows. Plain tables on every layout (a few rows a device-minute).
Filled here from the rows already stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

C = sa.Column


def upgrade() -> None:
    # The tables as they are at this revision (sandbox/telemetry/store/rollups.py is the live copy;
    # tests/integration/test_migrations.py checks that the two agree).
    bind = op.get_bind()
    instant = sa.BigInteger() if bind.dialect.name == "sqlite" else postgresql.TIMESTAMP(timezone=True)
    op.create_table(
        "series_minutes",
        C("series", sa.String(32), nullable=False), C("trial_id", sa.Uuid, nullable=False),
        C("device_id", sa.Uuid, nullable=False), C("minute", instant, nullable=False),
        C("rows", sa.BigInteger, nullable=False), C("seq_sum", sa.BigInteger, nullable=False),
        C("first_seq", sa.BigInteger, nullable=False), C("last_seq", sa.BigInteger, nullable=False),
        C("first_time", instant, nullable=False), C("last_time", instant, nullable=False),
        C("received_until", instant, nullable=False), C("rolled_rows", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("series", "trial_id", "device_id", "minute", name="pk_series_minutes"),
    )
    stale = sa.text("series = 'uav_samples' AND (rolled_rows IS NULL OR rolled_rows <> rows)")
    op.create_index("ix_series_minutes_stale", "series_minutes", ["received_until"], postgresql_where=stale,
                    sqlite_where=stale)
    op.create_table(
        "uav_sortie_pieces",
        C("trial_id", sa.Uuid, nullable=False), C("device_id", sa.Uuid, nullable=False),
        C("minute", instant, nullable=False), C("piece", sa.Integer, nullable=False),
        C("start", instant, nullable=False), C("end", instant, nullable=False),
        C("samples", sa.Integer, nullable=False), C("flight_s", sa.Float, nullable=False),
        C("spraying_s", sa.Float, nullable=False), C("litres", sa.Float, nullable=False),
        C("first_spraying", sa.Boolean, nullable=False), C("first_flow_lpm", sa.Float, nullable=False),
        C("opens", sa.Boolean, nullable=False), C("closes", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("trial_id", "device_id", "minute", "piece", name="pk_uav_sortie_pieces"),
    )
    op.create_table(
        "uav_spraying_seconds",
        C("trial_id", sa.Uuid, nullable=False), C("device_id", sa.Uuid, nullable=False),
        C("second", instant, nullable=False), C("samples", sa.Integer, nullable=False),
        C("lon_sum", sa.Float, nullable=False), C("lat_sum", sa.Float, nullable=False),
        C("swath_m", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("trial_id", "device_id", "second", name="pk_uav_spraying_seconds"),
    )
    # The rows stored so far, summed by the writer's own queries (a later revision that changes what a rollup
    # holds rebuilds it the same way).
    from sandbox.telemetry.store.upkeep import rebuild

    rebuild(bind)


def downgrade() -> None:
    op.drop_index("ix_series_minutes_stale", table_name="series_minutes")
    op.drop_table("uav_spraying_seconds")
    op.drop_table("uav_sortie_pieces")
    op.drop_table("series_minutes")
