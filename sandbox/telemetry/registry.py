"""What the ingester knows of devices and trials, kept fresh from the database.

Reloaded every few seconds (so a suspension or a new device takes effect quickly) and at once
when a message names a device it does not know (at most once a second, so that a flood of
unknown devices cannot hammer the database).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sandbox.telemetry.rules.envelope import Envelope, build_envelope
from sandbox.trials.models import Device, PlanVersion, Trial
from sandbox.trials.plan import PlanStatus, content_from_document

__all__ = ["KnownDevice", "KnownTrial", "Registry"]

REFRESH_S = 5.0  # how stale the view of trials and devices may get
MISS_REFRESH_S = 1.0  # how often an unknown device may trigger a reload


@dataclass(frozen=True, slots=True)
class KnownDevice:
    id: uuid.UUID
    trial_id: uuid.UUID
    trial_reference: str
    kind: str
    protocol: str
    external_key: str | None
    retired: bool
    identity: dict[str, Any] | None = None  # how the device names itself in its own format


@dataclass(frozen=True, slots=True)
class KnownTrial:
    id: uuid.UUID
    reference: str
    state: str
    envelope: Envelope | None


class Registry:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic) -> None:
        self._sessions = sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._devices: dict[uuid.UUID, KnownDevice] = {}
        self._external: dict[str, KnownDevice] = {}
        self._trials: dict[uuid.UUID, KnownTrial] = {}
        self._envelopes: dict[tuple[uuid.UUID, int], Envelope] = {}
        self._loaded_at = float("-inf")
        self._miss_at = float("-inf")

    def refresh(self) -> None:
        with self._sessions() as db:
            rows = db.execute(
                select(Device, Trial.reference, Trial.state).join(Trial, Device.trial_id == Trial.id)
            ).all()
            trial_ids = {device.trial_id for device, _, _ in rows}
            plans = db.execute(
                select(PlanVersion.trial_id, PlanVersion.version, PlanVersion.content).where(
                    PlanVersion.trial_id.in_(trial_ids), PlanVersion.status == PlanStatus.APPROVED
                )
            ).all() if trial_ids else []
        devices, external, trials = {}, {}, {}
        in_force = {trial_id: (version, content) for trial_id, version, content in plans}
        for device, reference, state in rows:
            known = KnownDevice(device.id, device.trial_id, reference, str(device.kind), str(device.protocol),
                                device.external_key, device.retired_at is not None, device.identity)
            # A retired device keeps its id; a re-enrolled one gets a new one, so ids never clash.
            devices[device.id] = known
            if device.external_key and not known.retired:
                external[device.external_key] = known
            if device.trial_id not in trials:
                envelope = self._envelope(device.trial_id, str(device.kind), in_force.get(device.trial_id))
                trials[device.trial_id] = KnownTrial(device.trial_id, reference, str(state), envelope)
        with self._lock:
            self._devices, self._external, self._trials = devices, external, trials
            self._loaded_at = self._clock()

    def _envelope(self, trial_id: uuid.UUID, kind: str, plan: tuple[int, dict] | None) -> Envelope | None:
        if plan is None:
            return None
        key = (trial_id, plan[0])
        if key not in self._envelopes:
            self._envelopes[key] = build_envelope(content_from_document(plan[1]), kind)
        return self._envelopes[key]

    def keep_fresh(self) -> None:
        if self._clock() - self._loaded_at >= REFRESH_S:
            self.refresh()

    def _after_miss(self) -> bool:
        now = self._clock()
        if now - self._miss_at < MISS_REFRESH_S:
            return False
        self._miss_at = now
        self.refresh()
        return True

    def device(self, device_id: uuid.UUID) -> KnownDevice | None:
        found = self._devices.get(device_id)
        if found is None and self._after_miss():
            found = self._devices.get(device_id)
        return found

    def by_external_key(self, key: str) -> KnownDevice | None:
        found = self._external.get(key)
        if found is None and self._after_miss():
            found = self._external.get(key)
        return found

    def trial(self, trial_id: uuid.UUID) -> KnownTrial | None:
        return self._trials.get(trial_id)

    def active_devices(self) -> list[KnownDevice]:
        return [d for d in self._devices.values() if not d.retired and self._trials[d.trial_id].state == "active"]
