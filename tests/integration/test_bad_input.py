"""Bad input gets a clear, specific 4xx in RFC 9457 problem details, in the reader's language — never a 500."""

from __future__ import annotations

import json

import pytest

from tests.integration import steps
from tests.integration.conftest import PASSWORD, Api
from tests.plans import plan, product

PROBLEM = "application/problem+json"


def post_raw(api: Api, path: str, body: bytes, who: str | None = "alpha", language: str | None = None):
    headers = {**api.headers(who, language), "Content-Type": "application/json"}
    return api.client.post("/api/v1" + path, content=body, headers=headers)


def test_a_self_intersecting_geofence_is_refused_with_the_reason_and_where(api: Api) -> None:
    made = api.call("POST", "/products", "alpha", product(), expect=201)
    bad = plan()
    bad["sites"][0]["geofence"] = {
        "type": "Polygon",
        "coordinates": [[[105.47, 9.78], [105.48, 9.79], [105.48, 9.78], [105.47, 9.79], [105.47, 9.78]]],
    }
    response = api.client.post("/api/v1/trials", json={"product_id": made["id"], "plan": bad},
                               headers=api.headers("alpha", "en"))
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "/problems/invalid_input" and problem["status"] == 422
    [error] = problem["errors"]
    assert error["pointer"] == "#/plan/sites/0/geofence"
    assert "self-intersection" in error["detail"] and "(105.475000, 9.785000)" in error["detail"]
    assert error["location"] == pytest.approx([105.475, 9.785])
    vietnamese = api.client.post("/api/v1/trials", json={"product_id": made["id"], "plan": bad},
                                 headers=api.headers("alpha")).json()
    assert "tự cắt" in vietnamese["errors"][0]["detail"] and vietnamese["title"] == "Dữ liệu không hợp lệ"


def test_malformed_json_is_400(api: Api) -> None:
    response = post_raw(api, "/products", b'{"kind": "agri_uav",', language="en")
    assert response.status_code == 400 and response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("change,pointer,words", [
    ({"specs": {"mass_kg": "nặng", "largest_dimension_m": 1, "max_speed_mps": 1}}, "#/specs/mass_kg", "Expected `float`"),
    ({"specs": {"mass_kg": -3, "largest_dimension_m": 1, "max_speed_mps": 1}}, "#/specs/mass_kg", "> 0"),
    ({"specs": {"largest_dimension_m": 1, "max_speed_mps": 1}}, "#/specs/mass_kg", "missing required field"),
    ({"kind": "submarine"}, "#/kind", "Invalid enum value 'submarine'"),
    ({"colour": "đỏ"}, "#/colour", "unknown field"),
    ({"product_line": "amr"}, "#/product_line", "does not belong to the 'amr' product line"),
])
def test_a_wrong_field_is_pointed_at(api: Api, change: dict, pointer: str, words: str) -> None:
    body = product() | change
    problem = api.call("POST", "/products", "alpha", body, expect=422, language="en")
    assert problem["errors"][0]["pointer"] == pointer
    assert words in problem["errors"][0]["detail"]
    assert pointer in problem["detail"]


def test_validation_messages_are_vietnamese_by_default(api: Api) -> None:
    body = product() | {"specs": {"mass_kg": "nặng", "largest_dimension_m": 1, "max_speed_mps": 1}}
    problem = api.call("POST", "/products", "alpha", body, expect=422)
    assert problem["errors"][0]["detail"] == "cần kiểu float, nhận được str"


