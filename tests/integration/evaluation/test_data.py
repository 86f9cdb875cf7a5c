"""Per-sortie sums and the thinned spraying track, computed in SQL on both databases, against the simulator's truth."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta

import numpy as np
import pytest

from sandbox.evaluation.data import spraying_track, uav_sorties
from sandbox.evaluation.geometry import passes, sprayed_area
from sandbox.telemetry import contract
from sims.uav import UavSim, UavSpec
from tests.integration.telemetry.conftest import Field, in_window_now

# A paddy of about 1.3 ha inside the trial's Vị Tân site: a morning's work in a few sorties.
PADDY = [(105.4652, 9.7788), (105.4663, 9.7788), (105.4663, 9.7798), (105.4652, 9.7798), (105.4652, 9.7788)]


def feed(field: Field, device: str, items: list) -> None:
    samples = [i for i in items if isinstance(i, contract.UavSample)]
    for start in range(0, len(samples), 200):
        field.send((field.topic(device), contract.encode(contract.Telemetry(samples=samples[start:start + 200]))))


@pytest.fixture
def morning(field: Field) -> tuple[Field, UavSim, list]:
    sim = UavSim(PADDY, seed=7, spec=UavSpec(rate_hz=2, tank_l=12.0))  # a small tank: several sorties
    start = in_window_now()
    items = list(sim.work(start, start + timedelta(hours=2)))
    feed(field, field.drones[0], items)
    return field, sim, items


def test_sorties_are_found_and_summed_in_sql_as_the_drone_flew_them(morning) -> None:
    field, sim, items = morning
    with field.engine.connect() as connection:
        sorties = uav_sorties(connection, uuid.UUID(field.trial["id"]))
    takeoffs = [i for i in items if isinstance(i, contract.UavEvent) and i.type == "take_off"]
    assert sim.done and len(sorties) == len(takeoffs) >= 2
    assert [s.number for s in sorties] == list(range(1, len(sorties) + 1))
    samples = [i for i in items if isinstance(i, contract.UavSample)]
    armed = [s for s in samples if s.armed]
    assert sum(s.samples for s in sorties) == len(armed)
    # Flight time: the armed intervals, 0.5 s apart at 2 Hz; litres: the flow over the spraying intervals.
    assert sum(s.flight_s for s in sorties) == pytest.approx((len(armed) - len(sorties)) * 0.5, rel=1e-6)
    assert sum(s.litres for s in sorties) == pytest.approx(sim.sprayed_l, rel=0.02)
    for sortie, takeoff in zip(sorties, takeoffs, strict=True):
        assert abs((sortie.start - takeoff.t).total_seconds()) <= 1.0
        assert sortie.spraying_s < sortie.flight_s


def test_the_thinned_track_gives_the_area_the_full_track_gives(morning) -> None:
    field, _, items = morning
    with field.engine.connect() as connection:
        tracks = spraying_track(connection, uuid.UUID(field.trial["id"]))
    assert len(tracks) == 1
    [track] = tracks.values()
    samples = [i for i in items if isinstance(i, contract.UavSample) and i.spraying]
    assert len(track.t_s) == pytest.approx(len(samples) / 2, rel=0.05)  # 2 Hz averaged into 1 s buckets
    thinned = sprayed_area(passes(track.t_s, track.lon, track.lat, np.ones(len(track.t_s), bool), track.swath_m),
                           PADDY)
    t0 = samples[0].t
    full = sprayed_area(passes(np.array([(s.t - t0).total_seconds() for s in samples]),
                               np.array([s.lon for s in samples]), np.array([s.lat for s in samples]),
                               np.ones(len(samples), bool), np.array([s.swath_width_m for s in samples])), PADDY)
    assert thinned.coverage == pytest.approx(full.coverage, abs=0.02)
    assert thinned.sprayed_ha == pytest.approx(full.sprayed_ha, rel=0.03)
    assert not math.isnan(thinned.overlap)
