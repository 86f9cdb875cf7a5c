"""Reading the audit log and checking that nobody has tampered with it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller
from litestar.params import FromQuery
from msgspec import Struct
from sqlalchemy import func, select

from sandbox.api.dependencies import CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get
from sandbox.audit.chain import verify
from sandbox.audit.models import AuditEntry
from sandbox.auth.roles import Actor, Role
from sandbox.clock import to_local
from sandbox.errors import PermissionDenied
from sandbox.i18n import Text

__all__ = ["AuditController"]

_READERS = (Role.ADMIN, Role.POLICY, Role.EVALUATOR)


class AuditEntryView(Struct):
    seq: int
    at: datetime
    actor_id: uuid.UUID | None
    actor: str
    action: str
    entity_type: str
    entity_id: str
    old: Any
    new: Any
    reason: str | None
    hash: str


class VerificationView(Struct):
    intact: bool
    entries: int
    head_seq: int
    problems: list[dict[str, Any]]


def _require(actor: CurrentActor, *roles: Role) -> None:
    if actor.role not in roles:
        raise PermissionDenied(
            Text(
                "Chỉ cán bộ của Sở mới xem được nhật ký kiểm toán",
                "Only department staff may read the audit log",
            )
        )


class AuditController(Controller):
    path = "/audit"
    tags = ["Audit"]

    @get("/", summary="Audit entries, newest first, optionally of one entity")
    def list_entries(
        self,
        db: Db,
        actor: CurrentActor,
        limit: Limit = 50,
        offset: Offset = 0,
        entity_type: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
    ) -> Page[AuditEntryView]:
        _require(actor, *_READERS)
        query = select(AuditEntry)
        if entity_type:
            query = query.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset))
        items = [
            AuditEntryView(
                seq=e.seq,
                at=to_local(e.at),
                actor_id=e.actor_id,
                actor=e.actor,
                action=e.action,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                old=msgspec.json.decode(e.old_json),
                new=msgspec.json.decode(e.new_json),
                reason=e.reason,
                hash=e.hash,
            )
            for e in rows
        ]
        return Page(items, total, limit, offset)

    @get("/verification", summary="Walk the whole hash chain and report any edited or deleted entry")
    def verification(self, db: Db, actor: CurrentActor) -> VerificationView:
        _require(actor, Role.ADMIN, Role.POLICY)
        result = verify(db)
        return VerificationView(
            intact=result.intact,
            entries=result.entries,
            head_seq=result.head_seq,
            problems=[{"seq": p.seq, "kind": p.kind, "detail": p.detail} for p in result.problems],
        )
