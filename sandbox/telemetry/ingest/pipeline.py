"""One batch of messages, from bytes to committed rows, in a single transaction.

decode each message → rows for the time-series tables → insert the new ones (exactly once) →
dead-letter the refused messages with their bytes → apply the live rules to the new samples →
note each device's presence and this ingester's counters → commit. Only then may the caller
acknowledge the messages to the broker; if anything fails, nothing is committed and nothing is
acknowledged, and the broker will deliver the messages again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

from sandbox.clock import utcnow
from sandbox.telemetry.ingest.counters import Counters
from sandbox.telemetry.ingest.messages import Received, Rejected
from sandbox.telemetry.ingest.presence import note_presence
from sandbox.telemetry.ingest.routing import decode
from sandbox.telemetry.ingest.rows import rows_of
from sandbox.telemetry.models import DeadLetter
from sandbox.telemetry.registry import KnownDevice, Registry
from sandbox.telemetry.rules.live import RuleOutcome, apply_rules
from sandbox.telemetry.store.partitions import Partitions
from sandbox.telemetry.store.tables import SERIES
from sandbox.telemetry.store.writer import insert_new

__all__ = ["BatchResult", "Pipeline"]

Part = tuple[int, KnownDevice, list[Any]]  # one message's place in the batch and its items, beside its rows

log = logging.getLogger("sandbox.telemetry")
LOGGED_PAYLOAD_BYTES = 200  # enough to recognise a message in the log, not enough to flood it


@dataclass(slots=True)
class BatchResult:
    messages: int = 0
    accepted: int = 0
    rejected: int = 0
    items: int = 0
    stored: int = 0
    duplicates: int = 0
    rules: RuleOutcome = field(default_factory=RuleOutcome)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)


def _only(parts: list[Part], positions: list[int]) -> list[Part]:
    """The items at ``positions`` (ascending) of the rows the parts were turned into, part by part."""
    kept: list[Part] = []
    wanted, start = iter(positions), 0
    position = next(wanted, None)
    for arrival, device, items in parts:
        end, mine = start + len(items), []
        while position is not None and position < end:
            mine.append(items[position - start])
            position = next(wanted, None)
        if mine:
            kept.append((arrival, device, mine))
        start = end
    return kept


class Pipeline:
    def __init__(self, engine: Engine, registry: Registry, ingester: str) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        self.registry = registry
        self.ingester = ingester
        self.partitions = Partitions(engine)
        self.partitions.ensure_around(utcnow().date())  # ahead of the data, so a batch rarely waits for one
        self.counters = Counters.load(self.sessions, ingester)

    def process(self, messages: list[Received], now: datetime | None = None) -> BatchResult:
        now = now or utcnow()
        self.registry.keep_fresh()
        result = BatchResult(messages=len(messages))
        rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        parts: dict[str, list[Part]] = defaultdict(list)  # beside ``rows``: whose items they are, message by message
        days: set[Any] = set()
        heard: dict[Any, tuple[KnownDevice, datetime]] = {}  # by device id: the newest sample time heard
        dead: list[dict[str, Any]] = []
        for arrival, message in enumerate(messages):
            outcome = decode(message, self.registry, now)
            if isinstance(outcome, Rejected):
                result.rejected += 1
                result.rejected_by_reason[outcome.reason] = result.rejected_by_reason.get(outcome.reason, 0) + 1
                dead.append(self._dead_letter(message, outcome))
                continue
            result.accepted += 1
            if not outcome.items:
                continue
            table, message_rows = rows_of(outcome.items, outcome.device, message.received_at)
            rows[table.name].extend(message_rows)
            parts[table.name].append((arrival, outcome.device, outcome.items))
            times = [item.t for item in outcome.items]
            first, last = min(times), max(times)
            days.update(first.date() + timedelta(days=n) for n in range((last.date() - first.date()).days + 1))
            seen = heard.get(outcome.device.id)
            if seen is None or last > seen[1]:
                heard[outcome.device.id] = (outcome.device, last)
            result.items += len(outcome.items)
        self.partitions.ensure(days)
        with self.sessions.begin() as db:
            connection = db.connection()
            fresh: list[Part] = []
            for name, table_rows in rows.items():
                stored = insert_new(connection, SERIES[name], table_rows)
                fresh.extend(parts[name] if len(stored) == len(table_rows) else _only(parts[name], stored))
                result.stored += len(stored)
            result.duplicates = result.items - result.stored
            if dead:
                connection.execute(insert(DeadLetter), dead)
            # The rules see the messages in the order they arrived, whatever table they went to: a last will
            # is dated by what was heard before it (a status stored before the samples that preceded it
            # would date a lost link to the connection).
            fresh.sort(key=lambda part: part[0])
            result.rules = apply_rules(db, self.registry, [(device, items) for _, device, items in fresh])
            note_presence(db, heard.values(), max((m.received_at for m in messages), default=now))
            counted = self.counters.after(result, messages, committed_at=utcnow())
            counted.save(db)
        self.counters = counted  # only now: a commit that failed leaves the totals as they were
        return result

    def refuse(self, message: Received, reason: str, detail: str) -> None:
        """Dead-letter a message the store itself refused (a poison message), so it stops blocking the rest."""
        with self.sessions.begin() as db:
            db.execute(insert(DeadLetter), [self._dead_letter(message, Rejected(reason, detail))])

    def _dead_letter(self, message: Received, rejected: Rejected) -> dict[str, Any]:
        log.warning("dead letter (%s) on %s: %s; payload %r", rejected.reason, message.topic, rejected.detail,
                    message.payload[:LOGGED_PAYLOAD_BYTES])
        return {
            "received_at": message.received_at, "topic": message.topic, "reason": rejected.reason,
            "detail": rejected.detail, "payload": message.payload, "device_id": rejected.device_id,
            "trial_id": rejected.trial_id, "ingester": self.ingester,
        }
