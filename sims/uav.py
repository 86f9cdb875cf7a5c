"""An agricultural spraying UAV working a rice field: plan, sorties, tank, battery, wind and GPS noise.

The drone plans a lawnmower pattern over the field (rows one swath apart, boustrophedon) and works
it in sorties: take off from its base at the field's edge, climb to the spraying height, fly to
where the last sortie stopped, spray along the rows at the planned speed, and come back to land
when the tank is empty or the battery reaches its reserve; on the ground the crew refills the tank
and swaps the battery, and it goes again until the field is done or the operating window closes.

Physics, kept honest because the evaluation reads these numbers: positions move along the track at
the commanded ground speed with a wind-driven cross-track wander; climb and descent at the
aircraft's rates; the tank empties at the flow rate while spraying; the battery drains faster with
a heavier tank and into a headwind. What the drone *reports* adds GNSS noise to the position and a
little noise to height and speed, like a real flight controller; the true track is kept beside it
for tests. Everything is drawn from one seeded generator: same seed, same flight.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import nearest_points

from sandbox.telemetry.contract import UavEvent, UavSample

__all__ = ["Lawnmower", "Truth", "UavSim", "UavSpec"]

UTM_48N = "EPSG:32648"  # the Mekong delta, Can Tho and Sóc Trăng included
RATE_HZ = 10  # samples a second, by default


@dataclass(frozen=True)
class UavSpec:
    """A 40-litre spraying drone (the class of DJI Agras T40 or XAG P100), as flown for rice."""

    spray_speed_mps: float = 6.0
    transit_speed_mps: float = 6.5  # under the 7 m/s that plans over rice fields allow
    height_m: float = 3.0  # above the crop canopy
    climb_mps: float = 2.0
    descent_mps: float = 1.5
    tank_l: float = 40.0
    flow_lpm: float = 6.0  # about 24 L/ha at 6 m/s over a 7 m swath, as rice spraying uses
    swath_m: float = 7.0
    endurance_s: float = 13 * 60  # on a full battery, tank full, still air
    reserve_pct: float = 25.0
    service_s: float = 120.0  # refill and battery swap on the ground
    gnss_sigma_m: float = 0.3
    margin_m: float = 2.0  # rows stay this far inside the field's edge
    rate_hz: float = RATE_HZ  # samples a second the flight controller reports (and the simulation steps)


@dataclass(frozen=True)
class Truth:
    """Where the aircraft really was, beside what it reported (for tests and evaluation baselines)."""

    t: datetime
    x: float
    y: float
    height_m: float
    spraying: bool


class Lawnmower:
    """Rows one swath apart across a field polygon, in UTM metres, alternating direction."""

    def __init__(self, ring: list[tuple[float, float]], swath_m: float, margin_m: float) -> None:
        self.to_utm = Transformer.from_crs("EPSG:4326", UTM_48N, always_xy=True)
        self.to_wgs84 = Transformer.from_crs(UTM_48N, "EPSG:4326", always_xy=True)
        xs, ys = self.to_utm.transform([p[0] for p in ring], [p[1] for p in ring])
        self.field = Polygon(zip(xs, ys, strict=True))
        area = self.field.buffer(-margin_m)
        west, south, east, north = area.bounds
        self.rows: list[tuple[tuple[float, float], tuple[float, float]]] = []
        y = south + swath_m / 2
        while y < north:
            cut = area.intersection(LineString([(west - 1, y), (east + 1, y)]))
            if not cut.is_empty:
                piece = max(getattr(cut, "geoms", [cut]), key=lambda g: g.length)
                start, end = piece.coords[0], piece.coords[-1]
                self.rows.append((end, start) if len(self.rows) % 2 else (start, end))
            y += swath_m
        # The crew's spot: on the field's edge nearest its south-west corner, a metre inside.
        corner = Point(self.field.bounds[0], self.field.bounds[1])
        spot = nearest_points(self.field.buffer(-1.0), corner)[0]
        self.base = (spot.x, spot.y)

    @property
    def sprayed_length_m(self) -> float:
        return sum(math.dist(a, b) for a, b in self.rows)

    def wgs84(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self.to_wgs84.transform(x, y)
        return lat, lon


@dataclass
class _State:
    x: float
    y: float
    t: datetime = datetime.min  # the simulated clock
    z: float = 0.0
    battery: float = 100.0
    tank: float = 0.0
    row: int = 0  # the next row to spray
    along: float = 0.0  # metres already sprayed of that row
    cross: float = 0.0  # wind-driven cross-track offset, m
    gust: float = 0.0


class UavSim:
    """One drone over one field; `work` flies a window's sorties and yields samples and events in time order."""

    def __init__(self, ring: list[tuple[float, float]], *, seed: int, spec: UavSpec | None = None) -> None:
        self.spec = spec or UavSpec()
        self.plan = Lawnmower(ring, self.spec.swath_m, self.spec.margin_m)
        self.rng = np.random.default_rng(seed)
        wind_speed, wind_from = self.rng.uniform(0.5, 3.5), self.rng.uniform(0, 2 * math.pi)
        self.wind = (-wind_speed * math.sin(wind_from), -wind_speed * math.cos(wind_from))  # blowing towards
        self.state = _State(*self.plan.base)
        self.truth: list[Truth] = []
        self._seq = {"sample": 0, "event": 0}
        self.sprayed_m = 0.0  # metres flown with the nozzles open
        self.sprayed_l = 0.0

    @property
    def done(self) -> bool:
        return self.state.row >= len(self.plan.rows)

    # ------------------------------------------------------------ reporting

    def _next(self, what: str) -> int:
        self._seq[what] += 1
        return self._seq[what] - 1

    def _event(self, t: datetime, kind: str, detail: str | None = None) -> UavEvent:
        lat, lon = self.plan.wgs84(self.state.x, self.state.y)
        return UavEvent(seq=self._next("event"), t=t, type=kind, detail=detail, lat=lat, lon=lon)  # type: ignore[arg-type]

    def _sample(self, t: datetime, speed: float, heading: float, mode: str, spraying: bool) -> UavSample:
        s, spec = self.state, self.spec
        nx, ny = self.rng.normal(0.0, spec.gnss_sigma_m, 2)
        lat, lon = self.plan.wgs84(s.x + nx, s.y + ny)
        self.truth.append(Truth(t, s.x, s.y, s.z, spraying))
        flying = s.z > 0.0
        return UavSample(
            seq=self._next("sample"), t=t, lat=lat, lon=lon,
            height_agl_m=max(0.0, s.z + (self.rng.normal(0.0, 0.05) if flying else 0.0)),
            ground_speed_mps=max(0.0, speed + (self.rng.normal(0.0, 0.1) if speed else 0.0)),
            heading_deg=heading % 360.0, battery_pct=round(s.battery, 2), flight_mode=mode, armed=flying or mode != "STANDBY",
            spraying=spraying, flow_rate_lpm=spec.flow_lpm if spraying else 0.0, tank_level_l=round(s.tank, 3),
            swath_width_m=spec.swath_m, gps_fix=3, satellites=int(self.rng.integers(14, 21)),
        )

    # ------------------------------------------------------------ physics

    def _drain(self, dt: float, heading: float, speed: float) -> None:
        s, spec = self.state, self.spec
        load = 0.7 + 0.3 * s.tank / spec.tank_l  # a full tank is a third of the take-off weight
        headwind = -(self.wind[0] * math.sin(math.radians(heading)) + self.wind[1] * math.cos(math.radians(heading)))
        air = 1.0 + 0.04 * max(0.0, headwind) + 0.01 * speed
        s.battery = max(0.0, s.battery - 100.0 * dt / spec.endurance_s * load * air)

    def _fly(self, target: tuple[float, float], speed: float, mode: str, spraying: bool,
             until: datetime) -> Iterator[UavSample]:
        """Fly level to ``target`` at ``speed``, a sample every tick; stops early when the tank or battery says so."""
        s, dt = self.state, 1.0 / self.spec.rate_hz
        while s.t < until:
            dx, dy = target[0] - s.x, target[1] - s.y
            remaining = math.hypot(dx, dy)
            if remaining < 1e-9:
                return
            heading = math.degrees(math.atan2(dx, dy))
            arrived = remaining <= speed * dt
            step = min(speed * dt, remaining)
            if arrived:  # the last metres: onto the waypoint, where the next leg starts
                s.x, s.y, s.cross = target[0], target[1], 0.0
            else:
                # Wind pushes the aircraft off its track; the controller pulls it back (an AR(1) wander).
                crosswind = (self.wind[0] * math.cos(math.radians(heading))
                             - self.wind[1] * math.sin(math.radians(heading)))
                s.gust = 0.9 * s.gust + self.rng.normal(0.0, 0.3)
                offset = 0.95 * s.cross + 0.01 * (crosswind + s.gust)
                ux, uy = dx / remaining, dy / remaining
                s.x += ux * step + uy * (offset - s.cross)
                s.y += uy * step - ux * (offset - s.cross)
                s.cross = offset
            if spraying:
                used = min(s.tank, self.spec.flow_lpm / 60.0 * dt)
                s.tank -= used
                self.sprayed_l += used
                self.sprayed_m += step
                s.along += step
            self._drain(dt, heading, speed)
            s.t += timedelta(seconds=dt)
            yield self._sample(s.t, step / dt, heading, mode, spraying)
            if arrived or (spraying and (s.tank <= 0.0 or s.battery <= self.spec.reserve_pct)):
                return

    def _vertical(self, height: float, rate: float, mode: str) -> Iterator[UavSample]:
        s, dt = self.state, 1.0 / self.spec.rate_hz
        while abs(s.z - height) > 1e-9:
            s.z = min(height, s.z + rate * dt) if height > s.z else max(height, s.z - rate * dt)
            self._drain(dt, 0.0, 0.0)
            s.t += timedelta(seconds=dt)
            yield self._sample(s.t, 0.0, 0.0, mode, False)

    # ------------------------------------------------------------ a window's work

    def work(self, start: datetime, until: datetime) -> Iterator[UavSample | UavEvent]:
        """Sorties from ``start`` until the field is done or ``until``; items in time order."""
        s, spec = self.state, self.spec
        s.t = start
        sortie_s = spec.tank_l / spec.flow_lpm * 60 + 180  # a tank's spraying plus transit, take-off and landing
        if not self.done:
            yield self._event(s.t, "mission_start", f"{len(self.plan.rows) - s.row} rows left")
        while not self.done and s.t + timedelta(seconds=sortie_s + spec.service_s) < until:
            if s.tank < spec.tank_l:
                s.t += timedelta(seconds=spec.service_s)
                s.tank, s.battery = spec.tank_l, 100.0
                yield self._event(s.t, "tank_refill", f"{spec.tank_l:.0f} L")
                yield self._event(s.t, "battery_swap")
            yield self._event(s.t, "take_off")
            yield from self._vertical(spec.height_m, spec.climb_mps, "TAKEOFF")
            while not self.done and s.tank > 0.0 and s.battery > spec.reserve_pct and s.t < until:
                a, b = self.plan.rows[s.row]
                length = math.dist(a, b)
                resume = (a[0] + (b[0] - a[0]) * s.along / length, a[1] + (b[1] - a[1]) * s.along / length)
                yield from self._fly(resume, spec.transit_speed_mps, "AUTO", False, until)
                yield from self._fly(b, spec.spray_speed_mps, "AUTO", True, until)
                if math.dist((s.x, s.y), b) < 0.5:
                    s.row, s.along = s.row + 1, 0.0
            reason = ("tank empty" if s.tank <= 0 else "battery reserve" if s.battery <= spec.reserve_pct
                      else "field done" if self.done else "window closing")
            yield self._event(s.t, "return_to_launch", reason)
            yield from self._fly(self.plan.base, spec.transit_speed_mps, "RTL", False, until + timedelta(hours=1))
            yield from self._vertical(0.0, spec.descent_mps, "LAND")
            yield self._event(s.t, "landing")
        if self.done:
            yield self._event(s.t, "mission_end",
                              f"{self.sprayed_l:.1f} L over {self.sprayed_m * spec.swath_m / 1e4:.2f} ha")

    @property
    def field_area_ha(self) -> float:
        return shapely.area(self.plan.field) / 1e4
