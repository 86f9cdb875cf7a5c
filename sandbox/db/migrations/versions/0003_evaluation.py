"""evaluation: report versions, reviews, decisions, ground truth, feedback, reference observations; device sites

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 03:13:31.877644

A report version is written once (content, parameters, code version, fingerprint); only its review
status moves. Devices may name the plan site they are installed at (a camera's junction, a control site).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sandbox.db.base

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('evaluation_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'returned', 'signed', name='reportstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('recommendation', sa.String(length=16), nullable=False),
    sa.Column('until', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('code_version', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=80), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('signed_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_evaluation_reports_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signed_by'], ['users.id'], name=op.f('fk_evaluation_reports_signed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_evaluation_reports_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_reports')),
    sa.UniqueConstraint('trial_id', 'version', name=op.f('uq_evaluation_reports_trial_id_version'))
    )
    with op.batch_alter_table('evaluation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_reports_trial_id'), ['trial_id'], unique=False)

    op.create_table('feedback_responses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('respondent', sa.String(length=64), nullable=False),
    sa.Column('group', sa.String(length=100), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_feedback_responses_recorded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_feedback_responses_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_responses')),
    sa.UniqueConstraint('trial_id', 'respondent', 'answered_on', name=op.f('uq_feedback_responses_trial_id_respondent_answered_on'))
    )
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_responses_trial_id'), ['trial_id'], unique=False)

    op.create_table('reference_observations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('kpi', sa.String(length=64), nullable=False),
    sa.Column('group', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('numerator', sa.Double(), nullable=False),
    sa.Column('denominator', sa.Double(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_reference_observations_recorded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_reference_observations_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_observations'))
    )
    with op.batch_alter_table('reference_observations', schema=None) as batch_op:
        batch_op.create_index('ix_reference_observations_trial_kpi', ['trial_id', 'kpi'], unique=False)

    op.create_table('ground_truth_clips',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('start', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('objects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('labelled_by', sa.Uuid(), nullable=True),
    sa.Column('labelled_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_ground_truth_clips_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['labelled_by'], ['users.id'], name=op.f('fk_ground_truth_clips_labelled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_ground_truth_clips_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ground_truth_clips')),
    sa.UniqueConstraint('device_id', 'start', name=op.f('uq_ground_truth_clips_device_id_start'))
    )
    with op.batch_alter_table('ground_truth_clips', schema=None) as batch_op:
        batch_op.create_index('ix_ground_truth_clips_trial', ['trial_id'], unique=False)

    op.create_table('report_reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_report_reviews_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['evaluation_reports.id'], name=op.f('fk_report_reviews_report_id_evaluation_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_reviews'))
    )
    with op.batch_alter_table('report_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_reviews_report_id'), ['report_id'], unique=False)

    op.create_table('rollout_decisions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('trial_id', sa.Uuid(), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('conditions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sandbox.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_rollout_decisions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['evaluation_reports.id'], name=op.f('fk_rollout_decisions_report_id_evaluation_reports'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_rollout_decisions_trial_id_trials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollout_decisions')),
    sa.UniqueConstraint('report_id', name=op.f('uq_rollout_decisions_report_id'))
    )
    with op.batch_alter_table('rollout_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rollout_decisions_trial_id'), ['trial_id'], unique=False)

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site', sa.String(length=200), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('site')

    with op.batch_alter_table('rollout_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rollout_decisions_trial_id'))

    op.drop_table('rollout_decisions')
    with op.batch_alter_table('report_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_reviews_report_id'))

    op.drop_table('report_reviews')
    with op.batch_alter_table('ground_truth_clips', schema=None) as batch_op:
        batch_op.drop_index('ix_ground_truth_clips_trial')

    op.drop_table('ground_truth_clips')
    with op.batch_alter_table('reference_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_reference_observations_trial_kpi')

    op.drop_table('reference_observations')
    with op.batch_alter_table('feedback_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_responses_trial_id'))

    op.drop_table('feedback_responses')
    with op.batch_alter_table('evaluation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_reports_trial_id'))

    op.drop_table('evaluation_reports')

