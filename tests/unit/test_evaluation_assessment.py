"""The assessment of a trial from plain inputs: KPIs by the right method, comparisons, monitoring, score, advice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import msgspec
import numpy as np
import pytest

from sandbox.demo.plans import camera_plan
from sandbox.evaluation.assessment import PastLook, assess
from sandbox.evaluation.inputs import (
    CameraDay,
    ClipTruth,
    DeviceDay,
    EvaluationInputs,
    IncidentFact,
    Mission,
    RobotDay,
    SiteShape,
    SortieSums,
    TrialFacts,
    fingerprint,
)
from sandbox.evaluation.measures import MEASURES
from sandbox.evaluation.metrics import METRICS
from sandbox.evaluation.parameters import EvaluationParameters
from tests.plans import plan

START = date(2026, 10, 1)
UNTIL = datetime(2026, 11, 20, 12, tzinfo=UTC)
DRONE, CAMERA, CONTROL, ROBOT = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
FAST = EvaluationParameters(n_draws=2_000, n_resamples=999)


def _facts(kind: str, content: dict, days: int) -> TrialFacts:
    return TrialFacts(id=uuid.UUID(int=99), reference="SB-2026-0001", kind=kind, title=content.get("title"),
                      organisation="Org", product="Product", state="active", start_date=START,
                      end_date=START + timedelta(days=days), plan_version=1, plan=content, devices={})


def _inputs(kind: str, days: int, operating_days: int | None = None, content: dict | None = None,
            **parts) -> EvaluationInputs:
    content = content or plan(kind, START, days)
    device = {"agri_uav": DRONE, "ai_camera": CAMERA, "amr": ROBOT}[kind]
    device_days = [DeviceDay(device, START + timedelta(days=d), 4.0, 1000, 1000, 0.0) for d in range(days)]
    return EvaluationInputs(trial=_facts(kind, content, days), until=UNTIL, first=None, last=None, digest={},
                            operating_days=operating_days if operating_days is not None else days,
                            device_days=device_days,
                            sites=[SiteShape(s["name"], s.get("role", "trial"), []) for s in content["sites"]],
                            **parts)


def _sorties(days: int, rng: np.random.Generator, ha_per_h: float = 9.0, litres_per_ha: float = 15.0
             ) -> list[SortieSums]:
    found = []
    for d in range(days):
        for n in range(4):
            hours = rng.uniform(0.12, 0.2)
            ha = hours * ha_per_h * rng.uniform(0.9, 1.1)
            found.append(SortieSums(DRONE, d * 4 + n + 1, START + timedelta(days=d),
                                    datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=d, hours=n), hours,
                                    hours * 0.8, ha * litres_per_ha * rng.uniform(0.95, 1.05), ha))
    return found


def _uav(days: int, seed: int = 1, **sortie_options) -> EvaluationInputs:
    from sandbox.evaluation.inputs import SprayDay

    rng = np.random.default_rng(seed)
    spray_days = [SprayDay(START + timedelta(days=d), 5.0, 4.9 + rng.uniform(-0.05, 0.05), 0.2, 5.0)
                  for d in range(days)]
    return _inputs("agri_uav", days, sorties=_sorties(days, rng, **sortie_options), spray_days=spray_days)


def test_every_metric_of_the_library_can_be_measured() -> None:
    assert set(MEASURES) == set(METRICS)


def test_a_safe_and_effective_uav_trial_that_ran_its_course_is_rolled_out() -> None:
    content = assess(_uav(30), FAST, {})
    kpis = {k.code: k for k in content.kpis}
    per_hour = kpis["hectares_per_hour"]
    assert per_hour.method.startswith("cluster bootstrap") and per_hour.clusters == 120
    assert per_hour.low < per_hour.estimate < per_hour.high and 8.5 < per_hour.estimate < 9.5
    assert per_hour.verdict == "met" and per_hour.probability_met == 1.0
    assert kpis["field_coverage"].estimate == pytest.approx(98, abs=1.5)
    assert kpis["geofence_breaches"].verdict == "met" and kpis["geofence_breaches"].limit_bound == 0
    fixed = next(c for c in content.comparisons if c.kpi == "application_rate")
    assert fixed.baseline == "fixed" and fixed.reference_value == 400 and fixed.effect < -350 and fixed.p_value < 1e-6
    assert fixed.p_adjusted is not None and fixed.p_adjusted >= fixed.p_value  # Holm: confirmatory
    assert content.score is not None and content.score.probability >= 0.8
    assert content.recommendation.decision == "roll_out"
    assert all(g.passed for g in content.recommendation.gates)


def test_the_same_inputs_give_the_same_content_and_fingerprint() -> None:
    inputs = _uav(10)
    assert assess(inputs, FAST, {}) == assess(inputs, FAST, {})
    assert fingerprint(inputs, FAST) == fingerprint(msgspec.json.decode(msgspec.json.encode(inputs),
                                                                        type=EvaluationInputs), FAST)
    changed = msgspec.structs.replace(inputs, sorties=inputs.sorties[:-1])
    assert fingerprint(changed, FAST) != fingerprint(inputs, FAST)
    assert fingerprint(inputs, msgspec.structs.replace(FAST, seed=1)) != fingerprint(inputs, FAST)


def test_a_short_trial_is_extended_for_want_of_evidence() -> None:
    inputs = msgspec.structs.replace(_uav(3), operating_days=60)
    content = assess(inputs, FAST, {})
    assert content.sample == {"reached": 3.0, "planned": 60.0, "unit": "days"}
    assert content.recommendation.decision == "extend"
    assert [r.gate for r in content.recommendation.reasons] == ["evidence"]
    assert "3 / 60 ngày theo kế hoạch (5 %)" in content.recommendation.reasons[0].text.vi
    per_hour = next(g for g in content.recommendation.gates if g.kpi == "hectares_per_hour")
    assert "KTC 95%" in per_hour.text.vi and "," in per_hour.text.vi.split(": ")[1].split(" ")[0]  # 9,1 not 9.1


def test_a_severe_incident_stops_the_trial() -> None:
    inputs = msgspec.structs.replace(_uav(30), incidents=[IncidentFact(
        uuid.UUID(int=7), "geofence_breach", 4, "rule", datetime(2026, 10, 5, 1, tzinfo=UTC), DRONE)])
    content = assess(inputs, FAST, {})
    assert content.recommendation.decision == "stop"
    # One breach in some 19 flight hours does not show a rate above the limit of 2 per 100 h; its severity stops it.
    assert [r.gate for r in content.recommendation.reasons] == ["severe_incidents"]
    assert "Ra ngoài vùng địa lý cho phép mức 4 lúc 2026-10-05 08:00:00 +0700" in content.recommendation.reasons[0].text.vi
    assert content.incidents[0].by_severity == [0, 0, 0, 1, 0]


def test_a_robot_with_a_collision_is_stopped_on_its_safety_limit() -> None:
    days = 20
    missions = [Mission(ROBOT, f"m{d}-{n}", START + timedelta(days=d), datetime(2026, 10, 1, tzinfo=UTC), True)
                for d in range(days) for n in range(10)]
    robot_days = [RobotDay(ROBOT, START + timedelta(days=d), 6.0, 0, 0, 1 if d == 9 else 0, 0) for d in range(days)]
    content = assess(_inputs("amr", days, missions=missions, robot_days=robot_days), FAST, {})
    collisions = next(k for k in content.kpis if k.code == "collisions")
    assert collisions.estimate == pytest.approx(100 / 120) and collisions.verdict == "not_met"
    assert collisions.limit_bound > 0  # Garwood's lower bound: a collision rate above the limit of 0
    assert content.recommendation.decision == "stop"
    assert [(r.gate, r.kpi) for r in content.recommendation.reasons] == [("safety_limits", "collisions")]


def test_a_camera_with_poor_recall_is_sent_back_to_be_modified() -> None:
    days = 20
    camera_days = [CameraDay(device, site, START + timedelta(days=d), 86_400.0, 86_300.0, 60.0, 700, 900, 20)
                   for d in range(days) for device, site in ((CAMERA, "Nút giao 30 Tháng 4 – 3 Tháng 2"),)]
    clips = [ClipTruth(uuid.UUID(int=100 + i), CAMERA, datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=i),
                       300.0, 50, 48, 70, 48) for i in range(40)]  # recall 48/70 = 69 % against a target of 85 %
    content = assess(_inputs("ai_camera", days, camera_days=camera_days, clips=clips), FAST, {})
    recall = next(k for k in content.kpis if k.code == "recall")
    assert recall.method == "Wilson" and recall.estimate == pytest.approx(100 * 48 / 70)
    assert recall.high < 85 and recall.verdict == "not_met"
    assert content.recommendation.decision == "modify"
    assert [r.kpi for r in content.recommendation.reasons] == ["recall"]


def test_a_control_site_with_a_pre_period_is_compared_by_difference_in_differences() -> None:
    content = camera_plan(START, START + timedelta(days=40), alerts_from=START + timedelta(days=14))
    assert next(k for k in content["kpis"] if k["code"] == "violations")["baseline"]["kind"] == "control"
    rng = np.random.default_rng(5)
    camera_days = []
    for d in range(28):
        day = START + timedelta(days=d)
        for device, site, rate in ((CAMERA, content["sites"][0]["name"], 30 if d < 14 else 18),
                                   (CONTROL, content["sites"][1]["name"], 31)):
            detections = 1000
            camera_days.append(CameraDay(device, site, day, 86_400.0, 86_400.0, 50.0, 700, detections,
                                         int(rng.poisson(rate))))
    roles = {CAMERA: "trial", CONTROL: "control"}
    found = assess(_inputs("ai_camera", 28, content=content, camera_days=camera_days), FAST, roles)
    did = next(c for c in found.comparisons if c.kpi == "violations")
    assert did.baseline == "control_and_pre_period" and did.method == "difference_in_differences"
    assert did.high < 0 and did.effect == pytest.approx(-12, abs=4) and did.p_value < 0.01
    violations = next(k for k in found.kpis if k.code == "violations")
    assert violations.estimate == pytest.approx(18, abs=3)  # the trial site after the pre-period only


def test_interim_looks_follow_the_spending_boundaries() -> None:
    # About the target of 4 ha/h: no look is decisive yet.
    inputs = msgspec.structs.replace(_uav(10, ha_per_h=3.98), operating_days=30)
    parameters = msgspec.structs.replace(FAST, looks=[0.33, 0.67, 1.0])
    first = assess(inputs, parameters, {})
    assert first.monitoring.kpi == "hectares_per_hour" and len(first.monitoring.looks) == 1
    look = first.monitoring.looks[0]
    assert look.information_fraction == pytest.approx(10 / 30) and look.efficacy_bound > 3
    assert first.monitoring.decision == "continue" and abs(look.z) < look.efficacy_bound
    later = assess(msgspec.structs.replace(_uav(20, ha_per_h=3.98), operating_days=30), parameters, {},
                   past_looks=[PastLook(1, look.information_fraction, look.z)])
    assert [x.report_version for x in later.monitoring.looks] == [1, None]
    assert later.monitoring.looks[1].efficacy_bound < look.efficacy_bound
    assert later.monitoring.looks[1].information_fraction == pytest.approx(20 / 30)
    final = assess(msgspec.structs.replace(_uav(30, ha_per_h=3.98), operating_days=30), parameters, {},
                   past_looks=[PastLook(1, 10 / 30, look.z), PastLook(2, 20 / 30, later.monitoring.looks[1].z)])
    assert len(final.monitoring.looks) == 3 and final.monitoring.looks[2].information_fraction == 1.0
    assert final.monitoring.decision in ("final", "stop_for_efficacy")


def test_ahp_weights_replace_the_plans() -> None:
    judgements = {"dimensions": ["safety", "effectiveness"], "matrix": [[1, 3], [1 / 3, 1]]}
    parameters = msgspec.convert({"n_draws": 2000, "n_resamples": 999, "ahp": judgements}, EvaluationParameters)
    content = assess(_uav(10), parameters, {})
    assert content.score.weighting == "ahp" and content.score.consistency_ratio == 0
    assert content.score.weights == pytest.approx({"safety": 0.75, "effectiveness": 0.25})


def test_a_kpi_defined_by_a_formula_carries_its_metrics_uncertainty() -> None:
    content = plan("agri_uav", START, 30)
    content["kpis"] += [
        {"code": "vs_manual", "name": "Nhanh hơn phun tay (lần)", "formula": "hectares_per_hour / 0.12", "unit": "×",
         "dimension": "effectiveness", "direction": "higher_is_better", "target": 20},
        {"code": "broken", "name": "?", "formula": "hectares_per_hour / nothing_known", "unit": "",
         "dimension": "reliability", "direction": "higher_is_better", "target": 1}]
    rng = np.random.default_rng(3)
    inputs = _inputs("agri_uav", 30, content=content, sorties=_sorties(30, rng))
    found = {k.code: k for k in assess(inputs, FAST, {}).kpis}
    per_hour, ratio = found["hectares_per_hour"], found["vs_manual"]
    assert ratio.estimate == pytest.approx(per_hour.estimate / 0.12, rel=1e-12)
    assert ratio.method == "Monte Carlo over hectares_per_hour" and ratio.clusters == per_hour.clusters
    assert ratio.low == pytest.approx(per_hour.low / 0.12, rel=0.02)
    assert ratio.high == pytest.approx(per_hour.high / 0.12, rel=0.02)
    assert ratio.verdict == "met" and ratio.utility == 100
    assert found["broken"].verdict == "no_data" and "nothing_known" in found["broken"].note.en
