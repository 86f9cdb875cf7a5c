"""Any device's days in its main stream, as the evaluation reads them: how long it operated, how much of what it
numbered arrived, and how long it was outside its operating envelope.

**Operating time** counts the minutes (60-s buckets on the epoch, so local minutes too) with at least one row:
a drone parked and silent does not operate, one reporting once a minute or ten times a second operates the
same minute. **Completeness** is ``received / numbered``: a device numbers each sample (``seq``, +1 a sample),
so the span of its numbers over a day, ``max(seq) - min(seq) + 1``, is what it sent, and a shortfall is what was
lost on the way. The limits of a span: a counter that restarts within a day inflates it (it is never taken
below what arrived, so completeness stays ≤ 1), and samples lost at the very start or end of a day do not show.
Both are summed from the store's minutes (sandbox.telemetry.store.rollups: rows and the range of their numbers
per device and minute, counted by the writer), by device and local day.

**Time outside the envelope** is the union, per device, of the rule incidents' intervals the caller passes (an
open incident ends at ``until``; overlapping incidents — a geofence breach during a speed excursion — count
once), split at local midnight: a few intervals, so they are clipped in Python. A day a device spent outside its
envelope without a single row still appears, with nothing received.

Days are local days in Asia/Ho_Chi_Minh. Only rows stored before the cut-off are read: ``time < until`` and
``received_at < until``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table

from sandbox.clock import LOCAL_TZ
from sandbox.evaluation.inputs import DeviceDay
from sandbox.telemetry.store.rollups import MINUTE_S, minutes
from sandbox.telemetry.store.tables import AMR_SAMPLES, CAMERA_STATUS, UAV_SAMPLES

__all__ = ["MAIN_STREAMS", "OPERATING_BUCKET_S", "device_days", "outside_hours"]

OPERATING_BUCKET_S = MINUTE_S  # a minute with any row is an operating minute
MAIN_STREAMS = (UAV_SAMPLES, CAMERA_STATUS, AMR_SAMPLES)  # each kind's stream numbered sample by sample


def device_days(connection: Connection, trial_id: uuid.UUID, table: Table, until: datetime,
                envelope_intervals: Sequence[tuple[uuid.UUID, datetime, datetime]] = ()) -> list[DeviceDay]:
    """Each device's local days in ``table``: operating hours, rows received and numbered, hours outside the envelope."""
    if table not in MAIN_STREAMS:
        names = ", ".join(t.name for t in MAIN_STREAMS)
        raise ValueError(f"table must be a kind's main stream ({names}), not {table.name!r}")
    days: dict[tuple[uuid.UUID, date], dict[str, Any]] = {}
    for minute in minutes(connection, table, trial_id, until):
        day = minute.minute.astimezone(LOCAL_TZ).date()
        found = days.get((minute.device_id, day))
        if found is None:
            days[(minute.device_id, day)] = {"minutes": 1, "received": minute.rows, "first": minute.first_seq,
                                             "last": minute.last_seq}
        else:
            found["minutes"] += 1
            found["received"] += minute.rows
            found["first"] = min(found["first"], minute.first_seq)
            found["last"] = max(found["last"], minute.last_seq)
    values = {key: {"operating_h": found["minutes"] * OPERATING_BUCKET_S / 3600.0, "received": found["received"],
                    "numbered": max(found["last"] - found["first"] + 1, found["received"]), "outside_envelope_h": 0.0}
              for key, found in days.items()}
    for (device_id, day), hours in outside_hours(envelope_intervals, until).items():
        found = values.setdefault((device_id, day), {"operating_h": 0.0, "received": 0, "numbered": 0})
        found["outside_envelope_h"] = hours
    return [DeviceDay(device_id=device_id, day=day, **found) for (device_id, day), found in sorted(values.items())]


def outside_hours(intervals: Sequence[tuple[uuid.UUID, datetime, datetime]],
                  until: datetime) -> dict[tuple[uuid.UUID, date], float]:
    """Hours per device and local day covered by the intervals: merged per device, cut at ``until`` and midnight."""
    by_device: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for device_id, start, end in intervals:
        end = min(end, until)
        if end > start:
            by_device[device_id].append((start, end))
    hours: dict[tuple[uuid.UUID, date], float] = defaultdict(float)
    for device_id, spans in by_device.items():
        merged: list[list[datetime]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            day = start.astimezone(LOCAL_TZ).date()
            while True:
                midnight = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)
                piece_end = min(end, midnight)
                if piece_end > start:
                    hours[(device_id, day)] += (piece_end - start).total_seconds() / 3600.0
                if end <= midnight:
                    break
                start, day = midnight, day + timedelta(days=1)
    return dict(hours)
