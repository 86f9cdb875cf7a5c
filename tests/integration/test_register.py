"""The public register: approved trials and later, what, where, until when and by whom — nothing private."""

from __future__ import annotations

from tests.integration import steps
from tests.integration.conftest import Api


def test_only_approved_trials_appear_and_nothing_private(api: Api) -> None:
    steps.open_trial(api)
    steps.under_review(api)
    approved = steps.approved(api)
    active = steps.active(api)
    rejected = steps.under_review(api)
    steps.move(api, rejected, "policy", "reject", reason="Rủi ro cao")
    page = api.call("GET", "/register", None, expect=200)
    assert page["total"] == 2
    assert {entry["reference"] for entry in page["items"]} == {approved["reference"], active["reference"]}
    entry = next(e for e in page["items"] if e["reference"] == active["reference"])
    assert entry["status"] == "active" and entry["status_label"] == "Đang thử nghiệm"
    assert entry["organisation"] == "Công ty alpha" and entry["kind"] == "agri_uav"
    assert entry["sites"] == ["Ruộng lúa Vị Tân – khu A", "Ruộng lúa Vị Tân – khu đối chứng"]
    assert entry["start_date"] == active["start_date"] and entry["end_date"] == active["end_date"]
    text = str(page)
    for private in ("geofence", "coordinates", "@startup.test", "1800222229", "kpis", "insurance", "serial"):
        assert private not in text, private


def test_the_register_speaks_english_when_asked(api: Api) -> None:
    steps.active(api)
    [entry] = api.call("GET", "/register", None, expect=200, language="en")["items"]
    assert (entry["status_label"], entry["kind_label"]) == ("Active", "Agricultural spraying UAV")
    [entry] = api.call("GET", "/register", None, expect=200, lang="en")["items"]
    assert entry["status_label"] == "Active"


def test_a_suspended_or_terminated_trial_stays_on_the_register(api: Api) -> None:
    trial = steps.active(api)
    steps.move(api, trial, "policy", "terminate", reason="Vi phạm")
    [entry] = api.call("GET", "/register", None, expect=200, kind="agri_uav")["items"]
    assert entry["status"] == "terminated"
    assert api.call("GET", "/register", None, expect=200, kind="amr")["total"] == 0


def test_labels_give_both_languages_for_every_code(api: Api) -> None:
    labels = api.call("GET", "/labels", None, expect=200)
    assert labels["trial_state"]["under_review"] == {"vi": "Đang thẩm định", "en": "Under review"}
    assert set(labels["transition"]) >= {"submit", "approve", "activate", "suspend", "decide"}
    assert all(label["vi"] and label["en"] for table in labels.values() for label in table.values())
