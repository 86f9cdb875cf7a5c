"""Live telemetry for the demo: the UAV trial's drones publish over MQTT like real devices.

During the plan's operating windows each drone flies a spraying sortie over the trial's field — a
lawnmower pattern at 20 m and 5 m/s, rows one swath apart — and outside them it waits disarmed on
the ground; either way it sends ten samples at 10 Hz in one message a second, through the device
client (``devices/``) with the device's own credentials, to the embedded broker. The ingester,
the live rules and the read-back API see nothing different from a field.

The simulators (``sims/``) fill in the trials' past (``sandbox.demo.history``); this live part is simpler
and runs around the clock: no wind, no GPS noise, no landings; back at the start of the pattern a
drone has a fresh battery and a full tank, as if swapped in flight.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shapely.geometry import LineString, Point

from devices.client import DeviceClient
from sandbox.demo.seed import Fleet
from sandbox.telemetry.contract import UavSample
from sandbox.telemetry.rules.envelope import Envelope, build_envelope
from sandbox.trials.geofence import to_shape
from sandbox.trials.plan import Geofence
from sims.uav import Lawnmower

__all__ = ["DemoFeed", "Sortie"]

log = logging.getLogger("sandbox.demo")
RATE_HZ = 10
HEIGHT_M = 20.0
SPEED_MPS = 5.0
SWATH_M = 5.0
TANK_L = 30.0
FLOW_LPM = 2.0


class Sortie:
    """A lawnmower pattern over a field polygon, and where a drone flying it is after a given time."""

    def __init__(self, field: Geofence, swath_m: float = SWATH_M, margin_m: float = 3.0) -> None:
        self.pattern = Lawnmower(list(to_shape(field).exterior.coords), swath_m, margin_m)
        corners = [corner for row in self.pattern.rows for corner in row]
        self.path = LineString([*corners, corners[0]])  # and back to where the pattern starts
        self.rows = len(self.pattern.rows)

    @property
    def seconds(self) -> float:
        return self.path.length / SPEED_MPS

    def where(self, elapsed_s: float) -> tuple[float, float, float]:
        """(lat, lon, heading in degrees) after ``elapsed_s`` seconds of flying, looping at the end."""
        distance = (elapsed_s * SPEED_MPS) % self.path.length
        here: Point = self.path.interpolate(distance)
        ahead: Point = self.path.interpolate(min(distance + 1.0, self.path.length))
        if ahead.equals(here):
            ahead = self.path.interpolate(0.0)
        heading = math.degrees(math.atan2(ahead.x - here.x, ahead.y - here.y)) % 360
        lat, lon = self.pattern.wgs84(here.x, here.y)
        return lat, lon, heading


class DemoFeed:
    """A thread that makes the fleet's drones publish a message a second until stopped."""

    def __init__(self, fleet: Fleet, host: str, port: int, outbox: Callable[[str], Path] | None = None) -> None:
        self.fleet = fleet
        self.envelope: Envelope = build_envelope(fleet.plan, "agri_uav")
        self.sortie = Sortie(fleet.plan.sites[0].geofence)
        self.host, self.port, self.outbox = host, port, outbox
        self.publishers: list[DeviceClient] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-feed", daemon=True)

    def start(self) -> None:
        """Connect the drones (each with the outbox its simulated past left: it carries on its numbering) and fly."""
        for _, device, secret in self.fleet.devices:
            where: Path | str = ":memory:"
            if self.outbox is not None:
                where = self.outbox(device)
                where.parent.mkdir(parents=True, exist_ok=True)
            self.publishers.append(DeviceClient(self.host, self.port, trial=self.fleet.trial, device=device,
                                                secret=secret, firmware="demo", batch_size=RATE_HZ, outbox=where))
        for publisher in self.publishers:
            publisher.connect()
        self._thread.start()
        log.info("demo feed: %d drones of %s publishing", len(self.publishers), self.fleet.trial)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for publisher in self.publishers:
            publisher.close()

    def samples(self, index: int, publisher: DeviceClient, start: datetime,
                flying_since: datetime | None) -> list[UavSample]:
        """One second of samples of drone ``index``, from ``start``."""
        out: list[UavSample] = []
        for step in range(RATE_HZ):
            moment = start + timedelta(seconds=step / RATE_HZ)
            seq = publisher.next_seq()
            if flying_since is None:  # on the ground at the start of the pattern, disarmed
                lat, lon, heading = self.sortie.where(0.0)
                out.append(UavSample(seq=seq, t=moment, lat=lat, lon=lon, height_agl_m=0.0, ground_speed_mps=0.0,
                                     heading_deg=heading, battery_pct=100.0, flight_mode="STANDBY", armed=False,
                                     tank_level_l=TANK_L, satellites=16))
                continue
            # The drones share the field: the second starts half-way through the pattern.
            elapsed = (moment - flying_since).total_seconds() + index * self.sortie.seconds / 2
            lat, lon, heading = self.sortie.where(elapsed)
            used = (elapsed % self.sortie.seconds) / self.sortie.seconds
            out.append(UavSample(seq=seq, t=moment, lat=lat, lon=lon, height_agl_m=HEIGHT_M,
                                 ground_speed_mps=SPEED_MPS, heading_deg=heading, battery_pct=95.0 - 60.0 * used,
                                 flight_mode="AUTO", armed=True, spraying=True, flow_rate_lpm=FLOW_LPM,
                                 tank_level_l=max(0.0, TANK_L * (1.0 - used)), swath_width_m=SWATH_M, satellites=16))
        return out

    def _run(self) -> None:
        flying_since: datetime | None = None
        start = datetime.now(UTC).replace(microsecond=0)
        while not self._stop.wait(max(0.0, (start + timedelta(seconds=1) - datetime.now(UTC)).total_seconds())):
            inside = self.envelope.inside_window(start)
            flying_since = (flying_since or start) if inside else None
            for index, publisher in enumerate(self.publishers):
                for sample in self.samples(index, publisher, start, flying_since):
                    publisher.add(sample)
            start += timedelta(seconds=1)
