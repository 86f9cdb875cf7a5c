"""The load generator of the ingest benchmark: publisher processes that connect as enrolled devices.

Messages are encoded before the clock starts and written as pre-built MQTT 5 PUBLISH packets, what is
due for each device in one write, so that the generator's own CPU, on the same cores as the system
measured, stays small. Each device keeps its messages in order and its own sequence numbers.
"""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["SAMPLE_SPACING_S", "Connection", "Job", "publisher"]

BURST = 200  # packets written per pass of the send loop, each device's share in one write
TICK_S = 0.001  # the pause when ahead of the offered rate or waiting for acknowledgements
SAMPLE_SPACING_S = 0.01  # samples of one device 10 ms apart, from a recent morning: always inside the accepted window


@dataclass(frozen=True)
class Job:
    port: int
    devices: list[tuple[str, str]]  # (device id, secret)
    trial: str
    samples_per_message: int
    seconds: float
    rate: float  # messages per second for this publisher; 0 = as fast as the broker takes them
    first_time: float  # sample time of the first sample (epoch seconds)


def sample(seq: int, first_time: float) -> Any:
    """A device's ``seq``-th sample of a steady spraying run inside the demo field, ``SAMPLE_SPACING_S`` apart."""
    from sandbox.telemetry import contract

    return contract.UavSample(seq=seq, t=datetime.fromtimestamp(first_time + seq * SAMPLE_SPACING_S, UTC),
                              lat=9.7805, lon=105.467, height_agl_m=20.0, ground_speed_mps=5.0, heading_deg=90.0,
                              battery_pct=80.0, flight_mode="AUTO", armed=True, spraying=True, flow_rate_lpm=2.0,
                              tank_level_l=10.0, swath_width_m=5.0, satellites=14)


def _payloads(job: Job, count: int) -> list[tuple[int, bytes]]:
    """Every message this publisher will send, encoded before the clock starts (device index, payload)."""
    from sandbox.telemetry import contract

    seqs = [0] * len(job.devices)
    out = []
    for number in range(count):
        index = number % len(job.devices)
        samples = []
        for _ in range(job.samples_per_message):
            seq = seqs[index]
            seqs[index] += 1
            samples.append(sample(seq, job.first_time))
        out.append((index, contract.encode(contract.Telemetry(samples=samples), "msgpack")))
    return out


class Connection:
    """A lean MQTT 5 publisher for load: pre-encoded PUBLISH packets written to a socket, PUBACKs counted
    by a reader thread, at most ``window`` unacknowledged (below the broker's receive maximum).

    paho costs tens of microseconds of Python per message; on a two-core machine that would measure
    the load generator, not the system. Packets are built with the ``mqtt5`` codec Sandbox uses;
    the PUBACKs coming back are counted from their first bytes, without building packet objects.
    """

    def __init__(self, port: int, client_id: str, password: str, window: int = 1000) -> None:
        import mqtt5

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(mqtt5.ConnectPacket(client_id, username=client_id, password=password.encode(),
                                              clean_start=True, keep_alive=0).write())
        reply, _ = mqtt5.read(memoryview(self.sock.recv(4096)))
        if not isinstance(reply, mqtt5.ConnAckPacket) or reply.reason_code != 0:
            raise RuntimeError(f"the broker refused {client_id}: {reply}")
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
        import mqtt5

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


def publisher(job: Job, ready: multiprocessing.Queue, go: multiprocessing.Event,
              results: multiprocessing.Queue) -> None:  # runs in a child process
    """Prepare the messages, connect, wait for the signal, publish them (paced or flat out), await PUBACKs.

    Encoding happens before the measurement so that the load generator's own CPU, on the same two
    cores, is spent on sending rather than on building samples.
    """
    import mqtt5

    from sandbox.telemetry import contract

    payloads = _payloads(job, int(job.rate * job.seconds) if job.rate else int(job.seconds * 20_000))
    topics = [contract.topic(job.trial, device, contract.Channel.TELEMETRY) for device, _ in job.devices]
    packets = [(index, mqtt5.PublishPacket(topics[index], payload, qos=mqtt5.QoS.AT_LEAST_ONCE,
                                           packet_id=number % 65535 + 1).write())
               for number, (index, payload) in enumerate(payloads)]
    connections = [Connection(job.port, device, secret) for device, secret in job.devices]
    ready.put(len(packets))
    go.wait()
    began = time.monotonic()
    sent = 0
    while sent < len(packets):
        elapsed = time.monotonic() - began
        if elapsed >= job.seconds:
            break
        due = len(packets) - sent if not job.rate else min(len(packets) - sent, int(job.rate * elapsed) + 1 - sent)
        burst: dict[int, list[bytes]] = {}
        for index, packet in packets[sent:sent + min(due, BURST)]:
            if len(burst.get(index, ())) >= connections[index].room():
                break  # the broker has as many of this device's messages unacknowledged as it allows
            burst.setdefault(index, []).append(packet)
            sent += 1
        for index, batch in burst.items():
            connections[index].send(batch)
        if not burst or (job.rate and sent > job.rate * (time.monotonic() - began)):
            time.sleep(TICK_S)
    seconds = time.monotonic() - began
    deadline = time.monotonic() + 300
    while sum(c.acked for c in connections) < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    for connection in connections:
        connection.close()
    results.put({"messages": sent, "samples": sent * job.samples_per_message, "seconds": seconds,
                 "acked": sum(c.acked - c.refused for c in connections)})
