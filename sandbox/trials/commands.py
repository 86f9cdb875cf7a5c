"""Requests to move a trial (or an amendment) along its lifecycle, one Struct per transition.

The body names the transition: ``{"name": "approve", "conditions": ["no spraying within 50 m of homes"]}``.
Where a person must say why (returning, rejecting, suspending…), the text is required.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct

from sandbox.trials.states import Outcome, Recommendation

__all__ = [
    "Activate",
    "Approve",
    "Complete",
    "Decide",
    "Evaluate",
    "Extend",
    "Recommend",
    "Reject",
    "Resume",
    "Return",
    "ReviewStep",
    "RolloutConditions",
    "StartReview",
    "Submit",
    "Suspend",
    "Terminate",
    "TransitionRequest",
    "Withdraw",
    "name_of",
    "statement_of",
]

Statement = Annotated[str, Meta(min_length=1, max_length=10_000)]
Condition = Annotated[str, Meta(min_length=1, max_length=2_000)]


class _Step(Struct, tag_field="name", forbid_unknown_fields=True):
    pass


class Submit(_Step, tag="submit"):
    note: Statement | None = None


class StartReview(_Step, tag="start_review"):
    note: Statement | None = None


class Return(_Step, tag="return"):
    comments: Statement  # what the applicant must change


class Recommend(_Step, tag="recommend"):
    recommendation: Recommendation
    comments: Statement


class Approve(_Step, tag="approve"):
    conditions: list[Condition] = []
    note: Statement | None = None


class Reject(_Step, tag="reject"):
    reason: Statement


class Withdraw(_Step, tag="withdraw"):
    reason: Statement


class Activate(_Step, tag="activate"):
    note: Statement | None = None


class Suspend(_Step, tag="suspend"):
    reason: Statement


class Resume(_Step, tag="resume"):
    reason: Statement


class Extend(_Step, tag="extend"):
    new_end_date: date
    reason: Statement


class Complete(_Step, tag="complete"):
    note: Statement | None = None


class Terminate(_Step, tag="terminate"):
    reason: Statement


class Evaluate(_Step, tag="evaluate"):
    summary: Statement


class RolloutConditions(Struct, forbid_unknown_fields=True):
    areas: list[Condition] = []
    fleet_size: Annotated[int, Meta(ge=1)] | None = None
    duration_months: Annotated[int, Meta(ge=1, le=120)] | None = None
    other: list[Condition] = []


class Decide(_Step, tag="decide"):
    outcome: Outcome
    rationale: Statement
    conditions: RolloutConditions | None = None


TransitionRequest = (
    Submit | StartReview | Return | Recommend | Approve | Reject | Withdraw | Activate | Suspend | Resume
    | Extend | Complete | Terminate | Evaluate | Decide
)
ReviewStep = Submit | StartReview | Return | Recommend | Approve | Reject | Withdraw


def name_of(request: _Step) -> str:
    return type(request).__struct_config__.tag  # type: ignore[return-value]


def statement_of(request: _Step) -> str | None:
    """The words a person gave with the transition, whatever the field is called."""
    for field in ("reason", "comments", "rationale", "summary", "note"):
        if (value := getattr(request, field, None)) is not None:
            return value  # type: ignore[no-any-return]
    return None
