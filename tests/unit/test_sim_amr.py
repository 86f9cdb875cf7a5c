"""The campus delivery robot simulator: its physics, its missions, its odometer, its VDA 5050, its seed."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from devices.vda5050 import Vda5050
from sandbox.telemetry.adapters.vda5050 import _validator
from sandbox.telemetry.contract import AmrEvent, AmrSample, Channel, DeviceStatus, validated
from sims.amr import CAMPUS, AmrSim, AmrSpec

MORNING = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 07:00 in Can Tho
EVENING = MORNING + timedelta(hours=10)


def worked(seed: int = 4, spec: AmrSpec | None = None, hours: float = 10) -> tuple[AmrSim, list[AmrSample], list[AmrEvent]]:
    sim = AmrSim(seed=seed, spec=spec)
    items = list(sim.work(MORNING, MORNING + timedelta(hours=hours)))
    return sim, [i for i in items if isinstance(i, AmrSample)], [i for i in items if isinstance(i, AmrEvent)]


@pytest.fixture(scope="module")
def day() -> tuple[AmrSim, list[AmrSample], list[AmrEvent]]:
    return worked(spec=AmrSpec(estops_per_100km=300.0, collisions_per_100km=30.0, blocked_share=0.1))


def test_same_seed_same_day_and_another_seed_another() -> None:
    assert worked(seed=9, hours=2)[1:] == worked(seed=9, hours=2)[1:]
    assert worked(seed=9, hours=2)[1] != worked(seed=10, hours=2)[1]


def test_the_route_network_is_connected_and_routes_are_shortest() -> None:
    for destination in CAMPUS.destinations:
        route = CAMPUS.route(CAMPUS.depot, destination)
        assert route[0] == CAMPUS.places[CAMPUS.depot] and route[-1] == CAMPUS.places[destination]
    # depot → lab_a: along the south paths past the canteen, not round by the library and the centre.
    route = CAMPUS.route("depot", "lab_a")
    assert route == [CAMPUS.places[p] for p in ("depot", "j_south_w", "canteen", "j_south_e", "lab_a")]
    assert sum(math.dist(a, b) for a, b in pairwise(route)) == pytest.approx(2 * math.sqrt(8500) + 140)


def test_every_item_meets_the_contract_in_time_order(day) -> None:
    _, samples, events = day
    assert [validated(s) for s in samples[::37]] == samples[::37]
    assert [validated(e) for e in events] == events
    assert all(b.t >= a.t for a, b in pairwise(samples))
    assert [s.seq for s in samples] == list(range(len(samples)))


def test_speed_and_acceleration_stay_within_the_robot_limits(day) -> None:
    sim, samples, _ = day
    spec = sim.spec
    assert max(s.speed_mps for s in samples) <= spec.cruise_mps + 1e-9
    for a, b in pairwise(samples):
        dt = (b.t - a.t).total_seconds()
        if dt <= 1.0 / spec.rate_hz + 1e-9 and not b.emergency_stop:
            assert b.speed_mps - a.speed_mps <= spec.accel_mps2 * dt + 1e-9
            assert a.speed_mps - b.speed_mps <= spec.brake_mps2 * dt + 1e-9 or b.speed_mps == 0.0


def test_the_odometer_is_the_length_of_the_path_driven(day) -> None:
    sim, samples, _ = day
    driven = sum(math.hypot(b[1] - a[1], b[2] - a[2]) for a, b in pairwise(sim.track))
    assert samples[-1].odometer_m == pytest.approx(driven, abs=0.01)
    assert all(b.odometer_m >= a.odometer_m for a, b in pairwise(samples))
    # A mission that went well drove there and back along the shortest route.
    for mission in (m for m in sim.missions if m.success):
        there = sum(math.dist(a, b) for a, b in pairwise(CAMPUS.route(CAMPUS.depot, mission.destination)))
        assert mission.distance_m == pytest.approx(2 * there, abs=0.05)


def test_missions_start_and_end_and_stops_are_reported(day) -> None:
    _, samples, events = day
    started = [e for e in events if e.type == "mission_started"]
    completed = [e for e in events if e.type == "mission_completed"]
    assert len(started) >= 15 and len(completed) >= len(started)
    assert {e.mission_id for e in completed} >= {e.mission_id for e in started}
    assert any(not e.success for e in completed) and sum(e.success for e in completed) > len(completed) / 2
    stops = [e for e in events if e.type == "emergency_stop"]
    assert stops and any(e.type == "collision" for e in events)
    for stop in stops:  # the robot reports the stop and stands still through it
        during = [s for s in samples if s.t > stop.t and s.emergency_stop]
        assert during and all(s.speed_mps == 0.0 for s in during)
    remote = [e for e in events if e.type == "intervention"]
    assert remote and {e.intervention for e in remote} <= {"remote", "manual"}
    assert any(s.safety_field_violation for s in samples)


@pytest.mark.parametrize("seed", range(8))
def test_the_robot_is_back_at_its_depot_when_the_window_closes(seed: int) -> None:
    """A delivery that could not be back by closing is not started: the plan's window holds (the robot used to
    drive on past it, and the live rule raised an outside-window incident every evening)."""
    sim = AmrSim(seed=seed)
    items = list(sim.work(MORNING, EVENING))
    assert max(item.t for item in items) == EVENING
    assert all(not sample.mission_id for sample in items if isinstance(sample, AmrSample) and sample.t >= EVENING)
    assert all(m.finished is not None and m.finished <= EVENING for m in sim.missions if m.started is not None)


def test_the_battery_drains_with_work_and_charges_at_the_depot() -> None:
    sim, samples, _ = worked(seed=5, spec=AmrSpec(missions_per_hour=12.0, range_km=3.0), hours=10)
    lowest = min(range(len(samples)), key=lambda n: samples[n].battery_pct)
    assert samples[lowest].battery_pct < 45.0
    assert any(s.battery_pct > samples[lowest].battery_pct + 2 for s in samples[lowest:])  # charged again
    refused = [m for m in sim.missions if m.success is False and m.distance_m == 0.0]
    assert refused  # low on charge, it turns missions down rather than strand itself


@pytest.mark.parametrize("version", ["2.0.0", "2.1.0", "3.0.0"])
def test_vda5050_state_and_connection_meet_the_official_schemas(day, version: str) -> None:
    _, samples, _ = day
    robot = Vda5050("RobotNK", "NK-01", version)
    stop = next(s for s in samples if s.emergency_stop)
    moving = next(s for s in samples if s.speed_mps > 0.5)
    for sample in (samples[0], stop, moving):
        document = json.loads(robot.state(sample))
        _validator(version, "state").validate(document)
    assert robot.topic(Channel.TELEMETRY) == f"uagv/v{version[0]}/RobotNK/NK-01/state"
    assert robot.topic(Channel.STATUS) == f"uagv/v{version[0]}/RobotNK/NK-01/connection"
    with pytest.raises(ValueError, match="not event"):
        robot.topic(Channel.EVENT)
    for state in ("ONLINE", "OFFLINE", "CONNECTIONBROKEN"):
        _validator(version, "connection").validate(json.loads(robot.connection(7, MORNING, state)))
    assert json.loads(robot.state(moving))["headerId"] == moving.seq  # the client's numbering, per topic
    will = json.loads(robot.status(DeviceStatus(seq=4, t=MORNING, online=False)))
    assert will["connectionState"] == ("CONNECTION_BROKEN" if version == "3.0.0" else "CONNECTIONBROKEN")
    assert will["headerId"] == 4
    assert json.loads(robot.status(DeviceStatus(seq=5, t=MORNING, online=False, graceful=True)))[
        "connectionState"] == "OFFLINE"
