"""The append-only, hash-chained audit log: write an entry, and prove nothing was edited or removed.

Entry *n* stores ``hash_n = SHA-256(canonical(entry_n) ‖ hash_{n-1})``; the head row holds the
last sequence number and hash. Editing an entry breaks its hash, deleting one breaks the next
entry's link (and leaves a gap in the sequence), cutting the tail disagrees with the head.

Appending serialises on the head row (``UPDATE … RETURNING`` takes its row lock on PostgreSQL
and the write lock on SQLite), so concurrent writers queue instead of forking the chain.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.audit.models import GENESIS_HASH, AuditEntry, AuditHead
from sandbox.auth.roles import Actor
from sandbox.clock import utcnow

__all__ = ["AuditProblem", "Verification", "canonical_json", "record", "verify"]

HEAD_ID = 1
VERIFY_BATCH_ROWS = 2_000  # bounds memory while walking a long log
MAX_PROBLEMS_REPORTED = 100


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: one text per value, so its hash is stable."""
    return msgspec.json.encode(value, order="sorted").decode()


def _digest(entry: AuditEntry) -> str:
    body = canonical_json(
        {
            "seq": entry.seq,
            "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_id": str(entry.actor_id) if entry.actor_id else None,
            "actor": entry.actor,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "old": entry.old_json,
            "new": entry.new_json,
            "reason": entry.reason,
            "prev_hash": entry.prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    old: Any = None,
    new: Any = None,
    reason: str | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction: it commits or rolls back with the change it records."""
    seq, prev_hash = session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()
    entry = AuditEntry(
        seq=seq,
        at=utcnow(),
        actor_id=actor.user_id if actor else None,
        actor=f"{actor.email} ({actor.role})" if actor else "system",
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        old_json=canonical_json(old),
        new_json=canonical_json(new),
        reason=reason,
        prev_hash=prev_hash,
    )
    entry.hash = _digest(entry)
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(hash=entry.hash))
    return entry


@dataclass(frozen=True, slots=True)
class AuditProblem:
    seq: int
    kind: str  # edited | missing | relinked | truncated
    detail: str


@dataclass(slots=True)
class Verification:
    entries: int = 0
    head_seq: int = 0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    """Walk the whole chain and report every entry that was edited, removed or re-linked."""
    head = session.get(AuditHead, HEAD_ID)
    result = Verification(head_seq=head.seq if head else 0)

    def problem(seq: int, kind: str, detail: str) -> None:
        if len(result.problems) < MAX_PROBLEMS_REPORTED:
            result.problems.append(AuditProblem(seq, kind, detail))

    if head is None:
        problem(0, "truncated", "the audit head row is missing")
        return result
    expected_seq, expected_prev = 1, GENESIS_HASH
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=VERIFY_BATCH_ROWS))
    for entry in rows.scalars():
        result.entries += 1
        if entry.seq != expected_seq:
            gap = f"{expected_seq}" if entry.seq == expected_seq + 1 else f"{expected_seq}–{entry.seq - 1}"
            problem(expected_seq, "missing", f"entries {gap} were deleted (the log jumps to {entry.seq})")
        elif entry.prev_hash != expected_prev:
            problem(entry.seq, "relinked", "its link to the previous entry does not match")
        if _digest(entry) != entry.hash:
            problem(entry.seq, "edited", f"its content no longer matches its hash ({entry.action} on "
                                         f"{entry.entity_type} {entry.entity_id})")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    last_seq = expected_seq - 1
    if head.seq != last_seq or (last_seq > 0 and head.hash != expected_prev):
        problem(last_seq + 1, "truncated",
                f"the head records {head.seq} entries but the log ends at {last_seq}")
    return result
