"""Which constraint a failed write violated, on either database.

Uniqueness is enforced by the database (two requests can race past any check made first); this
turns the driver's error into something a service can explain to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import IntegrityError

__all__ = ["Violation", "violation_of"]

# SQLSTATE classes of PostgreSQL, and the words SQLite uses for the same.
_PG_CODES = {"23505": "unique", "23503": "foreign_key", "23514": "check", "23502": "not_null"}
_SQLITE_WORDS = {"UNIQUE": "unique", "FOREIGN KEY": "foreign_key", "CHECK": "check", "NOT NULL": "not_null"}


@dataclass(frozen=True, slots=True)
class Violation:
    kind: Literal["unique", "foreign_key", "check", "not_null", "other"]
    target: str  # constraint name (PostgreSQL) or "table.column" (SQLite); may be empty


def violation_of(exc: IntegrityError) -> Violation:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        diag = getattr(orig, "diag", None)
        return Violation(_PG_CODES.get(sqlstate, "other"), getattr(diag, "constraint_name", None) or "")  # type: ignore[arg-type]
    message = str(orig)
    for words, kind in _SQLITE_WORDS.items():
        if message.startswith(f"{words} constraint failed"):
            return Violation(kind, message.partition(": ")[2])  # type: ignore[arg-type]
    return Violation("other", message)
