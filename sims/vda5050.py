"""The AMR simulator speaking VDA 5050: its samples as ``state`` messages, its link as ``connection``.

A fleet of real robots reaches Sandbox through a VDA 5050 master control or straight from the
robots, on ``uagv/{major}/{manufacturer}/{serial}/state``; this turns what `sims.amr.AmrSim` reports
into those documents (versions 2.0.0, 2.1.0 and 3.0.0, valid against the official schemas), so a
trial can be fed exactly as such a robot would feed it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.telemetry.contract import AmrSample

__all__ = ["Vda5050Robot"]

VERSIONS = ("2.0.0", "2.1.0", "3.0.0")


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Vda5050Robot:
    """One robot's identity on the VDA 5050 topics and its header counters (one per topic, as the standard asks)."""

    manufacturer: str
    serial: str
    version: str = "2.0.0"

    def __post_init__(self) -> None:
        if self.version not in VERSIONS:
            raise ValueError(f"VDA 5050 version {self.version!r} is not one of {', '.join(VERSIONS)}")
        self._headers = {"state": 0, "connection": 0}

    def topic(self, name: str) -> str:
        return f"uagv/v{self.version.split('.')[0]}/{self.manufacturer}/{self.serial}/{name}"

    def _header(self, name: str, t: datetime) -> dict[str, Any]:
        header = self._headers[name]
        self._headers[name] += 1
        return {"headerId": header, "timestamp": _stamp(t), "version": self.version,
                "manufacturer": self.manufacturer, "serialNumber": self.serial}

    def state(self, sample: AmrSample, last_node: str = "") -> bytes:
        """A ``state`` message for one sample (position in the map frame, as robots report it)."""
        heading = math.radians(90.0 - sample.heading_deg)  # VDA 5050 theta: from the map's x axis, anticlockwise
        message: dict[str, Any] = {
            **self._header("state", sample.t),
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

    def connection(self, t: datetime, state: str) -> bytes:
        """``ONLINE``, ``OFFLINE`` or a broken connection (``CONNECTIONBROKEN``; 3.0: ``CONNECTION_BROKEN``)."""
        if state == "CONNECTIONBROKEN" and self.version.startswith("3."):
            state = "CONNECTION_BROKEN"
        return json.dumps({**self._header("connection", t), "connectionState": state}).encode()


_MODES = frozenset({"AUTOMATIC", "SEMIAUTOMATIC", "MANUAL", "SERVICE", "TEACHIN"})
