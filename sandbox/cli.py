"""The ``sandbox`` command: run the service, migrate the database, manage users, check the audit log, demo.

Errors are printed as a message in the operator's language (Vietnamese unless ``LANG`` is
English) and end the command with a non-zero status; there is no traceback for a known error.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sandbox import __version__
from sandbox.config import Settings, load_settings
from sandbox.db import make_engine, make_session_factory
from sandbox.db.migrate import upgrade
from sandbox.errors import InvalidInput, SandboxError
from sandbox.i18n import Language, Text

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1  # the command ran and found a problem (audit chain broken, input refused)
EXIT_UNAVAILABLE = 2  # the database could not be reached or the settings are wrong


def _language() -> Language:
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "en" if locale.lower().startswith("en") else "vi"


def _say(text: Text, *, err: bool = False) -> None:
    click.echo(text.in_(_language()), err=err)


def _guarded(command: F) -> F:
    """Turn known errors into a message and an exit status instead of a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            _say(Text("Lỗi: ", "Error: ") + exc.message, err=True)
            for problem in exc.problems[1:]:
                _say(Text(f"  {problem.pointer}: ", f"  {problem.pointer}: ") + problem.message, err=True)
            sys.exit(EXIT_ERROR)
        except SandboxError as exc:
            _say(Text("Lỗi: ", "Error: ") + exc.message, err=True)
            sys.exit(EXIT_UNAVAILABLE if exc.status_code >= 500 or exc.code == "configuration_error" else EXIT_ERROR)
        except OperationalError as exc:
            _say(
                Text(f"Không kết nối được cơ sở dữ liệu: {exc.orig}", f"Cannot reach the database: {exc.orig}"),
                err=True,
            )
            sys.exit(EXIT_UNAVAILABLE)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _unit_of_work(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj  # type: ignore[no-any-return]


@click.group()
@click.version_option(__version__, prog_name="sandbox")
@click.pass_context
@_guarded
def main(ctx: click.Context) -> None:
    """Sandbox: thử nghiệm có kiểm soát của Sở KH&CN Cần Thơ / Can Tho SKHCN's controlled trials."""
    ctx.obj = load_settings()


@main.command()
@click.option("--host", help="address to listen on (default: SANDBOX_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port (default: SANDBOX_PORT or 8000)")
@click.option("--migrate/--no-migrate", default=True, show_default=True, help="upgrade the database first")
@click.pass_context
@_guarded
def serve(ctx: click.Context, host: str | None, port: int | None, migrate: bool) -> None:
    """Run the API (and, later, the embedded ingester)."""
    settings = _settings(ctx)
    if migrate:
        upgrade(settings.database_url)
    _serve(settings, host or settings.host, port or settings.port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from sandbox.app import create_app

    _say(Text(f"Tài liệu API: http://{host}:{port}/docs", f"API documentation: http://{host}:{port}/docs"))
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
@_guarded
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings(ctx)
    upgrade(settings.database_url, revision)
    _say(Text(f"Cơ sở dữ liệu đã ở phiên bản {revision}", f"The database is at revision {revision}"))


@db.command("current")
@click.pass_context
@_guarded
def db_current(ctx: click.Context) -> None:
    """Show the revision the database is at."""
    from sandbox.db.migrate import current_revision, head_revision

    current, head = current_revision(_settings(ctx).database_url), head_revision()
    click.echo(f"{current or '-'} (head {head})")


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="full name as people should see it")
@click.option("--role", type=click.Choice(["admin", "evaluator", "policy", "startup"]), required=True)
@click.option("--organisation", "tax_code", help="tax code (MST) of the organisation, for startup users")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
@_guarded
def user_create(ctx: click.Context, email: str, full_name: str, role: str, tax_code: str | None,
                password_stdin: bool) -> None:
    """Create a user; the first administrator is made this way."""
    import msgspec

    from sandbox.auth.schemas import UserCreate
    from sandbox.auth.users import create_staff_user
    from sandbox.trials.models import Organisation
    from sandbox.trials.organisations import add_member
    from sandbox.trials.schemas import MemberCreate

    settings = _settings(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password / Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        data = msgspec.convert({"email": email, "full_name": full_name, "password": password, "role": role}, UserCreate)
    except msgspec.ValidationError as exc:
        raise InvalidInput.at("/" + str(exc).rsplit("$.", 1)[-1].rstrip("`"), Text(str(exc), str(exc))) from exc
    with _unit_of_work(settings) as session:
        if role == "startup":
            if not tax_code:
                raise InvalidInput.at("/organisation", Text("người dùng doanh nghiệp cần --organisation <mã số thuế>",
                                                            "a startup user needs --organisation <tax code>"))
            org = session.scalar(select(Organisation).where(Organisation.tax_code == tax_code))
            if org is None:
                raise InvalidInput.at("/organisation", Text(f"không có tổ chức mã số thuế {tax_code}",
                                                            f"no organisation has tax code {tax_code}"))
            member = MemberCreate(email=data.email, full_name=data.full_name, password=data.password)
            created = add_member(session, None, org.id, member, settings)
        else:
            created = create_staff_user(session, None, data, settings)
    _say(Text(f"Đã tạo {created.role} {created.email} ({created.id})", f"Created {created.role} {created.email} ({created.id})"))


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.pass_context
@_guarded
def audit_verify(ctx: click.Context) -> None:
    """Walk the hash chain; exit 1 if any entry was edited or deleted."""
    from sandbox.audit import AuditHead, verify

    with _unit_of_work(_settings(ctx)) as session:
        result = verify(session)
        head_hash = session.scalar(select(AuditHead.hash))
    if result.intact:
        _say(Text(
            f"Nhật ký kiểm toán nguyên vẹn: {result.entries} bản ghi; mã băm cuối {head_hash}",
            f"The audit log is intact: {result.entries} entries; head hash {head_hash}",
        ))
        return
    _say(Text(f"NHẬT KÝ KIỂM TOÁN BỊ SỬA ĐỔI: {len(result.problems)} vấn đề",
              f"THE AUDIT LOG WAS TAMPERED WITH: {len(result.problems)} problem(s)"), err=True)
    for problem in result.problems:
        click.echo(f"  #{problem.seq} {problem.kind}: {problem.detail}", err=True)
    sys.exit(EXIT_ERROR)


@main.command()
@click.option("--serve/--no-serve", default=True, show_default=True, help="start the service afterwards")
@click.option("--host", help="address to listen on")
@click.option("--port", type=int, help="port")
@click.pass_context
@_guarded
def demo(ctx: click.Context, serve: bool, host: str | None, port: int | None) -> None:
    """Start afresh with demonstration data (its own database in the data directory) and serve it."""
    from sandbox.demo.seed import DEMO_PASSWORD, seed

    base = _settings(ctx)
    directory = base.data_dir / "demo"
    shutil.rmtree(directory, ignore_errors=True)
    settings = base.with_database(f"sqlite:///{directory / 'sandbox.db'}")
    upgrade(settings.database_url)
    with _unit_of_work(settings) as session:
        world = seed(session, settings)
    _print_demo(world, DEMO_PASSWORD, directory)
    if serve:
        _serve(settings, host or settings.host, port or settings.port)


def _print_demo(world: Any, password: str, directory: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    language = _language()
    console = Console()

    def table(title: Text, *columns: Text) -> Table:
        made = Table(title=title.in_(language), title_justify="left")
        for column in columns:
            made.add_column(column.in_(language))
        return made

    people = table(Text(f"Người dùng mẫu (mật khẩu: {password})", f"Demo users (password: {password})"),
                   Text("vai trò", "role"), Text("e-mail", "e-mail"), Text("tổ chức", "organisation"))
    for row in world.users:
        people.add_row(*row)
    trials = table(Text("Thử nghiệm mẫu", "Demo trials"), Text("mã", "reference"), Text("trạng thái", "state"),
                   Text("tên", "title"))
    for row in world.trials:
        trials.add_row(*row)
    console.print(people, trials)
    console.print(Text("Thiết bị (tên đăng nhập MQTT, mật khẩu chỉ hiện một lần):",
                       "Devices (MQTT username, password shown once):").in_(language))
    for reference, username, secret in world.devices:
        console.print(f"  {reference}  {username}  {secret}", soft_wrap=True)
    console.print(Text(f"Dữ liệu demo: {directory}", f"Demo data: {directory}").in_(language))
    console.print(Text("Đăng nhập: POST /api/v1/auth/token với e-mail và mật khẩu ở trên, rồi gửi "
                       "'Authorization: Bearer <mã>'; sổ đăng ký công khai: GET /api/v1/register",
                       "Log in: POST /api/v1/auth/token with an e-mail and the password above, then send "
                       "'Authorization: Bearer <token>'; public register: GET /api/v1/register").in_(language))
