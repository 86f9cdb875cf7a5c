"""What evaluators upload beside the telemetry: ground-truth clips, living-lab feedback, baseline records.

Each upload is checked whole before anything is stored (a bad item is named by its JSON pointer and
nothing of the upload is kept), stored in the request's transaction, and recorded in the audit log.
Uploading the same clip, the same respondent's answers of a day, or a KPI's baseline records again
replaces what was there: a correction, not a duplicate.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.roles import Actor, Role
from sandbox.clock import utcnow
from sandbox.errors import FieldProblem, InvalidInput
from sandbox.evaluation.models import FeedbackResponse, GroundTruthClip, ReferenceObservation
from sandbox.evaluation.schemas import ClipUpload, FeedbackUpload, ReferenceUpload, Uploaded
from sandbox.i18n import Text
from sandbox.telemetry.store.tables import CAMERA_DETECTIONS
from sandbox.trials.access import load_trial, require_role
from sandbox.trials.kinds import ProductKind

__all__ = ["MAX_CLIP", "upload_clips", "upload_feedback", "upload_references"]

MAX_CLIP = timedelta(hours=1)  # longer stretches are labelled as several clips
_DOING = Text("tải dữ liệu đánh giá lên", "upload evaluation data")


def upload_clips(db: Session, actor: Actor, trial_id: uuid.UUID, data: ClipUpload) -> Uploaded:
    trial = load_trial(db, actor, trial_id, for_update=True)
    require_role(actor, Role.EVALUATOR, doing=_DOING)
    cameras = {d.id for d in trial.devices if d.kind is ProductKind.AI_CAMERA}
    problems: list[FieldProblem] = []
    now = utcnow()
    d = CAMERA_DETECTIONS
    for i, clip in enumerate(data.clips):
        at = f"/clips/{i}"
        if clip.device_id not in cameras:
            problems.append(FieldProblem(f"{at}/device_id", Text("không phải camera của thử nghiệm này",
                                                                 "not a camera of this trial")))
            continue
        if not clip.start < clip.end <= clip.start + MAX_CLIP or clip.end > now:
            problems.append(FieldProblem(f"{at}/end", Text(
                "đoạn phim phải kết thúc sau khi bắt đầu, dài tối đa 1 giờ và không ở tương lai",
                "a clip must end after it starts, last at most an hour and not lie in the future")))
            continue
        tracks = set(db.scalars(select(d.c.track_id).distinct().where(
            d.c.device_id == clip.device_id, d.c.time >= clip.start, d.c.time < clip.end)))
        for j, thing in enumerate(clip.objects):
            if not clip.start <= thing.t < clip.end:
                problems.append(FieldProblem(f"{at}/objects/{j}/t", Text("thời điểm nằm ngoài đoạn phim",
                                                                         "the time lies outside the clip")))
            if thing.track_id is not None and thing.track_id not in tracks:
                problems.append(FieldProblem(f"{at}/objects/{j}/track_id", Text(
                    f"camera không báo vết '{thing.track_id}' trong đoạn phim này",
                    f"the camera reported no track '{thing.track_id}' in this clip")))
    if problems:
        raise InvalidInput(problems)
    replaced = 0
    for clip in data.clips:
        replaced += db.execute(delete(GroundTruthClip).where(GroundTruthClip.device_id == clip.device_id,
                                                             GroundTruthClip.start == clip.start)).rowcount or 0
        db.add(GroundTruthClip(trial_id=trial.id, device_id=clip.device_id, start=clip.start, end=clip.end,
                               objects=[{"t": o.t.isoformat(), "label": o.label, "track_id": o.track_id}
                                        for o in clip.objects], labelled_by=actor.user_id, labelled_at=now))
    db.flush()
    audit.record(db, actor, "evaluation.ground_truth", "trial", trial.id, None,
                 {"clips": len(data.clips), "replaced": replaced,
                  "objects": sum(len(c.objects) for c in data.clips)})
    return Uploaded(len(data.clips), replaced)


def upload_feedback(db: Session, actor: Actor, trial_id: uuid.UUID, data: FeedbackUpload) -> Uploaded:
    trial = load_trial(db, actor, trial_id, for_update=True)
    require_role(actor, Role.EVALUATOR, doing=_DOING)
    problems = [FieldProblem(f"/responses/{i}/consent", Text(
        "người trả lời chưa đồng ý tham gia: câu trả lời không được lưu",
        "the respondent did not consent: the answers may not be stored"))
        for i, r in enumerate(data.responses) if not r.consent]
    today = utcnow().date()
    problems += [FieldProblem(f"/responses/{i}/answered_on", Text("ngày trả lời ở tương lai", "a day in the future"))
                 for i, r in enumerate(data.responses) if r.answered_on > today + timedelta(days=1)]
    keys = [(r.respondent, r.answered_on) for r in data.responses]
    problems += [FieldProblem(f"/responses/{i}/respondent", Text("câu trả lời bị lặp trong lần tải này",
                                                                 "repeated in this upload"))
                 for i, key in enumerate(keys) if key in keys[:i]]
    if problems:
        raise InvalidInput(problems)
    replaced, now = 0, utcnow()
    for r in data.responses:
        replaced += db.execute(delete(FeedbackResponse).where(
            FeedbackResponse.trial_id == trial.id, FeedbackResponse.respondent == r.respondent,
            FeedbackResponse.answered_on == r.answered_on)).rowcount or 0
        db.add(FeedbackResponse(trial_id=trial.id, respondent=r.respondent, group=r.group, answered_on=r.answered_on,
                                answers=dict(r.answers), recorded_by=actor.user_id, recorded_at=now))
    db.flush()
    audit.record(db, actor, "evaluation.feedback", "trial", trial.id, None,
                 {"responses": len(data.responses), "replaced": replaced})
    return Uploaded(len(data.responses), replaced)


def upload_references(db: Session, actor: Actor, trial_id: uuid.UUID, data: ReferenceUpload) -> Uploaded:
    trial = load_trial(db, actor, trial_id, for_update=True)
    require_role(actor, Role.EVALUATOR, doing=_DOING)
    plan = trial.plan_in_force() or trial.working_plan()
    kpis = {k["code"]: k for k in plan.content.get("kpis", [])}
    kpi = kpis.get(data.kpi)
    if kpi is None:
        raise InvalidInput.at("/kpi", Text(f"kế hoạch không có KPI '{data.kpi}'; có: {', '.join(kpis) or 'không'}",
                                           f"the plan has no KPI '{data.kpi}'; it has: {', '.join(kpis) or 'none'}"))
    if (kpi.get("baseline") or {}).get("kind") not in ("control", "pre_period"):
        raise InvalidInput.at("/kpi", Text(
            f"KPI '{data.kpi}' không so sánh với nhóm đối chứng hay giai đoạn trước",
            f"KPI '{data.kpi}' is not compared with a control or a pre-period"))
    now = utcnow()
    replaced = db.execute(delete(ReferenceObservation).where(
        ReferenceObservation.trial_id == trial.id, ReferenceObservation.kpi == data.kpi,
        ReferenceObservation.group == data.group)).rowcount or 0
    db.add_all([ReferenceObservation(trial_id=trial.id, kpi=data.kpi, group=data.group, day=o.day,
                                     numerator=o.numerator, denominator=o.denominator, source=data.source,
                                     recorded_by=actor.user_id, recorded_at=now) for o in data.observations])
    db.flush()
    audit.record(db, actor, "evaluation.reference", "trial", trial.id, None,
                 {"kpi": data.kpi, "group": data.group, "observations": len(data.observations),
                  "replaced": replaced, "source": data.source})
    return Uploaded(len(data.observations), replaced)

