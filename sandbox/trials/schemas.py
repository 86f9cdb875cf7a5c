"""What the API takes and returns about organisations, products, trials, plans and devices.

One Struct per use case (``ProductCreate``, ``ProductUpdate`` with ``UNSET``, ``ProductView``).
Views show times in Asia/Ho_Chi_Minh (+07:00); the database keeps them in UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from sandbox.auth.schemas import Email, Password, PersonName
from sandbox.trials.incident_kinds import IncidentCategory, IncidentSource, IncidentStatus
from sandbox.trials.kinds import ApplicationArea, DeviceProtocol, ProductKind, ProductLine
from sandbox.trials.plan import PlanContent, PlanStatus
from sandbox.trials.states import Recommendation, TrialState

__all__ = [
    "DeviceEnrol",
    "DeviceEnrolled",
    "DeviceView",
    "FrigateIdentity",
    "IncidentClosure",
    "IncidentNote",
    "IncidentReport",
    "IncidentView",
    "MemberCreate",
    "OrganisationCreate",
    "OrganisationUpdate",
    "OrganisationView",
    "PlanVersionView",
    "ProductCreate",
    "ProductSpecs",
    "ProductUpdate",
    "ProductView",
    "Registration",
    "TransitionOption",
    "TransitionRecord",
    "TrialCreate",
    "TrialSummary",
    "TrialView",
    "Vda5050Identity",
]

Name = Annotated[str, Meta(min_length=1, max_length=200)]
TaxCode = Annotated[str, Meta(min_length=10, max_length=20, description="Vietnamese tax code (MST): 10 digits, or 10-3 for a branch")]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9 ().-]{8,20}$")]


# ------------------------------------------------------------------ organisations


class OrganisationCreate(Struct, forbid_unknown_fields=True):
    name: Name
    tax_code: TaxCode
    contact_name: Name
    contact_email: Email
    contact_phone: Phone | None = None
    address: Annotated[str, Meta(max_length=500)] | None = None


class MemberCreate(Struct, forbid_unknown_fields=True):
    email: Email
    full_name: PersonName
    password: Password


class Registration(Struct, forbid_unknown_fields=True):
    """A startup signs up: its organisation and its first user."""

    organisation: OrganisationCreate
    user: MemberCreate


class OrganisationUpdate(Struct, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    contact_name: Name | UnsetType = UNSET
    contact_email: Email | UnsetType = UNSET
    contact_phone: Phone | UnsetType | None = UNSET
    address: Annotated[str, Meta(max_length=500)] | UnsetType | None = UNSET


class OrganisationView(Struct):
    id: uuid.UUID
    name: str
    tax_code: str
    contact_name: str
    contact_email: str
    contact_phone: str | None
    address: str | None
    created_at: datetime


# ------------------------------------------------------------------ products


class ProductSpecs(Struct, forbid_unknown_fields=True):
    mass_kg: Annotated[float, Meta(gt=0, le=10_000)]
    largest_dimension_m: Annotated[float, Meta(gt=0, le=100)]
    max_speed_mps: Annotated[float, Meta(gt=0, le=100)]


class ProductCreate(Struct, forbid_unknown_fields=True):
    kind: ProductKind
    name: Name
    manufacturer: Name
    model: Name
    product_line: ProductLine
    application_area: ApplicationArea
    specs: ProductSpecs
    description: Annotated[str, Meta(max_length=5000)] | None = None


class ProductUpdate(Struct, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    manufacturer: Name | UnsetType = UNSET
    model: Name | UnsetType = UNSET
    product_line: ProductLine | UnsetType = UNSET
    application_area: ApplicationArea | UnsetType = UNSET
    specs: ProductSpecs | UnsetType = UNSET
    description: Annotated[str, Meta(max_length=5000)] | UnsetType | None = UNSET


class ProductView(Struct):
    id: uuid.UUID
    organisation_id: uuid.UUID
    kind: ProductKind
    name: str
    manufacturer: str
    model: str
    product_line: ProductLine
    application_area: ApplicationArea
    specs: ProductSpecs
    description: str | None
    created_at: datetime


# ------------------------------------------------------------------ trials and plans


class TrialCreate(Struct, forbid_unknown_fields=True):
    product_id: uuid.UUID
    plan: PlanContent = msgspec.field(default_factory=PlanContent)


class PlanVersionView(Struct):
    version: int
    status: PlanStatus
    content: PlanContent
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    recommendation: Recommendation | None
    approved_at: datetime | None
    conditions: list[str] | None
    site_areas_ha: dict[str, float]  # each site's geofence area, in hectares (UTM 48N)


class TransitionOption(Struct):
    name: str
    target: TrialState | None
    allowed: bool
    reasons: list[dict[str, Any]]


class TrialSummary(Struct):
    id: uuid.UUID
    reference: str
    title: str | None
    state: TrialState
    organisation_id: uuid.UUID
    organisation_name: str
    product_id: uuid.UUID
    product_name: str
    kind: ProductKind
    start_date: date | None
    end_date: date | None
    updated_at: datetime


class TrialView(Struct):
    id: uuid.UUID
    reference: str
    title: str | None
    state: TrialState
    organisation: OrganisationView
    product: ProductView
    start_date: date | None
    end_date: date | None
    original_end_date: date | None
    extended: bool
    plan_in_force: int | None
    working_plan: PlanVersionView
    devices_enrolled: int
    # Severity 4–5 incidents nobody has acknowledged yet: the trial is under suspension review while > 0.
    incidents_awaiting_review: int
    transitions: list[TransitionOption]  # what this actor can and cannot do next, and why
    created_at: datetime
    updated_at: datetime


class IncidentReport(Struct, forbid_unknown_fields=True):
    """A person reports what happened: the operator, an evaluator or policy staff."""

    category: IncidentCategory
    severity: Annotated[int, Meta(ge=1, le=5, description="1 negligible … 5 catastrophic")]
    occurred_at: datetime
    description: Annotated[str, Meta(min_length=1, max_length=10_000)]
    device_id: uuid.UUID | None = None
    ended_at: datetime | None = None


class IncidentNote(Struct, forbid_unknown_fields=True):
    note: Annotated[str, Meta(max_length=10_000)] | None = None


class IncidentClosure(Struct, forbid_unknown_fields=True):
    resolution: Annotated[str, Meta(min_length=1, max_length=10_000)]


class IncidentView(Struct):
    id: uuid.UUID
    trial_id: uuid.UUID
    device_id: uuid.UUID | None
    category: IncidentCategory
    severity: int
    source: IncidentSource
    status: IncidentStatus
    started_at: datetime
    ended_at: datetime | None
    ongoing: bool
    values: dict[str, Any]
    description: str | None
    report_due_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    resolution: str | None


class TransitionRecord(Struct):
    name: str
    from_state: str
    to_state: str
    plan_version: int | None
    actor_id: uuid.UUID | None
    at: datetime
    reason: str | None
    details: dict[str, Any]


# ------------------------------------------------------------------ devices


TopicWord = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]


class Vda5050Identity(Struct, tag="vda5050", tag_field="protocol", forbid_unknown_fields=True):
    """An AMR speaking VDA 5050: it publishes on uagv/v2/{manufacturer}/{serial}/state; its serial is the device's."""

    manufacturer: TopicWord


