"""What every command shares: the operator's language, known errors as messages, a unit of work."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sandbox.config import Settings
from sandbox.db import make_engine, make_session_factory
from sandbox.errors import InvalidInput, SandboxError
from sandbox.i18n import Language, Text

__all__ = ["EXIT_ERROR", "EXIT_UNAVAILABLE", "guarded", "language", "say", "settings_of", "unit_of_work"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1  # the command ran and found a problem (audit chain broken, input refused)
EXIT_UNAVAILABLE = 2  # the database or broker could not be reached, or the settings are wrong


def language() -> Language:
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "en" if locale.lower().startswith("en") else "vi"


def say(text: Text, *, err: bool = False) -> None:
    click.echo(text.in_(language()), err=err)


def guarded(command: F) -> F:
    """Turn known errors into a message and an exit status instead of a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            say(Text("Lỗi: ", "Error: ") + exc.message, err=True)
            for problem in exc.problems[1:]:
                say(Text(f"  {problem.pointer}: ", f"  {problem.pointer}: ") + problem.message, err=True)
            sys.exit(EXIT_ERROR)
        except SandboxError as exc:
            say(Text("Lỗi: ", "Error: ") + exc.message, err=True)
            sys.exit(EXIT_UNAVAILABLE if exc.status_code >= 500 or exc.code == "configuration_error" else EXIT_ERROR)
        except OperationalError as exc:
            say(Text(f"Không kết nối được cơ sở dữ liệu: {exc.orig}", f"Cannot reach the database: {exc.orig}"),
                err=True)
            sys.exit(EXIT_UNAVAILABLE)

    return wrapper  # type: ignore[return-value]


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj  # type: ignore[no-any-return]
