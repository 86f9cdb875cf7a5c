"""Load mode: N devices × a message rate on the broker, and a report of what was sent and acknowledged.

    offered = offer("127.0.0.1", 1883, Load(trial="SB-2026-0001", devices=[(id, secret), …],
                                            samples_per_message=100, messages_per_s=1_500, seconds=30,
                                            first_time=…))
    offered.messages, offered.samples, offered.acked, offered.refused

The benchmark (`bench.ingest`) and ``sandbox sim`` with a load scenario drive it. Publisher processes
(``publishers``) share the devices; each device sends a steady spraying run (a drone's samples
``SAMPLE_SPACING_S`` apart over one spot of the field), numbered from 0, in order, QoS 1.
Messages are encoded before the clock starts and written as pre-built MQTT 5 PUBLISH packets, what is
due for each device in one write, so that the generator's own CPU, on the same cores as the system
measured, stays small.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import mqtt5

from sandbox.telemetry.contract import MAX_ITEMS_PER_MESSAGE, Channel, Telemetry, UavSample, encode, topic

__all__ = ["SAMPLE_SPACING_S", "Connection", "Load", "Offered", "offer", "sample"]

BURST = 200  # packets written per pass of the send loop, each device's share in one write
TICK_S = 0.001  # the pause when ahead of the offered rate or waiting for acknowledgements
SAMPLE_SPACING_S = 0.01  # a device's samples 10 ms apart
FLAT_OUT_SAMPLES_PER_S = 200_000  # prepared per second of a flat-out run (twice what the ingester stores)
ACK_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Load:
    """What to offer: which devices, how many samples a message, how many messages a second, how long."""

    trial: str
    devices: list[tuple[str, str]]  # (device id, secret)
    first_time: float  # sample time of every device's first sample (epoch seconds)
    samples_per_message: int = 100
    messages_per_s: float = 0.0  # all devices together; 0 = as fast as the broker takes them
    seconds: float = 30.0
    publishers: int = 1  # processes sharing the devices
    where: tuple[float, float] = (9.7805, 105.467)  # (lat, lon) the drones spray over (the Vị Tân field)

    def __post_init__(self) -> None:
        if not self.devices:
            raise ValueError("a load needs at least one device")
        if not 1 <= self.samples_per_message <= MAX_ITEMS_PER_MESSAGE:
            raise ValueError(f"samples_per_message must be 1..{MAX_ITEMS_PER_MESSAGE}")
        if self.messages_per_s < 0 or self.seconds <= 0 or not 1 <= self.publishers <= len(self.devices):
            raise ValueError("messages_per_s ≥ 0, seconds > 0 and 1 ≤ publishers ≤ devices")

    @property
    def messages(self) -> int:
        """Messages prepared: the offered rate over the time, or enough to go flat out."""
        if self.messages_per_s:
            return max(1, int(self.messages_per_s * self.seconds))
        return max(1, int(FLAT_OUT_SAMPLES_PER_S * self.seconds / self.samples_per_message))

    @property
    def span_s(self) -> float:
        """Sample time from a device's first sample to its last."""
        per_device = -(-self.messages // len(self.devices)) * self.samples_per_message
        return per_device * SAMPLE_SPACING_S


@dataclass
class Offered:
    """What a load sent: messages and samples written, acknowledged by the broker, refused by it."""

    messages: int = 0
    samples: int = 0
    acked: int = 0
    refused: int = 0
    seconds: float = 0.0  # publishing time (the slowest publisher's)
    publishers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def samples_per_s(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0


def sample(seq: int, first_time: float, where: tuple[float, float] = Load.where) -> UavSample:
    """A device's ``seq``-th sample of a steady spraying run, ``SAMPLE_SPACING_S`` after the one before."""
    return UavSample(seq=seq, t=datetime.fromtimestamp(first_time + seq * SAMPLE_SPACING_S, UTC),
                              lat=where[0], lon=where[1], height_agl_m=20.0, ground_speed_mps=5.0, heading_deg=90.0,
                              battery_pct=80.0, flight_mode="AUTO", armed=True, spraying=True, flow_rate_lpm=2.0,
                              tank_level_l=10.0, swath_width_m=5.0, satellites=14)


def offer(host: str, port: int, load: Load, tick: Callable[[], None] | None = None) -> Offered:
    """Publish the load from ``load.publishers`` processes and wait until the broker has acknowledged it.

    The processes prepare their messages and connect first; the clock starts when all are ready. ``tick``
    is called about once a second while they publish (the benchmark watches the database with it).
    """
    context = multiprocessing.get_context("spawn")
    results, ready, go = context.Queue(), context.Queue(), context.Event()
    shares = [load.devices[i::load.publishers] for i in range(load.publishers)]
    parts = [replace(load, devices=share, publishers=1, messages_per_s=load.messages_per_s * len(share) / len(load.devices))
             for share in shares]
    processes = [context.Process(target=publisher, args=(host, port, part, ready, go, results), daemon=True)
                 for part in parts]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            answer = ready.get(timeout=600)
            if isinstance(answer, str):
                raise ConnectionError(answer)
        go.set()
        while any(process.is_alive() for process in processes) and results.qsize() < len(processes):
            if tick is not None:
                tick()
            time.sleep(1)
        reports = [results.get(timeout=ACK_TIMEOUT_S + 60) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
    return Offered(messages=sum(r["messages"] for r in reports), samples=sum(r["samples"] for r in reports),
                   acked=sum(r["acked"] for r in reports), refused=sum(r["refused"] for r in reports),
                   seconds=max(r["seconds"] for r in reports), publishers=reports)


class Connection:
    """A lean MQTT 5 publisher for load: pre-encoded PUBLISH packets written to a socket, PUBACKs counted
    by a reader thread, at most ``window`` unacknowledged (below the broker's receive maximum).

    paho costs tens of microseconds of Python per message; on a two-core machine that would measure
    the load generator, not the system. Packets are built with the ``mqtt5`` codec Sandbox uses;
    the PUBACKs coming back are counted from their first bytes, without building packet objects.
    """

    def __init__(self, host: str, port: int, client_id: str, password: str, window: int = 1000) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(mqtt5.ConnectPacket(client_id, username=client_id, password=password.encode(),
                                              clean_start=True, keep_alive=0).write())
        reply, _ = mqtt5.read(memoryview(self.sock.recv(4096)))
        if not isinstance(reply, mqtt5.ConnAckPacket) or reply.reason_code != 0:
            self.sock.close()
            raise ConnectionRefusedError(f"the broker refused {client_id}: {reply}")
        self.window = min(window, reply.receive_max)
        self.sent = 0
        self.acked = 0
        self.refused = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        buffer = b""
        while chunk := self.sock.recv(1 << 16):
            buffer += chunk
            used, acked, refused = count_pubacks(buffer)
            buffer = buffer[used:]
            self.refused += refused
            self.acked += acked

    def room(self) -> int:
        """How many more packets may be in flight now."""
        return self.window - (self.sent - self.acked)

    def send(self, packets: list[bytes]) -> None:
        self.sent += len(packets)
        self.sock.sendall(b"".join(packets))

    def close(self) -> None:
        self.sock.sendall(mqtt5.DisconnectPacket().write())
        self.sock.close()


def count_pubacks(data: bytes) -> tuple[int, int, int]:
    """(bytes of whole packets, PUBACKs, PUBACKs refusing) at the start of ``data``.

    A broker's PUBACK is short: remaining length under 128, so its length is one byte; the reason
    code, when present, follows the packet id.
    """
    position = acked = refused = 0
    while position + 2 <= len(data):
        length = data[position + 1]
        if length & 0x80:
            raise ValueError("a packet longer than a PUBACK came from the broker")
        end = position + 2 + length
        if end > len(data):
            break
        if data[position] == 0x40:
            acked += 1
            refused += length >= 3 and data[position + 4] >= 0x80
        position = end
    return position, acked, refused


def _payloads(load: Load) -> list[tuple[int, bytes]]:
    """Every message of this publisher, encoded before the clock starts: (device index, payload)."""
    seqs = [0] * len(load.devices)
    out = []
    for number in range(load.messages):
        index = number % len(load.devices)
        first = seqs[index]
        seqs[index] += load.samples_per_message
        samples = [sample(seq, load.first_time, load.where) for seq in range(first, first + load.samples_per_message)]
        out.append((index, encode(Telemetry(samples=samples), "msgpack")))
    return out


def publisher(host: str, port: int, load: Load, ready: multiprocessing.Queue, go: multiprocessing.Event,
              results: multiprocessing.Queue) -> None:  # runs in a child process
    """Prepare the messages, connect, wait for the signal, publish them (paced or flat out), await PUBACKs."""
    payloads = _payloads(load)
    topics = [topic(load.trial, device, Channel.TELEMETRY) for device, _ in load.devices]
    packets = [(index, mqtt5.PublishPacket(topics[index], payload, qos=mqtt5.QoS.AT_LEAST_ONCE,
                                           packet_id=number % 65535 + 1).write())
               for number, (index, payload) in enumerate(payloads)]
    try:
        connections = [Connection(host, port, device, secret) for device, secret in load.devices]
    except OSError as exc:
        ready.put(f"{host}:{port}: {exc}")
        return
    ready.put(len(packets))
    go.wait()
    rate = load.messages_per_s
    began = time.monotonic()
    sent = 0
    while sent < len(packets):
        elapsed = time.monotonic() - began
        if elapsed >= load.seconds:
            break
        due = len(packets) - sent if not rate else min(len(packets) - sent, int(rate * elapsed) + 1 - sent)
        burst: dict[int, list[bytes]] = {}
        for index, packet in packets[sent:sent + min(due, BURST)]:
            if len(burst.get(index, ())) >= connections[index].room():
                break  # the broker has as many of this device's messages unacknowledged as it allows
            burst.setdefault(index, []).append(packet)
            sent += 1
        for index, batch in burst.items():
            connections[index].send(batch)
        if not burst or (rate and sent > rate * (time.monotonic() - began)):
            time.sleep(TICK_S)
    seconds = time.monotonic() - began
    deadline = time.monotonic() + ACK_TIMEOUT_S
    while sum(c.acked for c in connections) < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    for connection in connections:
        connection.close()
    results.put({"messages": sent, "samples": sent * load.samples_per_message, "seconds": seconds,
                 "acked": sum(c.acked - c.refused for c in connections),
                 "refused": sum(c.refused for c in connections)})
