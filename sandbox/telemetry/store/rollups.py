"""Rollups of the time-series tables, kept by the writer in the transaction that stores the rows they sum.

Evaluating a trial means summing millions of samples: ordered passes over every sample of a drone for its
sorties, a second-by-second spraying track, rows and sequence numbers per minute. Done at report time that took
30 s for 10 M samples (bench/evaluation.py). So the writer keeps small tables beside the samples, recomputed from
the stored rows for every (trial, device, minute) a batch touches — in whatever order samples arrive, a late
sample or a replay recomputes its minute, and a duplicate, stored nowhere, changes nothing:

- ``series_minutes`` (every series): a minute's rows, the sum and range of their ``seq``, their first and last
  time, and when the last of them was received;
- ``uav_sortie_pieces``: a drone's armed samples in a minute, cut where a sortie is cut (``SORTIE_GAP_S``) —
  whole sorties are the pieces joined across minute boundaries (`sorties_of`);
- ``uav_spraying_seconds``: spraying positions and swaths summed per second.

Readers give a cut-off (`Cut`): a minute whose rows were all sampled and received before it is read from the
rollups; the few that were not — the minute the cut-off falls in, minutes with samples received after it — are
computed from the rows, with the cut-off applied, by the very queries the writer uses. So a reader sees what the
rows say at that cut-off, to the last sample.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Uuid,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from sandbox.errors import Conflict
from sandbox.i18n import Text
from sandbox.telemetry.store.queries import instant, time_bucket
from sandbox.telemetry.store.tables import SERIES, TIMESERIES, UAV_SAMPLES, Instant

__all__ = [
    "MINUTE_S",
    "SERIES_MINUTES",
    "SORTIE_GAP_S",
    "UAV_SORTIE_PIECES",
    "UAV_SPRAYING_SECONDS",
    "Cut",
    "Minute",
    "Piece",
    "Sortie",
    "minutes",
    "rebuild",
    "refresh",
    "sortie_pieces",
    "sorties_of",
    "spraying_seconds",
]

MINUTE_S = 60
SORTIE_GAP_S = 30.0  # armed samples further apart than this belong to two sorties (a landing between, or silence)
CUT_ATTEMPTS = 5  # reads of the rollups at a cut-off, if samples keep arriving late into it
T = TypeVar("T")
RANGES_PER_STATEMENT = 200
LOCK_SPACE = 0x524F4C4C - 2**31  # the first key of the rollups' advisory locks (two int4 keys: their own space)  # (trial, device, time range) conditions OR-ed in one statement

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
    PrimaryKeyConstraint("series", "trial_id", "device_id", "minute", name="pk_series_minutes"),
)
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


def _floor_minute(moment: datetime) -> datetime:
    delta = moment.astimezone(UTC) - _EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    return _EPOCH + timedelta(seconds=seconds - seconds % MINUTE_S)


def _runs(minutes: Iterable[tuple[uuid.UUID, uuid.UUID, datetime]]) -> list[Range]:
    """Consecutive minutes of a (trial, device) merged into ranges."""
    ranges: list[Range] = []
    for trial, device, minute in sorted(set(minutes)):
        if ranges and ranges[-1][:2] == (trial, device) and ranges[-1][3] == minute:
            ranges[-1] = (trial, device, ranges[-1][2], minute + _MINUTE)
        else:
            ranges.append((trial, device, minute, minute + _MINUTE))
    return ranges


def _within(trial: Any, device: Any, moment: Any, ranges: Sequence[Range]) -> ColumnElement[bool]:
    return or_(*(and_(trial == t, device == d, moment >= start, moment < end) for t, d, start, end in ranges))


def _chunks(ranges: Sequence[Range]) -> Iterable[Sequence[Range]]:
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


def _rollups(table: Table) -> list[tuple[Table, Any]]:
    """Each rollup of ``table``, with its query over rows (``(connection, where) -> Select``)."""
    def of_minutes(connection: Connection, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
        return _minutes_select(connection, table, where)
    found: list[tuple[Table, Any]] = [(SERIES_MINUTES, of_minutes)]
    if table is UAV_SAMPLES:
        found += [(UAV_SORTIE_PIECES, _pieces_select), (UAV_SPRAYING_SECONDS, _seconds_select)]
    return found


def _rollup_time(rollup: Table) -> Any:
    return rollup.c.second if rollup is UAV_SPRAYING_SECONDS else rollup.c.minute


def refresh(connection: Connection, table: Table, keys: Iterable[tuple[uuid.UUID, uuid.UUID, datetime]]) -> None:
    """Recompute the rollups of every (trial, device, minute) of ``keys`` — the (trial, device, time) of rows just
    stored in ``table`` — from the stored rows, in the caller's transaction."""
    ranges = _runs((trial, device, _floor_minute(moment)) for trial, device, moment in keys)
    if connection.dialect.name == "postgresql":
        # Ingesters sharing the stream write the same drone's samples in concurrent transactions: one at a time per
        # device from here to commit, so that each recomputes its minutes from rows the other has committed (and
        # neither inserts a minute the other just did). In a fixed order, so two batches cannot deadlock.
        for device in sorted({device for _, device, _, _ in ranges}):
            connection.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                               {"space": LOCK_SPACE, "key": (device.int & 0xFFFF_FFFF) - 2**31})
    for chunk in _chunks(ranges):
        for rollup, query in _rollups(table):
            r = rollup.c
            stale = [_within(r.trial_id, r.device_id, _rollup_time(rollup), chunk)]
            if rollup is SERIES_MINUTES:
                stale.append(r.series == table.name)
            connection.execute(delete(rollup).where(*stale))
            rows = query(connection, [_within(table.c.trial_id, table.c.device_id, table.c.time, chunk)])
            connection.execute(insert(rollup).from_select([c.name for c in rollup.columns], rows))


