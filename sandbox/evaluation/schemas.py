"""What the evaluation API takes and gives: report versions, uploads of ground truth, feedback and baselines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from sandbox.evaluation.report import ReportContent

__all__ = [
    "ClipUpload",
    "DecisionView",
    "FeedbackUpload",
    "LabelledObject",
    "ReferenceUpload",
    "ReportSummary",
    "ReportView",
    "ReviewView",
    "Uploaded",
]

Label = Annotated[str, Meta(min_length=1, max_length=64)]


class ReportSummary(Struct):
    id: uuid.UUID
    trial_id: uuid.UUID
    version: int
    status: str
    recommendation: str
    until: datetime
    created_at: datetime
    created_by: uuid.UUID | None
    fingerprint: str
    code_version: str
    signed_at: datetime | None
    signed_by: uuid.UUID | None


class ReportView(ReportSummary):
    parameters: dict[str, Any]
    content: ReportContent


class ReviewView(Struct):
    action: str  # comment, return, sign
    comment: str | None
    actor_id: uuid.UUID | None
    at: datetime


class DecisionView(Struct):
    id: uuid.UUID
    report_version: int
    outcome: str
    conditions: dict[str, Any] | None
    rationale: str
    decided_by: uuid.UUID | None
    decided_at: datetime


class LabelledObject(Struct, forbid_unknown_fields=True):
    """A road user the evaluator saw in the clip, and the camera's track of it (null: the camera missed it)."""

    t: datetime
    label: Label
    track_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


class Clip(Struct, forbid_unknown_fields=True):
    device_id: uuid.UUID
    start: datetime
    end: datetime
    objects: Annotated[list[LabelledObject], Meta(max_length=10_000)]


class ClipUpload(Struct, forbid_unknown_fields=True):
    clips: Annotated[list[Clip], Meta(min_length=1, max_length=5_000)]


Likert = Annotated[int, Meta(ge=1, le=5)]


class Response(Struct, forbid_unknown_fields=True):
    """One respondent's answers on a day; ``respondent`` is a pseudonymous code, never a name."""

    respondent: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    group: Annotated[str, Meta(min_length=1, max_length=100)]
    consent: bool
    answered_on: date
    answers: Annotated[dict[Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")], Likert], Meta(min_length=1)]


class FeedbackUpload(Struct, forbid_unknown_fields=True):
    responses: Annotated[list[Response], Meta(min_length=1, max_length=10_000)]


class Observation(Struct, forbid_unknown_fields=True):
    day: date
    numerator: Annotated[float, Meta(ge=0)]
    denominator: Annotated[float, Meta(gt=0)]


class ReferenceUpload(Struct, forbid_unknown_fields=True, kw_only=True):
    """Records of a KPI's baseline: a control group's (manual spraying rounds) or the pre-period's."""

    kpi: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    group: Literal["control", "pre_period"]
    source: Annotated[str, Meta(min_length=1, max_length=300)] | None = None
    observations: Annotated[list[Observation], Meta(min_length=1, max_length=100_000)]


class Uploaded(Struct):
    stored: int
    replaced: int = 0
