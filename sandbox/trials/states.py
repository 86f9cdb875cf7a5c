"""The states a trial goes through, the advice an evaluator gives, and the decision at the end."""

from __future__ import annotations

from enum import StrEnum

from sandbox.i18n import Text

__all__ = [
    "AMENDABLE_STATES",
    "APPROVED_OR_LATER",
    "OPEN_STATES",
    "Outcome",
    "Recommendation",
    "TrialState",
]


class TrialState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    DECIDED = "decided"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"

    @property
    def label(self) -> Text:
        return STATE_LABELS[self]


STATE_LABELS = {
    TrialState.DRAFT: Text("Bản nháp", "Draft"),
    TrialState.SUBMITTED: Text("Đã nộp", "Submitted"),
    TrialState.UNDER_REVIEW: Text("Đang thẩm định", "Under review"),
    TrialState.RETURNED: Text("Trả lại để chỉnh sửa", "Returned for changes"),
    TrialState.APPROVED: Text("Đã phê duyệt", "Approved"),
    TrialState.ACTIVE: Text("Đang thử nghiệm", "Active"),
    TrialState.SUSPENDED: Text("Tạm dừng", "Suspended"),
    TrialState.COMPLETED: Text("Đã kết thúc thử nghiệm", "Completed"),
    TrialState.EVALUATED: Text("Đã đánh giá", "Evaluated"),
    TrialState.DECIDED: Text("Đã có quyết định", "Decided"),
    TrialState.REJECTED: Text("Bị từ chối", "Rejected"),
    TrialState.WITHDRAWN: Text("Đã rút hồ sơ", "Withdrawn"),
    TrialState.TERMINATED: Text("Chấm dứt trước hạn", "Terminated"),
}

# States of the public register: the trial was approved at some point.
APPROVED_OR_LATER = frozenset(
    {
        TrialState.APPROVED,
        TrialState.ACTIVE,
        TrialState.SUSPENDED,
        TrialState.COMPLETED,
        TrialState.EVALUATED,
        TrialState.DECIDED,
        TrialState.TERMINATED,
    }
)
# States in which devices may still be enrolled (the trial has not ended).
OPEN_STATES = frozenset(
    {
        TrialState.DRAFT,
        TrialState.RETURNED,
        TrialState.SUBMITTED,
        TrialState.UNDER_REVIEW,
        TrialState.APPROVED,
        TrialState.ACTIVE,
        TrialState.SUSPENDED,
    }
)
# States in which the plan in force may be amended.
AMENDABLE_STATES = frozenset({TrialState.APPROVED, TrialState.ACTIVE, TrialState.SUSPENDED})


class Recommendation(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Outcome(StrEnum):
    """The policy decision at the end of a trial."""

    ROLL_OUT = "roll_out"
    EXTEND = "extend"
    MODIFY = "modify"
    REJECT = "reject"
