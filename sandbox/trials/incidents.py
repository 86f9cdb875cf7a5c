"""Incidents of a trial: raised by live rules as episodes, reported by devices and people, then handled.

A rule's incident opens with the first offending sample and stays open (``ended_at`` empty) while
the device stays outside its envelope; its ``values`` keep the worst reading, the first and the
last. A severity 4–5 incident that nobody has acknowledged puts the trial under suspension review.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.roles import Actor, Role
from sandbox.clock import utcnow
from sandbox.db.pages import page_of
from sandbox.errors import Conflict, InvalidInput
from sandbox.i18n import Text
from sandbox.trials.access import load_in_trial, load_trial, require_role
from sandbox.trials.incident_kinds import (
    SUSPENSION_REVIEW_SEVERITY,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    report_deadline,
)
from sandbox.trials.models import Device, Incident

__all__ = [
    "acknowledge",
    "close",
    "close_episode",
    "incident_snapshot",
    "list_incidents",
    "open_episodes",
    "record_episode",
    "record_event",
    "report",
    "suspension_review",
]


def incident_snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "trial_id": incident.trial_id, "device_id": incident.device_id, "category": incident.category,
        "severity": incident.severity, "source": incident.source, "status": incident.status,
        "started_at": incident.started_at, "ended_at": incident.ended_at, "values": incident.values,
    }


def _new(db: Session, trial_id: uuid.UUID, device_id: uuid.UUID | None, category: IncidentCategory, severity: int,
         source: IncidentSource, at: datetime, values: dict[str, Any], actor: Actor | None = None,
         description: str | None = None, ended_at: datetime | None = None) -> Incident:
    incident = Incident(
        trial_id=trial_id, device_id=device_id, category=category, severity=severity, source=source,
        status=IncidentStatus.OPEN, started_at=at, ended_at=ended_at, values=values, description=description,
        reported_by=actor.user_id if actor else None, report_due_at=at + report_deadline(severity),
    )
    db.add(incident)
    db.flush()
    reason = "suspension review" if severity >= SUSPENSION_REVIEW_SEVERITY else None
    audit.record(db, actor, "incident.open", "incident", incident.id, None, incident_snapshot(incident), reason)
    return incident


# ----------------------------------------------------------------- raised by the live rules and devices


def open_episodes(db: Session, device_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, IncidentCategory], Incident]:
    """The rule episodes still open for these devices, by (device, category)."""
    if not device_ids:
        return {}
    rows = db.scalars(
        select(Incident).where(
            Incident.device_id.in_(device_ids), Incident.ended_at.is_(None), Incident.source == IncidentSource.RULE
        )
    )
    return {(row.device_id, row.category): row for row in rows}  # type: ignore[misc]


def record_episode(db: Session, episode: Incident | None, *, trial_id: uuid.UUID, device_id: uuid.UUID,
                   category: IncidentCategory, severity: int, at: datetime, worst: dict[str, Any],
                   first: dict[str, Any] | None = None, last: dict[str, Any] | None = None,
                   readings: int = 1) -> Incident:
    """Open an episode, or fold more offending readings into the open one: it keeps the first, the worst
    (by ``excess``), the last, and how many readings offended."""
    first, last = first or worst, last or worst
    if episode is None:
        return _new(db, trial_id, device_id, category, severity, IncidentSource.RULE, at,
                    {"first": first, "worst": worst, "last": last, "readings": readings})
    values = dict(episode.values)
    values["last"] = last
    values["readings"] = int(values.get("readings", 0)) + readings
    if worst.get("excess", 0) > values.get("worst", {}).get("excess", 0):
        values["worst"] = worst
    episode.values = values
    if severity > episode.severity:  # an episode can only get worse
        episode.severity = severity
        episode.report_due_at = min(episode.report_due_at, episode.started_at + report_deadline(severity))
    return episode


def close_episode(db: Session, episode: Incident, at: datetime) -> None:
    """The device is back within its envelope."""
    episode.ended_at = at
    audit.record(db, None, "incident.episode_end", "incident", episode.id, None,
                 {"ended_at": at, "readings": episode.values.get("readings")})


def record_event(db: Session, *, trial_id: uuid.UUID, device_id: uuid.UUID, category: IncidentCategory,
                 severity: int, at: datetime, values: dict[str, Any]) -> Incident:
    """An incident the device itself reported (a collision, an emergency stop): a moment, not an episode."""
    return _new(db, trial_id, device_id, category, severity, IncidentSource.DEVICE, at, values, ended_at=at)


# ----------------------------------------------------------------- people


def report(db: Session, actor: Actor, trial_id: uuid.UUID, *, category: IncidentCategory, severity: int,
           occurred_at: datetime, description: str, device_id: uuid.UUID | None = None,
           ended_at: datetime | None = None) -> Incident:
    """A person reports an incident: the operator (startup) or the department's staff."""
    trial = load_trial(db, actor, trial_id)
    require_role(actor, Role.STARTUP, Role.EVALUATOR, Role.POLICY,
                 doing=Text("báo cáo sự cố", "report incidents"))
    if device_id is not None:
        device = db.get(Device, device_id)
        if device is None or device.trial_id != trial.id:
            raise InvalidInput.at("/device_id", Text("thiết bị không thuộc thử nghiệm này",
                                                     "the device is not enrolled in this trial"))
    if occurred_at > utcnow():
        raise InvalidInput.at("/occurred_at", Text("thời điểm xảy ra ở tương lai", "the incident is in the future"))
    return _new(db, trial.id, device_id, category, severity, IncidentSource.PERSON, occurred_at, {}, actor,
                description, ended_at or occurred_at)


