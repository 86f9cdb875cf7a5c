"""Writing time-series rows exactly once: binary COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL the rows are copied (binary) into a session-local staging table and moved with
``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``: a COPY straight into the table would fail
whole on the first duplicate, and the ``RETURNING`` tells which rows are new, so that the live rules
see each sample once however often it is delivered. On SQLite (one writer at a time) the new rows
are found by looking the keys up first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Float,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    insert,
    select,
    tuple_,
)

from sandbox.telemetry.store.tables import Instant

__all__ = ["Row", "insert_new"]

Row = tuple[Any, ...]  # in the table's column order
SQLITE_LOOKUP_CHUNK = 300  # keys per lookup query; SQLite allows 32,766 bound parameters


def _pg_type(column_type: Any) -> str:
    for python_type, name in ((Uuid, "uuid"), (Instant, "timestamptz"), (SmallInteger, "int2"),
                              (BigInteger, "int8"), (Float, "float8"), (Boolean, "bool"), (String, "text"),
                              (Text, "text")):
        if isinstance(column_type, python_type):
            return name
    raise TypeError(f"no COPY type for {column_type!r}")


def _key_positions(table: Table) -> tuple[int, int, int]:
    names = [column.name for column in table.columns]
    return names.index("device_id"), names.index("time"), names.index("seq")


def insert_new(connection: Connection, table: Table, rows: Sequence[Row]) -> list[Row]:
    """Insert the rows not stored yet (by device, time, seq) in the caller's transaction; return those rows."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        return _insert_postgresql(connection, table, rows)
    return _insert_sqlite(connection, table, rows)


def _insert_postgresql(connection: Connection, table: Table, rows: Sequence[Row]) -> list[Row]:
    driver = connection.connection.driver_connection  # psycopg.Connection, inside our transaction
    columns = ", ".join(column.name for column in table.columns)
    stage = f"stage_{table.name}"
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_pg_type(column.type) for column in table.columns])
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage} "
            f"ON CONFLICT DO NOTHING RETURNING device_id, time, seq"
        )
        inserted = set(cursor.fetchall())
        cursor.execute(f"TRUNCATE {stage}")  # the next batch in this transaction starts empty
    device, moment, seq = _key_positions(table)
    fresh, seen = [], set()
    for row in rows:
        key = (row[device], row[moment], row[seq])
        if key in inserted and key not in seen:
            seen.add(key)
            fresh.append(row)
    return fresh


def _insert_sqlite(connection: Connection, table: Table, rows: Sequence[Row]) -> list[Row]:
    device, moment, seq = _key_positions(table)
    wanted: dict[tuple[Any, Any, Any], Row] = {}
    for row in rows:
        wanted.setdefault((row[device], row[moment], row[seq]), row)
    keys = list(wanted)
    existing: set[tuple[Any, Any, Any]] = set()
    key_columns = tuple_(table.c.device_id, table.c.time, table.c.seq)
    for start in range(0, len(keys), SQLITE_LOOKUP_CHUNK):
        chunk = keys[start : start + SQLITE_LOOKUP_CHUNK]
        found = connection.execute(select(table.c.device_id, table.c.time, table.c.seq).where(key_columns.in_(chunk)))
        existing.update((row.device_id, row.time, row.seq) for row in found)
    fresh = [row for key, row in wanted.items() if key not in existing]
    if fresh:
        names = [column.name for column in table.columns]
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in fresh])
    return fresh

