"""MQTT topic filters as the embedded broker matches them (MQTT 5, section 4.7)."""

from __future__ import annotations

import pytest

from sandbox.telemetry.broker.embedded import topic_matches
from sandbox.telemetry.contract import Channel, parse_topic, topic
from sandbox.telemetry.topics import device_topics


@pytest.mark.parametrize("pattern,name,expected", [
    ("sandbox/v1/+/+/+", "sandbox/v1/SB-2026-0001/abc/telemetry", True),
    ("sandbox/v1/+/+/+", "sandbox/v1/SB-2026-0001/abc/telemetry/extra", False),
    ("sandbox/v1/SB-1/dev/#", "sandbox/v1/SB-1/dev/event", True),
    ("sandbox/v1/SB-1/dev/#", "sandbox/v1/SB-1/dev", True),  # '#' also matches the parent level
    ("sandbox/v1/SB-1/dev/#", "sandbox/v1/SB-1/other/event", False),
    ("#", "$CONTROL/dynamic-security/v1", False),  # wildcards never match $-topics at the first level
    ("+/events", "frigate/events", True),
    ("uagv/+/KIT/0001/#", "uagv/v2/KIT/0001/state", True),
    ("uagv/+/KIT/0001/#", "uagv/v2/KIT/0002/state", False),
])
def test_topic_filters(pattern: str, name: str, expected: bool) -> None:
    assert topic_matches(pattern, name) is expected


def test_a_device_may_publish_under_its_own_topics_only() -> None:
    [mine] = device_topics("dev-1", "SB-2026-0001", "sandbox", "UAV-1", None)
    assert topic_matches(mine, topic("SB-2026-0001", "dev-1", Channel.TELEMETRY))
    assert not topic_matches(mine, topic("SB-2026-0001", "dev-2", Channel.TELEMETRY))
    assert not topic_matches(mine, topic("SB-2026-0002", "dev-1", Channel.TELEMETRY))
    [vda] = device_topics("dev-3", "SB-2026-0003", "vda5050", "AMR-7", {"manufacturer": "NK"})
    assert topic_matches(vda, "uagv/v2/NK/AMR-7/state") and not topic_matches(vda, "uagv/v2/NK/AMR-8/state")


def test_contract_topics_round_trip() -> None:
    address = parse_topic(topic("SB-2026-0001", "abc", "event"))
    assert address is not None and (address.trial, address.device, address.channel) == ("SB-2026-0001", "abc",
                                                                                       Channel.EVENT)
    for bad in ("sandbox/v1/SB/abc", "sandbox/v2/SB/abc/telemetry", "sandbox/v1/SB/abc/video", "sandbox/v1//abc/event"):
        assert parse_topic(bad) is None
