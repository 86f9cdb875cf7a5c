"""The demo trials' past weeks, simulated and sent through the broker in a couple of minutes.

The drones spray the Vị Tân paddies in the morning window (Monday to Saturday), the camera watches
its intersection day and night (its alerts start in the second week: the first is the pre-period)
and a second one a control junction where no alerts ever run, the robot delivers on the campus on
working days. Each device is a simulator (``sims/``) sent
through its own device client, with the credentials it was enrolled with, on a simulated clock
running as fast as the embedded broker and ingester take it; the ingester, the live rules and the
API see what a field would send. A few things go wrong, as in any trial: a drone loses GPS, the
other its link for a few minutes; the camera has its outages and the robot its near misses.

Samples are thinned for the demo (drones at 2 Hz, the robot at 1 Hz, gathered into a message per
half minute; the cameras' statuses and detections per two minutes) so that weeks fit in minutes on an
embedded SQLite database. The manual spraying
records of the control field, for comparison, are written beside the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import takewhile
from pathlib import Path
from typing import Any

from devices.client import DeviceClient
from sandbox.clock import LOCAL_TZ, local_today, utcnow
from sandbox.demo.seed import ALERTS_AFTER_DAYS, DemoWorld
from sims.baseline import manual_spraying, write_csv
from sims.places import ring
from sims.runner import Runner, Sent, SimDevice
from sims.scenario import DeviceSpec, FaultSpec, Scenario, Stream, streams
from sims.uav import UavSim

__all__ = ["history", "outbox_of", "replay"]

MESSAGE_S = 30.0
CAMERA_MESSAGE_S = 120.0  # a camera's statuses and detections gathered over two minutes: it runs day and night


def outbox_of(directory: Path) -> Callable[[str], Path]:
    """Where a demo device keeps its outbox (and its sequence numbers, which the live feed continues)."""
    return lambda device: directory / "outboxes" / f"{device}.outbox"


def history(world: DemoWorld, days: int) -> Scenario:
    """The scenario of the demo's running trials over the last ``days`` days (up to today)."""
    drones, cameras, robots = (world.fleets[kind].devices for kind in ("agri_uav", "ai_camera", "amr"))
    middle = max(0, days // 2)
    devices = [
        DeviceSpec(name=drones[0][0], kind="agri_uav", place="vi_tan", windows=["05:30-09:30"], rate_hz=2,
                   faults=[FaultSpec(kind="gps_loss", at="06:40", day=middle, duration_s=15)]),
        DeviceSpec(name=drones[1][0], kind="agri_uav", place="vi_tan", windows=["05:30-09:30"], rate_hz=2,
                   faults=[FaultSpec(kind="link_loss", at="06:15", day=min(days, middle + 1), duration_s=240)]),
        DeviceSpec(name=cameras[0][0], kind="ai_camera", peak_per_hour=900, alerts_from_day=min(days, ALERTS_AFTER_DAYS),
                   alert_effect=0.35, message_s=CAMERA_MESSAGE_S),
        DeviceSpec(name=cameras[1][0], kind="ai_camera", peak_per_hour=700, alerts_from_day=min(days, ALERTS_AFTER_DAYS),
                   alert_effect=0.0, message_s=CAMERA_MESSAGE_S),  # the control junction: same days, no alerts
        DeviceSpec(name=robots[0][0], kind="amr", rate_hz=1, missions_per_hour=3),
    ]
    return Scenario(name="demo", description="Các tuần thử nghiệm đã qua / the trials' past weeks", seed=2026,
                    first_day=f"-{days}", days=days + 1, message_s=MESSAGE_S, devices=devices)


def replay(world: DemoWorld, host: str, port: int, days: int, directory: Path,
           progress: Callable[[datetime, datetime, datetime], None] | None = None,
           keep: list[Stream] | None = None) -> dict[str, Sent]:
    """Send the history through the broker at ``host:port``; what each device sent.
    ``progress(first, now, last)`` is told where the simulated clock is; ``keep`` receives the streams
    (their simulators hold the cameras' ground truth once sent)."""
    scenario = history(world, days)
    end = utcnow() - timedelta(minutes=1)  # nothing from the future
    first = datetime.combine(scenario.start_day(local_today()), time(), tzinfo=LOCAL_TZ)
    keys = {serial: (fleet.trial, device, secret) for fleet in world.fleets.values()
            for serial, device, secret in fleet.devices}
    where = outbox_of(directory)
    devices = []
    for stream in streams(scenario, local_today()):
        if keep is not None:
            keep.append(stream)
        trial, device, secret = keys[stream.name]
        where(device).parent.mkdir(parents=True, exist_ok=True)
        client = DeviceClient(host, port, trial=trial, device=device, secret=secret, outbox=where(device),
                              encoding="msgpack", firmware="demo-sim")
        devices.append(SimDevice(client, _until(stream.items, end), [f for f in stream.wire_faults if f.at < end],
                                 message_s=stream.message_s, name=stream.name))
    runner = Runner(devices, progress=(lambda now: progress(first, now, end)) if progress else None)
    return runner.run(deliver_timeout_s=300)


def _until(items: Iterator[Any], end: datetime) -> Iterator[Any]:
    return takewhile(lambda item: item.t < end, items)


def control_records(directory: Path, days: int, today: date | None = None) -> Path:
    """The control field's manual spraying rounds over the trial and the weeks before it (CSV)."""
    today = today or local_today()
    area = UavSim(ring("vi_tan_control"), seed=0).field_area_ha
    records = manual_spraying("vi_tan_control", round(area, 2), today - timedelta(days=days + 56), days + 56,
                              seed=2026)
    return write_csv(records, directory / "manual-spraying-vi-tan-control.csv")
