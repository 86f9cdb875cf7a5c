"""Store-and-forward: what a device has to send, kept in a local SQLite file until the broker has it.

Every message is written here before it is published and removed when the broker acknowledges it
(QoS 1 PUBACK). While the broker is unreachable messages pile up on disk, in order; when the link
returns they go out oldest first. A device that restarts finds its unsent messages and its
sequence counters where it left them, so it neither loses a sample nor reuses a number. A message
the broker refuses for good (not authorised, say) moves to ``refused`` with the broker's reason
instead of being retried forever or dropped.

    outbox = Outbox("drone-7.outbox")        # or ":memory:" for a simulator that may forget
    first = outbox.reserve("telemetry", 10)  # numbers first .. first + 9 are this device's
    outbox.put("telemetry", payload)
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Outbox", "Pending"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    payload BLOB NOT NULL,
    queued_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    channel TEXT PRIMARY KEY,
    next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    payload BLOB NOT NULL,
    queued_at REAL NOT NULL,
    refused_at REAL NOT NULL,
    reason TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    channel: str
    payload: bytes


class Outbox:
    """A durable FIFO of encoded messages and the device's sequence counters; safe across threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")  # survives a crash of the process; power loss may cost the last commits
            self._db.executescript(_SCHEMA)

    def reserve(self, channel: str, count: int = 1) -> int:
        """The first of ``count`` fresh sequence numbers of ``channel``, never handed out before."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT next_seq FROM counters WHERE channel = ?", (channel,)).fetchone()
            first = row[0] if row else 0
            self._db.execute("INSERT INTO counters (channel, next_seq) VALUES (?, ?) "
                             "ON CONFLICT (channel) DO UPDATE SET next_seq = excluded.next_seq", (channel, first + count))
            self._db.execute("COMMIT")
            return first

    def put(self, channel: str, payload: bytes) -> int:
        with self._lock:
            return self._db.execute("INSERT INTO pending (channel, payload, queued_at) VALUES (?, ?, ?)",
                                    (channel, payload, time.time())).lastrowid or 0

    def after(self, last_id: int, limit: int) -> list[Pending]:
        """Up to ``limit`` waiting messages queued after ``last_id``, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, channel, payload FROM pending WHERE id > ? ORDER BY id LIMIT ?",
                                    (last_id, limit)).fetchall()
        return [Pending(*row) for row in rows]

    def remove(self, message_id: int) -> None:
        """The broker has it."""
        with self._lock:
            self._db.execute("DELETE FROM pending WHERE id = ?", (message_id,))

    def refuse(self, message_id: int, reason: str) -> None:
        """The broker will never take it: keep it aside with the reason."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT OR REPLACE INTO refused (id, channel, payload, queued_at, refused_at, reason) "
                             "SELECT id, channel, payload, queued_at, ?, ? FROM pending WHERE id = ?",
                             (time.time(), reason, message_id))
            self._db.execute("DELETE FROM pending WHERE id = ?", (message_id,))
            self._db.execute("COMMIT")

    def waiting(self) -> int:
        with self._lock:
            return self._db.execute("SELECT count(*) FROM pending").fetchone()[0]

    def refusals(self) -> list[tuple[int, str, str]]:
        """(id, channel, reason) of every message the broker refused."""
        with self._lock:
            return self._db.execute("SELECT id, channel, reason FROM refused ORDER BY id").fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()
