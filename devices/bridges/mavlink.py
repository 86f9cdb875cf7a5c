"""MAVLink flight logs (``.tlog`` telemetry logs and ArduPilot ``.bin`` DataFlash logs) onto UAV samples.

Read with pymavlink, on the device side: a gateway replays a log as a live UAV (``sandbox-device
mavlink``) and the service imports one into a trial (``sandbox import mavlink``), both through this
mapping. A sample is made at each position message (DataFlash ``POS``, MAVLink
``GLOBAL_POSITION_INT``) with the latest speed, heading, battery, mode, armed state and GPS fix seen
before it — from the first moment the log has reported both a GPS state and a battery. Sequence
numbers count samples from the start of the log, so importing the same log twice stores it once.

Where a log does not say a thing directly: height above ground is the height above the home
position; battery % is ``BAT.RemPct``, else computed from the charge drawn and ``BATT_CAPACITY``;
a DataFlash log without ARM events counts the aircraft armed while it flies (above 2 m or faster
than 1 m/s).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import msgspec
from pymavlink import mavutil
from pymavlink.DFReader import DFReader_binary

from sandbox.telemetry.contract import UavSample

__all__ = ["UnreadableLog", "read_flight_log", "relocate", "shift"]


class UnreadableLog(ValueError):
    """The file is not a MAVLink log this bridge reads, or has no usable position in it."""

    def __init__(self, path: Path, problem: Literal["suffix", "missing", "empty"], message: str) -> None:
        super().__init__(message)
        self.path, self.problem = path, problem


FLYING_HEIGHT_M = 2.0
FLYING_SPEED_MPS = 1.0
_ARMED_FLAG = 128  # MAV_MODE_FLAG_SAFETY_ARMED


@dataclass
class _Latest:
    speed: float = 0.0
    heading: float = 0.0
    battery: float | None = None
    fix: int = 0
    satellites: int | None = None
    armed: bool | None = None  # None: the log has not said
    gps_seen: bool = False

    @property
    def ready(self) -> bool:
        return self.gps_seen and self.battery is not None


def _battery_from_dataflash(message: Any, capacity_mah: float | None) -> float | None:
    if getattr(message, "RemPct", None) is not None:
        return float(message.RemPct)
    if capacity_mah and getattr(message, "CurrTot", None) is not None:
        return max(0.0, min(100.0, 100.0 * (1 - message.CurrTot / capacity_mah)))
    return None


def _sample(seq: int, moment: float, lat: float, lon: float, height: float, latest: _Latest, mode: str) -> UavSample:
    armed = latest.armed if latest.armed is not None else (height > FLYING_HEIGHT_M or latest.speed > FLYING_SPEED_MPS)
    return UavSample(
        seq=seq, t=datetime.fromtimestamp(moment, UTC), lat=lat, lon=lon, height_agl_m=height,
        ground_speed_mps=latest.speed, heading_deg=latest.heading % 360.0, battery_pct=latest.battery,
        flight_mode=mode or "UNKNOWN", armed=armed, gps_fix=latest.fix, satellites=latest.satellites,
    )


def _dataflash(log: Any) -> Iterator[UavSample]:
    latest, seq, capacity = _Latest(), 0, None
    wanted = ["POS", "GPS", "ATT", "BAT", "PARM", "ARM", "EV", "MODE"]
    while (message := log.recv_match(type=wanted)) is not None:
        kind = message.get_type()
        if kind == "PARM" and message.Name == "BATT_CAPACITY":
            capacity = float(message.Value)
        elif kind == "GPS":
            latest.speed, latest.fix, latest.satellites = float(message.Spd), int(message.Status), int(message.NSats)
            latest.gps_seen = True
        elif kind == "ATT":
            latest.heading = float(message.Yaw)
        elif kind == "BAT":
            latest.battery = _battery_from_dataflash(message, capacity)
        elif kind == "ARM":
            latest.armed = bool(message.ArmState)
        elif kind == "EV" and message.Id in (10, 11):  # ARMED, DISARMED
            latest.armed = message.Id == 10
        elif kind == "POS" and latest.ready:
            yield _sample(seq, message._timestamp, message.Lat, message.Lng, float(message.RelHomeAlt), latest,
                          log.flightmode)
            seq += 1


def _telemetry_log(log: Any) -> Iterator[UavSample]:
    latest, seq, mode = _Latest(), 0, "UNKNOWN"
    wanted = ["GLOBAL_POSITION_INT", "GPS_RAW_INT", "SYS_STATUS", "HEARTBEAT", "VFR_HUD"]
    while (message := log.recv_match(type=wanted)) is not None:
        kind = message.get_type()
        if kind == "HEARTBEAT" and message.type != mavutil.mavlink.MAV_TYPE_GCS:
            latest.armed = bool(message.base_mode & _ARMED_FLAG)
            mode = mavutil.mode_string_v10(message)
        elif kind == "GPS_RAW_INT":
            latest.fix, latest.satellites = int(message.fix_type), int(message.satellites_visible)
            latest.gps_seen = True
        elif kind == "SYS_STATUS" and message.battery_remaining >= 0:
            latest.battery = float(message.battery_remaining)
        elif kind == "GLOBAL_POSITION_INT" and latest.ready:
            latest.speed = math.hypot(message.vx, message.vy) / 100.0
            if message.hdg != 65535:
                latest.heading = message.hdg / 100.0
            yield _sample(seq, message._timestamp, message.lat / 1e7, message.lon / 1e7, message.relative_alt / 1000.0,
                          latest, mode)
            seq += 1


def read_flight_log(path: Path) -> list[UavSample]:
    """The UAV samples of a ``.tlog`` or ArduPilot ``.bin`` log; `UnreadableLog` if it has none."""
    suffix = path.suffix.lower()
    if suffix not in (".bin", ".tlog"):
        raise UnreadableLog(path, "suffix", f"'{path.name}' is neither a .tlog nor a .bin log")
    if not path.is_file():
        raise UnreadableLog(path, "missing", f"there is no file {path}")
    # The log classes are opened directly: mavutil.mavlink_connection() would *execute* a file whose
    # path contains "/bin/", and would take a missing path for a serial port.
    mavutil.set_dialect("ardupilotmega")
    log = DFReader_binary(str(path)) if suffix == ".bin" else mavutil.mavmmaplog(str(path))
    try:
        samples = list(_dataflash(log) if suffix == ".bin" else _telemetry_log(log))
    finally:
        log.close()
    if not samples:
        raise UnreadableLog(path, "empty", f"{path.name} has no position after a GPS state and a battery charge "
                                           "(BAT.RemPct or BATT_CAPACITY; SYS_STATUS)")
    return samples


def shift(samples: list[UavSample], end: datetime) -> list[UavSample]:
    """The same flight, moved in time so that it ends at ``end`` (to replay a recorded flight today)."""
    offset: timedelta = end - samples[-1].t
    return [msgspec.structs.replace(sample, t=sample.t + offset) for sample in samples]


def relocate(samples: list[UavSample], lat: float, lon: float) -> list[UavSample]:
    """The same flight, moved so that it starts at (lat, lon), keeping its shape on the ground."""
    first = samples[0]
    scale = math.cos(math.radians(first.lat)) / math.cos(math.radians(lat))
    return [msgspec.structs.replace(s, lat=lat + (s.lat - first.lat), lon=lon + (s.lon - first.lon) * scale)
            for s in samples]
