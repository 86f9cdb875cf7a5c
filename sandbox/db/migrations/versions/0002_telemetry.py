"""telemetry: time-series tables, incidents, dead letters, ingest counters, device protocols

The time-series tables are partitioned by time on PostgreSQL: as TimescaleDB hypertables (with
compression and retention policies) when the extension can be created, with native range
partitioning otherwise. ``SANDBOX_TIMESERIES_LAYOUT=native`` forces the latter. Partitions of the
native layout are created by the ingester as data arrives (sandbox.telemetry.store.partitions).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:05:21.526269
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sandbox.db.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The time-series tables as they are at this revision (sandbox/telemetry/store/tables.py is the live copy;
# tests/integration/test_timeseries_schema.py checks that the two agree).
C = sa.Column
SERIES = ("uav_samples", "camera_status", "camera_detections", "amr_samples", "device_events", "device_status")


def _series_columns() -> dict[str, list[sa.Column]]:
    """Fresh Column objects each time (a Column belongs to one Table)."""
    return {
        "uav_samples": [
            C("lat", sa.Float, nullable=False), C("lon", sa.Float, nullable=False),
            C("height_agl_m", sa.Float, nullable=False), C("ground_speed_mps", sa.Float, nullable=False),
            C("heading_deg", sa.Float, nullable=False), C("battery_pct", sa.Float, nullable=False),
            C("flight_mode", sa.String(64), nullable=False), C("armed", sa.Boolean, nullable=False),
            C("spraying", sa.Boolean, nullable=False), C("flow_rate_lpm", sa.Float, nullable=False),
            C("tank_level_l", sa.Float), C("swath_width_m", sa.Float), C("gps_fix", sa.SmallInteger, nullable=False),
            C("satellites", sa.SmallInteger),
        ],
        "camera_status": [
            C("online", sa.Boolean, nullable=False), C("fps", sa.Float, nullable=False),
            C("inference_latency_ms", sa.Float, nullable=False), C("temperature_c", sa.Float),
            C("privacy_masking", sa.Boolean, nullable=False),
        ],
        "camera_detections": [
            C("label", sa.String(64), nullable=False), C("score", sa.Float, nullable=False),
            C("x1", sa.Float, nullable=False), C("y1", sa.Float, nullable=False), C("x2", sa.Float, nullable=False),
            C("y2", sa.Float, nullable=False), C("zone", sa.String(64)), C("track_id", sa.String(64)),
            C("violation", sa.String(16)),
        ],
        "amr_samples": [
            C("lat", sa.Float), C("lon", sa.Float), C("x", sa.Float), C("y", sa.Float), C("map_id", sa.String(64)),
            C("speed_mps", sa.Float, nullable=False), C("heading_deg", sa.Float, nullable=False),
            C("battery_pct", sa.Float, nullable=False), C("mode", sa.String(64), nullable=False),
            C("emergency_stop", sa.Boolean, nullable=False), C("safety_field_violation", sa.Boolean, nullable=False),
            C("localisation_score", sa.Float), C("odometer_m", sa.Float), C("mission_id", sa.String(64)),
            C("fatal_error", sa.Boolean, nullable=False),
        ],
        "device_events": [
            C("type", sa.String(32), nullable=False), C("detail", sa.Text), C("mission_id", sa.String(64)),
            C("success", sa.Boolean), C("intervention", sa.String(16)), C("lat", sa.Float), C("lon", sa.Float),
        ],
        "device_status": [
            C("online", sa.Boolean, nullable=False), C("graceful", sa.Boolean, nullable=False),
            C("firmware", sa.String(64)), C("detail", sa.Text),
        ],
    }


CHUNK = "INTERVAL '1 day'"
COMPRESS_AFTER = "INTERVAL '7 days'"
RETAIN_FOR = "INTERVAL '1095 days'"  # three years of evidence after a trial


def _layout() -> str:
    """'sqlite', 'timescaledb' or 'native' (PostgreSQL range partitions)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return "sqlite"
    wanted = os.environ.get("SANDBOX_TIMESERIES_LAYOUT", "auto")
    if wanted == "native":
        return "native"
    available = bind.execute(sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")).scalar()
    if not available:
        if wanted == "timescaledb":
            raise RuntimeError("SANDBOX_TIMESERIES_LAYOUT=timescaledb but the extension is not installed")
        return "native"
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS timescaledb"))
    except sa.exc.DBAPIError:
        if wanted == "timescaledb":
            raise
        return "native"  # installed but not loaded (shared_preload_libraries) or not permitted
    return "timescaledb"


def _create_timeseries() -> None:
    layout = _layout()
    instant = sa.BigInteger() if layout == "sqlite" else postgresql.TIMESTAMP(timezone=True)
    for name, columns in _series_columns().items():
        key = [
            C("device_id", sa.Uuid, nullable=False), C("trial_id", sa.Uuid, nullable=False),
            C("time", instant, nullable=False), C("seq", sa.BigInteger, nullable=False),
            C("received_at", instant, nullable=False),
        ]
        options = {"postgresql_partition_by": "RANGE (time)"} if layout == "native" else {}
        op.create_table(name, *key, *columns, **options)
        op.create_index(f"uq_{name}_device_time_seq", name, ["device_id", "time", "seq"], unique=True)
        op.create_index(f"ix_{name}_trial_time", name, ["trial_id", "time"])
        if layout == "timescaledb":
            op.execute(f"SELECT create_hypertable('{name}', by_range('time', {CHUNK}))")
            op.execute(
                f"ALTER TABLE {name} SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id', "
                "timescaledb.compress_orderby = 'time DESC, seq DESC')"
            )
            op.execute(f"SELECT add_compression_policy('{name}', {COMPRESS_AFTER})")
            op.execute(f"SELECT add_retention_policy('{name}', {RETAIN_FOR})")


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('dead_letters',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('received_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('trial_id', sa.Uuid(), nullable=True),
    sa.Column('ingester', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters'))
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_reason'), ['reason'], unique=False)
        batch_op.create_index('ix_dead_letters_received_at', ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dead_letters_trial_id'), ['trial_id'], unique=False)

    op.create_table('device_presence',
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('last_time', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_received_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device_presence'))
    )
    with op.batch_alter_table('device_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_presence_trial_id'), ['trial_id'], unique=False)

    op.create_table('ingest_counters',
    sa.Column('ingester', sa.String(length=100), nullable=False),
    sa.Column('started_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('messages_received', sa.BigInteger(), nullable=False),
    sa.Column('messages_committed', sa.BigInteger(), nullable=False),
    sa.Column('messages_rejected', sa.BigInteger(), nullable=False),
    sa.Column('samples_received', sa.BigInteger(), nullable=False),
    sa.Column('samples_committed', sa.BigInteger(), nullable=False),
    sa.Column('samples_duplicate', sa.BigInteger(), nullable=False),
    sa.Column('batches', sa.BigInteger(), nullable=False),
    sa.Column('lag_seconds_sum', sa.Double(), nullable=False),
    sa.Column('lag_buckets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rejected_by_reason', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('ingester', name=op.f('pk_ingest_counters'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('category', sa.Enum('geofence_breach', 'height_exceeded', 'speed_exceeded', 'outside_window', 'link_lost', 'device_silent', 'battery_critical', 'collision', 'near_miss', 'emergency_stop', 'failsafe', 'privacy_breach', 'injury', 'property_damage', 'device_error', 'other', name='incidentcategory', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('rule', 'device', 'person', name='incidentsource', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('open', 'acknowledged', 'closed', name='incidentstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('started_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('reported_by', sa.Uuid(), nullable=True),
    sa.Column('report_due_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Uuid(), nullable=True),
    sa.Column('closed_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Uuid(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('created_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('severity BETWEEN 1 AND 5', name=op.f('ck_incidents_severity_range')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_incidents_acknowledged_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_incidents_closed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_incidents_device_id_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reported_by'], ['users.id'], name=op.f('fk_incidents_reported_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_incidents_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_trial_id_started_at', ['trial_id', 'started_at'], unique=False)
        batch_op.create_index('uq_incidents_open_episode', ['device_id', 'category'], unique=True, sqlite_where=sa.text("ended_at IS NULL AND source = 'rule'"), postgresql_where=sa.text("ended_at IS NULL AND source = 'rule'"))

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol', sa.Enum('sandbox', 'vda5050', 'frigate', name='deviceprotocol', native_enum=False, create_constraint=True, length=16), nullable=False, server_default='sandbox'))
        batch_op.add_column(sa.Column('identity', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('external_key', sa.String(length=300), nullable=True))
        batch_op.create_index('uq_devices_external_key_enrolled', ['external_key'], unique=True, sqlite_where=sa.text('retired_at IS NULL AND external_key IS NOT NULL'), postgresql_where=sa.text('retired_at IS NULL AND external_key IS NOT NULL'))

    # ### end Alembic commands ###
    _create_timeseries()


def downgrade() -> None:
    for name in reversed(SERIES):
        op.drop_table(name)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('uq_devices_external_key_enrolled', sqlite_where=sa.text('retired_at IS NULL AND external_key IS NOT NULL'), postgresql_where=sa.text('retired_at IS NULL AND external_key IS NOT NULL'))
        batch_op.drop_column('external_key')
        batch_op.drop_column('identity')
        batch_op.drop_constraint(op.f('ck_devices_deviceprotocol'), type_='check')
        batch_op.drop_column('protocol')

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('uq_incidents_open_episode', sqlite_where=sa.text("ended_at IS NULL AND source = 'rule'"), postgresql_where=sa.text("ended_at IS NULL AND source = 'rule'"))
        batch_op.drop_index('ix_incidents_trial_id_started_at')

    op.drop_table('incidents')
    op.drop_table('ingest_counters')
    with op.batch_alter_table('device_presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_presence_trial_id'))

    op.drop_table('device_presence')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_trial_id'))
        batch_op.drop_index('ix_dead_letters_received_at')
        batch_op.drop_index(batch_op.f('ix_dead_letters_reason'))

    op.drop_table('dead_letters')
    # ### end Alembic commands ###
