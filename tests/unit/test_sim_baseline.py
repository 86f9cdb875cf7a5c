"""Baselines: manual spraying and deliveries on foot, at the rates they are drawn with, seeded."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import numpy as np
import pytest

from sims.baseline import manual_deliveries, manual_spraying, write_csv

START = date(2026, 6, 1)


def test_manual_spraying_rounds_come_weekly_at_the_crews_pace_and_volume() -> None:
    records = manual_spraying("vi_tan_control", 12.2, START, 365, seed=4)
    assert records == manual_spraying("vi_tan_control", 12.2, START, 365, seed=4)
    assert records != manual_spraying("vi_tan_control", 12.2, START, 365, seed=5)
    gaps = np.diff([r.day.toordinal() for r in records])
    assert set(gaps) <= {6, 7, 8} and 45 <= len(records) <= 60
    assert all(10.98 <= r.area_ha <= 12.2 and 2 <= r.workers <= 4 for r in records)
    per_worker = np.array([r.ha_per_hour / r.workers for r in records])
    assert np.median(per_worker) == pytest.approx(0.12, rel=0.1)
    assert np.median([r.litres_per_ha for r in records]) == pytest.approx(400, rel=0.1)


def test_deliveries_on_foot_come_on_workdays_within_office_hours() -> None:
    places = {"canteen": 170.0, "library": 250.0, "dorm": 320.0}
    records = manual_deliveries(places, START, 28, seed=1)
    assert records == manual_deliveries(places, START, 28, seed=1)
    local = [r.requested + timedelta(hours=7) for r in records]  # Can Tho time
    assert {moment.weekday() for moment in local} == {0, 1, 2, 3, 4}
    assert min(moment.hour for moment in local) >= 7 and max(moment.hour for moment in local) < 17
    assert 20 * 24 * 0.8 <= len(records) <= 20 * 24 * 1.2  # 20 workdays in four weeks from a Monday
    walk = {r.destination: r.distance_m * 2 / 1.1 / 60 + 3 for r in records}
    assert all(r.minutes >= walk[r.destination] * 0.7 for r in records)
    assert 0.9 <= np.mean([r.delivered for r in records]) < 1.0


def test_records_are_written_as_csv_with_a_header(tmp_path) -> None:
    path = write_csv(manual_spraying("vi_tan_control", 12.2, START, 30, seed=4), tmp_path / "manual.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert list(rows[0]) == ["day", "field", "area_ha", "workers", "hours", "litres"]
    assert date.fromisoformat(rows[0]["day"]) >= START and float(rows[0]["litres"]) > 0
    with pytest.raises(ValueError, match="no records"):
        write_csv([], tmp_path / "empty.csv")
