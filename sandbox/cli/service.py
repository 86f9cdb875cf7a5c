"""Running things: the service (API, and in embedded mode its broker and ingester), ingesters, the demo."""

from __future__ import annotations

import gc
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import click

from sandbox.cli import main
from sandbox.cli.common import guarded, language, say, settings_of, unit_of_work
from sandbox.config import Settings
from sandbox.db.migrate import upgrade
from sandbox.errors import ConfigurationError
from sandbox.i18n import Text


@main.command()
@click.option("--host", help="address to listen on (default: SANDBOX_HOST or 127.0.0.1)")
@click.option("--port", type=int, help="port (default: SANDBOX_PORT or 8000)")
@click.option("--migrate/--no-migrate", default=True, show_default=True, help="upgrade the database first")
@click.pass_context
@guarded
def serve(ctx: click.Context, host: str | None, port: int | None, migrate: bool) -> None:
    """Run the API; with no SANDBOX_MQTT_URL also the embedded MQTT broker and an ingester."""
    settings = settings_of(ctx)
    if migrate:
        upgrade(settings.database_url)
    run_service(settings, host or settings.host, port or settings.port)


class Companion(Protocol):
    """Something that runs beside the service while it is up (the demo's publishing devices)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def run_service(settings: Settings, host: str, port: int,
                companions: Callable[[str, int, Any], list[Companion]] | None = None) -> None:
    """Serve; ``companions(broker host, broker port, embedded telemetry)`` gives what to start once the broker
    is up."""
    import uvicorn

    from sandbox.app import create_app

    running: list[Any] = []
    try:
        if not settings.mqtt_url:
            from sandbox.telemetry.runtime import EmbeddedTelemetry

            running.append(EmbeddedTelemetry(settings))
            running[-1].start()
            say(Text(f"Máy chủ MQTT nhúng: mqtt://{settings.host}:{settings.embedded_mqtt_port}",
                     f"Embedded MQTT broker: mqtt://{settings.host}:{settings.embedded_mqtt_port}"))
        if companions is not None and not settings.mqtt_url:
            local = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
            for companion in companions(local, settings.embedded_mqtt_port, running[0]):
                companion.start()
                running.append(companion)
        say(Text(f"Tài liệu API: http://{host}:{port}/docs", f"API documentation: http://{host}:{port}/docs"))
        uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())
    finally:
        for part in reversed(running):
            part.stop()


@main.command()
@click.pass_context
@guarded
def ingest(ctx: click.Context) -> None:
    """Consume device telemetry from the broker into the database until stopped (SIGINT/SIGTERM)."""
    from sqlalchemy.orm import sessionmaker

    from sandbox.db import make_engine
    from sandbox.telemetry.ingest.consumer import Consumer
    from sandbox.telemetry.ingest.pipeline import Pipeline
    from sandbox.telemetry.registry import Registry

    settings = settings_of(ctx)
    if not settings.mqtt_url:
        raise ConfigurationError(Text(
            "Chưa đặt SANDBOX_MQTT_URL: ở chế độ nhúng, 'sandbox serve' đã tự chạy bộ thu dữ liệu",
            "SANDBOX_MQTT_URL is not set: in the embedded mode 'sandbox serve' runs the ingester itself",
        ))
    engine = make_engine(settings.database_url)
    consumer = Consumer(settings, Pipeline(engine, Registry(sessionmaker(engine)), settings.ingester_id))
    stopped = threading.Event()

    def stop(*_: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _tune_garbage_collector()  # after start-up, so that what it built is frozen out of collections
    consumer.start()
    say(Text(f"Bộ thu {settings.ingester_id} đang chạy với {settings.mqtt_url}",
             f"Ingester {settings.ingester_id} running against {settings.mqtt_url}"))
    stopped.wait()
    consumer.stop()
    engine.dispose()


def _tune_garbage_collector() -> None:
    """An ingester allocates tens of thousands of short-lived samples and rows a second, none of them in
    reference cycles; with Python's default thresholds the cycle collector ran every 700 of them and
    took a fifth of the time. Collect less often, and leave the objects of start-up out of it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@main.command()
@click.option("--serve/--no-serve", default=True, show_default=True, help="start the service afterwards")
@click.option("--days", type=click.IntRange(0, 28), default=14, show_default=True,
              help="days of the trials' past to simulate first (0: none)")
@click.option("--host", help="address to listen on")
@click.option("--port", type=int, help="port")
@click.pass_context
@guarded
def demo(ctx: click.Context, serve: bool, days: int, host: str | None, port: int | None) -> None:
    """Start afresh with demonstration data (its own database in the data directory), simulate the trials'
    past weeks through the embedded broker, and serve it with the drones publishing live."""
    from sandbox.demo.seed import DEMO_PASSWORD, seed

    base = settings_of(ctx)
    directory = base.data_dir / "demo"
    shutil.rmtree(directory, ignore_errors=True)
    settings = replace(base.with_database(f"sqlite:///{directory / 'sandbox.db'}"), mqtt_url=None)
    upgrade(settings.database_url)
    with unit_of_work(settings) as session:
        world = seed(session, settings, history_days=days)
    _print_demo(world, DEMO_PASSWORD, directory)
    if serve:
        run_service(settings, host or settings.host, port or settings.port, lambda broker, mqtt_port, telemetry: [
            _History(world, broker, mqtt_port, days, directory, settings, telemetry),
            *_feed(world, broker, mqtt_port, directory)])
    elif days:
        from sandbox.telemetry.runtime import EmbeddedTelemetry

        telemetry = EmbeddedTelemetry(settings)
        telemetry.start()
        try:
            _History(world, "127.0.0.1", settings.embedded_mqtt_port, days, directory, settings, telemetry).start()
        finally:
            telemetry.stop()