def rebuild(connection: Connection, tables: Iterable[Table] = tuple(SERIES.values())) -> None:
    """Recompute the rollups of ``tables`` from all their rows (after a migration, or to repair them)."""
    for table in tables:
        for rollup, query in _rollups(table):
            stale = [rollup.c.series == table.name] if rollup is SERIES_MINUTES else []
            connection.execute(delete(rollup).where(*stale))
            connection.execute(insert(rollup).from_select([c.name for c in rollup.columns], query(connection, [])))


# Reading at a cut-off.

@dataclass(frozen=True, slots=True)
class Cut:
    """A trial's rows of one series sampled and received before ``until``: which minutes the rollups give as they
    are (``settled_before`` and not ``fresh``), which must be summed from the rows (``fresh``)."""

    table: Table
    trial_id: uuid.UUID
    until: datetime
    settled_before: datetime  # the minute the cut-off falls in (or the cut-off, on a minute's start)
    fresh: tuple[Range, ...]

    @classmethod
    def at(cls, connection: Connection, table: Table, trial_id: uuid.UUID, until: datetime) -> Cut:
        m = SERIES_MINUTES.c
        settled_before = _floor_minute(until)
        fresh = connection.execute(
            select(m.device_id, m.minute)
            .where(m.series == table.name, m.trial_id == trial_id, m.minute < until,
                   or_(m.minute >= settled_before, m.received_until >= until))
        ).all()
        ranges = _runs((trial_id, device, instant(connection, table, minute)) for device, minute in fresh)
        return cls(table, trial_id, until, settled_before, tuple(ranges))

    def settled(self, rollup: Table) -> list[ColumnElement[bool]]:
        """The rows of ``rollup`` to take as they are."""
        r = rollup.c
        moment = _rollup_time(rollup)
        where = [r.trial_id == self.trial_id, moment < self.settled_before]
        if rollup is SERIES_MINUTES:
            where.append(r.series == self.table.name)
        if self.fresh:
            where.append(~_within(r.trial_id, r.device_id, moment, self.fresh))
        return where

    def unsettled(self, connection: Connection, rollup: Table) -> list[Any]:
        """What ``rollup`` would hold for the fresh minutes, summed from the rows stored before the cut-off."""
        if not self.fresh:
            return []
        t = self.table
        query = dict(_rollups(t))[rollup]
        where = [t.c.trial_id == self.trial_id, t.c.time < self.until, t.c.received_at < self.until]
        found = []
        for chunk in _chunks(self.fresh):
            found += connection.execute(query(connection, [*where, _within(t.c.trial_id, t.c.device_id, t.c.time,
                                                                           chunk)])).all()
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


