"""Rollups of the time-series tables: small tables beside the samples, so that a report reads thousands of rows.

Evaluating a trial means summing millions of samples: ordered passes over every sample of a drone for its
sorties, a second-by-second spraying track, rows and sequence numbers per minute. Done at report time that took
30 s for 10 M samples (bench/evaluation.py). So the store keeps, as TimescaleDB's continuous aggregates do:

- ``series_minutes`` (every series): a minute's rows, the sum and range of their ``seq``, their first and last
  time, and when the last of them was received. The writer adds every batch's new rows to it in the batch's
  transaction (sandbox.telemetry.store.upkeep): exact, as the rows are stored once, and an upsert, so ingesters
  sharing the stream never wait for each other;
- ``uav_sortie_pieces``: a drone's armed samples in a minute, cut where a sortie is cut (``SORTIE_GAP_S``) —
  whole sorties are the pieces joined across minute boundaries (sandbox.telemetry.store.sorties);
- ``uav_spraying_seconds``: spraying positions and swaths summed per second.

The last two need a minute's rows in order, so they are recomputed from the rows, off the ingest path, by the
ingester's rollup keeper once a minute has been quiet a while; ``series_minutes.rolled_rows`` says how many of
the minute's rows they were computed from, and a minute whose ``rows`` moved on since is *stale*.

Readers give a cut-off (`Cut`): a minute whose rows were all sampled and received before it, and whose rollups
are not stale, is read from the rollups; the others — the minute the cut-off falls in, minutes with samples
received after it, stale minutes — are computed from the rows, with the cut-off applied, by the very queries the
keeper uses. So a reader sees what the rows say at that cut-off, to the last sample, however far the keeper is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Uuid,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from sandbox.errors import Conflict
from sandbox.i18n import Text
from sandbox.telemetry.store.queries import instant, time_bucket
from sandbox.telemetry.store.tables import TIMESERIES, UAV_SAMPLES, Instant

__all__ = [
    "MINUTE_S",
    "SERIES_MINUTES",
    "SORTIE_GAP_S",
    "STALE",
    "UAV_SORTIE_PIECES",
    "UAV_SPRAYING_SECONDS",
    "Cut",
    "Minute",
    "at_one_cut",
    "floor_minute",
    "minute_ranges",
    "minutes",
    "minutes_at",
    "range_chunks",
    "rollup_queries",
    "rollup_time",
    "within_ranges",
]

MINUTE_S = 60
SORTIE_GAP_S = 30.0  # armed samples further apart than this belong to two sorties (a landing between, or silence)
CUT_ATTEMPTS = 5  # reads of the rollups at a cut-off, if samples keep arriving late into it
T = TypeVar("T")
RANGES_PER_STATEMENT = 200  # (trial, device, time range) conditions OR-ed in one statement

SERIES_MINUTES = Table(
    "series_minutes", TIMESERIES,
    Column("series", String(32), nullable=False),
    Column("trial_id", Uuid, nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("minute", Instant, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("seq_sum", BigInteger, nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("first_time", Instant, nullable=False),
    Column("last_time", Instant, nullable=False),
    Column("received_until", Instant, nullable=False),  # the latest received_at of the minute's rows
    Column("rolled_rows", BigInteger),  # a drone's: the rows its pieces and seconds were computed from
    PrimaryKeyConstraint("series", "trial_id", "device_id", "minute", name="pk_series_minutes"),
)
# What the rollup keeper has left to do: a drone's minutes with rows its pieces and seconds have not seen.
STALE = and_(SERIES_MINUTES.c.series == UAV_SAMPLES.name,
             or_(SERIES_MINUTES.c.rolled_rows.is_(None), SERIES_MINUTES.c.rolled_rows != SERIES_MINUTES.c.rows))
_STALE_SQL = text("series = 'uav_samples' AND (rolled_rows IS NULL OR rolled_rows <> rows)")  # the index's, as DDL
Index("ix_series_minutes_stale", SERIES_MINUTES.c.received_until, postgresql_where=_STALE_SQL,
      sqlite_where=_STALE_SQL)
UAV_SORTIE_PIECES = Table(
    "uav_sortie_pieces", TIMESERIES,
    Column("trial_id", Uuid, nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("minute", Instant, nullable=False),
    Column("piece", Integer, nullable=False),  # 1, 2, … within the minute
    Column("start", Instant, nullable=False),
    Column("end", Instant, nullable=False),
    Column("samples", Integer, nullable=False),
    Column("flight_s", Float, nullable=False),  # between the piece's own samples
    Column("spraying_s", Float, nullable=False),
    Column("litres", Float, nullable=False),
    Column("first_spraying", Boolean, nullable=False),  # the first sample's, for the interval that joins it
    Column("first_flow_lpm", Float, nullable=False),
    Column("opens", Boolean, nullable=False),  # starts at the minute's first row (armed)
    Column("closes", Boolean, nullable=False),  # ends at the minute's last row
    PrimaryKeyConstraint("trial_id", "device_id", "minute", "piece", name="pk_uav_sortie_pieces"),
)
UAV_SPRAYING_SECONDS = Table(
    "uav_spraying_seconds", TIMESERIES,
    Column("trial_id", Uuid, nullable=False),
    Column("device_id", Uuid, nullable=False),
    Column("second", Instant, nullable=False),
    Column("samples", Integer, nullable=False),
    Column("lon_sum", Float, nullable=False),
    Column("lat_sum", Float, nullable=False),
    Column("swath_m", Float, nullable=False),  # the narrowest of the second
    PrimaryKeyConstraint("trial_id", "device_id", "second", name="pk_uav_spraying_seconds"),
)

Range = tuple[uuid.UUID, uuid.UUID, datetime, datetime]  # trial, device, [start, end)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(seconds=MINUTE_S)


def floor_minute(moment: datetime) -> datetime:
    delta = moment.astimezone(UTC) - _EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    return _EPOCH + timedelta(seconds=seconds - seconds % MINUTE_S)


def minute_ranges(minutes: Iterable[tuple[uuid.UUID, uuid.UUID, datetime]]) -> list[Range]:
    """Consecutive minutes of a (trial, device) merged into ranges."""
    ranges: list[Range] = []
    for trial, device, minute in sorted(set(minutes)):
        if ranges and ranges[-1][:2] == (trial, device) and ranges[-1][3] == minute:
            ranges[-1] = (trial, device, ranges[-1][2], minute + _MINUTE)
        else:
            ranges.append((trial, device, minute, minute + _MINUTE))
    return ranges


def within_ranges(trial: Any, device: Any, moment: Any, ranges: Sequence[Range]) -> ColumnElement[bool]:
    return or_(*(and_(trial == t, device == d, moment >= start, moment < end) for t, d, start, end in ranges))


def range_chunks(ranges: Sequence[Range]) -> Iterable[Sequence[Range]]:
    for start in range(0, len(ranges), RANGES_PER_STATEMENT):
        yield ranges[start:start + RANGES_PER_STATEMENT]


def _gap_s(connection: Connection, gap: ColumnElement[Any]) -> tuple[ColumnElement[float], ColumnElement[bool]]:
    """The seconds between two stored instants (``later - earlier``: an interval on PostgreSQL, microseconds on
    SQLite) as a float, and whether they are at most ``SORTIE_GAP_S`` apart (compared exactly). The difference of
    the instants, not of two ``EXTRACT(epoch)`` values, which are ``numeric`` on PostgreSQL ≥ 14 and slow."""
    if connection.dialect.name == "postgresql":
        return (func.date_part("epoch", gap, type_=Float),
                gap <= literal_column(f"INTERVAL '{int(SORTIE_GAP_S * 1_000_000)} microseconds'"))
    return cast(gap, Float) / 1_000_000.0, gap <= literal_column(str(int(SORTIE_GAP_S * 1_000_000)))


# The queries the writer materialises and readers run on the minutes they cannot take from the rollups.

def _minutes_select(connection: Connection, table: Table, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    t = table
    minute = time_bucket(connection, t, MINUTE_S)
    return (select(literal(t.name, String(32)), t.c.trial_id, t.c.device_id, minute, func.count(), func.sum(t.c.seq),
                   func.min(t.c.seq), func.max(t.c.seq), func.min(t.c.time), func.max(t.c.time),
                   func.max(t.c.received_at))
            .where(*where).group_by(t.c.trial_id, t.c.device_id, minute))


def _pieces_select(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """A minute's armed samples cut where a sortie is cut: at a sample that follows an unarmed one or one more
    than ``SORTIE_GAP_S`` before it. The minute's first sample starts a piece; whether it continues the sortie of
    the minute before is for `sorties_of` to say."""
    t = UAV_SAMPLES
    minute = time_bucket(connection, t, MINUTE_S)
    within = (t.c.trial_id, t.c.device_id, minute)
    window = {"partition_by": within, "order_by": (t.c.time, t.c.seq)}
    steps = (
        select(t.c.trial_id, t.c.device_id, minute.label("minute"), t.c.time, t.c.seq, t.c.armed, t.c.spraying,
               t.c.flow_rate_lpm, (t.c.time - func.lag(t.c.time).over(**window)).label("gap"),
               func.lag(t.c.armed).over(**window).label("prev_armed"),
               func.row_number().over(**window).label("from_start"),
               func.row_number().over(partition_by=within, order_by=(t.c.time.desc(), t.c.seq.desc()))
               .label("from_end"))
        .where(*where)
        .subquery("steps")
    )
    s = steps.c
    gap_s, close = _gap_s(connection, s.gap)
    joined = and_(s.gap.is_not(None), close, s.prev_armed)  # to an armed sample just before: still flying
    in_minute = (s.trial_id, s.device_id, s.minute)
    numbered = (
        select(s.trial_id, s.device_id, s.minute, s.time, s.spraying, s.flow_rate_lpm, s.from_start, s.from_end,
               case((joined, gap_s), else_=0.0).label("dt"), case((joined, 0), else_=1).label("starts"),
               func.sum(case((joined, 0), else_=1)).over(partition_by=in_minute, order_by=(s.time, s.seq),
                                                         rows=(None, 0)).label("piece"))
        .where(s.armed)
        .subquery("numbered")
    )
    n = numbered.c
    spraying_dt = case((n.spraying, n.dt), else_=0.0)
    first = n.starts == 1
    return (
        select(n.trial_id, n.device_id, n.minute, n.piece, func.min(n.time), func.max(n.time), func.count(),
               func.sum(n.dt), func.sum(spraying_dt), func.sum(spraying_dt * n.flow_rate_lpm / 60.0),
               cast(func.max(case((and_(first, n.spraying), 1), else_=0)), Boolean),
               func.max(case((first, n.flow_rate_lpm), else_=None)),
               cast(func.max(case((n.from_start == 1, 1), else_=0)), Boolean),
               cast(func.max(case((n.from_end == 1, 1), else_=0)), Boolean))
        .group_by(n.trial_id, n.device_id, n.minute, n.piece)
    )


def _seconds_select(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    t = UAV_SAMPLES
    second = time_bucket(connection, t, 1)
    return (select(t.c.trial_id, t.c.device_id, second, func.count(), func.sum(t.c.lon), func.sum(t.c.lat),
                   func.min(t.c.swath_width_m))
            .where(*where, t.c.spraying, t.c.swath_width_m.is_not(None))
            .group_by(t.c.trial_id, t.c.device_id, second))


def rollup_queries(table: Table) -> list[tuple[Table, Any]]:
    """Each rollup of ``table``, with its query over rows (``(connection, where) -> Select``)."""
    def of_minutes(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
        return _minutes_select(connection, table, where)
    found: list[tuple[Table, Any]] = [(SERIES_MINUTES, of_minutes)]
    if table is UAV_SAMPLES:
        found += [(UAV_SORTIE_PIECES, _pieces_select), (UAV_SPRAYING_SECONDS, _seconds_select)]
    return found


def rollup_time(rollup: Table) -> Any:
    return rollup.c.second if rollup is UAV_SPRAYING_SECONDS else rollup.c.minute


# Reading at a cut-off.

@dataclass(frozen=True, slots=True)
class Cut:
    """A trial's rows of one series sampled and received before ``until``: which minutes the rollups give as they
    are (before ``settled_before``, not ``fresh``), which must be summed from the rows (``fresh``: the rollups
    cannot say what the rows said at the cut-off; for a drone's pieces and seconds also ``stale`` minutes, which
    the keeper has not caught up with).

    Two cuts are equal when the rows they read are: a stale minute the keeper rolls up meanwhile reads the same
    either way, so ``stale`` is not compared (`at_one_cut`)."""

    table: Table
    trial_id: uuid.UUID
    until: datetime
    settled_before: datetime  # the minute the cut-off falls in (or the cut-off, on a minute's start)
    fresh: tuple[Range, ...]
    fresh_or_stale: tuple[Range, ...] = field(compare=False)

    @classmethod
    def at(cls, connection: Connection, table: Table, trial_id: uuid.UUID, until: datetime) -> Cut:
        m = SERIES_MINUTES.c
        settled_before = floor_minute(until)
        fresh = or_(m.minute >= settled_before, m.received_until >= until)
        found = connection.execute(
            select(m.device_id, m.minute, fresh)
            .where(m.series == table.name, m.trial_id == trial_id, m.minute < until, or_(fresh, STALE))
        ).all()
        minutes = [(trial_id, device, instant(connection, table, minute), bool(cut)) for device, minute, cut in found]
        return cls(table, trial_id, until, settled_before, tuple(minute_ranges(m[:3] for m in minutes if m[3])),
                   tuple(minute_ranges(m[:3] for m in minutes)))

    def _summed(self, rollup: Table) -> tuple[Range, ...]:
        return self.fresh if rollup is SERIES_MINUTES else self.fresh_or_stale

    def settled(self, rollup: Table) -> list[ColumnElement[bool]]:
        """The rows of ``rollup`` to take as they are."""
        r = rollup.c
        moment = rollup_time(rollup)
        where = [r.trial_id == self.trial_id, moment < self.settled_before]
        if rollup is SERIES_MINUTES:
            where.append(r.series == self.table.name)
        if summed := self._summed(rollup):
            where.append(~within_ranges(r.trial_id, r.device_id, moment, summed))
        return where

    def unsettled(self, connection: Connection, rollup: Table) -> list[Any]:
        """What ``rollup`` would hold for the minutes it cannot give, summed from the rows stored before the cut-off."""
        t = self.table
        query = dict(rollup_queries(t))[rollup]
        where = [t.c.trial_id == self.trial_id, t.c.time < self.until, t.c.received_at < self.until]
        found = []
        for chunk in range_chunks(self._summed(rollup)):
            found += connection.execute(
                query(connection, [*where, within_ranges(t.c.trial_id, t.c.device_id, t.c.time, chunk)])).all()
        return found


@dataclass(frozen=True, slots=True)
class Minute:
    device_id: uuid.UUID
    minute: datetime
    rows: int
    seq_sum: int
    first_seq: int
    last_seq: int
    first_time: datetime
    last_time: datetime


def at_one_cut(connection: Connection, table: Table, trial_id: uuid.UUID, until: datetime,
                read: Callable[[Cut], T]) -> T:
    """``read(cut)``, checked against the cut it was read at: a reader's statements may each see newer rows (READ
    COMMITTED), and a sample received late into a settled minute, between finding the cut and reading the rollups,
    makes that minute fresh — then the read is made again at the new cut."""
    cut = Cut.at(connection, table, trial_id, until)
    for _ in range(CUT_ATTEMPTS):
        found = read(cut)
        again = Cut.at(connection, table, trial_id, until)
        if again == cut:
            return found
        cut = again
    raise Conflict(Text(f"Dữ liệu của {table.name} thay đổi liên tục trong lúc đọc; hãy thử lại",
                        f"The rows of {table.name} kept changing while they were read; try again"))


def minutes(connection: Connection, table: Table, trial_id: uuid.UUID, until: datetime) -> list[Minute]:
    """The trial's minutes in ``table`` as its rows before the cut-off make them, by device and minute."""
    return at_one_cut(connection, table, trial_id, until, lambda cut: minutes_at(connection, table, cut))


def minutes_at(connection: Connection, table: Table, cut: Cut) -> list[Minute]:
    """The minutes at a cut already found (`minutes` finds it and checks it still holds after the read)."""
    m = SERIES_MINUTES.c
    columns = (m.device_id, m.minute, m.rows, m.seq_sum, m.first_seq, m.last_seq, m.first_time, m.last_time)
    rows = [tuple(row) for row in connection.execute(select(*columns).where(*cut.settled(SERIES_MINUTES)))]
    rows += [(row[2], *row[3:10]) for row in cut.unsettled(connection, SERIES_MINUTES)]
    found = [Minute(device, instant(connection, table, minute), int(n), int(seq_sum), int(first_seq), int(last_seq),
                    instant(connection, table, first), instant(connection, table, last))
             for device, minute, n, seq_sum, first_seq, last_seq, first, last in rows]
    return sorted(found, key=lambda minute: (str(minute.device_id), minute.minute))
