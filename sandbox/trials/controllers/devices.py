"""Devices of a trial and their MQTT credentials."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from sandbox.api.dependencies import Accounts, AppSettings, CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get, post
from sandbox.trials import devices
from sandbox.trials.schemas import DeviceEnrol, DeviceEnrolled, DeviceView
from sandbox.trials.views import device_view

__all__ = ["DeviceController"]


class Retirement(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]


class DeviceController(Controller):
    path = "/trials/{trial_id:uuid}/devices"
    tags = ["Devices"]

    @get("/", summary="Devices enrolled in the trial")
    def list_devices(
        self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], limit: Limit = 50, offset: Offset = 0
    ) -> Page[DeviceView]:
        found, total = devices.list_devices(db, actor, trial_id, limit, offset)
        return Page([device_view(d) for d in found], total, limit, offset)

    @post("/", summary="Enrol a device; its MQTT password is in this answer only")
    def enrol(
        self,
        db: Db,
        actor: CurrentActor,
        accounts: Accounts,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        data: JSONBody[DeviceEnrol],
    ) -> DeviceEnrolled:
        device, secret = devices.enrol_device(db, actor, trial_id, data, settings, accounts)
        return DeviceEnrolled(device_view(device), secret)

    @get("/{device_id:uuid}", summary="One device")
    def get_device(
        self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], device_id: FromPath[uuid.UUID]
    ) -> DeviceView:
        return device_view(devices.get_device(db, actor, trial_id, device_id))

    @post("/{device_id:uuid}/retire", summary="Retire a device: its credentials stop working")
    def retire(
        self,
        db: Db,
        actor: CurrentActor,
        accounts: Accounts,
        trial_id: FromPath[uuid.UUID],
        device_id: FromPath[uuid.UUID],
        data: JSONBody[Retirement],
    ) -> DeviceView:
        return device_view(devices.retire_device(db, actor, trial_id, device_id, data.reason, accounts))

    @post("/{device_id:uuid}/credentials", summary="Issue a new MQTT password; the old one stops working")
    def rotate(
        self,
        db: Db,
        actor: CurrentActor,
        accounts: Accounts,
        settings: AppSettings,
        trial_id: FromPath[uuid.UUID],
        device_id: FromPath[uuid.UUID],
    ) -> DeviceEnrolled:
        device, secret = devices.rotate_credentials(db, actor, trial_id, device_id, settings, accounts)
        return DeviceEnrolled(device_view(device), secret)
