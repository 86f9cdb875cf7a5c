"""The spraying UAV simulator obeys its own physics, covers its pattern, and repeats itself given the seed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from shapely.geometry import Point

from sandbox.telemetry.contract import UavEvent, UavSample, validated
from sims.uav import RATE_HZ, UavSim, UavSpec

# A paddy of about 1.2 ha near Vị Tân: small enough to finish in a few sorties.
PADDY = [(105.4652, 9.7788), (105.4663, 9.7788), (105.4663, 9.7798), (105.4652, 9.7798), (105.4652, 9.7788)]
MORNING = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 07:00 in Can Tho
WINDOW_END = MORNING + timedelta(hours=4)


def flown(seed: int = 7, until: datetime = WINDOW_END) -> tuple[UavSim, list[UavSample], list[UavEvent]]:
    sim = UavSim(PADDY, seed=seed)
    items = list(sim.work(MORNING, until))
    return sim, [i for i in items if isinstance(i, UavSample)], [i for i in items if isinstance(i, UavEvent)]


@pytest.fixture(scope="module")
def flight() -> tuple[UavSim, list[UavSample], list[UavEvent]]:
    return flown()


def test_same_seed_same_flight_and_another_seed_another() -> None:
    _, first, first_events = flown(seed=11, until=MORNING + timedelta(minutes=12))
    _, again, again_events = flown(seed=11, until=MORNING + timedelta(minutes=12))
    _, other, _ = flown(seed=12, until=MORNING + timedelta(minutes=12))
    assert first == again and first_events == again_events
    assert first != other


def test_every_item_meets_the_contract_and_time_runs_forward(flight) -> None:
    _, samples, events = flight
    assert [validated(s) for s in samples[::50]] == samples[::50]
    assert [validated(e) for e in events] == events
    assert all(b.t > a.t for a, b in pairwise(samples))
    assert [s.seq for s in samples] == list(range(len(samples)))


def test_the_track_keeps_to_the_aircraft_speeds_and_climb_rates(flight) -> None:
    sim, _, _ = flight
    spec, dt = sim.spec, 1.0 / RATE_HZ
    truth = sim.truth
    for a, b in pairwise(truth):
        if b.t - a.t > timedelta(seconds=dt * 1.5):
            continue  # on the ground between sorties
        horizontal = math.hypot(b.x - a.x, b.y - a.y) / dt
        vertical = (b.height_m - a.height_m) / dt
        assert horizontal <= spec.transit_speed_mps * 1.05
        assert -spec.descent_mps - 1e-6 <= vertical <= spec.climb_mps + 1e-6
        assert b.height_m <= spec.height_m + 1e-9
        if b.spraying:
            assert horizontal <= spec.spray_speed_mps * 1.05 and b.height_m == spec.height_m


def test_reported_positions_are_the_true_ones_with_gnss_noise(flight) -> None:
    sim, samples, _ = flight
    errors = []
    for sample, truth in zip(samples, sim.truth, strict=True):
        x, y = sim.plan.to_utm.transform(sample.lon, sample.lat)
        errors.append(math.hypot(x - truth.x, y - truth.y))
    rms = math.sqrt(sum(e * e for e in errors) / len(errors))
    assert rms == pytest.approx(sim.spec.gnss_sigma_m * math.sqrt(2), rel=0.1)  # two axes of σ each


def test_the_field_is_sprayed_along_its_pattern_and_the_litres_add_up(flight) -> None:
    sim, samples, events = flight
    assert sim.done and events[-1].type == "mission_end"
    assert sim.sprayed_m == pytest.approx(sim.plan.sprayed_length_m, rel=0.01)
    sprayed_ha = sim.sprayed_m * sim.spec.swath_m / 1e4
    assert sprayed_ha == pytest.approx(sim.field_area_ha, rel=0.15)  # rows one swath apart cover the field
    spraying_s = sum(1 for s in samples if s.spraying) / RATE_HZ
    assert sim.sprayed_l == pytest.approx(spraying_s * sim.spec.flow_lpm / 60, rel=0.01)
    refills = sum(1 for e in events if e.type == "tank_refill")
    assert refills == math.ceil(sim.sprayed_l / sim.spec.tank_l - 1e-9)


def test_tank_and_battery_stay_physical_and_each_sortie_lands(flight) -> None:
    sim, samples, events = flight
    assert all(0.0 <= s.tank_level_l <= sim.spec.tank_l for s in samples)
    assert min(s.battery_pct for s in samples) > 10.0
    kinds = [e.type for e in events]
    assert kinds.count("take_off") == kinds.count("landing") == kinds.count("battery_swap")
    flying = [s for s in samples if s.height_agl_m > 0.5]
    assert all(s.armed for s in flying)
    for a, b in pairwise(samples):
        if b.t - a.t <= timedelta(seconds=0.15):  # within a sortie the battery only drains
            assert b.battery_pct <= a.battery_pct


def test_the_drone_stays_over_its_field(flight) -> None:
    sim, _, _ = flight
    field = sim.plan.field.buffer(1.0)
    assert all(field.contains(Point(t.x, t.y)) for t in sim.truth)


def test_the_window_closing_sends_the_drone_home_and_it_resumes_where_it_stopped() -> None:
    sim = UavSim(PADDY, seed=3, spec=UavSpec(tank_l=10.0))  # three tanks for the paddy
    short = list(sim.work(MORNING, MORNING + timedelta(minutes=10)))  # time for two sorties, not three
    assert not sim.done and [e.type for e in short if isinstance(e, UavEvent)][-1] == "landing"
    row = sim.state.row
    later = list(sim.work(MORNING + timedelta(days=1), MORNING + timedelta(days=1, hours=4)))
    assert sim.done and row > 0
    assert later[0].type == "mission_start" and later[-1].type == "mission_end"


def test_a_bigger_tank_means_fewer_sorties() -> None:
    small = UavSim(PADDY, seed=5, spec=UavSpec(tank_l=10.0))
    large = UavSim(PADDY, seed=5, spec=UavSpec(tank_l=20.0))
    count = [sum(1 for i in sim.work(MORNING, WINDOW_END) if isinstance(i, UavEvent) and i.type == "take_off")
             for sim in (small, large)]
    assert count[0] > count[1] >= 1
