"""Each recommendation reached by a simulated trial built to reach it, through the pipeline, the store and the API.

- a safe and effective spraying drone that flew what was planned → roll out;
- the same drone after one morning of a three-month plan → extend;
- a camera that misses half of what crosses at night, by the evaluator's labels → modify;
- a delivery robot that collides → stop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sims.amr import AmrSim, AmrSpec
from sims.camera import CameraSim, CameraSpec
from sims.uav import UavSim, UavSpec
from tests.integration.evaluation.feeding import feed, trial_of_kind
from tests.integration.telemetry.conftest import Field, in_window_now

# A paddy well inside the trial's Vị Tân site (some 100 m from its edges): the turns stay inside the geofence.
INNER_PADDY = [(105.4665, 9.7798), (105.4678, 9.7798), (105.4678, 9.7808), (105.4665, 9.7808), (105.4665, 9.7798)]
UAV_KPIS = [
    {"code": "hectares_per_hour", "name": "Năng suất phun", "metric": "hectares_per_hour", "unit": "ha/h",
     "dimension": "effectiveness", "direction": "higher_is_better", "target": 4.0, "weight": 3, "confirmatory": True},
    {"code": "application_rate", "name": "Lượng thuốc / ha", "metric": "application_rate_l_per_ha", "unit": "L/ha",
     "dimension": "effectiveness", "direction": "lower_is_better", "target": 30, "weight": 2,
     "baseline": {"kind": "fixed", "value": 40}, "confirmatory": True},
    # A limit that gates the trial; weight 0: a few flight hours cannot show a rate per 100 h in the score.
    {"code": "geofence_breaches", "name": "Vi phạm vùng địa lý / 100 giờ bay",
     "metric": "geofence_breaches_per_100_flight_hours", "unit": "/100 h", "dimension": "safety",
     "direction": "lower_is_better", "target": 0, "limit": 2, "weight": 0},
]
FAST = {"n_draws": 2000, "n_resamples": 999}


def _evaluate(field: Field, **parameters: Any) -> dict[str, Any]:
    return field.api.call("POST", f"/trials/{field.trial['id']}/evaluations", "evaluator",
                          json={**FAST, **parameters}, expect=201)["content"]


def _mornings(field: Field, days: int) -> None:
    first = in_window_now()
    for n in range(days):
        start = first - timedelta(days=n)
        sim = UavSim(INNER_PADDY, seed=30 + n, spec=UavSpec(rate_hz=1, tank_l=12.0))
        feed(field, field.drones[0], sim.work(start, start + timedelta(hours=1)))


def test_a_safe_and_effective_spraying_drone_that_flew_what_was_planned_is_rolled_out(field: Field) -> None:
    trial_of_kind(field, "agri_uav", ["VT-R1"], kpis=UAV_KPIS)
    _mornings(field, 2)
    content = _evaluate(field, planned_sample={"unit": "flight_hours", "value": 0.25})
    advice = content["recommendation"]
    assert not content["incident_counts"], content["incident_counts"]
    assert advice["decision"] == "roll_out", advice
    assert all(gate["passed"] for gate in advice["gates"])
    assert content["sample"]["reached"] >= 0.25 and content["score"]["probability"] >= 0.8


def test_the_same_drone_after_one_morning_of_a_three_month_plan_is_extended(field: Field) -> None:
    trial_of_kind(field, "agri_uav", ["VT-E1"], kpis=UAV_KPIS)
    _mornings(field, 1)
    content = _evaluate(field)
    advice = content["recommendation"]
    assert advice["decision"] == "extend", advice
    assert advice["reasons"][0]["gate"] == "evidence"
    assert content["sample"]["reached"] == 1 and content["sample"]["planned"] > 60


def test_a_camera_that_misses_half_of_what_crosses_at_night_is_sent_back_to_be_modified(field: Field) -> None:
    trial_of_kind(field, "ai_camera", ["TV-M1"])
    camera = field.drones[0]
    start = in_window_now() - timedelta(hours=12)  # 19:00 the evening before: dark
    sim = CameraSim(seed=8, spec=CameraSpec(night_recall=0.5, outages_per_day=0.0, peak_per_hour=900))
    feed(field, camera, sim.watch(start, start + timedelta(hours=4)))
    clips = [{"device_id": camera, "start": clip.start.isoformat(), "end": clip.end.isoformat(),
              "objects": [{"t": o.t.isoformat(), "label": o.label, "track_id": o.track_id} for o in clip.objects]}
             for clip in sim.clips]
    stored = field.api.call("POST", f"/trials/{field.trial['id']}/ground-truth", "evaluator", json={"clips": clips},
                            expect=201)
    assert stored["stored"] == len(sim.clips) >= 3
    content = _evaluate(field)
    recall = next(k for k in content["kpis"] if k["code"] == "recall")
    truth = sum(o.track_id is not None for c in sim.clips for o in c.objects) / sum(len(c.objects) for c in sim.clips)
    assert recall["estimate"] == 100 * truth and recall["high"] < 85 and recall["verdict"] == "not_met"
    advice = content["recommendation"]
    assert advice["decision"] == "modify", advice
    assert "recall" in [reason["kpi"] for reason in advice["reasons"]]


def test_a_delivery_robot_that_collides_is_stopped(field: Field) -> None:
    trial_of_kind(field, "amr", ["NKC-S1"])
    start = in_window_now(working_days=5)
    sim = AmrSim(seed=4, spec=AmrSpec(collisions_per_100km=400.0))
    items = list(sim.work(start, start + timedelta(hours=2)))
    assert any(getattr(item, "type", None) == "collision" for item in items)
    feed(field, field.drones[0], items)
    content = _evaluate(field)
    advice = content["recommendation"]
    assert advice["decision"] == "stop", advice
    gates = {reason["gate"] for reason in advice["reasons"]}
    assert "severe_incidents" in gates and content["incident_counts"]["collision"] >= 1
    collisions = next(k for k in content["kpis"] if k["code"] == "collisions")
    assert collisions["verdict"] == "not_met" and collisions["limit_bound"] > 0
