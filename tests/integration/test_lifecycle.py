"""A trial's whole life through the API, and the transitions that must be refused (409) and why."""

from __future__ import annotations

from datetime import timedelta

from sandbox.clock import local_today
from tests.integration.conftest import PASSWORD, Api
from tests.integration.steps import approved, enrol, move, open_trial
from tests.plans import plan, product


def approved_trial(api: Api, **plan_options) -> dict:
    return approved(api, **plan_options)


def test_a_trial_lives_from_draft_to_decision(api: Api) -> None:
    today = local_today()
    trial = open_trial(api, start=today - timedelta(days=30), days=30)
    assert trial["state"] == "draft" and trial["reference"].startswith(f"SB-{today.year}-")
    assert trial["working_plan"]["version"] == 1 and trial["working_plan"]["status"] == "draft"
    enrol(api, trial)
    states = [move(api, trial, "alpha", "submit")["state"]]
    states.append(move(api, trial, "evaluator", "start_review")["state"])
    states.append(move(api, trial, "evaluator", "recommend", recommendation="approve", comments="ok")["state"])
    approved = move(api, trial, "policy", "approve", conditions=["Chỉ bay ban ngày"])
    states.append(approved["state"])
    assert approved["plan_in_force"] == 1 and approved["working_plan"]["conditions"] == ["Chỉ bay ban ngày"]
    assert approved["start_date"] == (today - timedelta(days=30)).isoformat()
    states.append(move(api, trial, "alpha", "activate")["state"])
    states.append(move(api, trial, "policy", "suspend", reason="Sự cố mức 4 cần điều tra")["state"])
    states.append(move(api, trial, "policy", "resume", reason="Đã khắc phục")["state"])
    states.append(move(api, trial, "alpha", "complete")["state"])
    refused = api.call("POST", f"/trials/{trial['id']}/transitions", "evaluator",
                       json={"name": "evaluate", "summary": "Đạt"}, expect=409)
    assert "/reports/{version}/sign" in refused["detail"]
    api.call("POST", f"/trials/{trial['id']}/evaluations", "evaluator", json={"n_draws": 1000}, expect=201)
    api.call("POST", f"/trials/{trial['id']}/reports/1/sign", "evaluator",
             json={"password": PASSWORD, "statement": "Đạt các KPI chính"}, expect=201)
    states.append(api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)["state"])
    api.call("POST", f"/trials/{trial['id']}/reports/1/decision", "policy", expect=201, json={
        "outcome": "roll_out", "rationale": "An toàn và hiệu quả",
        "conditions": {"areas": ["Phường Vị Tân"], "fleet_size": 5, "duration_months": 12}})
    states.append(api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)["state"])
    assert states == ["submitted", "under_review", "under_review", "approved", "active", "suspended", "active",
                      "completed", "evaluated", "decided"]
    history = api.call("GET", f"/trials/{trial['id']}/history", "alpha", expect=200)
    assert [h["name"] for h in history] == ["submit", "start_review", "recommend", "approve", "activate", "suspend",
                                            "resume", "complete", "evaluate", "decide"]
    assert history[-1]["details"]["outcome"] == "roll_out"
    assert history[-1]["details"]["conditions"]["fleet_size"] == 5
    assert history[5]["reason"] == "Sự cố mức 4 cần điều tra"
    assert history[0]["at"].endswith("+07:00")


def test_an_evaluator_returns_a_plan_for_changes_and_it_comes_back(api: Api) -> None:
    trial = open_trial(api)
    move(api, trial, "alpha", "submit")
    returned = move(api, trial, "evaluator", "return", comments="Bổ sung phương án sơ tán")
    assert returned["state"] == "returned" and returned["working_plan"]["status"] == "returned"
    edited = plan()
    edited["safeguards"].append("Có phương án sơ tán người dân")
    api.call("PUT", f"/trials/{trial['id']}/plans/1", "alpha", edited, expect=200)
    assert move(api, trial, "alpha", "submit")["state"] == "submitted"
    history = api.call("GET", f"/trials/{trial['id']}/history", "evaluator", expect=200)
    assert history[1]["reason"] == "Bổ sung phương án sơ tán"


