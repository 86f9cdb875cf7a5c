"""A delivery robot's missions and days as the evaluation reads them, summed in SQL (PostgreSQL or SQLite).

A **mission** is a ``mission_started`` event; its outcome is the ``success`` of the first ``mission_completed``
event of the same robot and mission id after it (and before the same id starts again), found by a join and a
window in the database. A mission with no completion before the cut-off is still open (``success`` None): the
robot may be on its way, or never said — either way it is neither a success nor a failure yet. A completion
without a start (a robot too low on charge to set out) is not a mission the robot drove.

A robot's **distance** is what it drove, for the rates per 100 km: each step between consecutive samples (per
robot, in time order) counts its odometer's increase when both samples carry an odometer — a decrease is a
counter reset and adds nothing, and a step across a silence still counts, since the odometer measured it — and
otherwise the straight line between the two map positions (``x``, ``y`` on the same map), for robots that report
no odometer (VDA 5050 has none); a step with neither adds nothing. A step counts on the day of the sample that
ends it. The straight line between samples at 2 Hz is within centimetres of the path, but the positions' noise
adds a little while the robot stands: the odometer is preferred wherever it is there.

Days are local days in Asia/Ho_Chi_Minh. Only rows stored before the cut-off are read: ``time < until`` and
``received_at < until``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select, tuple_

from sandbox.evaluation.days import before_cut_off, local_date, local_day
from sandbox.evaluation.inputs import Mission, RobotDay
from sandbox.telemetry.store.queries import instant
from sandbox.telemetry.store.tables import AMR_SAMPLES, DEVICE_EVENTS

__all__ = ["SAFETY_EVENTS", "robot_days", "robot_missions"]

# The event types counted per day, and the RobotDay field each goes to.
SAFETY_EVENTS = {"intervention": "interventions", "emergency_stop": "emergency_stops", "collision": "collisions",
                 "near_miss": "near_misses"}





def robot_missions(connection: Connection, trial_id: uuid.UUID, until: datetime) -> list[Mission]:
    """Every mission the trial's robots started, with its outcome, in order of robot and start."""
    e = DEVICE_EVENTS
    window = {"partition_by": (e.c.device_id, e.c.mission_id), "order_by": (e.c.time, e.c.seq)}
    starts = (
        select(e.c.device_id, e.c.mission_id, e.c.time, e.c.seq, local_day(connection, e).label("day"),
               func.lead(e.c.time).over(**window).label("next_time"),
               func.lead(e.c.seq).over(**window).label("next_seq"))
        .where(*before_cut_off(e, trial_id, until), e.c.type == "mission_started", e.c.mission_id.is_not(None))
        .subquery("starts")
    )
    s = starts.c
    done = DEVICE_EVENTS.alias("done")
    completion = and_(
        done.c.device_id == s.device_id, done.c.mission_id == s.mission_id, done.c.type == "mission_completed",
        *before_cut_off(done, trial_id, until),
        tuple_(done.c.time, done.c.seq) > tuple_(s.time, s.seq),
        or_(s.next_time.is_(None), tuple_(done.c.time, done.c.seq) < tuple_(s.next_time, s.next_seq)),
    )
    first = func.row_number().over(partition_by=(s.device_id, s.mission_id, s.time, s.seq),
                                   order_by=(done.c.time, done.c.seq))
    outcomes = (
        select(s.device_id, s.mission_id, s.time, s.seq, s.day, done.c.success, first.label("n"))
        .select_from(starts.outerjoin(done, completion))
        .subquery("outcomes")
    )
    o = outcomes.c
    query = (select(o.device_id, o.mission_id, o.time, o.day, o.success)
             .where(o.n == 1).order_by(o.device_id, o.time, o.seq))
    return [Mission(device_id=device_id, mission_id=mission_id, day=local_date(connection, e, bucket),
                    started=instant(connection, e, started), success=None if success is None else bool(success))
            for device_id, mission_id, started, bucket, success in connection.execute(query)]


def robot_days(connection: Connection, trial_id: uuid.UUID, until: datetime) -> list[RobotDay]:
    """Each robot's local days: kilometres driven, and interventions, emergency stops, collisions and near misses."""
    days: dict[tuple[uuid.UUID, date], dict[str, Any]] = {}

    def day_of(device_id: uuid.UUID, day: date) -> dict[str, Any]:
        return days.setdefault((device_id, day), {"km": 0.0, **dict.fromkeys(SAFETY_EVENTS.values(), 0)})

    for device_id, bucket, metres in connection.execute(_distance_query(connection, trial_id, until)):
        day_of(device_id, local_date(connection, AMR_SAMPLES, bucket))["km"] = float(metres or 0.0) / 1000.0
    e = DEVICE_EVENTS
    day = local_day(connection, e)
    counts = [func.sum(case((e.c.type == kind, 1), else_=0)) for kind in SAFETY_EVENTS]
    events = (select(e.c.device_id, day, *counts)
              .where(*before_cut_off(e, trial_id, until), e.c.type.in_(list(SAFETY_EVENTS)))
              .group_by(e.c.device_id, day))
    for device_id, bucket, *found in connection.execute(events):
        values = day_of(device_id, local_date(connection, e, bucket))
        values.update({name: int(count or 0) for name, count in zip(SAFETY_EVENTS.values(), found, strict=True)})
    return [RobotDay(device_id=device_id, day=day, **values) for (device_id, day), values in sorted(days.items())]


def _distance_query(connection: Connection, trial_id: uuid.UUID, until: datetime) -> Any:
    """Metres driven per robot and local day: odometer increases, or map-frame straight lines (module docstring)."""
    a = AMR_SAMPLES
    window = {"partition_by": a.c.device_id, "order_by": (a.c.time, a.c.seq)}
    steps = (
        select(a.c.device_id, local_day(connection, a).label("day"), a.c.odometer_m, a.c.x, a.c.y, a.c.map_id,
               func.lag(a.c.odometer_m).over(**window).label("prev_odometer"),
               func.lag(a.c.x).over(**window).label("prev_x"), func.lag(a.c.y).over(**window).label("prev_y"),
               func.lag(a.c.map_id).over(**window).label("prev_map"))
        .where(*before_cut_off(a, trial_id, until))
        .subquery("steps")
    )
    s = steps.c
    rise = s.odometer_m - s.prev_odometer
    dx, dy = s.x - s.prev_x, s.y - s.prev_y
    metres = case(
        (and_(s.odometer_m.is_not(None), s.prev_odometer.is_not(None)), case((rise > 0, rise), else_=0.0)),
        (and_(s.x.is_not(None), s.prev_x.is_not(None), s.map_id.is_not_distinct_from(s.prev_map)),
         func.sqrt(dx * dx + dy * dy)),
        else_=0.0,
    )
    return select(s.device_id, s.day, func.sum(metres)).group_by(s.device_id, s.day).order_by(s.device_id, s.day)
