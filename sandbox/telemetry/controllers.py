"""Telemetry over HTTP: latest state, series for charts, CSV export, dead letters, how to connect, metrics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, Request, Response
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from sandbox.api.dependencies import AppSettings, CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get
from sandbox.telemetry import reading
from sandbox.telemetry.metrics import CONTENT_TYPE, render_metrics
from sandbox.telemetry.schemas import ConnectionInfo, DeadLetterView, DeviceLatest, Series

__all__ = ["MetricsController", "TelemetryController"]

From = Annotated[datetime | None, QueryParameter(name="from", description="start, RFC 3339 with a zone")]
To = Annotated[datetime | None, QueryParameter(name="to", description="end (excluded); default: now")]
Stream_ = Annotated[str | None, QueryParameter(name="stream", description="uav_samples, amr_samples, …")]
DeviceFilter = Annotated[uuid.UUID | None, QueryParameter(name="device")]


class TelemetryController(Controller):
    path = "/trials/{trial_id:uuid}"
    tags = ["Telemetry"]

    @get("/telemetry/latest", summary="Each device's newest sample and status, and when it was last heard")
    def latest(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID]) -> list[DeviceLatest]:
        return reading.device_latest(db, actor, trial_id)

    @get("/telemetry/series", summary="min/avg/max of a numeric field per time bucket, per device")
    def series(
        self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID],
        field: Annotated[str, QueryParameter(description="e.g. height_agl_m")], stream: Stream_ = None,
        start: From = None, end: To = None, device: DeviceFilter = None,
        bucket_s: Annotated[int | None, QueryParameter(ge=1, le=31 * 86_400)] = None,
    ) -> Series:
        return reading.telemetry_series(db, actor, trial_id, field, stream=stream, start=start, end=end,
                                        bucket_s=bucket_s, device_id=device)

    @get("/telemetry/export", summary="Raw rows of a stream as CSV (times in Asia/Ho_Chi_Minh)")
    def export(
        self, db: Db, actor: CurrentActor, state: State, trial_id: FromPath[uuid.UUID], stream: Stream_ = None,
        start: From = None, end: To = None, device: DeviceFilter = None,
    ) -> Stream:
        name, lines = reading.csv_export(db, state.engine, actor, trial_id, stream=stream, start=start, end=end,
                                         device_id=device)
        return Stream(lines, media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @get("/dead-letters", summary="Messages of this trial's devices that could not be stored, and why")
    def dead_letters(self, db: Db, actor: CurrentActor, trial_id: FromPath[uuid.UUID], limit: Limit = 50,
                     offset: Offset = 0) -> Page[DeadLetterView]:
        items, total = reading.dead_letters(db, actor, trial_id, limit, offset)
        return Page(items, total, limit, offset)

    @get("/devices/{device_id:uuid}/connection", summary="Broker address, client id and topics for this device")
    def connection(self, db: Db, actor: CurrentActor, settings: AppSettings, request: Request,
                   trial_id: FromPath[uuid.UUID], device_id: FromPath[uuid.UUID]) -> ConnectionInfo:
        return reading.connection_info(db, actor, trial_id, device_id, settings, request.url.hostname or "127.0.0.1")


class MetricsController(Controller):
    path = "/metrics"
    tags = ["Public"]
    include_in_schema = False

    @get("/", summary="Prometheus metrics of ingestion")
    def metrics(self, db: Db) -> Response[bytes]:
        return Response(render_metrics(db), media_type=CONTENT_TYPE)
