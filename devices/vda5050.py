"""Speaking VDA 5050: AMR samples as ``state`` messages and the link as ``connection`` messages.

A fleet of robots reaches Sandbox through a VDA 5050 master control or straight from the robots,
on ``uagv/v{major}/{manufacturer}/{serial}/{state|connection}``. `Vda5050` is the dialect a
`DeviceClient` speaks for such a robot (a gateway that holds `AmrSample` readings, or the AMR
simulator): the client's telemetry goes out as ``state``, its statuses — the last will included —
as ``connection`` (``ONLINE``, ``OFFLINE``, ``CONNECTIONBROKEN``; 3.0: ``CONNECTION_BROKEN``).
Versions 2.0.0, 2.1.0 and 3.0.0; the documents are valid against the official schemas.

    robot = Vda5050("RobotNK", "NKC-0001", "2.0.0")
    client = DeviceClient(host, port, trial=reference, device=device_id, secret=secret, dialect=robot)
    client.send_encoded(Channel.TELEMETRY, robot.state(sample))     # headerId = sample.seq

VDA 5050 has no topic for events: what a robot's events stand for reaches Sandbox in its state (an
emergency stop, a safety field violation, a fatal error).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.telemetry.contract import AmrSample, Channel, DeviceStatus

__all__ = ["VERSIONS", "Vda5050"]

VERSIONS = ("2.0.0", "2.1.0", "3.0.0")
_TOPICS = {Channel.TELEMETRY: "state", Channel.STATUS: "connection"}
_MODES = frozenset({"AUTOMATIC", "SEMIAUTOMATIC", "MANUAL", "SERVICE", "TEACHIN"})


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Vda5050:
    """One robot's identity on the VDA 5050 topics. Header ids are the items' sequence numbers, which the
    device client counts per channel and never reuses, as the standard counts them per topic."""

    manufacturer: str
    serial: str
    version: str = "2.0.0"

    def __post_init__(self) -> None:
        if self.version not in VERSIONS:
            raise ValueError(f"VDA 5050 version {self.version!r} is not one of {', '.join(VERSIONS)}")

    @property
    def content_type(self) -> str:
        return "application/json"

    def topic(self, channel: Channel) -> str:
        if channel not in _TOPICS:
            raise ValueError(f"VDA 5050 carries state and connection, not {channel.value}")
        return f"uagv/v{self.version.split('.')[0]}/{self.manufacturer}/{self.serial}/{_TOPICS[channel]}"

    def _header(self, seq: int, t: datetime) -> dict[str, Any]:
        return {"headerId": seq, "timestamp": _stamp(t), "version": self.version,
                "manufacturer": self.manufacturer, "serialNumber": self.serial}

    def state(self, sample: AmrSample, last_node: str = "") -> bytes:
        """A ``state`` message for one sample (position in the map frame, as robots report it)."""
        heading = math.radians(90.0 - sample.heading_deg)  # VDA 5050 theta: from the map's x axis, anticlockwise
        message: dict[str, Any] = {
            **self._header(sample.seq, sample.t),
            "orderId": sample.mission_id or "", "orderUpdateId": 0, "lastNodeId": last_node,
            "lastNodeSequenceId": 0, "nodeStates": [], "edgeStates": [], "driving": sample.speed_mps > 0.0,
            "actionStates": [], "operatingMode": sample.mode if sample.mode in _MODES else "AUTOMATIC",
            "errors": [{"errorType": "fatalError", "errorLevel": "FATAL"}] if sample.fatal_error else [],
            "velocity": {"vx": round(sample.speed_mps, 3), "vy": 0.0, "omega": 0.0},
        }
        position = {"x": sample.x or 0.0, "y": sample.y or 0.0, "theta": round(math.remainder(heading, 2 * math.pi), 4),
                    "mapId": sample.map_id or ""}
        score = {"localizationScore": sample.localisation_score} if sample.localisation_score is not None else {}
        stop = "MANUAL" if sample.emergency_stop else "NONE"
        if self.version.startswith("3."):
            message.update(
                instantActionStates=[], powerSupply={"stateOfCharge": sample.battery_pct, "charging": False},
                mobileRobotPosition={**position, "localized": True, **score},
                safetyState={"activeEmergencyStop": stop, "fieldViolation": sample.safety_field_violation},
            )
        else:
            message.update(
                batteryState={"batteryCharge": sample.battery_pct, "charging": False},
                agvPosition={**position, "positionInitialized": True, **score},
                safetyState={"eStop": stop, "fieldViolation": sample.safety_field_violation},
            )
        return json.dumps(message).encode()

    def connection(self, seq: int, t: datetime, state: str) -> bytes:
        """``ONLINE``, ``OFFLINE`` or a broken connection (``CONNECTIONBROKEN``; 3.0: ``CONNECTION_BROKEN``)."""
        if state == "CONNECTIONBROKEN" and self.version.startswith("3."):
            state = "CONNECTION_BROKEN"
        return json.dumps({**self._header(seq, t), "connectionState": state}).encode()

    def status(self, status: DeviceStatus) -> bytes:
        """A device client's status as a ``connection`` message: its last will is a broken connection."""
        state = "ONLINE" if status.online else "OFFLINE" if status.graceful else "CONNECTIONBROKEN"
        return self.connection(status.seq, status.t, state)
