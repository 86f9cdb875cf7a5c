"""The MQTT consumer: paho-mqtt 2 on MQTT 5, a persistent session, QoS 1, ack after commit.

paho's network thread hands every message to a queue. A writer thread takes batches from it —
what is waiting, plus what arrives until the stream pauses for ``IDLE_GAP_S`` or the oldest
message has waited ``FLUSH_INTERVAL_S``, at most ``MAX_BATCH_MESSAGES`` — runs them through the
pipeline in one transaction and only then acknowledges them, all in one write (paho's manual
ack, `IngestClient.ack_many`). Under load batches grow and commits amortise; when it is quiet a
message waits only a few milliseconds. If the database is down the batch is retried, not
acknowledged; the broker stops sending once ``RECEIVE_MAXIMUM`` messages await their
acknowledgement, which bounds memory. A batch refused for what it holds, or one that trips a fault
of ours, is written message by message: the message at fault is dead-lettered ("unstorable", with
the reason) and the others are stored; all are acknowledged.

A connection that drops while a batch is being written makes its acknowledgements meaningless
(message ids belong to a connection); they are skipped, the broker delivers the messages again,
and the store's deduplication absorbs the repeat.

Several ingesters share the stream when they subscribe in one group (``SANDBOX_INGEST_SHARE_GROUP``,
an MQTT 5 shared subscription). Mosquitto 2.0 does not restore shared subscriptions when it
restarts: until the ingesters have reconnected, devices publishing are answered "no matching
subscribers". A single ingester (the default) holds a plain persistent subscription, which the
broker restores from its persistence file with the session. And a member that leaves the group
for good leaves a persistent session that keeps receiving its share until it expires: remove it
from the broker when an ingester is decommissioned.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError

from sandbox.clock import utcnow
from sandbox.config import Settings
from sandbox.telemetry.ingest.client import IngestClient
from sandbox.telemetry.ingest.keeper import RollupKeeper
from sandbox.telemetry.ingest.messages import Received
from sandbox.telemetry.ingest.pipeline import Pipeline
from sandbox.telemetry.rules.silence import CHECK_EVERY, check_silence
from sandbox.telemetry.topics import INGEST_FILTERS

__all__ = ["Consumer"]

log = logging.getLogger("sandbox.telemetry")

FLUSH_INTERVAL_S = 0.025  # bounds ingest lag: a message waits at most this long for its batch
IDLE_GAP_S = 0.005  # a pause this long in the stream closes the batch early
MAX_BATCH_MESSAGES = 5_000  # bounds a transaction's size and a retry's cost…
MAX_BATCH_BYTES = 4 * 1024 * 1024  # …also for messages of many samples each
RECEIVE_MAXIMUM = 20_000  # unacknowledged messages the broker may send us: the in-memory bound
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps our queue a week if every ingester is down
RETRY_BACKOFF_S = (0.5, 1, 2, 5)  # waits between attempts when the database refuses a batch


@dataclass(frozen=True, slots=True)
class _Delivery:
    message: Received
    connection: int  # which connection it came on: an ack is only valid on that one
    arrived: float  # time.monotonic() when paho handed it over


class Consumer:
    def __init__(self, settings: Settings, pipeline: Pipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.keeper = RollupKeeper(pipeline.engine, busy=lambda: self._queue.qsize() >= MAX_BATCH_MESSAGES)
        group = settings.ingest_share_group
        self.filters = [f"$share/{group}/{f}" if group else f for f in INGEST_FILTERS]
        self._queue: queue.Queue[_Delivery] = queue.Queue()
        self._last_arrival = 0.0  # time.monotonic() of the newest message
        self._writing = False
        self._connection = 0
        self._connected, self._disconnected = threading.Event(), threading.Event()
        self._stop = threading.Event()
        self._silence_checked = datetime.min.replace(tzinfo=UTC)
        self.client = IngestClient(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.ingester_id,
                                   protocol=mqtt.MQTTv5, manual_ack=True)
        self.client.username_pw_set(settings.mqtt_username, settings.mqtt_password or None)
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # ------------------------------------------------------------ paho's thread

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("the broker refused the ingester's connection: %s", reason)
            return
        self._connection += 1
        options = SubscribeOptions(qos=1)
        client.subscribe([(topic, options) for topic in self.filters])
        log.info("ingester %s connected (session present: %s)", self.settings.ingester_id, flags.session_present)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[Any], _p: Any) -> None:
        refused = [str(reason) for reason in reasons if reason.is_failure]
        if refused:
            log.error("the broker refused the ingester's subscriptions: %s", ", ".join(refused))
            return
        log.info("ingester %s subscribed to %s", self.settings.ingester_id, ", ".join(self.filters))
        self._connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()
        self._disconnected.set()
        self._connection += 1  # acknowledgements of the old connection must not be sent on the next
        if not self._stop.is_set():
            log.warning("ingester disconnected from the broker (%s); reconnecting", reason)

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        content_type = getattr(message.properties, "ContentType", None) if message.properties else None
        received = Received(message.topic, bytes(message.payload), utcnow(), content_type, message.mid, message.qos)
        self._last_arrival = time.monotonic()
        self._queue.put(_Delivery(received, self._connection, self._last_arrival))

    # ------------------------------------------------------------ the writer thread

    def _next_batch(self) -> list[_Delivery]:
        try:
            first = self._queue.get(timeout=FLUSH_INTERVAL_S)
        except queue.Empty:
            return []
        # The wait is counted from the oldest message's arrival: a backlog that built up while the
        # last batch was being written goes out at once, so a message waits at most
        # FLUSH_INTERVAL_S for its batch. (Counting from when the writer takes the first message
        # let the p99 lag at half load reach 288 ms; see BENCHMARKS.md.)
        batch, deadline = [first], first.arrived + FLUSH_INTERVAL_S
        size = len(first.message.payload)
        while len(batch) < MAX_BATCH_MESSAGES and size < MAX_BATCH_BYTES:
            try:
                batch.append(self._queue.get_nowait())
                size += len(batch[-1].message.payload)
                continue
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=min(IDLE_GAP_S, remaining)))
                size += len(batch[-1].message.payload)
            except queue.Empty:
                break  # the stream paused: write what we have
        return batch

    def _write(self, batch: list[_Delivery]) -> None:
        """Commit a batch, then acknowledge it. While the database is away the batch is retried; a batch it
        refuses for what is in it (or that trips a fault of ours) is written message by message, and a message
        that cannot be stored is dead-lettered with the reason: acknowledged either way, never left hanging
        (an unacknowledged message holds one of the broker's ``RECEIVE_MAXIMUM`` places until a reconnect)."""
        messages = [d.message for d in batch]
        try:
            written = self._until_committed(lambda: self.pipeline.process(messages), len(messages))
        except Exception as exc:  # whatever it is: find the message, keep the others
            log.error("a batch of %d messages was refused (%s); writing them one by one", len(batch),
                      _why(exc), exc_info=not isinstance(exc, DBAPIError))
            written = all(self._until_committed(lambda m=m: self._write_one(m), 1) for m in messages)
        if not written:
            return  # shutting down: unacknowledged, the broker will deliver them again
        connection = self._connection
        self.client.ack_many(d.message.mid for d in batch if d.connection == connection and d.message.qos == 1)

    def _until_committed(self, write: Callable[[], object], size: int) -> bool:
        """Run ``write`` until the database takes it, waiting longer each time it is away; False when the
        ingester stops first. Any other failure is the caller's."""
        attempt = 0
        while True:
            try:
                write()
                return True
            except Exception as exc:
                if not _database_away(exc):
                    raise
                wait = RETRY_BACKOFF_S[min(attempt, len(RETRY_BACKOFF_S) - 1)]
                log.warning("could not commit a batch of %d messages (%s); retrying in %.1f s",
                            size, exc.__class__.__name__, wait)
                attempt += 1
                if self._stop.wait(wait):
                    return False

    def _write_one(self, message: Received) -> None:
        try:
            self.pipeline.process([message])
        except Exception as exc:
            if _database_away(exc):
                raise
            self.pipeline.refuse(message, "unstorable", _why(exc))

    def _watch_silence(self) -> None:
        now = utcnow()
        if now - self._silence_checked < CHECK_EVERY:
            return
        self._silence_checked = now
        try:
            with self.pipeline.sessions.begin() as db:
                check_silence(db, self.pipeline.registry, now)
        except DBAPIError as exc:
            log.warning("the silence check could not run (%s)", exc.__class__.__name__)

    def _writer(self) -> None:
        while not self._stop.is_set() or not self._queue.empty():
            self._watch_silence()
            batch = self._next_batch()
            if batch:
                self._writing = True
                try:
                    self._write(batch)
                except Exception:
                    # An unexpected failure must not kill the writer; the messages stay unacknowledged.
                    log.exception("a batch of %d messages failed; the broker will deliver it again", len(batch))
                finally:
                    self._writing = False

    # ------------------------------------------------------------ running

    def start(self) -> None:
        host, port = self.settings.mqtt_address
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self.client.connect_async(host, port, keepalive=30, clean_start=False, properties=properties)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._writer, name="ingest-writer", daemon=True)
        self._thread.start()
        self.keeper.start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def wait_idle(self, quiet_s: float, timeout_s: float) -> bool:
        """Wait until everything received is written and nothing has arrived for ``quiet_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._queue.empty() and not self._writing and time.monotonic() - self._last_arrival >= quiet_s:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop taking messages, write what was received, acknowledge it, disconnect."""
        self._stop.set()
        self.keeper.stop()
        self._thread.join(timeout=30)
        self._disconnected.clear()
        if self.client.disconnect() == mqtt.MQTT_ERR_SUCCESS:
            self._disconnected.wait(5)  # paho writes what is queued, the last acknowledgements too, then DISCONNECT
        self.client.loop_stop()


def _database_away(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection: try again later. Refusals of what the
    batch holds (bad data, a broken constraint, a statement it rejects) are not that."""
    return isinstance(exc, DBAPIError) and not isinstance(exc, (DataError, IntegrityError, ProgrammingError))


def _why(exc: BaseException) -> str:
    """A dead letter's detail: the database's own first line, or what failed in ours."""
    if isinstance(exc, DBAPIError):
        return str(exc.orig).splitlines()[0]
    return f"{exc.__class__.__name__}: {exc}".splitlines()[0]
