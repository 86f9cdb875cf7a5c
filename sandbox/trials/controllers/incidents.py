"""Incidents of a trial: read them, report one by hand, acknowledge and close them."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.params import FromPath, JSONBody, QueryParameter

from sandbox.api.dependencies import CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get, post
from sandbox.trials import incidents
from sandbox.trials.incident_kinds import IncidentStatus
from sandbox.trials.schemas import IncidentClosure, IncidentNote, IncidentReport, IncidentView
from sandbox.trials.views import incident_view

__all__ = ["IncidentController"]


class IncidentController(Controller):
    path = "/trials/{trial_id:uuid}/incidents"
    tags = ["Incidents"]

    @get("/", summary="Incidents of the trial, newest first")
    def list_incidents(
        self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], limit: Limit = 50, offset: Offset = 0,
        incident_status: Annotated[IncidentStatus | None, QueryParameter(name="status")] = None,
        min_severity: Annotated[int, QueryParameter(ge=1, le=5)] = 1,
    ) -> Page[IncidentView]:
        found, total = incidents.list_incidents(db, actor, trial_id, limit, offset, incident_status, min_severity)
        return Page([incident_view(i) for i in found], total, limit, offset)

    @post("/", summary="Report an incident by hand")
    def report(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
               data: JSONBody[IncidentReport]) -> IncidentView:
        return incident_view(incidents.report(
            db, actor, trial_id, category=data.category, severity=data.severity, occurred_at=data.occurred_at,
            description=data.description, device_id=data.device_id, ended_at=data.ended_at,
        ))

    @post("/{incident_id:uuid}/acknowledge", summary="The department has seen it (ends its suspension review)")
    def acknowledge(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
                    incident_id: FromPath[uuid.UUID], data: JSONBody[IncidentNote]) -> IncidentView:
        return incident_view(incidents.acknowledge(db, actor, trial_id, incident_id, data.note))

    @post("/{incident_id:uuid}/close", summary="Close a finished incident with its resolution")
    def close(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], incident_id: FromPath[uuid.UUID],
              data: JSONBody[IncidentClosure]) -> IncidentView:
        return incident_view(incidents.close(db, actor, trial_id, incident_id, data.resolution))
