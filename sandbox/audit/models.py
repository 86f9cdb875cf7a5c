"""Tables of the audit log: the entries, and the head of the chain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base

__all__ = ["GENESIS_HASH", "AuditEntry", "AuditHead"]

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One change that matters. Never updated nor deleted: database triggers refuse both."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]  # None for the system itself (migrations, the demo seeder)
    actor: Mapped[str] = mapped_column(String(254))  # e-mail and role, readable after the user is gone
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    # Canonical JSON text, hashed exactly as stored (a JSON column could reformat numbers).
    old_json: Mapped[str] = mapped_column(Text)
    new_json: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last link, kept apart so that cutting entries off the end is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
