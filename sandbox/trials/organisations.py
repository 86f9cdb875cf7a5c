"""Organisations (the startups) and their members."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as TaxCodeError
from stdnum.vn import mst

from sandbox import audit
from sandbox.auth.models import User
from sandbox.auth.roles import Actor, Role
from sandbox.auth.schemas import UserCreate, changed_fields
from sandbox.auth.users import add_user
from sandbox.config import Settings
from sandbox.db.pages import page_of
from sandbox.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from sandbox.i18n import Text
from sandbox.trials.models import Organisation
from sandbox.trials.schemas import MemberCreate, OrganisationCreate, OrganisationUpdate, Registration

__all__ = [
    "add_member",
    "get_organisation",
    "list_organisations",
    "organisation_snapshot",
    "register",
    "update_organisation",
]


def organisation_snapshot(org: Organisation) -> dict[str, object]:
    return {
        "name": org.name,
        "tax_code": org.tax_code,
        "contact_name": org.contact_name,
        "contact_email": org.contact_email,
        "contact_phone": org.contact_phone,
        "address": org.address,
    }


def _tax_code(raw: str) -> str:
    try:
        return mst.format(mst.validate(raw))
    except TaxCodeError as exc:
        raise InvalidInput.at(
            "/organisation/tax_code",
            Text(
                f"mã số thuế '{raw}' không hợp lệ: cần 10 chữ số (hoặc 10-3 với chi nhánh) và đúng chữ số kiểm tra",
                f"tax code '{raw}' is not valid: it needs 10 digits (or 10-3 for a branch) with a correct check digit",
            ),
        ) from exc


def _create_organisation(db: Session, actor: Actor | None, data: OrganisationCreate) -> Organisation:
    tax_code = _tax_code(data.tax_code)
    if db.scalar(select(func.count()).select_from(Organisation).where(Organisation.tax_code == tax_code)):
        raise AlreadyExists(
            Text(f"Tổ chức có mã số thuế {tax_code} đã được đăng ký", f"An organisation with tax code {tax_code} is already registered"),
            pointer="/organisation/tax_code",
        )
    org = Organisation(
        name=data.name.strip(),
        tax_code=tax_code,
        contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip().lower(),
        contact_phone=data.contact_phone,
        address=data.address,
    )
    db.add(org)
    db.flush()
    audit.record(db, actor, "organisation.register", "organisation", org.id, None, organisation_snapshot(org))
    return org


def register(db: Session, data: Registration, settings: Settings) -> tuple[Organisation, User]:
    """A startup signs itself up: the organisation and its first user, who can then add colleagues."""
    org = _create_organisation(db, None, data.organisation)
    member = UserCreate(email=data.user.email, full_name=data.user.full_name, password=data.user.password)
    try:
        user = add_user(db, None, member, org.id, settings)
    except AlreadyExists as exc:
        exc.extra["pointer"] = "/user/email"
        raise
    return org, user


def get_organisation(db: Session, actor: Actor, organisation_id: uuid.UUID) -> Organisation:
    org = db.get(Organisation, organisation_id)
    if org is None or (actor.role is Role.STARTUP and actor.organisation_id != organisation_id):
        raise NotFound(Text(f"Không tìm thấy tổ chức {organisation_id}", f"Organisation {organisation_id} not found"))
    return org


def list_organisations(db: Session, actor: Actor, limit: int, offset: int) -> tuple[list[Organisation], int]:
    query = select(Organisation)
    if actor.role is Role.STARTUP:
        query = query.where(Organisation.id == actor.organisation_id)
    return page_of(db, query, Organisation.name, limit=limit, offset=offset)


def _may_manage(actor: Actor, organisation_id: uuid.UUID) -> None:
    if actor.role is Role.ADMIN or actor.belongs_to(organisation_id):
        return
    raise PermissionDenied(
        Text("Chỉ thành viên của tổ chức hoặc quản trị viên mới được thay đổi tổ chức",
             "Only members of the organisation or an administrator may change it")
    )


def update_organisation(db: Session, actor: Actor, organisation_id: uuid.UUID, patch: OrganisationUpdate) -> Organisation:
    org = get_organisation(db, actor, organisation_id)
    _may_manage(actor, organisation_id)
    old = organisation_snapshot(org)
    for name, value in changed_fields(patch).items():
        setattr(org, name, value.strip() if isinstance(value, str) else value)
    if (new := organisation_snapshot(org)) != old:
        audit.record(db, actor, "organisation.update", "organisation", org.id, old, new)
    return org


def add_member(db: Session, actor: Actor | None, organisation_id: uuid.UUID, data: MemberCreate, settings: Settings) -> User:
    """Add a startup user to an organisation (by one of its members, an administrator, or the CLI)."""
    if actor is not None:
        get_organisation(db, actor, organisation_id)
        _may_manage(actor, organisation_id)
    elif db.get(Organisation, organisation_id) is None:
        raise NotFound(Text(f"Không tìm thấy tổ chức {organisation_id}", f"Organisation {organisation_id} not found"))
    member = UserCreate(email=data.email, full_name=data.full_name, password=data.password, role=Role.STARTUP)
    return add_user(db, actor, member, organisation_id, settings)
