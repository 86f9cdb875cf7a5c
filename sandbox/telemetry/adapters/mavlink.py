"""MAVLink flight logs for the service: the device side's mapping (devices/bridges/mavlink.py), with
the service's bilingual errors."""

from __future__ import annotations

from pathlib import Path

from devices.bridges.mavlink import UnreadableLog, relocate, shift
from devices.bridges.mavlink import read_flight_log as _read_flight_log
from sandbox.errors import InvalidInput
from sandbox.i18n import Text
from sandbox.telemetry.contract import UavSample

__all__ = ["read_flight_log", "relocate", "shift"]


def _problem(error: UnreadableLog) -> Text:
    name = error.path.name
    if error.problem == "suffix":
        return Text(f"'{name}' không phải tệp .tlog hay .bin", f"'{name}' is neither a .tlog nor a .bin log")
    if error.problem == "missing":
        return Text(f"không tìm thấy tệp {error.path}", f"there is no file {error.path}")
    return Text(f"{name} không có bản tin vị trí sau khi đã có trạng thái GPS và pin "
                "(BAT.RemPct hoặc BATT_CAPACITY; SYS_STATUS)", str(error))


def read_flight_log(path: Path) -> list[UavSample]:
    """The UAV samples of a ``.tlog`` or ArduPilot ``.bin`` log; `InvalidInput` at ``/file`` otherwise."""
    try:
        return _read_flight_log(path)
    except UnreadableLog as error:
        raise InvalidInput.at("/file", _problem(error)) from error
