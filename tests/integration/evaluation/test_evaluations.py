"""Evaluating a trial over the API: a report version from the stored data, reproducible from its inputs."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from sandbox.clock import utcnow
from sims.uav import UavSim, UavSpec
from tests.integration.evaluation.test_data import PADDY, feed
from tests.integration.telemetry.conftest import Field, in_window_now


@pytest.fixture
def flown(field: Field) -> tuple[Field, UavSim, str]:
    sim = UavSim(PADDY, seed=11, spec=UavSpec(rate_hz=2, tank_l=12.0))
    start = in_window_now()
    items = list(sim.work(start, start + timedelta(hours=2)))
    feed(field, field.drones[0], items)
    return field, sim, f"/trials/{field.trial['id']}"


def test_an_evaluation_makes_a_report_version_from_the_stored_data(flown) -> None:
    field, sim, path = flown
    report = field.api.call("POST", f"{path}/evaluations", "evaluator", json={"n_draws": 2000},
                            expect=201)
    assert report["version"] == 1 and report["status"] == "draft"
    assert report["fingerprint"].startswith("sha256:") and report["code_version"].startswith("0.1.0")
    content = report["content"]
    kpis = {k["code"]: k for k in content["kpis"]}
    assert set(kpis) == {"hectares_per_hour", "field_coverage", "application_rate", "geofence_breaches"}
    rate = kpis["application_rate"]
    # Litres over hectares sprayed, sortie by sortie: the simulator's litres over the union of its swaths.
    hours = kpis["hectares_per_hour"]["exposure"]
    assert rate["estimate"] == pytest.approx(sim.sprayed_l / _area(content), rel=1e-6)
    assert rate["low"] < rate["estimate"] < rate["high"] and "bootstrap" in rate["method"]
    assert rate["clusters"] >= 2 and rate["verdict"] in ("met", "not_met", "inconclusive")
    # The drone's turns took it over the site's edge: each breach is an incident, counted per 100 flight hours.
    breaches = kpis["geofence_breaches"]
    count = content["incident_counts"].get("geofence_breach", 0)
    assert breaches["estimate"] == pytest.approx(count / hours * 100, rel=1e-9)
    assert breaches["method"].startswith("Garwood") and breaches["verdict"] == ("met" if count == 0 else "not_met")
    severe = next(g for g in content["recommendation"]["gates"] if g["gate"] == "severe_incidents")
    assert severe["numbers"]["count"] == sum(day["by_severity"][3] + day["by_severity"][4]
                                             for day in content["incidents"])
    # One morning of a 90-day plan: far from the planned sample, so the trial must go on.
    assert content["sample"]["unit"] == "days" and content["sample"]["reached"] == 1
    decision = content["recommendation"]["decision"]
    assert decision == ("stop" if severe["numbers"]["count"] else "extend") or decision == "modify"
    gates = {g["gate"] for g in content["recommendation"]["gates"]}
    assert {"severe_incidents", "safety_limits", "effectiveness", "evidence", "score"} <= gates
    evidence = next(g for g in content["recommendation"]["gates"] if g["gate"] == "evidence")
    assert not evidence["passed"] and evidence["text"]["vi"] and evidence["text"]["en"]
    assert content["score"]["n_draws"] == 2000 and 0 <= content["score"]["probability"] <= 1
    assert sum(content["score"]["histogram"]) == 2000
    assert content["tracks"] and content["tracks"][0]["lon"]
    assert [s["role"] for s in content["sites"]] == ["trial", "control"]


def _area(content: dict) -> float:
    """Hectares sprayed, back from the reported hectares per hour and its flight hours."""
    kpis = {k["code"]: k for k in content["kpis"]}
    return kpis["hectares_per_hour"]["estimate"] * kpis["hectares_per_hour"]["exposure"]


def test_the_same_inputs_give_the_same_report_and_new_data_a_new_fingerprint(flown) -> None:
    field, _, path = flown
    until = utcnow().isoformat()  # everything fed so far was received before it
    body = {"until": until, "n_draws": 1000, "n_resamples": 999}
    first = field.api.call("POST", f"{path}/evaluations", "evaluator", json=body, expect=201)
    second = field.api.call("POST", f"{path}/evaluations", "policy", json=body, expect=201)
    assert second["version"] == 2
    assert second["fingerprint"] == first["fingerprint"]
    assert second["content"] == first["content"]
    other_seed = field.api.call("POST", f"{path}/evaluations", "evaluator", json={**body, "seed": 7}, expect=201)
    assert other_seed["fingerprint"] != first["fingerprint"]
    earlier = field.api.call("POST", f"{path}/evaluations", "evaluator",
                             json={**body, "until": (in_window_now() + timedelta(minutes=30)).isoformat()},
                             expect=201)
    assert earlier["fingerprint"] != first["fingerprint"]
    listed = field.api.call("GET", f"{path}/reports", "alpha", expect=200)
    assert [r["version"] for r in listed] == [4, 3, 2, 1]
    again = field.api.call("GET", f"{path}/reports/1", "alpha", expect=200)
    assert again["content"] == first["content"] and again["parameters"]["until"] is not None


def test_bad_evaluation_requests_are_refused_with_the_reason(flown) -> None:
    field, _, path = flown
    api = field.api
    inconsistent = {"dimensions": ["safety", "effectiveness", "reliability"],
                    "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]}
    problem = api.call("POST", f"{path}/evaluations", "evaluator", json={"ahp": inconsistent}, expect=422,
                       language="en")
    assert problem["errors"][0]["pointer"] == "#/ahp/matrix" and "CR =" in problem["errors"][0]["detail"]
    assert not math.isnan(problem["errors"][0]["consistency_ratio"])
    future = (utcnow() + timedelta(hours=1)).isoformat()
    problem = api.call("POST", f"{path}/evaluations", "evaluator", json={"until": future}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/until"
    api.call("POST", f"{path}/evaluations", "evaluator", json={"threshold": 140}, expect=422)
    api.call("POST", f"{path}/evaluations", "alpha", json={}, expect=403)
    api.call("GET", f"{path}/reports/9", "alpha", expect=404)
    assert api.call("GET", f"{path}/reports", "evaluator", expect=200) == []


def test_a_report_opens_as_a_page_and_a_pdf_in_either_language(flown) -> None:
    field, _, path = flown
    field.api.call("POST", f"{path}/evaluations", "evaluator", json={"n_draws": 1000}, expect=201)
    client, headers = field.api.client, field.api.headers("alpha")
    page = client.get(f"/api/v1{path}/reports/1/html", headers=headers)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="vi"' in page.text and page.text.count("<svg") == 4 and "sha256:" in page.text
    english = client.get(f"/api/v1{path}/reports/1/html?lang=en", headers=headers)
    assert '<html lang="en"' in english.text
    pdf = client.get(f"/api/v1{path}/reports/1/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf" and "-v1-vi.pdf" in pdf.headers["content-disposition"]
    assert client.get(f"/api/v1{path}/reports/2/pdf", headers=headers).status_code == 404
