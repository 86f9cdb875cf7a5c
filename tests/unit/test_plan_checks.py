"""Plan checks: what is inconsistent is refused on save, what is missing is refused on submission."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.demo.plans import amr_plan, camera_plan, uav_plan
from sandbox.trials.kinds import ProductKind
from sandbox.trials.plan import PlanContent, content_from_document
from sandbox.trials.plan_checks import add_months, consistency_problems, missing_parts
from tests.plans import plan

START, END = date(2026, 12, 1), date(2027, 3, 1)


def pointers(content: PlanContent, kind: ProductKind = ProductKind.AGRI_UAV) -> list[str]:
    return [p.pointer for p in consistency_problems(content, kind, max_trial_months=6)]


@pytest.mark.parametrize("build,kind", [(uav_plan, "agri_uav"), (camera_plan, "ai_camera"), (amr_plan, "amr")])
def test_the_demo_plans_are_consistent_and_complete(build, kind) -> None:
    content = content_from_document(build(START, END))
    assert pointers(content, ProductKind(kind)) == []
    assert missing_parts(content) == []


def test_an_empty_plan_lists_everything_a_reviewer_needs() -> None:
    missing = [r.data["field"] for r in missing_parts(PlanContent())]
    assert missing == ["/title", "/problem", "/objectives", "/sites", "/schedule", "/envelope", "/kpis",
                       "/safeguards", "/insurance", "/consent", "/incident_response", "/exit_plan"]


def test_a_schedule_without_operating_windows_is_incomplete() -> None:
    document = uav_plan(START, END)
    document["schedule"]["operating_windows"] = []
    assert [r.data["field"] for r in missing_parts(content_from_document(document))] == ["/schedule/operating_windows"]


def test_a_trial_lasts_at_most_six_months_and_ends_after_it_starts() -> None:
    assert pointers(content_from_document(uav_plan(START, date(2027, 6, 1)))) == []
    assert pointers(content_from_document(uav_plan(START, date(2027, 6, 2)))) == ["/schedule/end_date"]
    assert pointers(content_from_document(uav_plan(START, START))) == ["/schedule/end_date"]


def test_the_envelope_must_be_for_the_product_kind() -> None:
    assert pointers(content_from_document(uav_plan(START, END)), ProductKind.AMR) == ["/envelope/kind"]


def test_a_uav_may_not_fly_above_the_airspace_ceiling() -> None:
    document = uav_plan(START, END)
    document["envelope"]["max_height_agl_m"] = 160
    assert pointers(content_from_document(document)) == ["/envelope/max_height_agl_m"] * 2  # both sites cap at 150 m


def test_robot_zones_must_be_sites_of_the_plan() -> None:
    document = amr_plan(START, END)
    document["envelope"]["allowed_zones"].append("Chợ nổi Cái Răng")
    assert pointers(content_from_document(document), ProductKind.AMR) == ["/envelope/allowed_zones/1"]


def test_a_robot_is_not_allowed_on_a_control_site() -> None:
    document = amr_plan(START, END)
    control = {**document["sites"][0], "name": "Khuôn viên đối chứng", "role": "control"}
    document["sites"].append(control)
    document["envelope"]["allowed_zones"].append(control["name"])
    problems = consistency_problems(content_from_document(document), ProductKind.AMR, max_trial_months=6)
    assert [(p.pointer, p.message.en) for p in problems] == [
        ("/envelope/allowed_zones/1", "zone 'Khuôn viên đối chứng' is a control site: the product does not run there")]


def test_a_plan_needs_a_site_where_the_product_is_tried() -> None:
    document = uav_plan(START, END)
    for site in document["sites"]:
        site["role"] = "control"
    assert pointers(content_from_document(document)) == ["/sites"]


def test_kpi_codes_are_unique_and_fixed_baselines_have_a_value() -> None:
    document = uav_plan(START, END)
    document["kpis"][1]["code"] = document["kpis"][0]["code"]
    document["kpis"][2]["baseline"] = {"kind": "fixed"}
    assert pointers(content_from_document(document)) == ["/kpis/1/code", "/kpis/2/baseline/value"]


def test_site_names_are_unique_regardless_of_case() -> None:
    document = uav_plan(START, END)
    document["sites"][1]["name"] = document["sites"][0]["name"].upper()
    assert pointers(content_from_document(document)) == ["/sites/1/name"]


def test_insurance_must_cover_the_trial() -> None:
    document = uav_plan(START, END)
    document["insurance"]["valid_until"] = "2027-02-01"
    assert [r.code for r in missing_parts(content_from_document(document))] == ["insurance_does_not_cover_schedule"]


@pytest.mark.parametrize("start,months,expected", [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2026, 12, 1), 1, date(2027, 1, 1)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
])
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("change", "pointer"), [
    ({"formula": "hectares_per_hour / 0.12"}, "/kpis/0/metric"),  # both a metric and a formula
    ({"metric": None}, "/kpis/0/metric"),  # neither
    ({"metric": None, "formula": "hectares_per_hour ** 2"}, "/kpis/0/formula"),
    ({"metric": None, "formula": "__import__('os')"}, "/kpis/0/formula"),
])
def test_a_kpi_names_a_metric_or_gives_an_arithmetic_formula(change: dict, pointer: str) -> None:
    document = plan("agri_uav")
    document["kpis"][0] = {**document["kpis"][0], **change}
    problems = consistency_problems(content_from_document(document), ProductKind.AGRI_UAV, 6)
    assert pointer in [p.pointer for p in problems]
