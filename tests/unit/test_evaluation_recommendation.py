"""Verdicts against targets and the recommendation's gates: each branch reached, every reason given."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sandbox.evaluation.intervals import proportion, rate
from sandbox.evaluation.recommendation import Evidence, KpiJudgement, SevereIncident, recommend
from sandbox.evaluation.verdicts import against_target


@pytest.mark.parametrize(("interval", "direction", "status"), [
    ((4.2, 4.9), "higher_is_better", "met"),
    ((3.1, 3.9), "higher_is_better", "not_met"),
    ((3.8, 4.3), "higher_is_better", "inconclusive"),
    ((4.0, 4.3), "higher_is_better", "met"),  # the target itself meets it
    ((3.1, 3.9), "lower_is_better", "met"),
    ((4.2, 4.9), "lower_is_better", "not_met"),
    ((3.8, 4.3), "lower_is_better", "inconclusive"),
    ((math.nan, math.nan), "higher_is_better", "no_data"),
])
def test_the_verdict_reads_the_whole_interval_against_the_target(interval: tuple, direction: str, status: str) -> None:
    low, high = interval
    assert against_target((low + high) / 2, low, high, 4.0, direction).status == status  # type: ignore[arg-type]


def test_the_probability_of_meeting_is_the_share_of_draws_on_the_good_side() -> None:
    # Recall of 170 out of 200 against a target of 0.85: the Jeffreys posterior Beta(170.5, 30.5) puts
    # P(p ≥ 0.85) = 1 − I_0.85(170.5, 30.5); 100,000 draws estimate it within 3·sqrt(p(1−p)/n) < 0.005.
    recall = proportion(170, 200)
    draws = recall.draws(100_000, np.random.default_rng(1))
    verdict = against_target(recall.estimate, *recall.confidence_interval(), 0.85, "higher_is_better", draws)
    assert verdict.status == "inconclusive"
    assert verdict.probability_met == pytest.approx(stats.beta.sf(0.85, 170.5, 30.5), abs=0.005)
    breaches = rate(2, 500.0)  # per flight hour
    low_draws = breaches.draws(100_000, np.random.default_rng(2))
    assert np.mean(low_draws) == pytest.approx(2.5 / 500.0, rel=0.02)  # Gamma(k + ½, E) has mean (k + ½)/E
    with pytest.raises(ValueError, match=r"low ≤ high, got \(2.0, 1.0\)"):
        against_target(1.5, 2.0, 1.0, 1.0, "higher_is_better")


def judgement(code: str, dimension: str, interval: tuple[float, float], target: float,
              direction: str = "higher_is_better", **extra) -> KpiJudgement:
    low, high = interval
    verdict = against_target((low + high) / 2, low, high, target, direction)  # type: ignore[arg-type]
    return KpiJudgement(code, dimension, verdict, **extra)


GOOD = Evidence(
    kpis=[judgement("hectares_per_hour", "effectiveness", (4.3, 5.0), 4.0),
          judgement("geofence_breaches", "safety", (0.0, 0.8), 2.0, "lower_is_better", limit=5.0, limit_bound=0.8)],
    severe_incidents=[], sample_reached=120.0, sample_planned=100.0, sample_unit="flight hours",
    probability_score_met=0.91, threshold=60.0)


def test_a_safe_effective_trial_with_its_sample_is_rolled_out_with_every_gate_as_its_reason() -> None:
    made = recommend(GOOD)
    assert made.decision == "roll_out" and made.title.en == "Roll out" and made.title.vi == "Triển khai rộng"
    assert [g.gate for g in made.gates] == ["severe_incidents", "safety_limits", "effectiveness", "evidence", "score"]
    assert all(g.passed for g in made.reasons) and made.reasons == made.gates
    assert made.gates[-1].numbers == {"probability": 0.91, "threshold": 60.0, "required": 0.8}


def test_a_severe_incident_stops_the_trial_whatever_else_holds() -> None:
    crash = SevereIncident("inc-7", "collision", 4, "2026-11-20T09:12:00+07:00")
    made = recommend(replace(GOOD, severe_incidents=[crash]))
    assert made.decision == "stop"
    [reason] = made.reasons
    assert reason.gate == "severe_incidents" and reason.numbers == {"count": 1, "incidents": ["inc-7"]}
    assert "collision severity 4" in reason.text.en and "collision mức 4" in reason.text.vi


def test_a_safety_bound_beyond_its_limit_stops_the_trial() -> None:
    risky = judgement("geofence_breaches", "safety", (3.0, 7.5), 2.0, "lower_is_better", limit=5.0, limit_bound=7.1)
    made = recommend(replace(GOOD, kpis=[GOOD.kpis[0], risky]))
    assert made.decision == "stop"
    [reason] = made.reasons
    assert (reason.gate, reason.kpi, reason.numbers) == ("safety_limits", "geofence_breaches",
                                                          {"bound": 7.1, "limit": 5.0})


def test_an_effectiveness_kpi_clearly_missed_asks_for_a_modified_plan() -> None:
    poor_recall = judgement("recall", "effectiveness", (0.61, 0.72), 0.85)
    made = recommend(replace(GOOD, kpis=[poor_recall, GOOD.kpis[1]]))
    assert made.decision == "modify"
    [reason] = made.reasons
    assert reason.kpi == "recall" and reason.numbers["status"] == "not_met" and "clearly not met" in reason.text.en


def test_too_little_evidence_extends_the_trial_unless_an_interim_look_already_succeeded() -> None:
    short = replace(GOOD, sample_reached=30.0, probability_score_met=0.55)
    made = recommend(short)
    assert made.decision == "extend" and {r.gate for r in made.reasons} == {"evidence", "score"}
    assert "30 of 100 planned flight hours gathered (30%)" in made.reasons[0].text.en
    assert recommend(replace(GOOD, sample_reached=30.0, early_success=True)).decision == "roll_out"
    assert recommend(replace(GOOD, probability_score_met=0.79)).decision == "extend"
    assert recommend(replace(GOOD, probability_score_met=math.nan)).decision == "extend"
