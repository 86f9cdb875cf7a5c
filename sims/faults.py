"""Faults on demand: a simulator's stream bent, for a while, the way a real device goes wrong.

`inject(items, faults)` passes a simulator's samples and events through and, while a `Fault` is on,
changes what the device reports — each fault the kind of thing the live rules must catch:

==================  =========================================================  ===================
fault               what the device reports while it lasts                     the incident
==================  =========================================================  ===================
geofence_breach     positions ``magnitude`` metres (default 500) north         geofence_breach
height_excursion    height above ground ``magnitude`` m (default 60)           height_exceeded
speed_excursion     ground speed ``magnitude`` m/s (default 15)                speed_exceeded
battery_failure     battery falling to ``magnitude`` % (default 8), failsafe   battery_critical,
                                                                               failsafe
gps_loss            no fix, few satellites, position frozen; a failsafe event  failsafe
collision           (robot) a collision event and an emergency stop            collision,
                                                                               emergency_stop
==================  =========================================================  ===================

Faults of the link and the wire (link loss, duplicate and out-of-order messages, malformed payloads)
are not in the samples but in how they travel, and belong to whatever sends the stream through the
device client, not here. Scheduled faults are given with their time; random ones come
from `random_faults` with a rate per hour, drawn from the simulator's own seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from msgspec.structs import replace

from sandbox.telemetry.contract import AmrEvent, AmrSample, UavEvent, UavSample

__all__ = ["SAMPLE_FAULTS", "Fault", "FaultKind", "inject", "random_faults"]

FaultKind = Literal["geofence_breach", "height_excursion", "speed_excursion", "battery_failure", "gps_loss",
                    "collision"]
SAMPLE_FAULTS: tuple[FaultKind, ...] = ("geofence_breach", "height_excursion", "speed_excursion", "battery_failure",
                                        "gps_loss", "collision")
DEFAULT_MAGNITUDE: dict[str, float] = {"geofence_breach": 500.0, "height_excursion": 60.0, "speed_excursion": 15.0,
                                       "battery_failure": 8.0}
METRES_PER_DEGREE_LAT = 110_574.0  # near the equator; Cần Thơ is at 10° N


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    at: datetime
    duration_s: float = 30.0
    magnitude: float | None = None

    @property
    def until(self) -> datetime:
        return self.at + timedelta(seconds=self.duration_s)

    @property
    def size(self) -> float:
        return self.magnitude if self.magnitude is not None else DEFAULT_MAGNITUDE.get(self.kind, 0.0)


def random_faults(kinds: Sequence[FaultKind], per_hour: float, start: datetime, until: datetime, *, seed: int,
                  duration_s: float = 30.0) -> list[Fault]:
    """Faults of ``kinds`` at random (Poisson, ``per_hour``), each of a random kind among them."""
    rng = np.random.default_rng(seed)
    seconds = (until - start).total_seconds()
    count = int(rng.poisson(per_hour * seconds / 3600.0))
    moments = np.sort(rng.uniform(0.0, seconds, count))
    return [Fault(kinds[int(rng.integers(0, len(kinds)))], start + timedelta(seconds=float(m)), duration_s)
            for m in moments]


def _bent(item: Any, fault: Fault, frozen: dict[str, Any]) -> Any:
    """What ``item`` (a sample) says while ``fault`` is on."""
    if fault.kind == "geofence_breach" and isinstance(item, UavSample):
        return replace(item, lat=min(90.0, item.lat + fault.size / METRES_PER_DEGREE_LAT))
    if fault.kind == "height_excursion" and isinstance(item, UavSample) and item.armed:
        return replace(item, height_agl_m=fault.size)
    if fault.kind == "speed_excursion":
        if isinstance(item, UavSample) and item.armed:
            return replace(item, ground_speed_mps=fault.size)
        if isinstance(item, AmrSample):
            return replace(item, speed_mps=fault.size)
    if fault.kind == "battery_failure":
        return replace(item, battery_pct=min(item.battery_pct, fault.size))
    if fault.kind == "gps_loss" and isinstance(item, UavSample):
        where = frozen.setdefault("where", (item.lat, item.lon))
        return replace(item, lat=where[0], lon=where[1], gps_fix=1, satellites=3)
    return item


def _onset(fault: Fault, item: Any, seq: int) -> list[Any]:
    """The events a device sends when ``fault`` begins (before ``item``, its first sample under it)."""
    if isinstance(item, UavSample | UavEvent):
        if fault.kind == "gps_loss":
            return [UavEvent(seq=seq, t=fault.at, type="failsafe", detail="GPS lost: no 3D fix")]
        if fault.kind == "battery_failure":
            return [UavEvent(seq=seq, t=fault.at, type="failsafe", detail="battery failsafe: cell voltage collapsed")]
    if isinstance(item, AmrSample | AmrEvent) and fault.kind == "collision":
        return [AmrEvent(seq=seq, t=fault.at, type="collision", detail="contact on the path (injected)"),
                AmrEvent(seq=seq + 1, t=fault.at, type="emergency_stop", detail="bumper")]
    return []


def inject(items: Iterable[Any], faults: Sequence[Fault], *, event_seq_from: int = 1_000_000_000) -> Iterator[Any]:
    """``items`` with ``faults`` applied, in time order. Events the faults add are numbered from
    ``event_seq_from`` up, apart from the simulator's own."""
    pending = sorted(faults, key=lambda f: f.at)
    active: list[tuple[Fault, dict[str, Any]]] = []
    seq = event_seq_from
    for item in items:
        while pending and pending[0].at <= item.t:
            fault = pending.pop(0)
            added = _onset(fault, item, seq)
            seq += len(added)
            yield from added
            active.append((fault, {}))
        active = [(fault, frozen) for fault, frozen in active if item.t < fault.until]
        if isinstance(item, UavSample | AmrSample):
            for fault, frozen in active:
                item = _bent(item, fault, frozen)
        if isinstance(item, AmrSample) and any(f.kind == "collision" for f, _ in active):
            item = replace(item, speed_mps=0.0, emergency_stop=True)
        yield item
