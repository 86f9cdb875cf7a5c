"""The rollup keeper: a thread of the ingester that brings a drone's sortie pieces and spraying seconds up to date.

Off the ingest path on purpose: the writer only adds its rows to their minutes' counts; every ``EVERY_S`` the
keeper recomputes, from the rows, the pieces and seconds of minutes that got rows and have had none for
``QUIET_S`` (a minute still being flown would be done again and again), reading at most ``ROWS_PER_ROUND`` rows
at a time, so that catching up after a burst takes a small share of the machine, not all of it: 25,000 rows a
second, where a drone at 10 Hz sends 10. While the writer has a backlog the keeper waits: rows first, rollups
after. Until it has, readers sum those
minutes from the rows (sandbox.telemetry.store.rollups), so a report is right whatever the keeper's progress.
Keepers of ingesters sharing the stream take turns (an advisory lock on PostgreSQL).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from sandbox.clock import utcnow
from sandbox.telemetry.store.upkeep import catch_up

__all__ = ["RollupKeeper"]

log = logging.getLogger("sandbox.telemetry")

EVERY_S = 2.0
QUIET_S = 10.0
ROWS_PER_ROUND = 50_000


class RollupKeeper:
    def __init__(self, engine: Engine, busy: Callable[[], bool] = lambda: False) -> None:
        self.engine = engine
        self.busy = busy
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> int:
        """One round: the minutes brought up to date (0 if the database is away; the next round tries again)."""
        try:
            with self.engine.begin() as connection:
                return catch_up(connection, utcnow() - timedelta(seconds=QUIET_S), ROWS_PER_ROUND)
        except DBAPIError as exc:
            log.warning("the rollup keeper could not run (%s); it tries again in %.0f s", exc.__class__.__name__,
                        EVERY_S)
            return 0

    def _run(self) -> None:
        while not self._stop.wait(EVERY_S):
            if not self.busy():
                self.round()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rollup-keeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
