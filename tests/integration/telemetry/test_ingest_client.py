"""The ingester's paho client on a real Mosquitto: chunked reads lose nothing, batched acks reach the broker."""

from __future__ import annotations

import threading
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sandbox.telemetry.broker.dynsec import DynamicSecurity
from sandbox.telemetry.ingest.client import BufferedSocket, IngestClient
from tests.integration.telemetry.mqtt import INGESTER_PASSWORD, DeviceClient, until
from tests.services.mosquitto import ThrowawayMosquitto

TOPIC = "test/ingest-client"
PUBLISHER, PUBLISHER_PASSWORD = "ingest-client-test-publisher", "publisher-secret-for-tests"


@pytest.fixture(scope="module")
def broker(mosquitto: ThrowawayMosquitto) -> ThrowawayMosquitto:
    admin = DynamicSecurity("127.0.0.1", mosquitto.port, mosquitto.admin_username, mosquitto.admin_password)
    admin.ensure_ingester("sandbox-ingester", INGESTER_PASSWORD)
    admin.run([
        {"command": "createRole", "rolename": PUBLISHER,
         "acls": [{"acltype": "publishClientSend", "topic": f"{TOPIC}/#", "priority": 0, "allow": True}]},
        {"command": "createClient", "username": PUBLISHER, "password": PUBLISHER_PASSWORD,
         "roles": [{"rolename": PUBLISHER}]},
    ])
    return mosquitto


class Receiver:
    """An IngestClient on a persistent session that records what arrives and acknowledges on demand."""

    def __init__(self, port: int, client_id: str) -> None:
        self.port = port
        self.client = IngestClient(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                                   manual_ack=True)
        self.client.username_pw_set("sandbox-ingester", INGESTER_PASSWORD)
        self.received: list[tuple[bytes, int]] = []
        self.subscribed, self.disconnected = threading.Event(), threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(f"{TOPIC}/#", qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_disconnect = lambda *_: self.disconnected.set()
        self.client.on_message = lambda _c, _u, message: self.received.append((bytes(message.payload), message.mid))

    def connect(self) -> Receiver:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 300
        self.client.connect("127.0.0.1", self.port, clean_start=False, properties=properties)
        self.client.loop_start()
        assert self.subscribed.wait(10), "the receiver could not subscribe"
        return self

    def close(self) -> None:
        """Disconnect after what is queued — acknowledgements included — has been written."""
        self.client.disconnect()
        assert self.disconnected.wait(10), "the receiver did not disconnect"
        self.client.loop_stop()


def publish_burst(broker: ThrowawayMosquitto, count: int) -> None:
    device = DeviceClient(broker.port, PUBLISHER, PUBLISHER_PASSWORD)
    assert device.connect()
    for number in range(count):
        device.publish(f"{TOPIC}/{number % 7}", f"message {number:05d} ".encode() * (1 + number % 40))
    answers = device.wait_answers(count, timeout=30)
    assert not any(reason.is_failure for reason in answers.values())
    device.close()


def test_a_burst_arrives_whole_in_order_and_batched_acks_settle_it(broker: ThrowawayMosquitto) -> None:
    client_id = f"ingest-client-{uuid.uuid4().hex[:8]}"
    receiver = Receiver(broker.port, client_id).connect()
    assert isinstance(receiver.client.socket(), BufferedSocket)
    publish_burst(broker, 3_000)
    until(lambda: len(receiver.received) >= 3_000, 30, "3,000 messages")
    numbers = [int(payload.split()[1]) for payload, _ in receiver.received]
    assert numbers == list(range(3_000))  # nothing lost, nothing doubled, in the order sent
    receiver.client.ack_many(mid for _, mid in receiver.received[:2_900])  # the last hundred stay unacknowledged
    receiver.close()
    # The broker reads a connection's packets in turn: reconnecting before it has read the old
    # connection to its DISCONNECT would take the session over and drop the acks still unread.
    until(lambda: f"Client {client_id} disconnected." in broker.log(), 10, "the broker to see the disconnect")

    again = Receiver(broker.port, client_id).connect()
    until(lambda: len(again.received) >= 100, 10, "the unacknowledged messages delivered again")
    assert sorted(int(payload.split()[1]) for payload, _ in again.received) == list(range(2_900, 3_000))
    again.client.ack_many(mid for _, mid in again.received)
    again.close()

