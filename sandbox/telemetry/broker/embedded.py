"""The embedded MQTT 5 broker: what ``sandbox serve`` runs in-process when no broker is configured.

Enough MQTT 5 for Sandbox's devices and ingester, enforced the way Mosquitto's dynamic security
enforces it in production: every client authenticates; a device may publish only on its own
topics (``sandbox.telemetry.topics``) and may not subscribe; the ingester may subscribe to all.
QoS 0 and 1 (the maximum QoS announced is 1), persistent sessions with an expiry, the client's
receive maximum, shared subscriptions (``$share/group/filter``), last wills, keep-alive. Not
supported: QoS 2, retained messages, topic aliases. State lives in memory: a restart of the
process forgets queued messages, which is why production runs Mosquitto with persistence.

Packets are encoded and decoded by the ``mqtt5`` library; this module is the broker's logic.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

import mqtt5
from mqtt5 import (
    ConnAckReasonCode,
    DisconnectReasonCode,
    PubAckReasonCode,
    QoS,
    SubAckReasonCode,
    UnsubAckReasonCode,
)

__all__ = ["Authenticator", "EmbeddedBroker", "Identity", "topic_matches"]

log = logging.getLogger("sandbox.telemetry.broker")

MAX_PACKET_BYTES = 1024 * 1024
READ_CHUNK = 64 * 1024
CLEANUP_EVERY_S = 60


@dataclass(frozen=True, slots=True)
class Identity:
    """What an authenticated client may do."""

    publish: tuple[str, ...] = ()  # topic filters it may publish to
    subscribe: bool = False  # whether it may subscribe at all
    client_id: str | None = None  # the only client id it may use, if bound


class Authenticator(Protocol):
    def authenticate(self, client_id: str, username: str | None, password: bytes | None) -> Identity | None: ...


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT topic filter matching (``+`` one level, ``#`` the rest); ``$`` topics need an explicit first level."""
    if topic.startswith("$") and pattern[:1] in ("+", "#"):
        return False
    filter_levels, topic_levels = pattern.split("/"), topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels) or (level != "+" and level != topic_levels[index]):
            return False
    return len(filter_levels) == len(topic_levels)


@dataclass(slots=True)
class _Message:
    topic: str
    payload: bytes
    qos: int
    content_type: str | None = None


@dataclass(slots=True)
class _Subscription:
    pattern: str
    qos: int
    group: str | None = None


@dataclass
class _Session:
    client_id: str
    identity: Identity
    expiry_s: int = 0
    subscriptions: dict[str, _Subscription] = field(default_factory=dict)  # by the filter as subscribed
    queue: deque[_Message] = field(default_factory=deque)
    inflight: dict[int, _Message] = field(default_factory=dict)
    receive_max: int = 65535
    connection: _Connection | None = None
    disconnected_at: float | None = None
    _ids: itertools.cycle = field(default_factory=lambda: itertools.cycle(range(1, 65536)))

    def next_id(self) -> int:
        while True:
            candidate = next(self._ids)
            if candidate not in self.inflight:
                return candidate

    def pump(self) -> None:
        """Send queued QoS 1 messages while the client's receive maximum allows."""
        while self.connection is not None and self.queue and len(self.inflight) < self.receive_max:
            message = self.queue.popleft()
            packet_id = self.next_id()
            self.inflight[packet_id] = message
            self.connection.send(_publish(message, QoS.AT_LEAST_ONCE, packet_id))

    def deliver(self, message: _Message, qos: int) -> None:
        if qos == 0:
            if self.connection is not None:
                self.connection.send(_publish(message, QoS.AT_MOST_ONCE, None))
            return
        self.queue.append(message)
        self.pump()


def _publish(message: _Message, qos: QoS, packet_id: int | None, duplicate: bool = False) -> bytes:
    return mqtt5.PublishPacket(message.topic, message.payload, qos=qos, packet_id=packet_id, duplicate=duplicate,
                               content_type=message.content_type).write()


