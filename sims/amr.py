"""An autonomous delivery robot on a campus route network in Ninh Kiều: missions, people, battery, stops.

The robot lives on a route network (`CampusRoutes`: named places and the paths between them, in
metres of the site's map frame, x east and y north) and works an operating window: delivery requests
arrive at random (Poisson, ``missions_per_hour``); for each it drives the shortest route from the
depot to the destination, waits while the parcel is handed over, and drives back. It accelerates and
brakes at its limits and slows to a stop where it must. On the way people step in front of it
(``obstacles_per_km``): it brakes and waits; now and then someone walks into its protective field
(a safety-field violation, sometimes a near miss), or a path stays blocked until an operator steps
in remotely, or — rarely — by hand, which fails the mission. Emergency stops and collisions happen
at rates per 100 km. The battery drains with distance and time and charges at the depot; a robot
low on charge does not start a mission.

What it reports is what a robot's fleet interface knows: map position with localisation noise and
a localisation score, speed, heading, battery, mode, the safety flags, its odometer (the true
distance driven: tests check it equals the path) and the mission it is on, plus the mission and
safety events. Everything is drawn from one seeded generator: same seed, same day.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sandbox.telemetry.contract import AmrEvent, AmrSample

__all__ = ["CAMPUS", "AmrSim", "AmrSpec", "CampusRoutes", "Mission"]


@dataclass(frozen=True)
class CampusRoutes:
    """Places (x, y metres in the map frame) and the two-way paths between them."""

    map_id: str
    places: dict[str, tuple[float, float]]
    paths: tuple[tuple[str, str], ...]
    depot: str
    destinations: tuple[str, ...]

    @cached_property
    def _shortest(self) -> tuple[list[str], Any]:
        """Every place's shortest-path predecessors to every other, worked out once per network."""
        names = list(self.places)
        index = {name: n for n, name in enumerate(names)}
        rows, cols, lengths = [], [], []
        for a, b in self.paths:
            length = math.dist(self.places[a], self.places[b])
            rows += [index[a], index[b]]
            cols += [index[b], index[a]]
            lengths += [length, length]
        graph = csr_matrix((lengths, (rows, cols)), shape=(len(names), len(names)))
        _, predecessors = dijkstra(graph, return_predecessors=True)
        return names, predecessors

    def route(self, start: str, end: str) -> list[tuple[float, float]]:
        """The shortest route's corners from ``start`` to ``end``."""
        names, predecessors = self._shortest
        first, at = names.index(start), names.index(end)
        corners = []
        while at != first:
            corners.append(self.places[names[at]])
            at = int(predecessors[first, at])
            if at < 0:
                raise ValueError(f"no path from {start} to {end}")
        return [self.places[start], *reversed(corners)]


# The demo campus (map frame "campus", origin near its centre): a depot with the charger, buildings, junctions.
CAMPUS = CampusRoutes(
    map_id="campus",
    places={
        "depot": (-150.0, -120.0), "canteen": (20.0, -100.0), "library": (-60.0, 40.0), "admin": (80.0, 120.0),
        "lab_a": (150.0, -40.0), "lab_b": (200.0, 80.0), "dorm": (-200.0, 150.0), "gate": (240.0, -150.0),
        "j_south_w": (-60.0, -100.0), "j_south_e": (80.0, -100.0), "j_centre": (80.0, 40.0),
        "j_west": (-150.0, 40.0),
    },
    paths=(
        ("depot", "j_south_w"), ("j_south_w", "canteen"), ("canteen", "j_south_e"), ("j_south_e", "lab_a"),
        ("j_south_e", "gate"), ("j_south_e", "j_centre"), ("j_centre", "admin"), ("j_centre", "lab_b"),
        ("j_centre", "library"), ("library", "j_west"), ("j_west", "dorm"), ("j_west", "depot"),
        ("j_south_w", "library"), ("lab_a", "lab_b"),
    ),
    depot="depot",
    destinations=("canteen", "library", "admin", "lab_a", "lab_b", "dorm", "gate"),
)


