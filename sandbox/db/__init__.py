"""Relational storage: engine and sessions, the declarative base, Alembic migrations."""

from sandbox.db.base import Base, JsonDocument, Timestamped, UTCDateTime, new_id
from sandbox.db.engine import make_engine, make_session_factory

__all__ = ["Base", "JsonDocument", "Timestamped", "UTCDateTime", "make_engine", "make_session_factory", "new_id"]
