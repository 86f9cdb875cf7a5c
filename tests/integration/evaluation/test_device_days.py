"""A device's days in its main stream, summed in SQL on both databases, against the samples the simulator made."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sandbox.clock import LOCAL_TZ, local_today, utcnow
from sandbox.evaluation.device_days import device_days
from sandbox.telemetry.contract import AmrSample
from sandbox.telemetry.store.tables import AMR_SAMPLES, DEVICE_EVENTS
from sims.amr import AmrSim
from tests.integration.evaluation.feeding import feed, trial_of_kind
from tests.integration.telemetry.conftest import Field

DROPPED = 37  # samples lost on the way, in the middle of the second day


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL_TZ).astimezone(UTC)


@pytest.fixture
def night(field: Field) -> tuple[Field, list[AmrSample]]:
    """The robot from 23:00 to 01:00 two nights ago: two local days, at 2 Hz driving and every 5 s parked."""
    trial_of_kind(field, "amr", ["NKC-0001"])
    start = local(local_today() - timedelta(days=2), 23)
    items = AmrSim(seed=3).work(start, start + timedelta(hours=2))
    return field, [i for i in items if isinstance(i, AmrSample)]


def truth(samples: list[AmrSample]) -> dict[date, tuple[float, int, int]]:
    """Per local day: operating hours (minutes with a sample), samples, and the span of their numbers."""
    minutes, seqs = defaultdict(set), defaultdict(list)
    for s in samples:
        day = s.t.astimezone(LOCAL_TZ).date()
        minutes[day].add(int(s.t.timestamp() // 60))
        seqs[day].append(s.seq)
    return {day: (len(minutes[day]) / 60, len(seqs[day]), max(seqs[day]) - min(seqs[day]) + 1) for day in seqs}


def read(field: Field, until: datetime, intervals=()) -> list:
    with field.engine.connect() as connection:
        return device_days(connection, uuid.UUID(field.trial["id"]), AMR_SAMPLES, until, intervals)


def test_operating_time_and_completeness_are_what_the_device_sent(night) -> None:
    field, samples = night
    assert feed(field, field.drones[0], samples, max_items=1000) == len(samples)
    days = read(field, utcnow())
    expected = truth(samples)
    assert len(expected) == 2
    assert [(d.day, d.operating_h, d.received, d.numbered) for d in days] == [
        (day, pytest.approx(hours, rel=1e-12), received, numbered) for day, (hours, received, numbered)
        in sorted(expected.items())]
    assert all(d.received == d.numbered for d in days)  # nothing lost: complete
    assert [d.operating_h for d in days] == pytest.approx([1.0, 1.0], abs=1 / 60)  # 23:00–24:00, 00:00–01:00
    assert {d.device_id for d in days} == {uuid.UUID(field.drones[0])}
    assert all(d.outside_envelope_h == 0.0 for d in days)


def test_lost_samples_show_as_a_shortfall_of_exactly_what_was_lost(night) -> None:
    field, samples = night
    second = [n for n, s in enumerate(samples) if s.t >= local(local_today() - timedelta(days=1))]
    lost = set(second[len(second) // 2:][:DROPPED])
    feed(field, field.drones[0], [s for n, s in enumerate(samples) if n not in lost], max_items=1000)
    first_day, second_day = read(field, utcnow())
    assert first_day.received == first_day.numbered
    assert second_day.numbered - second_day.received == DROPPED
    assert second_day.numbered == len(second)
    assert second_day.received / second_day.numbered == pytest.approx(1 - DROPPED / len(second), rel=1e-12)


def test_time_outside_the_envelope_is_merged_and_cut_at_midnight_and_the_cut_off(night) -> None:
    field, samples = night
    feed(field, field.drones[0], samples, max_items=1000)
    robot, other = uuid.UUID(field.drones[0]), uuid.uuid4()
    d1 = local_today() - timedelta(days=2)
    d2 = d1 + timedelta(days=1)
    until = utcnow()
    intervals = [
        (robot, local(d1, 23, 30), local(d2, 0, 30)),  # over midnight: half an hour each side
        (robot, local(d2, 0, 15), local(d2, 0, 45)),  # overlaps the first: counted once
        (robot, local(d2, 23, 0), until),  # still open: to the cut-off, through a day with no samples
        (other, local(d1, 23, 0), local(d1, 23, 6)),  # a device with no rows in the stream
    ]
    days = {(d.device_id, d.day): d for d in read(field, until, intervals)}
    assert days[(robot, d1)].outside_envelope_h == pytest.approx(0.5, rel=1e-12)
    assert days[(robot, d2)].outside_envelope_h == pytest.approx(0.75 + 1.0, rel=1e-12)
    today = days[(robot, d2 + timedelta(days=1))]
    assert today.outside_envelope_h == pytest.approx((until - local(local_today())).total_seconds() / 3600)
    assert (today.operating_h, today.received, today.numbered) == (0.0, 0, 0)
    assert (days[(other, d1)].outside_envelope_h, days[(other, d1)].received) == (pytest.approx(0.1), 0)


def test_rows_received_after_the_cut_off_are_not_read(night) -> None:
    field, samples = night
    midnight = local(local_today() - timedelta(days=1))
    feed(field, field.drones[0], [s for s in samples if s.t < midnight], max_items=1000)
    cut = utcnow()
    feed(field, field.drones[0], [s for s in samples if s.t >= midnight], max_items=1000)
    expected = truth(samples)
    [day] = read(field, cut)
    assert (day.day, day.received) == (midnight.astimezone(LOCAL_TZ).date() - timedelta(days=1),
                                       expected[day.day][1])
    assert [d.received for d in read(field, utcnow())] == [received for _, received, _ in expected.values()]
    with field.engine.connect() as connection, pytest.raises(ValueError, match="main stream"):
        device_days(connection, uuid.UUID(field.trial["id"]), DEVICE_EVENTS, cut)
