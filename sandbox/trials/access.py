"""Who may see and change what in the registry.

A startup sees and changes only its own organisation's products, trials and devices; its drafts
are private to it. The department's staff see every trial once it has been submitted. What an
actor may not see answers "not found", so that nobody learns what other organisations prepare.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor, Role
from sandbox.errors import NotFound, PermissionDenied
from sandbox.i18n import Text
from sandbox.trials.models import Trial

T = TypeVar("T")

__all__ = ["load_in_trial", "load_trial", "may_see_trial", "require_owner", "require_role", "visible_trials"]


def may_see_trial(actor: Actor, trial: Trial) -> bool:
    if actor.role is Role.STARTUP:
        return actor.organisation_id == trial.organisation_id
    return trial.first_submitted_at is not None


def visible_trials(actor: Actor) -> ColumnElement[bool]:
    """The same rule as ``may_see_trial``, as a SQL condition for lists."""
    if actor.role is Role.STARTUP:
        return Trial.organisation_id == actor.organisation_id
    return Trial.first_submitted_at.is_not(None) if actor.is_staff else false()


def trial_not_found(trial_id: uuid.UUID | str) -> NotFound:
    return NotFound(Text(f"Không tìm thấy thử nghiệm {trial_id}", f"Trial {trial_id} not found"))


def load_trial(db: Session, actor: Actor, trial_id: uuid.UUID, *, for_update: bool = False) -> Trial:
    """The trial if this actor may see it; locked against concurrent changes when ``for_update``."""
    trial = db.get(Trial, trial_id, with_for_update=for_update)
    if trial is None or not may_see_trial(actor, trial):
        raise trial_not_found(trial_id)
    return trial


def load_in_trial(db: Session, actor: Actor, trial_id: uuid.UUID, model: type[T], item_id: uuid.UUID,
                  missing: Text) -> T:
    """A device, incident… of a trial this actor may see; ``missing`` when it is not that trial's."""
    load_trial(db, actor, trial_id)
    item = db.get(model, item_id)
    if item is None or item.trial_id != trial_id:  # type: ignore[attr-defined]
        raise NotFound(missing)
    return item


def require_role(actor: Actor, *roles: Role, doing: Text) -> None:
    if actor.role not in roles:
        allowed = ", ".join(roles)
        raise PermissionDenied(
            Text(f"Vai trò '{actor.role.label.vi}' không được ", f"The role '{actor.role}' may not ")
            + doing
            + Text(f" (chỉ: {allowed})", f" (only: {allowed})")
        )


def require_owner(actor: Actor, organisation_id: uuid.UUID, doing: Text) -> None:
    """Only a member of the owning organisation may do this (staff may look, not change)."""
    require_role(actor, Role.STARTUP, doing=doing)
    if actor.organisation_id != organisation_id:
        raise PermissionDenied(
            Text("Chỉ tổ chức sở hữu mới được ", "Only the owning organisation may ") + doing
        )
