"""The ingest pipeline on a real database: stored once, refused with a reason, nothing lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from sandbox.telemetry.models import DeadLetter, IngestCounter
from sandbox.telemetry.store.tables import DEVICE_EVENTS, UAV_SAMPLES
from tests.integration.telemetry.conftest import Field, batch, in_window_now, uav


def count(field: Field, table) -> int:
    with field.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def dead_letters(field: Field) -> list[DeadLetter]:
    with field.pipeline.sessions() as db:
        return list(db.scalars(select(DeadLetter).order_by(DeadLetter.received_at)))


def test_a_batch_of_samples_is_stored_once_however_often_it_arrives(field: Field) -> None:
    t0 = in_window_now()
    drone = field.drones[0]
    message = (field.topic(drone), batch(*[uav(seq, t0 + timedelta(seconds=seq / 10)) for seq in range(10)]))
    first = field.send(message)
    again = field.send(message, message)
    assert (first.stored, first.duplicates) == (10, 0)
    assert (again.stored, again.duplicates) == (0, 20)
    assert count(field, UAV_SAMPLES) == 10


def test_a_batch_whose_commit_failed_is_stored_and_counted_once_when_written_again(field: Field) -> None:
    """The database going away at the commit (a restart) leaves nothing half done: the ingester's totals are as
    they were, and the same batch written again is stored and counted once. (The totals used to be an ORM row
    that the failed transaction expired and detached: every later batch then failed.)"""
    t0 = in_window_now()
    message = (field.topic(field.drones[0]), batch(*[uav(seq, t0 + timedelta(seconds=seq)) for seq in range(5)]))
    field.send(message)
    before = field.pipeline.counters
    gone = [OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))]

    def commit(connection) -> None:
        if gone:
            raise gone.pop()

    event.listen(field.engine, "commit", commit)
    later = (field.topic(field.drones[1]), batch(*[uav(seq, t0 + timedelta(seconds=seq)) for seq in range(7)]))
    with pytest.raises(OperationalError):
        field.send(later)
    assert field.pipeline.counters == before
    again = field.send(later)
    assert (again.stored, again.duplicates) == (7, 0)
    counters = field.pipeline.counters
    assert (counters.batches, counters.samples_committed, counters.messages_received) == (2, 12, 2)
    with field.pipeline.sessions() as db:
        row = db.get(IngestCounter, "test-ingester")
        assert (row.batches, row.samples_committed, row.messages_received) == (2, 12, 2)
    assert count(field, UAV_SAMPLES) == 12


def test_json_and_msgpack_are_both_read(field: Field) -> None:
    t0 = in_window_now()
    result = field.send((field.topic(field.drones[0]), batch(uav(1, t0), encoding="msgpack")),
                        (field.topic(field.drones[1]), batch(uav(1, t0), encoding="json")))
    assert result.stored == 2 and count(field, UAV_SAMPLES) == 2


def test_every_bad_message_is_dead_lettered_with_its_reason_and_bytes(field: Field) -> None:
    t0 = in_window_now()
    drone = field.drones[0]
    good = batch(uav(1, t0))
    nan = b'{"samples":[{"seq":1,"t":"%s","lat":NaN}]}' % t0.isoformat().encode()
    cases = {
        "malformed": (field.topic(drone), b"{not json"),
        "invalid": (field.topic(drone), batch(uav(1, t0)).replace(b'"lat":9.7805', b'"lat":91.5')),
        "unknown_device": (field.topic("4f6a7c52-0000-4000-8000-000000000000"), good),
        "topic_mismatch": (field.topic(drone).replace(field.trial["reference"], "SB-1999-0001"), good),
        "unknown_topic": ("sensors/kitchen/temperature", good),
        "oversize": (field.topic(drone), b"{" + b" " * (256 * 1024) + b"}"),
        "time_out_of_range": (field.topic(drone), batch(uav(1, t0 + timedelta(days=2)))),
    }
    result = field.send(*cases.values(), (field.topic(drone), nan))
    assert result.rejected == len(cases) + 1 and result.stored == 0
    stored = dead_letters(field)
    assert sorted(letter.reason for letter in stored) == sorted([*cases, "malformed"])
    by_reason = {letter.reason: letter for letter in stored}
    assert by_reason["invalid"].detail.endswith("- at `$.samples[0].lat`")
    assert by_reason["oversize"].payload == cases["oversize"][1]  # kept whole
    assert by_reason["topic_mismatch"].trial_id is not None
    assert result.rejected_by_reason["malformed"] == 2


def test_telemetry_of_a_suspended_trial_is_dead_lettered(field: Field) -> None:
    from tests.integration import steps

    steps.move(field.api, field.trial, "policy", "suspend", reason="Điều tra sự cố")
    field.pipeline.registry.refresh()
    result = field.send((field.topic(field.drones[0]), batch(uav(1, in_window_now()))))
    assert result.rejected_by_reason == {"trial_not_active": 1}
    assert "suspended" in dead_letters(field)[0].detail


def test_events_and_status_go_to_their_tables(field: Field) -> None:
    from sandbox.telemetry import contract

    t0 = in_window_now()
    events = contract.encode(contract.Events(events=[
        contract.UavEvent(seq=1, t=t0, type="take_off"), contract.UavEvent(seq=2, t=t0 + timedelta(minutes=9),
                                                                          type="landing")]))
    status = contract.encode(contract.DeviceStatus(seq=1, t=t0, online=True, firmware="4.5.1"))
    result = field.send((field.topic(field.drones[0], "event"), events),
                        (field.topic(field.drones[0], "status"), status))
    assert result.stored == 3 and count(field, DEVICE_EVENTS) == 2
