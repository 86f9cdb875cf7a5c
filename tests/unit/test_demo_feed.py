"""The demo drones' sortie: inside the field, one swath apart, and nothing the live rules would flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import numpy as np
import pytest

from devices.client import DeviceClient
from sandbox.demo.feed import HEIGHT_M, SPEED_MPS, SWATH_M, DemoFeed, Sortie
from sandbox.demo.plans import uav_plan
from sandbox.demo.seed import Fleet
from sandbox.telemetry.contract import validated
from sandbox.telemetry.rules.checks import scan
from sandbox.trials.plan import Polygon, content_from_document
from sims.places import RICE_FIELDS_VI_TAN

PLAN = content_from_document(uav_plan(datetime(2026, 11, 1).date(), datetime(2027, 3, 1).date()))
FIELD = msgspec.convert(RICE_FIELDS_VI_TAN, Polygon)
MORNING = datetime(2026, 11, 23, 7, 0, tzinfo=UTC) - timedelta(hours=7)  # 07:00 in Cần Thơ, inside a window


def test_the_sortie_covers_the_field_one_swath_apart_and_stays_inside() -> None:
    sortie = Sortie(FIELD)
    north_south_m = (9.7823 - 9.7788) * 110_600  # about the field's extent from south to north
    assert abs(sortie.rows - north_south_m / SWATH_M) <= 3
    envelope = DemoFeed(Fleet("agri_uav", "SB-2026-0001", "id", PLAN, []), "127.0.0.1", 1).envelope
    where = [sortie.where(second) for second in range(0, int(sortie.seconds), 7)]
    lat, lon, heading = (np.array(column) for column in zip(*where, strict=True))
    assert not envelope.distances_outside_m(lat, lon).any()
    assert ((heading >= 0) & (heading < 360)).all()
    assert sortie.where(0.0)[:2] == pytest.approx(sortie.where(sortie.seconds)[:2])  # round and round


def test_a_drone_flies_in_the_window_and_waits_disarmed_outside_it() -> None:
    feed = DemoFeed(Fleet("agri_uav", "SB-2026-0001", "id", PLAN, [("S1", "d1", "s1"), ("S2", "d2", "s2")]), "127.0.0.1", 1)
    publisher = DeviceClient("127.0.0.1", 1, trial="SB-2026-0001", device="d1", secret="s1")
    flying = feed.samples(1, publisher, MORNING + timedelta(minutes=5), flying_since=MORNING)
    assert [s.seq for s in flying] == list(range(10))
    assert all(s.armed and s.height_agl_m == HEIGHT_M and s.ground_speed_mps == SPEED_MPS for s in flying)
    assert [validated(s) for s in flying] == flying
    assert not any(scan(feed.envelope, "agri_uav", flying).values())
    # Moving at 5 m/s: ten samples 0.1 s apart cover about 4.5 m.
    first, last = flying[0], flying[-1]
    assert feed.envelope.distances_outside_m(np.array([first.lat]), np.array([first.lon])).tolist() == [0.0]
    grounded = feed.samples(0, publisher, MORNING - timedelta(hours=3), flying_since=None)
    assert [s.seq for s in grounded] == list(range(10, 20))
    assert not any(s.armed for s in grounded) and {s.height_agl_m for s in grounded} == {0.0}
    assert publisher.next_seq() == 20
    assert last.t - first.t == timedelta(seconds=0.9)
