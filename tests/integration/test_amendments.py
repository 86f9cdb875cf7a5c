"""An approved plan is frozen; an amendment is a new version that needs approval again."""

from __future__ import annotations

from tests.integration import steps
from tests.integration.conftest import Api
from tests.plans import plan


def review(api: Api, trial: dict, version: int, who: str, name: str, expect: int = 201, **fields) -> dict:
    return api.call("POST", f"/trials/{trial['id']}/plans/{version}/transitions", who, {"name": name, **fields},
                    expect=expect)


def test_an_amendment_is_reviewed_while_the_trial_runs_on_the_approved_version(api: Api) -> None:
    trial = steps.active(api)
    amendment = api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)
    assert (amendment["version"], amendment["status"]) == (2, "draft")
    changed = plan()
    changed["envelope"]["max_ground_speed_mps"] = 5
    api.call("PUT", f"/trials/{trial['id']}/plans/2", "alpha", changed, expect=200)
    assert review(api, trial, 2, "alpha", "submit")["status"] == "submitted"
    review(api, trial, 2, "evaluator", "start_review")
    running = api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)
    assert running["state"] == "active" and running["plan_in_force"] == 1 and running["working_plan"]["version"] == 2
    assert review(api, trial, 2, "policy", "approve", expect=409)["reasons"][0]["code"] == "approval_not_recommended"
    review(api, trial, 2, "evaluator", "recommend", recommendation="approve", comments="Giảm tốc độ là hợp lý")
    approved = review(api, trial, 2, "policy", "approve", conditions=["Tốc độ tối đa 5 m/s"])
    assert approved["status"] == "approved" and approved["conditions"] == ["Tốc độ tối đa 5 m/s"]
    versions = api.call("GET", f"/trials/{trial['id']}/plans", "evaluator", expect=200)
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "approved")]
    assert versions[1]["content"]["envelope"]["max_ground_speed_mps"] == 5
    after = api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)
    assert after["state"] == "active" and after["plan_in_force"] == 2
    history = api.call("GET", f"/trials/{trial['id']}/history", "alpha", expect=200)
    assert [(h["name"], h["plan_version"]) for h in history[-4:]] == [
        ("submit", 2), ("start_review", 2), ("recommend", 2), ("approve", 2)
    ]
    assert history[-1]["details"]["superseded"] == 1
    audit = api.call("GET", "/audit", "admin", expect=200, entity_type="plan_version")["items"]
    assert {"plan.amend", "plan.update", "plan.approve"} <= {e["action"] for e in audit}


def test_the_approved_version_cannot_be_edited_and_only_one_amendment_is_open(api: Api) -> None:
    trial = steps.approved(api)
    assert api.call("PUT", f"/trials/{trial['id']}/plans/1", "alpha", plan(), expect=409)["plan_status"] == "approved"
    api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)
    second = api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=409, language="en")
    assert "already open (version 2)" in second["detail"]
    withdrawn = review(api, trial, 2, "alpha", "withdraw", reason="Không cần nữa")
    assert withdrawn["status"] == "withdrawn"
    assert api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)["version"] == 3


def test_a_draft_cannot_be_amended_and_version_one_is_reviewed_through_the_trial(api: Api) -> None:
    draft = steps.open_trial(api)
    assert api.call("POST", f"/trials/{draft['id']}/plans", "alpha", expect=409)["state"] == "draft"
    problem = review(api, draft, 1, "alpha", "submit", expect=409)
    assert "/transitions" in problem["detail"]


def test_an_incomplete_amendment_cannot_be_submitted(api: Api) -> None:
    trial = steps.approved(api)
    api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)
    thinner = plan()
    thinner["kpis"] = []
    api.call("PUT", f"/trials/{trial['id']}/plans/2", "alpha", thinner, expect=200)
    refusal = review(api, trial, 2, "alpha", "submit", expect=409)
    assert refusal["reasons"][0]["code"] == "plan_incomplete"
    assert [p["field"] for p in refusal["reasons"][0]["problems"]] == ["/kpis"]


def test_an_open_amendment_dies_with_its_trial(api: Api) -> None:
    trial = steps.active(api)
    api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)
    steps.move(api, trial, "policy", "terminate", reason="Vi phạm điều kiện an toàn")
    versions = api.call("GET", f"/trials/{trial['id']}/plans", "alpha", expect=200)
    assert [v["status"] for v in versions] == ["approved", "withdrawn"]
