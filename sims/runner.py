"""Simulated devices on the air: their streams sent through the device client on a simulated clock.

A `Runner` takes simulated devices (`SimDevice`: a device client and the stream a simulator made
for it), merges their streams in time order and sends them as the devices would: samples, and
events, gathered into a message per ``message_s`` of simulated time on each channel, each
item numbered by the device client (so a device re-run later continues its numbering and nothing
it sends is taken for a repeat). ``speed`` runs the simulated clock against the wall clock: 1 is
real time, 3600 an hour a second, ``None`` as fast as the broker takes it. The clients' statuses
are stamped with the simulated time.

Faults of the link and the wire happen here, on the way out (`WireFault`):

============  ====================================================================  ======================
fault         what happens                                                          what Sandbox does
============  ====================================================================  ======================
link_loss     the link drops at ``at`` for ``duration_s`` (the broker publishes     a link_lost incident;
              the device's last will); the device keeps working, its messages       the backlog is stored
              wait in its outbox and go out when the link is back                   once, in order
duplicate     the message due at ``at`` goes out twice                              stored once
out_of_order  the message due at ``at`` goes out after the one following it         stored, in time order
malformed     before the message due at ``at``, a garbled copy (cut in half)        a dead letter with
                                                                                    the reason
============  ====================================================================  ======================

A camera simulator's outage (its ``DeviceStatus`` offline, then online) is played as a link loss.

A robot whose client speaks VDA 5050 (`devices.vda5050.Vda5050`) sends a ``state`` message per
sample, as such robots do, and its link on ``connection``; VDA 5050 has no topic for events, so a
robot's events stay aboard (what they stand for — an emergency stop, a safety-field violation, a
fatal error — is in its state).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, Literal

from msgspec.structs import replace

from devices.client import DeviceClient
from devices.vda5050 import Vda5050
from sandbox.telemetry.contract import (
    MAX_ITEMS_PER_MESSAGE,
    AmrEvent,
    AmrSample,
    CameraDetection,
    CameraStatus,
    Channel,
    DeviceStatus,
    Events,
    Telemetry,
    UavEvent,
    UavSample,
    encode,
)

__all__ = ["WIRE_FAULTS", "Runner", "Sent", "SimDevice", "WireFault", "channel_of", "merge"]

WireFaultKind = Literal["link_loss", "duplicate", "out_of_order", "malformed"]
WIRE_FAULTS: tuple[WireFaultKind, ...] = ("link_loss", "duplicate", "out_of_order", "malformed")
_CHANNELS: dict[type, Channel] = {
    UavSample: Channel.TELEMETRY, AmrSample: Channel.TELEMETRY, CameraStatus: Channel.TELEMETRY,
    UavEvent: Channel.EVENT, AmrEvent: Channel.EVENT, CameraDetection: Channel.EVENT,
    DeviceStatus: Channel.STATUS,
}
RECONNECT_TIMEOUT_S = 15.0
MAX_WAITING = 2_000  # messages a device may have unacknowledged before the runner waits for the broker


def channel_of(item: Any) -> Channel:
    return _CHANNELS[type(item)]


@dataclass(frozen=True)
class WireFault:
    kind: WireFaultKind
    at: datetime
    duration_s: float = 60.0  # link_loss: how long the link stays down

    def __post_init__(self) -> None:
        if self.kind not in WIRE_FAULTS:
            raise ValueError(f"unknown wire fault {self.kind!r}; known: {', '.join(WIRE_FAULTS)}")
        if self.duration_s <= 0:
            raise ValueError(f"a fault lasts a positive time, not {self.duration_s} s")


@dataclass
class Sent:
    """What one device sent: the report of a run."""

    messages: int = 0
    samples: int = 0
    events: int = 0
    duplicates: int = 0
    reordered: int = 0
    malformed: int = 0
    link_losses: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class SimDevice:
    """One simulated device: its client (not started) and its stream, in time order."""

    client: DeviceClient
    items: Iterable[Any]
    faults: Sequence[WireFault] = ()
    message_s: float = 1.0  # simulated seconds of items gathered into one message
    name: str = ""  # in reports (default: the device id)
    sent: Sent = field(default_factory=Sent)

    def __post_init__(self) -> None:
        self._pending: dict[Channel, list[Any]] = {Channel.TELEMETRY: [], Channel.EVENT: []}  # by channel
        self._held: tuple[Channel, bytes] | None = None  # a message sent late (out_of_order)
        ordered = sorted(self.faults, key=lambda f: f.at)
        self._link_losses = [f for f in ordered if f.kind == "link_loss"]  # due by the simulated clock
        self._message_faults = [f for f in ordered if f.kind != "link_loss"]  # due with the next message
        self._down = False
        self._restore_at: datetime | None = None  # None while down: until the simulator says it is back
        self.name = self.name or self.client.device
        self._vda5050 = self.client.dialect if isinstance(self.client.dialect, Vda5050) else None

    # ------------------------------------------------------------ the link

    def _link(self, now: datetime) -> None:
        if self._restore_at is not None and now >= self._restore_at:
            self._restore()
        while self._link_losses and self._link_losses[0].at <= now:
            fault = self._link_losses.pop(0)
            self._drop(now + timedelta(seconds=fault.duration_s))

    def _drop(self, until: datetime | None) -> None:
        if not self._down:
            # In simulated time the link was up until now: what was sent before has arrived (faster than real
            # time, it may still be on its way; a real device would have delivered it).
            self.client.wait_delivered(RECONNECT_TIMEOUT_S)
            self.client.drop_link()
            self.sent.link_losses += 1
        self._down, self._restore_at = True, until

    def _restore(self) -> None:
        """Reconnect, and wait for it: the device says it is back at the simulated time it came back."""
        self._down, self._restore_at = False, None
        self.client.restore_link()
        if not self.client.wait_connected(RECONNECT_TIMEOUT_S):
            raise TimeoutError(f"{self.name} could not reconnect in {RECONNECT_TIMEOUT_S:.0f} s")

    # ------------------------------------------------------------ messages

    def take(self, item: Any) -> None:
        """The next item of the stream, at the simulated time ``item.t``."""
        self._link(item.t)
        if isinstance(item, DeviceStatus):  # a simulator's outage: the link goes, and comes back
            if item.online and self._down:
                self._restore()
            elif not item.online and not item.graceful:
                self._drop(None)
            return
        channel = channel_of(item)
        if self._vda5050 is not None and channel is not Channel.TELEMETRY:
            return  # VDA 5050 carries no events
        batch = self._pending[channel]
        if batch and ((item.t - batch[0].t).total_seconds() >= self.message_s or len(batch) >= MAX_ITEMS_PER_MESSAGE):
            self._flush(channel)
        self._pending[channel].append(item)

    def flush(self) -> None:
        """Send what is gathered: samples first, then events."""
        self._flush(Channel.TELEMETRY)
        self._flush(Channel.EVENT)

    def _flush(self, channel: Channel) -> None:
        items = self._pending[channel]
        if not items:
            return
        self._pending[channel] = []
        numbered = [replace(item, seq=self.client.next_seq(channel)) for item in items]
        if self._vda5050 is not None:  # a state message per sample
            for sample in numbered:
                self._send(channel, self._vda5050.state(sample), sample.t)
        else:
            message = Telemetry(samples=numbered) if channel is Channel.TELEMETRY else Events(events=numbered)
            self._send(channel, encode(message, self.client.encoding), items[0].t)
        sent = self.sent
        sent.first = min(sent.first or items[0].t, items[0].t)
        sent.last = max(sent.last or items[-1].t, items[-1].t)
        if channel is Channel.TELEMETRY:
            sent.samples += len(items)
        else:
            sent.events += len(items)

    def _send(self, channel: Channel, payload: bytes, at: datetime) -> None:
        due = []
        while self._message_faults and self._message_faults[0].at <= at:
            due.append(self._message_faults.pop(0).kind)
        if "malformed" in due:
            self.client.send_encoded(channel, payload[: len(payload) // 2])
            self.sent.malformed += 1
        if "out_of_order" in due and self._held is None:
            self._held = (channel, payload)
            self.sent.reordered += 1
            return
        self.client.send_encoded(channel, payload)
        self.sent.messages += 1
        if "duplicate" in due:
            self.client.send_encoded(channel, payload)
            self.sent.duplicates += 1
        if self._held is not None:
            self.client.send_encoded(*self._held)
            self.sent.messages += 1
            self._held = None

    def finish(self) -> None:
        """End of the stream: send what is gathered or held, and bring the link back if it is down."""
        self.flush()
        if self._held is not None:
            self.client.send_encoded(*self._held)
            self.sent.messages += 1
            self._held = None
        if self._down:
            self._restore()


class Runner:
    """Several simulated devices sent together, on one simulated clock."""

    def __init__(self, devices: Sequence[SimDevice], *, speed: float | None = None,
                 progress: Callable[[datetime], None] | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be positive (1 = real time), not {speed}")
        self.devices = list(devices)
        self.speed = speed
        self.progress = progress
        self.now: datetime | None = None
        for device in self.devices:
            device.client.clock = self._clock

    def _clock(self) -> datetime:
        if self.now is None:
            raise RuntimeError("the simulated clock has not started")
        return self.now


    def run(self, deliver_timeout_s: float = 120.0) -> dict[str, Sent]:
        """Send every stream to its end, wait until the broker has everything; what each device sent."""
        merged = merge([device.items for device in self.devices])
        first = next(merged, None)
        if first is None:
            return {device.name: device.sent for device in self.devices}
        self.now = origin = first[1].t
        for device in self.devices:
            device.client.connect()
        began = time.monotonic()
        for count, (index, item) in enumerate(chain([first], merged)):
            moment = self.now = item.t
            if self.speed is not None:
                lag = (moment - origin).total_seconds() / self.speed - (time.monotonic() - began)
                if lag > 0:
                    time.sleep(lag)
            device = self.devices[index]
            device.take(item)
            if count % 500 == 0:
                self._keep_up(device)
                if self.progress is not None:
                    self.progress(moment)
        for device in self.devices:
            device.finish()
        undelivered = [device.name for device in self.devices
                       if not (device.client.wait_delivered(deliver_timeout_s) and device.client.close())]
        if undelivered:
            raise TimeoutError(f"the broker did not take everything from {', '.join(undelivered)} "
                               f"in {deliver_timeout_s:.0f} s")
        if self.progress is not None:
            self.progress(self.now)
        return {device.name: device.sent for device in self.devices}

    @staticmethod
    def _keep_up(device: SimDevice) -> None:
        """Faster than the broker takes it, the outbox would only grow: wait for it while the link is up."""
        while device.client.connected and device.client.waiting > MAX_WAITING:
            time.sleep(0.01)



def merge(streams: Sequence[Iterable[Any]]) -> Iterator[tuple[int, Any]]:
    """The items of several streams, each in time order, as one stream in time order: (stream's index, item)."""
    numbered = [_numbered(index, items) for index, items in enumerate(streams)]
    for _, index, item in heapq.merge(*numbered, key=lambda entry: (entry[0], entry[1])):
        yield index, item


def _numbered(index: int, items: Iterable[Any]) -> Iterator[tuple[datetime, int, Any]]:
    for item in items:
        yield item.t, index, item
