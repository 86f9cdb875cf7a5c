"""Trials and their sandbox plans: open an application, write and amend the plan, read them back."""

from __future__ import annotations

import dataclasses
import uuid

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sandbox import audit
from sandbox.auth.roles import Actor
from sandbox.clock import local_today, utcnow
from sandbox.config import Settings
from sandbox.db.integrity import violation_of
from sandbox.db.pages import page_of
from sandbox.errors import Conflict, InvalidInput, NotFound
from sandbox.i18n import Text
from sandbox.trials.access import load_trial, require_owner, visible_trials
from sandbox.trials.geofence import geometry_of
from sandbox.trials.models import PlanVersion, Product, Trial, TrialTransition
from sandbox.trials.plan import PlanContent, PlanStatus, content_from_document, content_to_document
from sandbox.trials.plan_checks import consistency_problems
from sandbox.trials.products import get_product
from sandbox.trials.schemas import TrialCreate
from sandbox.trials.states import AMENDABLE_STATES, TrialState

__all__ = [
    "create_amendment",
    "create_trial",
    "get_plan_version",
    "get_trial",
    "list_trials",
    "transition_history",
    "update_plan",
]

# What a list of trials shows of each: loaded in three queries, not three per trial.
TRIAL_LISTING = (selectinload(Trial.plans), selectinload(Trial.product), selectinload(Trial.organisation))
REFERENCE_ATTEMPTS = 5  # concurrent applications may race for the same number; the unique index decides


def _normalised(content: PlanContent) -> PlanContent:
    """Keep only the geometry of a geofence drawn as a GeoJSON Feature."""
    sites = [msgspec.structs.replace(site, geofence=geometry_of(site.geofence)) for site in content.sites]
    return msgspec.structs.replace(content, sites=sites)


def _checked(content: PlanContent, product: Product, settings: Settings, pointer_prefix: str) -> PlanContent:
    problems = consistency_problems(content, product.kind, settings.max_trial_months)
    if problems:
        raise InvalidInput([dataclasses.replace(p, pointer=pointer_prefix + p.pointer) for p in problems])
    return _normalised(content)


def _next_reference(db: Session, year: int) -> str:
    prefix = f"SB-{year}-"
    last = db.scalar(select(func.max(Trial.reference)).where(Trial.reference.like(prefix + "%")))
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def create_trial(db: Session, actor: Actor, data: TrialCreate, settings: Settings) -> Trial:
    """Open a trial application in ``draft`` with the first version of its plan."""
    product = get_product(db, actor, data.product_id)
    require_owner(actor, product.organisation_id, doing=Text("mở hồ sơ thử nghiệm", "open trial applications"))
    content = _checked(data.plan, product, settings, "/plan")
    year = local_today().year
    for attempt in range(REFERENCE_ATTEMPTS):
        trial = Trial(
            reference=_next_reference(db, year),
            organisation_id=product.organisation_id,
            product_id=product.id,
            state=TrialState.DRAFT,
        )
        trial.plans.append(
            PlanVersion(version=1, status=PlanStatus.DRAFT, content=content_to_document(content), created_by=actor.user_id)
        )
        try:
            with db.begin_nested():
                db.add(trial)
            break
        except IntegrityError as exc:
            if violation_of(exc).kind != "unique" or attempt == REFERENCE_ATTEMPTS - 1:
                raise
    audit.record(db, actor, "trial.create", "trial", trial.id, None,
                 {"reference": trial.reference, "product_id": product.id, "state": trial.state})
    audit.record(db, actor, "plan.create", "plan_version", trial.plans[0].id, None,
                 {"trial_id": trial.id, "version": 1, "content": trial.plans[0].content})
    return trial


def get_trial(db: Session, actor: Actor, trial_id: uuid.UUID) -> Trial:
    return load_trial(db, actor, trial_id)


def list_trials(
    db: Session, actor: Actor, limit: int, offset: int, state: TrialState | None = None
) -> tuple[list[Trial], int]:
    query = select(Trial).where(visible_trials(actor))
    if state is not None:
        query = query.where(Trial.state == state)
    return page_of(db, query, Trial.updated_at.desc(), Trial.reference, limit=limit, offset=offset,
                   options=TRIAL_LISTING)


