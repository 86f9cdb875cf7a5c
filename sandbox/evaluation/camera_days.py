"""An AI camera's days as the evaluation reads them: how long it was heard and up, how fast it inferred, what it
detected — summed in SQL (PostgreSQL or SQLite), one row per camera and local day reaching Python.

**Uptime** is ``online_s / observed_s``. A camera reports its health (CAMERA_STATUS) every 10–60 s and its link
(DEVICE_STATUS): online when it connects, offline on a planned shutdown (``graceful``) or, through its MQTT last
will or its own "unreachable" notice, when it is lost. Per camera, status rows and link rows are put on one time
line — each is a **word** from the camera — and every interval from one word to the next is judged by the word
that starts it:

- after a status or a link-online row: observed if no longer than ``STATUS_GAP_S`` (a longer silence the camera
  did not explain is time nobody knows anything about: it adds nothing); online too, unless the status said
  ``online: false``;
- after a lost link (an offline row, not graceful): an **outage** until the camera's next word, however long:
  observed and not online. A dark camera sends nothing at all, so without this rule an outage would vanish
  from both sums and uptime would flatter the camera;
- after a planned shutdown (graceful offline row): observed if short (a restart), never online; a long one is
  a planned stop and adds nothing.

So a camera that reports on time is observed from its first word to its last, and online for that minus its
outages. A last will is written when the camera connects, so its stored time is the connection's: like the
live rules, a lost link is dated by the newest status received before it, when that is later. An interval
counts whole on the local day it starts in (an outage over midnight falls on its first day, so a day's observed
time may pass 24 h after a long one; the trial's sums are right). An outage still open at the cut-off adds
nothing: it has no end yet (the live ``link_lost`` incident shows it). Detections are not words: a camera's
health is what it says of itself.

Statuses, detections and violations (detections flagged with one) are counted per camera and day by GROUP BY.
**Latency** is the day's 95th percentile of ``inference_latency_ms`` over statuses saying online, the continuous
(interpolated) percentile: ``percentile_cont`` on PostgreSQL; SQLite has no percentile function, so there the
one column is fetched, ordered by camera and day, and numpy's default (linear) method — the same definition —
computes it: the embedded SQLite mode serves small trials, where a few thousand numbers a day are cheap.

Days are local days in Asia/Ho_Chi_Minh. Only rows stored before the cut-off are read: ``time < until`` and
``received_at < until``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from sandbox.evaluation.days import DAY_S, LOCAL_ORIGIN_S, before_cut_off, local_date, local_day
from sandbox.evaluation.inputs import CameraDay
from sandbox.telemetry.ingest.decoding import MAX_CLOCK_AHEAD
from sandbox.telemetry.store.tables import CAMERA_DETECTIONS, CAMERA_STATUS, DEVICE_STATUS

__all__ = ["LATENCY_QUANTILE", "STATUS_GAP_S", "camera_days"]

STATUS_GAP_S = 300.0  # five missed statuses of a camera reporting every minute: longer, it was not heard
LATENCY_QUANTILE = 0.95
_EPOCH_DAY = date(1970, 1, 1)
_ONLINE, _IDLE, _DOWN = 0, 1, 2  # what a word says of the time after it: up, heard but not up, an outage


def camera_days(connection: Connection, trial_id: uuid.UUID, until: datetime,
                sites: Mapping[uuid.UUID, str | None]) -> list[CameraDay]:
    """Each camera's local days of the trial: observed and online seconds, p95 latency, statuses, detections."""
    days: dict[tuple[uuid.UUID, date], dict[str, Any]] = {}

    def day_of(device_id: uuid.UUID, day: date) -> dict[str, Any]:
        return days.setdefault((device_id, day), {"observed_s": 0.0, "online_s": 0.0, "latency_p95_ms": None,
                                                  "statuses": 0, "detections": 0, "violations": 0})

    for device_id, number, observed_s, online_s in connection.execute(_time_query(connection, trial_id, until)):
        found = day_of(device_id, _EPOCH_DAY + timedelta(days=int(number)))
        found["observed_s"], found["online_s"] = float(observed_s or 0.0), float(online_s or 0.0)
    s = CAMERA_STATUS
    statuses = select(s.c.device_id, local_day(connection, s), func.count()).where(*before_cut_off(s, trial_id, until))
    for device_id, bucket, count in connection.execute(statuses.group_by(s.c.device_id, local_day(connection, s))):
        day_of(device_id, local_date(connection, s, bucket))["statuses"] = int(count)
    d = CAMERA_DETECTIONS
    detections = select(d.c.device_id, local_day(connection, d), func.count(), func.count(d.c.violation))
    detections = detections.where(*before_cut_off(d, trial_id, until)).group_by(d.c.device_id, local_day(connection, d))
    for device_id, bucket, count, violations in connection.execute(detections):
        found = day_of(device_id, local_date(connection, d, bucket))
        found["detections"], found["violations"] = int(count), int(violations)
    for (device_id, day), p95 in _latency_p95(connection, trial_id, until).items():
        day_of(device_id, day)["latency_p95_ms"] = p95
    return [CameraDay(device_id=device_id, site=sites.get(device_id), day=day, **values)
            for (device_id, day), values in sorted(days.items())]





