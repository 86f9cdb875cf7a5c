"""What the evaluation reads from the stored telemetry: per-cluster sums, computed in SQL.

The statistical core takes arrays; this module is the one place that queries for them, so that the
heavy part — millions of samples — is summed where the data are (window functions and GROUP BY on
PostgreSQL or SQLite) and only one row per sortie, mission or day, or a thinned track, reaches Python.

A drone's **sortie** is a run of armed samples with no gap longer than ``SORTIE_GAP_S``: it starts
when the drone is armed and ends when it is disarmed or goes quiet. Its flight time adds up the
intervals between consecutive armed samples (a gap longer than the limit adds nothing: the drone was
not heard, so it is not counted as flying); its litres integrate the flow rate over the spraying
intervals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Float, and_, case, cast, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from sandbox.evaluation.days import before_cut_off
from sandbox.telemetry.store.queries import instant, time_bucket
from sandbox.telemetry.store.tables import UAV_SAMPLES

__all__ = ["SORTIE_GAP_S", "Sortie", "SprayingTrack", "spraying_track", "uav_sorties"]

SORTIE_GAP_S = 30.0  # armed samples further apart than this belong to two sorties (a landing between, or silence)


def _gap_s(connection: Connection, gap: ColumnElement[Any]) -> tuple[ColumnElement[float], ColumnElement[bool]]:
    """The seconds between two stored instants (``later - earlier``: an interval on PostgreSQL, microseconds on
    SQLite) as a float, and whether they are at most ``SORTIE_GAP_S`` apart (compared exactly)."""
    if connection.dialect.name == "postgresql":
        return (func.date_part("epoch", gap, type_=Float),
                gap <= literal_column(f"INTERVAL '{int(SORTIE_GAP_S * 1_000_000)} microseconds'"))
    return cast(gap, Float) / 1_000_000.0, gap <= literal_column(str(int(SORTIE_GAP_S * 1_000_000)))


@dataclass(frozen=True, slots=True)
class Sortie:
    device_id: uuid.UUID
    number: int  # 1, 2, … for each device
    start: datetime
    end: datetime
    flight_s: float
    spraying_s: float
    litres: float
    samples: int


def uav_sorties(connection: Connection, trial_id: uuid.UUID, until: datetime | None = None) -> list[Sortie]:
    """Every sortie of the trial's drones up to the cut-off, summed in SQL.

    One ordered pass (the unique index gives each device's samples by time and seq) finds each sample's gap to
    the one before it; a second, over the armed samples only, numbers the sorties; then one row per sortie.
    For speed on millions of samples (bench/evaluation.py) the gap is the difference of the two instants (an
    interval, exact) turned into float seconds, not the difference of two ``EXTRACT(epoch)`` values, which are
    ``numeric`` on PostgreSQL ≥ 14 and made every subtraction, comparison and sum numeric arithmetic (a third of
    the query's time); and unarmed samples, which neither start a sortie nor count in one, are dropped before
    the numbering instead of after it."""
    t = UAV_SAMPLES
    window = {"partition_by": t.c.device_id, "order_by": (t.c.time, t.c.seq)}
    steps = (
        select(t.c.device_id, t.c.time, t.c.armed, t.c.spraying, t.c.flow_rate_lpm,
               (t.c.time - func.lag(t.c.time).over(**window)).label("gap"),
               func.lag(t.c.armed).over(**window).label("prev_armed"))
        .where(*before_cut_off(t, trial_id, until))
        .subquery("steps")
    )
    gap_s, close = _gap_s(connection, steps.c.gap)
    joined = and_(steps.c.gap.is_not(None), close, steps.c.prev_armed)  # to an armed sample just before: flying
    numbered = (
        select(steps.c.device_id, steps.c.time, steps.c.spraying, steps.c.flow_rate_lpm,
               case((joined, gap_s), else_=0.0).label("dt"),
               func.sum(case((joined, 0), else_=1)).over(partition_by=steps.c.device_id, order_by=(steps.c.time,),
                                                         rows=(None, 0)).label("sortie"))
        .where(steps.c.armed)
        .subquery("numbered")
    )
    n = numbered.c
    spraying_dt = case((n.spraying, n.dt), else_=0.0)
    query = (
        select(n.device_id, n.sortie, func.min(n.time), func.max(n.time), func.sum(n.dt), func.sum(spraying_dt),
               func.sum(spraying_dt * n.flow_rate_lpm / 60.0), func.count())
        .group_by(n.device_id, n.sortie)
        .order_by(n.device_id, n.sortie)
    )
    found = []
    for device_id, number, start, end, flight_s, spraying_s, litres, samples in connection.execute(query):
        found.append(Sortie(device_id, int(number), instant(connection, t, start), instant(connection, t, end),
                            float(flight_s or 0.0), float(spraying_s or 0.0), float(litres or 0.0), int(samples)))
    return found


@dataclass(frozen=True, slots=True)
class SprayingTrack:
    """Spraying positions thinned to one per ``bucket_s`` per device (their mean), in time order per device."""

    device_id: np.ndarray
    t_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    swath_m: np.ndarray


def spraying_track(connection: Connection, trial_id: uuid.UUID, bucket_s: int = 1,
                   until: datetime | None = None) -> SprayingTrack:
    """The trial's spraying samples, averaged per device and ``bucket_s`` in SQL: a 10 Hz track arrives at 1 Hz,
    which is finer than a swath at spraying speeds (a metre or a few between points along straight rows)."""
    t = UAV_SAMPLES
    bucket = time_bucket(connection, t, bucket_s)
    # A bucket's start comes back as seconds since the epoch (taken once per bucket, after the grouping), not as
    # an instant to convert row by row in Python (a second of the evaluation at 10 M samples): the same float as
    # `instant(...).timestamp()`.
    postgresql = connection.dialect.name == "postgresql"
    query = (
        select(t.c.device_id, func.date_part("epoch", bucket, type_=Float) if postgresql else bucket,
               func.avg(t.c.lon), func.avg(t.c.lat), func.min(t.c.swath_width_m))
        .where(*before_cut_off(t, trial_id, until), t.c.spraying, t.c.swath_width_m.is_not(None))
        .group_by(t.c.device_id, bucket)
        .order_by(t.c.device_id, bucket)
    )
    rows = connection.execute(query).all()
    if not rows:
        empty = np.empty(0)
        return SprayingTrack(np.empty(0, dtype=object), empty, empty, empty, empty)
    device, starts, lon, lat, swath = zip(*rows, strict=True)
    seconds = np.asarray(starts, dtype=float) / (1.0 if postgresql else 1_000_000.0)  # SQLite: microseconds
    return SprayingTrack(np.array(device, dtype=object), seconds,
                         np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), np.asarray(swath, dtype=float))
