"""Messages of real device formats, built to their published schemas, for the adapter tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def _stamp(t: datetime) -> str:
    return t.astimezone().isoformat(timespec="milliseconds")


def vda_state(version: str, header_id: int, t: datetime, *, serial: str, x: float = 0.0, y: float = 0.0,
              vx: float = 0.5, battery: float = 76.0, estop: str = "NONE", field_violation: bool = False,
              errors: list[dict[str, Any]] | None = None, map_id: str = "campus") -> bytes:
    message: dict[str, Any] = {
        "headerId": header_id, "timestamp": _stamp(t), "version": version, "manufacturer": "RobotNK",
        "serialNumber": serial, "orderId": "order-7", "orderUpdateId": 0, "lastNodeId": "n1",
        "lastNodeSequenceId": 0, "nodeStates": [], "edgeStates": [], "driving": vx > 0, "actionStates": [],
        "operatingMode": "AUTOMATIC", "errors": errors or [], "velocity": {"vx": vx, "vy": 0.0, "omega": 0.0},
    }
    if version.startswith("3."):
        message.update(
            instantActionStates=[], powerSupply={"stateOfCharge": battery, "charging": False},
            mobileRobotPosition={"x": x, "y": y, "theta": 0.0, "mapId": map_id, "localized": True,
                                 "localizationScore": 0.9},
            safetyState={"activeEmergencyStop": estop, "fieldViolation": field_violation},
        )
    else:
        message.update(
            batteryState={"batteryCharge": battery, "charging": False},
            agvPosition={"x": x, "y": y, "theta": 0.0, "mapId": map_id, "positionInitialized": True,
                         "localizationScore": 0.9},
            safetyState={"eStop": estop, "fieldViolation": field_violation},
        )
    return json.dumps(message).encode()


def vda_connection(version: str, header_id: int, t: datetime, state: str, *, serial: str) -> bytes:
    return json.dumps({"headerId": header_id, "timestamp": _stamp(t), "version": version, "manufacturer": "RobotNK",
                       "serialNumber": serial, "connectionState": state}).encode()


def frigate_event(kind: str, t: datetime, *, camera: str = "nga_tu_30_4", event_id: str = "1607123955.475377-mxklsc",
                  label: str = "motorcycle", box: tuple[int, int, int, int] = (424, 500, 536, 712)) -> bytes:
    stamp = t.timestamp()
    obj = {"id": event_id, "camera": camera, "frame_time": stamp, "snapshot_time": stamp, "label": label,
           "top_score": 0.95, "false_positive": False, "start_time": stamp, "end_time": None, "score": 0.87,
           "box": list(box), "area": 1, "region": [0, 0, 1, 1], "current_zones": ["lane_1"],
           "entered_zones": ["lane_1"], "thumbnail": None, "has_snapshot": False, "has_clip": False,
           "stationary": False, "motionless_count": 0, "position_changes": 2, "some_future_key": {"x": 1}}
    return json.dumps({"type": kind, "before": obj, "after": obj}).encode()
