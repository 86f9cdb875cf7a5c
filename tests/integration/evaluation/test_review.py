"""An evaluator reviews a report version (comments, returns or signs it) and policy staff decide on a signed one."""

from __future__ import annotations

from tests.integration import steps
from tests.integration.conftest import PASSWORD, Api


def test_a_report_is_commented_signed_with_the_password_and_decided_on(api: Api) -> None:
    trial = steps.reported(api)
    path = f"/trials/{trial['id']}"
    api.call("POST", f"{path}/reports/1/comments", "evaluator", json={"comment": "Độ phủ còn thấp"}, expect=201)
    api.call("POST", f"{path}/reports/1/decision", "policy", json={"outcome": "extend", "rationale": "x"},
             expect=409)  # not signed yet
    wrong = api.call("POST", f"{path}/reports/1/sign", "evaluator", json={"password": "nope", "statement": "Đạt"},
                     expect=422)
    assert wrong["errors"][0]["pointer"] == "#/password"
    assert api.call("GET", path, "alpha", expect=200)["state"] == "completed"
    signed = api.call("POST", f"{path}/reports/1/sign", "evaluator",
                      json={"password": PASSWORD, "statement": "Đạt các KPI chính"}, expect=201)
    assert signed["status"] == "signed" and signed["signed_at"].endswith("+07:00")
    assert api.call("GET", path, "alpha", expect=200)["state"] == "evaluated"
    # Signed is locked: no more comments, no return, no second signature.
    api.call("POST", f"{path}/reports/1/comments", "evaluator", json={"comment": "thêm"}, expect=409)
    api.call("POST", f"{path}/reports/1/return", "evaluator", json={"comment": "làm lại"}, expect=409)
    api.call("POST", f"{path}/reports/1/sign", "evaluator", json={"password": PASSWORD, "statement": "Đạt"},
             expect=409)
    bad = api.call("POST", f"{path}/reports/1/decision", "policy", expect=422,
                   json={"outcome": "reject", "rationale": "Không an toàn", "conditions": {"fleet_size": 3}})
    assert bad["errors"][0]["pointer"] == "#/conditions"
    decision = api.call("POST", f"{path}/reports/1/decision", "policy", expect=201, json={
        "outcome": "roll_out", "rationale": "An toàn, hiệu quả",
        "conditions": {"areas": ["Phường Vị Tân"], "fleet_size": 4, "duration_months": 12}})
    assert decision["outcome"] == "roll_out" and decision["conditions"]["fleet_size"] == 4
    assert api.call("GET", path, "alpha", expect=200)["state"] == "decided"
    trail = api.call("GET", f"{path}/reports/1/reviews", "alpha", expect=200)
    assert [r["action"] for r in trail] == ["comment", "sign"] and trail[1]["comment"] == "Đạt các KPI chính"
    history = api.call("GET", f"{path}/history", "alpha", expect=200)
    assert [h["name"] for h in history][-2:] == ["evaluate", "decide"]
    assert history[-1]["details"]["conditions"]["fleet_size"] == 4
    audit = api.call("GET", "/audit", "admin", expect=200, limit=200)["items"]
    actions = [entry["action"] for entry in audit]
    assert {"evaluation.create", "report.comment", "report.sign", "report.decision", "trial.evaluate",
            "trial.decide"} <= set(actions)


def test_a_returned_report_is_closed_and_a_new_evaluation_makes_the_next_version(api: Api) -> None:
    trial = steps.reported(api)
    path = f"/trials/{trial['id']}"
    returned = api.call("POST", f"{path}/reports/1/return", "evaluator", json={"comment": "Thiếu dữ liệu"},
                        expect=201)
    assert returned["status"] == "returned"
    api.call("POST", f"{path}/reports/1/sign", "evaluator", json={"password": PASSWORD, "statement": "x"},
             expect=409)
    again = api.call("POST", f"{path}/evaluations", "evaluator", json={"n_draws": 1000}, expect=201)
    assert again["version"] == 2 and again["status"] == "draft"
    assert api.call("GET", path, "alpha", expect=200)["state"] == "completed"
