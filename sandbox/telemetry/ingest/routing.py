"""Which decoder reads a message: the contract's, or a real format's adapter, by its topic."""

from __future__ import annotations

from datetime import datetime

from sandbox.telemetry import contract
from sandbox.telemetry.adapters.frigate import decode_frigate, is_frigate_topic
from sandbox.telemetry.adapters.vda5050 import decode_vda5050
from sandbox.telemetry.ingest.decoding import decode_native
from sandbox.telemetry.ingest.messages import Accepted, Received, Rejected
from sandbox.telemetry.registry import Registry

__all__ = ["decode"]


def decode(message: Received, registry: Registry, now: datetime) -> Accepted | Rejected:
    if len(message.payload) > contract.MAX_PAYLOAD_BYTES:
        return Rejected("oversize", f"{len(message.payload)} bytes; at most {contract.MAX_PAYLOAD_BYTES}")
    if message.topic.startswith(contract.TOPIC_ROOT + "/"):
        return decode_native(message, registry, now)
    if message.topic.startswith("uagv/"):
        return decode_vda5050(message, registry, now)
    if is_frigate_topic(message.topic):
        return decode_frigate(message, registry, now)
    return Rejected("unknown_topic", f"'{message.topic}' is not a topic Sandbox reads")