@dataclass(frozen=True)
class AmrSpec:
    """A small indoor-outdoor delivery robot for shared walkways."""

    cruise_mps: float = 1.2  # below the trial's 1.5 m/s limit on shared paths
    accel_mps2: float = 0.5
    brake_mps2: float = 1.0
    rate_hz: float = 2.0  # while working; every ``idle_every_s`` while parked
    idle_every_s: float = 5.0
    missions_per_hour: float = 3.0
    handover_s: float = 45.0
    obstacles_per_km: float = 25.0
    field_violation_share: float = 0.15  # of obstacles, someone inside the protective field
    near_miss_share: float = 0.03
    blocked_share: float = 0.03  # of obstacles, the path stays blocked until someone steps in
    manual_share: float = 0.2  # of those, an operator has to go there (the mission fails)
    estops_per_100km: float = 2.0
    collisions_per_100km: float = 0.0
    range_km: float = 12.0  # on a full battery
    idle_drain_pct_h: float = 2.0
    charge_pct_h: float = 40.0
    start_min_pct: float = 30.0
    position_sigma_m: float = 0.03


@dataclass
class Mission:
    id: str
    destination: str
    requested: datetime
    started: datetime | None = None
    finished: datetime | None = None
    success: bool | None = None
    distance_m: float = 0.0


_NEVER = datetime.min.replace(tzinfo=UTC)  # before any work
LAST_CALL_SLACK = 1.5  # a delivery is started only if it would be back before closing with this much to spare


@dataclass
class _Robot:
    x: float
    y: float
    t: datetime = _NEVER
    heading: float = 0.0
    speed: float = 0.0
    battery: float = 100.0
    odometer: float = 0.0
    mission: Mission | None = None
    mode: str = "AUTOMATIC"
    estop: bool = False
    field_violation: bool = False
    path: list[tuple[float, float]] = field(default_factory=list)


