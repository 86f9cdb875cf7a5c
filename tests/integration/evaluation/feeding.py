"""A trial of any kind on the shared field fixture, and a simulator's output fed through the pipeline as a device
sends it: samples and events in messages per channel, a link status alone, everything in the order it happened."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sandbox.clock import local_today
from sandbox.telemetry import contract
from sandbox.telemetry.contract import Channel
from sims.runner import channel_of
from tests.integration import steps
from tests.integration.telemetry.conftest import Field

MESSAGES_PER_BATCH = 50  # messages handed to the pipeline at once, each with its own received_at


def trial_of_kind(field: Field, kind: str, serials: Iterable[str], **plan_options: Any) -> Field:
    """An active trial of ``kind`` with a device per serial: ``field.trial`` and ``field.drones`` become its.
    ``plan_options`` go to `tests.plans.plan` (``kpis=[…]`` for a plan's own KPIs)."""
    api = field.api
    trial = steps.approved(api, kind=kind, start=local_today() - timedelta(days=10), **plan_options)
    enrolled = [steps.enrol(api, trial, serial=serial) for serial in serials]
    field.trial = steps.move(api, trial, "alpha", "activate")
    field.drones = [e["device"]["id"] for e in enrolled]
    field.pipeline.registry.refresh()
    return field


def messages(field: Field, device: str, items: Iterable[Any], message_s: float = 60.0,
             max_items: int = 500) -> list[tuple[str, bytes]]:
    """The messages a device would send: a channel's items gathered for up to ``message_s``, statuses one by one,
    and whatever was gathered sent before a status, so that a lost link is heard after what preceded it."""
    pending: dict[Channel, list[Any]] = {Channel.TELEMETRY: [], Channel.EVENT: []}
    found: list[tuple[str, bytes]] = []

    def flush(channel: Channel) -> None:
        if pending[channel]:
            wrapper = contract.Telemetry(samples=pending[channel]) if channel is Channel.TELEMETRY else \
                contract.Events(events=pending[channel])
            found.append((field.topic(device, channel), contract.encode(wrapper)))
            pending[channel] = []

    for item in items:
        channel = channel_of(item)
        if channel is Channel.STATUS:
            flush(Channel.TELEMETRY)
            flush(Channel.EVENT)
            found.append((field.topic(device, channel), contract.encode(item)))
            continue
        batch = pending[channel]
        if batch and ((item.t - batch[0].t).total_seconds() >= message_s or len(batch) >= max_items):
            flush(channel)
        pending[channel].append(item)
    flush(Channel.TELEMETRY)
    flush(Channel.EVENT)
    return found


def feed(field: Field, device: str, items: Iterable[Any], **options: Any) -> int:
    """Send the items through the pipeline; the number stored (all of them, unless something is refused)."""
    stored = 0
    found = messages(field, device, items, **options)
    for start in range(0, len(found), MESSAGES_PER_BATCH):
        result = field.send(*found[start:start + MESSAGES_PER_BATCH])
        assert result.rejected == 0, result.rejected_by_reason
        stored += result.stored
    return stored
