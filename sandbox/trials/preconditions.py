"""What must hold before a transition: the facts a service gathers, and the checks on them.

Each check returns ``None`` when its condition holds, or a ``Reason`` a person can read (in both
languages) with the numbers involved, so that a refusal says exactly what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sandbox.i18n import Text
from sandbox.trials.states import Recommendation, TrialState

__all__ = [
    "Check",
    "Reason",
    "ReviewFacts",
    "TrialFacts",
    "approval_recommended",
    "device_enrolled",
    "end_not_passed",
    "end_reached",
    "extension_within_limits",
    "insurance_valid",
    "not_extended_before",
    "plan_complete",
    "start_reached",
]


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


def plan_complete(facts: ReviewFacts, _request: Any) -> Reason | None:
    if not facts.plan_problems:
        return None
    listed = "; ".join(problem.message.vi for problem in facts.plan_problems)
    listed_en = "; ".join(problem.message.en for problem in facts.plan_problems)
    return Reason(
        "plan_incomplete",
        Text(f"Kế hoạch thử nghiệm chưa đầy đủ: {listed}", f"The sandbox plan is incomplete: {listed_en}"),
        {"problems": [{"code": p.code, **p.data} for p in facts.plan_problems]},
    )


def approval_recommended(facts: ReviewFacts, _request: Any) -> Reason | None:
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


def start_reached(facts: TrialFacts, _request: Any) -> Reason | None:
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


def end_not_passed(facts: TrialFacts, _request: Any) -> Reason | None:
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


def end_reached(facts: TrialFacts, _request: Any) -> Reason | None:
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


def device_enrolled(facts: TrialFacts, _request: Any) -> Reason | None:
    if facts.active_devices > 0:
        return None
    return Reason(
        "no_device_enrolled",
        Text("Chưa có thiết bị nào được đăng ký vào thử nghiệm", "No device is enrolled in the trial"),
    )


def insurance_valid(facts: TrialFacts, _request: Any) -> Reason | None:
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


def not_extended_before(facts: TrialFacts, _request: Any) -> Reason | None:
    if not facts.extended:
        return None
    return Reason(
        "already_extended",
        Text("Thử nghiệm chỉ được gia hạn một lần và đã được gia hạn", "A trial may be extended once, and this one was"),
    )


def extension_within_limits(facts: TrialFacts, request: Any) -> Reason | None:
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