def _load(db: Session, actor: Actor, trial_id: uuid.UUID, incident_id: uuid.UUID) -> Incident:
    return load_in_trial(db, actor, trial_id, Incident, incident_id,
                         Text(f"Không tìm thấy sự cố {incident_id}", f"Incident {incident_id} not found"))


def acknowledge(db: Session, actor: Actor, trial_id: uuid.UUID, incident_id: uuid.UUID, note: str | None) -> Incident:
    """The department has seen it; for severity 4–5 this ends the suspension review of that incident."""
    incident = _load(db, actor, trial_id, incident_id)
    require_role(actor, Role.EVALUATOR, Role.POLICY, doing=Text("xác nhận sự cố", "acknowledge incidents"))
    if incident.status is not IncidentStatus.OPEN:
        raise Conflict(Text(f"Sự cố đang ở trạng thái '{incident.status}'", f"The incident is '{incident.status}'"))
    old = incident_snapshot(incident)
    incident.status, incident.acknowledged_at, incident.acknowledged_by = IncidentStatus.ACKNOWLEDGED, utcnow(), actor.user_id
    audit.record(db, actor, "incident.acknowledge", "incident", incident.id, old, incident_snapshot(incident), note)
    return incident


def close(db: Session, actor: Actor, trial_id: uuid.UUID, incident_id: uuid.UUID, resolution: str) -> Incident:
    incident = _load(db, actor, trial_id, incident_id)
    require_role(actor, Role.EVALUATOR, Role.POLICY, doing=Text("đóng sự cố", "close incidents"))
    if incident.status is IncidentStatus.CLOSED:
        raise Conflict(Text("Sự cố đã được đóng", "The incident is closed already"))
    if incident.ended_at is None:
        raise Conflict(Text("Sự cố vẫn đang diễn ra; chỉ đóng được khi thiết bị đã trở lại trong giới hạn",
                            "The episode is still going on; it can be closed once the device is back within limits"))
    old = incident_snapshot(incident)
    incident.status, incident.closed_at, incident.closed_by = IncidentStatus.CLOSED, utcnow(), actor.user_id
    incident.resolution = resolution
    audit.record(db, actor, "incident.close", "incident", incident.id, old, incident_snapshot(incident), resolution)
    return incident


def list_incidents(db: Session, actor: Actor, trial_id: uuid.UUID, limit: int, offset: int,
                   status: IncidentStatus | None = None, min_severity: int = 1) -> tuple[list[Incident], int]:
    load_trial(db, actor, trial_id)
    query = select(Incident).where(Incident.trial_id == trial_id, Incident.severity >= min_severity)
    if status is not None:
        query = query.where(Incident.status == status)
    return page_of(db, query, Incident.started_at.desc(), Incident.id, limit=limit, offset=offset)


def suspension_review(db: Session, trial_id: uuid.UUID) -> int:
    """How many severity 4–5 incidents of the trial nobody has acknowledged yet (0: no review pending)."""
    return db.scalar(
        select(func.count()).select_from(Incident).where(
            Incident.trial_id == trial_id, Incident.severity >= SUSPENSION_REVIEW_SEVERITY,
            Incident.status == IncidentStatus.OPEN,
        )
    ) or 0
