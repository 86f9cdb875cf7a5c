"""Moving a trial, or an amendment of its plan, along the lifecycle: gather facts, assess, apply, record.

Every transition is checked by ``lifecycle.assess``, applied under a row lock on the trial,
written to the trial's history and to the audit log in the same transaction; a refused one
raises ``TransitionRefused`` with the reasons and the transitions that are possible instead.
"""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.roles import Actor
from sandbox.clock import local_today, utcnow
from sandbox.config import Settings
from sandbox.errors import Conflict, NotFound, TransitionForbidden, TransitionRefused
from sandbox.i18n import Text
from sandbox.trials import lifecycle
from sandbox.trials.access import load_trial
from sandbox.trials.commands import (
    Approve,
    Decide,
    Extend,
    Recommend,
    TransitionRequest,
    name_of,
    statement_of,
)
from sandbox.trials.lifecycle import Option
from sandbox.trials.models import Device, PlanVersion, Trial, TrialTransition
from sandbox.trials.plan import PlanStatus, content_from_document
from sandbox.trials.plan_checks import add_months, consistency_problems, missing_parts
from sandbox.trials.preconditions import Reason, ReviewFacts, TrialFacts
from sandbox.trials.states import TrialState

__all__ = ["apply_review_step", "apply_transition", "review_options", "transition_options"]

_REVIEW_PHASE = frozenset({TrialState.DRAFT, TrialState.SUBMITTED, TrialState.UNDER_REVIEW, TrialState.RETURNED})


def _plan_problems(plan: PlanVersion, trial: Trial, settings: Settings) -> tuple[Reason, ...]:
    content = content_from_document(plan.content)
    problems = [
        Reason("invalid", Text(f"{p.pointer}: ", f"{p.pointer}: ") + p.message, {"field": p.pointer})
        for p in consistency_problems(content, trial.product.kind, settings.max_trial_months)
    ]
    return tuple(problems + missing_parts(content))


def _active_devices(db: Session, trial: Trial) -> int:
    return db.scalar(
        select(func.count()).select_from(Device).where(Device.trial_id == trial.id, Device.retired_at.is_(None))
    ) or 0


def _facts(db: Session, trial: Trial, settings: Settings, today: date) -> TrialFacts:
    under_review = trial.plans[-1] if trial.state in _REVIEW_PHASE else None
    in_force = trial.plan_in_force()
    insurance = content_from_document(in_force.content).insurance if in_force else None
    start, end = trial.start_date, trial.end_date
    original_end = trial.original_end_date or end
    max_extension_days = (add_months(end, settings.max_extension_months) - end).days if end else 0
    return TrialFacts(
        state=trial.state,
        plan_problems=_plan_problems(under_review, trial, settings) if under_review else (),
        recommendation=under_review.recommendation if under_review else None,
        today=today,
        start_date=start,
        end_date=end,
        original_days=(original_end - start).days if start and original_end else None,
        extended=trial.extended,
        active_devices=_active_devices(db, trial),
        insurance_valid_until=insurance.valid_until if insurance else None,
        max_extension_days=max_extension_days,
    )


def _review_facts(plan: PlanVersion, settings: Settings) -> ReviewFacts:
    return ReviewFacts(
        state=TrialState(plan.status.value),
        plan_problems=_plan_problems(plan, plan.trial, settings) if plan.status.editable else (),
        recommendation=plan.recommendation,
    )


def transition_options(db: Session, actor: Actor, trial: Trial, settings: Settings) -> list[Option]:
    return lifecycle.options(_facts(db, trial, settings, local_today()), actor.role)


def review_options(actor: Actor, plan: PlanVersion, settings: Settings) -> list[Option]:
    if plan.status is PlanStatus.SUPERSEDED:
        return []
    return lifecycle.options(_review_facts(plan, settings), actor.role, amendment=True)


