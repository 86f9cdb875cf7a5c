"""Devices enrolled in a trial, each with its own MQTT credentials.

The secret is generated here, returned once and stored only as an Argon2 hash: whoever reads the
database cannot publish as a device. Rotating issues a new secret and kills the old one.

The broker learns of the credentials through a ``BrokerAccounts`` given by the caller (the app
wires Mosquitto's dynamic security in; the embedded broker reads this database and needs none).
It is told before the transaction commits: if the broker cannot be reached the enrolment fails
whole, rather than leaving a device that cannot connect.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Protocol, runtime_checkable

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.passwords import hash_secret
from sandbox.auth.roles import Actor, Role
from sandbox.clock import utcnow
from sandbox.config import Settings
from sandbox.db.pages import page_of
from sandbox.errors import AlreadyExists, Conflict, InvalidInput
from sandbox.i18n import Text
from sandbox.trials.access import load_in_trial, load_trial, require_owner, require_role
from sandbox.trials.kinds import DeviceProtocol
from sandbox.trials.models import Device
from sandbox.trials.schemas import DeviceEnrol, FrigateIdentity, Vda5050Identity
from sandbox.trials.states import OPEN_STATES

__all__ = [
    "NO_BROKER_ACCOUNTS",
    "BrokerAccounts",
    "device_snapshot",
    "enrol_device",
    "external_key",
    "get_device",
    "list_devices",
    "retire_device",
    "rotate_credentials",
]

SECRET_BYTES = 24  # 192 bits, as URL-safe text of 32 characters


@runtime_checkable
class BrokerAccounts(Protocol):
    """Where a device's MQTT account lives besides this database (a broker's own user list)."""

    def grant(self, device: Device, secret: str) -> None: ...

    def replace_secret(self, device: Device, secret: str) -> None: ...

    def revoke(self, device: Device) -> None: ...


class _NoBrokerAccounts:
    def grant(self, device: Device, secret: str) -> None:
        pass

    def replace_secret(self, device: Device, secret: str) -> None:
        pass

    def revoke(self, device: Device) -> None:
        pass


NO_BROKER_ACCOUNTS: BrokerAccounts = _NoBrokerAccounts()


def external_key(protocol: DeviceProtocol, serial: str, identity: Vda5050Identity | FrigateIdentity | None) -> str | None:
    """How the device names itself in its own format, unique among enrolled devices."""
    if isinstance(identity, Vda5050Identity):
        return f"vda5050:{identity.manufacturer}/{serial}"
    if isinstance(identity, FrigateIdentity):
        return f"frigate:{identity.topic_prefix}/{identity.camera}"
    return None


def device_snapshot(device: Device) -> dict[str, object]:
    return {
        "trial_id": device.trial_id,
        "kind": device.kind,
        "serial": device.serial,
        "model": device.model,
        "name": device.name,
        "site": device.site,
        "protocol": device.protocol,
        "identity": device.identity,
        "retired_at": device.retired_at,
    }


def _new_secret(settings: Settings) -> tuple[str, str]:
    # Never starting with "-": one URL-safe secret in 64 did, and command-line tools (`mosquitto_pub -P`,
    # `sandbox-device --secret`) then take the password for an option.
    while (secret := secrets.token_urlsafe(SECRET_BYTES)).startswith("-"):
        pass
    return secret, hash_secret(secret, settings.password_hashing)


def enrol_device(db: Session, actor: Actor, trial_id: uuid.UUID, data: DeviceEnrol, settings: Settings,
                 accounts: BrokerAccounts = NO_BROKER_ACCOUNTS) -> tuple[Device, str]:
    trial = load_trial(db, actor, trial_id, for_update=True)
    require_owner(actor, trial.organisation_id, doing=Text("đăng ký thiết bị", "enrol devices"))
    if trial.state not in OPEN_STATES:
        raise Conflict(
            Text(f"Thử nghiệm đang '{trial.state.label.vi}': không đăng ký thêm thiết bị được",
                 f"The trial is '{trial.state}': no more devices can be enrolled"),
            state=str(trial.state),
        )
    kind = trial.product.kind
    if data.kind is not None and data.kind != kind:
        raise InvalidInput.at(
            "/kind",
            Text(f"thử nghiệm này dành cho thiết bị loại '{kind}', không phải '{data.kind}'",
                 f"this trial is for devices of kind '{kind}', not '{data.kind}'"),
        )
    protocol = DeviceProtocol(data.identity.__struct_config__.tag) if data.identity else DeviceProtocol.SANDBOX
    if kind not in protocol.kinds:
        raise InvalidInput.at(
            "/identity/protocol",
            Text(f"thiết bị loại '{kind}' không dùng giao thức '{protocol}'", f"a '{kind}' device cannot speak '{protocol}'"),
        )
    if data.site is not None:
        sites = [site.get("name") for site in trial.working_plan().content.get("sites", [])]
        if data.site not in sites:
            raise InvalidInput.at(
                "/site",
                Text(f"kế hoạch không có địa điểm '{data.site}'; các địa điểm: {', '.join(map(str, sites)) or 'chưa có'}",
                     f"the plan has no site '{data.site}'; its sites: {', '.join(map(str, sites)) or 'none yet'}"),
            )
    serial = data.serial.strip()
    taken = db.scalar(
        select(Device.trial_id).where(Device.kind == kind, Device.serial == serial, Device.retired_at.is_(None))
    )
    if taken is not None:
        raise AlreadyExists(
            Text(f"Thiết bị số sê-ri '{serial}' đang thuộc một thử nghiệm khác; hãy gỡ nó ra trước",
                 f"Device with serial '{serial}' is enrolled in a trial already; retire it there first"),
            pointer="/serial",
        )
    key = external_key(protocol, serial, data.identity)
    if key is not None and db.scalar(select(Device.id).where(Device.external_key == key, Device.retired_at.is_(None))):
        raise AlreadyExists(
            Text(f"Một thiết bị đang dùng định danh '{key}'", f"An enrolled device already goes by '{key}'"),
            pointer="/identity",
        )
    secret, secret_hash = _new_secret(settings)
    now = utcnow()
    device = Device(
        trial_id=trial.id,
        kind=kind,
        serial=serial,
        model=data.model.strip(),
        name=data.name,
        site=data.site,
        protocol=protocol,
        identity=msgspec.to_builtins(data.identity) if data.identity else None,
        external_key=key,
        secret_hash=secret_hash,
        enrolled_at=now,
        enrolled_by=actor.user_id,
        credentials_issued_at=now,
    )
    db.add(device)
    db.flush()
    audit.record(db, actor, "device.enrol", "device", device.id, None, device_snapshot(device))
    accounts.grant(device, secret)
    return device, secret


def get_device(db: Session, actor: Actor, trial_id: uuid.UUID, device_id: uuid.UUID) -> Device:
    return load_in_trial(db, actor, trial_id, Device, device_id,
                         Text(f"Không tìm thấy thiết bị {device_id}", f"Device {device_id} not found"))


def list_devices(db: Session, actor: Actor, trial_id: uuid.UUID, limit: int, offset: int) -> tuple[list[Device], int]:
    load_trial(db, actor, trial_id)
    query = select(Device).where(Device.trial_id == trial_id)
    return page_of(db, query, Device.enrolled_at, Device.serial, limit=limit, offset=offset)


def retire_device(db: Session, actor: Actor, trial_id: uuid.UUID, device_id: uuid.UUID, reason: str,
                  accounts: BrokerAccounts = NO_BROKER_ACCOUNTS) -> Device:
    """Take a device out of the trial for good: its credentials stop working; its data stays."""
    device = get_device(db, actor, trial_id, device_id)
    if actor.role is Role.STARTUP:
        require_owner(actor, device.trial.organisation_id, doing=Text("gỡ thiết bị", "retire devices"))
    else:
        require_role(actor, Role.STARTUP, Role.POLICY, doing=Text("gỡ thiết bị", "retire devices"))
    if device.retired_at is not None:
        raise Conflict(Text("Thiết bị đã được gỡ trước đó", "The device was retired already"))
    old = device_snapshot(device)
    device.retired_at, device.retired_reason = utcnow(), reason
    audit.record(db, actor, "device.retire", "device", device.id, old, device_snapshot(device), reason)
    accounts.revoke(device)
    return device


def rotate_credentials(db: Session, actor: Actor, trial_id: uuid.UUID, device_id: uuid.UUID, settings: Settings,
                       accounts: BrokerAccounts = NO_BROKER_ACCOUNTS) -> tuple[Device, str]:
    device = get_device(db, actor, trial_id, device_id)
    require_owner(actor, device.trial.organisation_id, doing=Text("cấp lại mật khẩu thiết bị", "rotate device credentials"))
    if device.retired_at is not None:
        raise Conflict(Text("Thiết bị đã bị gỡ khỏi thử nghiệm", "The device is retired"))
    secret, device.secret_hash = _new_secret(settings)
    device.credentials_issued_at = utcnow()
    audit.record(db, actor, "device.rotate_credentials", "device", device.id, None,
                 {"credentials_issued_at": device.credentials_issued_at})
    accounts.replace_secret(device, secret)
    return device, secret