class _History:
    """Before the service opens: the trials' past weeks, simulated, with a progress bar."""

    def __init__(self, world: Any, broker: str, port: int, days: int, directory: Any, settings: Any,
                 telemetry: Any) -> None:
        self.world, self.broker, self.port, self.days, self.directory = world, broker, port, days, directory
        self.settings, self.telemetry = settings, telemetry
        self.streams: list[Any] = []  # the simulated devices' streams: the cameras keep their ground truth

    def start(self) -> None:
        if not self.days:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        from sandbox.cli.sim import report_sent
        from sandbox.clock import to_local
        from sandbox.demo.history import control_records, replay

        lang = language()
        title = Text(f"Mô phỏng {self.days} ngày thử nghiệm",
                     f"Simulating {self.days} day{'s' if self.days != 1 else ''} of the trials")
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[now]}"),
                      TimeElapsedColumn(), TimeRemainingColumn()) as progress:
            task = progress.add_task(title.in_(lang), total=1.0, now="")

            def advance(first: Any, now: Any, last: Any) -> None:
                share = (now - first).total_seconds() / max(1.0, (last - first).total_seconds())
                progress.update(task, completed=min(1.0, share), now=f"{to_local(now):%Y-%m-%d %H:%M}")

            sent = replay(self.world, self.broker, self.port, self.days, self.directory, progress=advance,
                          keep=self.streams)
        report_sent(sent, lang)
        self.sent = sent
        records = control_records(self.directory, self.days)
        say(Text(f"Sổ phun thủ công của ruộng đối chứng: {records}",
                 f"Manual spraying records of the control field: {records}"))
        # The broker has taken everything; the evaluation must wait for the ingester to have stored it.
        if not self.telemetry.consumer.wait_idle(quiet_s=1.0, timeout_s=600):
            say(Text("Bộ thu chưa ghi xong dữ liệu sau 10 phút: bỏ qua bước đánh giá",
                     "The ingester has not stored everything after 10 minutes: the evaluation is skipped"), err=True)
            return
        self.evaluate(lang, records)

    def evaluate(self, lang: Any, records: Any) -> None:
        """The demo ends by evaluating its three trials: their recommendations, and the reports to open."""
        from sandbox.cli.evaluate import DECISIONS
        from sandbox.demo.evaluations import evaluate_trials

        say(Text("Đánh giá ba thử nghiệm…", "Evaluating the three trials…"))
        for done in evaluate_trials(self.settings, self.world, self.directory / "reports", lang,
                                    streams=self.streams, sent=self.sent, control_records=records):
            say(Text(f"{done.reference} (báo cáo v{done.version}): {DECISIONS[done.decision].vi}",
                     f"{done.reference} (report v{done.version}): {DECISIONS[done.decision].en}"))
            for reason in done.reasons[:4]:
                say(Text(f"    • {reason}", f"    • {reason}"))
            say(Text(f"    {done.html}\n    {done.pdf}", f"    {done.html}\n    {done.pdf}"))

    def stop(self) -> None:
        pass


def _feed(world: Any, broker: str, port: int, directory: Any) -> list[Any]:
    from sandbox.demo.feed import DemoFeed
    from sandbox.demo.history import outbox_of

    fleet = world.fleet
    latest = f"GET /api/v1/trials/{fleet.trial_id}/telemetry/latest"
    say(Text(f"Máy bay của {fleet.trial} đang gửi dữ liệu trực tiếp: {latest}",
             f"The drones of {fleet.trial} are publishing live: {latest}"))
    return [DemoFeed(fleet, broker, port, outbox=outbox_of(directory))]


def _print_demo(world: Any, password: str, directory: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    lang = language()
    console = Console()

    def table(title: Text, *columns: Text) -> Table:
        made = Table(title=title.in_(lang), title_justify="left")
        for column in columns:
            made.add_column(column.in_(lang))
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
                       "Devices (MQTT username, password shown once):").in_(lang))
    for reference, username, secret in world.devices:
        console.print(f"  {reference}  {username}  {secret}", soft_wrap=True)
    console.print(Text(f"Dữ liệu demo: {directory}", f"Demo data: {directory}").in_(lang))
    console.print(Text("Đăng nhập: POST /api/v1/auth/token với e-mail và mật khẩu ở trên, rồi gửi "
                       "'Authorization: Bearer <mã>'; sổ đăng ký công khai: GET /api/v1/register",
                       "Log in: POST /api/v1/auth/token with an e-mail and the password above, then send "
                       "'Authorization: Bearer <token>'; public register: GET /api/v1/register").in_(lang))
