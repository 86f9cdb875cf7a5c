"""The sandbox plan: what a startup commits to when it asks to test a product in the field.

A plan may be saved half-written while it is a draft: every section is optional here and the
completeness check runs when it is submitted (``plan_checks.missing_parts``). What is written
must be well-formed, though: a site needs a name and a valid geofence, a KPI needs a target.
Field names are those of domain.md; unknown fields are refused so that a typo is not lost.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

__all__ = [
    "Airspace",
    "AmrEnvelope",
    "Baseline",
    "CameraEnvelope",
    "Consent",
    "Envelope",
    "Feature",
    "Geofence",
    "Insurance",
    "Kpi",
    "MapFrame",
    "MultiPolygon",
    "OperatingWindow",
    "PlanContent",
    "PlanStatus",
    "Polygon",
    "Schedule",
    "Site",
    "UavEnvelope",
    "content_from_document",
    "content_to_document",
]


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"  # in force, frozen
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"  # was in force until an amendment was approved

    @property
    def editable(self) -> bool:
        return self in (PlanStatus.DRAFT, PlanStatus.RETURNED)

    @property
    def open(self) -> bool:
        """Still on its way to a decision."""
        return self in (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.UNDER_REVIEW, PlanStatus.RETURNED)


Name = Annotated[str, Meta(min_length=1, max_length=200)]
Prose = Annotated[str, Meta(min_length=1, max_length=20_000)]
Slug = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ClockTime = Annotated[str, Meta(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", description="HH:MM, local time")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# GeoJSON positions are [longitude, latitude] or [longitude, latitude, altitude] (RFC 7946 §3.1.1).
Position = Annotated[list[float], Meta(min_length=2, max_length=3)]


class Polygon(Struct, tag="Polygon", tag_field="type"):
    coordinates: list[list[Position]]


class MultiPolygon(Struct, tag="MultiPolygon", tag_field="type"):
    coordinates: list[list[list[Position]]]


class Feature(Struct, tag="Feature", tag_field="type"):
    """Accepted as drawn by geojson.io and QGIS; only its geometry is kept."""

    geometry: Polygon | MultiPolygon
    properties: dict[str, Any] | None = None


Geofence = Polygon | MultiPolygon | Feature


class Airspace(Struct, forbid_unknown_fields=True):
    classification: Literal["uncontrolled", "controlled", "restricted"]
    ceiling_m: Annotated[float, Meta(gt=0, le=10_000, description="above ground level, metres")]
    notes: str | None = None


class MapFrame(Struct, forbid_unknown_fields=True):
    """A robot's local map: x east and y north of ``origin`` when ``rotation_deg`` is 0, in metres."""

    map_id: Name
    origin_lat: Annotated[float, Meta(ge=-90, le=90)]
    origin_lon: Annotated[float, Meta(ge=-180, le=180)]
    rotation_deg: Annotated[float, Meta(gt=-360, lt=360, description="the map's x axis, counter-clockwise from east")] = 0.0


class Site(Struct, forbid_unknown_fields=True):
    name: Name
    geofence: Geofence
    ward: str | None = None
    # JARUS SORA's ground-risk classes, which suit robots and cameras as well as aircraft.
    population_density: Literal[
        "controlled_ground_area", "sparsely_populated", "populated", "gathering_of_people"
    ] | None = None
    airspace: Airspace | None = None
    map_frame: MapFrame | None = None  # for robots that report positions on a local map (VDA 5050)
    # A control site runs without the product (or with it switched off): the comparison the evaluation makes.
    role: Literal["trial", "control"] = "trial"


class OperatingWindow(Struct, forbid_unknown_fields=True):
    """A daily window of operation in local time; ``end`` before ``start`` runs past midnight."""

    days: Annotated[list[Weekday], Meta(min_length=1, max_length=7)]
    start: ClockTime
    end: ClockTime


class Schedule(Struct, forbid_unknown_fields=True):
    start_date: date
    end_date: date
    operating_windows: list[OperatingWindow] = []


class UavEnvelope(Struct, tag="agri_uav", tag_field="kind", forbid_unknown_fields=True):
    max_height_agl_m: Annotated[float, Meta(gt=0, le=500)]
    max_ground_speed_mps: Annotated[float, Meta(gt=0, le=60)]
    visual_line_of_sight: bool
    max_simultaneous_aircraft: Annotated[int, Meta(ge=1, le=100)]


class CameraEnvelope(Struct, tag="ai_camera", tag_field="kind", forbid_unknown_fields=True):
    privacy_masking_required: bool
    retention_days: Annotated[int, Meta(ge=0, le=3650)]


class AmrEnvelope(Struct, tag="amr", tag_field="kind", forbid_unknown_fields=True):
    max_speed_mps: Annotated[float, Meta(gt=0, le=15)]
    allowed_zones: Annotated[list[Name], Meta(min_length=1)]
    max_payload_kg: Annotated[float, Meta(gt=0, le=5000)]


Envelope = UavEnvelope | CameraEnvelope | AmrEnvelope


class Baseline(Struct, forbid_unknown_fields=True):
    """What a KPI is compared with: a fixed value, the plan's control site(s) or uploaded control records,
    or the pre-period — the trial's data before ``pre_period_end``. A control with a ``pre_period_end``
    is compared by difference-in-differences."""

    kind: Literal["fixed", "control", "pre_period"]
    value: float | None = None
    description: str | None = None
    pre_period_end: date | None = None  # the first day with the product in use


class Kpi(Struct, forbid_unknown_fields=True, kw_only=True):
    code: Slug
    name: Name
    metric: Slug | None = None  # a named metric of the evaluation library…
    formula: Annotated[str, Meta(min_length=1, max_length=500)] | None = None  # …or arithmetic over such names
    unit: Annotated[str, Meta(max_length=40)]
    dimension: Literal["safety", "effectiveness", "reliability", "compliance", "acceptance"]
    direction: Literal["higher_is_better", "lower_is_better"]
    target: float
    weight: Annotated[float, Meta(ge=0, le=1000)] = 1.0
    baseline: Baseline | None = None
    limit: float | None = None  # a safety limit the KPI must never cross while the trial runs
    confirmatory: bool = False


class Insurance(Struct, forbid_unknown_fields=True):
    insurer: Name
    policy_number: Name
    coverage_vnd: Annotated[int, Meta(gt=0)]
    valid_from: date
    valid_until: date


class Consent(Struct, forbid_unknown_fields=True):
    approach: Prose  # how the people affected are informed and give or refuse consent
    affected_groups: list[Name] = []


class PlanContent(Struct, forbid_unknown_fields=True):
    title: Name | None = None
    problem: Prose | None = None
    objectives: list[Prose] = []
    sites: list[Site] = []
    schedule: Schedule | None = None
    envelope: Envelope | None = None
    kpis: list[Kpi] = []
    safeguards: list[Prose] = []
    insurance: Insurance | None = None
    consent: Consent | None = None
    incident_response: Prose | None = None
    exit_plan: Prose | None = None


def content_to_document(content: PlanContent) -> dict[str, Any]:
    return msgspec.to_builtins(content)  # type: ignore[no-any-return]


def content_from_document(document: dict[str, Any]) -> PlanContent:
    return msgspec.convert(document, PlanContent, strict=False)