class FrigateIdentity(Struct, tag="frigate", tag_field="protocol", forbid_unknown_fields=True):
    """A camera of a Frigate NVR: events on {topic_prefix}/events name it by ``camera``."""

    camera: TopicWord
    topic_prefix: Annotated[str, Meta(pattern=r"^frigate(/[A-Za-z0-9._-]+)*$")] = "frigate"
    # Frigate's detect resolution: its boxes are in these pixels.
    frame_width: Annotated[int, Meta(ge=1, le=16_384)] = 1280
    frame_height: Annotated[int, Meta(ge=1, le=16_384)] = 720


class DeviceEnrol(Struct, forbid_unknown_fields=True):
    serial: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    model: Name
    kind: ProductKind | None = None  # defaults to the trial product's kind, which it must equal
    name: Name | None = None
    site: Name | None = None  # the plan site it is installed at: a camera's junction, a control site
    # How the device speaks: absent for Sandbox's own MQTT contract, else the standard and its names there.
    identity: Vda5050Identity | FrigateIdentity | None = None


class DeviceView(Struct):
    id: uuid.UUID
    trial_id: uuid.UUID
    kind: ProductKind
    serial: str
    model: str
    name: str | None
    site: str | None
    protocol: DeviceProtocol
    identity: dict[str, Any] | None
    mqtt_username: str
    enrolled_at: datetime
    credentials_issued_at: datetime
    retired_at: datetime | None


class DeviceEnrolled(Struct):
    """Returned once, at enrolment or rotation: the secret is not stored and cannot be shown again."""

    device: DeviceView
    mqtt_password: str
