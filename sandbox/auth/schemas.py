"""What the API takes and returns about users and sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from sandbox.auth.models import User
from sandbox.auth.roles import Role
from sandbox.clock import to_local

__all__ = [
    "Credentials",
    "PasswordChange",
    "TokenIssued",
    "UserCreate",
    "UserUpdate",
    "UserView",
    "changed_fields",
    "user_view",
]

Email = Annotated[
    str,
    Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="e-mail address; the login name"),
]
Password = Annotated[str, Meta(min_length=10, max_length=200, description="at least 10 characters")]
PersonName = Annotated[str, Meta(min_length=1, max_length=200)]


class Credentials(Struct, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class UserView(Struct):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    organisation_id: uuid.UUID | None
    active: bool
    created_at: datetime


class TokenIssued(Struct):
    access_token: str
    expires_at: datetime
    user: UserView
    token_type: str = "bearer"


class UserCreate(Struct, forbid_unknown_fields=True):
    email: Email
    full_name: PersonName
    password: Password
    role: Role = Role.STARTUP
    organisation_id: uuid.UUID | None = None


class UserUpdate(Struct, forbid_unknown_fields=True):
    full_name: PersonName | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    organisation_id: uuid.UUID | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class PasswordChange(Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, Meta(min_length=1, max_length=200)]
    new_password: Password


def changed_fields(patch: Struct) -> dict[str, object]:
    """The fields a PATCH body actually set (``UNSET`` ones left out)."""
    return {name: value for name, value in msgspec.structs.asdict(patch).items() if value is not UNSET}


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        organisation_id=user.organisation_id,
        active=user.active,
        created_at=to_local(user.created_at),
    )
