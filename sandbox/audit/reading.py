"""Reading the audit log: who may, and what they see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.audit.chain import Verification, verify
from sandbox.audit.models import AuditEntry
from sandbox.auth.roles import Actor, Role
from sandbox.db.pages import page_of
from sandbox.errors import PermissionDenied
from sandbox.i18n import Text

__all__ = ["list_entries", "verify_for"]

READERS = frozenset({Role.ADMIN, Role.POLICY, Role.EVALUATOR})
VERIFIERS = frozenset({Role.ADMIN, Role.POLICY})


def _require(actor: Actor, roles: frozenset[Role], what: Text) -> None:
    if actor.role not in roles:
        raise PermissionDenied(Text("Chỉ ", "Only ") + what)


def list_entries(db: Session, actor: Actor, limit: int, offset: int, entity_type: str | None = None,
                 entity_id: str | None = None) -> tuple[list[AuditEntry], int]:
    """Entries newest first, optionally those of one entity (``entity_type`` and ``entity_id``)."""
    _require(actor, READERS, Text("cán bộ của Sở mới xem được nhật ký kiểm toán", "department staff may read the audit log"))
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    return page_of(db, query, AuditEntry.seq.desc(), limit=limit, offset=offset)


def verify_for(db: Session, actor: Actor) -> Verification:
    _require(actor, VERIFIERS, Text("quản trị viên và lãnh đạo mới kiểm tra được chuỗi băm",
                                    "administrators and policy staff may verify the hash chain"))
    return verify(db)
