"""Reading the audit log and checking that nobody has tampered with it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller
from litestar.params import FromQuery
from msgspec import Struct

from sandbox.api.dependencies import CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get
from sandbox.audit.models import AuditEntry
from sandbox.audit.reading import list_entries, verify_for
from sandbox.clock import to_local

__all__ = ["AuditController"]


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


class ProblemView(Struct):
    seq: int
    kind: str
    detail: str


class VerificationView(Struct):
    intact: bool
    entries: int
    head_seq: int
    problems: list[ProblemView]


def entry_view(entry: AuditEntry) -> AuditEntryView:
    return AuditEntryView(
        seq=entry.seq, at=to_local(entry.at), actor_id=entry.actor_id, actor=entry.actor, action=entry.action,
        entity_type=entry.entity_type, entity_id=entry.entity_id, old=msgspec.json.decode(entry.old_json),
        new=msgspec.json.decode(entry.new_json), reason=entry.reason, hash=entry.hash,
    )


class AuditController(Controller):
    path = "/audit"
    tags = ["Audit"]

    @get("/", summary="Audit entries, newest first, optionally of one entity")
    def list_entries(
        self, db: Db, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0,
        entity_type: FromQuery[str | None] = None, entity_id: FromQuery[str | None] = None,
    ) -> Page[AuditEntryView]:
        entries, total = list_entries(db, actor, limit, offset, entity_type, entity_id)
        return Page([entry_view(e) for e in entries], total, limit, offset)

    @get("/verification", summary="Walk the whole hash chain and report any edited or deleted entry")
    def verification(self, db: Db, actor: CurrentActor) -> VerificationView:
        result = verify_for(db, actor)
        problems = [ProblemView(p.seq, p.kind, p.detail) for p in result.problems]
        return VerificationView(result.intact, result.entries, result.head_seq, problems)
