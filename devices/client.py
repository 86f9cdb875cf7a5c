"""The link a device or gateway keeps with Sandbox: numbered, batched, QoS 1, stored until delivered.

    client = DeviceClient("broker.example", 1883, trial="SB-2026-0001", device=device_id, secret=secret,
                          outbox="drone-7.outbox")
    client.start()                       # returns at once; connects (and reconnects) in the background
    client.add(UavSample(seq=client.next_seq(), t=now, lat=..., lon=..., ...))   # batched
    client.event(UavEvent(seq=client.next_seq(Channel.EVENT), t=now, code="failsafe", severity=4))
    client.close()                       # flushes, waits for the broker to have everything, says goodbye

The MQTT username and client id are the device id, the password the secret shown once at
enrolment. Samples are gathered into one message per ``batch_size`` samples or ``batch_delay_s``
seconds, whichever comes first; events go out at once. Every message goes through the `Outbox`
first: while the broker is unreachable they wait there (on disk when ``outbox`` is a path), and
when the link returns they are sent oldest first. paho reconnects with a backoff of 1 s doubling
to ``max_backoff_s`` and resends what was in flight; Sandbox stores each numbered item once, so a
resend is harmless.

On connect the device says it is online on its status topic and leaves a last will saying it
went offline without warning (written afresh before every connection, so that it carries the time
of the last one); ``close()`` says goodbye gracefully. Statuses are stamped by ``clock``, the
device's own clock (a simulator passes its simulated one).

A gateway or replay that already holds encoded messages hands them over with ``send_encoded``;
a simulator that plays a radio link going down uses ``drop_link`` (the broker publishes the last
will) and ``restore_link``. A device that speaks another standard passes its ``dialect`` (the
topics and the status messages; `devices.vda5050.Vda5050` for VDA 5050 robots); by default the
client speaks the project's contract.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from devices.outbox import Outbox
from sandbox.telemetry.contract import (
    CONTENT_TYPES,
    MAX_ITEMS_PER_MESSAGE,
    Channel,
    DeviceStatus,
    Encoding,
    Events,
    Telemetry,
    encode,
    topic,
)

__all__ = ["Contract", "DeviceClient", "DeviceRefused", "Dialect"]

log = logging.getLogger("devices")

SEQ_BLOCK = 64  # sequence numbers reserved on disk at a time; a restart skips the rest of a block


_DISCONNECT_WITH_WILL = 0x04  # MQTT 5 DISCONNECT reason: the broker is to publish the will


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dialect(Protocol):
    """How a device speaks on the broker: where each channel goes and how its statuses are written."""

    @property
    def content_type(self) -> str: ...

    def topic(self, channel: Channel) -> str: ...

    def status(self, status: DeviceStatus) -> bytes: ...


@dataclass(frozen=True)
class Contract:
    """The project's wire contract: ``sandbox/{trial}/{device}/{channel}``, MessagePack or JSON."""

    trial: str
    device: str
    encoding: Encoding = "msgpack"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.encoding]

    def topic(self, channel: Channel) -> str:
        return topic(self.trial, self.device, channel)

    def status(self, status: DeviceStatus) -> bytes:
        return encode(status, self.encoding)


class DeviceRefused(RuntimeError):
    """The broker refused the device (wrong credentials, not enrolled, revoked) or did not answer in time."""


