"""Baselines to compare a trial against: how the work is done today, without the product.

- **Manual spraying** (the UAV trial's pre-period and control field): crews with 16-litre knapsack
  sprayers work a field every spraying round (a rice crop is sprayed every week or so). A record
  per round: the area covered, the crew, the hours and the litres of mix used. Rates follow what
  extension services report for the Mekong delta: about 0.12 ha an hour per worker and 300–500 L of
  mix per hectare, against some 20–25 L/ha from a spraying drone.
- **Deliveries on foot** (the robot trial's pre-period): campus staff carry parcels from the
  mail room to the buildings; a record per delivery: when, where to, how long the round trip took.

A control site for the camera trial is a `CameraSim` with ``alert_effect=0``; a camera's
pre-period is the time before its ``alerts_from``. Records are drawn from one seeded generator,
and written as CSV for the evaluation to read (`write_csv`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sims.places import at_local

__all__ = ["ManualDelivery", "ManualSpraying", "manual_deliveries", "manual_spraying", "write_csv"]


@dataclass(frozen=True)
class ManualSpraying:
    """One spraying round of a field by hand."""

    day: date
    field: str
    area_ha: float
    workers: int
    hours: float
    litres: float

    @property
    def ha_per_hour(self) -> float:
        return self.area_ha / self.hours

    @property
    def litres_per_ha(self) -> float:
        return self.litres / self.area_ha


@dataclass(frozen=True)
class ManualDelivery:
    """One parcel carried by a member of staff, there and back."""

    requested: datetime
    destination: str
    distance_m: float
    minutes: float
    delivered: bool


def manual_spraying(field: str, field_ha: float, start: date, days: int, *, seed: int, round_every_days: int = 7,
                    workers: int = 3, ha_per_worker_hour: float = 0.12, litres_per_ha: float = 400.0
                    ) -> list[ManualSpraying]:
    """Spraying rounds of ``field`` (``field_ha`` hectares) from ``start`` for ``days`` days, one every
    ``round_every_days`` give or take a day; a round covers most of the field (a strip is missed now and
    then), at the crew's pace with a day-to-day spread of about 15%, using about ``litres_per_ha``."""
    if field_ha <= 0 or days <= 0 or workers <= 0:
        raise ValueError("a field has an area, a period has days and a crew has workers")
    rng = np.random.default_rng(seed)
    records = []
    day = start + timedelta(days=int(rng.integers(0, round_every_days)))
    while day < start + timedelta(days=days):
        area = field_ha * float(rng.uniform(0.9, 1.0))
        crew = max(1, workers + int(rng.integers(-1, 2)))
        pace = ha_per_worker_hour * float(rng.lognormal(0.0, 0.15))
        hours = area / (crew * pace)
        litres = area * litres_per_ha * float(rng.lognormal(0.0, 0.12))
        records.append(ManualSpraying(day, field, round(area, 3), crew, round(hours, 2), round(litres, 1)))
        day += timedelta(days=round_every_days + int(rng.integers(-1, 2)))
    return records


def manual_deliveries(destinations: dict[str, float], start: date, days: int, *, seed: int,
                      per_day: float = 24.0, walk_mps: float = 1.1, handover_min: float = 3.0,
                      workdays: Sequence[int] = (0, 1, 2, 3, 4)) -> list[ManualDelivery]:
    """Deliveries on foot on working days, 07:00–17:00: Poisson ``per_day`` requests to the
    ``destinations`` (name → one-way distance in metres); a walk there and back at about ``walk_mps``
    with a wait for the mail room's staff, and a few that fail (nobody there to take the parcel)."""
    rng = np.random.default_rng(seed)
    names = list(destinations)
    records = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() not in workdays:
            continue
        opens = at_local(day, time(7))
        for minute in np.sort(rng.uniform(0, 600, int(rng.poisson(per_day)))):
            where = names[int(rng.integers(len(names)))]
            distance = destinations[where]
            waited = float(rng.exponential(12.0))  # until someone is free to go
            walking = 2 * distance / (walk_mps * float(rng.lognormal(0.0, 0.1))) / 60.0
            records.append(ManualDelivery(
                requested=opens + timedelta(minutes=float(minute)),
                destination=where, distance_m=round(distance, 1),
                minutes=round(waited + walking + handover_min, 1), delivered=bool(rng.random() > 0.03)))
    return records


def write_csv(records: Sequence[Any], path: str | Path) -> Path:
    """Records as CSV, a header of their field names; times in ISO 8601 with their zone."""
    if not records:
        raise ValueError("no records to write")
    path = Path(path)
    names = [f.name for f in fields(records[0])]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        for record in records:
            writer.writerow({k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(record).items()})
    return path
