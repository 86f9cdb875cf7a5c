"""``sandbox sim``: run a scenario of simulated devices against a broker, or write what they would send."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from sandbox.cli import main
from sandbox.cli.common import guarded, language, say, settings_of
from sandbox.clock import local_today, to_local
from sandbox.errors import InvalidInput
from sandbox.i18n import Text


def _scenario(name: str) -> Any:
    from sims.scenario import SCENARIOS, ScenarioError, load

    path = Path(name)
    if not path.exists() and (SCENARIOS / f"{name}.toml").exists():
        path = SCENARIOS / f"{name}.toml"
    try:
        return load(path)
    except ScenarioError as exc:
        shipped = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.toml")))
        raise InvalidInput.at("/scenario", Text(f"Kịch bản không chạy được: {exc}. Kịch bản có sẵn: {shipped}",
                                                f"The scenario cannot run: {exc}. Shipped scenarios: {shipped}")) from exc


def _credentials(path: Path | None, names: list[str]) -> dict[str, tuple[str, str]]:
    if path is None:
        raise InvalidInput.at("/credentials", Text(
            "Cần --credentials: tệp JSON {\"tên thiết bị\": {\"device\": mã, \"secret\": mật khẩu}} (hoặc --out)",
            "--credentials is needed: a JSON file {\"device name\": {\"device\": id, \"secret\": password}} (or --out)"))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        found = {name: (str(raw[name]["device"]), str(raw[name]["secret"])) for name in names}
    except FileNotFoundError as exc:
        raise InvalidInput.at("/credentials", Text(f"Không có tệp {path}", f"There is no file {path}")) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput.at("/credentials", Text(
            f"{path} phải là JSON có mã và mật khẩu của mỗi thiết bị ({', '.join(names)}): thiếu hoặc sai {exc}",
            f"{path} must be JSON with the id and secret of every device ({', '.join(names)}): missing or wrong {exc}",
        )) from exc
    return found


@main.command()
@click.argument("scenario")
@click.option("--out", type=click.Path(path_type=Path), help="write what the devices would send (JSON lines) instead")
@click.option("--trial", help="the trial's reference (SB-2026-0001): the devices' topics")
@click.option("--credentials", type=click.Path(path_type=Path), help="JSON: device name → {device, secret}")
@click.option("--broker", help="mqtt://host:port (default: SANDBOX_MQTT_URL, or the embedded broker)")
@click.option("--speed", type=float, help="simulated seconds per second (1: real time; 0: as fast as possible)")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="the day a relative first_day counts from")
@click.option("--outbox-dir", type=click.Path(path_type=Path), help="keep the devices' outboxes on disk here")
@click.pass_context
@guarded
def sim(ctx: click.Context, scenario: str, out: Path | None, trial: str | None, credentials: Path | None,
        broker: str | None, speed: float | None, today: datetime | None, outbox_dir: Path | None) -> None:
    """Run SCENARIO (a file, or the name of a shipped one) through the broker as the devices would."""
    from sims.scenario import streams

    plan = _scenario(scenario)
    day: date = today.date() if today else local_today()
    made = streams(plan, day)
    if out is not None:
        counts = _write(made, out)
        say(Text(f"Đã ghi {sum(counts.values())} mục vào {out}", f"Wrote {sum(counts.values())} items to {out}"))
        return
    if not trial:
        raise InvalidInput.at("/trial", Text("Cần --trial (mã thử nghiệm, ví dụ SB-2026-0001) hoặc --out",
                                             "--trial (the trial's reference, e.g. SB-2026-0001) or --out is needed"))
    keys = _credentials(credentials, [stream.name for stream in made])
    host, port = _broker(broker, settings_of(ctx))
    _run(made, keys, trial, host, port, plan.message_s, plan.speed if speed is None else speed, outbox_dir)


def _broker(url: str | None, settings: Any) -> tuple[str, int]:
    from urllib.parse import urlsplit

    url = url or settings.mqtt_url or f"mqtt://127.0.0.1:{settings.embedded_mqtt_port}"
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise InvalidInput.at("/broker", Text(f"'{url}' không phải mqtt://máy:cổng", f"'{url}' is not mqtt://host:port"))
    return parts.hostname, parts.port or 1883


def _write(made: list[Any], out: Path) -> dict[str, int]:
    import msgspec

    from sims.runner import channel_of, merge

    encoder = msgspec.json.Encoder()
    counts: dict[str, int] = {}
    with out.open("wb") as sink:
        for index, item in merge([stream.items for stream in made]):
            name = made[index].name
            sink.write(encoder.encode({"device": name, "channel": channel_of(item).value, "item": item}) + b"\n")
            counts[name] = counts.get(name, 0) + 1
        for stream in made:
            for fault in stream.wire_faults:
                sink.write(encoder.encode({"device": stream.name, "wire_fault": fault.kind, "at": fault.at,
                                           "duration_s": fault.duration_s}) + b"\n")
    return counts


def _run(made: list[Any], keys: dict[str, tuple[str, str]], trial: str, host: str, port: int, message_s: float,
         speed: float, outbox_dir: Path | None) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from devices.client import DeviceClient
    from sims.runner import Runner, SimDevice

    if outbox_dir is not None:
        outbox_dir.mkdir(parents=True, exist_ok=True)
    devices = []
    for stream in made:
        device, secret = keys[stream.name]
        outbox = outbox_dir / f"{stream.name}.outbox" if outbox_dir else ":memory:"
        client = DeviceClient(host, port, trial=trial, device=device, secret=secret, outbox=outbox, max_backoff_s=5,
                              dialect=stream.dialect)
        devices.append(SimDevice(client, stream.items, stream.wire_faults, message_s=message_s, name=stream.name))
    lang = language()
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as progress:
        task = progress.add_task(Text("mô phỏng", "simulating").in_(lang), total=None)
        runner = Runner(devices, speed=speed or None, progress=lambda now: progress.update(
            task, description=f"{Text('mô phỏng', 'simulating').in_(lang)} {to_local(now):%Y-%m-%d %H:%M}"))
        sent = runner.run()
    report_sent(sent, lang)


def report_sent(sent: dict[str, Any], lang: str) -> None:
    """What each device sent, as a table (a hundred columns wide at least: it is read from logs too)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    headers = [Text("thiết bị", "device"), Text("tin nhắn", "messages"), Text("mẫu", "samples"),
               Text("sự kiện", "events"), Text("mất kết nối", "link lost"),
               Text("lặp/đảo/hỏng", "rep/ord/bad"), Text("đến", "until")]
    table = Table(title=Text("Đã gửi", "Sent").in_(lang), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in headers:
        table.add_column(header.in_(lang), no_wrap=True)
    for name, report in sent.items():
        table.add_row(name, f"{report.messages:,}", f"{report.samples:,}", f"{report.events:,}",
                      str(report.link_losses), f"{report.duplicates}/{report.reordered}/{report.malformed}",
                      f"{to_local(report.last):%m-%d %H:%M}" if report.last else "—")
    Console(width=max(100, Console().width)).print(table)
