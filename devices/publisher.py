"""Publishing as one enrolled device: its credentials, its topics, numbered items, QoS 1.

    publisher = Publisher("127.0.0.1", 1883, trial="SB-2026-0001", device=device_id, secret=secret)
    publisher.connect()
    publisher.telemetry([UavSample(seq=publisher.next_seq(Channel.TELEMETRY), t=..., ...)])
    publisher.close()

The MQTT username is the device id and the password the secret shown once at enrolment. On
connect the device says it is online on its status topic, and leaves a last will saying it went
offline without warning; ``close()`` says goodbye gracefully. paho resends unacknowledged QoS 1
messages after a reconnect; Sandbox stores each (device, channel, seq) once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sandbox.telemetry.contract import (
    CONTENT_TYPES,
    Channel,
    DeviceStatus,
    Encoding,
    Events,
    Telemetry,
    encode,
    topic,
)

__all__ = ["PublishRefused", "Publisher"]


class PublishRefused(RuntimeError):
    """The broker refused the connection (wrong credentials, not enrolled) or did not answer."""


class Publisher:
    def __init__(self, host: str, port: int, *, trial: str, device: str, secret: str,
                 encoding: Encoding = "msgpack", firmware: str | None = None) -> None:
        self.trial, self.device, self.encoding, self.firmware = trial, device, encoding, firmware
        self.host, self.port = host, port
        self._seqs = dict.fromkeys(Channel, 0)
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._refusal: str | None = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(device, secret)
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self._properties = Properties(PacketTypes.PUBLISH)
        self._properties.ContentType = CONTENT_TYPES[encoding]

    def next_seq(self, channel: Channel) -> int:
        """The next sequence number of ``channel``: one more for every item the device produces."""
        with self._lock:
            seq = self._seqs[channel]
            self._seqs[channel] = seq + 1
            return seq

    def _status(self, online: bool, graceful: bool = False) -> bytes:
        status = DeviceStatus(seq=self.next_seq(Channel.STATUS), t=datetime.now(UTC), online=online,
                              graceful=graceful, firmware=self.firmware)
        return encode(status, self.encoding)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self._refusal = str(reason)
            self._connected.set()
            client.disconnect()
            return
        self._publish(Channel.STATUS, self._status(online=True))
        self._connected.set()

    def connect(self, timeout_s: float = 10.0) -> None:
        self.client.will_set(topic(self.trial, self.device, Channel.STATUS), self._status(online=False), qos=1,
                             properties=self._properties)
        self.client.connect(self.host, self.port)
        self.client.loop_start()
        if not self._connected.wait(timeout_s) or self._refusal:
            self.client.loop_stop()
            raise PublishRefused(f"{self.device} could not connect to {self.host}:{self.port}: "
                                 f"{self._refusal or 'no answer'}")

    def _publish(self, channel: Channel, payload: bytes) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic(self.trial, self.device, channel), payload, qos=1,
                                   properties=self._properties)

    def telemetry(self, samples: list[Any]) -> mqtt.MQTTMessageInfo:
        return self._publish(Channel.TELEMETRY, encode(Telemetry(samples=samples), self.encoding))

    def events(self, events: list[Any]) -> mqtt.MQTTMessageInfo:
        return self._publish(Channel.EVENT, encode(Events(events=events), self.encoding))

    def close(self, timeout_s: float = 5.0) -> None:
        """Say goodbye (a graceful offline status), wait for what is in flight, disconnect."""
        if self.client.is_connected():
            self._publish(Channel.STATUS, self._status(online=False, graceful=True)).wait_for_publish(timeout_s)
        self.client.disconnect()
        self.client.loop_stop()
