"""Who keeps device accounts for the broker: Mosquitto's dynamic security, or this database.

In production Mosquitto holds the accounts (kept in step by ``DynamicSecurity``); the embedded
broker instead asks ``DatabaseAuthenticator``, which checks the same credentials against the
devices table and grants the same topics.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
import uuid

from sqlalchemy.orm import Session, sessionmaker

from sandbox.auth.passwords import verify_secret
from sandbox.config import Settings
from sandbox.telemetry.broker.embedded import Identity
from sandbox.telemetry.topics import device_topics
from sandbox.trials.devices import NO_BROKER_ACCOUNTS, BrokerAccounts
from sandbox.trials.models import Device

__all__ = ["DatabaseAuthenticator", "broker_accounts"]

VERIFIED_FOR_S = 300  # a device reconnecting within this is not made to wait for Argon2 again


def broker_accounts(settings: Settings) -> BrokerAccounts:
    """Mosquitto's dynamic security when its admin account is configured; otherwise none to keep."""
    if settings.mqtt_url and settings.mqtt_admin_username:
        from sandbox.telemetry.broker.dynsec import DynamicSecurity

        host, port = settings.mqtt_address
        return DynamicSecurity(host, port, settings.mqtt_admin_username, settings.mqtt_admin_password)
    return NO_BROKER_ACCOUNTS


class DatabaseAuthenticator:
    """The embedded broker's ``Authenticator``: the ingester by its configured password, devices by theirs."""

    def __init__(self, sessions: sessionmaker[Session], ingester_username: str, ingester_password: str) -> None:
        self.sessions = sessions
        self.ingester = (ingester_username, ingester_password)
        self._verified: dict[tuple[str, bytes], float] = {}
        self._lock = threading.Lock()

    def authenticate(self, client_id: str, username: str | None, password: bytes | None) -> Identity | None:
        if username is None or password is None:
            return None
        if username == self.ingester[0]:
            ok = hmac.compare_digest(password, self.ingester[1].encode())
            return Identity(subscribe=True) if ok and self.ingester[1] else None
        try:
            device_id = uuid.UUID(username)
        except ValueError:
            return None
        with self.sessions() as db:
            device = db.get(Device, device_id)
            if device is None or device.retired_at is not None:
                return None
            fingerprint = (username, hashlib.sha256(password + device.secret_hash.encode()).digest())
            with self._lock:
                known = time.monotonic() - self._verified.get(fingerprint, float("-inf")) < VERIFIED_FOR_S
            if not known:
                if not verify_secret(device.secret_hash, password.decode(errors="replace")):
                    return None
                with self._lock:
                    self._verified[fingerprint] = time.monotonic()
            topics = device_topics(str(device.id), device.trial.reference, str(device.protocol), device.serial,
                                   device.identity)
        return Identity(publish=tuple(topics), client_id=str(device.id))
