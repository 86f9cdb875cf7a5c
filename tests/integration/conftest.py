"""The app on a real database, and a small world of people to act in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient

from sandbox.app import create_app
from sandbox.auth.schemas import UserCreate
from sandbox.auth.users import create_staff_user
from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory

PASSWORD = "correct horse battery"


@dataclass
class Api:
    """A test client that logs people in and checks each answer's status."""

    client: TestClient[Any]
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str | None, language: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        if language:
            headers["Accept-Language"] = language
        return headers

    def call(self, method: str, path: str, who: str | None = None, json: Any = None, expect: int | None = None,
             language: str | None = None, **params: Any) -> Any:
        response = self.client.request(method, "/api/v1" + path, json=json, headers=self.headers(who, language),
                                       params=params or None)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path} as {who}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def log_in(self, who: str, email: str, password: str = PASSWORD) -> None:
        answer = self.call("POST", "/auth/token", json={"email": email, "password": password}, expect=201)
        self.tokens[who] = answer["access_token"]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def bootstrap_admin(settings: Settings, email: str = "admin@skhcn.test") -> None:
    """The first administrator, as `sandbox user create` makes it."""
    engine = make_engine(settings.database_url)
    with make_session_factory(engine).begin() as db:
        create_staff_user(db, None, UserCreate(email=email, full_name="Quản trị", password=PASSWORD, role="admin"), settings)
    engine.dispose()


def register_startup(api: Api, who: str, tax_code: str, email: str) -> dict[str, Any]:
    answer = api.call(
        "POST",
        "/registrations",
        json={
            "organisation": {"name": f"Công ty {who}", "tax_code": tax_code, "contact_name": "Nguyễn Văn A",
                             "contact_email": email, "contact_phone": "+84 292 3812 345"},
            "user": {"email": email, "full_name": "Nguyễn Văn A", "password": PASSWORD},
        },
        expect=201,
    )
    api.log_in(who, email)
    return answer


@pytest.fixture
def api(client: TestClient[Any], settings: Settings) -> Api:
    """People of every role: admin, evaluator, policy, and two startups (alpha, beta) of different organisations."""
    api = Api(client)
    bootstrap_admin(settings)
    api.log_in("admin", "admin@skhcn.test")
    for role in ("evaluator", "policy"):
        api.call("POST", "/users", "admin", {"email": f"{role}@skhcn.test", "full_name": role.title(),
                                              "password": PASSWORD, "role": role}, expect=201)
        api.log_in(role, f"{role}@skhcn.test")
    api.orgs = {  # type: ignore[attr-defined]
        "alpha": register_startup(api, "alpha", "1800222229", "alpha@startup.test")["organisation"]["id"],
        "beta": register_startup(api, "beta", "1800333338", "beta@startup.test")["organisation"]["id"],
    }
    return api