def _refuse(name: str, state: str, reasons: list[Reason], options: list[Option]) -> TransitionRefused | TransitionForbidden:
    """409 when the trial is not ready for the transition; 403 when this role may never take it."""
    allowed = [option.name for option in options if option.allowed]
    error = TransitionForbidden if any(reason.code == "role_not_allowed" for reason in reasons) else TransitionRefused
    because_vi = "; ".join(reason.message.vi for reason in reasons)
    because_en = "; ".join(reason.message.en for reason in reasons)
    return error(
        Text(
            f"Không thể thực hiện '{name}' từ trạng thái '{state}': {because_vi}. "
            f"Có thể thực hiện: {', '.join(allowed) or 'không có'}",
            f"'{name}' is refused from '{state}': {because_en}. Allowed from here: {', '.join(allowed) or 'none'}",
        ),
        transition=name,
        state=state,
        reasons=[{"code": r.code, "message": r.message, **r.data} for r in reasons],
        allowed=allowed,
    )


def _apply_review_effects(plan: PlanVersion, request: TransitionRequest, actor: Actor) -> None:
    """What a review step does to the plan version it acts on."""
    name, now = name_of(request), utcnow()
    if name == "submit":
        plan.status, plan.submitted_at, plan.recommendation, plan.recommended_by = PlanStatus.SUBMITTED, now, None, None
    elif name == "start_review":
        plan.status = PlanStatus.UNDER_REVIEW
    elif name == "return":
        plan.status = PlanStatus.RETURNED
    elif name == "recommend":
        assert isinstance(request, Recommend)
        plan.recommendation, plan.recommended_by = request.recommendation, actor.user_id
    elif name == "approve":
        assert isinstance(request, Approve)
        plan.status, plan.approved_at, plan.approved_by = PlanStatus.APPROVED, now, actor.user_id
        plan.conditions = list(request.conditions)
    elif name == "reject":
        plan.status = PlanStatus.REJECTED
    elif name == "withdraw" and plan.status.open:
        plan.status = PlanStatus.WITHDRAWN
    plan.updated_at = now


def _adopt_schedule(trial: Trial, plan: PlanVersion) -> None:
    schedule = content_from_document(plan.content).schedule
    assert schedule is not None  # an approved plan is complete
    if trial.state in (TrialState.ACTIVE, TrialState.SUSPENDED):
        trial.end_date = schedule.end_date  # a running trial keeps the day it actually started
    else:
        trial.start_date, trial.end_date = schedule.start_date, schedule.end_date


def _record(db: Session, trial: Trial, actor: Actor, request: TransitionRequest, old: str, new: str,
            plan: PlanVersion | None, details: dict[str, object]) -> None:
    name, reason = name_of(request), statement_of(request)
    details = msgspec.to_builtins(details)
    db.add(
        TrialTransition(
            trial_id=trial.id,
            plan_version=plan.version if plan else None,
            name=name,
            from_state=old,
            to_state=new,
            actor_id=actor.user_id,
            at=utcnow(),
            reason=reason,
            details=details,
        )
    )
    if plan is not None and plan.version > 1:  # an amendment
        action, entity_type, entity_id = f"plan.{name}", "plan_version", plan.id
    else:
        action, entity_type, entity_id = f"trial.{name}", "trial", trial.id
    audit.record(db, actor, action, entity_type, entity_id,
                 {"state": old}, {"state": new, "reference": trial.reference, **details}, reason)


# Steps that rest on an evaluation report: taken by signing a report and by deciding on a signed one.
REPORT_STEPS = {"evaluate": "POST /api/v1/trials/{id}/reports/{version}/sign",
                "decide": "POST /api/v1/trials/{id}/reports/{version}/decision"}


