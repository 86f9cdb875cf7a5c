"""``sandbox-device``: send a sample, replay a recording, or fly a MAVLink log as a live UAV.

    sandbox-device --trial SB-2026-0001 --device ID send '{"lat": 9.78, "lon": 105.47, ...}'
    sandbox-device --trial SB-2026-0001 --device ID replay flight.jsonl --speed 10
    sandbox-device --trial SB-2026-0001 --device ID mavlink flight.bin --at 9.7805,105.467

The secret comes from ``--secret`` or, better (it stays out of the shell history), the
``SANDBOX_DEVICE_SECRET`` environment variable. What cannot be delivered before the command ends
stays in the outbox file (``--outbox``, by default ``<device>.outbox``) and goes out with the next
command run with the same outbox.

Exit status: 0 delivered; 2 bad input (nothing queued); 3 the broker refused the device or did not
answer; 4 not everything delivered in time (kept in the outbox).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from devices.client import DeviceClient, DeviceRefused
from sandbox.telemetry.contract import KINDS, Channel, Kind, UavSample, message_type

__all__ = ["main"]

BAD_INPUT, REFUSED, UNDELIVERED = 2, 3, 4


class BadInput(ValueError):
    """What the person gave cannot be sent: the message says what and where."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox-device", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("SANDBOX_MQTT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_MQTT_PORT", "1883")))
    parser.add_argument("--trial", required=True, help="the trial's reference, e.g. SB-2026-0001")
    parser.add_argument("--device", required=True, help="the device id given at enrolment")
    parser.add_argument("--secret", default=os.environ.get("SANDBOX_DEVICE_SECRET"),
                        help="the MQTT password shown once at enrolment (or SANDBOX_DEVICE_SECRET)")
    parser.add_argument("--outbox", type=Path, help="store-and-forward file (default: <device>.outbox)")
    parser.add_argument("--encoding", choices=["msgpack", "json"], default="msgpack")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for delivery at the end")
    commands = parser.add_subparsers(dest="command", required=True)

    send = commands.add_parser("send", help="send one sample or event given as JSON ('-' reads standard input)")
    send.add_argument("json")
    send.add_argument("--kind", choices=KINDS, default="agri_uav")
    send.add_argument("--event", action="store_true", help="it is an event, not a telemetry sample")

    replay = commands.add_parser("replay", help="replay a JSON-lines file of samples, paced by their timestamps")
    replay.add_argument("file", type=Path)
    replay.add_argument("--kind", choices=KINDS, default="agri_uav")
    replay.add_argument("--speed", type=float, default=1.0, help="1 = as recorded, 10 = ten times faster, 0 = at once")
    replay.add_argument("--keep-time", action="store_true",
                        help="keep the recorded timestamps and sequence numbers (default: stamp as sent, renumber)")

    flight = commands.add_parser("mavlink", help="fly a MAVLink .tlog or ArduPilot .bin log as a live UAV")
    flight.add_argument("file", type=Path)
    flight.add_argument("--speed", type=float, default=1.0)
    flight.add_argument("--at", help="LAT,LON to move the flight to (its shape on the ground is kept)")
    return parser


