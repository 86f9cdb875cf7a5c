"""The silence rule: a device that was operating and stopped reporting during its operating window.

A device that never started today is not silent (a drone grounded for the day sends nothing); one
that was heard within the window and then nothing for ``SILENCE_AFTER`` has lost its link, or
worse. The check runs every ``CHECK_EVERY`` in one ingester at a time (an advisory lock on
PostgreSQL); the episode closes as soon as the device is heard again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sandbox.telemetry.models import DevicePresence
from sandbox.telemetry.registry import Registry
from sandbox.trials import incidents
from sandbox.trials.incident_kinds import IncidentCategory

__all__ = ["CHECK_EVERY", "SILENCE_AFTER", "check_silence"]

SILENCE_AFTER = timedelta(seconds=120)  # a UAV at 1–10 Hz that says nothing for two minutes is not fine
CHECK_EVERY = timedelta(seconds=15)
SILENCE_SEVERITY = 2
_LOCK_KEY = 5_171_993  # one advisory lock for the whole fleet of ingesters


def check_silence(db: Session, registry: Registry, now: datetime) -> int:
    """Open a silence episode for each operating device gone quiet; returns how many were opened."""
    if db.get_bind().dialect.name == "postgresql" and not db.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
    ).scalar():
        return 0  # another ingester is doing it right now
    devices = {d.id: d for d in registry.active_devices()}
    if not devices:
        return 0
    presence = db.scalars(select(DevicePresence).where(DevicePresence.device_id.in_(devices)))
    episodes = incidents.open_episodes(db, list(devices))
    opened = 0
    for seen in presence:
        device = devices[seen.device_id]
        trial = registry.trial(device.trial_id)
        envelope = trial.envelope if trial else None
        quiet = now - seen.last_received_at
        if envelope is None or quiet <= SILENCE_AFTER or quiet > timedelta(hours=12):
            continue
        if not (envelope.inside_window(now) and envelope.inside_window(seen.last_received_at)):
            continue
        if (device.id, IncidentCategory.DEVICE_SILENT) in episodes:
            continue
        incidents.record_episode(db, None, trial_id=device.trial_id, device_id=device.id,
                                 category=IncidentCategory.DEVICE_SILENT, severity=SILENCE_SEVERITY,
                                 at=seen.last_received_at,
                                 worst={"last_heard": seen.last_received_at.isoformat(),
                                        "silent_s": round(quiet.total_seconds()), "excess": quiet.total_seconds()})
        opened += 1
    return opened
