"""``sandbox sim``: run a scenario of simulated devices against a broker, or write what they would send;
offer a load scenario's N devices × rate and report what was sent."""

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


def _credentials(path: Path | None, names: list[str] | int) -> dict[str, tuple[str, str]]:
    """The id and secret of each device named (or of the first N in the file, for a load)."""
    if path is None:
        raise InvalidInput.at("/credentials", Text(
            "Cần --credentials: tệp JSON {\"tên thiết bị\": {\"device\": mã, \"secret\": mật khẩu}} (hoặc --out)",
            "--credentials is needed: a JSON file {\"device name\": {\"device\": id, \"secret\": password}} (or --out)"))
    wanted = f"N = {names}" if isinstance(names, int) else ", ".join(names)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(names, int):
            if not isinstance(raw, dict) or len(raw) < names:
                raise ValueError(f"{names} devices, found {len(raw) if isinstance(raw, dict) else 0}")
            names = list(raw)[:names]
        found = {name: (str(raw[name]["device"]), str(raw[name]["secret"])) for name in names}
    except FileNotFoundError as exc:
        raise InvalidInput.at("/credentials", Text(f"Không có tệp {path}", f"There is no file {path}")) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput.at("/credentials", Text(
            f"{path} phải là JSON có mã và mật khẩu của mỗi thiết bị ({wanted}): thiếu hoặc sai {exc}",
            f"{path} must be JSON with the id and secret of every device ({wanted}): missing or wrong {exc}",
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
    """Run SCENARIO (a file, or the name of a shipped one) through the broker as the devices would; a load
    scenario offers its N devices × rate and reports what was sent and acknowledged."""
    from sims.scenario import streams

    plan = _scenario(scenario)
    day: date = today.date() if today else local_today()
    if plan.load is not None:
        if out is not None:
            raise InvalidInput.at("/out", Text("Kịch bản tải chỉ được gửi đi, không ghi ra tệp (bỏ --out)",
                                               "A load scenario is sent, not written (leave out --out)"))
        _offer(plan, trial, credentials, _broker(broker, settings_of(ctx)), day)
        return
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
    _run(made, keys, trial, host, port, plan.speed if speed is None else speed, outbox_dir)


def _offer(plan: Any, trial: str | None, credentials: Path | None, broker: tuple[str, int], day: date) -> None:
    from sandbox.clock import utcnow
    from sims.load import offer
    from sims.scenario import ScenarioError, load_of

    if not trial:
        raise InvalidInput.at("/trial", Text("Cần --trial (mã thử nghiệm, ví dụ SB-2026-0001)",
                                             "--trial (the trial's reference, e.g. SB-2026-0001) is needed"))
    keys = _credentials(credentials, plan.load.devices)
    try:
        load = load_of(plan, list(keys.values()), trial, day, utcnow())
    except ScenarioError as exc:
        raise InvalidInput.at("/scenario", Text(f"Kịch bản không chạy được: {exc}",
                                                f"The scenario cannot run: {exc}")) from exc
    lang = language()
    say(Text(f"Tải: {len(load.devices)} thiết bị, {load.messages_per_s or 'tối đa'} tin/giây × "
             f"{load.samples_per_message} mẫu, {load.seconds:g} giây …",
             f"Load: {len(load.devices)} devices, {load.messages_per_s or 'flat-out'} messages/s × "
             f"{load.samples_per_message} samples, {load.seconds:g} s …"))
    try:
        offered = offer(*broker, load)
    except ConnectionError as exc:
        raise InvalidInput.at("/broker", Text(f"Máy chủ MQTT không nhận thiết bị: {exc}",
                                              f"The broker did not take the devices: {exc}")) from exc
    report_offered(offered, len(load.devices), lang)
    if offered.acked + offered.refused < offered.messages or offered.refused:
        raise InvalidInput.at("/broker", Text(
            f"Máy chủ MQTT xác nhận {offered.acked:,} / {offered.messages:,} tin, từ chối {offered.refused:,}",
            f"The broker acknowledged {offered.acked:,} of {offered.messages:,} messages and refused "
            f"{offered.refused:,}"))


def report_offered(offered: Any, devices: int, lang: str) -> None:
    """What a load sent, as a table."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title=Text("Đã gửi (tải)", "Sent (load)").in_(lang), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    rows = [(Text("thiết bị", "devices"), f"{devices:,}"),
            (Text("tiến trình gửi", "publishers"), f"{len(offered.publishers):,}"),
            (Text("tin nhắn", "messages"), f"{offered.messages:,}"),
            (Text("mẫu", "samples"), f"{offered.samples:,}"),
            (Text("đã xác nhận", "acknowledged"), f"{offered.acked:,}"),
            (Text("bị từ chối", "refused"), f"{offered.refused:,}"),
            (Text("giây gửi", "seconds sending"), f"{offered.seconds:.1f}"),
            (Text("tin nhắn/giây", "messages/s"), f"{offered.messages_per_s:,.0f}"),
            (Text("mẫu/giây", "samples/s"), f"{offered.samples_per_s:,.0f}")]
    table.add_column("")
    table.add_column("", justify="right")
    for label, value in rows:
        table.add_row(label.in_(lang), value)
    Console(width=max(100, Console().width)).print(table)


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


def _run(made: list[Any], keys: dict[str, tuple[str, str]], trial: str, host: str, port: int,
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
        devices.append(SimDevice(client, stream.items, stream.wire_faults, message_s=stream.message_s,
                                 name=stream.name))
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