class DeviceClient:
    def __init__(self, host: str, port: int, *, trial: str, device: str, secret: str,
                 outbox: str | Path = ":memory:", encoding: Encoding = "msgpack", batch_size: int = 10,
                 batch_delay_s: float = 1.0, window: int = 100, max_backoff_s: float = 30.0,
                 firmware: str | None = None, clock: Callable[[], datetime] | None = None,
                 dialect: Dialect | None = None) -> None:
        if not 1 <= batch_size <= MAX_ITEMS_PER_MESSAGE:
            raise ValueError(f"batch_size must be 1..{MAX_ITEMS_PER_MESSAGE}, not {batch_size}")
        self.host, self.port = host, port
        self.trial, self.device, self.encoding, self.firmware = trial, device, encoding, firmware
        self.batch_size, self.batch_delay_s, self.window = batch_size, batch_delay_s, window
        self.dialect: Dialect = dialect or Contract(trial, device, encoding)
        self.outbox = Outbox(outbox)
        self.clock = clock or _utcnow
        self.refusal: str | None = None  # the broker's last reason for refusing the connection
        self._seqs: dict[Channel, tuple[int, int]] = {}  # channel → (next, end of reserved block)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._batch: list[Any] = []
        self._batch_since = 0.0
        # paho calls on_publish holding its own lock, and publish() takes that lock: so no lock of ours is
        # held while calling paho, and an acknowledgement may arrive before publish() has returned its mid.
        self._flight = threading.Lock()
        self._in_flight: dict[int, int] = {}  # paho mid → outbox id (0: a status message, not in the outbox)
        self._early: dict[int, Any] = {}  # mid → reason, acknowledged before we had noted the mid
        self._last_sent = 0  # outbox id of the newest message handed to paho
        self._connected = threading.Event()
        self._answered = threading.Event()
        self._stop = threading.Event()
        self._sender: threading.Thread | None = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(device, secret)
        self.client.reconnect_delay_set(1, max(1, int(max_backoff_s)))
        self.client.max_inflight_messages_set(window + 2)  # room for status messages beside the outbox's
        self.client.on_pre_connect = self._on_pre_connect
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self._properties = Properties(PacketTypes.PUBLISH)
        self._properties.ContentType = self.dialect.content_type

    # ------------------------------------------------------------ numbering and sending

    def next_seq(self, channel: Channel = Channel.TELEMETRY) -> int:
        """The next sequence number of ``channel``: one more for every item, never reused across restarts."""
        with self._lock:
            following, end = self._seqs.get(channel, (0, 0))
            if following >= end:
                following = self.outbox.reserve(channel.value, SEQ_BLOCK)
                end = following + SEQ_BLOCK
            self._seqs[channel] = (following + 1, end)
            return following

    def add(self, sample: Any) -> None:
        """Queue a telemetry sample; it goes out with its batch."""
        with self._lock:
            if not self._batch:
                self._batch_since = time.monotonic()
            self._batch.append(sample)
            if len(self._batch) >= self.batch_size:
                self._flush_locked()

    def flush(self) -> None:
        """Put the samples gathered so far into the outbox now, as one message."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._batch:
            self.outbox.put(Channel.TELEMETRY.value, encode(Telemetry(samples=self._batch), self.encoding))
            self._batch = []
            self._wake.notify_all()

    def event(self, *events: Any) -> None:
        """Send events (collision, failsafe, emergency stop…) in one message, after the samples before them."""
        with self._lock:
            self._flush_locked()
            self.outbox.put(Channel.EVENT.value, encode(Events(events=list(events)), self.encoding))
            self._wake.notify_all()

    def send_encoded(self, channel: Channel, payload: bytes) -> None:
        """Send a message already encoded (by a bridge or a replay) as it is, after the samples before it."""
        with self._lock:
            self._flush_locked()
            self.outbox.put(channel.value, payload)
            self._wake.notify_all()

    @property
    def waiting(self) -> int:
        """Messages not yet acknowledged by the broker (on disk or in flight), plus an unfinished batch."""
        with self._lock:
            return self.outbox.waiting() + (1 if self._batch else 0)

    def _send_pending(self) -> None:
        """The sender thread: hand messages to paho oldest first while connected, at most ``window`` in flight."""
        while not self._stop.is_set():
            with self._lock:
                if self._batch and time.monotonic() - self._batch_since >= self.batch_delay_s:
                    self._flush_locked()
                with self._flight:
                    room = self.window - len(self._in_flight)
                ready = self._connected.is_set() and room > 0
                pending = self.outbox.after(self._last_sent, room) if ready else []
                if not pending:
                    self._wake.wait(min(self.batch_delay_s, 0.2))
                    continue
                self._last_sent = pending[-1].id
            for message in pending:
                self._publish(Channel(message.channel), message.payload, message.id)

    def _publish(self, channel: Channel, payload: bytes, message_id: int) -> mqtt.MQTTMessageInfo:
        info = self.client.publish(self.dialect.topic(channel), payload, qos=1,
                                   properties=self._properties)
        with self._flight:
            reason = self._early.pop(info.mid, None)
            if reason is None:
                self._in_flight[info.mid] = message_id
                return info
        self._settle(message_id, reason)
        return info

    def _settle(self, message_id: int, reason: Any) -> None:
        if message_id:
            if reason.is_failure:
                log.error("device %s: the broker refused message %d (%s)", self.device, message_id, reason)
                self.outbox.refuse(message_id, str(reason))
            else:
                self.outbox.remove(message_id)
        with self._lock:
            self._wake.notify_all()

    # ------------------------------------------------------------ paho's thread

    def _status(self, online: bool, graceful: bool = False) -> bytes:
        status = DeviceStatus(seq=self.next_seq(Channel.STATUS), t=self.clock(), online=online,
                              graceful=graceful, firmware=self.firmware)
        return self.dialect.status(status)

    def _on_pre_connect(self, _c: mqtt.Client, _u: Any) -> None:
        self.client.will_set(self.dialect.topic(Channel.STATUS), self._status(online=False), qos=1,
                             properties=self._properties)

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.refusal = str(reason)
            log.warning("device %s: the broker refused the connection (%s)", self.device, reason)
            self._answered.set()
            return
        self.refusal = None
        self._publish(Channel.STATUS, self._status(online=True), 0)
        with self._lock:
            self._connected.set()
            self._wake.notify_all()
        self._answered.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("device %s lost the broker (%s); storing until it is back", self.device, reason)

    def _on_publish(self, _c: mqtt.Client, _u: Any, mid: int, reason: Any, _p: Any) -> None:
        with self._flight:
            message_id = self._in_flight.pop(mid, None)
            if message_id is None:
                self._early[mid] = reason
                return
        self._settle(message_id, reason)

    # ------------------------------------------------------------ running

    def start(self) -> None:
        """Connect in the background and keep connecting; what is added meanwhile waits in the outbox."""
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        self._sender = threading.Thread(target=self._send_pending, name=f"device-{self.device}", daemon=True)
        self._sender.start()

    def connect(self, timeout_s: float = 10.0) -> None:
        """`start`, then wait for the broker's answer: `DeviceRefused` if it says no or stays silent."""
        self.start()
        if not self._answered.wait(timeout_s) or self.refusal:
            self.stop()
            raise DeviceRefused(f"{self.device} could not connect to {self.host}:{self.port}: "
                                f"{self.refusal or 'no answer'}")

    def wait_delivered(self, timeout_s: float) -> bool:
        """Flush, then wait until the broker has acknowledged everything in the outbox."""
        self.flush()
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while self.outbox.waiting():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.wait(min(remaining, 0.1))
        return True

    def drop_link(self) -> None:
        """Lose the link as a radio link is lost: the broker publishes the last will; nothing is sent until
        `restore_link`, and what the device adds meanwhile waits in the outbox."""
        self._connected.clear()
        self.client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, identifier=_DISCONNECT_WITH_WILL))
        self.client.loop_stop()

    def restore_link(self) -> None:
        """The link is back: connect again (saying so) and send what waited."""
        self._answered.clear()
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Wait until the broker has taken the connection; False if it has not in ``timeout_s``."""
        return self._connected.wait(timeout_s)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self) -> None:
        """Stop at once; what is not delivered stays in the outbox for the next start."""
        self._stop.set()
        with self._lock:
            self._wake.notify_all()
        if self._sender is not None:
            self._sender.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()

    def close(self, timeout_s: float = 10.0) -> bool:
        """Deliver what is waiting (up to ``timeout_s``), say goodbye, disconnect. True if nothing was left."""
        self.flush()
        delivered = self.wait_delivered(timeout_s) if self.connected else not self.outbox.waiting()
        if self.connected:
            goodbye = self._publish(Channel.STATUS, self._status(online=False, graceful=True), 0)
            if goodbye.rc == mqtt.MQTT_ERR_SUCCESS:
                goodbye.wait_for_publish(min(timeout_s, 5.0))
        self.stop()
        self.outbox.close()
        return delivered
