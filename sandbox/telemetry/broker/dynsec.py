"""Device accounts in Mosquitto's dynamic-security plugin, managed over MQTT (``$CONTROL``).

Each device gets a client (username = client id = device id) and a role allowing it to publish
on its own topics only; the ingester gets a role to subscribe to everything it reads. Commands
go as JSON to ``$CONTROL/dynamic-security/v1`` and the answers come back on ``…/response``.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from sandbox.errors import BrokerUnavailable
from sandbox.i18n import Text
from sandbox.telemetry.topics import device_topics
from sandbox.trials.models import Device

__all__ = ["DynamicSecurity"]

log = logging.getLogger("sandbox.telemetry")
CONTROL = "$CONTROL/dynamic-security/v1"
TIMEOUT_S = 10.0
INGESTER_ROLE = "sandbox-ingester"


def _role(device: Device) -> str:
    return f"device-{device.id}"


class DynamicSecurity:
    """``BrokerAccounts`` on Mosquitto: see ``sandbox.trials.devices.BrokerAccounts``."""

    def __init__(self, host: str, port: int, username: str, password: str) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password

    def run(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send commands and return the broker's answers, one per command (``error`` set on failure)."""
        answers: list[dict[str, Any]] = []
        done = threading.Event()
        subscribed = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sandbox-admin-{uuid.uuid4().hex[:8]}",
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(self.username, self.password)

        def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
            if reason.is_failure:
                answers.append({"error": f"connection refused: {reason}"})
                done.set()
            else:
                c.subscribe(CONTROL + "/response", qos=1)

        def on_subscribe(*_args: Any) -> None:
            subscribed.set()
            client.publish(CONTROL, json.dumps({"commands": commands}), qos=1)

        def on_message(_c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
            answers.extend(json.loads(message.payload).get("responses", []))
            done.set()

        client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
        try:
            client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            raise BrokerUnavailable(Text(f"Không kết nối được máy chủ MQTT {self.host}:{self.port}: {exc}",
                                         f"Cannot reach the MQTT broker at {self.host}:{self.port}: {exc}")) from exc
        client.loop_start()
        try:
            if not done.wait(TIMEOUT_S):
                raise BrokerUnavailable(Text("Máy chủ MQTT không trả lời lệnh quản trị",
                                             "The MQTT broker did not answer the administration command"))
        finally:
            client.disconnect()
            client.loop_stop()
        if answers and "connection refused" in str(answers[0].get("error", "")):
            raise BrokerUnavailable(Text(f"Máy chủ MQTT từ chối tài khoản quản trị: {answers[0]['error']}",
                                         f"The MQTT broker refused the admin account: {answers[0]['error']}"))
        return answers

    def _check(self, answers: list[dict[str, Any]], tolerated: tuple[str, ...] = ()) -> None:
        for answer in answers:
            error = answer.get("error")
            if error and not any(word in error for word in tolerated):
                raise BrokerUnavailable(Text(f"Máy chủ MQTT từ chối lệnh {answer.get('command')}: {error}",
                                             f"The MQTT broker refused {answer.get('command')}: {error}"))

    # ----------------------------------------------------------- BrokerAccounts

    def grant(self, device: Device, secret: str) -> None:
        topics = device_topics(str(device.id), device.trial.reference, str(device.protocol), device.serial,
                               device.identity)
        acls = [{"acltype": "publishClientSend", "topic": topic, "priority": 0, "allow": True} for topic in topics]
        self._check(self.run([
            {"command": "createRole", "rolename": _role(device), "acls": acls},
            {"command": "createClient", "username": str(device.id), "password": secret, "clientid": str(device.id),
             "roles": [{"rolename": _role(device)}]},
        ]))
        log.info("provisioned device %s on the broker for %s", device.id, topics)

    def replace_secret(self, device: Device, secret: str) -> None:
        self._check(self.run([{"command": "setClientPassword", "username": str(device.id), "password": secret}]))

    def revoke(self, device: Device) -> None:
        # Deleting the client disconnects it at once; a missing one is what we wanted anyway.
        self._check(self.run([
            {"command": "deleteClient", "username": str(device.id)},
            {"command": "deleteRole", "rolename": _role(device)},
        ]), tolerated=("not found",))

    # ----------------------------------------------------------- the ingester's own account

    def ensure_ingester(self, username: str, password: str) -> None:
        """Create (or update the password of) the account ingesters connect with."""
        acls = [{"acltype": kind, "topic": "#", "priority": 0, "allow": True}
                for kind in ("subscribePattern", "publishClientReceive")]
        self._check(self.run([
            {"command": "createRole", "rolename": INGESTER_ROLE, "acls": acls},
            {"command": "createClient", "username": username, "password": password,
             "roles": [{"rolename": INGESTER_ROLE}]},
        ]), tolerated=("already exists",))
        self._check(self.run([{"command": "setClientPassword", "username": username, "password": password}]))
