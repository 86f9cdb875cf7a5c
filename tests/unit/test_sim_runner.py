"""The runner's batching, numbering and wire faults, on a fake device client that records what it is asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from devices.vda5050 import Vda5050
from sandbox.telemetry import contract
from sandbox.telemetry.contract import Channel
from sims.runner import Runner, SimDevice, WireFault

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


class FakeClient:
    def __init__(self, device: str) -> None:
        self.device, self.encoding, self.connected = device, "json", False
        self.dialect: Vda5050 | None = None
        self.clock = None
        self.log: list[tuple] = []
        self.seqs: dict[Channel, int] = {}

    def connect(self) -> None:
        self.connected = True

    def next_seq(self, channel: Channel = Channel.TELEMETRY) -> int:
        self.seqs[channel] = self.seqs.get(channel, 100) + 1
        return self.seqs[channel]

    def send_encoded(self, channel: Channel, payload: bytes) -> None:
        self.log.append(("send", channel, payload, self.clock()))

    def drop_link(self) -> None:
        self.connected = False
        self.log.append(("drop", self.clock()))

    def restore_link(self) -> None:
        self.connected = True
        self.log.append(("restore", self.clock()))

    def wait_connected(self, timeout_s: float) -> bool:
        return self.connected

    def wait_delivered(self, timeout_s: float) -> bool:
        return True

    def close(self, timeout_s: float = 10.0) -> bool:
        return True

    @property
    def waiting(self) -> int:
        return 0

    def sent(self) -> list[list]:
        out = []
        for entry in self.log:
            if entry[0] == "send":
                try:
                    out.append(msgspec.json.decode(entry[2])["samples"])
                except (msgspec.DecodeError, KeyError):
                    out.append(None)  # garbled, or events
        return out


def sample(second: float) -> contract.UavSample:
    return contract.UavSample(seq=0, t=T0 + timedelta(seconds=second), lat=9.78, lon=105.46, height_agl_m=3.0,
                              ground_speed_mps=6.0, heading_deg=90.0, battery_pct=80.0, flight_mode="AUTO", armed=True)


def run(faults: list[WireFault], seconds: int = 20, message_s: float = 2.0) -> FakeClient:
    client = FakeClient("d1")
    device = SimDevice(client, [sample(n / 2) for n in range(seconds * 2)], faults, message_s=message_s)  # type: ignore[arg-type]
    Runner([device]).run()
    return client


def test_samples_are_gathered_per_message_and_numbered_by_the_client() -> None:
    client = run([])
    batches = client.sent()
    assert [len(b) for b in batches] == [4] * 10  # two simulated seconds at 2 Hz each
    assert [s["seq"] for b in batches for s in b] == list(range(101, 141))


def test_each_wire_fault_does_what_it_says_whatever_the_order_they_are_given_in() -> None:
    faults = [WireFault("malformed", T0 + timedelta(seconds=8)), WireFault("link_loss", T0 + timedelta(seconds=3), 4),
              WireFault("out_of_order", T0 + timedelta(seconds=12)), WireFault("duplicate", T0 + timedelta(seconds=2))]
    client = run(faults)
    drops = [entry for entry in client.log if entry[0] in ("drop", "restore")]
    assert drops == [("drop", T0 + timedelta(seconds=3)), ("restore", T0 + timedelta(seconds=7))]
    firsts = [b[0]["seq"] if b else None for b in client.sent()]
    assert firsts.count(105) == 2  # the message due at 2 s, twice
    assert None in firsts and firsts[firsts.index(None) + 1] == 117  # a garbled copy before the message due at 8 s
    late = firsts.index(125)
    assert firsts[late - 1] == 129  # the message due at 12 s went after the next one
    assert sorted(set(f for f in firsts if f)) == list(range(101, 141, 4))  # nothing lost


def test_two_devices_each_send_their_own_stream() -> None:
    clients = [FakeClient("a"), FakeClient("b")]
    devices = [SimDevice(c, [sample(n + k / 3) for n in range(5)], message_s=1.0)  # type: ignore[arg-type]
               for k, c in enumerate(clients)]
    sent = Runner(devices).run()
    assert sent["a"].samples == sent["b"].samples == 5
    for k, client in enumerate(clients):
        times = [s["t"] for b in client.sent() for s in b]
        assert times[0] == (T0 + timedelta(seconds=k / 3)).isoformat().replace("+00:00", "Z")


def test_a_robot_speaking_vda5050_sends_a_state_per_sample_and_keeps_its_events() -> None:
    client = FakeClient("r1")
    client.dialect = Vda5050("RobotNK", "NKC-0001", "2.1.0")
    moments = [T0 + timedelta(seconds=n) for n in range(6)]
    items = [contract.AmrSample(seq=0, t=t, x=float(n), y=0.0, map_id="campus", speed_mps=1.0, heading_deg=90.0,
                                battery_pct=70.0, mode="AUTOMATIC") for n, t in enumerate(moments)]
    items.insert(3, contract.AmrEvent(seq=0, t=moments[2], type="near_miss"))
    [sent] = Runner([SimDevice(client, items, message_s=5.0)]).run().values()  # type: ignore[arg-type]
    states = [json.loads(entry[2]) for entry in client.log if entry[0] == "send"]
    assert [s["headerId"] for s in states] == list(range(101, 107)) and {e[1] for e in client.log} == {
        Channel.TELEMETRY}
    assert [s["agvPosition"]["x"] for s in states] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert (sent.messages, sent.samples, sent.events) == (6, 6, 0)


def test_the_simulated_clock_keeps_pace_with_the_wall_clock_at_the_speed_asked() -> None:
    import time

    client = FakeClient("d1")
    sent_at: list[float] = []
    send = client.send_encoded
    client.send_encoded = lambda channel, payload: (sent_at.append(time.monotonic()), send(channel, payload))  # type: ignore[method-assign]
    items = [sample(n / 2) for n in range(8)]  # 3.5 simulated seconds
    began = time.monotonic()
    Runner([SimDevice(client, items, message_s=1.0)], speed=5.0).run()  # type: ignore[arg-type]
    # A message goes out when the sample after it is due: at 1, 2 and 3 simulated seconds, 0.2 s apart at 5×.
    for due, moment in zip((0.2, 0.4, 0.6), sent_at, strict=False):
        assert moment - began >= due - 0.01
    assert len(client.sent()) == 4
    with pytest.raises(ValueError, match="speed must be positive"):
        Runner([], speed=0)
