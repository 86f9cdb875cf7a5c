"""VDA 5050 (AGV/AMR state over MQTT), versions 2.0, 2.1 and 3.0, onto AMR samples and statuses.

Topics follow the standard layout ``uagv/{majorVersion}/{manufacturer}/{serialNumber}/{topic}``;
the robot is the enrolled device whose identity is that manufacturer and serial number. Every
message is validated against the official schema of the version it declares. ``headerId`` (which
the robot increases per topic) is the sequence number.

Mapping of ``state``: the position (``agvPosition``, renamed ``mobileRobotPosition`` in 3.0) is on
the robot's map and becomes WGS84 through the site's map frame; speed is |(vx, vy)|; battery from
``batteryState.batteryCharge`` (3.0: ``powerSupply.stateOfCharge``); an emergency stop is any
``eStop`` / ``activeEmergencyStop`` other than NONE; ``fieldViolation`` is a safety-field violation;
an active FATAL error stops the robot. ``connection`` ONLINE / OFFLINE / CONNECTIONBROKEN
(3.0: CONNECTION_BROKEN, HIBERNATING) becomes a device status; a broken connection is a lost link.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import msgspec
from jsonschema import Draft7Validator, Draft202012Validator, ValidationError, validators

from sandbox.telemetry.contract import AmrSample, Channel, DeviceStatus, validated
from sandbox.telemetry.ingest.decoding import admit, check_times
from sandbox.telemetry.ingest.messages import Accepted, Received, Rejected
from sandbox.telemetry.registry import Registry
from sandbox.telemetry.rules.envelope import map_to_wgs84

__all__ = ["VERSIONS", "decode_vda5050"]

VERSIONS = ("2.0.0", "2.1.0", "3.0.0")
_TOPICS = {"state": Channel.TELEMETRY, "connection": Channel.STATUS}


@lru_cache(maxsize=8)
def _validator(version: str, topic: str) -> Draft7Validator | Draft202012Validator:
    text = resources.files("sandbox.telemetry.adapters").joinpath(f"vda5050_schemas/{version}/{topic}.schema.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema, default=Draft7Validator)
    return cls(schema)  # type: ignore[no-any-return]


def _version(declared: str) -> str | None:
    """The schema version for a declared one: 2.0.x → 2.0.0, 2.1.x → 2.1.0, 3.0.x → 3.0.0."""
    prefix = ".".join(str(declared).split(".")[:2])
    return next((v for v in VERSIONS if v.startswith(prefix + ".")), None)


def _heading(theta_rad: float, rotation_deg: float) -> float:
    """VDA's theta (counter-clockwise from the map's x axis) as a compass heading (clockwise from north)."""
    east_ccw = math.degrees(theta_rad) + rotation_deg
    return (90.0 - east_ccw) % 360.0


def _state(message: dict[str, Any], registry: Registry, trial_id: Any) -> AmrSample:
    position = message.get("agvPosition") or message.get("mobileRobotPosition") or {}
    battery = message.get("batteryState") or {}
    power = message.get("powerSupply") or {}
    safety = message.get("safetyState") or {}
    velocity = message.get("velocity") or {}
    stop = safety.get("eStop", safety.get("activeEmergencyStop", "NONE"))
    trial = registry.trial(trial_id)
    frame = trial.envelope.map_frames.get(position.get("mapId", "")) if trial and trial.envelope else None
    lat = lon = None
    if frame is not None and "x" in position:
        lat, lon = map_to_wgs84(frame, position["x"], position["y"])
    return AmrSample(
        seq=message["headerId"],
        t=datetime.fromisoformat(message["timestamp"].replace("Z", "+00:00")),
        lat=lat, lon=lon,
        x=position.get("x"), y=position.get("y"), map_id=position.get("mapId"),
        speed_mps=math.hypot(velocity.get("vx", 0.0), velocity.get("vy", 0.0)),
        heading_deg=_heading(position.get("theta", 0.0), frame.rotation_deg if frame else 0.0),
        battery_pct=float(battery.get("batteryCharge", power.get("stateOfCharge", 0.0))),
        mode=message["operatingMode"],
        emergency_stop=stop != "NONE",
        safety_field_violation=bool(safety.get("fieldViolation", False)),
        localisation_score=position.get("localizationScore"),
        mission_id=message.get("orderId") or None,
        fatal_error=any(error.get("errorLevel") == "FATAL" for error in message.get("errors", [])),
    )


def _connection(message: dict[str, Any]) -> DeviceStatus:
    state = message["connectionState"]
    return DeviceStatus(
        seq=message["headerId"],
        t=datetime.fromisoformat(message["timestamp"].replace("Z", "+00:00")),
        online=state in ("ONLINE", "HIBERNATING"),
        graceful=state == "OFFLINE",
        detail=f"VDA 5050 connectionState {state}",
    )


def decode_vda5050(message: Received, registry: Registry, now: datetime) -> Accepted | Rejected:
    parts = message.topic.split("/")
    if len(parts) != 5 or parts[0] != "uagv" or parts[4] not in _TOPICS:
        return Rejected("unknown_topic", f"'{message.topic}' is not uagv/{{version}}/{{manufacturer}}/{{serial}}/"
                                         "{state|connection}")
    _, major, manufacturer, serial, topic = parts
    device = registry.by_external_key(f"vda5050:{manufacturer}/{serial}")
    refused = admit(registry, device, protocol="vda5050")
    if refused is not None:
        if device is None:
            return Rejected("unknown_device", f"no AMR enrolled as VDA 5050 manufacturer '{manufacturer}', "
                                              f"serial '{serial}'")
        return refused
    assert device is not None
    try:
        document = json.loads(message.payload)
    except ValueError as exc:
        return Rejected("malformed", f"not JSON: {exc}", device.id, device.trial_id)
    version = _version(document.get("version", "")) if isinstance(document, dict) else None
    if version is None or f"v{version[0]}" != major:
        declared = document.get("version") if isinstance(document, dict) else None
        return Rejected("invalid", f"version {declared!r} is not a supported VDA 5050 version on {major} "
                                   f"(supported: {', '.join(VERSIONS)})", device.id, device.trial_id)
    try:
        _validator(version, topic).validate(document)
    except ValidationError as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        return Rejected("invalid", f"VDA 5050 {version} {topic} schema: {exc.message} at /{where}",
                        device.id, device.trial_id)
    try:
        item = validated(_state(document, registry, device.trial_id) if topic == "state" else _connection(document))
    except (ValueError, TypeError, msgspec.ValidationError) as exc:  # e.g. a date the schema's "format" let pass
        return Rejected("invalid", f"VDA 5050 {topic}: {exc}", device.id, device.trial_id)
    if (late := check_times([item], now, device)) is not None:
        return late
    return Accepted(device, _TOPICS[topic], [item])
