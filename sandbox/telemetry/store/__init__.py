"""The time-series store: tables, partitions, exactly-once writes, rollups, and the queries that read them back."""

from sandbox.telemetry.store import rollups

__all__ = ["rollups"]  # imported with the package, so that the rollups' tables are in TIMESERIES wherever it is used
