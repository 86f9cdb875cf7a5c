"""The trial lifecycle: which transitions exist, who may take them, and what must hold first.

Pure rules over a snapshot of facts; no database, no web. The service gathers the facts, asks
``assess`` and either applies the transition or refuses it with the reasons given here.

    draft ─submit─► submitted ─start_review─► under_review ─approve─► approved ─activate─► active
      ▲                │                         │  ▲ recommend                          │  ▲
      └──── returned ◄─┴──────── return ─────────┘──┘                            suspend│  │resume
                                                                                        ▼  │
    rejected ◄─reject─ (submitted, under_review)                                     suspended
    withdrawn ◄─withdraw─ (draft … approved)        active/suspended ─complete─► completed
    terminated ◄─terminate─ (approved, active, suspended)     completed ─evaluate─► evaluated ─decide─► decided

An amendment of an approved plan goes through the same review steps (``REVIEW_STEPS``) on its
plan version, while the trial keeps running under the version in force.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sandbox.auth.roles import Role
from sandbox.i18n import Text

__all__ = [
    "REVIEW_STEPS",
    "TRANSITIONS",
    "Option",
    "Outcome",
    "Reason",
    "Recommendation",
    "ReviewFacts",
    "TrialFacts",
    "TrialState",
    "assess",
    "options",
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


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a transition may not be taken: a stable code, a bilingual message, the numbers involved."""

    code: str
    message: Text
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the review steps look at: the state of the plan under review and its evaluator's advice."""

    state: TrialState
    plan_problems: tuple[Reason, ...] = ()
    recommendation: Recommendation | None = None


@dataclass(frozen=True, slots=True)
class TrialFacts(ReviewFacts):
    today: date = date.min
    start_date: date | None = None
    end_date: date | None = None  # in force, after any extension
    original_days: int | None = None  # planned duration of the approved schedule, in days
    extended: bool = False
    active_devices: int = 0
    insurance_valid_until: date | None = None
    max_extension_days: int = 183


Check = Callable[[Any, Any], Reason | None]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    sources: frozenset[TrialState]
    target: TrialState | None  # None: the state does not change (recommend, extend)
    roles: frozenset[Role]
    checks: tuple[Check, ...] = ()
    label: Text = Text("", "")


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    target: TrialState | None
    allowed: bool
    reasons: tuple[Reason, ...]
    label: Text


# ---------------------------------------------------------------- preconditions


def _plan_complete(facts: ReviewFacts, _request: Any) -> Reason | None:
    if not facts.plan_problems:
        return None
    listed = "; ".join(problem.message.vi for problem in facts.plan_problems)
    listed_en = "; ".join(problem.message.en for problem in facts.plan_problems)
    return Reason(
        "plan_incomplete",
        Text(f"Kế hoạch thử nghiệm chưa đầy đủ: {listed}", f"The sandbox plan is incomplete: {listed_en}"),
        {"problems": [{"code": p.code, **p.data} for p in facts.plan_problems]},
    )


def _approval_recommended(facts: ReviewFacts, _request: Any) -> Reason | None:
    if facts.recommendation is Recommendation.APPROVE:
        return None
    return Reason(
        "approval_not_recommended",
        Text(
            "Chuyên viên thẩm định chưa đề xuất phê duyệt phiên bản kế hoạch này",
            "No evaluator has recommended approving this plan version",
        ),
        {"recommendation": facts.recommendation},
    )