def _ticks(connection: Connection, column: ColumnElement[Any]) -> tuple[ColumnElement[Any], int]:
    """A stored instant as an exact number, and how many make a second: numeric epoch seconds on PostgreSQL, the
    stored integer microseconds on SQLite (floats of epoch seconds would blur the sums of many short intervals)."""
    if connection.dialect.name == "postgresql":
        return func.extract("epoch", column), 1
    return type_coerce(column, BigInteger), 1_000_000


def _day_number(connection: Connection, ticks: ColumnElement[Any], per_s: int) -> ColumnElement[Any]:
    """Local days since 1970-01-01 of an instant in ticks: the days of ``time_bucket(…, LOCAL_ORIGIN_S)``, for a
    time computed in the query (a re-dated last will) rather than a table's own column."""
    shifted = (ticks + literal_column(str(-LOCAL_ORIGIN_S * per_s))).self_group()
    if connection.dialect.name == "postgresql":
        return func.floor(shifted.op("/")(literal_column(str(DAY_S))))
    return shifted.op("/")(literal_column(str(DAY_S * per_s)))  # integers after the epoch: division floors


def _time_query(connection: Connection, trial_id: uuid.UUID, until: datetime) -> Any:
    """Observed and online seconds per camera and local day, from the time line of its words (module docstring)."""
    s, link = CAMERA_STATUS, DEVICE_STATUS
    heard = CAMERA_STATUS.alias("heard")
    status_e, per_s = _ticks(connection, s.c.time)
    # A last will carries the time of the connection: the link was lost after the newest status received before it
    # (a status cannot describe a time much after its arrival, which bounds the search to the connection's span).
    ahead_s = int(MAX_CLOCK_AHEAD.total_seconds())
    ahead = literal_column(f"INTERVAL '{ahead_s} seconds'" if per_s == 1 else str(ahead_s * per_s))
    last_heard = (
        select(func.max(heard.c.time))
        .where(heard.c.device_id == link.c.device_id, heard.c.time >= link.c.time,
               heard.c.time <= link.c.received_at + ahead, heard.c.received_at <= link.c.received_at,
               *before_cut_off(heard, trial_id, until))
        .scalar_subquery()
    )
    lost = and_(~link.c.online, ~link.c.graceful)
    moment = case((lost, func.coalesce(last_heard, link.c.time)), else_=link.c.time)
    link_e, _ = _ticks(connection, moment)
    # At one instant a link-online row comes first, then statuses, then an offline row (it follows what was heard).
    words = union_all(
        select(s.c.device_id, status_e.label("e"), literal(1, Integer).label("rank"),
               s.c.seq, case((s.c.online, _ONLINE), else_=_IDLE).label("state"))
        .where(*before_cut_off(s, trial_id, until)),
        select(link.c.device_id, link_e.label("e"), case((link.c.online, 0), else_=2),
               link.c.seq, case((link.c.online, _ONLINE), (link.c.graceful, _IDLE), else_=_DOWN))
        .where(*before_cut_off(link, trial_id, until)),
    ).subquery("words")
    w = words.c
    steps = select(w.device_id, w.e, w.state, func.lead(w.e).over(partition_by=w.device_id,
                                                                   order_by=(w.e, w.rank, w.seq)).label("next_e"))
    t = steps.subquery("steps").c
    dt, gap = t.next_e - t.e, STATUS_GAP_S * per_s
    observed = case((t.next_e.is_(None), 0), (t.state == _DOWN, dt), (dt <= gap, dt), else_=0)
    online = case((and_(t.state == _ONLINE, dt <= gap), dt), else_=0)
    day = literal_column("day")
    return (select(t.device_id, _day_number(connection, t.e, per_s).label("day"),
                   func.sum(observed) / float(per_s), func.sum(online) / float(per_s))
            .group_by(t.device_id, day).order_by(t.device_id, day))


def _latency_p95(connection: Connection, trial_id: uuid.UUID, until: datetime) -> dict[tuple[uuid.UUID, date], float]:
    """The continuous 95th percentile of inference latency per camera and day, over statuses saying online."""
    s = CAMERA_STATUS
    day = local_day(connection, s)
    where = (*before_cut_off(s, trial_id, until), s.c.online)
    if connection.dialect.name == "postgresql":
        p95 = func.percentile_cont(LATENCY_QUANTILE).within_group(s.c.inference_latency_ms)
        rows = connection.execute(select(s.c.device_id, day, p95).where(*where).group_by(s.c.device_id, day))
        return {(device_id, local_date(connection, s, bucket)): float(value) for device_id, bucket, value in rows}
    # SQLite: no percentile function. One column, ordered, and numpy's linear method (percentile_cont's definition).
    rows = connection.execute(select(s.c.device_id, day.label("day"), s.c.inference_latency_ms).where(*where)
                              .order_by(s.c.device_id, day))
    found = {}
    for (device_id, bucket), group in groupby(rows, key=lambda row: (row[0], row[1])):
        values = np.fromiter((row[2] for row in group), dtype=float)
        found[(device_id, local_date(connection, s, bucket))] = float(np.percentile(values, LATENCY_QUANTILE * 100))
    return found
