"""Reading telemetry back through the API: latest state, bucketed series, CSV, dead letters, metrics."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import timedelta

from sandbox.clock import LOCAL_TZ
from tests.integration.telemetry.conftest import Field, batch, in_window_now, uav


def test_latest_state_of_each_device(field: Field) -> None:
    t0 = in_window_now()
    field.send((field.topic(field.drones[0]), batch(uav(1, t0, height=10), uav(2, t0 + timedelta(seconds=1),
                                                                              height=12))))
    latest = field.api.call("GET", f"/trials/{field.trial['id']}/telemetry/latest", "evaluator", expect=200)
    by_id = {item["device_id"]: item for item in latest}
    heard = by_id[field.drones[0]]
    assert heard["sample"]["seq"] == 2 and heard["sample"]["height_agl_m"] == 12
    assert heard["sample"]["time"] == (t0 + timedelta(seconds=1)).astimezone(LOCAL_TZ).isoformat()
    assert heard["last_heard_at"] is not None
    assert by_id[field.drones[1]]["sample"] is None  # enrolled, never heard


def test_series_aggregates_per_bucket_in_sql(field: Field) -> None:
    t0 = in_window_now()
    heights = [10 + (i % 7) * 1.5 for i in range(120)]  # two minutes at 1 Hz
    field.send((field.topic(field.drones[0]),
                batch(*[uav(i, t0 + timedelta(seconds=i), height=h) for i, h in enumerate(heights)])))
    series = field.api.call("GET", f"/trials/{field.trial['id']}/telemetry/series", "alpha", expect=200,
                            field="height_agl_m", bucket_s=60, **{"from": t0.isoformat(),
                                                                   "to": (t0 + timedelta(minutes=2)).isoformat()})
    assert series["bucket_s"] == 60 and len(series["points"]) == 2
    for point, minute in zip(series["points"], (heights[:60], heights[60:]), strict=True):
        assert point["count"] == 60
        assert (point["min"], point["max"]) == (min(minute), max(minute))
        assert abs(point["avg"] - statistics.fmean(minute)) < 1e-9
    assert series["points"][0]["start"] == t0.astimezone(LOCAL_TZ).isoformat()
    chosen = field.api.call("GET", f"/trials/{field.trial['id']}/telemetry/series", "alpha", expect=200,
                            field="battery_pct", **{"from": t0.isoformat(), "to": (t0 + timedelta(hours=2)).isoformat()})
    assert chosen["bucket_s"] == 30  # two hours in at most 500 buckets
    bad = field.api.call("GET", f"/trials/{field.trial['id']}/telemetry/series", "alpha", expect=422, field="flight_mode")
    assert bad["errors"][0]["pointer"] == "#/field"


def test_csv_export_has_every_row_with_local_times(field: Field) -> None:
    t0 = in_window_now()
    samples = [uav(i, t0 + timedelta(seconds=i)) for i in range(1000)]
    result = field.send((field.topic(field.drones[0]), batch(*samples[:500])),
                        (field.topic(field.drones[0]), batch(*samples[500:])),
                        (field.topic(field.drones[1]), batch(*samples[:5])))
    assert result.stored == 1005
    response = field.api.client.get(
        f"/api/v1/trials/{field.trial['id']}/telemetry/export", headers=field.api.headers("evaluator"),
        params={"from": t0.isoformat(), "to": (t0 + timedelta(hours=1)).isoformat()})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith(f'attachment; filename="{field.trial["reference"]}-uav')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1005
    assert rows[0]["time"] == t0.astimezone(LOCAL_TZ).isoformat() and rows[0]["flight_mode"] == "AUTO"
    only = field.api.client.get(
        f"/api/v1/trials/{field.trial['id']}/telemetry/export", headers=field.api.headers("alpha"),
        params={"from": t0.isoformat(), "to": (t0 + timedelta(hours=1)).isoformat(), "device": field.drones[1]})
    assert len(list(csv.DictReader(io.StringIO(only.text)))) == 5
    assert field.api.client.get(f"/api/v1/trials/{field.trial['id']}/telemetry/export",
                                headers=field.api.headers("beta")).status_code == 404


def test_dead_letters_are_shown_to_the_trial_with_their_reason(field: Field) -> None:
    field.send((field.topic(field.drones[0]), b"{garbage"))
    page = field.api.call("GET", f"/trials/{field.trial['id']}/dead-letters", "alpha", expect=200)
    assert page["total"] == 1 and page["items"][0]["reason"] == "malformed" and page["items"][0]["size"] == 8
    field.api.call("GET", f"/trials/{field.trial['id']}/dead-letters", "beta", expect=404)


def test_connection_info_tells_a_device_maker_what_to_use(field: Field) -> None:
    drone = field.drones[0]
    info = field.api.call("GET", f"/trials/{field.trial['id']}/devices/{drone}/connection", "alpha", expect=200)
    assert info["client_id"] == info["username"] == drone
    assert info["publish_topics"] == [f"sandbox/v1/{field.trial['reference']}/{drone}/#"]
    assert info["contract_topics"]["telemetry"] == field.topic(drone)


def test_metrics_count_what_was_received_stored_and_refused(field: Field) -> None:
    t0 = in_window_now()
    field.send((field.topic(field.drones[0]), batch(uav(1, t0), uav(2, t0 + timedelta(seconds=1)))),
               (field.topic(field.drones[0]), b"{"))
    field.send((field.topic(field.drones[0]), batch(uav(1, t0))))
    text = field.api.client.get("/metrics").text
    assert 'sandbox_ingest_samples_committed_total{ingester="test-ingester"} 2.0' in text
    assert 'sandbox_ingest_samples_duplicate_total{ingester="test-ingester"} 1.0' in text
    assert 'sandbox_ingest_messages_rejected_total{ingester="test-ingester",reason="malformed"} 1.0' in text
    assert 'sandbox_ingest_lag_seconds_count{ingester="test-ingester"} 3.0' in text
    assert 'sandbox_dead_letters{reason="malformed"} 1.0' in text