def test_refused_transitions_say_what_is_allowed_and_why(api: Api) -> None:
    incomplete = api.call("POST", "/products", "alpha", product(), expect=201)
    draft = api.call("POST", "/trials", "alpha", {"product_id": incomplete["id"], "plan": {"title": "Chưa xong"}}, expect=201)
    refusal = move(api, draft, "alpha", "submit", expect=409, language="en")
    assert refusal["code"] == "transition_refused" and refusal["state"] == "draft"
    assert refusal["allowed"] == ["withdraw"]
    assert refusal["reasons"][0]["code"] == "plan_incomplete"
    missing = {p["field"] for p in refusal["reasons"][0]["problems"]}
    assert {"/sites", "/kpis", "/schedule", "/insurance", "/exit_plan"} <= missing and "/title" not in missing

    trial = approved_trial(api, start=local_today() + timedelta(days=10))
    refusal = move(api, trial, "alpha", "activate", expect=409)
    codes = {reason["code"] for reason in refusal["reasons"]}
    assert codes == {"start_date_not_reached", "no_device_enrolled"}
    assert "Chưa đến ngày bắt đầu" in refusal["detail"]  # Vietnamese unless English is asked for
    refusal = move(api, trial, "policy", "suspend", reason="x", expect=409)
    assert [r["code"] for r in refusal["reasons"]] == ["wrong_state"]
    forbidden = move(api, trial, "evaluator", "terminate", reason="x", expect=403)
    assert forbidden["code"] == "transition_forbidden"
    assert {r["code"] for r in forbidden["reasons"]} == {"role_not_allowed"}


def test_approval_needs_an_evaluator_recommendation(api: Api) -> None:
    trial = open_trial(api)
    move(api, trial, "alpha", "submit")
    move(api, trial, "evaluator", "start_review")
    refusal = move(api, trial, "policy", "approve", expect=409)
    assert refusal["reasons"][0]["code"] == "approval_not_recommended"
    move(api, trial, "evaluator", "recommend", recommendation="reject", comments="Thiếu bảo hiểm")
    assert move(api, trial, "policy", "approve", expect=409)["reasons"][0]["code"] == "approval_not_recommended"
    assert move(api, trial, "policy", "reject", reason="Không đạt")["state"] == "rejected"
    assert move(api, trial, "alpha", "withdraw", reason="x", expect=409)["allowed"] == []


def test_one_extension_no_longer_than_the_original_duration(api: Api) -> None:
    start = local_today() - timedelta(days=5)
    trial = approved_trial(api, start=start, days=60)
    end = start + timedelta(days=60)
    enrol(api, trial)
    move(api, trial, "alpha", "activate")
    too_long = move(api, trial, "policy", "extend", new_end_date=(end + timedelta(days=61)).isoformat(),
                    reason="Cần thêm dữ liệu", expect=409)
    assert too_long["reasons"][0]["code"] == "extension_too_long"
    assert too_long["reasons"][0]["latest_end_date"] == (end + timedelta(days=60)).isoformat()
    extended = move(api, trial, "policy", "extend", new_end_date=(end + timedelta(days=60)).isoformat(),
                    reason="Cần thêm dữ liệu mùa vụ")
    assert extended["extended"] is True and extended["end_date"] == (end + timedelta(days=60)).isoformat()
    assert extended["original_end_date"] == end.isoformat()
    again = move(api, trial, "policy", "extend", new_end_date=(end + timedelta(days=70)).isoformat(),
                 reason="Thêm nữa", expect=409)
    assert again["reasons"][0]["code"] == "already_extended"


def test_a_reason_is_required_where_a_person_must_say_why(api: Api) -> None:
    trial = open_trial(api)
    move(api, trial, "alpha", "submit")
    problem = move(api, trial, "evaluator", "return", expect=422)
    assert problem["errors"][0]["pointer"] == "#/comments"
    problem = move(api, trial, "evaluator", "teleport", expect=422)
    assert problem["errors"][0]["pointer"] == "#/name"
