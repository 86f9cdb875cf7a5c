"""Plan versions: write the plan, amend an approved one, and review amendments."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.params import FromPath, JSONBody

from sandbox.api.dependencies import AppSettings, CurrentActor, Db
from sandbox.api.routing import get, post, put
from sandbox.trials import service, transitions
from sandbox.trials.commands import ReviewStep
from sandbox.trials.plan import PlanContent
from sandbox.trials.schemas import PlanVersionView, TransitionOption
from sandbox.trials.views import option_view, plan_view

__all__ = ["PlanController"]


class PlanController(Controller):
    path = "/trials/{trial_id:uuid}/plans"
    tags = ["Sandbox plans"]

    @get("/", summary="Every version of the trial's sandbox plan")
    def list_plans(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID]) -> list[PlanVersionView]:
        return [plan_view(p) for p in service.get_trial(db, actor, trial_id).plans]

    @post("/", summary="Amend the approved plan: a new version to write and have approved again")
    def amend(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID]) -> PlanVersionView:
        return plan_view(service.create_amendment(db, actor, trial_id))

    @get("/{version:int}", summary="One plan version")
    def get_plan(
        self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], version: FromPath[int]
    ) -> PlanVersionView:
        return plan_view(service.get_plan_version(db, actor, trial_id, version))

    @put("/{version:int}", summary="Replace the content of a plan version still being written")
    def update_plan(
        self,
        db: Db,
        actor: CurrentActor,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        version: FromPath[int],
        data: JSONBody[PlanContent],
    ) -> PlanVersionView:
        return plan_view(service.update_plan(db, actor, trial_id, version, data, settings))

    @get("/{version:int}/transitions", summary="Review steps of an amendment: allowed or not, and why")
    def list_review_steps(
        self,
        db: Db,
        actor: CurrentActor,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        version: FromPath[int],
    ) -> list[TransitionOption]:
        plan = service.get_plan_version(db, actor, trial_id, version)
        return [option_view(o) for o in transitions.review_options(actor, plan, settings)]

    @post("/{version:int}/transitions", summary="Take a review step on an amendment (submit, approve…)")
    def review_step(
        self,
        db: Db,
        actor: CurrentActor,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        version: FromPath[int],
        data: JSONBody[ReviewStep],
    ) -> PlanVersionView:
        return plan_view(transitions.apply_review_step(db, actor, trial_id, version, data, settings))
