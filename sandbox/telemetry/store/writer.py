"""Writing time-series rows exactly once: binary COPY on PostgreSQL, executemany on SQLite.

On PostgreSQL a batch is first copied (binary) straight into the table inside a savepoint: with no
sample seen before, which is nearly always, that is the whole cost. A duplicate (a redelivery, a
replay) makes the COPY fail at once; then the batch goes through a session-local staging table
and ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``, which stores the new rows and tells
which they are, so that the live rules see each sample once however often it is delivered. On
SQLite (one writer at a time) the new rows are found by looking the keys up first.

Either way, the new rows are added to their minutes' counts in the same transaction
(sandbox.telemetry.store.upkeep), so that the counts never disagree with the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from psycopg.errors import UniqueViolation
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

from sandbox.telemetry.store import upkeep
from sandbox.telemetry.store.tables import Instant

__all__ = ["Row", "insert_new", "row_columns"]

Row = tuple[Any, ...]  # in ``row_columns(table)`` order
SQLITE_LOOKUP_CHUNK = 300  # keys per lookup query; SQLite allows 32,766 bound parameters


def _pg_type(column_type: Any) -> str:
    for python_type, name in ((Uuid, "uuid"), (Instant, "timestamptz"), (SmallInteger, "int2"),
                              (BigInteger, "int8"), (Float, "float8"), (Boolean, "bool"), (String, "text"),
                              (Text, "text")):
        if isinstance(column_type, python_type):
            return name
    raise TypeError(f"no COPY type for {column_type!r}")


_ROW_COLUMNS: dict[str, list[str]] = {}
_WHOSE_AND_WHEN = frozenset({"seq", "time", "device_id", "trial_id", "received_at"})
_COUNTED = ("trial_id", "device_id", "time", "seq", "received_at")  # what a minute's counts take of a new row


def row_columns(table: Table) -> list[str]:
    """The order of a row's values: the sample's own (``seq``, ``time``, then what it measured, as in
    the table), then whose it is and when it was received. It is the order of a contract Struct's
    fields, so a row is a Struct's values with three more after them, put together in C."""
    if table.name not in _ROW_COLUMNS:
        measured = [column.name for column in table.columns if column.name not in _WHOSE_AND_WHEN]
        _ROW_COLUMNS[table.name] = ["seq", "time", *measured, "device_id", "trial_id", "received_at"]
    return _ROW_COLUMNS[table.name]


def _key_positions(table: Table) -> tuple[int, int, int]:
    names = row_columns(table)
    return names.index("device_id"), names.index("time"), names.index("seq")


def insert_new(connection: Connection, table: Table, rows: Sequence[Row]) -> list[int]:
    """Insert the rows not stored yet (by device, time, seq) in the caller's transaction.

    Returns the positions in ``rows`` of those inserted: each new sample once, in order.
    """
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        positions = _insert_postgresql(connection, table, rows)
    else:
        positions = _insert_sqlite(connection, table, rows)
    if positions:
        names = row_columns(table)
        counted = itemgetter(*(names.index(name) for name in _COUNTED))
        new = rows if len(positions) == len(rows) else [rows[p] for p in positions]
        upkeep.count_new(connection, table, list(map(counted, new)))
    return positions


def _first_positions(table: Table, rows: Sequence[Row], keys: set[tuple[Any, Any, Any]]) -> list[int]:
    device, moment, seq = _key_positions(table)
    positions = []
    for position, row in enumerate(rows):
        key = (row[device], row[moment], row[seq])
        if key in keys:
            keys.discard(key)  # a key repeated within the batch is new only the first time
            positions.append(position)
    return positions


def _copy(cursor: Any, target: str, table: Table, rows: Sequence[Row]) -> None:
    names = row_columns(table)
    with cursor.copy(f"COPY {target} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([_pg_type(table.c[name].type) for name in names])
        for row in rows:
            copy.write_row(row)


def _insert_postgresql(connection: Connection, table: Table, rows: Sequence[Row]) -> list[int]:
    driver = connection.connection.driver_connection  # psycopg.Connection, inside our transaction
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute("SAVEPOINT sandbox_insert_new")
        try:
            _copy(cursor, table.name, table, rows)
        except UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT sandbox_insert_new")
        else:
            cursor.execute("RELEASE SAVEPOINT sandbox_insert_new")
            return list(range(len(rows)))
        # Some were stored already (a redelivery, a replay): stage them, move the new ones, learn which.
        columns = ", ".join(row_columns(table))
        stage = f"stage_{table.name}"
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        _copy(cursor, stage, table, rows)
        cursor.execute(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {stage} "
                       "ON CONFLICT DO NOTHING RETURNING device_id, time, seq")
        positions = _first_positions(table, rows, set(cursor.fetchall()))
        cursor.execute(f"TRUNCATE {stage}")  # the next batch in this transaction starts empty
    return positions


def _insert_sqlite(connection: Connection, table: Table, rows: Sequence[Row]) -> list[int]:
    device, moment, seq = _key_positions(table)
    keys = list({(row[device], row[moment], row[seq]) for row in rows})
    existing: set[tuple[Any, Any, Any]] = set()
    key_columns = tuple_(table.c.device_id, table.c.time, table.c.seq)
    for start in range(0, len(keys), SQLITE_LOOKUP_CHUNK):
        chunk = keys[start : start + SQLITE_LOOKUP_CHUNK]
        found = connection.execute(select(table.c.device_id, table.c.time, table.c.seq).where(key_columns.in_(chunk)))
        existing.update((row.device_id, row.time, row.seq) for row in found)
    positions = _first_positions(table, rows, set(keys) - existing)
    if positions:
        names = row_columns(table)
        connection.execute(insert(table), [dict(zip(names, rows[p], strict=True)) for p in positions])
    return positions
