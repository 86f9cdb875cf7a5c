"""A drone's sorties and spraying track, read from the store's rollups at a cut-off.

The store keeps each minute's pieces of sorties and each second's spraying positions
(sandbox.telemetry.store.rollups); here the pieces are joined into whole sorties, and the seconds come back as
one track a drone, so that a report on millions of samples reads a few thousand pieces and a row a second sprayed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Connection, Float, Select, func, select, type_coerce

from sandbox.telemetry.store.queries import instant
from sandbox.telemetry.store.rollups import (
    MINUTE_S,
    SORTIE_GAP_S,
    UAV_SORTIE_PIECES,
    UAV_SPRAYING_SECONDS,
    Cut,
    at_one_cut,
)
from sandbox.telemetry.store.tables import UAV_SAMPLES

__all__ = ["Piece", "Sortie", "SprayingSeconds", "sortie_pieces", "sorties_of", "spraying_seconds"]

MINUTE = timedelta(seconds=MINUTE_S)


@dataclass(frozen=True, slots=True)
class Piece:
    device_id: uuid.UUID
    minute: datetime
    start: datetime
    end: datetime
    samples: int
    flight_s: float
    spraying_s: float
    litres: float
    first_spraying: bool
    first_flow_lpm: float
    opens: bool
    closes: bool


def sortie_pieces(connection: Connection, trial_id: uuid.UUID, until: datetime) -> list[Piece]:
    """The trial's sortie pieces before the cut-off, by device and time."""
    return at_one_cut(connection, UAV_SAMPLES, trial_id, until, lambda cut: _pieces(connection, cut))


def _pieces(connection: Connection, cut: Cut) -> list[Piece]:
    columns = [c for c in UAV_SORTIE_PIECES.columns if c.name not in ("trial_id", "piece")]
    rows = [tuple(row) for row in connection.execute(select(*columns).where(*cut.settled(UAV_SORTIE_PIECES)))]
    rows += [(row[1], row[2], *row[4:]) for row in cut.unsettled(connection, UAV_SORTIE_PIECES)]
    found = [Piece(device, instant(connection, UAV_SAMPLES, minute), instant(connection, UAV_SAMPLES, start),
                   instant(connection, UAV_SAMPLES, end), int(samples), float(flight_s or 0.0),
                   float(spraying_s or 0.0), float(litres or 0.0), bool(first_spraying), float(first_flow or 0.0),
                   bool(opens), bool(closes))
             for device, minute, start, end, samples, flight_s, spraying_s, litres, first_spraying, first_flow, opens,
             closes in rows]
    return sorted(found, key=lambda piece: (str(piece.device_id), piece.start))


@dataclass(frozen=True, slots=True)
class Sortie:
    device_id: uuid.UUID
    number: int  # 1, 2, … for each device
    start: datetime
    end: datetime
    flight_s: float  # the intervals between its consecutive samples
    spraying_s: float  # those ending in a spraying sample
    litres: float  # the flow rate over those
    samples: int


def sorties_of(pieces: Sequence[Piece]) -> list[Sortie]:
    """Whole sorties from their pieces (by device and time): a piece that opens its minute continues the sortie of
    the piece that closed the minute before, when their samples are at most ``SORTIE_GAP_S`` apart; the interval
    between them then counts as flown (and sprayed, if the later sample sprays)."""
    found: list[Sortie] = []
    previous: Piece | None = None
    gap_limit = timedelta(seconds=SORTIE_GAP_S)
    for piece in pieces:
        same_device = previous is not None and previous.device_id == piece.device_id
        if (same_device and previous is not None and previous.closes and piece.opens
                and piece.minute - previous.minute == MINUTE and piece.start - previous.end <= gap_limit):
            last = found[-1]
            gap = (piece.start - previous.end).total_seconds()
            sprayed = gap if piece.first_spraying else 0.0
            found[-1] = Sortie(last.device_id, last.number, last.start, piece.end, last.flight_s + gap + piece.flight_s,
                               last.spraying_s + sprayed + piece.spraying_s,
                               last.litres + sprayed * piece.first_flow_lpm / 60.0 + piece.litres,
                               last.samples + piece.samples)
        else:
            number = found[-1].number + 1 if same_device else 1
            found.append(Sortie(piece.device_id, number, piece.start, piece.end, piece.flight_s, piece.spraying_s,
                                piece.litres, piece.samples))
        previous = piece
    return found


def _floats(connection: Connection, query: Select[Any]) -> list[tuple[float, ...]]:
    """Rows of floats, many of them: on PostgreSQL fetched in binary by the driver (a quarter of the time SQLAlchemy
    takes to build its rows: 0.7 s against 2.9 s for 772,000 seconds of track in bench/evaluation.py)."""
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(query)]
    compiled = query.compile(dialect=connection.dialect)
    with connection.connection.driver_connection.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        return cursor.execute(str(compiled), compiled.params).fetchall()


@dataclass(frozen=True, slots=True)
class SprayingSeconds:
    """A drone's spraying positions averaged per second (with the narrowest swath of each), in time order; ``t_s``
    is each second's start in seconds since the epoch."""

    t_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    swath_m: np.ndarray


def spraying_seconds(connection: Connection, trial_id: uuid.UUID, until: datetime) -> dict[uuid.UUID, SprayingSeconds]:
    """The trial's spraying seconds before the cut-off, by device (one query a device: a row carries no device)."""
    return at_one_cut(connection, UAV_SAMPLES, trial_id, until, lambda cut: _seconds(connection, cut))


def _seconds(connection: Connection, cut: Cut) -> dict[uuid.UUID, SprayingSeconds]:
    s = UAV_SPRAYING_SECONDS.c
    postgresql = connection.dialect.name == "postgresql"
    scale = 1.0 if postgresql else 1_000_000.0  # SQLite keeps microseconds
    # Seconds since the epoch and averages computed by the server, once a row, rather than row by row in Python.
    start = func.date_part("epoch", s.second, type_=Float) if postgresql else type_coerce(s.second, BigInteger)
    settled = cut.settled(UAV_SPRAYING_SECONDS)
    fresh: dict[uuid.UUID, list[tuple]] = {}
    for _, device, second, samples, lon_sum, lat_sum, swath in cut.unsettled(connection, UAV_SPRAYING_SECONDS):
        fresh.setdefault(device, []).append((instant(connection, UAV_SAMPLES, second).timestamp() * scale,
                                             lon_sum / samples, lat_sum / samples, swath))
    devices = set(connection.execute(select(s.device_id).where(*settled).distinct()).scalars()) | set(fresh)
    found = {}
    for device in sorted(devices, key=str):
        rows = _floats(connection, select(start, s.lon_sum / s.samples, s.lat_sum / s.samples, s.swath_m)
                       .where(*settled, s.device_id == device).order_by(s.second))
        table = np.array(rows + fresh.get(device, []), dtype=float).reshape(-1, 4)
        table = table[np.argsort(table[:, 0], kind="stable")]
        found[device] = SprayingSeconds(table[:, 0] / scale, table[:, 1], table[:, 2], table[:, 3])
    return found
