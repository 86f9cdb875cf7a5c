"""Who may call what: every endpoint × every kind of caller, with the status each must get.

Callers: nobody logged in, ``alpha`` (the startup that owns the resources), ``beta`` (another
startup), and the department's evaluator, policy staff and administrator. Each call acts on
fresh resources, so that one caller's success cannot change what the next one sees.

401: not logged in. 403: logged in, but the role may not do this. 404: the thing is not visible
to this caller (another organisation's, or a draft nobody outside its organisation may see).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration import steps
from tests.integration.conftest import PASSWORD, Api
from tests.plans import plan, product, valid_tax_codes

CALLERS = ("anonymous", "alpha", "beta", "evaluator", "policy", "admin")
_tax_codes = valid_tax_codes()


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # formatted with what ``setup`` returns
    expected: tuple[int, int, int, int, int, int]  # in the order of CALLERS
    setup: Callable[[Api], dict[str, Any]] = lambda api: {}
    body: Callable[[dict[str, Any]], Any] = lambda ctx: None
    relogin: bool = False  # the call revokes the caller's tokens

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _me(api: Api) -> dict[str, Any]:
    users = api.call("GET", "/users", "alpha", expect=200)["items"]
    return {"user": users[0]["id"], "org": api.orgs["alpha"]}  # type: ignore[attr-defined]


def _product(api: Api) -> dict[str, Any]:
    return {"product": api.call("POST", "/products", "alpha", product(), expect=201)["id"]}


def _trial(make: Callable[[Api], dict[str, Any]]) -> Callable[[Api], dict[str, Any]]:
    return lambda api: {"trial": make(api)["id"]}


def _with_device(make: Callable[[Api], dict[str, Any]]) -> Callable[[Api], dict[str, Any]]:
    def setup(api: Api) -> dict[str, Any]:
        trial = make(api)
        device = steps.enrol(api, trial, serial=f"D-{trial['reference']}")
        return {"trial": trial["id"], "device": device["device"]["id"]}

    return setup


def _amendment(api: Api) -> dict[str, Any]:
    trial = steps.approved(api)
    api.call("POST", f"/trials/{trial['id']}/plans", "alpha", expect=201)
    return {"trial": trial["id"]}


def _suspended(api: Api) -> dict[str, Any]:
    trial = steps.active(api)
    return {"trial": steps.move(api, trial, "policy", "suspend", reason="điều tra sự cố")["id"]}


def _approved_with_device(api: Api) -> dict[str, Any]:
    trial = steps.approved(api)
    steps.enrol(api, trial, serial=f"D-{trial['reference']}")
    return {"trial": trial["id"]}


def _active_for_extension(api: Api) -> dict[str, Any]:
    trial = steps.active(api)
    new_end = date.fromisoformat(trial["end_date"]) + timedelta(days=10)
    return {"trial": trial["id"], "new_end": new_end.isoformat()}


def _incident(api: Api) -> dict[str, Any]:
    trial = steps.active(api)
    incident = api.call("POST", f"/trials/{trial['id']}/incidents", "alpha", _report({}), expect=201)
    return {"trial": trial["id"], "incident": incident["id"]}


def _report(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"category": "near_miss", "severity": 2, "occurred_at": "2026-01-05T08:00:00+07:00",
            "description": "Suýt va chạm với cột điện"}


def _transition(name: str, **fields: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda ctx: {"name": name, **fields}


def _registration(ctx: dict[str, Any]) -> dict[str, Any]:
    code = next(_tax_codes)
    return {
        "organisation": {"name": "Công ty Mới", "tax_code": code, "contact_name": "A", "contact_email": f"x{code}@t.test"},
        "user": {"email": f"u{code}@t.test", "full_name": "A", "password": PASSWORD},
    }


def _staff_user(_ctx: dict[str, Any]) -> dict[str, Any]:
    # A fresh address per call: id(ctx) was reused once a context was freed, and the second caller got 409.
    return {"email": f"e{uuid.uuid4().hex}@skhcn.test", "full_name": "B", "password": PASSWORD, "role": "evaluator"}


def _member(_ctx: dict[str, Any]) -> dict[str, Any]:
    return {"email": f"m{uuid.uuid4().hex}@startup.test", "full_name": "C", "password": PASSWORD}


T = "/trials/{trial}"
ROWS = [
    #                                                       anon alpha beta  eval  pol   admin
    Row("GET", "/auth/me", (401, 200, 200, 200, 200, 200)),
    Row("POST", "/auth/password", (401, 204, 204, 204, 204, 204),
        body=lambda ctx: {"current_password": PASSWORD, "new_password": PASSWORD}, relogin=True),
    Row("DELETE", "/auth/token", (401, 204, 204, 204, 204, 204), relogin=True),
    Row("GET", "/users", (401, 200, 200, 403, 403, 200)),
    Row("POST", "/users", (401, 403, 403, 403, 403, 201), body=_staff_user),
    Row("GET", "/users/{user}", (401, 200, 404, 404, 404, 200), setup=_me),
    Row("PATCH", "/users/{user}", (401, 200, 404, 404, 404, 200), setup=_me, body=lambda ctx: {"full_name": "Tên mới"}),
    Row("PATCH", "/users/{user}", (401, 403, 404, 404, 404, 200), setup=_me, body=lambda ctx: {"active": True}),
    Row("POST", "/registrations", (201, 201, 201, 201, 201, 201), body=_registration),
    Row("GET", "/organisations", (401, 200, 200, 200, 200, 200)),
    Row("GET", "/organisations/{org}", (401, 200, 404, 200, 200, 200), setup=_me),
    Row("PATCH", "/organisations/{org}", (401, 200, 404, 403, 403, 200), setup=_me,
        body=lambda ctx: {"contact_name": "Trần B"}),
    Row("POST", "/organisations/{org}/users", (401, 201, 404, 403, 403, 201), setup=_me, body=_member),
    Row("GET", "/products", (401, 200, 200, 200, 200, 200)),
    Row("POST", "/products", (401, 201, 201, 403, 403, 403), body=lambda ctx: product()),
    Row("GET", "/products/{product}", (401, 200, 404, 200, 200, 200), setup=_product),
    Row("PATCH", "/products/{product}", (401, 200, 404, 403, 403, 403), setup=_product,
        body=lambda ctx: {"description": "Phiên bản 2"}),
    Row("GET", "/trials", (401, 200, 200, 200, 200, 200)),
    Row("POST", "/trials", (401, 201, 404, 403, 403, 403), setup=_product,
        body=lambda ctx: {"product_id": ctx["product"], "plan": plan()}),
    Row("GET", T, (401, 200, 404, 404, 404, 404), setup=_trial(steps.open_trial)),
    Row("GET", T, (401, 200, 404, 200, 200, 200), setup=_trial(steps.submitted)),
    Row("GET", T + "/transitions", (401, 200, 404, 200, 200, 200), setup=_trial(steps.submitted)),
    Row("GET", T + "/history", (401, 200, 404, 200, 200, 200), setup=_trial(steps.submitted)),
    Row("POST", T + "/transitions", (401, 201, 404, 404, 404, 404), setup=_trial(steps.open_trial),
        body=_transition("submit")),
    Row("POST", T + "/transitions", (401, 403, 404, 201, 403, 403), setup=_trial(steps.submitted),
        body=_transition("start_review")),
    Row("POST", T + "/transitions", (401, 403, 404, 201, 403, 403), setup=_trial(steps.submitted),
        body=_transition("return", comments="Bổ sung bảo hiểm")),
    Row("POST", T + "/transitions", (401, 403, 404, 201, 403, 403), setup=_trial(steps.under_review),
        body=_transition("recommend", recommendation="approve", comments="Đạt")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_trial(steps.recommended),
        body=_transition("approve")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_trial(steps.under_review),
        body=_transition("reject", reason="Rủi ro quá cao")),
    Row("POST", T + "/transitions", (401, 201, 404, 403, 403, 403), setup=_trial(steps.submitted),
        body=_transition("withdraw", reason="Đổi kế hoạch")),
    Row("POST", T + "/transitions", (401, 201, 404, 403, 201, 403), setup=_approved_with_device,
        body=_transition("activate")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_trial(steps.active),
        body=_transition("suspend", reason="Sự cố mức 4")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_suspended,
        body=_transition("resume", reason="Đã khắc phục")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_active_for_extension,
        body=lambda ctx: {"name": "extend", "new_end_date": ctx["new_end"], "reason": "Cần thêm mùa vụ"}),
    Row("POST", T + "/transitions", (401, 201, 404, 403, 201, 403), setup=_trial(lambda api: steps.active(api, True)),
        body=_transition("complete")),
    Row("POST", T + "/transitions", (401, 403, 404, 403, 201, 403), setup=_trial(steps.active),
        body=_transition("terminate", reason="Vi phạm điều kiện")),
    Row("POST", T + "/transitions", (401, 409, 404, 409, 409, 409), setup=_trial(steps.completed),
        body=_transition("evaluate", summary="Đạt")),
    Row("POST", T + "/evaluations", (401, 403, 404, 201, 201, 403), setup=_trial(steps.completed),
        body=lambda ctx: {"n_draws": 1000, "n_resamples": 999}),
    Row("GET", T + "/reports/1", (401, 200, 404, 200, 200, 200), setup=_trial(steps.reported)),
    Row("POST", T + "/reports/1/comments", (401, 403, 404, 201, 201, 403), setup=_trial(steps.reported),
        body=lambda ctx: {"comment": "Cần xem lại độ phủ"}),
    Row("POST", T + "/reports/1/sign", (401, 403, 404, 201, 403, 403), setup=_trial(steps.reported),
        body=lambda ctx: {"password": PASSWORD, "statement": "Đạt"}),
    Row("POST", T + "/reports/1/decision", (401, 403, 404, 403, 201, 403), setup=_trial(steps.evaluated),
        body=lambda ctx: {"outcome": "extend", "rationale": "Cần thêm dữ liệu"}),
    Row("GET", T + "/plans", (401, 200, 404, 404, 404, 404), setup=_trial(steps.open_trial)),
    Row("GET", T + "/plans/1", (401, 200, 404, 200, 200, 200), setup=_trial(steps.submitted)),
    Row("PUT", T + "/plans/1", (401, 200, 404, 404, 404, 404), setup=_trial(steps.open_trial),
        body=lambda ctx: plan()),
    Row("PUT", T + "/plans/1", (401, 409, 404, 403, 403, 403), setup=_trial(steps.submitted),
        body=lambda ctx: plan()),
    Row("POST", T + "/plans", (401, 201, 404, 403, 403, 403), setup=_trial(steps.approved)),
    Row("GET", T + "/plans/2/transitions", (401, 200, 404, 200, 200, 200), setup=_amendment),
    Row("POST", T + "/plans/2/transitions", (401, 201, 404, 403, 403, 403), setup=_amendment,
        body=_transition("submit")),
    Row("GET", T + "/devices", (401, 200, 404, 200, 200, 200), setup=_trial(steps.submitted)),
    Row("POST", T + "/devices", (401, 201, 404, 404, 404, 404), setup=_trial(steps.open_trial),
        body=lambda ctx: {"serial": "CAM-9", "model": "X"}),
    Row("POST", T + "/devices", (401, 201, 404, 403, 403, 403), setup=_trial(steps.submitted),
        body=lambda ctx: {"serial": "CAM-9", "model": "X"}),
    Row("GET", T + "/devices/{device}", (401, 200, 404, 200, 200, 200), setup=_with_device(steps.submitted)),
    Row("POST", T + "/devices/{device}/retire", (401, 201, 404, 403, 201, 403), setup=_with_device(steps.submitted),
        body=lambda ctx: {"reason": "Hỏng cảm biến"}),
    Row("POST", T + "/devices/{device}/credentials", (401, 201, 404, 403, 403, 403),
        setup=_with_device(steps.submitted)),
    Row("GET", T + "/incidents", (401, 200, 404, 200, 200, 200), setup=_trial(steps.active)),
    Row("POST", T + "/incidents", (401, 201, 404, 201, 201, 403), setup=_trial(steps.active), body=_report),
    Row("POST", T + "/incidents/{incident}/acknowledge", (401, 403, 404, 201, 201, 403), setup=_incident,
        body=lambda ctx: {"note": "Đã xem"}),
    Row("POST", T + "/incidents/{incident}/close", (401, 403, 404, 201, 201, 403), setup=_incident,
        body=lambda ctx: {"resolution": "Đã nhắc nhở phi công"}),
    Row("GET", T + "/telemetry/latest", (401, 200, 404, 200, 200, 200), setup=_with_device(steps.active)),
    Row("GET", T + "/telemetry/series?field=height_agl_m", (401, 200, 404, 200, 200, 200),
        setup=_with_device(steps.active)),
    Row("GET", T + "/telemetry/export", (401, 200, 404, 200, 200, 200), setup=_with_device(steps.active)),
    Row("GET", T + "/dead-letters", (401, 200, 404, 200, 200, 200), setup=_trial(steps.active)),
    Row("GET", T + "/devices/{device}/connection", (401, 200, 404, 200, 200, 200),
        setup=_with_device(steps.submitted)),
    Row("GET", "/register", (200, 200, 200, 200, 200, 200)),
    Row("GET", "/labels", (200, 200, 200, 200, 200, 200)),
    Row("GET", "/audit", (401, 403, 403, 200, 200, 200)),
    Row("GET", "/audit/verification", (401, 403, 403, 403, 200, 200)),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{i:02d} {r.id}" for i, r in enumerate(ROWS)])
def test_each_caller_gets_the_status_its_role_allows(api: Api, row: Row) -> None:
    results = {}
    for caller, expected in zip(CALLERS, row.expected, strict=True):
        context = row.setup(api)
        who = None if caller == "anonymous" else caller
        path = row.path.format(**context)
        response = api.client.request(row.method, "/api/v1" + path, json=row.body(context), headers=api.headers(who))
        results[caller] = (response.status_code, expected, response.text[:300])
        if row.relogin and who is not None:
            email = {"alpha": "alpha@startup.test", "beta": "beta@startup.test"}.get(who, f"{who}@skhcn.test")
            api.log_in(who, email)
    wrong = {caller: result for caller, result in results.items() if result[0] != result[1]}
    assert not wrong, f"{row.id}: got (status, expected, body) {wrong}"
