"""An evaluator's review of a report version, and policy staff's decision resting on a signed one.

    draft ─comment─► draft        draft ─return─► returned (a new evaluation is needed)
    draft ─sign (password again)─► signed: locked; the trial, if completed, becomes *evaluated*
    signed ─decide (policy)─► the trial becomes *decided*: roll out (with conditions), extend, modify or reject

Signing asks for the evaluator's password again: a signature is a person's act, not a session's.
Each step is recorded in the report's review trail and in the audit log; the trial's own steps go
through its lifecycle (`sandbox.trials.transitions`), with their checks and their audit entries.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from msgspec import Meta, Struct
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.models import User
from sandbox.auth.passwords import verify_secret
from sandbox.auth.roles import Actor, Role
from sandbox.clock import utcnow
from sandbox.config import Settings
from sandbox.errors import Conflict, InvalidInput
from sandbox.evaluation.models import Decision, Report, ReportReview, ReportStatus
from sandbox.evaluation.service import get_report
from sandbox.i18n import Text
from sandbox.trials import transitions
from sandbox.trials.access import require_role
from sandbox.trials.commands import Decide, Evaluate, RolloutConditions
from sandbox.trials.models import Trial
from sandbox.trials.states import Outcome, TrialState

__all__ = ["DecisionRequest", "ReviewComment", "SignRequest", "comment", "decide", "return_report", "reviews", "sign"]

Statement = Annotated[str, Meta(min_length=1, max_length=10_000)]


class ReviewComment(Struct, forbid_unknown_fields=True):
    comment: Statement


class SignRequest(Struct, forbid_unknown_fields=True):
    password: Annotated[str, Meta(min_length=1, max_length=1_000)]
    statement: Statement  # what the evaluator concludes, in their words: it becomes the trial's evaluation summary


class DecisionRequest(Struct, forbid_unknown_fields=True):
    outcome: Outcome
    rationale: Statement
    conditions: RolloutConditions | None = None


_REVIEW = Text("xem xét báo cáo đánh giá", "review evaluation reports")


def _open_for_review(report: Report) -> None:
    if report.status is not ReportStatus.DRAFT:
        raise Conflict(Text(f"Báo cáo phiên bản {report.version} đã '{report.status}': không xem xét thêm được",
                            f"Report version {report.version} is '{report.status}': its review is over"),
                       report_status=str(report.status))


def _note(db: Session, actor: Actor, report: Report, action: str, text: str | None) -> ReportReview:
    review = ReportReview(report_id=report.id, action=action, comment=text, actor_id=actor.user_id, at=utcnow())
    db.add(review)
    db.flush()
    return review


def comment(db: Session, actor: Actor, trial_id: uuid.UUID, version: int, data: ReviewComment) -> ReportReview:
    report = get_report(db, actor, trial_id, version, for_update=True)
    require_role(actor, Role.EVALUATOR, Role.POLICY, doing=_REVIEW)
    _open_for_review(report)
    review = _note(db, actor, report, "comment", data.comment)
    audit.record(db, actor, "report.comment", "evaluation_report", report.id, None,
                 {"version": version, "comment": data.comment})
    return review


def return_report(db: Session, actor: Actor, trial_id: uuid.UUID, version: int, data: ReviewComment) -> Report:
    report = get_report(db, actor, trial_id, version, for_update=True)
    require_role(actor, Role.EVALUATOR, doing=_REVIEW)
    _open_for_review(report)
    report.status = ReportStatus.RETURNED
    _note(db, actor, report, "return", data.comment)
    audit.record(db, actor, "report.return", "evaluation_report", report.id, {"status": "draft"},
                 {"status": "returned", "version": version}, data.comment)
    return report


def sign(db: Session, actor: Actor, trial_id: uuid.UUID, version: int, data: SignRequest, settings: Settings) -> Report:
    report = get_report(db, actor, trial_id, version, for_update=True)
    require_role(actor, Role.EVALUATOR, doing=Text("ký báo cáo đánh giá", "sign evaluation reports"))
    _open_for_review(report)
    user = db.get(User, actor.user_id)
    if user is None or not verify_secret(user.password_hash, data.password):
        raise InvalidInput.at("/password", Text("mật khẩu không đúng: báo cáo chưa được ký",
                                                "the password is wrong: the report is not signed"))
    report.status, report.signed_at, report.signed_by = ReportStatus.SIGNED, utcnow(), actor.user_id
    _note(db, actor, report, "sign", data.statement)
    audit.record(db, actor, "report.sign", "evaluation_report", report.id, {"status": "draft"},
                 {"status": "signed", "version": version, "recommendation": report.recommendation,
                  "fingerprint": report.fingerprint}, data.statement)
    trial = db.get(Trial, report.trial_id)
    if trial is not None and trial.state is TrialState.COMPLETED:
        transitions.apply_transition(db, actor, trial_id, Evaluate(summary=data.statement), settings, via_report=True)
    return report


def decide(db: Session, actor: Actor, trial_id: uuid.UUID, version: int, data: DecisionRequest,
           settings: Settings) -> Decision:
    report = get_report(db, actor, trial_id, version, for_update=True)
    require_role(actor, Role.POLICY, doing=Text("ra quyết định triển khai", "decide on rollout"))
    if report.status is not ReportStatus.SIGNED:
        raise Conflict(Text(f"Báo cáo phiên bản {version} chưa được ký: quyết định phải dựa trên báo cáo đã ký",
                            f"Report version {version} is not signed: a decision must rest on a signed report"),
                       report_status=str(report.status))
    if data.conditions is not None and data.outcome is not Outcome.ROLL_OUT:
        raise InvalidInput.at("/conditions", Text("chỉ quyết định triển khai mới có điều kiện triển khai",
                                                  "only a rollout decision has rollout conditions"))
    transitions.apply_transition(db, actor, trial_id, Decide(outcome=data.outcome, rationale=data.rationale,
                                                             conditions=data.conditions), settings, via_report=True)
    conditions = None if data.conditions is None else {
        "areas": data.conditions.areas, "fleet_size": data.conditions.fleet_size,
        "duration_months": data.conditions.duration_months, "other": data.conditions.other}
    decision = Decision(trial_id=trial_id, report_id=report.id, outcome=str(data.outcome), conditions=conditions,
                        rationale=data.rationale, decided_by=actor.user_id, decided_at=utcnow())
    db.add(decision)
    db.flush()
    audit.record(db, actor, "report.decision", "evaluation_report", report.id, None,
                 {"version": version, "outcome": str(data.outcome), "conditions": conditions,
                  "recommendation": report.recommendation}, data.rationale)
    return decision


def reviews(db: Session, actor: Actor, trial_id: uuid.UUID, version: int) -> list[ReportReview]:
    report = get_report(db, actor, trial_id, version)
    return list(db.scalars(select(ReportReview).where(ReportReview.report_id == report.id).order_by(ReportReview.at)))
