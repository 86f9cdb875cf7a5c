"""The audit log: every change that matters is in it, it cannot be changed in place, and any edit,
deletion or truncation made behind the database's back is found by ``verify``."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from sandbox import audit
from sandbox.auth.roles import Actor, Role
from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory
from tests.integration import steps
from tests.integration.conftest import PASSWORD, Api


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


def verify(engine: Engine) -> audit.Verification:
    with make_session_factory(engine)() as session:
        return audit.verify(session)


@contextmanager
def triggers_off(engine: Engine) -> Iterator[None]:
    """What someone with full access to the database could do: switch the append-only guard off."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
    yield


def tamper(engine: Engine, statement: str) -> None:
    with triggers_off(engine), engine.begin() as connection:
        assert connection.execute(text(statement)).rowcount >= 1


def test_every_change_that_matters_is_recorded_with_who_what_and_why(api: Api) -> None:
    trial = steps.active(api)
    steps.move(api, trial, "policy", "suspend", reason="Sự cố mức 4")
    alpha_user = api.call("GET", "/users", "alpha", expect=200)["items"][0]["id"]
    evaluator = api.call("GET", "/users", "admin", expect=200)["items"][1]
    api.call("PATCH", f"/users/{evaluator['id']}", "admin", {"role": "policy"}, expect=200)
    entries = api.call("GET", "/audit", "admin", expect=200, limit=200)["items"]
    actions = [entry["action"] for entry in reversed(entries)]
    for expected in ("organisation.register", "user.create", "product.create", "trial.create", "plan.create",
                     "trial.submit", "trial.start_review", "trial.recommend", "trial.approve", "device.enrol",
                     "trial.activate", "trial.suspend", "user.role_change"):
        assert expected in actions, expected
    suspension = next(e for e in entries if e["action"] == "trial.suspend")
    assert suspension["actor"] == "policy@skhcn.test (policy)" and suspension["reason"] == "Sự cố mức 4"
    assert suspension["old"] == {"state": "active"} and suspension["new"]["state"] == "suspended"
    role_change = next(e for e in entries if e["action"] == "user.role_change")
    assert (role_change["old"]["role"], role_change["new"]["role"]) == ("evaluator", "policy")
    enrolment = next(e for e in entries if e["action"] == "device.enrol")
    assert "secret" not in str(enrolment["new"]) and enrolment["new"]["serial"].startswith("UAV-")
    assert all("password" not in str(e["new"]) for e in entries if e["entity_type"] == "user")
    mine = api.call("GET", "/audit", "evaluator", expect=200, entity_type="user", entity_id=alpha_user)["items"]
    assert [e["action"] for e in mine] == ["user.create"]
    assert api.call("GET", "/audit/verification", "admin", expect=200)["intact"] is True


def test_the_database_refuses_to_change_or_delete_an_entry(api: Api, engine: Engine) -> None:
    for statement in ("UPDATE audit_entries SET reason = 'rewritten'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_entries"))
    assert verify(engine).intact and verify(engine).entries > 5


def test_an_edited_entry_is_found(api: Api, engine: Engine) -> None:
    steps.submitted(api)
    tamper(engine, "UPDATE audit_entries SET new_json = '{\"state\":\"approved\"}' WHERE action = 'trial.submit'")
    result = verify(engine)
    assert not result.intact
    assert [(p.kind, "trial.submit" in p.detail) for p in result.problems] == [("edited", True)]
    verdict = api.call("GET", "/audit/verification", "policy", expect=200)
    assert verdict["intact"] is False and verdict["problems"][0]["kind"] == "edited"


def test_a_deleted_entry_is_found(api: Api, engine: Engine) -> None:
    steps.submitted(api)
    with make_session_factory(engine)() as session:
        middle = session.scalar(text("SELECT seq FROM audit_entries WHERE action = 'product.create'"))
    tamper(engine, f"DELETE FROM audit_entries WHERE seq = {middle}")
    [problem] = verify(engine).problems
    assert (problem.kind, problem.seq) == ("missing", middle)


def test_renumbering_after_a_deletion_is_found_too(api: Api, engine: Engine) -> None:
    steps.submitted(api)
    with make_session_factory(engine)() as session:
        last = session.scalar(text("SELECT max(seq) FROM audit_entries"))
    # Remove entry 3 and shift the rest down, as a careful forger would; the links still give it away.
    tamper(engine, "DELETE FROM audit_entries WHERE seq = 3")
    for seq in range(4, last + 1):
        tamper(engine, f"UPDATE audit_entries SET seq = {seq - 1} WHERE seq = {seq}")
    kinds = {p.kind for p in verify(engine).problems}
    assert "relinked" in kinds


def test_cutting_entries_off_the_end_is_found(api: Api, engine: Engine) -> None:
    steps.submitted(api)
    tamper(engine, "DELETE FROM audit_entries WHERE seq = (SELECT max(seq) FROM audit_entries)")
    [problem] = verify(engine).problems
    assert problem.kind == "truncated"


def test_concurrent_writers_queue_up_and_never_fork_the_chain(settings: Settings, engine: Engine) -> None:
    sessions = make_session_factory(engine)
    actor = Actor(user_id=uuid.uuid4(), email="load@skhcn.test", role=Role.ADMIN)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for index in range(10):
                with sessions.begin() as session:
                    audit.record(session, actor, "load.test", "test", f"{worker}-{index}", None, {"n": index})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(engine)
    assert result.intact and result.entries == 40 and result.head_seq == 40


def test_verify_on_an_empty_log_is_intact(engine: Engine) -> None:
    result = verify(engine)
    assert result.intact and result.entries == 0


def test_a_failed_change_leaves_no_entry(api: Api, engine: Engine) -> None:
    before = verify(engine).entries
    registration = {
        "organisation": {"name": "X", "tax_code": "1800444447", "contact_name": "A", "contact_email": "a@x.test"},
        "user": {"email": "alpha@startup.test", "full_name": "A", "password": PASSWORD},  # taken: the whole request fails
    }
    api.call("POST", "/registrations", None, registration, expect=409)
    assert verify(engine).entries == before
