"""Opaque bearer tokens: issued at login, stored only as a SHA-256, revocable at once.

Opaque rather than JWT because a token must die the moment its user is deactivated or logs out,
and because every request already reads the database.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.auth.models import ApiToken, User
from sandbox.auth.roles import Actor
from sandbox.clock import utcnow
from sandbox.errors import AuthenticationFailed
from sandbox.i18n import Text

__all__ = ["TOKEN_PREFIX", "issue_token", "resolve_token", "revoke_token", "revoke_user_tokens"]

TOKEN_PREFIX = "sbx_"  # recognisable by secret scanners, like GitHub's "ghp_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(db: Session, user: User, ttl_hours: int) -> tuple[str, datetime]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(hours=ttl_hours)
    db.add(ApiToken(user_id=user.id, token_hash=_digest(raw), created_at=now, expires_at=expires_at))
    return raw, expires_at


_INVALID = Text(
    "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi; hãy đăng nhập lại qua POST /api/v1/auth/token",
    "The bearer token is invalid, expired or revoked; log in again with POST /api/v1/auth/token",
)


def resolve_token(db: Session, raw: str) -> Actor:
    row = db.execute(
        select(ApiToken, User).join(User).where(ApiToken.token_hash == _digest(raw))
    ).one_or_none()
    if row is None:
        raise AuthenticationFailed(_INVALID)
    token, user = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or not user.active:
        raise AuthenticationFailed(_INVALID)
    return Actor(user_id=user.id, email=user.email, role=user.role, organisation_id=user.organisation_id)


def revoke_token(db: Session, raw: str) -> None:
    db.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == _digest(raw), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_tokens(db: Session, user: User) -> None:
    db.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
