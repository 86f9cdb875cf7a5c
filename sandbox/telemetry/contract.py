"""The wire contract between a device and Sandbox: MQTT topics and payloads, version 1.

Depends on msgspec only, so that device gateways (``devices/``) and simulators (``sims/``) can
import it without the server. See docs/telemetry-contract.md for the page device makers read.

Topics::

    sandbox/v1/{trial}/{device}/telemetry   a batch of samples            {"samples": [...]}
    sandbox/v1/{trial}/{device}/event       a batch of events             {"events": [...]}
    sandbox/v1/{trial}/{device}/status      the device's state of health  {"seq": 7, "t": ..., "online": true}

``{trial}`` is the trial reference (``SB-2026-0001``), ``{device}`` the device id given at
enrolment (also its MQTT username). Payloads are JSON or MessagePack (told apart by the MQTT 5
content type, or by their first byte). Every sample and event carries ``seq``, a number the
device increases by one for each sample or event it produces on that channel, so that a
redelivered or replayed message is stored once; and ``t``, the moment it describes, with a time
zone (RFC 3339 in JSON, the timestamp extension in MessagePack). Unknown fields are ignored, so
that newer devices keep working with this version.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

__all__ = [
    "CONTENT_TYPES",
    "KINDS",
    "MAX_ITEMS_PER_MESSAGE",
    "MAX_PAYLOAD_BYTES",
    "TOPIC_ROOT",
    "AmrEvent",
    "AmrSample",
    "CameraDetection",
    "CameraStatus",
    "Channel",
    "DeviceStatus",
    "Encoding",
    "Events",
    "Kind",
    "Telemetry",
    "TopicAddress",
    "UavEvent",
    "UavSample",
    "decode",
    "encode",
    "message_type",
    "parse_topic",
    "topic",
    "validated",
]

TOPIC_ROOT = "sandbox/v1"
MAX_PAYLOAD_BYTES = 256 * 1024  # a minute of 10 Hz UAV samples is ~60 kB of JSON
MAX_ITEMS_PER_MESSAGE = 1000

Kind = Literal["agri_uav", "ai_camera", "amr"]
KINDS: tuple[Kind, ...] = ("agri_uav", "ai_camera", "amr")


class Channel(StrEnum):
    TELEMETRY = "telemetry"
    EVENT = "event"
    STATUS = "status"


# ----------------------------------------------------------------- shared field types

Seq = Annotated[int, Meta(ge=0, le=2**63 - 1, description="per device and channel, +1 each time")]
Moment = Annotated[datetime, Meta(tz=True, description="what the sample describes, with a time zone")]
Latitude = Annotated[float, Meta(ge=-90, le=90, description="WGS84 degrees")]
Longitude = Annotated[float, Meta(ge=-180, le=180, description="WGS84 degrees")]
Heading = Annotated[float, Meta(ge=0, lt=360, description="degrees clockwise from true north")]
Percent = Annotated[float, Meta(ge=0, le=100)]
Speed = Annotated[float, Meta(ge=0, le=200, description="m/s")]
Unit = Annotated[float, Meta(ge=0, le=1)]
Label = Annotated[str, Meta(min_length=1, max_length=64)]
Note = Annotated[str, Meta(max_length=2000)]
Metres = Annotated[float, Meta(ge=-1e7, le=1e7)]


# Samples, events and statuses hold scalars (and a box of four floats) only, so they can never be part
# of a reference cycle: ``gc=False`` keeps the hundreds of thousands an ingester decodes each second
# out of the cycle collector's way.

# ----------------------------------------------------------------- agricultural UAV


class UavSample(Struct, kw_only=True, gc=False):
    seq: Seq
    t: Moment
    lat: Latitude
    lon: Longitude
    height_agl_m: Annotated[float, Meta(ge=-100, le=10_000, description="height above ground, m")]
    ground_speed_mps: Speed
    heading_deg: Heading
    battery_pct: Percent
    flight_mode: Label
    armed: bool
    spraying: bool = False
    flow_rate_lpm: Annotated[float, Meta(ge=0, le=1000)] = 0.0
    tank_level_l: Annotated[float, Meta(ge=0, le=10_000)] | None = None
    swath_width_m: Annotated[float, Meta(ge=0, le=100)] | None = None
    gps_fix: Annotated[int, Meta(ge=0, le=8, description="MAVLink GPS_FIX_TYPE: 3 = 3D fix")] = 3
    satellites: Annotated[int, Meta(ge=0, le=255)] | None = None


UavEventType = Literal[
    "take_off", "landing", "return_to_launch", "failsafe", "tank_refill", "battery_swap",
    "mission_start", "mission_end", "error",
]


class UavEvent(Struct, kw_only=True, gc=False):
    seq: Seq
    t: Moment
    type: UavEventType
    detail: Note | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


# ----------------------------------------------------------------- AI camera


class CameraStatus(Struct, kw_only=True, gc=False):
    """A camera's health, every 10–60 s."""

    seq: Seq
    t: Moment
    online: bool
    fps: Annotated[float, Meta(ge=0, le=1000)]
    inference_latency_ms: Annotated[float, Meta(ge=0, le=600_000)]
    temperature_c: Annotated[float, Meta(ge=-50, le=150)] | None = None
    privacy_masking: bool


