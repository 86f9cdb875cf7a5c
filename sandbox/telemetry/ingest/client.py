"""paho's MQTT client with the I/O a consumer of thousands of messages a second needs.

paho 2.2 reads every packet with three or more ``recv`` calls (its fixed header a byte at a time),
goes back to ``select`` after each packet, and sends each manual acknowledgement as a packet of
its own, waking its network thread every time. At ten thousand messages a second those system
calls are most of what an ingester does. `IngestClient` keeps paho's protocol handling — session,
keep-alive, reconnects, MQTT 5 properties — and changes only the I/O around it:

- the socket is read in 64 KiB chunks and paho's small reads are served from memory
  (`BufferedSocket`, standing in for the socket as paho's own WebSocket wrapper does);
- one pass of the network loop handles every packet already received, not just one;
- `ack_many` queues the PUBACKs of a committed batch as a single write.

It overrides paho's ``_create_socket`` and calls its ``_packet_queue``; paho is pinned to 2.2 in
pyproject.toml and tests/unit/test_ingest_client.py fails if either moves.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

__all__ = ["BufferedSocket", "IngestClient", "puback_packets"]

READ_CHUNK = 64 * 1024
MAX_PACKETS_PER_PASS = 2_000  # then let the loop send acknowledgements and keep-alives
_PUBACK = struct.Struct("!BBH")


class BufferedSocket:
    """A socket whose reads come from a buffer filled a chunk at a time.

    ``pending()`` tells paho's loop that bytes are waiting in memory (it asks TLS sockets the
    same), so it does not block in ``select`` while a packet sits in the buffer. Everything else
    is the socket's own.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._data = b""
        self._offset = 0

    def recv(self, size: int) -> bytes:
        if self._offset >= len(self._data):
            data = self._sock.recv(max(size, READ_CHUNK))  # BlockingIOError when nothing is there
            if not data:
                return b""  # the broker closed the connection
            self._data, self._offset = data, 0
        start = self._offset
        self._offset = min(start + size, len(self._data))
        return self._data[start:self._offset]

    def pending(self) -> int:
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._data) - self._offset + inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def puback_packets(mids: Iterable[int]) -> bytes:
    """PUBACK packets, reason "success" and no properties (valid in MQTT 3.1.1 and 5), back to back."""
    return b"".join(_PUBACK.pack(mqtt.PUBACK, 2, mid) for mid in mids)


class IngestClient(mqtt.Client):
    """A paho client that reads in chunks, drains what it has read, and acknowledges in batches."""

    def _create_socket(self) -> Any:
        return BufferedSocket(super()._create_socket())

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        rc = super().loop_read(max_packets)
        for _ in range(MAX_PACKETS_PER_PASS):
            sock = self._sock
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or not isinstance(sock, BufferedSocket) or not sock.pending():
                break
            rc = super().loop_read(max_packets)
        return rc

    def ack_many(self, mids: Iterable[int]) -> None:
        """Acknowledge QoS 1 messages of this connection in one write (``manual_ack`` clients only)."""
        packets = puback_packets(mids)
        if packets:
            self._packet_queue(mqtt.PUBACK, packets, 0, 0)