class AmrSim:
    """One robot; `work` runs a window's missions and yields samples and events in time order."""

    def __init__(self, *, seed: int, spec: AmrSpec | None = None, routes: CampusRoutes = CAMPUS,
                 name: str = "amr") -> None:
        self.spec, self.routes, self.name = spec or AmrSpec(), routes, name
        self.rng = np.random.default_rng(seed)
        self.robot = _Robot(*routes.places[routes.depot])
        self.missions: list[Mission] = []
        self.track: list[tuple[datetime, float, float]] = []  # the true position at every sample
        self._seq = {"sample": 0, "event": 0}
        self._missions = 0
        self._next_hazard_m = self._draw_hazard()

    def _next(self, what: str) -> int:
        self._seq[what] += 1
        return self._seq[what] - 1

    def _draw_hazard(self) -> float:
        per_m = (self.spec.obstacles_per_km / 1000.0 + (self.spec.estops_per_100km + self.spec.collisions_per_100km)
                 / 100_000.0)
        return float(self.rng.exponential(1.0 / per_m)) if per_m > 0 else math.inf

    # ------------------------------------------------------------ reporting

    def _event(self, kind: str, *, mission_id: str | None = None, **values: Any) -> AmrEvent:
        """An event now, about ``mission_id`` or else the mission the robot is on."""
        r = self.robot
        mission_id = mission_id or (r.mission.id if r.mission else None)
        return AmrEvent(seq=self._next("event"), t=r.t, type=kind, mission_id=mission_id, **values)  # type: ignore[arg-type]

    def _sample(self) -> AmrSample:
        r, spec = self.robot, self.spec
        nx, ny = self.rng.normal(0.0, spec.position_sigma_m, 2)
        self.track.append((r.t, r.x, r.y))
        return AmrSample(
            seq=self._next("sample"), t=r.t, x=round(float(r.x + nx), 3), y=round(float(r.y + ny), 3), map_id=self.routes.map_id,
            speed_mps=round(r.speed, 3), heading_deg=r.heading % 360.0, battery_pct=round(r.battery, 2), mode=r.mode,
            emergency_stop=r.estop, safety_field_violation=r.field_violation,
            localisation_score=round(float(self.rng.beta(40, 1.5)), 3), odometer_m=round(r.odometer, 3),
            mission_id=r.mission.id if r.mission else None,
        )

    # ------------------------------------------------------------ physics

    def _tick(self, dt: float) -> None:
        r = self.robot
        r.t += timedelta(seconds=dt)
        r.battery = max(0.0, r.battery - self.spec.idle_drain_pct_h * dt / 3600.0)

    def _wait(self, seconds: float) -> Iterator[AmrSample]:
        """Stand still (speed 0) for ``seconds``, reporting at the working rate."""
        dt = 1.0 / self.spec.rate_hz
        r, end = self.robot, self.robot.t + timedelta(seconds=seconds)
        while r.t < end:
            r.speed = 0.0
            self._tick(dt)
            yield self._sample()

    def _hazard(self) -> Iterator[AmrSample | AmrEvent]:
        """Something in the way, or a stop: brake to a standstill and deal with it."""
        r, spec = self.robot, self.spec
        obstacles = spec.obstacles_per_km / 1000.0
        estops = spec.estops_per_100km / 100_000.0
        draw = self.rng.random() * (obstacles + estops + spec.collisions_per_100km / 100_000.0)
        if draw >= obstacles:
            collided = draw >= obstacles + estops
            r.speed, r.estop = 0.0, True
            if collided:
                yield self._event("collision", detail="contact with an object on the path")
            yield self._event("emergency_stop", detail="collision" if collided else "stop button pressed")
            yield from self._wait(float(self.rng.exponential(30.0)) + 5.0)
            r.estop = False
            return
        inside_field = self.rng.random() < spec.field_violation_share
        r.field_violation = inside_field
        if inside_field and self.rng.random() < spec.near_miss_share / spec.field_violation_share:
            yield self._event("near_miss", detail="pedestrian inside the protective field")
        while r.speed > 0.0:  # brake
            r.speed = max(0.0, r.speed - spec.brake_mps2 / spec.rate_hz)
            self._advance(r.speed / spec.rate_hz)
            self._tick(1.0 / spec.rate_hz)
            yield self._sample()
        r.field_violation = False
        if self.rng.random() < spec.blocked_share:
            yield self._event("blocked", detail="path blocked")
            yield from self._wait(60.0)
            manual = self.rng.random() < spec.manual_share
            if manual:
                r.mode = "MANUAL"
            yield self._event("intervention", intervention="manual" if manual else "remote")
            if manual:
                yield from self._wait(float(self.rng.uniform(120, 300)))
                r.mode = "AUTOMATIC"
                if r.mission is not None:
                    raise _Aborted("taken over by hand")
        else:
            yield from self._wait(float(self.rng.exponential(6.0)) + 1.0)

    def _advance(self, step: float) -> None:
        """Move ``step`` metres along the path, corner by corner."""
        r = self.robot
        while step > 1e-12 and r.path:
            tx, ty = r.path[0]
            remaining = math.hypot(tx - r.x, ty - r.y)
            if remaining > 1e-9:
                r.heading = math.degrees(math.atan2(tx - r.x, ty - r.y))
            moved = min(step, remaining)
            if remaining > 1e-9:
                r.x += (tx - r.x) * moved / remaining
                r.y += (ty - r.y) * moved / remaining
            r.odometer += moved
            r.battery = max(0.0, r.battery - 100.0 * moved / (self.spec.range_km * 1000.0))
            if r.mission:
                r.mission.distance_m += moved
            self._next_hazard_m -= moved
            step -= moved
            if moved >= remaining - 1e-9:
                r.x, r.y = tx, ty
                r.path.pop(0)
                if step > 1e-12:
                    self.track.append((r.t, r.x, r.y))  # round a corner between two samples

    def _drive(self, route: list[tuple[float, float]]) -> Iterator[AmrSample | AmrEvent]:
        r, spec = self.robot, self.spec
        dt = 1.0 / spec.rate_hz
        r.path = list(route[1:])
        while r.path:
            if self._next_hazard_m <= 0.0:
                self._next_hazard_m = self._draw_hazard()
                yield from self._hazard()
                continue
            left = math.hypot(r.path[0][0] - r.x, r.path[0][1] - r.y) + sum(
                math.dist(a, b) for a, b in zip(r.path, r.path[1:], strict=False))
            # The fastest speed from which it can still stop at the end: v·dt + v²/2b ≤ what is left.
            brake = spec.brake_mps2 * dt
            stopping = -brake + math.sqrt(brake * brake + 2.0 * spec.brake_mps2 * left)
            target = min(spec.cruise_mps, stopping)
            r.speed = min(target, r.speed + spec.accel_mps2 * dt) if target >= r.speed else max(target, r.speed - brake)
            step = min(left, max(r.speed * dt, 0.01))  # creep the last centimetres
            self._advance(step)
            if not r.path:
                r.speed = 0.0  # arrived, standing
            self._tick(dt)
            yield self._sample()

    # ------------------------------------------------------------ a window's work

    def _requests(self, start: datetime, until: datetime) -> list[Mission]:
        hours = (until - start).total_seconds() / 3600.0
        count = int(self.rng.poisson(self.spec.missions_per_hour * hours))
        found = []
        for offset in np.sort(self.rng.uniform(0.0, hours * 3600.0, count)):
            self._missions += 1
            destination = str(self.rng.choice(list(self.routes.destinations)))
            found.append(Mission(f"{self.name}-m{self._missions}", destination,
                                 start + timedelta(seconds=float(offset))))
        return found

    def _park(self, until: datetime) -> Iterator[AmrSample]:
        """At the depot until ``until``: charging, reporting every ``idle_every_s``."""
        r, spec = self.robot, self.spec
        while r.t < until:
            step = min(spec.idle_every_s, (until - r.t).total_seconds())
            r.battery = min(100.0, r.battery + spec.charge_pct_h * step / 3600.0)
            r.speed = 0.0
            r.t += timedelta(seconds=step)
            yield self._sample()

    def work(self, start: datetime, until: datetime) -> Iterator[AmrSample | AmrEvent]:
        """Missions requested between ``start`` and ``until``, in order; items in time order."""
        r, spec = self.robot, self.spec
        r.t = max(r.t, start)
        queue = self._requests(r.t, until)
        self.missions.extend(queue)
        yield self._sample()
        for mission in queue:
            yield from self._park(max(r.t, mission.requested))
            if r.t + timedelta(seconds=self._round_trip_s(mission.destination)) > until:
                break  # the last call: a delivery that would not be back before the window closes is not started
            if r.battery < spec.start_min_pct:
                mission.success, mission.finished = False, r.t
                yield self._event("mission_completed", mission_id=mission.id, success=False,
                                  detail="battery too low to start")
                continue
            r.mission, mission.started = mission, r.t
            yield self._event("mission_started", detail=f"to {mission.destination}")
            try:
                yield from self._drive(self.routes.route(self.routes.depot, mission.destination))
                yield from self._wait(spec.handover_s)
                yield from self._drive(self.routes.route(mission.destination, self.routes.depot))
                mission.success = True
            except _Aborted as aborted:
                mission.success = False
                yield self._event("mission_completed", success=False, detail=str(aborted))
                r.mission = None  # empty, back to the depot
                yield from self._drive(self._route_home())
            else:
                yield self._event("mission_completed", success=True)
            mission.finished, r.mission = r.t, None
        yield from self._park(until)

    def _round_trip_s(self, destination: str) -> float:
        """What a delivery to ``destination`` and back takes at cruising speed, with the handover, and half as much
        again for people in the way."""
        there = self.routes.route(self.routes.depot, destination)
        back = self.routes.route(destination, self.routes.depot)
        metres = sum(math.dist(a, b) for path in (there, back) for a, b in itertools.pairwise(path))
        return LAST_CALL_SLACK * (metres / self.spec.cruise_mps + self.spec.handover_s)

    def _route_home(self) -> list[tuple[float, float]]:
        """From where the robot stands, back to the depot through the nearest place."""
        r = self.robot
        nearest = min(self.routes.places, key=lambda name: math.dist(self.routes.places[name], (r.x, r.y)))
        return [(r.x, r.y), *self.routes.route(nearest, self.routes.depot)]


class _Aborted(Exception):  # control flow inside the simulator; it never leaves it
    """The mission cannot go on (an operator took the robot over by hand)."""