class CameraDetection(Struct, kw_only=True, gc=False):
    """One detected object; ``box`` is [x1, y1, x2, y2] as fractions of the frame."""

    seq: Seq
    t: Moment
    label: Label
    score: Unit
    box: Annotated[list[Unit], Meta(min_length=4, max_length=4)]
    zone: Label | None = None
    track_id: Annotated[str, Meta(max_length=64)] | None = None
    violation: Literal["red_light", "wrong_way", "no_helmet"] | None = None


# ----------------------------------------------------------------- AMR


class AmrSample(Struct, kw_only=True, gc=False):
    """Position in WGS84 (``lat``, ``lon``) or in the site's map frame (``x``, ``y`` metres, ``map_id``)."""

    seq: Seq
    t: Moment
    lat: Latitude | None = None
    lon: Longitude | None = None
    x: Metres | None = None
    y: Metres | None = None
    map_id: Label | None = None
    speed_mps: Speed
    heading_deg: Heading
    battery_pct: Percent
    mode: Label
    emergency_stop: bool = False
    safety_field_violation: bool = False
    localisation_score: Unit | None = None
    odometer_m: Annotated[float, Meta(ge=0, le=1e9)] | None = None  # VDA 5050 robots do not report one
    mission_id: Annotated[str, Meta(max_length=64)] | None = None
    fatal_error: bool = False  # an error that stops the robot is active

    def __post_init__(self) -> None:
        if (self.lat is None) != (self.lon is None) or (self.x is None) != (self.y is None):
            raise ValueError("give both lat and lon, or both x and y")
        if self.lat is None and self.x is None:
            raise ValueError("a position is needed: lat and lon, or x and y with map_id")


AmrEventType = Literal[
    "mission_started", "mission_completed", "intervention", "emergency_stop", "collision", "near_miss",
    "blocked", "error",
]


class AmrEvent(Struct, kw_only=True, gc=False):
    seq: Seq
    t: Moment
    type: AmrEventType
    mission_id: Annotated[str, Meta(max_length=64)] | None = None
    success: bool | None = None  # for mission_completed
    intervention: Literal["remote", "manual"] | None = None  # for intervention
    detail: Note | None = None


# ----------------------------------------------------------------- messages



class Telemetry(Struct, kw_only=True):
    samples: list[Any]


class Events(Struct, kw_only=True):
    events: list[Any]


