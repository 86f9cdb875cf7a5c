"""A camera's days summed in SQL on both databases, against what the simulated camera sent and its own outages."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest

from sandbox.clock import LOCAL_TZ, local_today, utcnow
from sandbox.evaluation.camera_days import STATUS_GAP_S, camera_days
from sandbox.telemetry import contract
from sandbox.telemetry.contract import CameraDetection, CameraStatus, DeviceStatus
from sims.camera import CameraSim, CameraSpec
from tests.integration.evaluation.feeding import feed, trial_of_kind
from tests.integration.telemetry.conftest import Field

# Day 1 from 12:00 to midnight, day 2 from midnight to 18:00 (Can Tho time), two days ago: in the past, with five
# outages of 1 to 19 minutes on both days (seed 20; the simulator's draws are relative to its start, so they are
# the same whatever the date).
SPEC = CameraSpec(peak_per_hour=120, outages_per_day=5, outage_mean_s=900)
SITE = "Nút giao 30 Tháng 4 – 3 Tháng 2"


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def camera(field: Field) -> tuple[Field, CameraSim, list]:
    trial_of_kind(field, "ai_camera", ["TV-T2-0001"])
    start = local(local_today() - timedelta(days=2), 12)
    sim = CameraSim(seed=20, spec=SPEC)
    items = list(sim.watch(start, start + timedelta(hours=30)))
    return field, sim, items


def read(field: Field, until: datetime | None = None) -> list:
    device = uuid.UUID(field.drones[0])
    with field.engine.connect() as connection:
        return camera_days(connection, uuid.UUID(field.trial["id"]), until or utcnow(), {device: SITE})


def day_of(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    return max(0.0, (min(a[1], b[1]) - max(a[0], b[0])).total_seconds())


def test_a_cameras_days_are_what_it_sent_and_its_uptime_what_its_outages_left(camera) -> None:
    field, sim, items = camera
    assert feed(field, field.drones[0], items) == len(items)
    days = read(field)
    statuses = [i for i in items if isinstance(i, CameraStatus)]
    detections = [i for i in items if isinstance(i, CameraDetection)]
    first = day_of(statuses[0].t)
    assert [d.day for d in days] == [first, first + timedelta(days=1)]
    assert {d.device_id for d in days} == {uuid.UUID(field.drones[0])} and {d.site for d in days} == {SITE}
    assert [d.statuses for d in days] == [Counter(day_of(s.t) for s in statuses)[d.day] for d in days]
    assert [d.detections for d in days] == [Counter(day_of(s.t) for s in detections)[d.day] for d in days]
    assert [d.violations for d in days] == [Counter(day_of(s.t) for s in detections if s.violation)[d.day]
                                            for d in days]
    assert all(d.violations > 0 for d in days)
    latencies = defaultdict(list)
    for s in statuses:
        latencies[day_of(s.t)].append(s.inference_latency_ms)
    for d in days:  # percentile_cont on PostgreSQL, numpy's linear method on SQLite: the same definition
        assert d.latency_p95_ms == pytest.approx(np.percentile(latencies[d.day], 95), rel=1e-9)
    # Truth: the camera is observed from its first word to its last and online for that minus its outages.
    # Each outage here lies within one day (checked), so each day holds its own share exactly.
    words = [i.t for i in items if isinstance(i, CameraStatus | DeviceStatus)]
    span = (min(words), max(words))
    midnight = local(first + timedelta(days=1))
    assert not any(o.start < midnight < o.end for o in sim.outages)
    assert len(sim.outages) >= 5 and any((o.end - o.start).total_seconds() < STATUS_GAP_S for o in sim.outages)
    for d in days:
        whole = (local(d.day), local(d.day + timedelta(days=1)))
        observed = overlap(span, whole)
        down = sum(overlap((max(o.start, whole[0]), min(o.end, whole[1])), span) for o in sim.outages)
        assert d.observed_s == pytest.approx(observed, rel=1e-9)
        assert d.online_s == pytest.approx(observed - down, rel=1e-9)
        assert 0.9 < d.online_s / d.observed_s < 1.0
    total_down = sum(overlap((o.start, o.end), span) for o in sim.outages)
    uptime = sum(d.online_s for d in days) / sum(d.observed_s for d in days)
    assert uptime == pytest.approx(1 - total_down / (span[1] - span[0]).total_seconds(), rel=1e-9)


def test_rows_received_after_the_cut_off_are_not_read(camera) -> None:
    field, _, items = camera
    detections = [i for i in items if isinstance(i, CameraDetection)]
    feed(field, field.drones[0], [i for i in items if not isinstance(i, CameraDetection)])
    cut = utcnow()
    feed(field, field.drones[0], detections)  # late: a backlog delivered after the evaluation's cut-off
    before, after = read(field, cut), read(field)
    assert [d.detections for d in before] == [0, 0] and [d.violations for d in before] == [0, 0]
    assert sum(d.detections for d in after) == len(detections) > 1000
    assert [(d.statuses, d.observed_s, d.online_s, d.latency_p95_ms) for d in before] == [
        (d.statuses, d.observed_s, d.online_s, d.latency_p95_ms) for d in after]
    assert read(field, utcnow() - timedelta(days=40)) == []  # nothing stored yet then


def test_the_time_line_rules_on_a_hand_made_day(field: Field) -> None:
    """A last will dated at the connection, an outage, a status saying offline, a planned stop, a silence."""
    trial_of_kind(field, "ai_camera", ["TV-T2-0002"])
    device = field.drones[0]
    t0 = local(local_today() - timedelta(days=1), 10)

    def status(n: int, at_s: float, online: bool = True, latency: float = 40.0) -> CameraStatus:
        return CameraStatus(seq=n, t=t0 + timedelta(seconds=at_s), online=online, fps=25.0,
                            inference_latency_ms=latency, privacy_masking=True)

    def link(n: int, at_s: float, online: bool, graceful: bool = False) -> DeviceStatus:
        return DeviceStatus(seq=n, t=t0 + timedelta(seconds=at_s), online=online, graceful=graceful)

    def send(*items) -> None:
        for item in items:
            wrapped = item if isinstance(item, DeviceStatus) else contract.Telemetry(samples=[item])
            channel = "status" if isinstance(item, DeviceStatus) else "telemetry"
            assert field.send((field.topic(device, channel), contract.encode(wrapped))).stored == 1

    send(link(0, 0, True), *(status(n, 30 * n, latency=float(n)) for n in range(20)))  # 0–9:30, online
    send(link(1, 0, False))  # the last will, written at connection (time 0), published when the link went
    send(link(2, 1800, True), status(20, 1800, latency=100.0), status(21, 1830, online=False, latency=500.0),
         status(22, 1860), status(23, 1890))  # back at 30:00; one status not inferring
    send(link(3, 1900, False, graceful=True))  # a planned stop at 31:40, an hour long
    send(link(4, 5500, True), status(24, 5500), status(25, 5530))  # back at 1:31:40
    send(status(26, 5530 + STATUS_GAP_S + 1))  # then a silence longer than the limit, unexplained
    send(link(5, 5500, False))  # lost again (the will of the 1:31:40 connection): no end yet, it adds nothing
    [day] = read(field)
    # Observed: 0–9:30 and the outage to 30:00 (1800 s), 30:00–31:40 (100 s), 1:31:40–1:32:10 (30 s); the last
    # status (1:37:11) to the last will dated by it adds nothing.
    assert day.observed_s == pytest.approx(1800 + 100 + 30, rel=1e-12)
    # Online: 0–9:30 (570 s), 30:00–30:30 and 31:00–31:40 (70 s), 1:31:40–1:32:10 (30 s).
    assert day.online_s == pytest.approx(570 + 70 + 30, rel=1e-12)
    assert day.statuses == 27 and day.detections == 0
    online = [float(n) for n in range(20)] + [100.0, 40.0, 40.0, 40.0, 40.0, 40.0]
    assert day.latency_p95_ms == pytest.approx(float(np.percentile(online, 95)), rel=1e-12)
