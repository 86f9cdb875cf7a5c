"""What every reader of the store shares: the cut-off, and local days counted by the database.

Only rows sampled and received before the cut-off are read (``time < until`` and ``received_at < until``), so
that a report made again from the same cut-off reads the same rows. A day is a local day in Asia/Ho_Chi_Minh,
bucketed by the database from local midnight (`time_bucket` with ``origin_s = LOCAL_ORIGIN_S``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.sql.elements import ColumnElement

from sandbox.clock import LOCAL_OFFSET_S, LOCAL_TZ
from sandbox.telemetry.store.queries import instant, time_bucket

__all__ = ["DAY_S", "LOCAL_ORIGIN_S", "before_cut_off", "local_date", "local_day"]

DAY_S = 86_400
LOCAL_ORIGIN_S = -LOCAL_OFFSET_S  # buckets of a day start at local midnight


def before_cut_off(table: Table, trial_id: uuid.UUID, until: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """The trial's rows describing, and stored, before the cut-off (all of them without one)."""
    if until is None:
        return (table.c.trial_id == trial_id,)
    return table.c.trial_id == trial_id, table.c.time < until, table.c.received_at < until


def local_day(connection: Connection, table: Table) -> ColumnElement[Any]:
    """The local day a row's time falls in, as the instant of its local midnight (read it with `local_date`)."""
    return time_bucket(connection, table, DAY_S, origin_s=LOCAL_ORIGIN_S)


def local_date(connection: Connection, table: Table, bucket: Any) -> date:
    return instant(connection, table, bucket).astimezone(LOCAL_TZ).date()
