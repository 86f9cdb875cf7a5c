"""What evaluators upload beside the telemetry — feedback, baseline records, labelled clips — checked whole,
stored once, and read by the evaluation; and `sandbox evaluate` from the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from sandbox.cli import main
from sandbox.clock import local_today, utcnow
from sandbox.config import Settings
from sims.uav import UavSim, UavSpec
from tests.integration.evaluation.feeding import feed, trial_of_kind
from tests.integration.evaluation.test_data import PADDY
from tests.integration.telemetry.conftest import Field, in_window_now


def _response(n: int, acceptance: int, consent: bool = True) -> dict:
    return {"respondent": f"SV-{n:03d}", "group": "sinh viên", "consent": consent,
            "answered_on": local_today().isoformat(), "answers": {"satisfaction": 4, "acceptance": acceptance}}


def test_feedback_of_consenting_respondents_is_stored_once_and_gives_the_acceptance_share(field: Field) -> None:
    trial_of_kind(field, "amr", ["NKC-U1"])
    path, api = f"/trials/{field.trial['id']}", field.api
    refused = api.call("POST", f"{path}/feedback", "evaluator", expect=422,
                       json={"responses": [_response(1, 5), _response(2, 4, consent=False), _response(1, 3)]})
    assert {e["pointer"] for e in refused["errors"]} == {"#/responses/1/consent", "#/responses/2/respondent"}
    api.call("POST", f"{path}/feedback", "evaluator", json={"responses": [
        {**_response(3, 4), "answers": {"acceptance": 6}}]}, expect=422)
    api.call("POST", f"{path}/feedback", "alpha", json={"responses": [_response(1, 5)]}, expect=403)
    answers = [_response(n, 5 if n % 4 else 2) for n in range(1, 21)]  # 15 of 20 accept (4 or 5)
    assert api.call("POST", f"{path}/feedback", "evaluator", json={"responses": answers}, expect=201) == \
        {"stored": 20, "replaced": 0}
    assert api.call("POST", f"{path}/feedback", "evaluator", json={"responses": answers[:5]}, expect=201) == \
        {"stored": 5, "replaced": 5}
    content = api.call("POST", f"{path}/evaluations", "evaluator", json={"n_draws": 1000}, expect=201)["content"]
    acceptance = next(k for k in content["kpis"] if k["code"] == "acceptance")
    assert acceptance["estimate"] == 75.0 and acceptance["clusters"] == 20 and acceptance["method"] == "Wilson"
    assert acceptance["low"] < 75 < acceptance["high"]


def test_control_records_are_compared_with_the_trial_by_welch(field: Field) -> None:
    path, api = f"/trials/{field.trial['id']}", field.api
    start = in_window_now()
    feed(field, field.drones[0], UavSim(PADDY, seed=3, spec=UavSpec(rate_hz=1, tank_l=12.0))
         .work(start, start + timedelta(hours=1)))
    manual = [{"day": (local_today() - timedelta(days=d)).isoformat(), "numerator": 0.5 + 0.02 * d,
               "denominator": 4.0} for d in range(1, 9)]  # about 0.13 ha an hour by hand
    problem = api.call("POST", f"{path}/reference-observations", "evaluator", expect=422,
                       json={"kpi": "field_coverage", "group": "control", "observations": manual})
    assert problem["errors"][0]["pointer"] == "#/kpi"  # that KPI has no control baseline
    api.call("POST", f"{path}/reference-observations", "evaluator", expect=422,
             json={"kpi": "nope", "group": "control", "observations": manual})
    stored = api.call("POST", f"{path}/reference-observations", "evaluator", expect=201,
                      json={"kpi": "hectares_per_hour", "group": "control", "source": "sổ phun tay",
                            "observations": manual})
    assert stored == {"stored": 8, "replaced": 0}
    content = api.call("POST", f"{path}/evaluations", "evaluator", json={"n_draws": 1000}, expect=201)["content"]
    row = next(c for c in content["comparisons"] if c["kpi"] == "hectares_per_hour")
    assert row["baseline"] == "control" and row["method"] == "welch_t" and row["n_reference"] == 8
    assert row["reference_value"] == pytest.approx(sum(m["numerator"] / 4.0 for m in manual) / 8)
    assert row["effect"] > 1 and row["p_value"] < 0.05 and row["p_adjusted"] is not None


def test_clips_that_do_not_match_what_the_camera_reported_are_refused(field: Field) -> None:
    trial_of_kind(field, "ai_camera", ["TV-U1"])
    path, api, camera = f"/trials/{field.trial['id']}", field.api, field.drones[0]
    start = utcnow() - timedelta(hours=3)
    clip = {"device_id": camera, "start": start.isoformat(), "end": (start + timedelta(minutes=5)).isoformat(),
            "objects": [{"t": (start + timedelta(minutes=1)).isoformat(), "label": "car", "track_id": "t404"},
                        {"t": (start + timedelta(minutes=9)).isoformat(), "label": "car"}]}
    problem = api.call("POST", f"{path}/ground-truth", "evaluator", json={"clips": [clip]}, expect=422)
    assert {e["pointer"] for e in problem["errors"]} == {"#/clips/0/objects/0/track_id", "#/clips/0/objects/1/t"}
    long = {**clip, "end": (start + timedelta(hours=2)).isoformat(), "objects": []}
    assert api.call("POST", f"{path}/ground-truth", "evaluator", json={"clips": [long]},
                    expect=422)["errors"][0]["pointer"] == "#/clips/0/end"
    api.call("POST", f"{path}/ground-truth", "evaluator", json={"clips": [{**clip, "objects": [],
                                                                          "device_id": field.trial["id"]}]},
             expect=422)
    assert api.call("POST", f"{path}/ground-truth", "evaluator", json={"clips": [{**clip, "objects": []}]},
                    expect=201) == {"stored": 1, "replaced": 0}


def test_the_command_line_evaluates_a_trial_and_writes_its_report(field: Field, settings: Settings,
                                                                 tmp_path) -> None:
    start = in_window_now()
    feed(field, field.drones[0], UavSim(PADDY, seed=5, spec=UavSpec(rate_hz=1, tank_l=12.0))
         .work(start, start + timedelta(hours=1)))
    env = {"LANG": "en_US.UTF-8", "DATABASE_URL": settings.database_url, "SANDBOX_DATA_DIR": str(tmp_path)}
    result = CliRunner(env=env).invoke(main, ["evaluate", field.trial["reference"], "--as", "evaluator@skhcn.test",
                                              "--draws", "1000", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert f"{field.trial['reference']} — report version 1:" in result.output and "sha256:" in result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"{field.trial['reference']}-v1.html", f"{field.trial['reference']}-v1.pdf"]
    refused = CliRunner(env=env).invoke(main, ["evaluate", "SB-1999-0001", "--as", "evaluator@skhcn.test"])
    assert refused.exit_code != 0 and "no trial 'SB-1999-0001'" in refused.output
    startup = CliRunner(env=env).invoke(main, ["evaluate", field.trial["reference"], "--as", "alpha@startup.test"])
    assert startup.exit_code != 0 and "may not" in startup.output