def _start_reached(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.start_date is not None and facts.start_date <= facts.today:
        return None
    return Reason(
        "start_date_not_reached",
        Text(
            f"Chưa đến ngày bắt đầu {facts.start_date} (hôm nay là {facts.today} theo giờ Việt Nam)",
            f"The start date {facts.start_date} has not been reached (today is {facts.today} in Asia/Ho_Chi_Minh)",
        ),
        {"start_date": str(facts.start_date), "today": str(facts.today)},
    )


def _end_not_passed(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.end_date is None or facts.today <= facts.end_date:
        return None
    return Reason(
        "end_date_passed",
        Text(
            f"Đã quá ngày kết thúc {facts.end_date}; hãy kết thúc thử nghiệm",
            f"The end date {facts.end_date} has passed; complete the trial instead",
        ),
        {"end_date": str(facts.end_date), "today": str(facts.today)},
    )


def _end_reached(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.end_date is not None and facts.today >= facts.end_date:
        return None
    return Reason(
        "end_date_not_reached",
        Text(
            f"Chưa đến ngày kết thúc {facts.end_date}; muốn dừng sớm thì cơ quan quản lý phải chấm dứt thử nghiệm",
            f"The end date {facts.end_date} has not been reached; ending early is a termination by policy staff",
        ),
        {"end_date": str(facts.end_date), "today": str(facts.today)},
    )


def _device_enrolled(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.active_devices > 0:
        return None
    return Reason(
        "no_device_enrolled",
        Text("Chưa có thiết bị nào được đăng ký vào thử nghiệm", "No device is enrolled in the trial"),
    )


def _insurance_valid(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.insurance_valid_until is not None and facts.insurance_valid_until >= facts.today:
        return None
    return Reason(
        "insurance_expired",
        Text(
            f"Bảo hiểm trách nhiệm không còn hiệu lực (đến {facts.insurance_valid_until})",
            f"The liability insurance is not in force (valid until {facts.insurance_valid_until})",
        ),
        {"insurance_valid_until": str(facts.insurance_valid_until)},
    )


def _not_extended_before(facts: TrialFacts, _request: Any) -> Reason | None:
    if not facts.extended:
        return None
    return Reason(
        "already_extended",
        Text("Thử nghiệm chỉ được gia hạn một lần và đã được gia hạn", "A trial may be extended once, and this one was"),
    )


def _extension_within_limits(facts: TrialFacts, request: Any) -> Reason | None:
    new_end: date | None = getattr(request, "new_end_date", None)
    if new_end is None or facts.end_date is None:
        return None  # assessed without a request: the date is checked when one is made
    if new_end <= facts.end_date:
        return Reason(
            "extension_not_later",
            Text(
                f"Ngày kết thúc mới {new_end} phải sau ngày kết thúc hiện tại {facts.end_date}",
                f"The new end date {new_end} must be after the current end date {facts.end_date}",
            ),
            {"new_end_date": str(new_end), "end_date": str(facts.end_date)},
        )
    longest = min(facts.original_days or 0, facts.max_extension_days)
    if (new_end - facts.end_date).days > longest:
        latest = facts.end_date + timedelta(days=longest)
        return Reason(
            "extension_too_long",
            Text(
                f"Gia hạn {(new_end - facts.end_date).days} ngày vượt quá mức cho phép {longest} ngày "
                f"(không dài hơn thời gian ban đầu); muộn nhất là {latest}",
                f"An extension of {(new_end - facts.end_date).days} days exceeds the {longest} days allowed "
                f"(no longer than the original duration); the latest end date is {latest}",
            ),
            {"new_end_date": str(new_end), "latest_end_date": str(latest), "max_days": longest},
        )
    return None


# ---------------------------------------------------------------- the table

S = TrialState
_REVIEWABLE = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED})


def _rule(name: str, sources: set[TrialState], target: TrialState | None, roles: set[Role], label: Text,
          *checks: Check) -> tuple[str, Rule]:
    return name, Rule(name, frozenset(sources), target, frozenset(roles), tuple(checks), label)


TRANSITIONS: dict[str, Rule] = dict(
    [
        _rule("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, {Role.STARTUP},
              Text("Nộp hồ sơ", "Submit"), _plan_complete),
        _rule("start_review", {S.SUBMITTED}, S.UNDER_REVIEW, {Role.EVALUATOR},
              Text("Bắt đầu thẩm định", "Start review")),
        _rule("return", {S.SUBMITTED, S.UNDER_REVIEW}, S.RETURNED, {Role.EVALUATOR},
              Text("Trả lại để chỉnh sửa", "Return for changes")),
        _rule("recommend", {S.UNDER_REVIEW}, None, {Role.EVALUATOR},
              Text("Đề xuất", "Recommend")),
        _rule("approve", {S.UNDER_REVIEW}, S.APPROVED, {Role.POLICY},
              Text("Phê duyệt", "Approve"), _approval_recommended),
        _rule("reject", {S.SUBMITTED, S.UNDER_REVIEW}, S.REJECTED, {Role.POLICY},
              Text("Từ chối", "Reject")),
        _rule("withdraw", set(_REVIEWABLE | {S.APPROVED}), S.WITHDRAWN, {Role.STARTUP},
              Text("Rút hồ sơ", "Withdraw")),
        _rule("activate", {S.APPROVED}, S.ACTIVE, {Role.STARTUP, Role.POLICY},
              Text("Bắt đầu thử nghiệm", "Activate"),
              _start_reached, _end_not_passed, _device_enrolled, _insurance_valid),
        _rule("suspend", {S.ACTIVE}, S.SUSPENDED, {Role.POLICY}, Text("Tạm dừng", "Suspend")),
        _rule("resume", {S.SUSPENDED}, S.ACTIVE, {Role.POLICY}, Text("Cho phép tiếp tục", "Resume"),
              _end_not_passed, _device_enrolled, _insurance_valid),
        _rule("extend", {S.APPROVED, S.ACTIVE, S.SUSPENDED}, None, {Role.POLICY}, Text("Gia hạn", "Extend"),
              _not_extended_before, _extension_within_limits),
        _rule("complete", {S.ACTIVE, S.SUSPENDED}, S.COMPLETED, {Role.STARTUP, Role.POLICY},
              Text("Kết thúc thử nghiệm", "Complete"), _end_reached),
        _rule("terminate", {S.APPROVED, S.ACTIVE, S.SUSPENDED}, S.TERMINATED, {Role.POLICY},
              Text("Chấm dứt trước hạn", "Terminate")),
        _rule("evaluate", {S.COMPLETED}, S.EVALUATED, {Role.EVALUATOR}, Text("Hoàn tất đánh giá", "Evaluate")),
        _rule("decide", {S.EVALUATED}, S.DECIDED, {Role.POLICY}, Text("Ra quyết định", "Decide")),
    ]
)

# The steps an amendment of an approved plan goes through, on its own plan version.
REVIEW_STEPS = ("submit", "start_review", "return", "recommend", "approve", "reject", "withdraw")


def _sources(rule: Rule, amendment: bool) -> frozenset[TrialState]:
    return rule.sources & _REVIEWABLE if amendment else rule.sources


def assess(name: str, facts: ReviewFacts, role: Role, request: Any = None, *, amendment: bool = False
           ) -> list[Reason]:
    """Reasons the transition ``name`` may not be taken now by ``role``; empty when it may.

    With ``amendment`` the facts describe a plan version under amendment, not the trial.
    """
    rule = TRANSITIONS[name]
    reasons: list[Reason] = []
    sources = _sources(rule, amendment)
    if facts.state not in sources:
        allowed_from = ", ".join(sorted(sources))
        reasons.append(
            Reason(
                "wrong_state",
                Text(
                    f"Không thể '{rule.label.vi}' khi đang ở trạng thái '{facts.state.label.vi}' "
                    f"(chỉ từ: {allowed_from})",
                    f"'{rule.label.en}' is not possible from '{facts.state}' (only from: {allowed_from})",
                ),
                {"state": str(facts.state), "allowed_from": sorted(sources)},
            )
        )
    if role not in rule.roles:
        reasons.append(
            Reason(
                "role_not_allowed",
                Text(
                    f"Vai trò '{role.label.vi}' không được '{rule.label.vi}'",
                    f"The role '{role}' may not '{rule.label.en}' (only: {', '.join(sorted(rule.roles))})",
                ),
                {"role": str(role), "roles": sorted(rule.roles)},
            )
        )
    if reasons:
        return reasons
    for check in rule.checks:
        if (reason := check(facts, request)) is not None:
            reasons.append(reason)
    return reasons


def options(facts: ReviewFacts, role: Role, *, amendment: bool = False) -> list[Option]:
    """Every transition leaving the current state, each marked allowed or not for ``role``, with reasons."""
    names = REVIEW_STEPS if amendment else tuple(TRANSITIONS)
    found = []
    for name in names:
        rule = TRANSITIONS[name]
        if facts.state not in _sources(rule, amendment):
            continue
        reasons = assess(name, facts, role, amendment=amendment)
        found.append(Option(name, rule.target, not reasons, tuple(reasons), rule.label))
    return found