def apply_transition(
    db: Session, actor: Actor, trial_id: uuid.UUID, request: TransitionRequest, settings: Settings,
    *, via_report: bool = False,
) -> Trial:
    """Take a lifecycle step; ``via_report`` for evaluate and decide, which the evaluation service takes when a
    report is signed or decided on (asked for directly, they are refused with the way to take them)."""
    trial = load_trial(db, actor, trial_id, for_update=True)
    name = name_of(request)
    if name in REPORT_STEPS and not via_report:
        way = REPORT_STEPS[name]
        raise Conflict(Text(f"Bước '{name}' được thực hiện trên một báo cáo đánh giá: {way}",
                            f"The '{name}' step is taken on an evaluation report: {way}"), use=way)
    facts = _facts(db, trial, settings, local_today())
    reasons = lifecycle.assess(name, facts, actor.role, request)
    if reasons:
        raise _refuse(name, trial.state, reasons, lifecycle.options(facts, actor.role))
    old_state = trial.state
    details: dict[str, object] = {}
    plan = trial.plans[-1] if old_state in _REVIEW_PHASE else None
    if plan is not None:
        _apply_review_effects(plan, request, actor)
        if name == "approve":
            _adopt_schedule(trial, plan)
            details["conditions"] = plan.conditions
        if name == "recommend":
            details["recommendation"] = plan.recommendation
    if name == "submit" and trial.first_submitted_at is None:
        trial.first_submitted_at = utcnow()
    if name == "start_review":
        trial.reviewer_id = actor.user_id
    if name == "extend":
        assert isinstance(request, Extend) and trial.end_date is not None
        details = {"previous_end_date": trial.end_date, "new_end_date": request.new_end_date}
        trial.original_end_date, trial.end_date = trial.end_date, request.new_end_date
    if name == "decide":
        assert isinstance(request, Decide)
        details = {"outcome": request.outcome, "conditions": request.conditions}
    if name in ("withdraw", "terminate", "complete") and (amendment := trial.open_amendment()) is not None:
        amendment.status = PlanStatus.WITHDRAWN  # an amendment dies with the trial it would have changed
        details["amendment_withdrawn"] = amendment.version
    rule = lifecycle.TRANSITIONS[name]
    trial.state = rule.target or trial.state
    trial.updated_at = utcnow()
    _record(db, trial, actor, request, old_state, trial.state, plan, details)
    return trial


def apply_review_step(
    db: Session, actor: Actor, trial_id: uuid.UUID, version: int, request: TransitionRequest, settings: Settings
) -> PlanVersion:
    """A review step on an amendment (plan version 2 or later) of a trial that is already approved."""
    trial = load_trial(db, actor, trial_id, for_update=True)
    plan = next((p for p in trial.plans if p.version == version), None)
    if plan is None:
        raise NotFound(Text(f"Không có phiên bản kế hoạch {version}", f"There is no plan version {version}"))
    if version == 1:
        raise Conflict(
            Text(
                "Phiên bản 1 là hồ sơ ban đầu; hãy dùng POST /api/v1/trials/{id}/transitions",
                "Version 1 is the original application; use POST /api/v1/trials/{id}/transitions",
            )
        )
    name = name_of(request)
    if plan.status is PlanStatus.SUPERSEDED:
        raise _refuse(name, plan.status, [Reason("superseded", Text("phiên bản đã được thay thế", "the version was superseded"))], [])
    facts = _review_facts(plan, settings)
    reasons = lifecycle.assess(name, facts, actor.role, request, amendment=True)
    if reasons:
        raise _refuse(name, plan.status, reasons, lifecycle.options(facts, actor.role, amendment=True))
    old_status = plan.status
    in_force = trial.plan_in_force()
    _apply_review_effects(plan, request, actor)
    details: dict[str, object] = {"version": version}
    if name == "approve":
        assert in_force is not None
        in_force.status = PlanStatus.SUPERSEDED
        _adopt_schedule(trial, plan)
        details.update(conditions=plan.conditions, superseded=in_force.version)
    if name == "recommend":
        details["recommendation"] = plan.recommendation
    _record(db, trial, actor, request, old_status, plan.status, plan, details)
    return plan
