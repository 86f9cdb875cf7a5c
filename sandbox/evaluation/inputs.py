"""What an evaluation reads, as plain structs: the per-cluster sums the statistical core turns into KPIs.

Part of the pure core: the service fills these from the store (one row per sortie, mission, day, clip or
respondent — never raw samples) and the assessment reads nothing else. Encoded canonically they are hashed
into the report's **fingerprint**: the same inputs and parameters give the same report, and a report can be
checked against the data it was made from.

Days are local (Asia/Ho_Chi_Minh) calendar days, as ISO dates: a trial's day is the day its people worked.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Literal

import msgspec
from msgspec import Struct

__all__ = [
    "CameraDay",
    "ClipTruth",
    "DeviceDay",
    "EvaluationInputs",
    "IncidentFact",
    "Mission",
    "ReferenceObservation",
    "Respondent",
    "RobotDay",
    "SiteShape",
    "SortieSums",
    "SprayDay",
    "Track",
    "TrialFacts",
    "fingerprint",
]


class SortieSums(Struct, frozen=True):
    """One sortie of a spraying drone: armed from take-off to landing."""

    device_id: uuid.UUID
    number: int
    day: date
    start: datetime
    flight_h: float
    spraying_h: float
    litres: float
    sprayed_ha: float  # the union of this sortie's swath footprints


class SprayDay(Struct, frozen=True):
    """A day's spraying over the trial's fields (all drones): what was sprayed, inside the fields, and twice."""

    day: date
    sprayed_ha: float
    inside_field_ha: float
    overlap_ha: float
    field_ha: float


class CameraDay(Struct, frozen=True):
    """One camera's day: how long it was heard and up, how fast it was, what it detected."""

    device_id: uuid.UUID
    site: str | None  # the plan site it watches
    day: date
    observed_s: float  # time it was heard, or known to be down (an outage it reported)
    online_s: float  # of which it was online and inferring
    latency_p95_ms: float | None  # the day's 95th percentile inference latency
    statuses: int
    detections: int
    violations: int  # detections flagged with a violation (red light, wrong way, no helmet)


class ClipTruth(Struct, frozen=True):
    """An evaluator-labelled clip: what the camera reported in it against what was really there."""

    clip_id: uuid.UUID
    device_id: uuid.UUID
    start: datetime
    seconds: float  # the clip's length
    detections: int  # the camera's detections in the clip
    correct: int  # of which matched a labelled road user with the right label
    objects: int  # road users the evaluator labelled
    caught: int  # of which the camera detected


class Mission(Struct, frozen=True):
    """A robot's mission: started, and completed (successfully or not) or still open at the cut-off."""

    device_id: uuid.UUID
    mission_id: str
    day: date
    started: datetime
    success: bool | None  # None: no completion reported


class RobotDay(Struct, frozen=True):
    device_id: uuid.UUID
    day: date
    km: float  # distance driven (odometer, or the track where there is none)
    interventions: int
    emergency_stops: int
    collisions: int
    near_misses: int


class DeviceDay(Struct, frozen=True):
    """Any device's day in its main stream: how long it operated and how much of what it numbered arrived."""

    device_id: uuid.UUID
    day: date
    operating_h: float  # minutes with at least one sample, in hours
    received: int  # samples stored
    numbered: int  # samples the device numbered (its seq span): received / numbered is completeness
    outside_envelope_h: float  # time under open or closed rule incidents (the envelope left)


class IncidentFact(Struct, frozen=True):
    id: uuid.UUID
    category: str
    severity: int
    source: str
    started_at: datetime
    device_id: uuid.UUID | None


class Respondent(Struct, frozen=True):
    """A living-lab respondent's Likert answers (1–5); only consenting respondents are stored at all."""

    group: str
    satisfaction: int | None
    acceptance: int | None


class ReferenceObservation(Struct, frozen=True):
    """A cluster of baseline data uploaded for a KPI: a control group's or the pre-period's numerator and
    denominator (hectares and hours of a manual spraying round; parcels and deliveries of a day on foot)."""

    kpi: str
    group: Literal["control", "pre_period"]
    day: date
    numerator: float
    denominator: float


class SiteShape(Struct, frozen=True):
    name: str
    role: Literal["trial", "control"]
    polygons: list[list[list[list[float]]]]  # GeoJSON MultiPolygon coordinates, [lon, lat]


class Track(Struct, frozen=True):
    """A device's track thinned for the map."""

    device_id: uuid.UUID
    name: str
    lon: list[float]
    lat: list[float]


class TrialFacts(Struct, frozen=True):
    id: uuid.UUID
    reference: str
    kind: str
    title: str | None
    organisation: str
    product: str
    state: str
    start_date: date | None
    end_date: date | None
    plan_version: int
    plan: dict  # the plan in force, as stored
    devices: dict[str, str]  # device id → serial, for the report's tables


class EvaluationInputs(Struct, frozen=True, kw_only=True):
    trial: TrialFacts
    until: datetime  # the data cut-off: nothing received later is read
    first: datetime | None  # the first and last sample time read
    last: datetime | None
    digest: dict[str, list[int]]  # per time-series table: [rows, sum of seq]: any change of stored data shows
    operating_days: int  # the days the plan's schedule has operating windows on, start to end
    device_days: list[DeviceDay] = []
    sorties: list[SortieSums] = []
    spray_days: list[SprayDay] = []
    camera_days: list[CameraDay] = []
    clips: list[ClipTruth] = []
    missions: list[Mission] = []
    robot_days: list[RobotDay] = []
    incidents: list[IncidentFact] = []
    respondents: list[Respondent] = []
    references: list[ReferenceObservation] = []
    sites: list[SiteShape] = []
    tracks: list[Track] = []


def fingerprint(inputs: EvaluationInputs, parameters: Struct) -> str:
    """SHA-256 of the canonical encoding of the inputs and the parameters: ``sha256:<hex>``."""
    encoder = msgspec.json.Encoder(order="sorted")
    digest = hashlib.sha256()
    digest.update(encoder.encode(inputs))
    digest.update(b"\n")
    digest.update(encoder.encode(parameters))
    return f"sha256:{digest.hexdigest()}"
