"""Telemetry for people: who may read which trial's data, and in what shape."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor
from sandbox.clock import to_local, utcnow
from sandbox.config import Settings
from sandbox.db.pages import page_of
from sandbox.errors import InvalidInput, NotFound
from sandbox.i18n import Text
from sandbox.telemetry import contract
from sandbox.telemetry.models import DeadLetter, DevicePresence
from sandbox.telemetry.schemas import ConnectionInfo, DeadLetterView, DeviceLatest, Series, SeriesPoint
from sandbox.telemetry.store import queries
from sandbox.telemetry.store.tables import AMR_SAMPLES, CAMERA_STATUS, SERIES, UAV_SAMPLES
from sandbox.telemetry.topics import device_topics
from sandbox.trials.access import load_trial
from sandbox.trials.devices import get_device
from sandbox.trials.models import Device, Trial

__all__ = ["connection_info", "csv_export", "dead_letters", "device_latest", "telemetry_series"]

SAMPLES_OF_KIND = {"agri_uav": UAV_SAMPLES, "ai_camera": CAMERA_STATUS, "amr": AMR_SAMPLES}
PREVIEW_BYTES = 300
DEFAULT_SPAN = timedelta(hours=24)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (to_local(value) if isinstance(value, datetime) else value) for key, value in row.items()
            if key not in ("trial_id",)}


def device_latest(db: Session, actor: Actor, trial_id: uuid.UUID) -> list[DeviceLatest]:
    trial = load_trial(db, actor, trial_id)
    devices = list(trial.devices)
    ids = [device.id for device in devices]
    connection = db.connection()
    samples = queries.latest(connection, SAMPLES_OF_KIND[str(trial.product.kind)], ids)
    statuses = queries.latest_status(connection, ids)
    heard = {p.device_id: p.last_received_at for p in db.scalars(select(DevicePresence).where(
        DevicePresence.device_id.in_(ids)))} if ids else {}
    return [
        DeviceLatest(
            device_id=device.id, serial=device.serial, kind=str(device.kind), retired=device.retired_at is not None,
            last_heard_at=to_local(heard.get(device.id)),
            sample=_plain(samples[device.id]) if device.id in samples else None,
            status=_plain(statuses[device.id]) if device.id in statuses else None,
        )
        for device in devices
    ]


def _stream(trial: Trial, stream: str | None) -> Any:
    name = stream or SAMPLES_OF_KIND[str(trial.product.kind)].name
    table = SERIES.get(name)
    if table is None:
        raise InvalidInput.at("/stream", Text(f"không có luồng '{name}' (chọn: {', '.join(SERIES)})",
                                              f"there is no stream '{name}' (choose: {', '.join(SERIES)})"))
    return table


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    start = start or end - DEFAULT_SPAN
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput.at("/from", Text("thời điểm cần có múi giờ, ví dụ 2026-11-23T07:00:00+07:00",
                                            "times need a zone, e.g. 2026-11-23T07:00:00+07:00"))
    if end <= start:
        raise InvalidInput.at("/to", Text("'to' phải sau 'from'", "'to' must be after 'from'"))
    return start, end


def telemetry_series(db: Session, actor: Actor, trial_id: uuid.UUID, field: str, *, stream: str | None = None,
                     start: datetime | None = None, end: datetime | None = None, bucket_s: int | None = None,
                     device_id: uuid.UUID | None = None) -> Series:
    """min/avg/max of a numeric field per time bucket (and per device), for charts."""
    trial = load_trial(db, actor, trial_id)
    table = _stream(trial, stream)
    fields = queries.numeric_fields(table)
    if field not in fields:
        raise InvalidInput.at("/field", Text(f"'{field}' không phải trường số của {table.name} (chọn: {', '.join(fields)})",
                                             f"'{field}' is not a numeric field of {table.name} (choose: {', '.join(fields)})"))
    start, end = _range(start, end)
    bucket = bucket_s or queries.choose_bucket(start, end)
    if (end - start).total_seconds() / bucket > queries.MAX_POINTS:
        raise InvalidInput.at("/bucket_s", Text(f"quá nhiều điểm: hãy chọn khoảng thời gian lớn hơn {bucket} giây",
                                                f"too many points: choose a bucket larger than {bucket} s"))
    points = queries.series(db.connection(), table, field, trial.id, start, end, bucket, device_id)
    return Series(table.name, field, bucket, to_local(start), to_local(end),
                  [SeriesPoint(to_local(p.start), p.device_id, p.minimum, p.average, p.maximum, p.count) for p in points])


def csv_export(db: Session, engine: Engine, actor: Actor, trial_id: uuid.UUID, *, stream: str | None,
               start: datetime | None, end: datetime | None, device_id: uuid.UUID | None) -> tuple[str, Iterator[str]]:
    """A file name and the CSV text, produced as it is read (its own connection outlives the request's)."""
    trial = load_trial(db, actor, trial_id)
    table = _stream(trial, stream)
    start, end = _range(start, end)
    columns = [c.name for c in table.columns if c.name != "trial_id"]
    name = f"{trial.reference}-{table.name}-{to_local(start):%Y%m%dT%H%M}-{to_local(end):%Y%m%dT%H%M}.csv"

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        with engine.connect() as connection:
            for count, row in enumerate(queries.raw_rows(connection, table, trial.id, start, end, device_id), 1):
                writer.writerow([_cell(row[column]) for column in columns])
                if count % 1000 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return name, lines()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_local(value).isoformat()
    return "" if value is None else value


def dead_letters(db: Session, actor: Actor, trial_id: uuid.UUID, limit: int, offset: int) -> tuple[list[DeadLetterView], int]:
    """What this trial's devices sent that could not be stored, and why: what device makers debug with."""
    trial = load_trial(db, actor, trial_id)
    letters, total = page_of(db, select(DeadLetter).where(DeadLetter.trial_id == trial.id),
                             DeadLetter.received_at.desc(), limit=limit, offset=offset)
    return [
        DeadLetterView(
            id=letter.id, received_at=to_local(letter.received_at), topic=letter.topic, reason=letter.reason,
            detail=letter.detail, device_id=letter.device_id, size=len(letter.payload),
            payload_preview=letter.payload[:PREVIEW_BYTES].decode("utf-8", errors="replace"),
        )
        for letter in letters
    ], total


def connection_info(db: Session, actor: Actor, trial_id: uuid.UUID, device_id: uuid.UUID,
                    settings: Settings, public_host: str) -> ConnectionInfo:
    device: Device = get_device(db, actor, trial_id, device_id)
    if device.retired_at is not None:
        raise NotFound(Text("Thiết bị đã bị gỡ khỏi thử nghiệm", "The device was retired"))
    trial = device.trial
    host, port = settings.mqtt_address
    return ConnectionInfo(
        host=public_host if host in ("127.0.0.1", "0.0.0.0", "localhost") else host,
        port=port, protocol="MQTT 5 or 3.1.1, QoS 1" if settings.mqtt_url else "MQTT 5, QoS 1",
        client_id=str(device.id), username=str(device.id),
        publish_topics=device_topics(str(device.id), trial.reference, str(device.protocol), device.serial,
                                     device.identity),
        contract_topics={channel.value: contract.topic(trial.reference, str(device.id), channel)
                         for channel in contract.Channel} if str(device.protocol) == "sandbox" else {},
    )
