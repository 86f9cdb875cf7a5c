"""Faults bend the stream only while they last, add their events once, and are drawn from the seed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sandbox.telemetry.contract import UavEvent, UavSample
from sims.faults import SAMPLE_FAULTS, Fault, inject, random_faults

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def samples(count: int) -> list[UavSample]:
    return [UavSample(seq=n, t=T0 + timedelta(seconds=n / 10), lat=9.78, lon=105.47, height_agl_m=3.0,
                      ground_speed_mps=6.0, heading_deg=90.0, battery_pct=80.0, flight_mode="AUTO", armed=True)
            for n in range(count)]


def test_a_fault_changes_only_the_samples_it_covers() -> None:
    clean = samples(100)
    faulted = list(inject(clean, [Fault("height_excursion", T0 + timedelta(seconds=2), 3, magnitude=55.0)]))
    assert len(faulted) == 100
    changed = [n for n, (a, b) in enumerate(zip(clean, faulted, strict=True)) if a != b]
    assert changed == list(range(20, 50))
    assert {faulted[n].height_agl_m for n in changed} == {55.0}


def test_gps_loss_freezes_the_position_and_says_so_once() -> None:
    faulted = list(inject(samples(50), [Fault("gps_loss", T0 + timedelta(seconds=1), 2)]))
    events = [i for i in faulted if isinstance(i, UavEvent)]
    assert len(events) == 1 and events[0].type == "failsafe" and events[0].t == T0 + timedelta(seconds=1)
    lost = [i for i in faulted if isinstance(i, UavSample) and i.gps_fix == 1]
    assert len(lost) == 20 and len({(s.lat, s.lon) for s in lost}) == 1 and all(s.satellites == 3 for s in lost)


def test_random_faults_follow_the_seed_and_the_rate() -> None:
    day = (T0, T0 + timedelta(hours=200))
    first = random_faults(SAMPLE_FAULTS, 0.5, *day, seed=4)
    assert first == random_faults(SAMPLE_FAULTS, 0.5, *day, seed=4) != random_faults(SAMPLE_FAULTS, 0.5, *day, seed=5)
    assert 60 <= len(first) <= 140  # Poisson(100): ±4 standard deviations
    assert {f.kind for f in first} == set(SAMPLE_FAULTS)
    assert all(a.at <= b.at for a, b in pairwise(first))
