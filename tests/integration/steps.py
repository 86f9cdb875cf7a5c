"""Steps of a trial's life through the API, to bring a trial to the state a test needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.clock import local_today
from tests.integration.conftest import PASSWORD, Api
from tests.plans import plan, product

Trial = dict[str, Any]


def open_trial(api: Api, who: str = "alpha", kind: str = "agri_uav", **plan_options: Any) -> Trial:
    made = api.call("POST", "/products", who, product(kind), expect=201)
    return api.call("POST", "/trials", who, {"product_id": made["id"], "plan": plan(kind, **plan_options)}, expect=201)


def move(api: Api, trial: Trial, who: str, name: str, expect: int | None = 201, language: str | None = None,
         **fields: Any) -> Any:
    return api.call("POST", f"/trials/{trial['id']}/transitions", who, {"name": name, **fields}, expect=expect,
                    language=language)


def enrol(api: Api, trial: Trial, serial: str = "UAV-0001", who: str = "alpha") -> dict[str, Any]:
    return api.call("POST", f"/trials/{trial['id']}/devices", who, {"serial": serial, "model": "T40"}, expect=201)


def submitted(api: Api, **plan_options: Any) -> Trial:
    trial = open_trial(api, **plan_options)
    move(api, trial, "alpha", "submit")
    return trial


def under_review(api: Api, **plan_options: Any) -> Trial:
    trial = submitted(api, **plan_options)
    move(api, trial, "evaluator", "start_review")
    return trial


def recommended(api: Api, **plan_options: Any) -> Trial:
    trial = under_review(api, **plan_options)
    move(api, trial, "evaluator", "recommend", recommendation="approve", comments="Đạt yêu cầu")
    return trial


def approved(api: Api, **plan_options: Any) -> Trial:
    trial = recommended(api, **plan_options)
    return move(api, trial, "policy", "approve", conditions=["Không phun khi gió trên 5 m/s"])


def active(api: Api, ending_today: bool = False) -> Trial:
    options = {"start": local_today() - timedelta(days=30), "days": 30} if ending_today else {}
    trial = approved(api, **options)
    enrol(api, trial, serial=f"UAV-{trial['reference']}")
    return move(api, trial, "alpha", "activate")


def completed(api: Api) -> Trial:
    trial = active(api, ending_today=True)
    return move(api, trial, "alpha", "complete")


def reported(api: Api) -> Trial:
    """A completed trial with a report version 1 waiting for review."""
    trial = completed(api)
    api.call("POST", f"/trials/{trial['id']}/evaluations", "evaluator", json={"n_draws": 1000, "n_resamples": 999},
             expect=201)
    return trial


def evaluated(api: Api) -> Trial:
    """A completed trial whose report version 1 the evaluator signed: the trial is evaluated."""
    trial = reported(api)
    api.call("POST", f"/trials/{trial['id']}/reports/1/sign", "evaluator",
             json={"password": PASSWORD, "statement": "Đạt"}, expect=201)
    return api.call("GET", f"/trials/{trial['id']}", "alpha", expect=200)
