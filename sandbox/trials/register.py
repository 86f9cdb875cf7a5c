"""The public register: what is being tested where, until when, and by whom — nothing private.

Only trials that were approved appear (approved, active, suspended, completed, evaluated,
decided, terminated). Geofences, KPIs, people and devices stay out of it.
"""

from __future__ import annotations

from datetime import date

from msgspec import Struct
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.db.pages import page_of
from sandbox.i18n import Language
from sandbox.trials.kinds import ProductKind
from sandbox.trials.models import Trial
from sandbox.trials.plan import content_from_document
from sandbox.trials.service import TRIAL_LISTING
from sandbox.trials.states import APPROVED_OR_LATER, TrialState

__all__ = ["RegisterEntry", "public_register"]


class RegisterEntry(Struct):
    reference: str
    title: str | None
    status: TrialState
    status_label: str
    kind: ProductKind
    kind_label: str
    product: str
    organisation: str
    sites: list[str]
    start_date: date | None
    end_date: date | None
    extended: bool


def public_register(
    db: Session, language: Language, limit: int, offset: int, kind: ProductKind | None = None
) -> tuple[list[RegisterEntry], int]:
    query = select(Trial).where(Trial.state.in_(APPROVED_OR_LATER))
    if kind is not None:
        query = query.where(Trial.product.has(kind=kind))
    trials, total = page_of(db, query, Trial.start_date.desc(), Trial.reference, limit=limit, offset=offset,
                            options=TRIAL_LISTING)
    entries = []
    for trial in trials:
        plan = trial.plan_in_force()
        content = content_from_document(plan.content) if plan else None
        entries.append(
            RegisterEntry(
                reference=trial.reference,
                title=content.title if content else None,
                status=trial.state,
                status_label=trial.state.label.in_(language),
                kind=trial.product.kind,
                kind_label=trial.product.kind.label.in_(language),
                product=f"{trial.product.name} ({trial.product.manufacturer} {trial.product.model})",
                organisation=trial.organisation.name,
                sites=[site.name for site in content.sites] if content else [],
                start_date=trial.start_date,
                end_date=trial.end_date,
                extended=trial.extended,
            )
        )
    return entries, total
