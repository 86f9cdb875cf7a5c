"""Scenarios: which simulated devices, where, for how long, with which faults and which seed — in a small file.

    name = "vi-tan-morning"
    description = "Two drones spray the Vị Tân paddies; one strays north for half a minute."
    seed = 7
    first_day = "-1"          # an ISO date, or "-N": N days before today in Can Tho
    days = 1

    [[devices]]
    name = "drone-1"
    kind = "agri_uav"         # agri_uav, ai_camera or amr
    place = "vi_tan"          # a field of sims.places (drones)
    windows = ["05:30-09:30"] # local times of work each day (defaults by kind)

    [[devices.faults]]
    kind = "geofence_breach"  # a sample fault (sims.faults), a wire fault (sims.runner) or outside_window
    at = "06:20"              # local time on the scenario's day `day` (0 = the first)
    duration_s = 30

A robot may speak VDA 5050 instead of the project's contract, under the identity it was enrolled
with: ``vda5050 = { manufacturer = "RobotNK", serial = "NKC-0001", version = "2.0.0" }``.
A load scenario has a ``[load]`` table instead of devices (`LoadSpec`: how many devices, messages a
second, samples a message, for how long): ``sandbox sim`` offers it with `sims.load`.

`load` reads and checks a file (TOML), with the place of every mistake in the message;
`streams` turns a scenario into each device's items in time order, with its wire faults, ready
for the `Runner`; `load_of` turns a load scenario into the `sims.load.Load` to offer. Everything
is drawn from the scenario's seed: same file, same streams.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from devices.vda5050 import VERSIONS as VDA5050_VERSIONS
from devices.vda5050 import Vda5050
from sandbox.telemetry.contract import MAX_ITEMS_PER_MESSAGE
from sims.amr import AmrSim, AmrSpec
from sims.camera import CameraSim, CameraSpec
from sims.faults import SAMPLE_FAULTS, Fault, inject, random_faults
from sims.load import Load
from sims.places import LOCAL_OFFSET, PLACES, at_local, ring
from sims.runner import WIRE_FAULTS, WireFault
from sims.uav import UavSim, UavSpec

__all__ = ["SCENARIOS", "DeviceSpec", "FaultSpec", "LoadSpec", "Scenario", "ScenarioError", "Stream", "Vda5050Spec",
           "load", "load_of", "streams"]

SCENARIOS = Path(__file__).parent / "scenarios"  # the scenarios that ship with the project
OUTSIDE_WINDOW = "outside_window"  # a sortie flown when the plan does not allow it
FAULT_KINDS = (*SAMPLE_FAULTS, *WIRE_FAULTS, OUTSIDE_WINDOW)
Kind = Literal["agri_uav", "ai_camera", "amr"]
DEFAULT_WINDOWS: dict[str, list[str]] = {"agri_uav": ["05:30-09:30", "15:30-18:00"], "ai_camera": ["00:00-24:00"],
                                         "amr": ["07:00-17:00"]}
DEFAULT_WEEKDAYS: dict[str, list[int]] = {"agri_uav": [0, 1, 2, 3, 4, 5], "ai_camera": [0, 1, 2, 3, 4, 5, 6],
                                          "amr": [0, 1, 2, 3, 4]}


class ScenarioError(ValueError):
    """A scenario file that cannot be run, and why."""


class FaultSpec(Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str
    at: str  # HH:MM local time
    day: Annotated[int, Meta(ge=0)] = 0
    duration_s: Annotated[float, Meta(gt=0)] = 30.0
    magnitude: float | None = None


class RandomFaults(Struct, kw_only=True, forbid_unknown_fields=True):
    kinds: Annotated[list[str], Meta(min_length=1)]
    per_hour: Annotated[float, Meta(gt=0, le=60)]
    duration_s: Annotated[float, Meta(gt=0)] = 30.0


class Vda5050Spec(Struct, kw_only=True, forbid_unknown_fields=True):
    manufacturer: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^/#+]+$")]
    serial: Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^/#+]+$")]
    version: str = "2.0.0"


class DeviceSpec(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    kind: Kind
    place: str | None = None  # drones: the field they spray
    seed: int | None = None  # default: the scenario's seed and the device's position
    windows: list[str] | None = None  # "HH:MM-HH:MM" local, each working day
    weekdays: list[Annotated[int, Meta(ge=0, le=6)]] | None = None  # 0 = Monday
    rate_hz: Annotated[float, Meta(gt=0, le=50)] | None = None  # drones and robots: samples a second
    peak_per_hour: Annotated[float, Meta(gt=0)] | None = None  # cameras: road users at the busiest hour
    alerts_from_day: Annotated[int, Meta(ge=0)] | None = None  # cameras: the alerts start (a pre-period before)
    alert_effect: Annotated[float, Meta(ge=0, le=1)] = 0.0  # cameras: 0 at a control site
    missions_per_hour: Annotated[float, Meta(gt=0)] | None = None  # robots
    vda5050: Vda5050Spec | None = None  # robots: speak VDA 5050
    message_s: Annotated[float, Meta(gt=0, le=300)] | None = None  # default: the scenario's
    faults: list[FaultSpec] = []
    random_faults: RandomFaults | None = None


class LoadSpec(Struct, kw_only=True, forbid_unknown_fields=True):
    """N drones × a message rate (load mode): a steady spraying run each, samples 10 ms apart."""

    devices: Annotated[int, Meta(ge=1, le=1000)]
    messages_per_s: Annotated[float, Meta(ge=0)] = 0.0  # all devices together; 0: as fast as the broker takes them
    samples_per_message: Annotated[int, Meta(ge=1, le=MAX_ITEMS_PER_MESSAGE)] = 100
    seconds: Annotated[float, Meta(gt=0, le=3600)] = 30.0
    publishers: Annotated[int, Meta(ge=1, le=16)] = 1  # processes sharing the devices
    place: str = "vi_tan"  # the field the drones are over
    at: str = "06:00"  # local time of the first sample, on the scenario's first day


class Scenario(Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    description: str = ""
    seed: int = 1
    first_day: str = "-1"
    days: Annotated[int, Meta(ge=1, le=30)] = 1
    speed: Annotated[float, Meta(ge=0)] = 0.0  # 0: as fast as the broker takes it; 1: real time
    message_s: Annotated[float, Meta(gt=0, le=300)] = 1.0  # simulated seconds of items gathered into one message
    devices: list[DeviceSpec] = []
    load: LoadSpec | None = None  # a load scenario, instead of devices

    def start_day(self, today: date) -> date:
        return today - timedelta(days=int(self.first_day[1:])) if self.first_day.startswith("-") \
            else date.fromisoformat(self.first_day)


@dataclass
class Stream:
    """One device's part of a scenario: what it sends, in time order, and what goes wrong on the wire."""

    name: str
    kind: str
    items: Iterator[Any]
    wire_faults: list[WireFault]
    dialect: Vda5050 | None = None  # how the device speaks, if not the project's contract
    message_s: float = 1.0  # simulated seconds of items gathered into one message
    simulators: list[Any] = field(default_factory=list)  # filled as ``items`` is drawn: a camera's ground truth


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file; `ScenarioError` says what is wrong and where."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: there is no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: not TOML ({error})") from None
    try:
        scenario = msgspec.convert(raw, Scenario)
    except msgspec.ValidationError as error:
        raise ScenarioError(f"{path}: {error}") from None
    problems = _problems(scenario)
    if problems:
        raise ScenarioError(f"{path}: " + "; ".join(problems))
    return scenario


