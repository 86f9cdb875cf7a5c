"""What the evaluation reads of a drone's samples: its sorties and its spraying track, from the store's rollups.

A drone's **sortie** is a run of armed samples with no gap longer than ``SORTIE_GAP_S``: it starts when the
drone is armed and ends when it is disarmed or goes quiet. Its flight time adds up the intervals between
consecutive armed samples (a gap longer than the limit adds nothing: the drone was not heard, so it is not
counted as flying); its litres integrate the flow rate over the spraying intervals. The store keeps each
minute's pieces of sorties and each second's spraying positions (sandbox.telemetry.store.sorties), so that a
report on millions of samples reads a few thousand pieces and one row per second sprayed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection

from sandbox.clock import utcnow
from sandbox.telemetry.store.rollups import SORTIE_GAP_S
from sandbox.telemetry.store.sorties import Sortie, sortie_pieces, sorties_of, spraying_seconds
from sandbox.telemetry.store.sorties import SprayingSeconds as SprayingTrack

__all__ = ["SORTIE_GAP_S", "Sortie", "SprayingTrack", "spraying_track", "uav_sorties"]


def uav_sorties(connection: Connection, trial_id: uuid.UUID, until: datetime | None = None) -> list[Sortie]:
    """Every sortie of the trial's drones, from what was sampled and received before ``until`` (by default now)."""
    return sorties_of(sortie_pieces(connection, trial_id, until or utcnow()))


def spraying_track(connection: Connection, trial_id: uuid.UUID,
                   until: datetime | None = None) -> dict[uuid.UUID, SprayingTrack]:
    """The trial's spraying samples averaged per device and second, by device: a 10 Hz track arrives at 1 Hz, finer than a
    swath at spraying speeds (a metre or a few between points along straight rows)."""
    return spraying_seconds(connection, trial_id, until or utcnow())
