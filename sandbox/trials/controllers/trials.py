"""Trials: open an application, read it, move it along its lifecycle, read its history."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.params import FromPath, JSONBody, QueryParameter

from sandbox.api.dependencies import AppSettings, CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get, post
from sandbox.trials import service, transitions
from sandbox.trials.commands import TransitionRequest
from sandbox.trials.schemas import TransitionOption, TransitionRecord, TrialCreate, TrialSummary, TrialView
from sandbox.trials.states import TrialState
from sandbox.trials.views import option_view, transition_record, trial_summary, trial_view

__all__ = ["TrialController"]


class TrialController(Controller):
    path = "/trials"
    tags = ["Trials"]

    @get("/", summary="Trials this actor may see (startups: their own; staff: all submitted)")
    def list_trials(
        self,
        db: Db,
        actor: CurrentActor,
        limit: Limit = 50,
        offset: Offset = 0,
        trial_state: Annotated[
            TrialState | None, QueryParameter(name="state", description="only trials in this state")
        ] = None,
    ) -> Page[TrialSummary]:
        found, total = service.list_trials(db, actor, limit, offset, trial_state)
        return Page([trial_summary(t) for t in found], total, limit, offset)

    @post("/", summary="Open a trial application (draft) for a product, optionally with a first plan")
    def create_trial(
        self, db: Db, actor: CurrentActor, settings: AppSettings, data: JSONBody[TrialCreate]
    ) -> TrialView:
        return trial_view(db, actor, service.create_trial(db, actor, data, settings), settings)

    @get("/{trial_id:uuid}", summary="One trial, with its working plan and what this actor can do next")
    def get_trial(
        self, db: Db, actor: CurrentActor, settings: AppSettings, trial_id: FromPath[uuid.UUID]
    ) -> TrialView:
        return trial_view(db, actor, service.get_trial(db, actor, trial_id), settings)

    @get(
        "/{trial_id:uuid}/transitions", summary="Transitions from the current state: allowed or not, and why"
    )
    def list_transitions(
        self, db: Db, actor: CurrentActor, settings: AppSettings, trial_id: FromPath[uuid.UUID]
    ) -> list[TransitionOption]:
        trial = service.get_trial(db, actor, trial_id)
        return [option_view(o) for o in transitions.transition_options(db, actor, trial, settings)]

    @post("/{trial_id:uuid}/transitions", summary="Take a transition (submit, approve, activate, suspend…)")
    def transition(
        self,
        db: Db,
        actor: CurrentActor,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        data: JSONBody[TransitionRequest],
    ) -> TrialView:
        trial = transitions.apply_transition(db, actor, trial_id, data, settings)
        return trial_view(db, actor, trial, settings)

    @get("/{trial_id:uuid}/history", summary="Every transition of the trial and its amendments")
    def history(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID]) -> list[TransitionRecord]:
        return [transition_record(row) for row in service.transition_history(db, actor, trial_id)]
