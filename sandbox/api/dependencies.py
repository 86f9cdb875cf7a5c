"""What handlers receive: a database session (one unit of work per request), the actor, settings, language."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from anyio.to_thread import run_sync
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor
from sandbox.auth.tokens import resolve_token
from sandbox.config import Settings
from sandbox.errors import AuthenticationFailed
from sandbox.i18n import Language, Text, negotiate_language
from sandbox.trials.devices import BrokerAccounts

__all__ = ["DEPENDENCIES", "Accounts", "AppSettings", "CurrentActor", "Db", "Lang", "bearer_token"]

# Handlers name what they need; Litestar injects it by name.
Db = NamedDependency[Session]
CurrentActor = NamedDependency[Actor]
AppSettings = NamedDependency[Settings]
Lang = NamedDependency[Language]
Accounts = NamedDependency[BrokerAccounts]


async def provide_db(state: State) -> AsyncGenerator[Session, None]:
    """A session whose work is committed when the handler succeeds and rolled back when it raises."""
    session: Session = state.sessions()
    try:
        yield session
    except BaseException:
        await run_sync(session.rollback)
        raise
    else:
        await run_sync(session.commit)
    finally:
        await run_sync(session.close)


def provide_settings(state: State) -> Settings:
    return state.settings  # type: ignore[no-any-return]


def provide_accounts(state: State) -> BrokerAccounts:
    return state.accounts  # type: ignore[no-any-return]


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def provide_actor(request: Request, db: Db) -> Actor:
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed(
            Text(
                "Cần đăng nhập: gửi tiêu đề 'Authorization: Bearer <mã truy cập>' (lấy mã qua POST /api/v1/auth/token)",
                "Log in first: send 'Authorization: Bearer <token>' (get a token from POST /api/v1/auth/token)",
            )
        )
    return resolve_token(db, token)


def provide_language(request: Request) -> Language:
    return negotiate_language(request.headers.get("accept-language"), request.query_params.get("lang"))


DEPENDENCIES = {
    "db": Provide(provide_db),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "actor": Provide(provide_actor, sync_to_thread=True),
    "language": Provide(provide_language, sync_to_thread=False),
    "accounts": Provide(provide_accounts, sync_to_thread=False),
}
