"""Decoding and validating one message of the wire contract: every way it can be wrong has a reason code.

The adapters of real formats (``sandbox.telemetry.adapters``) use the same codes and checks.

    oversize            larger than the contract allows
    unknown_topic       not a topic of the contract or of a supported format
    unknown_device      the topic names no enrolled device
    topic_mismatch      the topic's trial is not the device's trial
    wrong_protocol      the device is enrolled for another format
    device_retired      the device was taken out of the trial
    trial_not_active    the trial is not running (draft, suspended, completed…)
    malformed           not JSON / MessagePack at all
    invalid             decodes, but a field is missing, of the wrong type or out of range (NaN, latitude 91…)
    time_out_of_range   a sample's time is too far in the past or the future
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import msgspec

from sandbox.telemetry import contract
from sandbox.telemetry.contract import AmrSample, Channel
from sandbox.telemetry.ingest.messages import Accepted, Received, Rejected
from sandbox.telemetry.registry import KnownDevice, Registry
from sandbox.telemetry.rules.envelope import map_to_wgs84

__all__ = ["MAX_CLOCK_AHEAD", "MAX_SAMPLE_AGE", "admit", "check_times", "decode_native"]

MAX_SAMPLE_AGE = timedelta(days=30)  # store-and-forward may deliver a month-old backlog, not older
MAX_CLOCK_AHEAD = timedelta(minutes=5)  # device clocks drift; further ahead is a wrong clock


def admit(registry: Registry, device: KnownDevice | None, *, device_id: uuid.UUID | None = None,
          protocol: str, trial_reference: str | None = None) -> Rejected | None:
    """Whether this device may send now: enrolled for this format, in this trial, which is active."""
    if device is None:
        return Rejected("unknown_device", f"no enrolled device {device_id}" if device_id else "no enrolled device")
    ids = {"device_id": device.id, "trial_id": device.trial_id}
    if trial_reference is not None and trial_reference != device.trial_reference:
        return Rejected("topic_mismatch", f"device {device.id} belongs to trial {device.trial_reference}, "
                                          f"not {trial_reference}", **ids)
    if device.protocol != protocol:
        return Rejected("wrong_protocol", f"device {device.id} is enrolled for '{device.protocol}'", **ids)
    if device.retired:
        return Rejected("device_retired", f"device {device.id} was retired from the trial", **ids)
    trial = registry.trial(device.trial_id)
    state = trial.state if trial else "unknown"
    if state != "active":
        return Rejected("trial_not_active", f"trial {device.trial_reference} is {state}", **ids)
    return None


def check_times(items: list[Any], now: datetime, device: KnownDevice) -> Rejected | None:
    oldest, latest = now - MAX_SAMPLE_AGE, now + MAX_CLOCK_AHEAD
    for index, item in enumerate(items):
        if not oldest <= item.t <= latest:
            return Rejected("time_out_of_range",
                            f"item {index} is at {item.t.isoformat()}; accepted from {oldest.isoformat()} "
                            f"to {latest.isoformat()}", device.id, device.trial_id)
    return None


def _located(item: AmrSample, registry: Registry, device: KnownDevice) -> AmrSample:
    """A robot on its map gets WGS84 coordinates too, from the site's map frame, so the geofence applies."""
    if item.lat is not None or item.map_id is None:
        return item
    trial = registry.trial(device.trial_id)
    frame = trial.envelope.map_frames.get(item.map_id) if trial and trial.envelope else None
    if frame is None:
        return item
    lat, lon = map_to_wgs84(frame, item.x, item.y)  # type: ignore[arg-type]
    return msgspec.structs.replace(item, lat=lat, lon=lon)


@lru_cache(maxsize=100_000)
def _address(topic: str) -> tuple[contract.TopicAddress, uuid.UUID | None] | None:
    """A topic's parts and device id, remembered: a device publishes on the same three topics all day."""
    address = contract.parse_topic(topic)
    if address is None:
        return None
    try:
        return address, uuid.UUID(address.device)
    except ValueError:
        return address, None


def decode_native(message: Received, registry: Registry, now: datetime) -> Accepted | Rejected:
    parsed = _address(message.topic)
    if parsed is None:
        return Rejected("unknown_topic", f"'{message.topic}' is not sandbox/v1/{{trial}}/{{device}}/{{channel}}")
    address, device_id = parsed
    if device_id is None:
        return Rejected("unknown_device", f"'{address.device}' is not a device id")
    device = registry.device(device_id)
    refused = admit(registry, device, device_id=device_id, protocol="sandbox", trial_reference=address.trial)
    if refused is not None:
        return refused
    assert device is not None
    try:
        decoded = contract.decode(message.payload, device.kind, address.channel, message.content_type)  # type: ignore[arg-type]
    except msgspec.ValidationError as exc:
        return Rejected("invalid", str(exc), device.id, device.trial_id)
    except msgspec.DecodeError as exc:
        return Rejected("malformed", str(exc), device.id, device.trial_id)
    if address.channel is Channel.STATUS:
        items: list[Any] = [decoded]
    else:
        items = list(getattr(decoded, "samples", None) or decoded.events)
    if (late := check_times(items, now, device)) is not None:
        return late
    if device.kind == "amr" and address.channel is Channel.TELEMETRY:
        items = [_located(item, registry, device) for item in items]
    return Accepted(device, address.channel, items)

