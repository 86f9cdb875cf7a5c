"""Tables of the evaluation: report versions and their reviews, the decision, and what evaluators upload.

A **report version** is made once and never changed: its content, parameters, code version and the
fingerprint of its inputs are written when it is made; only its review status moves (draft →
returned, or → signed, which locks it). A new evaluation of the same trial makes the next version.

What evaluators and living-lab staff upload beside the telemetry: **ground-truth clips** (the road
users an evaluator labelled in a stretch of a camera's video, each with the camera's track id or none
when it was missed), **feedback** (Likert answers of consenting respondents) and **reference
observations** (a control group's or the pre-period's records for a KPI's baseline).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import sandbox.trials.models  # noqa: F401 - trials, devices and users are referenced by foreign keys
from sandbox.db import Base, JsonDocument, new_id

__all__ = ["Decision", "FeedbackResponse", "GroundTruthClip", "ReferenceObservation", "Report", "ReportReview",
           "ReportStatus"]


class ReportStatus(StrEnum):
    DRAFT = "draft"  # made, waiting for an evaluator
    RETURNED = "returned"  # the evaluator sent it back: a new evaluation is needed
    SIGNED = "signed"  # signed by an evaluator: locked, a decision may rest on it


def _enum(enum: type[StrEnum], length: int = 16) -> Enum:
    return Enum(enum, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e])


class Report(Base):
    __tablename__ = "evaluation_reports"
    __table_args__ = (UniqueConstraint("trial_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.DRAFT)
    recommendation: Mapped[str] = mapped_column(String(16))  # roll_out, extend, modify, stop
    until: Mapped[datetime]  # the data cut-off
    parameters: Mapped[dict[str, Any]]
    code_version: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(80))  # sha256 of the inputs and parameters
    content: Mapped[dict[str, Any]]  # sandbox.evaluation.report.ReportContent
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReportReview(Base):
    """An evaluator's comment on a report version, or the return or signature that ended its review."""

    __tablename__ = "report_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_reports.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # comment, return, sign
    comment: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class Decision(Base):
    """Policy staff's decision on a signed report: roll out (with conditions), extend, modify or reject."""

    __tablename__ = "rollout_decisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evaluation_reports.id", ondelete="RESTRICT"),
                                                 unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    rationale: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime]


class GroundTruthClip(Base):
    __tablename__ = "ground_truth_clips"
    __table_args__ = (UniqueConstraint("device_id", "start"), Index("ix_ground_truth_clips_trial", "trial_id"))

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    start: Mapped[datetime]
    end: Mapped[datetime]
    objects: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)  # [{t, label, track_id | null}]
    labelled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labelled_at: Mapped[datetime]


class FeedbackResponse(Base):
    __tablename__ = "feedback_responses"
    __table_args__ = (UniqueConstraint("trial_id", "respondent", "answered_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    respondent: Mapped[str] = mapped_column(String(64))  # a pseudonymous code, never a name
    group: Mapped[str] = mapped_column(String(100))
    answered_on: Mapped[date]
    answers: Mapped[dict[str, Any]]  # question code → 1…5
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]


class ReferenceObservation(Base):
    __tablename__ = "reference_observations"
    __table_args__ = (Index("ix_reference_observations_trial_kpi", "trial_id", "kpi"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    kpi: Mapped[str] = mapped_column(String(64))
    group: Mapped[str] = mapped_column(String(16))  # control, pre_period
    day: Mapped[date]
    numerator: Mapped[float]
    denominator: Mapped[float]
    source: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]