class _Connection:
    def __init__(self, broker: EmbeddedBroker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.broker, self.reader, self.writer = broker, reader, writer
        self.session: _Session | None = None
        self.will: _Message | None = None
        self.keep_alive = 0
        self.buffer = bytearray()
        self.closed = False

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.writer.write(data)

    async def next_packet(self) -> mqtt5.Packet | None:
        while True:
            if self.buffer:
                try:
                    packet, used = mqtt5.read(memoryview(self.buffer))
                except IndexError:
                    pass  # incomplete: read more
                else:
                    del self.buffer[:used]
                    return packet
            if len(self.buffer) > MAX_PACKET_BYTES + 8:
                raise ValueError("packet too large")
            timeout = self.keep_alive * 1.5 if self.keep_alive else None
            chunk = await asyncio.wait_for(self.reader.read(READ_CHUNK), timeout)
            if not chunk:
                return None
            self.buffer.extend(chunk)

    async def serve(self) -> None:
        graceful = False
        try:
            first = await asyncio.wait_for(self.next_packet(), 10)
            if not isinstance(first, mqtt5.ConnectPacket) or not await self.broker._connect(self, first):
                return
            while (packet := await self.next_packet()) is not None:
                if isinstance(packet, mqtt5.DisconnectPacket):
                    graceful = packet.reason_code != DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE
                    if packet.session_expiry_interval is not None and self.session:
                        self.session.expiry_s = packet.session_expiry_interval
                    break
                self.broker._handle(self, packet)
                await self.writer.drain()
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError) as exc:
            log.debug("connection closed: %s", exc)
        finally:
            self.closed = True
            self.broker._disconnected(self, graceful)
            self.writer.close()


