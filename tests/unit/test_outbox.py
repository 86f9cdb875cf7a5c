"""The device's outbox: first in, first out, numbers never reused, refusals kept with the reason."""

from __future__ import annotations

from pathlib import Path

from devices.client import SEQ_BLOCK, DeviceClient
from devices.outbox import Outbox


def test_messages_wait_in_order_and_leave_when_delivered(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "d.outbox")
    ids = [outbox.put("telemetry", f"m{n}".encode()) for n in range(5)]
    assert [m.payload for m in outbox.after(0, 3)] == [b"m0", b"m1", b"m2"]
    assert [m.payload for m in outbox.after(ids[2], 10)] == [b"m3", b"m4"]
    outbox.remove(ids[0])
    assert outbox.waiting() == 4
    assert [m.id for m in outbox.after(0, 10)] == ids[1:]


def test_what_is_waiting_and_the_counters_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "d.outbox"
    outbox = Outbox(path)
    outbox.put("event", b"collision")
    assert outbox.reserve("telemetry", 10) == 0
    assert outbox.reserve("telemetry", 10) == 10
    outbox.close()
    again = Outbox(path)
    assert [(m.channel, m.payload) for m in again.after(0, 10)] == [("event", b"collision")]
    assert again.reserve("telemetry", 1) == 20
    assert again.reserve("event", 1) == 0  # each channel counts on its own


def test_a_refused_message_is_set_aside_with_the_reason(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "d.outbox")
    first, second = outbox.put("telemetry", b"a"), outbox.put("telemetry", b"b")
    outbox.refuse(first, "Not authorized")
    assert [m.id for m in outbox.after(0, 10)] == [second]
    assert outbox.refusals() == [(first, "telemetry", "Not authorized")]


def test_a_restarted_device_never_reuses_a_sequence_number(tmp_path: Path) -> None:
    path = tmp_path / "d.outbox"
    device = DeviceClient("127.0.0.1", 1, trial="SB-2026-0001", device="d1", secret="s", outbox=path)
    used = [device.next_seq() for _ in range(3)]
    device.outbox.close()
    restarted = DeviceClient("127.0.0.1", 1, trial="SB-2026-0001", device="d1", secret="s", outbox=path)
    assert used == [0, 1, 2]
    assert restarted.next_seq() == SEQ_BLOCK  # the rest of the first block is skipped, never handed out twice


def test_samples_are_batched_by_count(tmp_path: Path) -> None:
    device = DeviceClient("127.0.0.1", 1, trial="SB-2026-0001", device="d1", secret="s", outbox=tmp_path / "o",
                          batch_size=3)
    for _ in range(7):
        device.add({"seq": device.next_seq()})
    assert device.outbox.waiting() == 2  # two full messages; the seventh sample waits for its batch
    assert device.waiting == 3
    device.flush()
    assert device.outbox.waiting() == 3