def _problems(scenario: Scenario) -> list[str]:
    found = []
    try:
        scenario.start_day(date(2026, 1, 1))
    except ValueError:
        found.append(f"first_day {scenario.first_day!r} is neither a date (2026-11-20) nor -N days")
    if bool(scenario.devices) == (scenario.load is not None):
        found.append("a scenario has [[devices]] or a [load], one of them")
    if scenario.load is not None:
        found += _load_problems(scenario.load)
    names = [device.name for device in scenario.devices]
    found += [f"two devices are called {name!r}" for name in sorted({n for n in names if names.count(n) > 1})]
    for n, device in enumerate(scenario.devices):
        where = f"devices[{n}] ({device.name})"
        if device.place is not None and device.place not in PLACES:
            found.append(f"{where}: no place {device.place!r}; known: {', '.join(PLACES)}")
        for window in device.windows or []:
            try:
                _window(window)
            except ValueError:
                found.append(f"{where}: window {window!r} is not HH:MM-HH:MM with the start first")
        for m, fault in enumerate(device.faults):
            if fault.kind not in FAULT_KINDS:
                found.append(f"{where}.faults[{m}]: unknown fault {fault.kind!r}; known: {', '.join(FAULT_KINDS)}")
            if fault.day >= scenario.days:
                found.append(f"{where}.faults[{m}]: day {fault.day} is after the scenario's {scenario.days} day(s)")
            try:
                _clock(fault.at)
            except ValueError:
                found.append(f"{where}.faults[{m}]: at {fault.at!r} is not a time of day HH:MM")
        if device.vda5050 is not None:
            if device.kind != "amr":
                found.append(f"{where}: only a robot (amr) speaks VDA 5050, not a {device.kind}")
            if device.vda5050.version not in VDA5050_VERSIONS:
                found.append(f"{where}.vda5050: version {device.vda5050.version!r} is not one of "
                             f"{', '.join(VDA5050_VERSIONS)}")
        if device.random_faults is not None:
            unknown = [k for k in device.random_faults.kinds if k not in (*SAMPLE_FAULTS, *WIRE_FAULTS)]
            if unknown:
                found.append(f"{where}.random_faults: unknown kinds {unknown}")
    return found


