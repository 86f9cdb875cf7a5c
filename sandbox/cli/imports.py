"""Importing recorded telemetry from files (flight logs)."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path

import click

from sandbox.cli import main
from sandbox.cli.common import EXIT_ERROR, guarded, say, settings_of
from sandbox.clock import to_local, utcnow
from sandbox.errors import InvalidInput
from sandbox.i18n import Text


@main.group("import")
def import_() -> None:
    """Import recorded telemetry."""


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value == "now":
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput.at("/shift-to", Text(f"'{value}' không phải thời điểm ISO 8601", f"'{value}' is not an ISO 8601 time")) from exc
    if moment.tzinfo is None:
        raise InvalidInput.at("/shift-to", Text("cần múi giờ, ví dụ +07:00", "give a time zone, e.g. +07:00"))
    return moment


def _position(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise InvalidInput.at("/start-at", Text("dạng VĨ_ĐỘ,KINH_ĐỘ, ví dụ 9.7805,105.4670",
                                                "LAT,LON, e.g. 9.7805,105.4670")) from exc
    return lat, lon


@import_.command("mavlink")
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--device", "device_id", type=click.UUID, required=True, help="the enrolled UAV the log comes from")
@click.option("--shift-to", help="move the flight in time so that it ends at this moment ('now' or ISO 8601)")
@click.option("--start-at", help="move the flight on the ground so that it starts at LAT,LON")
@click.pass_context
@guarded
def import_mavlink(ctx: click.Context, log: Path, device_id: uuid.UUID, shift_to: str | None,
                   start_at: str | None) -> None:
    """Import a .tlog or ArduPilot .bin flight log as the UAV's samples (stored once, rules applied)."""
    from sandbox.telemetry.importing import import_flight_log

    report = import_flight_log(settings_of(ctx), device_id, log, shift_to=_moment(shift_to),
                               start_at=_position(start_at))
    say(Text(
        f"{report.samples} mẫu từ {to_local(report.first)} đến {to_local(report.last)}: {report.stored} đã lưu, "
        f"{report.duplicates} đã có, {report.incidents_opened} sự cố",
        f"{report.samples} samples from {to_local(report.first)} to {to_local(report.last)}: {report.stored} stored, "
        f"{report.duplicates} already there, {report.incidents_opened} incidents",
    ))
    if report.rejected:
        reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(report.rejected.items()))
        say(Text(f"Bị từ chối (xem dead letters): {reasons}", f"Refused (see the dead letters): {reasons}"), err=True)
        if report.stored == 0 and report.duplicates == 0:
            sys.exit(EXIT_ERROR)
