"""Applying the rules to the samples a batch newly stored: incidents open, grow and close as episodes.

Only new samples come here (a redelivered one was already judged). The devices concerned are
locked first, in id order, so that ingesters sharing the stream judge one device's episodes one
batch at a time; within a batch each device's items are taken in time order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.telemetry.contract import AmrSample, CameraStatus, DeviceStatus, UavSample
from sandbox.telemetry.registry import KnownDevice, Registry
from sandbox.telemetry.rules.checks import EPISODE_CATEGORIES, event_incident, violations
from sandbox.trials import incidents
from sandbox.trials.incident_kinds import IncidentCategory
from sandbox.trials.models import Device

__all__ = ["RuleOutcome", "apply_rules"]

LINK_LOST_SEVERITY = 2


@dataclass(slots=True)
class RuleOutcome:
    opened: int = 0
    closed: int = 0
    events: int = 0


def _lock(db: Session, device_ids: Iterable[uuid.UUID]) -> None:
    ordered = sorted(set(device_ids))
    if ordered and db.get_bind().dialect.name == "postgresql":
        db.execute(select(Device.id).where(Device.id.in_(ordered)).order_by(Device.id).with_for_update())


def apply_rules(db: Session, registry: Registry, fresh: list[tuple[KnownDevice, Any]]) -> RuleOutcome:
    outcome = RuleOutcome()
    by_device: dict[uuid.UUID, list[Any]] = defaultdict(list)
    devices: dict[uuid.UUID, KnownDevice] = {}
    for device, item in fresh:
        by_device[device.id].append(item)
        devices[device.id] = device
    if not by_device:
        return outcome
    _lock(db, by_device)
    episodes = incidents.open_episodes(db, list(by_device))

    def close(key: tuple[uuid.UUID, IncidentCategory], at: Any) -> None:
        episode = episodes.get(key)
        if episode is not None and at > episode.started_at:
            incidents.close_episode(db, episode, at)
            del episodes[key]
            outcome.closed += 1

    def extend(device: KnownDevice, category: IncidentCategory, severity: int, at: Any, reading: dict[str, Any]) -> None:
        key = (device.id, category)
        before = episodes.get(key)
        episodes[key] = incidents.record_episode(db, before, trial_id=device.trial_id, device_id=device.id,
                                                 category=category, severity=severity, at=at, worst=reading)
        outcome.opened += before is None

    for device_id, items in by_device.items():
        device = devices[device_id]
        trial = registry.trial(device.trial_id)
        envelope = trial.envelope if trial else None
        items.sort(key=lambda item: item.t)
        close((device_id, IncidentCategory.DEVICE_SILENT), items[0].t)  # any sign of life ends a silence
        for item in items:
            if isinstance(item, DeviceStatus):
                if item.online or item.graceful:
                    close((device_id, IncidentCategory.LINK_LOST), item.t)
                else:
                    extend(device, IncidentCategory.LINK_LOST, LINK_LOST_SEVERITY, item.t,
                           {"time": item.t.isoformat(), "detail": item.detail, "excess": 0})
                continue
            if isinstance(item, UavSample | AmrSample | CameraStatus):
                close((device_id, IncidentCategory.LINK_LOST), item.t)
                present = {v.category: v for v in violations(envelope, item)} if envelope else {}
                for category in EPISODE_CATEGORIES[device.kind]:
                    if category in present:
                        extend(device, category, present[category].severity, item.t, present[category].reading)
                    else:
                        close((device_id, category), item.t)
            elif (reported := event_incident(item)) is not None:
                category, severity, values = reported
                incidents.record_event(db, trial_id=device.trial_id, device_id=device_id, category=category,
                                       severity=severity, at=item.t, values=values)
                outcome.events += 1
    return outcome