def _load_problems(spec: LoadSpec) -> list[str]:
    found = []
    if spec.place not in PLACES:
        found.append(f"load: no place {spec.place!r}; known: {', '.join(PLACES)}")
    if spec.publishers > spec.devices:
        found.append(f"load: {spec.publishers} publishers for {spec.devices} device(s): at most one per device")
    try:
        _clock(spec.at)
    except ValueError:
        found.append(f"load: at {spec.at!r} is not a time of day HH:MM")
    return found


def load_of(scenario: Scenario, devices: list[tuple[str, str]], trial: str, today: date, now: datetime) -> Load:
    """The load to offer for a load scenario, with the devices' credentials (id, secret); `ScenarioError` if the
    samples would run into the future (the ingester takes nothing from the future)."""
    spec = scenario.load
    if spec is None:
        raise ScenarioError(f"{scenario.name} is not a load scenario")
    corners = ring(spec.place)[:-1]
    where = (sum(lat for _, lat in corners) / len(corners), sum(lon for lon, _ in corners) / len(corners))
    first = at_local(scenario.start_day(today), _clock(spec.at))
    offered = Load(trial=trial, devices=devices, first_time=first.timestamp(), where=where,
                   samples_per_message=spec.samples_per_message, messages_per_s=spec.messages_per_s,
                   seconds=spec.seconds, publishers=spec.publishers)
    last = first + timedelta(seconds=offered.span_s)
    if last > now:
        raise ScenarioError(f"{scenario.name}: the samples would run from {first:%Y-%m-%d %H:%M} UTC to "
                            f"{last:%Y-%m-%d %H:%M} UTC, into the future: start them earlier (first_day, load.at)")
    return offered


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(23, 59, 59, 999999) if (hours, minutes) == ("24", "00") else time(int(hours), int(minutes))


def _window(text: str) -> tuple[time, time]:
    start, end = (_clock(part.strip()) for part in text.split("-"))
    if end <= start:
        raise ValueError(text)
    return start, end


# ----------------------------------------------------------------- building the streams


def streams(scenario: Scenario, today: date) -> list[Stream]:
    """Every device's stream; ``today`` anchors a relative ``first_day``."""
    first = scenario.start_day(today)
    return [_stream(scenario, device, n, first) for n, device in enumerate(scenario.devices)]