class EmbeddedBroker:
    def __init__(self, authenticator: Authenticator, host: str = "127.0.0.1", port: int = 1883) -> None:
        self.authenticator, self.host, self.port = authenticator, host, port
        self.sessions: dict[str, _Session] = {}
        self._turn: dict[str, int] = {}  # round-robin position of each shared-subscription group
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._cleanup: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- running

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._cleanup = asyncio.create_task(self._expire_sessions())
        log.info("embedded MQTT broker listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._cleanup:
            self._cleanup.cancel()
        if self._server:
            self._server.close()
            for session in self.sessions.values():
                if session.connection:
                    session.connection.writer.close()
            await self._server.wait_closed()

    def start_in_thread(self) -> None:
        """Run on an event loop of its own, in a daemon thread; returns once it listens."""
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="embedded-mqtt", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the embedded MQTT broker did not start")

    def stop_thread(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _Connection(self, reader, writer).serve()

    async def _expire_sessions(self) -> None:
        while True:
            await asyncio.sleep(CLEANUP_EVERY_S)
            now = time.monotonic()
            for client_id, session in list(self.sessions.items()):
                if session.connection is None and session.disconnected_at is not None \
                        and now - session.disconnected_at > session.expiry_s:
                    del self.sessions[client_id]

    # ---------------------------------------------------------------- protocol

    async def _connect(self, connection: _Connection, packet: mqtt5.ConnectPacket) -> bool:
        client_id = packet.client_id or f"auto-{id(connection):x}"
        loop = asyncio.get_running_loop()
        identity = await loop.run_in_executor(
            None, self.authenticator.authenticate, client_id, packet.username, packet.password
        )
        if identity is None or (identity.client_id is not None and identity.client_id != client_id):
            code = ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD if identity is None else \
                ConnAckReasonCode.CLIENT_ID_NOT_VALID
            connection.send(mqtt5.ConnAckPacket(reason_code=code).write())
            await connection.writer.drain()
            return False
        existing = self.sessions.get(client_id)
        if existing is not None and existing.connection is not None:  # session takeover
            existing.connection.send(mqtt5.DisconnectPacket(reason_code=DisconnectReasonCode.SESSION_TAKEN_OVER).write())
            existing.connection.closed = True
            existing.connection.writer.close()
            existing.connection = None
        present = existing is not None and not packet.clean_start
        session = existing if present else _Session(client_id, identity)
        assert session is not None
        session.identity, session.expiry_s = identity, packet.session_expiry_interval
        session.receive_max, session.connection, session.disconnected_at = packet.receive_max, connection, None
        self.sessions[client_id] = session
        connection.session, connection.keep_alive = session, packet.keep_alive
        if packet.will is not None:
            connection.will = _Message(packet.will.topic, packet.will.payload or b"", int(packet.will.qos),
                                       packet.will.content_type)
        connection.send(mqtt5.ConnAckPacket(
            session_present=present, max_qos=QoS.AT_LEAST_ONCE, retain_available=False, topic_alias_max=0,
            max_packet_size=MAX_PACKET_BYTES, assigned_client_id=None if packet.client_id else client_id,
            shared_subscription_available=True, subscription_id_available=False,
        ).write())
        for packet_id, message in session.inflight.items():  # resend what was not acknowledged, in order
            connection.send(_publish(message, QoS.AT_LEAST_ONCE, packet_id, duplicate=True))
        session.pump()
        return True

    def _handle(self, connection: _Connection, packet: mqtt5.Packet) -> None:
        session = connection.session
        assert session is not None
        if isinstance(packet, mqtt5.PublishPacket):
            self._on_publish(connection, session, packet)
        elif isinstance(packet, mqtt5.PubAckPacket):
            session.inflight.pop(packet.packet_id, None)
            session.pump()
        elif isinstance(packet, mqtt5.SubscribePacket):
            codes = [self._subscribe(session, topic_filter) for topic_filter in packet.topic_filters]
            connection.send(mqtt5.SubAckPacket(packet.packet_id, codes).write())
        elif isinstance(packet, mqtt5.UnsubscribePacket):
            for pattern in packet.patterns:
                session.subscriptions.pop(pattern, None)
            connection.send(mqtt5.UnsubAckPacket(packet.packet_id, [UnsubAckReasonCode.SUCCESS] * len(packet.patterns)).write())
        elif isinstance(packet, mqtt5.PingReqPacket):
            connection.send(mqtt5.PingRespPacket().write())
        else:
            raise ValueError(f"unsupported packet {type(packet).__name__}")

    def _on_publish(self, connection: _Connection, session: _Session, packet: mqtt5.PublishPacket) -> None:
        if packet.qos == QoS.EXACTLY_ONCE:
            connection.send(mqtt5.DisconnectPacket(reason_code=DisconnectReasonCode.QOS_NOT_SUPPORTED).write())
            raise ValueError("QoS 2 is not supported")
        allowed = any(topic_matches(pattern, packet.topic) for pattern in session.identity.publish)
        if allowed:
            delivered = self.route(_Message(packet.topic, packet.payload, int(packet.qos), packet.content_type))
            code = PubAckReasonCode.SUCCESS if delivered else PubAckReasonCode.NO_MATCHING_SUBSCRIBERS
        else:
            log.warning("client %s may not publish on %s", session.client_id, packet.topic)
            code = PubAckReasonCode.NOT_AUTHORIZED
        if packet.qos == QoS.AT_LEAST_ONCE:
            connection.send(mqtt5.PubAckPacket(packet.packet_id, reason_code=code).write())

    def _subscribe(self, session: _Session, topic_filter: mqtt5.TopicFilter) -> SubAckReasonCode:
        if not session.identity.subscribe:
            return SubAckReasonCode.NOT_AUTHORIZED
        pattern, group = topic_filter.pattern, None
        if pattern.startswith("$share/"):
            _, group, pattern = pattern.split("/", 2)
        qos = min(int(topic_filter.max_qos), 1)
        session.subscriptions[topic_filter.pattern] = _Subscription(pattern, qos, group)
        return SubAckReasonCode(qos)

    def route(self, message: _Message) -> bool:
        """Deliver to every matching subscriber, and to one member of each matching shared group."""
        direct: dict[str, int] = {}
        groups: dict[str, list[tuple[_Session, int]]] = {}
        for session in self.sessions.values():
            for subscription in session.subscriptions.values():
                if not topic_matches(subscription.pattern, message.topic):
                    continue
                qos = min(subscription.qos, message.qos)
                if subscription.group is None:
                    direct[session.client_id] = max(direct.get(session.client_id, 0), qos)
                else:
                    groups.setdefault(subscription.group, []).append((session, qos))
        for client_id, qos in direct.items():
            self.sessions[client_id].deliver(message, qos)
        for group, members in groups.items():
            connected = [member for member in members if member[0].connection is not None] or members
            turn = self._turn.get(group, 0)
            session, qos = connected[turn % len(connected)]
            self._turn[group] = turn + 1
            session.deliver(message, qos)
        return bool(direct or groups)

    def _disconnected(self, connection: _Connection, graceful: bool) -> None:
        session = connection.session
        if session is None or session.connection is not connection:
            return
        session.connection, session.disconnected_at = None, time.monotonic()
        will = connection.will
        if will is not None and not graceful and any(topic_matches(p, will.topic) for p in session.identity.publish):
            self.route(will)
        if session.expiry_s == 0:
            del self.sessions[session.client_id]
