"""The intersection camera simulator: traffic follows the day, detections follow the detector's rates, same seed same day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest
from scipy import stats

from sandbox.telemetry.contract import CameraDetection, CameraStatus, DeviceStatus, validated
from sims.camera import HOURLY_PROFILE, RECALL, TRAFFIC_MIX, CameraSim, CameraSpec

MIDNIGHT = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 00:00 in Can Tho
DAYS = 4


def watched(spec: CameraSpec, seed: int = 3, days: float = DAYS) -> tuple[CameraSim, list]:
    sim = CameraSim(seed=seed, spec=spec)
    return sim, list(sim.watch(MIDNIGHT, MIDNIGHT + timedelta(days=days)))


@pytest.fixture(scope="module")
def quiet_days() -> tuple[CameraSim, list]:
    """No outages, so the traffic and the detector can be checked alone."""
    return watched(CameraSpec(outages_per_day=0.0))


def of(items: list, kind: type) -> list:
    return [item for item in items if isinstance(item, kind)]


def test_same_seed_same_day_and_another_seed_another() -> None:
    spec = CameraSpec(peak_per_hour=300)
    assert watched(spec, seed=5, days=1)[1] == watched(spec, seed=5, days=1)[1]
    assert watched(spec, seed=5, days=1)[1] != watched(spec, seed=6, days=1)[1]


def test_everything_meets_the_contract_in_time_order(quiet_days) -> None:
    _, items = quiet_days
    assert [validated(i) for i in items[::97]] == items[::97]
    assert all(b.t >= a.t for a, b in pairwise(items))
    for kind in (CameraStatus, CameraDetection):
        assert [i.seq for i in of(items, kind)] == list(range(len(of(items, kind))))


def test_arrivals_follow_the_daily_profile(quiet_days) -> None:
    sim, _ = quiet_days
    spec = sim.spec
    expected = np.array([spec.peak_per_hour * share * DAYS for share in HOURLY_PROFILE])
    observed = np.array(sim.arrivals_by_hour)
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > 0.001
    assert abs(observed.sum() - expected.sum()) < 4 * np.sqrt(expected.sum())  # Poisson: the total too
    assert observed[7] > 5 * observed[2] and observed[17] > 5 * observed[3]  # peaks and quiet nights


def test_motorbikes_dominate_as_the_mix_says(quiet_days) -> None:
    sim, _ = quiet_days
    total = sum(sim.arrivals_by_label.values())
    for label, share in TRAFFIC_MIX.items():
        count = sim.arrivals_by_label[label]
        assert stats.binomtest(count, total, share).pvalue > 0.001, label
    assert sim.arrivals_by_label["motorbike"] > 0.75 * total


def test_recall_and_precision_from_the_labelled_clips(quiet_days) -> None:
    sim, items = quiet_days
    detections = of(items, CameraDetection)
    truth = [obj for clip in sim.clips for obj in clip.objects]
    found = sum(obj.track_id is not None for obj in truth)
    day_share = np.mean([6 <= (o.t + timedelta(hours=7)).hour < 18 for o in truth])
    expected_recall = sum(TRAFFIC_MIX[k] * RECALL[k] for k in TRAFFIC_MIX) * (day_share + (1 - day_share) * 0.92)
    assert stats.binomtest(found, len(truth), expected_recall).pvalue > 0.001
    real = {obj.track_id for obj in truth if obj.track_id}
    in_clips = [d for d in detections if any(c.start <= d.t < c.end for c in sim.clips)]
    false = [d for d in in_clips if d.track_id not in real]
    hours = len(sim.clips) * sim.spec.clip_s / 3600
    assert stats.poisson(sim.spec.false_positives_per_hour * hours).cdf(len(false)) > 0.0005
    assert stats.poisson(sim.spec.false_positives_per_hour * hours).sf(len(false)) > 0.0005
    assert np.mean([d.score for d in false]) < np.mean([d.score for d in in_clips if d.track_id in real]) - 0.2


def test_health_is_reported_every_half_minute_with_noise(quiet_days) -> None:
    _, items = quiet_days
    statuses = of(items, CameraStatus)
    assert len(statuses) == DAYS * 2880 + 1
    assert {round((b.t - a.t).total_seconds()) for a, b in pairwise(statuses)} == {30}
    fps = np.array([s.fps for s in statuses])
    latency = np.array([s.inference_latency_ms for s in statuses])
    assert abs(fps.mean() - 25) < 0.1 and 0.4 < fps.std() < 0.8
    assert abs(np.median(latency) - 45) < 2 and latency.min() > 10
    assert all(s.online and s.privacy_masking for s in statuses)


def test_an_outage_is_dark_and_announced() -> None:
    sim, items = watched(CameraSpec(outages_per_day=3.0, peak_per_hour=400), days=2)
    assert sim.outages
    links = of(items, DeviceStatus)
    for outage in sim.outages:
        inside = [i for i in items if outage.start < i.t < outage.end]
        assert not inside
        offline = [s for s in links if s.t == outage.start]
        assert offline and not offline[0].online
        if outage.end < MIDNIGHT + timedelta(days=2):
            assert any(s.online and s.t == outage.end for s in links)


def test_alerts_cut_violations_against_the_pre_period() -> None:
    start_alerts = MIDNIGHT + timedelta(days=3)
    sim, _ = watched(CameraSpec(outages_per_day=0.0, alert_effect=0.5, alerts_from=start_alerts), days=6)
    before = [v for v in sim.violations if v[0] < start_alerts]
    after = [v for v in sim.violations if v[0] >= start_alerts]
    assert 0.3 < len(after) / len(before) < 0.75  # half as many, give or take the traffic's own noise