class DeviceStatus(Struct, kw_only=True, gc=False):
    """Sent on connect (``online: true``), on a planned shutdown (``online: false, graceful: true``) and as
    the MQTT last will (``online: false``): going offline without warning is a lost link."""

    seq: Seq
    t: Moment
    online: bool
    graceful: bool = False
    firmware: Annotated[str, Meta(max_length=64)] | None = None
    detail: Note | None = None


def _batch(name: str, field: str, item: type) -> type[Struct]:
    items = Annotated[list[item], Meta(min_length=1, max_length=MAX_ITEMS_PER_MESSAGE)]  # type: ignore[valid-type]
    return msgspec.defstruct(name, [(field, items)], kw_only=True)


_MESSAGE_TYPES: dict[tuple[str, Channel], type[Struct]] = {
    ("agri_uav", Channel.TELEMETRY): _batch("UavTelemetry", "samples", UavSample),
    ("agri_uav", Channel.EVENT): _batch("UavEvents", "events", UavEvent),
    ("ai_camera", Channel.TELEMETRY): _batch("CameraTelemetry", "samples", CameraStatus),
    ("ai_camera", Channel.EVENT): _batch("CameraEvents", "events", CameraDetection),
    ("amr", Channel.TELEMETRY): _batch("AmrTelemetry", "samples", AmrSample),
    ("amr", Channel.EVENT): _batch("AmrEvents", "events", AmrEvent),
}


def message_type(kind: Kind, channel: Channel) -> type[Struct]:
    """The Struct a message on ``channel`` from a device of ``kind`` decodes into."""
    if channel is Channel.STATUS:
        return DeviceStatus
    return _MESSAGE_TYPES[(kind, channel)]


# ----------------------------------------------------------------- topics and encodings


class TopicAddress(Struct, frozen=True):
    trial: str
    device: str
    channel: Channel


def topic(trial: str, device: str, channel: Channel | str) -> str:
    return f"{TOPIC_ROOT}/{trial}/{device}/{Channel(channel)}"


def parse_topic(name: str) -> TopicAddress | None:
    """The trial, device and channel of a contract topic; ``None`` for any other topic."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != TOPIC_ROOT or not parts[2] or not parts[3]:
        return None
    try:
        return TopicAddress(parts[2], parts[3], Channel(parts[4]))
    except ValueError:
        return None


Encoding = Literal["json", "msgpack"]
CONTENT_TYPES: dict[Encoding, str] = {"json": "application/json", "msgpack": "application/msgpack"}


def encode(message: Struct, encoding: Encoding = "json") -> bytes:
    return msgspec.msgpack.encode(message) if encoding == "msgpack" else msgspec.json.encode(message)


def encoding_of(payload: bytes, content_type: str | None = None) -> Encoding:
    """JSON or MessagePack: from the MQTT 5 content type when given, else from the first byte.

    A JSON object starts with ``{`` (after optional white space); a MessagePack map with a byte
    from 0x80 to 0x8f, or 0xde / 0xdf — they cannot be confused.
    """
    if content_type:
        return "msgpack" if "msgpack" in content_type.lower() else "json"
    stripped = payload.lstrip(b" \t\r\n")
    return "json" if stripped[:1] == b"{" else "msgpack"


def decode(payload: bytes, kind: Kind, channel: Channel, content_type: str | None = None) -> Struct:
    """Decode and validate one message; raises ``msgspec.DecodeError`` / ``ValidationError``."""
    target = message_type(kind, channel)
    if encoding_of(payload, content_type) == "msgpack":
        return msgspec.msgpack.decode(payload, type=target)
    return msgspec.json.decode(payload, type=target)


def validated(item: Struct) -> Struct:
    """Check a Struct built in code (not decoded) against its constraints, as decoding would.

    Constructing a Struct does not check ``Meta`` bounds; adapters that map other formats onto the
    contract pass what they build through here. Raises ``msgspec.ValidationError``.
    """
    return msgspec.convert(msgspec.to_builtins(item), type(item))
