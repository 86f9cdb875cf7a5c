"""The evaluation reads what the telemetry stored: the same trial with two drones, fed through the pipeline."""

from tests.integration.telemetry.conftest import field  # noqa: F401 - the fixture, shared
