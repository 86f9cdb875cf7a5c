"""A robot's missions and days summed in SQL on both databases, against what the simulated robot did and sent."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sandbox.clock import LOCAL_TZ, local_today, utcnow
from sandbox.evaluation.robot_missions import robot_days, robot_missions
from sandbox.telemetry.contract import AmrEvent, AmrSample
from sims.amr import AmrSim, AmrSpec
from tests.integration.evaluation.feeding import feed, trial_of_kind
from tests.integration.telemetry.conftest import Field

# A busy morning (07:00–11:00 two days ago): 13 requests, 10 started, 3 refused for a low battery (a completion
# without a start), successes and failures, and enough hazards for every kind of safety event (seed 2).
SPEC = AmrSpec(missions_per_hour=4, obstacles_per_km=40, estops_per_100km=60, collisions_per_100km=30,
               blocked_share=0.06)


def local(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def robot(field: Field) -> tuple[Field, AmrSim, list]:
    trial_of_kind(field, "amr", ["NKC-0001"])
    start = local(local_today() - timedelta(days=2), 7)
    sim = AmrSim(seed=2, spec=SPEC)
    return field, sim, list(sim.work(start, start + timedelta(hours=4)))


def read(field: Field, until: datetime | None = None) -> tuple[list, list]:
    trial_id = uuid.UUID(field.trial["id"])
    with field.engine.connect() as connection:
        return robot_missions(connection, trial_id, until or utcnow()), robot_days(connection, trial_id,
                                                                                  until or utcnow())


def test_missions_distance_and_safety_events_are_the_robots(robot) -> None:
    field, sim, items = robot
    assert feed(field, field.drones[0], items, max_items=1000) == len(items)
    missions, days = read(field)
    started = [m for m in sim.missions if m.started is not None]
    assert len(started) < len([i for i in items if isinstance(i, AmrEvent) and i.type == "mission_completed"])
    assert [(m.mission_id, m.started, m.success) for m in missions] == [(m.id, m.started, m.success) for m in started]
    assert {True, False} <= {m.success for m in missions}
    assert {m.device_id for m in missions} == {uuid.UUID(field.drones[0])}
    assert {m.day for m in missions} == {local_today() - timedelta(days=2)}
    [day] = days
    assert day.day == local_today() - timedelta(days=2)
    # The odometer is the true distance driven (the simulator's own count): 1 % leaves room for its rounding.
    assert day.km == pytest.approx(sim.robot.odometer / 1000, rel=0.01) and day.km > 5
    sent = Counter(i.type for i in items if isinstance(i, AmrEvent))
    assert (day.interventions, day.emergency_stops, day.collisions, day.near_misses) == (
        sent["intervention"], sent["emergency_stop"], sent["collision"], sent["near_miss"])
    assert min(day.interventions, day.emergency_stops, day.collisions, day.near_misses) > 0


def test_what_arrived_after_the_cut_off_is_not_read(robot) -> None:
    field, sim, items = robot
    started = [m for m in sim.missions if m.started is not None]
    middle = started[4]
    halfway = middle.started + (middle.finished - middle.started) / 2
    feed(field, field.drones[0], [i for i in items if i.t <= halfway], max_items=1000)
    cut = utcnow()
    feed(field, field.drones[0], [i for i in items if i.t > halfway], max_items=1000)  # arrives after the cut
    missions, [day] = read(field, cut)
    assert [(m.mission_id, m.success) for m in missions] == [(m.id, m.success) for m in started[:4]] + [
        (middle.id, None)]  # on its way at the cut-off: no outcome yet
    driven = max(i.odometer_m for i in items if isinstance(i, AmrSample) and i.t <= halfway)
    assert day.km == pytest.approx(driven / 1000, rel=1e-9)
    assert day.near_misses == sum(1 for i in items if isinstance(i, AmrEvent) and i.type == "near_miss"
                                  and i.t <= halfway)
    assert read(field, cut)[0] != read(field)[0]


def sample(seq: int, t: datetime, *, odometer: float | None = None, x: float = 0.0, y: float = 0.0) -> AmrSample:
    return AmrSample(seq=seq, t=t, x=x, y=y, map_id="campus", speed_mps=1.0, heading_deg=0.0, battery_pct=80.0,
                     mode="AUTOMATIC", odometer_m=odometer)


def event(seq: int, t: datetime, kind: str, mission: str | None = None, success: bool | None = None) -> AmrEvent:
    return AmrEvent(seq=seq, t=t, type=kind, mission_id=mission, success=success)  # type: ignore[arg-type]


def test_resets_tracks_repeated_missions_and_days_without_samples(field: Field) -> None:
    trial_of_kind(field, "amr", ["NKC-0001", "NKC-0002"])
    a, b = field.drones
    d1 = local_today() - timedelta(days=2)
    d2 = d1 + timedelta(days=1)
    feed(field, a, [
        sample(0, local(d1, 23, 59), odometer=100.0), sample(1, local(d1, 23, 59, 30), odometer=150.0),
        sample(2, local(d2, 0, 0, 30), odometer=10.0),  # the counter restarted: nothing driven is known
        sample(3, local(d2, 0, 1), odometer=40.0), sample(4, local(d2, 0, 11), odometer=90.0),  # across a silence
    ])
    feed(field, a, [
        event(0, local(d1, 23, 0), "mission_started", "m1"),
        event(1, local(d1, 23, 5), "mission_completed", "m3", success=True),  # never started: no mission
        event(2, local(d1, 23, 20), "mission_started", "m1"),  # the same id again, the first never completed
        event(3, local(d2, 0, 4), "mission_completed", "m2", success=True),  # before m2 started: not its end
        event(4, local(d2, 0, 5), "mission_started", "m2"),
        event(5, local(d2, 0, 7), "mission_completed", "m2", success=False),
        event(6, local(d2, 0, 9), "mission_completed", "m1", success=True),
    ])
    # Robot b reports no odometer: its map positions measure it (a 3-4-5 step, standing still, another).
    feed(field, b, [sample(0, local(d2, 1), x=0.0, y=0.0), sample(1, local(d2, 1, 0, 1), x=3.0, y=4.0),
                    sample(2, local(d2, 1, 0, 2), x=3.0, y=4.0), sample(3, local(d2, 1, 0, 3), x=6.0, y=8.0)])
    feed(field, b, [event(0, local(d1, 12), "near_miss"), event(1, local(d1, 12, 5), "intervention"),
                    event(2, local(d1, 12, 6), "emergency_stop"), event(3, local(d1, 12, 7), "blocked")])
    missions, days = read(field)
    ra, rb = uuid.UUID(a), uuid.UUID(b)
    assert [(m.device_id, m.mission_id, m.day, m.started, m.success) for m in missions] == [
        (ra, "m1", d1, local(d1, 23, 0), None), (ra, "m1", d1, local(d1, 23, 20), True),
        (ra, "m2", d2, local(d2, 0, 5), False)]
    found = {(d.device_id, d.day): d for d in days}
    assert list(found) == sorted([(ra, d1), (ra, d2), (rb, d1), (rb, d2)])
    assert found[(ra, d1)].km == pytest.approx(0.050, rel=1e-9)
    assert found[(ra, d2)].km == pytest.approx(0.080, rel=1e-9)  # 30 m, then 50 m over ten quiet minutes
    assert found[(rb, d2)].km == pytest.approx(0.010, rel=1e-9)
    assert found[(rb, d1)].km == 0.0  # events, no samples
    assert (found[(rb, d1)].near_misses, found[(rb, d1)].interventions, found[(rb, d1)].emergency_stops,
            found[(rb, d1)].collisions) == (1, 1, 1, 0)
    assert all((d.interventions, d.near_misses, d.emergency_stops) == (0, 0, 0)
               for key, d in found.items() if key != (rb, d1))