def get_plan_version(db: Session, actor: Actor, trial_id: uuid.UUID, version: int) -> PlanVersion:
    trial = load_trial(db, actor, trial_id)
    plan = next((p for p in trial.plans if p.version == version), None)
    if plan is None:
        raise NotFound(
            Text(f"Thử nghiệm {trial.reference} không có phiên bản kế hoạch {version}",
                 f"Trial {trial.reference} has no plan version {version}")
        )
    return plan


def update_plan(
    db: Session, actor: Actor, trial_id: uuid.UUID, version: int, content: PlanContent, settings: Settings
) -> PlanVersion:
    """Replace the content of a plan version that is still being written (draft or returned)."""
    load_trial(db, actor, trial_id, for_update=True)
    plan = get_plan_version(db, actor, trial_id, version)
    trial = plan.trial
    require_owner(actor, trial.organisation_id, doing=Text("sửa kế hoạch thử nghiệm", "edit sandbox plans"))
    if not plan.status.editable:
        hint = (
            Text("; hãy tạo bản sửa đổi: POST /api/v1/trials/{id}/plans", "; create an amendment: POST /api/v1/trials/{id}/plans")
            if plan.status is PlanStatus.APPROVED
            else Text("", "")
        )
        raise Conflict(
            Text(
                f"Phiên bản kế hoạch {version} đang ở trạng thái '{plan.status}' nên không sửa được",
                f"Plan version {version} is '{plan.status}' and cannot be edited",
            )
            + hint,
            plan_status=str(plan.status),
        )
    checked = _checked(content, trial.product, settings, "")
    old = plan.content
    plan.content = content_to_document(checked)
    plan.updated_at = utcnow()
    if plan.content != old:
        audit.record(db, actor, "plan.update", "plan_version", plan.id, {"version": version, "content": old},
                     {"version": version, "content": plan.content})
    return plan


def create_amendment(db: Session, actor: Actor, trial_id: uuid.UUID) -> PlanVersion:
    """Start a new plan version from the one in force; the approved version stays frozen and in force."""
    trial = load_trial(db, actor, trial_id, for_update=True)
    require_owner(actor, trial.organisation_id, doing=Text("sửa đổi kế hoạch", "amend plans"))
    if trial.state not in AMENDABLE_STATES:
        raise Conflict(
            Text(
                f"Chỉ sửa đổi được kế hoạch đã phê duyệt của thử nghiệm đang ở trạng thái "
                f"{', '.join(AMENDABLE_STATES)}; thử nghiệm này đang '{trial.state.label.vi}'",
                f"Only the approved plan of a trial that is {', '.join(sorted(AMENDABLE_STATES))} can be amended; "
                f"this trial is '{trial.state}'",
            ),
            state=str(trial.state),
        )
    if (pending := trial.open_amendment()) is not None:
        raise Conflict(
            Text(
                f"Đã có bản sửa đổi đang mở (phiên bản {pending.version}); hãy hoàn tất hoặc rút nó trước",
                f"An amendment is already open (version {pending.version}); finish or withdraw it first",
            ),
            version=pending.version,
        )
    in_force = trial.plan_in_force()
    assert in_force is not None  # every amendable state has an approved plan
    plan = PlanVersion(
        version=trial.plans[-1].version + 1,
        status=PlanStatus.DRAFT,
        content=dict(in_force.content),
        created_by=actor.user_id,
    )
    trial.plans.append(plan)
    db.flush()
    audit.record(db, actor, "plan.amend", "plan_version", plan.id, {"version": in_force.version},
                 {"trial_id": trial.id, "version": plan.version, "content": plan.content})
    return plan


def transition_history(db: Session, actor: Actor, trial_id: uuid.UUID) -> list[TrialTransition]:
    load_trial(db, actor, trial_id)
    return list(
        db.scalars(select(TrialTransition).where(TrialTransition.trial_id == trial_id).order_by(TrialTransition.at))
    )


def plan_content(plan: PlanVersion) -> PlanContent:
    return content_from_document(plan.content)
