"""People who use the service: creating them, changing their role or access, logging in.

Staff accounts (evaluator, policy, admin) are created by an administrator; startup accounts are
members of an organisation and are created through it (``sandbox.trials.organisations``). A
person never moves between a startup and the department with the same account.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.models import User
from sandbox.auth.passwords import hash_secret, needs_rehash, verify_secret
from sandbox.auth.roles import STAFF_ROLES, Actor, Role
from sandbox.auth.schemas import UserCreate, UserUpdate, changed_fields
from sandbox.auth.tokens import issue_token, revoke_user_tokens
from sandbox.config import Settings
from sandbox.db.pages import page_of
from sandbox.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from sandbox.i18n import Text

__all__ = [
    "actor_of",
    "add_user",
    "change_password",
    "create_staff_user",
    "get_user",
    "list_users",
    "log_in",
    "update_user",
    "user_snapshot",
]



@lru_cache(maxsize=2)
def _dummy_hash(profile: str) -> str:
    """Verified against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong password."""
    return hash_secret("not anybody's password", profile)


def actor_of(user: User) -> Actor:
    """The actor a user is when they act outside a request (the CLI, the demo)."""
    return Actor(user_id=user.id, email=user.email, role=user.role, organisation_id=user.organisation_id)


def user_snapshot(user: User) -> dict[str, object]:
    """What the audit log keeps of a user (never the password hash)."""
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "organisation_id": user.organisation_id,
        "active": user.active,
    }


def _admin_only(actor: Actor | None, what: Text) -> None:
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied(Text("Chỉ quản trị viên mới được ", "Only an administrator may ") + what)


def add_user(
    db: Session, actor: Actor | None, data: UserCreate, organisation_id: uuid.UUID | None, settings: Settings
) -> User:
    """Create a user after the caller has checked who may; the e-mail is the login and is unique."""
    email = data.email.strip().lower()
    if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AlreadyExists(
            Text(f"Địa chỉ e-mail '{email}' đã được dùng cho một tài khoản khác", f"The e-mail '{email}' is already in use"),
            pointer="/email",
        )
    user = User(
        email=email,
        full_name=data.full_name.strip(),
        role=data.role,
        organisation_id=organisation_id,
        password_hash=hash_secret(data.password, settings.password_hashing),
        active=True,
    )
    db.add(user)
    db.flush()
    audit.record(db, actor, "user.create", "user", user.id, None, user_snapshot(user))
    return user


def create_staff_user(db: Session, actor: Actor | None, data: UserCreate, settings: Settings) -> User:
    _admin_only(actor, Text("tạo tài khoản cán bộ", "create staff accounts"))
    if data.role not in STAFF_ROLES:
        raise InvalidInput.at(
            "/role",
            Text(
                "tài khoản doanh nghiệp được tạo qua tổ chức: POST /api/v1/organisations/{id}/users",
                "startup accounts are created through their organisation: POST /api/v1/organisations/{id}/users",
            ),
        )
    if data.organisation_id is not None:
        raise InvalidInput.at(
            "/organisation_id",
            Text("cán bộ của Sở không thuộc tổ chức nào", "department staff do not belong to an organisation"),
        )
    return add_user(db, actor, data, None, settings)


def get_user(db: Session, actor: Actor, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    visible = user is not None and (
        actor.role is Role.ADMIN
        or actor.user_id == user_id
        or (user.organisation_id is not None and actor.belongs_to(user.organisation_id))
    )
    if not visible:
        raise NotFound(Text(f"Không tìm thấy người dùng {user_id}", f"User {user_id} not found"))
    return user  # type: ignore[return-value]


def list_users(db: Session, actor: Actor, limit: int, offset: int) -> tuple[list[User], int]:
    query = select(User)
    if actor.role is Role.STARTUP:
        query = query.where(User.organisation_id == actor.organisation_id)
    elif actor.role is not Role.ADMIN:
        raise PermissionDenied(
            Text("Chỉ quản trị viên xem được danh sách người dùng", "Only an administrator may list users")
        )
    return page_of(db, query, User.created_at, User.email, limit=limit, offset=offset)


def update_user(db: Session, actor: Actor, user_id: uuid.UUID, patch: UserUpdate) -> User:
    user = get_user(db, actor, user_id)
    changes = changed_fields(patch)
    if set(changes) - {"full_name"}:
        _admin_only(actor, Text("đổi vai trò, tổ chức hoặc khoá tài khoản", "change roles, organisations or access"))
    elif actor.user_id != user.id and actor.role is not Role.ADMIN:
        raise PermissionDenied(Text("Chỉ được sửa tài khoản của chính mình", "You may only edit your own account"))
    if "organisation_id" in changes:
        raise InvalidInput.at(
            "/organisation_id",
            Text("không thể chuyển người dùng sang tổ chức khác; hãy tạo tài khoản mới",
                 "a user cannot move to another organisation; create a new account"),
        )
    if "role" in changes and (changes["role"] in STAFF_ROLES) != (user.role in STAFF_ROLES):
        raise InvalidInput.at(
            "/role",
            Text("không thể chuyển tài khoản giữa doanh nghiệp và cán bộ của Sở; hãy tạo tài khoản mới",
                 "an account cannot move between a startup and the department; create a new account"),
        )
    if changes.get("active") is False and user.id == actor.user_id:
        raise InvalidInput.at("/active", Text("không thể tự khoá tài khoản của mình", "you cannot deactivate yourself"))
    old = user_snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value.strip() if isinstance(value, str) and name == "full_name" else value)
    if not user.active:
        revoke_user_tokens(db, user)
    new = user_snapshot(user)
    if new != old:
        action = "user.role_change" if old["role"] != new["role"] else "user.update"
        audit.record(db, actor, action, "user", user.id, old, new)
    return user


def change_password(db: Session, actor: Actor, current: str, new: str, settings: Settings) -> None:
    user = db.get(User, actor.user_id)
    if user is None or not verify_secret(user.password_hash, current):
        raise InvalidInput.at("/current_password", Text("mật khẩu hiện tại không đúng", "the current password is wrong"))
    user.password_hash = hash_secret(new, settings.password_hashing)
    revoke_user_tokens(db, user)
    audit.record(db, actor, "user.password_change", "user", user.id)


def log_in(db: Session, email: str, password: str, settings: Settings) -> tuple[str, datetime, User]:
    """Check the password and issue a bearer token; the same answer whether the e-mail or the password is wrong."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_secret(_dummy_hash(settings.password_hashing), password)
    if user is None or not verify_secret(user.password_hash, password) or not user.active:
        raise AuthenticationFailed(
            Text("Sai e-mail hoặc mật khẩu, hoặc tài khoản đã bị khoá", "Wrong e-mail or password, or the account is disabled")
        )
    if needs_rehash(user.password_hash, settings.password_hashing):
        user.password_hash = hash_secret(password, settings.password_hashing)
    token, expires_at = issue_token(db, user, settings.token_ttl_hours)
    return token, expires_at, user
