"""The lifecycle's rules on their own: who may take which transition from where, and what must hold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sandbox.auth.roles import Role
from sandbox.i18n import Text
from sandbox.trials.commands import Extend
from sandbox.trials.lifecycle import REVIEW_STEPS, TRANSITIONS, assess, options
from sandbox.trials.preconditions import Reason, ReviewFacts, TrialFacts
from sandbox.trials.states import Recommendation, TrialState

TODAY = date(2026, 11, 23)
S = TrialState

# domain.md's lifecycle, written out independently of the table under test: (transition, from, to, roles).
EXPECTED = [
    ("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, {Role.STARTUP}),
    ("start_review", {S.SUBMITTED}, S.UNDER_REVIEW, {Role.EVALUATOR}),
    ("return", {S.SUBMITTED, S.UNDER_REVIEW}, S.RETURNED, {Role.EVALUATOR}),
    ("recommend", {S.UNDER_REVIEW}, None, {Role.EVALUATOR}),
    ("approve", {S.UNDER_REVIEW}, S.APPROVED, {Role.POLICY}),
    ("reject", {S.SUBMITTED, S.UNDER_REVIEW}, S.REJECTED, {Role.POLICY}),
    ("withdraw", {S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.APPROVED}, S.WITHDRAWN, {Role.STARTUP}),
    ("activate", {S.APPROVED}, S.ACTIVE, {Role.STARTUP, Role.POLICY}),
    ("suspend", {S.ACTIVE}, S.SUSPENDED, {Role.POLICY}),
    ("resume", {S.SUSPENDED}, S.ACTIVE, {Role.POLICY}),
    ("extend", {S.APPROVED, S.ACTIVE, S.SUSPENDED}, None, {Role.POLICY}),
    ("complete", {S.ACTIVE, S.SUSPENDED}, S.COMPLETED, {Role.STARTUP, Role.POLICY}),
    ("terminate", {S.APPROVED, S.ACTIVE, S.SUSPENDED}, S.TERMINATED, {Role.POLICY}),
    ("evaluate", {S.COMPLETED}, S.EVALUATED, {Role.EVALUATOR}),
    ("decide", {S.EVALUATED}, S.DECIDED, {Role.POLICY}),
]


def ready(state: TrialState, **overrides: object) -> TrialFacts:
    """Facts under which every precondition holds, so that only state and role decide."""
    facts = dict(
        state=state, recommendation=Recommendation.APPROVE, today=TODAY, start_date=TODAY - timedelta(days=10),
        end_date=TODAY, original_days=90, active_devices=1, insurance_valid_until=TODAY + timedelta(days=30),
    )
    facts.update(overrides)
    return TrialFacts(**facts)  # type: ignore[arg-type]


def test_the_table_is_domain_md_lifecycle() -> None:
    assert [(r.name, set(r.sources), r.target, set(r.roles)) for r in TRANSITIONS.values()] == EXPECTED


@pytest.mark.parametrize("name,sources,target,roles", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_transition_is_refused_from_every_other_state_and_to_every_other_role(name, sources, target, roles) -> None:
    for state in TrialState:
        for role in Role:
            reasons = assess(name, ready(state), role, Extend(TODAY + timedelta(days=30), "x"))
            codes = {reason.code for reason in reasons}
            assert ("wrong_state" in codes) == (state not in sources), (state, role)
            assert ("role_not_allowed" in codes) == (role not in roles), (state, role)
            if state in sources and role in roles:
                assert reasons == [], (state, role, reasons)


def test_terminal_states_have_no_way_out() -> None:
    for state in (S.REJECTED, S.WITHDRAWN, S.TERMINATED, S.DECIDED):
        assert all(not options(ready(state), role) for role in Role)


def test_submit_lists_what_the_plan_lacks() -> None:
    lacking = (Reason("missing", Text("thiếu địa điểm", "missing a site"), {"field": "/sites"}),)
    reasons = assess("submit", ready(S.DRAFT, plan_problems=lacking), Role.STARTUP)
    assert [r.code for r in reasons] == ["plan_incomplete"]
    assert reasons[0].data["problems"] == [{"code": "missing", "field": "/sites"}]


def test_approval_needs_a_recommendation_to_approve() -> None:
    for advice in (None, Recommendation.REJECT):
        reasons = assess("approve", ready(S.UNDER_REVIEW, recommendation=advice), Role.POLICY)
        assert [r.code for r in reasons] == ["approval_not_recommended"]


def test_activation_checks_start_date_device_and_insurance_together() -> None:
    facts = ready(S.APPROVED, start_date=TODAY + timedelta(days=1), active_devices=0,
                  insurance_valid_until=TODAY - timedelta(days=1))
    codes = [r.code for r in assess("activate", facts, Role.STARTUP)]
    assert codes == ["start_date_not_reached", "no_device_enrolled", "insurance_expired"]
    assert assess("activate", ready(S.APPROVED, start_date=TODAY, end_date=TODAY + timedelta(days=5)), Role.STARTUP) == []


def test_completion_waits_for_the_end_date() -> None:
    early = ready(S.ACTIVE, end_date=TODAY + timedelta(days=1))
    assert [r.code for r in assess("complete", early, Role.STARTUP)] == ["end_date_not_reached"]
    assert assess("complete", ready(S.ACTIVE, end_date=TODAY), Role.STARTUP) == []


def test_an_extension_is_once_and_no_longer_than_the_original_duration() -> None:
    facts = ready(S.ACTIVE, end_date=TODAY, original_days=60, max_extension_days=181)
    assert assess("extend", facts, Role.POLICY, Extend(TODAY + timedelta(days=60), "x")) == []
    too_long = assess("extend", facts, Role.POLICY, Extend(TODAY + timedelta(days=61), "x"))
    assert [r.code for r in too_long] == ["extension_too_long"]
    assert too_long[0].data["latest_end_date"] == str(TODAY + timedelta(days=60))
    assert [r.code for r in assess("extend", facts, Role.POLICY, Extend(TODAY, "x"))] == ["extension_not_later"]
    twice = ready(S.ACTIVE, extended=True)
    assert [r.code for r in assess("extend", twice, Role.POLICY, Extend(TODAY + timedelta(days=1), "x"))] == ["already_extended"]


def test_the_extension_limit_is_the_shorter_of_the_original_duration_and_the_setting() -> None:
    facts = ready(S.ACTIVE, end_date=TODAY, original_days=365, max_extension_days=181)
    assert [r.code for r in assess("extend", facts, Role.POLICY, Extend(TODAY + timedelta(days=182), "x"))] == [
        "extension_too_long"
    ]


def test_options_mark_what_is_allowed_and_explain_the_rest() -> None:
    found = {o.name: o for o in options(ready(S.APPROVED, active_devices=0), Role.STARTUP)}
    assert set(found) == {"withdraw", "activate", "extend", "terminate"}
    assert found["withdraw"].allowed
    assert not found["activate"].allowed and [r.code for r in found["activate"].reasons] == ["no_device_enrolled"]
    assert [r.code for r in found["terminate"].reasons] == ["role_not_allowed"]


def test_amendments_use_the_review_steps_only() -> None:
    facts = ReviewFacts(state=S.APPROVED)
    assert options(facts, Role.STARTUP, amendment=True) == []  # an approved amendment is final
    draft = {o.name for o in options(ReviewFacts(state=S.DRAFT), Role.STARTUP, amendment=True)}
    assert draft == {"submit", "withdraw"} and draft <= set(REVIEW_STEPS)
