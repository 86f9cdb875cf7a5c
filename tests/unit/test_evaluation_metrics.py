"""The metric library: every KPI a shipped plan names is defined, fits its kind and agrees on its direction."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.demo.plans import amr_plan, camera_plan, uav_plan
from sandbox.evaluation.metrics import METRICS, metric, metrics_for

PLANS = {"agri_uav": uav_plan, "ai_camera": camera_plan, "amr": amr_plan}


@pytest.mark.parametrize("kind", PLANS)
def test_every_kpi_of_the_demo_plans_names_a_metric_of_its_kind_in_its_direction(kind: str) -> None:
    plan = PLANS[kind](date(2026, 11, 1), date(2027, 3, 1))
    usable = {m.name for m in metrics_for(kind)}
    for kpi in plan["kpis"]:
        assert kpi["metric"] in usable, kpi
        assert metric(kpi["metric"]).direction == kpi["direction"], kpi


def test_each_metric_says_how_its_uncertainty_is_computed() -> None:
    for m in METRICS.values():
        if m.estimator in ("rate", "proportion"):
            assert m.exposure, m.name  # a rate is over an exposure; a proportion of trials
        if m.estimator in ("ratio", "quantile"):
            assert m.cluster, m.name  # bootstrapped by resampling clusters
        assert (m.title.vi and m.title.en and m.title.vi != m.title.en) or m.name == "detection_f1"
    with pytest.raises(KeyError, match="no metric 'speed'; known: acceptance_share"):
        metric("speed")
