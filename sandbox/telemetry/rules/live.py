"""Applying the rules to the samples a batch newly stored: incidents open, grow and close as episodes.

Only new samples come here (a redelivered one was already judged). The devices concerned are
locked first, in id order, so that ingesters sharing the stream judge one device's episodes one
batch at a time. Each device's samples are scanned in time order as runs (``checks.scan``): a run
of offending samples opens or extends an episode, the first clean sample after it closes it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from msgspec.structs import replace
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.telemetry.contract import AmrSample, CameraStatus, DeviceStatus, UavSample
from sandbox.telemetry.models import DevicePresence
from sandbox.telemetry.registry import KnownDevice, Registry
from sandbox.telemetry.rules.checks import EPISODE_CATEGORIES, event_incident, scan
from sandbox.trials import incidents
from sandbox.trials.incident_kinds import IncidentCategory
from sandbox.trials.models import Device, Incident

__all__ = ["RuleOutcome", "apply_rules"]

LINK_LOST_SEVERITY = 2
_SAMPLE_TYPES = frozenset({UavSample, AmrSample, CameraStatus})
_TIME = attrgetter("t")


@dataclass(slots=True)
class RuleOutcome:
    opened: int = 0
    closed: int = 0
    events: int = 0


def _lock(db: Session, device_ids: Iterable[uuid.UUID]) -> None:
    ordered = sorted(set(device_ids))
    if ordered and db.get_bind().dialect.name == "postgresql":
        db.execute(select(Device.id).where(Device.id.in_(ordered)).order_by(Device.id).with_for_update())


class _Episodes:
    """The open episodes of the devices in a batch, and what the batch does to them."""

    def __init__(self, db: Session, device_ids: list[uuid.UUID], outcome: RuleOutcome) -> None:
        self.db, self.outcome = db, outcome
        self.open: dict[tuple[uuid.UUID, IncidentCategory], Incident] = incidents.open_episodes(db, device_ids)

    def close(self, device: KnownDevice, category: IncidentCategory, at: datetime) -> None:
        episode = self.open.get((device.id, category))
        if episode is not None and at > episode.started_at:
            incidents.close_episode(self.db, episode, at)
            del self.open[(device.id, category)]
            self.outcome.closed += 1

    def extend(self, device: KnownDevice, category: IncidentCategory, severity: int, at: datetime,
               first: dict[str, Any], worst: dict[str, Any], last: dict[str, Any], readings: int) -> None:
        key = (device.id, category)
        before = self.open.get(key)
        self.open[key] = incidents.record_episode(
            self.db, before, trial_id=device.trial_id, device_id=device.id, category=category, severity=severity,
            at=at, first=first, worst=worst, last=last, readings=readings)
        self.outcome.opened += before is None


def _judge_samples(episodes: _Episodes, device: KnownDevice, samples: list[Any], registry: Registry,
                   reconnected: bool) -> None:
    trial = registry.trial(device.trial_id)
    envelope = trial.envelope if trial else None
    lost = episodes.open.get((device.id, IncidentCategory.LINK_LOST))
    # Data flows again after the link was lost: the link is back, unless the device said when it came back
    # (``reconnected``): then the samples are what it stored meanwhile, and its status ends the episode.
    if lost is not None and not reconnected:
        after = next((sample.t for sample in samples if sample.t > lost.started_at), None)
        if after is not None:
            episodes.close(device, IncidentCategory.LINK_LOST, after)
    if envelope is None:
        return
    runs = scan(envelope, device.kind, samples)
    for category in EPISODE_CATEGORIES[device.kind]:
        position = 0
        for run in runs.get(category, []):
            if run.start > position:  # clean samples before this run end any episode still open
                episodes.close(device, category, samples[position].t)
            episodes.extend(device, category, run.severity, samples[run.start].t, run.first, run.worst, run.last,
                            run.end - run.start)
            position = run.end
        if position < len(samples):
            episodes.close(device, category, samples[position].t)


def _wills_dated(db: Session, device_id: uuid.UUID, items: list[Any]) -> list[Any]:
    """A last will is written when the device connects, so its time is that of the connection; the link was
    lost after the last thing heard from the device before it. Each will takes that time, from the items
    that arrived before it and what earlier batches noted (``items`` in arrival order)."""
    if not any(type(item) is DeviceStatus and not (item.online or item.graceful) for item in items):
        return items
    heard = db.scalar(select(DevicePresence.last_time).where(DevicePresence.device_id == device_id))
    dated = []
    for item in items:
        if type(item) is DeviceStatus and not (item.online or item.graceful):
            if heard is not None and heard > item.t:
                item = replace(item, t=heard)
        elif heard is None or item.t > heard:
            heard = item.t
        dated.append(item)
    return dated


def apply_rules(db: Session, registry: Registry, fresh: Iterable[tuple[KnownDevice, list[Any]]]) -> RuleOutcome:
    """Judge the newly stored items, given message by message as (device, its items)."""
    outcome = RuleOutcome()
    by_device: dict[uuid.UUID, list[Any]] = defaultdict(list)
    devices: dict[uuid.UUID, KnownDevice] = {}
    for device, items in fresh:
        by_device[device.id].extend(items)
        devices[device.id] = device
    if not by_device:
        return outcome
    _lock(db, by_device)
    episodes = _Episodes(db, list(by_device), outcome)
    for device_id, items in by_device.items():
        device = devices[device_id]
        items = _wills_dated(db, device_id, items)
        items.sort(key=_TIME)
        episodes.close(device, IncidentCategory.DEVICE_SILENT, items[0].t)  # any sign of life ends a silence
        samples = [item for item in items if type(item) in _SAMPLE_TYPES]
        for item in items if len(samples) < len(items) else ():  # statuses and events, in time order
            if type(item) in _SAMPLE_TYPES:
                continue
            if isinstance(item, DeviceStatus):
                if item.online or item.graceful:
                    episodes.close(device, IncidentCategory.LINK_LOST, item.t)
                else:
                    reading = {"time": item.t.isoformat(), "detail": item.detail, "excess": 0}
                    episodes.extend(device, IncidentCategory.LINK_LOST, LINK_LOST_SEVERITY, item.t, reading, reading,
                                    reading, 1)
            elif (reported := event_incident(item)) is not None:
                category, severity, values = reported
                incidents.record_event(db, trial_id=device.trial_id, device_id=device_id, category=category,
                                       severity=severity, at=item.t, values=values)
                outcome.events += 1
        if samples:
            reconnected = any(type(item) is DeviceStatus and item.online for item in items)
            _judge_samples(episodes, device, samples, registry, reconnected)
    return outcome
