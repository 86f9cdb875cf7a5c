"""Logging in and out, and managing user accounts."""

from __future__ import annotations

import uuid

from litestar import Controller, Request
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from sandbox.api.dependencies import AppSettings, CurrentActor, Db, bearer_token
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import delete, get, patch, post
from sandbox.auth import tokens, users
from sandbox.auth.schemas import (
    Credentials,
    PasswordChange,
    TokenIssued,
    UserCreate,
    UserUpdate,
    UserView,
    user_view,
)
from sandbox.clock import to_local

__all__ = ["SessionController", "UserController"]


class SessionController(Controller):
    path = "/auth"
    tags = ["Access"]

    @post("/token", summary="Log in with e-mail and password; get a bearer token")
    def log_in(self, db: Db, settings: AppSettings, data: JSONBody[Credentials]) -> TokenIssued:
        token, expires_at, user = users.log_in(db, data.email, data.password, settings)
        return TokenIssued(access_token=token, expires_at=to_local(expires_at), user=user_view(user))

    @delete("/token", summary="Log out: revoke the token of this request", status_code=HTTP_204_NO_CONTENT)
    def log_out(self, db: Db, actor: CurrentActor, request: Request) -> None:
        tokens.revoke_token(db, bearer_token(request) or "")

    @get("/me", summary="Who am I")
    def me(self, db: Db, actor: CurrentActor) -> UserView:
        return user_view(users.get_user(db, actor, actor.user_id))

    @post("/password", summary="Change my password (logs out everywhere)", status_code=HTTP_204_NO_CONTENT)
    def change_password(
        self, db: Db, actor: CurrentActor, settings: AppSettings, data: JSONBody[PasswordChange]
    ) -> None:
        users.change_password(db, actor, data.current_password, data.new_password, settings)


class UserController(Controller):
    path = "/users"
    tags = ["Access"]

    @get("/", summary="List users (administrators: all; startups: their organisation)")
    def list_users(self, db: Db, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0) -> Page[UserView]:
        found, total = users.list_users(db, actor, limit, offset)
        return Page([user_view(u) for u in found], total, limit, offset)

    @post("/", summary="Create a staff account (evaluator, policy, admin)")
    def create_user(
        self, db: Db, actor: CurrentActor, settings: AppSettings, data: JSONBody[UserCreate]
    ) -> UserView:
        return user_view(users.create_staff_user(db, actor, data, settings))

    @get("/{user_id:uuid}", summary="One user")
    def get_user(self, db: Db, actor: CurrentActor, user_id: FromPath[uuid.UUID]) -> UserView:
        return user_view(users.get_user(db, actor, user_id))

    @patch("/{user_id:uuid}", summary="Change a user's name, role or access")
    def update_user(
        self, db: Db, actor: CurrentActor, user_id: FromPath[uuid.UUID], data: JSONBody[UserUpdate]
    ) -> UserView:
        return user_view(users.update_user(db, actor, user_id, data))
