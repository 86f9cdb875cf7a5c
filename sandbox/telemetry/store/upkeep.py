"""Keeping the rollups (sandbox.telemetry.store.rollups): counted by the writer, caught up by the keeper.

- `count_new`: the writer adds a batch's new rows to their minutes, in the batch's transaction — one upsert,
  rows already summed here by (trial, device, minute). Exact, since a row is stored once (the writer drops
  duplicates before), and in key order, so that ingesters sharing the stream take the same rows' locks in the
  same order and never deadlock.
- `catch_up`: the keeper recomputes a drone's sortie pieces and spraying seconds from the rows, for minutes
  that got rows since and have been quiet a while, and notes how many rows it saw (``rolled_rows``).
- `rebuild`: everything from the rows (a migration, a repair).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sandbox.telemetry.store.queries import instant
from sandbox.telemetry.store.rollups import (
    MINUTE_S,
    SERIES_MINUTES,
    STALE,
    minute_ranges,
    range_chunks,
    rollup_queries,
    rollup_time,
    within_ranges,
)
from sandbox.telemetry.store.tables import SERIES, UAV_SAMPLES

__all__ = ["KEEPER_LOCK", "NewRow", "catch_up", "count_new", "rebuild"]

# The advisory lock one keeper holds while it works, so that keepers of ingesters sharing the stream take turns.
KEEPER_LOCK = (0x524F4C4C - 2**31, 1)
MINUTES_PER_QUERY = 2_000  # stale minutes looked at a round
NewRow = tuple[uuid.UUID, uuid.UUID, datetime, int, datetime]  # trial, device, time, seq, received_at


def count_new(connection: Connection, table: Table, rows: Sequence[NewRow]) -> None:
    """Add rows just stored in ``table`` to the counts of their minutes (in numpy: a row costs well under a
    microsecond, where a Python loop over them cost the writer 2.6 µs a sample)."""
    if not rows:
        return
    trials, devices, moments, seqs, received = zip(*rows, strict=True)
    # The rows of a message are together and share their trial, device and receipt objects: each is read once a run.
    change = [0, *(n for n in range(1, len(rows)) if devices[n] is not devices[n - 1] or trials[n] is not trials[n - 1]
                   or received[n] is not received[n - 1])]
    pairs: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    codes = [pairs.setdefault((trials[n], devices[n]), len(pairs)) for n in change]
    run_lengths = np.diff([*change, len(rows)])
    code = np.repeat(np.array(codes, dtype=np.int64), run_lengths)
    received_s = np.repeat(np.array([received[n].timestamp() for n in change]), run_lengths)
    seconds = np.fromiter((moment.timestamp() for moment in moments), float, len(rows))
    minute = np.floor(seconds / MINUTE_S).astype(np.int64)
    key = code * (1 << 40) + (minute - minute.min())
    order = np.lexsort((seconds, key))
    starts = np.flatnonzero(np.diff(key[order], prepend=-1))
    ends = np.append(starts[1:], len(rows))
    seq = np.array(seqs, dtype=np.int64)[order]
    latest = np.maximum.reduceat(received_s[order], starts)
    by_code = list(pairs)
    values = [
        {"series": table.name, "trial_id": by_code[c][0], "device_id": by_code[c][1],
         "minute": datetime.fromtimestamp(m * MINUTE_S, UTC), "rows": n, "seq_sum": total, "first_seq": low,
         "last_seq": high, "first_time": moments[first], "last_time": moments[last],
         "received_until": datetime.fromtimestamp(until, UTC)}
        for c, m, n, total, low, high, first, last, until in zip(
            code[order][starts].tolist(), minute[order][starts].tolist(), (ends - starts).tolist(),
            np.add.reduceat(seq, starts).tolist(), np.minimum.reduceat(seq, starts).tolist(),
            np.maximum.reduceat(seq, starts).tolist(), order[starts].tolist(), order[ends - 1].tolist(),
            latest.tolist(), strict=True)
    ]
    values.sort(key=lambda v: (v["trial_id"], v["device_id"], v["minute"]))  # the same lock order in every writer
    connection.execute(_upsert(connection.dialect.name), values)


_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    if dialect not in _UPSERTS:
        statement = (postgresql if dialect == "postgresql" else sqlite).insert(SERIES_MINUTES)
        least, greatest = (func.least, func.greatest) if dialect == "postgresql" else (func.min, func.max)
        m, new = SERIES_MINUTES.c, statement.excluded
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=[m.series, m.trial_id, m.device_id, m.minute],
            set_={"rows": m.rows + new.rows, "seq_sum": m.seq_sum + new.seq_sum,
                  "first_seq": least(m.first_seq, new.first_seq), "last_seq": greatest(m.last_seq, new.last_seq),
                  "first_time": least(m.first_time, new.first_time), "last_time": greatest(m.last_time, new.last_time),
                  "received_until": greatest(m.received_until, new.received_until)})
    return _UPSERTS[dialect]


def catch_up(connection: Connection, quiet_before: datetime, max_rows: int) -> int:
    """Recompute a drone's pieces and seconds for stale minutes that got no row since ``quiet_before``, reading at
    most ``max_rows`` rows (and at least one minute), in the caller's transaction; how many minutes it did (0 when
    another keeper is at work)."""
    if connection.dialect.name == "postgresql" and not connection.execute(
            select(func.pg_try_advisory_xact_lock(*KEEPER_LOCK))).scalar_one():
        return 0
    m = SERIES_MINUTES.c
    found = connection.execute(
        select(m.trial_id, m.device_id, m.minute, m.rows).where(STALE, m.received_until < quiet_before)
        .order_by(m.trial_id, m.device_id, m.minute).limit(MINUTES_PER_QUERY)
    ).all()
    budget = np.cumsum([rows for *_, rows in found]) <= max_rows
    stale = found[:max(1, int(budget.sum()))] if found else []
    if not stale:
        return 0
    # The rows are counted before they are read: a row stored in between is in the rollups but not in
    # ``rolled_rows``, and the minute is done again later — never the other way round.
    _recompute(connection, minute_ranges((trial, device, instant(connection, UAV_SAMPLES, minute))
                                         for trial, device, minute, _ in stale))
    connection.execute(
        update(SERIES_MINUTES)
        .where(m.series == UAV_SAMPLES.name, m.trial_id == bindparam("b_trial"), m.device_id == bindparam("b_device"),
               m.minute == bindparam("b_minute"))
        .values(rolled_rows=bindparam("b_rows")),
        [{"b_trial": trial, "b_device": device, "b_minute": minute, "b_rows": rows}
         for trial, device, minute, rows in stale])
    return len(stale)


def _recompute(connection: Connection, ranges: list[Any]) -> None:
    t = UAV_SAMPLES
    for chunk in range_chunks(ranges):
        for rollup, query in rollup_queries(t):
            if rollup is SERIES_MINUTES:
                continue  # counted by the writer
            r = rollup.c
            connection.execute(delete(rollup).where(within_ranges(r.trial_id, r.device_id, rollup_time(rollup), chunk)))
            rows = query(connection, [within_ranges(t.c.trial_id, t.c.device_id, t.c.time, chunk)])
            connection.execute(insert(rollup).from_select([c.name for c in rollup.columns], rows))


def rebuild(connection: Connection, tables: Iterable[Table] = tuple(SERIES.values())) -> None:
    """Recompute the rollups of ``tables`` from all their rows (after a migration, or to repair them)."""
    counted = [c.name for c in SERIES_MINUTES.columns if c.name != "rolled_rows"]
    for table in tables:
        for rollup, query in rollup_queries(table):
            mine = [rollup.c.series == table.name] if rollup is SERIES_MINUTES else []
            connection.execute(delete(rollup).where(*mine))
            names = counted if rollup is SERIES_MINUTES else [c.name for c in rollup.columns]
            connection.execute(insert(rollup).from_select(names, query(connection, [])))
        if table is UAV_SAMPLES:
            m = SERIES_MINUTES.c
            connection.execute(update(SERIES_MINUTES).where(m.series == table.name).values(rolled_rows=m.rows))