def test_a_bad_tax_code_and_a_taken_one(api: Api) -> None:
    registration = {
        "organisation": {"name": "X", "tax_code": "1800222220", "contact_name": "A", "contact_email": "a@x.test"},
        "user": {"email": "new@x.test", "full_name": "A", "password": PASSWORD},
    }
    problem = api.call("POST", "/registrations", None, registration, expect=422, language="en")
    assert problem["errors"][0]["pointer"] == "#/organisation/tax_code" and "check digit" in problem["detail"]
    registration["organisation"]["tax_code"] = "1800-222-229"  # alpha's, written differently
    problem = api.call("POST", "/registrations", None, registration, expect=409, language="en")
    assert problem["code"] == "already_exists" and problem["errors"][0]["pointer"] == "#/organisation/tax_code"
    registration["organisation"]["tax_code"] = "1800444447"
    registration["user"]["email"] = "ALPHA@startup.test"
    problem = api.call("POST", "/registrations", None, registration, expect=409, language="en")
    assert problem["errors"][0]["pointer"] == "#/user/email"
    assert api.call("GET", "/organisations", "admin", expect=200)["total"] == 2  # nothing half-made was kept


def test_bad_query_and_path_parameters(api: Api) -> None:
    problem = api.call("GET", "/trials", "alpha", expect=400, limit=1000)
    assert problem["code"] == "invalid_parameter" and problem["errors"][0]["parameter"] == "limit"
    problem = api.call("GET", "/trials", "alpha", expect=400, state="dreaming")
    assert problem["errors"][0]["parameter"] == "state"
    response = api.client.get("/api/v1/trials/not-a-uuid", headers=api.headers("alpha"))
    assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)


def test_unknown_routes_and_methods_answer_in_problem_details(api: Api) -> None:
    missing = api.client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not_found"
    wrong = api.client.put("/api/v1/register")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert api.client.get("/problems/invalid_input").json()["title"]["en"] == "Invalid input"


def test_tokens_that_are_wrong_or_missing_say_how_to_log_in(api: Api) -> None:
    response = api.client.get("/api/v1/trials", headers={"Authorization": "Bearer sbx_forged", "Accept-Language": "en"})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert "POST /api/v1/auth/token" in response.json()["detail"]
    assert api.client.get("/api/v1/trials", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_plan_that_is_frozen_says_how_to_change_it(api: Api) -> None:
    trial = steps.approved(api)
    problem = api.call("PUT", f"/trials/{trial['id']}/plans/1", "alpha", plan(), expect=409, language="en")
    assert "create an amendment" in problem["detail"] and problem["plan_status"] == "approved"


@pytest.mark.parametrize("body", [b"null", b"[]", b"42", b'"text"', b"{}", b'{"name": null}', b"\xff\xfe",
                                  json.dumps({"name": "extend", "new_end_date": "yesterday", "reason": "x"}).encode()])
def test_odd_bodies_never_reach_a_500(api: Api, body: bytes) -> None:
    trial = steps.open_trial(api)
    for path in ("/products", "/trials", f"/trials/{trial['id']}/transitions", f"/trials/{trial['id']}/devices",
                 "/registrations", "/auth/token"):
        response = post_raw(api, path, body)
        assert 400 <= response.status_code < 500, (path, body, response.status_code, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)


def test_the_nul_character_is_refused_the_same_way_on_both_databases(api: Api) -> None:
    problem = api.call("POST", "/products", "alpha", product() | {"name": "T40\x00"}, expect=422, language="en")
    assert problem["errors"][0]["pointer"] == "#/name" and "NUL" in problem["detail"]
    body = {"product_id": api.call("POST", "/products", "alpha", product(), expect=201)["id"], "plan": plan()}
    body["plan"]["objectives"][1] = "giảm\x00thuốc"
    problem = api.call("POST", "/trials", "alpha", body, expect=422)
    assert problem["errors"][0]["pointer"] == "#/plan/objectives/1"


@pytest.mark.parametrize("query", ["offset=100000000000000000000", "offset=-1", "limit=0", "limit=201", "kind=zzz"])
def test_extreme_query_values_are_400(api: Api, query: str) -> None:
    response = api.client.get(f"/api/v1/register?{query}")
    assert response.status_code == 400 and response.json()["code"] == "invalid_parameter"