def _stream(scenario: Scenario, device: DeviceSpec, index: int, first: date) -> Stream:
    seed = device.seed if device.seed is not None else scenario.seed * 1000 + index
    days = [first + timedelta(days=d) for d in range(scenario.days)]
    weekdays = device.weekdays if device.weekdays is not None else DEFAULT_WEEKDAYS[device.kind]
    windows = [_window(w) for w in (device.windows or DEFAULT_WINDOWS[device.kind])]
    spans = [(at_local(day, a), at_local(day, b)) for day in days if day.weekday() in weekdays for a, b in windows]
    scheduled = [(fault, at_local(first + timedelta(days=fault.day), _clock(fault.at))) for fault in device.faults]
    extra = [(at, at + timedelta(seconds=max(f.duration_s, 900.0))) for f, at in scheduled if f.kind == OUTSIDE_WINDOW]
    spans = sorted([(a, b, False) for a, b in spans] + [(a, b, True) for a, b in extra])
    sample = [Fault(f.kind, at, f.duration_s, f.magnitude) for f, at in scheduled if f.kind in SAMPLE_FAULTS]  # type: ignore[arg-type]
    wire = [WireFault(f.kind, at, f.duration_s) for f, at in scheduled if f.kind in WIRE_FAULTS]  # type: ignore[arg-type]
    if device.random_faults is not None and spans:
        chosen = device.random_faults
        span = (at_local(first, time()), at_local(days[-1] + timedelta(days=1), time()))
        drawn = random_faults(chosen.kinds, chosen.per_hour, *span, seed=seed + 1,  # type: ignore[arg-type]
                              duration_s=chosen.duration_s)
        sample += [f for f in drawn if f.kind in SAMPLE_FAULTS]
        wire += [WireFault(f.kind, f.at, f.duration_s) for f in drawn if f.kind in WIRE_FAULTS]  # type: ignore[arg-type]
    simulators: list[Any] = []
    items = inject(_work(device, seed, first, spans, simulators), sample)
    vda = device.vda5050
    dialect = Vda5050(vda.manufacturer, vda.serial, vda.version) if vda is not None else None
    return Stream(device.name, device.kind, items, sorted(wire, key=lambda f: f.at), dialect,
                  device.message_s or scenario.message_s, simulators)


def _work(device: DeviceSpec, seed: int, first: date, spans: list[tuple[datetime, datetime, bool]],
          simulators: list[Any]) -> Iterator[Any]:
    """The simulator's items over the working spans, in time order (a span starts when the last one ended,
    if that was later: a sortie flown outside the window may run into the next window)."""
    latest = datetime.min.replace(tzinfo=UTC)
    for start, until, items in _spans(device, seed, first, spans, simulators):
        if max(start, latest) < until:
            for item in items(max(start, latest), until):
                latest = item.t
                yield item


def _spans(device: DeviceSpec, seed: int, first: date, spans: list[tuple[datetime, datetime, bool]],
           simulators: list[Any]) -> Iterator[tuple[datetime, datetime, Any]]:
    """(start, until, the simulator's work between two times) for each span; an ``extra`` span is work the
    plan does not allow (a drone's sortie outside the window: a field of its own, apart from the day's)."""
    if device.kind == "agri_uav":
        spec = UavSpec(rate_hz=device.rate_hz) if device.rate_hz else UavSpec()
        paddies = ring(device.place or "vi_tan")
        day, sim = None, None
        for start, until, extra in spans:
            if extra:
                yield start, until, UavSim(paddies, seed=seed + 500, spec=spec).work
                continue
            if (start + LOCAL_OFFSET).date() != day:  # a field a day: the drone sprays it afresh each (local) day
                day = (start + LOCAL_OFFSET).date()
                sim = UavSim(paddies, seed=seed + (day - first).days, spec=spec)
            yield start, until, sim.work  # type: ignore[union-attr]
    elif device.kind == "ai_camera":
        alerts = at_local(first + timedelta(days=device.alerts_from_day), time()) \
            if device.alerts_from_day is not None else None
        spec = CameraSpec(alert_effect=device.alert_effect, alerts_from=alerts,
                          **({"peak_per_hour": device.peak_per_hour} if device.peak_per_hour else {}))
        camera = CameraSim(seed=seed, spec=spec)
        simulators.append(camera)
        for start, until, _ in spans:
            yield start, until, camera.watch
    else:
        options: dict[str, Any] = {}
        if device.rate_hz:
            options["rate_hz"] = device.rate_hz
        if device.missions_per_hour:
            options["missions_per_hour"] = device.missions_per_hour
        robot = AmrSim(seed=seed, spec=AmrSpec(**options))
        for start, until, _ in spans:
            yield start, until, robot.work
