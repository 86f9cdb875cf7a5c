"""Logging in and out, tokens, users and roles, organisations and their members."""

from __future__ import annotations

from tests.integration import steps
from tests.integration.conftest import PASSWORD, Api


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api: Api) -> None:
    wrong = api.call("POST", "/auth/token", None, {"email": "alpha@startup.test", "password": "wrong-password"},
                     expect=401)
    unknown = api.call("POST", "/auth/token", None, {"email": "nobody@startup.test", "password": "wrong-password"},
                       expect=401)
    assert wrong["detail"] == unknown["detail"]


def test_logging_in_gives_a_bearer_token_that_logging_out_kills(api: Api) -> None:
    answer = api.call("POST", "/auth/token", None, {"email": "Alpha@Startup.test", "password": PASSWORD}, expect=201)
    assert answer["token_type"] == "bearer" and answer["access_token"].startswith("sbx_")
    assert answer["user"]["role"] == "startup" and answer["expires_at"].endswith("+07:00")
    api.tokens["session"] = answer["access_token"]
    assert api.call("GET", "/auth/me", "session", expect=200)["email"] == "alpha@startup.test"
    api.call("DELETE", "/auth/token", "session", expect=204)
    api.call("GET", "/auth/me", "session", expect=401)
    api.call("GET", "/auth/me", "alpha", expect=200)  # other sessions live on


def test_a_deactivated_user_is_locked_out_at_once(api: Api) -> None:
    alpha = api.call("GET", "/auth/me", "alpha", expect=200)
    api.call("PATCH", f"/users/{alpha['id']}", "admin", {"active": False}, expect=200)
    api.call("GET", "/auth/me", "alpha", expect=401)
    api.call("POST", "/auth/token", None, {"email": "alpha@startup.test", "password": PASSWORD}, expect=401)
    api.call("PATCH", f"/users/{alpha['id']}", "admin", {"active": True}, expect=200)
    api.log_in("alpha", "alpha@startup.test")


def test_changing_a_password_needs_the_current_one_and_ends_every_session(api: Api) -> None:
    problem = api.call("POST", "/auth/password", "alpha", {"current_password": "guess-guess", "new_password": "n" * 12},
                       expect=422)
    assert problem["errors"][0]["pointer"] == "#/current_password"
    api.call("POST", "/auth/password", "alpha", {"current_password": PASSWORD, "new_password": "mật khẩu mới 2026"},
             expect=204)
    api.call("GET", "/auth/me", "alpha", expect=401)
    api.log_in("alpha", "alpha@startup.test", "mật khẩu mới 2026")


def test_roles_change_within_the_department_but_never_across_to_a_startup(api: Api) -> None:
    users = {u["email"]: u for u in api.call("GET", "/users", "admin", expect=200)["items"]}
    evaluator, alpha = users["evaluator@skhcn.test"], users["alpha@startup.test"]
    assert api.call("PATCH", f"/users/{evaluator['id']}", "admin", {"role": "policy"}, expect=200)["role"] == "policy"
    problem = api.call("PATCH", f"/users/{alpha['id']}", "admin", {"role": "evaluator"}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/role"
    problem = api.call("POST", "/users", "admin", {"email": "s@x.test", "full_name": "S", "password": PASSWORD,
                                                   "role": "startup"}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/role"
    problem = api.call("PATCH", f"/users/{users['admin@skhcn.test']['id']}", "admin", {"active": False}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/active"


def test_a_startup_adds_colleagues_who_see_the_same_trials(api: Api) -> None:
    trial = steps.open_trial(api)
    colleague = api.call("POST", f"/organisations/{api.orgs['alpha']}/users", "alpha",  # type: ignore[attr-defined]
                         {"email": "dong.nghiep@startup.test", "full_name": "Lê Thị B", "password": PASSWORD},
                         expect=201)
    assert colleague["role"] == "startup" and colleague["organisation_id"] == api.orgs["alpha"]  # type: ignore[attr-defined]
    api.log_in("colleague", "dong.nghiep@startup.test")
    seen = api.call("GET", "/trials", "colleague", expect=200)["items"]
    assert [t["id"] for t in seen] == [trial["id"]]
    assert api.call("GET", "/trials", "beta", expect=200)["total"] == 0
    assert api.call("GET", "/users", "alpha", expect=200)["total"] == 2


def test_staff_see_submitted_trials_but_never_drafts(api: Api) -> None:
    steps.open_trial(api)
    submitted = steps.submitted(api)
    returned = steps.submitted(api)
    steps.move(api, returned, "evaluator", "return", comments="Bổ sung")
    for who in ("evaluator", "policy", "admin"):
        seen = {t["id"] for t in api.call("GET", "/trials", who, expect=200)["items"]}
        assert seen == {submitted["id"], returned["id"]}, who
    assert api.call("GET", "/trials", "alpha", expect=200)["total"] == 3
    only = api.call("GET", "/trials", "evaluator", expect=200, state="returned")["items"]
    assert [t["id"] for t in only] == [returned["id"]]


def test_reviewed_specifications_are_frozen(api: Api) -> None:
    trial = steps.submitted(api)
    product_id = api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)["product"]["id"]
    specs = {"mass_kg": 40.0, "largest_dimension_m": 2.8, "max_speed_mps": 10.0}
    problem = api.call("PATCH", f"/products/{product_id}", "alpha", {"specs": specs}, expect=409, language="en")
    assert "register a new product" in problem["detail"]
    changed = api.call("PATCH", f"/products/{product_id}", "alpha", {"description": "Bản mô tả mới"}, expect=200)
    assert changed["description"] == "Bản mô tả mới"
