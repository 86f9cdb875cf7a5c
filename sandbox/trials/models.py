"""Tables of the registry: organisations, products, trials, their plan versions and transitions, devices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

import sandbox.auth.models  # noqa: F401 - users are referenced by foreign keys here: their table must be known
from sandbox.db import Base, JsonDocument, Timestamped, new_id
from sandbox.trials.incident_kinds import IncidentCategory, IncidentSource, IncidentStatus
from sandbox.trials.kinds import ApplicationArea, DeviceProtocol, ProductKind, ProductLine
from sandbox.trials.plan import PlanStatus
from sandbox.trials.states import Recommendation, TrialState

__all__ = ["Device", "Incident", "Organisation", "PlanVersion", "Product", "Trial", "TrialTransition"]


def _enum(enum: type[PyEnum], length: int = 32) -> Enum:
    # Stored as text with a CHECK constraint: portable, readable in psql, and migrations stay simple.
    return Enum(enum, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e])


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)  # MST, 10 digits or 10-3 for a branch
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(500))


class Product(Timestamped, Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ProductKind] = mapped_column(_enum(ProductKind))
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    product_line: Mapped[ProductLine] = mapped_column(_enum(ProductLine))
    application_area: Mapped[ApplicationArea] = mapped_column(_enum(ApplicationArea))
    mass_kg: Mapped[float]
    largest_dimension_m: Mapped[float]
    max_speed_mps: Mapped[float]
    description: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()


class Trial(Timestamped, Base):
    __tablename__ = "trials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # SB-2026-0001, for letters and the register
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    state: Mapped[TrialState] = mapped_column(_enum(TrialState), index=True)
    # Set at the first submission: from then on the department's staff can see the trial.
    first_submitted_at: Mapped[datetime | None]
    # The schedule in force, copied from the approved plan (and moved by an extension).
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    original_end_date: Mapped[date | None]  # before the one extension a trial may get
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    product: Mapped[Product] = relationship()
    plans: Mapped[list[PlanVersion]] = relationship(
        back_populates="trial", order_by="PlanVersion.version", cascade="all, delete-orphan"
    )
    devices: Mapped[list[Device]] = relationship(back_populates="trial", order_by="Device.enrolled_at")

    @property
    def extended(self) -> bool:
        return self.original_end_date is not None

    def plan_in_force(self) -> PlanVersion | None:
        return next((plan for plan in reversed(self.plans) if plan.status is PlanStatus.APPROVED), None)

    def open_amendment(self) -> PlanVersion | None:
        return next((plan for plan in self.plans if plan.version > 1 and plan.status.open), None)

    def working_plan(self) -> PlanVersion:
        """The version people work on now: an open amendment, else the one in force, else the application."""
        return self.open_amendment() or self.plan_in_force() or self.plans[-1]


class PlanVersion(Timestamped, Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("trial_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    version: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus))
    content: Mapped[dict[str, Any]]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(_enum(Recommendation, 16))
    recommended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    conditions: Mapped[list[str] | None] = mapped_column(JsonDocument)

    trial: Mapped[Trial] = relationship(back_populates="plans")


class TrialTransition(Base):
    """One step of a trial's (or an amendment's) life: who moved it, from where to where, and why."""

    __tablename__ = "trial_transitions"
    __table_args__ = (Index("ix_trial_transitions_trial_id_at", "trial_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    plan_version: Mapped[int | None]  # set for review steps, which act on a plan version
    name: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Device(Base):
    """A UAV, camera or robot enrolled in one trial, with its own MQTT credentials."""

    __tablename__ = "devices"
    __table_args__ = (
        # A physical device is in at most one trial at a time; a retired one may be enrolled again.
        Index(
            "uq_devices_kind_serial_enrolled",
            "kind",
            "serial",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
        # How a device of a real format names itself (VDA 5050 manufacturer/serial, Frigate camera) maps
        # to one enrolled device only.
        Index(
            "uq_devices_external_key_enrolled",
            "external_key",
            unique=True,
            sqlite_where=text("retired_at IS NULL AND external_key IS NOT NULL"),
            postgresql_where=text("retired_at IS NULL AND external_key IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ProductKind] = mapped_column(_enum(ProductKind))
    serial: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))  # the plan site it is installed at (cameras, chargers)
    protocol: Mapped[DeviceProtocol] = mapped_column(_enum(DeviceProtocol, 16), default=DeviceProtocol.SANDBOX)
    identity: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)  # the format's own names for it
    external_key: Mapped[str | None] = mapped_column(String(300))  # e.g. "vda5050:KIT/0001"
    secret_hash: Mapped[str] = mapped_column(String(200))  # argon2; the secret itself is shown once
    enrolled_at: Mapped[datetime]
    enrolled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    credentials_issued_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(Text)

    trial: Mapped[Trial] = relationship(back_populates="devices")


class Incident(Timestamped, Base):
    """Something that went, or nearly went, wrong in a trial.

    A rule's incident is an *episode*: it opens with the first offending sample, gathers the worst
    values while it lasts, and ends (``ended_at``) when the device is back within its envelope.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        # One open episode per device and rule: the live rules rely on it when ingesters run side by side.
        Index(
            "uq_incidents_open_episode",
            "device_id",
            "category",
            unique=True,
            sqlite_where=text("ended_at IS NULL AND source = 'rule'"),
            postgresql_where=text("ended_at IS NULL AND source = 'rule'"),
        ),
        Index("ix_incidents_trial_id_started_at", "trial_id", "started_at"),
        CheckConstraint("severity BETWEEN 1 AND 5", name="severity_range"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    category: Mapped[IncidentCategory] = mapped_column(_enum(IncidentCategory))
    severity: Mapped[int]
    source: Mapped[IncidentSource] = mapped_column(_enum(IncidentSource, 16))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus, 16), default=IncidentStatus.OPEN)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the offending values: worst, first, last, limit
    description: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    report_due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)

    trial: Mapped[Trial] = relationship()
