"""Which topics a device may publish on: what both brokers (Mosquitto's dynamic security and the
embedded one) enforce, so that no device can write as another."""

from __future__ import annotations

from typing import Any

from sandbox.telemetry.contract import TOPIC_ROOT

__all__ = ["INGEST_FILTERS", "device_topics"]

# What the ingester subscribes to: the contract, VDA 5050 state and connection, Frigate events.
INGEST_FILTERS = (
    f"{TOPIC_ROOT}/+/+/+",
    "uagv/+/+/+/state",
    "uagv/+/+/+/connection",
    "frigate/events",
    "frigate/+/events",
)


def device_topics(device_id: str, trial_reference: str, protocol: str, serial: str,
                  identity: dict[str, Any] | None) -> list[str]:
    """Topic filters (MQTT wildcards) a device may publish to."""
    if protocol == "vda5050" and identity:
        return [f"uagv/+/{identity['manufacturer']}/{serial}/#"]
    if protocol == "frigate" and identity:
        return [f"{identity['topic_prefix']}/#"]  # a Frigate NVR also publishes stats and snapshots there
    return [f"{TOPIC_ROOT}/{trial_reference}/{device_id}/#"]
