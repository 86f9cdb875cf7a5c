"""Turning registry rows into the API's views; times are shown in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor
from sandbox.clock import to_local
from sandbox.config import Settings
from sandbox.trials.geofence import area_hectares
from sandbox.trials.incidents import suspension_review
from sandbox.trials.lifecycle import Option
from sandbox.trials.models import Device, Incident, Organisation, PlanVersion, Product, Trial, TrialTransition
from sandbox.trials.plan import content_from_document
from sandbox.trials.schemas import (
    DeviceView,
    IncidentView,
    OrganisationView,
    PlanVersionView,
    ProductSpecs,
    ProductView,
    TransitionOption,
    TransitionRecord,
    TrialSummary,
    TrialView,
)
from sandbox.trials.transitions import transition_options

__all__ = [
    "device_view",
    "incident_view",
    "option_view",
    "organisation_view",
    "plan_view",
    "product_view",
    "transition_record",
    "trial_summary",
    "trial_view",
]


def organisation_view(org: Organisation) -> OrganisationView:
    return OrganisationView(
        id=org.id,
        name=org.name,
        tax_code=org.tax_code,
        contact_name=org.contact_name,
        contact_email=org.contact_email,
        contact_phone=org.contact_phone,
        address=org.address,
        created_at=to_local(org.created_at),
    )


def product_view(product: Product) -> ProductView:
    return ProductView(
        id=product.id,
        organisation_id=product.organisation_id,
        kind=product.kind,
        name=product.name,
        manufacturer=product.manufacturer,
        model=product.model,
        product_line=product.product_line,
        application_area=product.application_area,
        specs=ProductSpecs(product.mass_kg, product.largest_dimension_m, product.max_speed_mps),
        description=product.description,
        created_at=to_local(product.created_at),
    )


def plan_view(plan: PlanVersion) -> PlanVersionView:
    content = content_from_document(plan.content)
    return PlanVersionView(
        version=plan.version,
        status=plan.status,
        content=content,
        created_at=to_local(plan.created_at),
        updated_at=to_local(plan.updated_at),
        submitted_at=to_local(plan.submitted_at),
        recommendation=plan.recommendation,
        approved_at=to_local(plan.approved_at),
        conditions=plan.conditions,
        site_areas_ha={site.name: round(area_hectares(site.geofence), 4) for site in content.sites},
    )


def option_view(option: Option) -> TransitionOption:
    return TransitionOption(
        name=option.name,
        target=option.target,
        allowed=option.allowed,
        reasons=[{"code": r.code, "message": {"vi": r.message.vi, "en": r.message.en}, **r.data} for r in option.reasons],
    )


def _title(trial: Trial) -> str | None:
    return trial.working_plan().content.get("title")


def trial_summary(trial: Trial) -> TrialSummary:
    return TrialSummary(
        id=trial.id,
        reference=trial.reference,
        title=_title(trial),
        state=trial.state,
        organisation_id=trial.organisation_id,
        organisation_name=trial.organisation.name,
        product_id=trial.product_id,
        product_name=trial.product.name,
        kind=trial.product.kind,
        start_date=trial.start_date,
        end_date=trial.end_date,
        updated_at=to_local(trial.updated_at),
    )


def trial_view(db: Session, actor: Actor, trial: Trial, settings: Settings) -> TrialView:
    in_force = trial.plan_in_force()
    return TrialView(
        id=trial.id,
        reference=trial.reference,
        title=_title(trial),
        state=trial.state,
        organisation=organisation_view(trial.organisation),
        product=product_view(trial.product),
        start_date=trial.start_date,
        end_date=trial.end_date,
        original_end_date=trial.original_end_date,
        extended=trial.extended,
        plan_in_force=in_force.version if in_force else None,
        working_plan=plan_view(trial.working_plan()),
        devices_enrolled=sum(1 for device in trial.devices if device.retired_at is None),
        incidents_awaiting_review=suspension_review(db, trial.id),
        transitions=[option_view(o) for o in transition_options(db, actor, trial, settings)],
        created_at=to_local(trial.created_at),
        updated_at=to_local(trial.updated_at),
    )


def transition_record(row: TrialTransition) -> TransitionRecord:
    details: dict[str, Any] = row.details or {}
    return TransitionRecord(
        name=row.name,
        from_state=row.from_state,
        to_state=row.to_state,
        plan_version=row.plan_version,
        actor_id=row.actor_id,
        at=to_local(row.at),
        reason=row.reason,
        details=details,
    )


def device_view(device: Device) -> DeviceView:
    return DeviceView(
        id=device.id,
        trial_id=device.trial_id,
        kind=device.kind,
        serial=device.serial,
        model=device.model,
        name=device.name,
        site=device.site,
        protocol=device.protocol,
        identity=device.identity,
        mqtt_username=str(device.id),
        enrolled_at=to_local(device.enrolled_at),
        credentials_issued_at=to_local(device.credentials_issued_at),
        retired_at=to_local(device.retired_at),
    )


def incident_view(incident: Incident) -> IncidentView:
    return IncidentView(
        id=incident.id,
        trial_id=incident.trial_id,
        device_id=incident.device_id,
        category=incident.category,
        severity=incident.severity,
        source=incident.source,
        status=incident.status,
        started_at=to_local(incident.started_at),
        ended_at=to_local(incident.ended_at),
        ongoing=incident.ended_at is None,
        values=incident.values,
        description=incident.description,
        report_due_at=to_local(incident.report_due_at),
        acknowledged_at=to_local(incident.acknowledged_at),
        closed_at=to_local(incident.closed_at),
        resolution=incident.resolution,
    )