def _item(raw: dict[str, Any], kind: Kind, channel: Channel, where: str) -> Any:
    """One sample or event of ``kind``, checked against the contract as the ingester will check it."""
    field = "samples" if channel is Channel.TELEMETRY else "events"
    try:
        return getattr(msgspec.convert({field: [raw]}, message_type(kind, channel)), field)[0]
    except msgspec.ValidationError as exc:
        raise BadInput(f"{where}: {exc}") from None


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise BadInput(f"{where}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadInput(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _paced(items: Sequence[Any], speed: float) -> Iterable[Any]:
    """Yield items at the pace of their timestamps divided by ``speed`` (at once when speed is 0)."""
    began = time.monotonic()
    for item in items:
        if speed > 0:
            due = (item.t - items[0].t).total_seconds() / speed
            time.sleep(max(0.0, due - (time.monotonic() - began)))
        yield item


def _read_lines(path: Path, kind: Kind) -> list[Any]:
    if not path.is_file():
        raise BadInput(f"there is no file {path}")
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                items.append(_item(_json_object(line, f"{path.name}:{number}"), kind, Channel.TELEMETRY,
                                   f"{path.name}:{number}"))
    if not items:
        raise BadInput(f"{path.name} has no samples")
    return sorted(items, key=lambda item: item.t)


def _flight(path: Path, at: str | None) -> list[UavSample]:
    from devices.bridges.mavlink import UnreadableLog, read_flight_log, relocate

    try:
        samples = read_flight_log(path)
    except UnreadableLog as exc:
        raise BadInput(str(exc)) from None
    if at:
        try:
            lat, lon = (float(part) for part in at.split(","))
        except ValueError:
            raise BadInput(f"--at wants LAT,LON in degrees, not {at!r}") from None
        samples = relocate(samples, lat, lon)
    return samples


def _read(args: argparse.Namespace) -> tuple[Channel, list[Any], bool]:
    """(channel, items, whether this device numbers them): read and checked before any connection."""
    if args.command == "send":
        raw = _json_object(sys.stdin.read() if args.json == "-" else args.json, "the sample")
        channel = Channel.EVENT if args.event else Channel.TELEMETRY
        numbered = "seq" not in raw
        raw.setdefault("t", datetime.now(UTC).isoformat())
        raw.setdefault("seq", 0)  # a stand-in until the device's counter gives the real one
        return channel, [_item(raw, args.kind, channel, "the sample")], numbered
    items = _read_lines(args.file, args.kind) if args.command == "replay" else _flight(args.file, args.at)
    return Channel.TELEMETRY, items, not (args.command == "replay" and args.keep_time)


def _send(args: argparse.Namespace, client: DeviceClient, channel: Channel, items: list[Any], numbered: bool) -> None:
    if args.command == "send":
        item = msgspec.structs.replace(items[0], seq=client.next_seq(channel)) if numbered else items[0]
        if channel is Channel.EVENT:
            client.event(item)
        else:
            client.add(item)
        return
    if not numbered:  # --keep-time: the recording as it was
        for item in _paced(items, args.speed):
            client.add(item)
        return
    # As a live device: stamped when sent (time compressed by --speed), or, all at once, as if the
    # recording had just ended; numbered by this device's own counter.
    first, began = items[0].t, datetime.now(UTC)
    shift = began - items[-1].t
    for item in _paced(items, args.speed):
        moment = began + (item.t - first) / args.speed if args.speed > 0 else item.t + shift
        client.add(msgspec.structs.replace(item, t=moment, seq=client.next_seq()))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.secret:
        print("sandbox-device: the device's secret is needed (--secret or SANDBOX_DEVICE_SECRET)", file=sys.stderr)
        return BAD_INPUT
    try:
        channel, items, numbered = _read(args)
    except BadInput as exc:
        print(f"sandbox-device: {exc}", file=sys.stderr)
        return BAD_INPUT
    client = DeviceClient(args.host, args.port, trial=args.trial, device=args.device, secret=args.secret,
                          outbox=args.outbox or Path(f"{args.device}.outbox"), encoding=args.encoding,
                          batch_size=10, batch_delay_s=1.0)
    try:
        client.connect(timeout_s=min(args.timeout, 10.0))
    except DeviceRefused as exc:
        print(f"sandbox-device: {exc}", file=sys.stderr)
        return REFUSED
    _send(args, client, channel, items, numbered)
    if not client.close(args.timeout):
        print(f"sandbox-device: not everything reached the broker in {args.timeout:.0f} s; "
              f"it is kept in {client.outbox.path} and goes out with the next run", file=sys.stderr)
        return UNDELIVERED
    return 0


if __name__ == "__main__":
    sys.exit(main())