def _at_one_cut(connection: Connection, table: Table, trial_id: uuid.UUID, until: datetime,
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
    return _at_one_cut(connection, table, trial_id, until, lambda cut: _minutes(connection, table, cut))


def _minutes(connection: Connection, table: Table, cut: Cut) -> list[Minute]:
    m = SERIES_MINUTES.c
    columns = (m.device_id, m.minute, m.rows, m.seq_sum, m.first_seq, m.last_seq, m.first_time, m.last_time)
    rows = [tuple(row) for row in connection.execute(select(*columns).where(*cut.settled(SERIES_MINUTES)))]
    rows += [(row[2], *row[3:10]) for row in cut.unsettled(connection, SERIES_MINUTES)]
    found = [Minute(device, instant(connection, table, minute), int(n), int(seq_sum), int(first_seq), int(last_seq),
                    instant(connection, table, first), instant(connection, table, last))
             for device, minute, n, seq_sum, first_seq, last_seq, first, last in rows]
    return sorted(found, key=lambda minute: (str(minute.device_id), minute.minute))


@dataclass(frozen=True, slots=True)
class Piece:
    device_id: uuid.UUID
    minute: datetime
    start: datetime
    end: datetime
    samples: int
    flight_s: float
    spraying_s: float
    litres: float
    first_spraying: bool
    first_flow_lpm: float
    opens: bool
    closes: bool


def sortie_pieces(connection: Connection, trial_id: uuid.UUID, until: datetime) -> list[Piece]:
    """The trial's sortie pieces before the cut-off, by device and time."""
    return _at_one_cut(connection, UAV_SAMPLES, trial_id, until, lambda cut: _pieces(connection, cut))


def _pieces(connection: Connection, cut: Cut) -> list[Piece]:
    columns = [c for c in UAV_SORTIE_PIECES.columns if c.name not in ("trial_id", "piece")]
    rows = [tuple(row) for row in connection.execute(select(*columns).where(*cut.settled(UAV_SORTIE_PIECES)))]
    rows += [(row[1], row[2], *row[4:]) for row in cut.unsettled(connection, UAV_SORTIE_PIECES)]
    found = [Piece(device, instant(connection, UAV_SAMPLES, minute), instant(connection, UAV_SAMPLES, start),
                   instant(connection, UAV_SAMPLES, end), int(samples), float(flight_s or 0.0),
                   float(spraying_s or 0.0), float(litres or 0.0), bool(first_spraying), float(first_flow or 0.0),
                   bool(opens), bool(closes))
             for device, minute, start, end, samples, flight_s, spraying_s, litres, first_spraying, first_flow, opens,
             closes in rows]
    return sorted(found, key=lambda piece: (str(piece.device_id), piece.start))


@dataclass(frozen=True, slots=True)
class Sortie:
    device_id: uuid.UUID
    number: int  # 1, 2, … for each device
    start: datetime
    end: datetime
    flight_s: float  # the intervals between its consecutive samples
    spraying_s: float  # those ending in a spraying sample
    litres: float  # the flow rate over those
    samples: int


def sorties_of(pieces: Sequence[Piece]) -> list[Sortie]:
    """Whole sorties from their pieces (by device and time): a piece that opens its minute continues the sortie of
    the piece that closed the minute before, when their samples are at most ``SORTIE_GAP_S`` apart; the interval
    between them then counts as flown (and sprayed, if the later sample sprays)."""
    found: list[Sortie] = []
    previous: Piece | None = None
    gap_limit = timedelta(seconds=SORTIE_GAP_S)
    for piece in pieces:
        same_device = previous is not None and previous.device_id == piece.device_id
        if (same_device and previous is not None and previous.closes and piece.opens
                and piece.minute - previous.minute == _MINUTE and piece.start - previous.end <= gap_limit):
            last = found[-1]
            gap = (piece.start - previous.end).total_seconds()
            sprayed = gap if piece.first_spraying else 0.0
            found[-1] = Sortie(last.device_id, last.number, last.start, piece.end, last.flight_s + gap + piece.flight_s,
                               last.spraying_s + sprayed + piece.spraying_s,
                               last.litres + sprayed * piece.first_flow_lpm / 60.0 + piece.litres,
                               last.samples + piece.samples)
        else:
            number = found[-1].number + 1 if same_device else 1
            found.append(Sortie(piece.device_id, number, piece.start, piece.end, piece.flight_s, piece.spraying_s,
                                piece.litres, piece.samples))
        previous = piece
    return found


def _floats(connection: Connection, query: Select[Any]) -> list[tuple[float, ...]]:
    """Rows of floats, many of them: on PostgreSQL fetched in binary by the driver (a quarter of the time SQLAlchemy
    takes to build its rows: 0.7 s against 2.9 s for 772,000 seconds of track in bench/evaluation.py)."""
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(query)]
    compiled = query.compile(dialect=connection.dialect)
    with connection.connection.driver_connection.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        return cursor.execute(str(compiled), compiled.params).fetchall()


