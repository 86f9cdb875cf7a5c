"""Administration: the database schema, user accounts, the audit log, the broker's accounts."""

from __future__ import annotations

import sys

import click
import msgspec
from sqlalchemy import select

from sandbox.cli import main
from sandbox.cli.common import EXIT_ERROR, guarded, say, settings_of, unit_of_work
from sandbox.db.migrate import current_revision, head_revision, upgrade
from sandbox.errors import ConfigurationError, InvalidInput
from sandbox.i18n import Text


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
@guarded
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade(settings_of(ctx).database_url, revision)
    say(Text(f"Cơ sở dữ liệu đã ở phiên bản {revision}", f"The database is at revision {revision}"))


@db.command("current")
@click.pass_context
@guarded
def db_current(ctx: click.Context) -> None:
    """Show the revision the database is at."""
    click.echo(f"{current_revision(settings_of(ctx).database_url) or '-'} (head {head_revision()})")


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
@guarded
def user_create(ctx: click.Context, email: str, full_name: str, role: str, tax_code: str | None,
                password_stdin: bool) -> None:
    """Create a user; the first administrator is made this way."""
    from sandbox.auth.schemas import UserCreate
    from sandbox.auth.users import create_staff_user
    from sandbox.trials.models import Organisation
    from sandbox.trials.organisations import add_member
    from sandbox.trials.schemas import MemberCreate

    settings = settings_of(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password / Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        data = msgspec.convert({"email": email, "full_name": full_name, "password": password, "role": role}, UserCreate)
    except msgspec.ValidationError as exc:
        raise InvalidInput.at("/" + str(exc).rsplit("$.", 1)[-1].rstrip("`"), Text(str(exc), str(exc))) from exc
    with unit_of_work(settings) as session:
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
    say(Text(f"Đã tạo {created.role} {created.email} ({created.id})",
             f"Created {created.role} {created.email} ({created.id})"))


@main.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.pass_context
@guarded
def audit_verify(ctx: click.Context) -> None:
    """Walk the hash chain; exit 1 if any entry was edited or deleted."""
    from sandbox.audit import AuditHead, verify

    with unit_of_work(settings_of(ctx)) as session:
        result = verify(session)
        head_hash = session.scalar(select(AuditHead.hash))
    if result.intact:
        say(Text(f"Nhật ký kiểm toán nguyên vẹn: {result.entries} bản ghi; mã băm cuối {head_hash}",
                 f"The audit log is intact: {result.entries} entries; head hash {head_hash}"))
        return
    say(Text(f"NHẬT KÝ KIỂM TOÁN BỊ SỬA ĐỔI: {len(result.problems)} vấn đề",
             f"THE AUDIT LOG WAS TAMPERED WITH: {len(result.problems)} problem(s)"), err=True)
    for problem in result.problems:
        click.echo(f"  #{problem.seq} {problem.kind}: {problem.detail}", err=True)
    sys.exit(EXIT_ERROR)


@main.group()
def broker() -> None:
    """The production MQTT broker (Mosquitto with dynamic security)."""


@broker.command("init")
@click.pass_context
@guarded
def broker_init(ctx: click.Context) -> None:
    """Create the ingesters' account on Mosquitto (SANDBOX_MQTT_USERNAME / SANDBOX_MQTT_PASSWORD)."""
    from sandbox.telemetry.broker.dynsec import DynamicSecurity

    settings = settings_of(ctx)
    if not (settings.mqtt_url and settings.mqtt_admin_username and settings.mqtt_password):
        raise ConfigurationError(Text(
            "Cần SANDBOX_MQTT_URL, SANDBOX_MQTT_ADMIN_USERNAME/PASSWORD và SANDBOX_MQTT_PASSWORD",
            "SANDBOX_MQTT_URL, SANDBOX_MQTT_ADMIN_USERNAME/PASSWORD and SANDBOX_MQTT_PASSWORD must be set",
        ))
    host, port = settings.mqtt_address
    DynamicSecurity(host, port, settings.mqtt_admin_username, settings.mqtt_admin_password).ensure_ingester(
        settings.mqtt_username, settings.mqtt_password)
    say(Text(f"Tài khoản {settings.mqtt_username} đã sẵn sàng trên {host}:{port}",
             f"The account {settings.mqtt_username} is ready on {host}:{port}"))


@broker.command("config")
@click.option("--data-dir", default="/mosquitto/data", show_default=True)
@click.option("--plugin", default="/usr/lib/mosquitto_dynamic_security.so", show_default=True)
def broker_config(data_dir: str, plugin: str) -> None:
    """Print the mosquitto.conf Sandbox needs (docker-compose.yml mounts deploy/mosquitto.conf)."""
    from sandbox.telemetry.broker.mosquitto import render_config

    click.echo(render_config(data_dir=data_dir, plugin=plugin), nl=False)
