"""Devices publish on a real Mosquitto with their own credentials; the ingester stores every sample once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sandbox.config import Settings
from sandbox.telemetry.store.tables import UAV_SAMPLES
from tests.integration.telemetry.conftest import Field, batch, in_window_now, uav
from tests.integration.telemetry.mqtt import DeviceClient, broker_settings, rows, running_ingester, until
from tests.services.mosquitto import ThrowawayMosquitto


@pytest.fixture
def settings(settings: Settings, mosquitto: ThrowawayMosquitto) -> Settings:
    return broker_settings(settings, mosquitto)


def drone_client(field: Field, mosquitto: ThrowawayMosquitto, index: int = 0, password: str | None = None):
    drone = field.drones[index]
    return DeviceClient(mosquitto.port, drone, password or field.secrets[drone])


def test_samples_published_over_mqtt_are_stored_once(field: Field, settings: Settings, mosquitto) -> None:
    t0 = in_window_now()
    device = drone_client(field, mosquitto)
    assert device.connect()
    with running_ingester(settings):
        for message in range(20):
            samples = [uav(message * 10 + i, t0 + timedelta(seconds=message + i / 10)) for i in range(10)]
            encoding = "msgpack" if message % 2 else "json"
            device.publish(field.topic(device.username), batch(*samples, encoding=encoding),
                           content_type=f"application/{encoding}")
        answers = device.wait_answers(20)
        assert all(not reason.is_failure for reason in answers.values())
        until(lambda: rows(settings, UAV_SAMPLES) == 200, 15, "200 stored samples")
        device.publish(field.topic(device.username), batch(*[uav(i, t0 + timedelta(seconds=i / 10)) for i in range(10)]))
        device.wait_answers(21)
    assert rows(settings, UAV_SAMPLES) == 200  # the replay was recognised
    device.close()


def test_a_device_cannot_publish_as_another(field: Field, settings: Settings, mosquitto) -> None:
    device = drone_client(field, mosquitto, 0)
    assert device.connect()
    other = field.topic(field.drones[1])
    mid = device.publish(other, batch(uav(1, in_window_now())))
    reason = device.wait_answers(1)[mid]
    assert reason.is_failure and "authori" in str(reason).lower()  # MQTT 5: "Not authorized"
    device.close()


def test_wrong_credentials_and_someone_elses_client_id_are_refused(field: Field, settings: Settings, mosquitto) -> None:
    assert not drone_client(field, mosquitto, password="guessed-password").connect()
    drone = field.drones[0]
    impostor = DeviceClient(mosquitto.port, drone, field.secrets[drone], client_id=field.drones[1])
    assert not impostor.connect()


def test_rotated_and_retired_credentials_stop_working(field: Field, settings: Settings, mosquitto) -> None:
    drone = field.drones[0]
    rotated = field.api.call("POST", f"/trials/{field.trial['id']}/devices/{drone}/credentials", "alpha", expect=201)
    assert not drone_client(field, mosquitto).connect()
    assert drone_client(field, mosquitto, password=rotated["mqtt_password"]).connect()
    field.api.call("POST", f"/trials/{field.trial['id']}/devices/{drone}/retire", "alpha",
                   {"reason": "Hỏng động cơ"}, expect=201)
    assert not drone_client(field, mosquitto, password=rotated["mqtt_password"]).connect()


def test_two_ingesters_in_a_share_group_split_the_stream(field: Field, settings: Settings, mosquitto) -> None:
    t0 = in_window_now()
    # A group of its own: members of a group that left persistent sessions behind still get their share.
    first = replace(settings, ingest_share_group=settings.ingester_id, ingester_id=settings.ingester_id + "-a")
    second = replace(first, ingester_id=settings.ingester_id + "-b")
    device = drone_client(field, mosquitto)
    assert device.connect()
    with running_ingester(first) as a, running_ingester(second) as b:
        for message in range(40):
            device.publish(field.topic(device.username), batch(uav(message, t0 + timedelta(seconds=message))))
        device.wait_answers(40)
        until(lambda: rows(settings, UAV_SAMPLES) == 40, 15, "40 stored samples")
        shares = (a.pipeline.counters.messages_received, b.pipeline.counters.messages_received)
    assert sum(shares) == 40 and min(shares) > 0, shares  # each took part, none twice
    device.close()
