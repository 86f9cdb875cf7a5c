"""The ingester's paho client: chunked reads served from memory, PUBACKs built back to back."""

from __future__ import annotations

import socket
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from sandbox.telemetry.ingest.client import READ_CHUNK, BufferedSocket, IngestClient, puback_packets
from sims.load import count_pubacks


@pytest.fixture
def pair() -> Any:
    left, right = socket.socketpair()
    right.setblocking(False)
    yield left, BufferedSocket(right)
    left.close()
    right.close()


def test_small_reads_come_from_one_chunk_and_pending_counts_what_is_left(pair: Any) -> None:
    writer, buffered = pair
    writer.sendall(b"\x30\x05hello\x30\x03abc")
    assert buffered.recv(1) == b"\x30"  # this read takes everything the kernel has…
    writer.sendall(b"late")
    assert buffered.pending() == 11
    assert buffered.recv(1) == b"\x05"
    assert buffered.recv(5) == b"hello"
    assert buffered.recv(100) == b"\x30\x03abc"  # …a read never runs past the chunk it has
    assert buffered.pending() == 0
    assert buffered.recv(100) == b"late"


def test_an_empty_buffer_on_a_quiet_socket_raises_like_the_socket(pair: Any) -> None:
    _, buffered = pair
    with pytest.raises(BlockingIOError):
        buffered.recv(1)


def test_a_closed_connection_reads_as_empty(pair: Any) -> None:
    writer, buffered = pair
    writer.sendall(b"x")
    writer.close()
    assert buffered.recv(10) == b"x"
    assert buffered.recv(10) == b""


def test_everything_else_is_the_socket(pair: Any) -> None:
    _, buffered = pair
    assert buffered.fileno() == buffered._sock.fileno()
    assert READ_CHUNK >= 4096


def test_pubacks_are_the_packets_paho_would_send_one_by_one() -> None:
    packets = puback_packets([1, 300, 65535])
    assert packets == b"\x40\x02\x00\x01" + b"\x40\x02\x01\x2c" + b"\x40\x02\xff\xff"
    assert count_pubacks(packets) == (12, 3, 0)
    assert puback_packets([]) == b""


def test_the_load_generator_counts_refusals_and_waits_for_partial_packets() -> None:
    refused = b"\x40\x03\x00\x07\x87"  # PUBACK, reason 0x87 not authorised
    assert count_pubacks(refused + b"\x40\x02\x00") == (5, 1, 1)


def test_paho_still_has_what_ingest_client_builds_on() -> None:
    # IngestClient overrides _create_socket and calls _packet_queue: if paho renames them, fail here.
    assert callable(mqtt.Client._create_socket)
    client = IngestClient(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, manual_ack=True)
    assert not client.want_write()
    client.ack_many([1, 2])
    assert client.want_write()
    assert client._out_packet[0]["packet"] == puback_packets([1, 2])
