"""Frigate (open-source AI camera NVR) events onto camera detections.

Frigate publishes ``{topic_prefix}/events`` with ``type`` new, update or end and the tracked object
``before`` and ``after``. A detection is recorded when an object is first reported (``new``): its
label, score, box, first zone, and Frigate's event id as the track id. ``update`` and ``end`` follow
the same object and are read but add no detection. The camera is the enrolled device whose
identity is that topic prefix and camera name; Frigate's boxes are in pixels of the detect
resolution, so the device's identity gives the frame size to turn them into fractions. Keys this
adapter does not know are ignored: newer Frigate versions add many.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec
from msgspec import Struct

from sandbox.telemetry.contract import CameraDetection, Channel, validated
from sandbox.telemetry.ingest.decoding import admit, check_times
from sandbox.telemetry.ingest.messages import Accepted, Received, Rejected
from sandbox.telemetry.registry import Registry

__all__ = ["decode_frigate", "is_frigate_topic"]

DEFAULT_FRAME = (1280, 720)  # Frigate's default detect resolution


class _Object(Struct):
    id: str
    camera: str
    label: str
    score: float
    box: list[float]
    frame_time: float
    start_time: float
    current_zones: list[str] = []
    top_score: float | None = None
    false_positive: bool = False


class _Event(Struct):
    type: str
    after: _Object


def is_frigate_topic(topic: str) -> bool:
    return topic.startswith("frigate") and topic.endswith("/events")


def _seq(event_id: str) -> int:
    """A stable sequence number from Frigate's event id, so that a repeated ``new`` is recognised."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "big") >> 1


def decode_frigate(message: Received, registry: Registry, now: datetime) -> Accepted | Rejected:
    prefix = message.topic.removesuffix("/events")
    try:
        event = msgspec.json.decode(message.payload, type=_Event)
    except msgspec.ValidationError as exc:
        return Rejected("invalid", f"Frigate event: {exc}")
    except msgspec.DecodeError as exc:
        return Rejected("malformed", f"not JSON: {exc}")
    obj = event.after
    device = registry.by_external_key(f"frigate:{prefix}/{obj.camera}")
    refused = admit(registry, device, protocol="frigate")
    if refused is not None:
        if device is None:
            return Rejected("unknown_device", f"no camera enrolled as Frigate camera '{obj.camera}' on '{prefix}'")
        return refused
    assert device is not None
    if event.type != "new":
        return Accepted(device, Channel.EVENT, [])  # the same object, followed: nothing new to record
    identity = device.identity or {}
    width, height = identity.get("frame_width", DEFAULT_FRAME[0]), identity.get("frame_height", DEFAULT_FRAME[1])
    try:
        detection = validated(CameraDetection(
            seq=_seq(obj.id), t=datetime.fromtimestamp(obj.start_time, UTC), label=obj.label,
            score=obj.score, box=[obj.box[0] / width, obj.box[1] / height, obj.box[2] / width, obj.box[3] / height],
            zone=obj.current_zones[0] if obj.current_zones else None, track_id=obj.id,
        ))
    except (msgspec.ValidationError, IndexError, ZeroDivisionError) as exc:
        return Rejected("invalid", f"Frigate event {obj.id}: {exc}", device.id, device.trial_id)
    if (late := check_times([detection], now, device)) is not None:
        return late
    return Accepted(device, Channel.EVENT, [detection])