@dataclass(frozen=True, slots=True)
class SprayingSeconds:
    """A drone's spraying positions averaged per second (with the narrowest swath of each), in time order; ``t_s``
    is each second's start in seconds since the epoch."""

    t_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    swath_m: np.ndarray


def spraying_seconds(connection: Connection, trial_id: uuid.UUID, until: datetime) -> dict[uuid.UUID, SprayingSeconds]:
    """The trial's spraying seconds before the cut-off, by device (one query a device: a row carries no device)."""
    return _at_one_cut(connection, UAV_SAMPLES, trial_id, until, lambda cut: _seconds(connection, cut))


def _seconds(connection: Connection, cut: Cut) -> dict[uuid.UUID, SprayingSeconds]:
    s = UAV_SPRAYING_SECONDS.c
    postgresql = connection.dialect.name == "postgresql"
    scale = 1.0 if postgresql else 1_000_000.0  # SQLite keeps microseconds
    # Seconds since the epoch and averages computed by the server, once a row, rather than row by row in Python.
    start = func.date_part("epoch", s.second, type_=Float) if postgresql else type_coerce(s.second, BigInteger)
    settled = cut.settled(UAV_SPRAYING_SECONDS)
    fresh: dict[uuid.UUID, list[tuple]] = {}
    for _, device, second, samples, lon_sum, lat_sum, swath in cut.unsettled(connection, UAV_SPRAYING_SECONDS):
        fresh.setdefault(device, []).append((instant(connection, UAV_SAMPLES, second).timestamp() * scale,
                                             lon_sum / samples, lat_sum / samples, swath))
    devices = set(connection.execute(select(s.device_id).where(*settled).distinct()).scalars()) | set(fresh)
    found = {}
    for device in sorted(devices, key=str):
        rows = _floats(connection, select(start, s.lon_sum / s.samples, s.lat_sum / s.samples, s.swath_m)
                       .where(*settled, s.device_id == device).order_by(s.second))
        table = np.array(rows + fresh.get(device, []), dtype=float).reshape(-1, 4)
        table = table[np.argsort(table[:, 0], kind="stable")]
        found[device] = SprayingSeconds(table[:, 0] / scale, table[:, 1], table[:, 2], table[:, 3])
    return found
