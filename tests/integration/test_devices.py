"""Devices: enrolled in one trial at a time, with an MQTT secret shown once and stored only as a hash."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sandbox.auth.passwords import verify_secret
from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory
from sandbox.trials.models import Device
from tests.integration import steps
from tests.integration.conftest import Api


def stored_hash(settings: Settings, device_id: str) -> str:
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        value = session.scalar(select(Device.secret_hash).where(Device.id == uuid.UUID(device_id)))
    engine.dispose()
    return value  # type: ignore[return-value]


def test_the_secret_is_shown_once_and_kept_only_as_a_hash(api: Api, settings: Settings) -> None:
    trial = steps.submitted(api)
    enrolled = api.call("POST", f"/trials/{trial['id']}/devices", "alpha",
                        {"serial": "UAV-42", "model": "T40", "name": "Máy bay số 1"}, expect=201)
    device, secret = enrolled["device"], enrolled["mqtt_password"]
    assert len(secret) >= 32 and device["mqtt_username"] == device["id"] and device["kind"] == "agri_uav"
    digest = stored_hash(settings, device["id"])
    assert digest.startswith("$argon2id$") and secret not in digest and verify_secret(digest, secret)
    shown = api.call("GET", f"/trials/{trial['id']}/devices/{device['id']}", "alpha", expect=200)
    listed = api.call("GET", f"/trials/{trial['id']}/devices", "evaluator", expect=200)
    assert "mqtt_password" not in shown and secret not in str(listed)
    rotated = api.call("POST", f"/trials/{trial['id']}/devices/{device['id']}/credentials", "alpha", expect=201)
    new_digest = stored_hash(settings, device["id"])
    assert rotated["mqtt_password"] != secret
    assert verify_secret(new_digest, rotated["mqtt_password"]) and not verify_secret(new_digest, secret)


def test_a_device_is_in_one_trial_at_a_time(api: Api) -> None:
    first, second = steps.submitted(api), steps.open_trial(api)
    enrolled = steps.enrol(api, first, serial="UAV-7")
    problem = api.call("POST", f"/trials/{second['id']}/devices", "alpha", {"serial": "UAV-7", "model": "T40"},
                       expect=409, language="en")
    assert problem["code"] == "already_exists" and problem["errors"][0]["pointer"] == "#/serial"
    api.call("POST", f"/trials/{first['id']}/devices/{enrolled['device']['id']}/retire", "alpha",
             {"reason": "Chuyển sang thử nghiệm khác"}, expect=201)
    again = api.call("POST", f"/trials/{first['id']}/devices/{enrolled['device']['id']}/retire", "alpha",
                     {"reason": "lần nữa"}, expect=409)
    assert again["code"] == "conflict"
    steps.enrol(api, second, serial="UAV-7")


def test_a_device_must_be_of_the_trial_kind_and_the_trial_still_open(api: Api) -> None:
    trial = steps.submitted(api)
    problem = api.call("POST", f"/trials/{trial['id']}/devices", "alpha",
                       {"serial": "CAM-1", "model": "X", "kind": "ai_camera"}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/kind"
    bad_serial = api.call("POST", f"/trials/{trial['id']}/devices", "alpha", {"serial": "có dấu cách", "model": "X"},
                          expect=422)
    assert bad_serial["errors"][0]["pointer"] == "#/serial"
    finished = steps.completed(api)
    refused = api.call("POST", f"/trials/{finished['id']}/devices", "alpha", {"serial": "UAV-9", "model": "X"},
                       expect=409)
    assert refused["state"] == "completed"


def test_a_retired_device_does_not_count_for_activation(api: Api) -> None:
    trial = steps.approved(api)
    enrolled = steps.enrol(api, trial, serial="UAV-11")
    api.call("POST", f"/trials/{trial['id']}/devices/{enrolled['device']['id']}/retire", "policy",
             {"reason": "Không đạt kiểm định"}, expect=201)
    refusal = steps.move(api, trial, "alpha", "activate", expect=409)
    assert [r["code"] for r in refusal["reasons"]] == ["no_device_enrolled"]
