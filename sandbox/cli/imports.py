"""Importing recorded telemetry from files (flight logs)."""

from __future__ import annotations

from sandbox.cli import main


@main.group("import")
def import_() -> None:
    """Import recorded telemetry."""
