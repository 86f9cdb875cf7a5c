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

from dataclasses import dataclass
from typing import Any

from sandbox.auth.roles import Role
from sandbox.i18n import Text
from sandbox.trials.preconditions import (
    Check,
    Reason,
    ReviewFacts,
    approval_recommended,
    device_enrolled,
    end_not_passed,
    end_reached,
    extension_within_limits,
    insurance_valid,
    not_extended_before,
    plan_complete,
    start_reached,
)
from sandbox.trials.states import TrialState

__all__ = ["REVIEW_STEPS", "TRANSITIONS", "Option", "Rule", "assess", "options"]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    sources: frozenset[TrialState]
    target: TrialState | None  # None: the state does not change (recommend, extend)
    roles: frozenset[Role]
    label: Text
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    target: TrialState | None
    allowed: bool
    reasons: tuple[Reason, ...]
    label: Text


S = TrialState
_REVIEWABLE = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED})


def _rule(name: str, sources: set[TrialState], target: TrialState | None, roles: set[Role], label: Text,
          *checks: Check) -> tuple[str, Rule]:
    return name, Rule(name, frozenset(sources), target, frozenset(roles), label, tuple(checks))


TRANSITIONS: dict[str, Rule] = dict(
    [
        _rule("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, {Role.STARTUP},
              Text("Nộp hồ sơ", "Submit"), plan_complete),
        _rule("start_review", {S.SUBMITTED}, S.UNDER_REVIEW, {Role.EVALUATOR},
              Text("Bắt đầu thẩm định", "Start review")),
        _rule("return", {S.SUBMITTED, S.UNDER_REVIEW}, S.RETURNED, {Role.EVALUATOR},
              Text("Trả lại để chỉnh sửa", "Return for changes")),
        _rule("recommend", {S.UNDER_REVIEW}, None, {Role.EVALUATOR},
              Text("Đề xuất", "Recommend")),
        _rule("approve", {S.UNDER_REVIEW}, S.APPROVED, {Role.POLICY},
              Text("Phê duyệt", "Approve"), approval_recommended),
        _rule("reject", {S.SUBMITTED, S.UNDER_REVIEW}, S.REJECTED, {Role.POLICY},
              Text("Từ chối", "Reject")),
        _rule("withdraw", set(_REVIEWABLE | {S.APPROVED}), S.WITHDRAWN, {Role.STARTUP},
              Text("Rút hồ sơ", "Withdraw")),
        _rule("activate", {S.APPROVED}, S.ACTIVE, {Role.STARTUP, Role.POLICY},
              Text("Bắt đầu thử nghiệm", "Activate"),
              start_reached, end_not_passed, device_enrolled, insurance_valid),
        _rule("suspend", {S.ACTIVE}, S.SUSPENDED, {Role.POLICY}, Text("Tạm dừng", "Suspend")),
        _rule("resume", {S.SUSPENDED}, S.ACTIVE, {Role.POLICY}, Text("Cho phép tiếp tục", "Resume"),
              end_not_passed, device_enrolled, insurance_valid),
        _rule("extend", {S.APPROVED, S.ACTIVE, S.SUSPENDED}, None, {Role.POLICY}, Text("Gia hạn", "Extend"),
              not_extended_before, extension_within_limits),
        _rule("complete", {S.ACTIVE, S.SUSPENDED}, S.COMPLETED, {Role.STARTUP, Role.POLICY},
              Text("Kết thúc thử nghiệm", "Complete"), end_reached),
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
