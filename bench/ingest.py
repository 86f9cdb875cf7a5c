"""Ingest benchmark: devices publish over a real Mosquitto into a real PostgreSQL through `sandbox ingest`.

    make bench            (or: .venv/bin/python -m bench.ingest --seconds 30)

It starts a throwaway PostgreSQL and Mosquitto, an active UAV trial with enrolled devices, two
ingester processes sharing the stream (an MQTT shared subscription, as in production), and
publisher processes, then measures in one run:

1. the raw binary COPY rate of psycopg into the same table (the ceiling);
2. end-to-end samples per second with batched messages (QoS 1 publish → committed row), sustained
   over the publishing time after two seconds of warm-up, with the publishers offering more;
3. messages per second with one sample per message, offered a little above the target: a
   broker takes QoS 1 messages faster than anyone can store them, so flooding it measures the
   broker's backlog and starves the ingesters of the two cores rather than their throughput;
4. p50 / p99 lag from publish to commit at half the rate of (2), from a probe device whose rows are
   polled every 10 ms (so the figures are exact to about 10 ms);
5. that every published sample was stored exactly once.

Each phase starts from a settled database (vacuumed, analysed, checkpointed), and the samples are
stamped inside the trial plan's operating window, so the devices keep to their envelope: the
results do not depend on the hour the benchmark runs or on what the phase before left behind.

Publishers, broker, database and ingesters share the machine's cores, as they would on a small box.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from rich.console import Console
from rich.table import Table

from sims.load import Load, offer

ROOT = Path(__file__).resolve().parents[1]
SANDBOX = str(Path(sys.executable).parent / "sandbox")
console = Console()
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


# ----------------------------------------------------------------- the rig


@dataclass
class Rig:
    settings: object
    dsn: str
    port: int
    trial: str
    devices: list[tuple[str, str]]


def build_rig(devices: int) -> tuple[Rig, object, object]:
    sys.path.insert(0, str(ROOT))
    from litestar.testing import TestClient  # noqa: F401 - loads the app's dependencies early
    from sqlalchemy import select

    from sandbox.auth.models import User
    from sandbox.auth.users import actor_of
    from sandbox.config import load_settings
    from sandbox.db import make_engine, make_session_factory
    from sandbox.db.migrate import upgrade
    from sandbox.demo.seed import seed
    from sandbox.telemetry.broker.dynsec import DynamicSecurity
    from sandbox.trials.devices import enrol_device
    from sandbox.trials.models import Trial
    from sandbox.trials.schemas import DeviceEnrol
    from tests.services.mosquitto import ThrowawayMosquitto
    from tests.services.postgres import ThrowawayPostgres

    database = ThrowawayPostgres().start()
    broker = ThrowawayMosquitto().start()
    with psycopg.connect(database.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE bench")
    dsn = database.url.rsplit("/", 1)[0] + "/bench"
    settings = load_settings({
        "DATABASE_URL": dsn.replace("postgresql://", "postgresql+psycopg://"), "SANDBOX_DATA_DIR": "/tmp/sandbox-bench",
        "SANDBOX_PASSWORD_HASHING": "fast", "SANDBOX_MQTT_URL": f"mqtt://127.0.0.1:{broker.port}",
        "SANDBOX_MQTT_USERNAME": "sandbox-ingester", "SANDBOX_MQTT_PASSWORD": "bench-ingester",
        "SANDBOX_MQTT_ADMIN_USERNAME": broker.admin_username, "SANDBOX_MQTT_ADMIN_PASSWORD": broker.admin_password,
        "SANDBOX_LOG_LEVEL": "WARNING",
    })
    upgrade(settings.database_url)
    accounts = DynamicSecurity("127.0.0.1", broker.port, broker.admin_username, broker.admin_password)
    accounts.ensure_ingester("sandbox-ingester", "bench-ingester")
    engine = make_engine(settings.database_url)
    enrolled = []
    with make_session_factory(engine).begin() as db:
        seed(db, settings)
        trial = db.scalar(select(Trial).where(Trial.state == "active"))
        owner = actor_of(db.scalar(select(User).where(User.email == "uav@baymekong.demo")))
        for n in range(devices):
            device, secret = enrol_device(db, owner, trial.id, DeviceEnrol(serial=f"BENCH-{n:03d}", model="A30"),
                                          settings, accounts)
            enrolled.append((str(device.id), secret))
        reference = trial.reference
    engine.dispose()
    return Rig(settings, dsn, broker.port, reference, enrolled), database, broker


def committed(dsn: str) -> int:
    """Samples the ingesters have committed so far, from their own counters (cheaper than counting rows)."""
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SELECT sum(samples_committed) FROM ingest_counters WHERE ingester LIKE 'bench-%'"
                                 ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def count_rows(dsn: str, devices: list[str]) -> tuple[int, int]:
    with psycopg.connect(dsn) as connection:
        return connection.execute(
            "SELECT count(*), count(DISTINCT (device_id, seq)) FROM uav_samples WHERE device_id = ANY(%s)",
            ([uuid.UUID(d) for d in devices],),
        ).fetchone()


def raw_copy_rate(dsn: str, rows: int = 1_000_000) -> float:
    """psycopg binary COPY straight into uav_samples: the ceiling the ingester can approach."""
    device, trial = uuid.uuid4(), uuid.uuid4()
    start = datetime.now(UTC) - timedelta(hours=1)
    values = [(device, trial, start + timedelta(microseconds=i * 100), i, start, 9.78, 105.47, 20.0, 5.0, 90.0, 80.0,
               "AUTO", True, True, 2.0, 10.0, 5.0, 3, 14) for i in range(rows)]
    types = ["uuid", "uuid", "timestamptz", "int8", "timestamptz"] + ["float8"] * 6 + ["text", "bool", "bool"] + \
        ["float8"] * 3 + ["int2", "int2"]
    columns = ("device_id, trial_id, time, seq, received_at, lat, lon, height_agl_m, ground_speed_mps, heading_deg, "
               "battery_pct, flight_mode, armed, spraying, flow_rate_lpm, tank_level_l, swath_width_m, gps_fix, satellites")
    with psycopg.connect(dsn) as connection:
        began = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(f"COPY uav_samples ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in values:
                copy.write_row(row)
        connection.commit()
        seconds = time.perf_counter() - began
        connection.execute("DELETE FROM uav_samples WHERE device_id = %s", (device,))
        connection.commit()
    return rows / seconds


def settle(dsn: str) -> None:
    """Vacuum, analyse and checkpoint before a phase, as pgbench vacuums before it runs: otherwise the
    autovacuum of the previous phase's millions of rows and the checkpoint they call for land at a
    random moment of the next phase and are charged to it."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) uav_samples")
        connection.execute("CHECKPOINT")


def inside_operating_window() -> float:
    """Sample time of the first sample: 06:00 in Cần Thơ on a recent Monday-to-Saturday, inside the demo UAV
    plan's morning window (05:30–09:30), so that the devices keep to their envelope whatever the hour the
    benchmark runs. (Stamped two days back at any hour, as before, every sample of a run that started at night
    extended an "outside the window" incident episode per device and batch, and the results moved with the clock.)
    A device's samples are 10 ms apart: a 30 s run covers well under the window's four hours."""
    day = datetime.now(LOCAL).date() - timedelta(days=2)
    while day.weekday() == 6:  # the plan does not fly on Sundays
        day -= timedelta(days=1)
    return datetime.combine(day, dtime(6, 0), LOCAL).timestamp()


def run_phase(rig: Rig, devices: list[tuple[str, str]], samples_per_message: int, seconds: float, rate: float,
              publishers: int) -> dict:
    """Publish from several processes (`sims.load`); watch committed rows; return rates and the exactly-once check."""
    settle(rig.dsn)
    ids = [device for device, _ in devices]
    timeline: list[tuple[float, int]] = []
    baseline = committed(rig.dsn)
    load = Load(trial=rig.trial, devices=devices, first_time=inside_operating_window(),
                samples_per_message=samples_per_message, messages_per_s=rate, seconds=seconds, publishers=publishers)
    offered = offer("127.0.0.1", rig.port, load,
                    tick=lambda: timeline.append((time.monotonic(), committed(rig.dsn) - baseline)))
    deadline = time.monotonic() + 600
    while committed(rig.dsn) - baseline < offered.samples and time.monotonic() < deadline:
        timeline.append((time.monotonic(), committed(rig.dsn) - baseline))
        time.sleep(1)
    stored, distinct = count_rows(rig.dsn, ids)
    # Sustained rate: committed samples per second over the publishing window, after 2 s of warm-up.
    window = [point for point in timeline if 2 <= point[0] - timeline[0][0] <= seconds]
    rate_committed = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]) if len(window) > 1 else 0.0
    return {"published_samples": offered.samples, "published_messages": offered.messages,
            "acked": offered.acked, "stored": stored, "distinct": distinct,
            "samples_per_s": rate_committed, "messages_per_s": rate_committed / samples_per_message,
            "publish_messages_per_s": sum(p["messages"] / p["seconds"] for p in offered.publishers)}


def lag_probe(rig: Rig, probe: tuple[str, str], seconds: float, stop: threading.Event) -> list[float]:
    """One device publishes one sample every 50 ms stamped with the publish time; its rows are polled every 10 ms."""
    import paho.mqtt.client as mqtt

    from sandbox.telemetry import contract

    device, secret = probe
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=device, protocol=mqtt.MQTTv5)
    client.username_pw_set(device, secret)
    client.connect("127.0.0.1", rig.port)
    client.loop_start()
    topic = contract.topic(rig.trial, device, contract.Channel.TELEMETRY)
    lags: list[float] = []
    seen = 0

    def poll() -> None:
        nonlocal seen
        with psycopg.connect(rig.dsn, autocommit=True) as connection:
            while not stop.is_set():
                rows = connection.execute("SELECT seq, time FROM uav_samples WHERE device_id = %s AND seq >= %s",
                                          (uuid.UUID(device), seen)).fetchall()
                now = datetime.now(UTC)
                for seq, moment in rows:
                    lags.append((now - moment).total_seconds())
                    seen = max(seen, seq + 1)
                time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    began, seq = time.monotonic(), 0
    while time.monotonic() - began < seconds:
        sample = contract.UavSample(seq=seq, t=datetime.now(UTC), lat=9.7805, lon=105.467, height_agl_m=20,
                                    ground_speed_mps=5, heading_deg=90, battery_pct=80, flight_mode="AUTO", armed=True)
        client.publish(topic, contract.encode(contract.Telemetry(samples=[sample]), "msgpack"), qos=1)
        seq += 1
        time.sleep(0.05)
    time.sleep(2)
    stop.set()
    poller.join()
    client.disconnect()
    client.loop_stop()
    return lags


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # clean up the servers when stopped
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="publishing time of each rate phase")
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100, help="samples per message in the batched phase")
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--ingesters", type=int, default=2, help="`sandbox ingest` processes in a share group")
    parser.add_argument("--offer", type=float, default=150_000, help="samples/s the publishers offer, batched")
    parser.add_argument("--single-offer", type=float, default=12_000,
                        help="messages/s the publishers offer, one sample each (above the target: can it keep up?)")
    args = parser.parse_args()
    if args.seconds < 10:
        parser.error("--seconds must be at least 10: rates are measured after 2 s of warm-up, once a second")

    rig, database, broker = build_rig(3 * args.devices + 1)
    ingesters: list[subprocess.Popen[bytes]] = []
    try:
        env = {**os.environ, "DATABASE_URL": rig.settings.database_url, "SANDBOX_MQTT_URL": rig.settings.mqtt_url,
               "SANDBOX_MQTT_USERNAME": "sandbox-ingester", "SANDBOX_MQTT_PASSWORD": "bench-ingester",
               "SANDBOX_LOG_LEVEL": "ERROR", "SANDBOX_DATA_DIR": "/tmp/sandbox-bench"}
        if args.ingesters > 1:  # they share the stream through an MQTT shared subscription
            env["SANDBOX_INGEST_SHARE_GROUP"] = "bench"
        ingesters = [subprocess.Popen([SANDBOX, "ingest"], env={**env, "SANDBOX_INGESTER_ID": f"bench-ingester-{n}"})
                     for n in range(args.ingesters)]
        time.sleep(4)
        sets = [rig.devices[i * args.devices:(i + 1) * args.devices] for i in range(3)]
        probe = rig.devices[-1]

        console.print("raw binary COPY into uav_samples …")
        copy_rate = raw_copy_rate(rig.dsn)
        console.print(f"batched messages of {args.batch} samples, {args.seconds:.0f} s …")
        batched = run_phase(rig, sets[0], args.batch, args.seconds, args.offer / args.batch, args.publishers)
        console.print(f"single-sample messages, {args.seconds:.0f} s …")
        single = run_phase(rig, sets[1], 1, args.seconds, args.single_offer, args.publishers)
        half = batched["samples_per_s"] / 2 / args.batch
        console.print(f"lag at half load ({half * args.batch:,.0f} samples/s), {args.seconds:.0f} s …")
        stop = threading.Event()
        lags: list[float] = []
        probe_thread = threading.Thread(target=lambda: lags.extend(lag_probe(rig, probe, args.seconds, stop)))
        probe_thread.start()
        loaded = run_phase(rig, sets[2], args.batch, args.seconds, half, args.publishers)
        probe_thread.join()
    finally:
        for ingester in ingesters:
            ingester.terminate()
        for ingester in ingesters:
            ingester.wait(30)
        broker.remove()
        database.stop()

    quantiles = statistics.quantiles(lags, n=100) if len(lags) > 2 else [float("nan")] * 99
    table = Table(title=f"Ingest on {os.cpu_count()} cores: `python -m bench.ingest --seconds {args.seconds:.0f} "
                        f"--devices {args.devices} --batch {args.batch} --publishers {args.publishers} "
                        f"--ingesters {args.ingesters} --offer {args.offer:.0f} --single-offer {args.single_offer:.0f}`")
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_column("target", justify="right")
    table.add_row("raw psycopg binary COPY into uav_samples", f"{copy_rate:,.0f} rows/s", "")
    table.add_row(f"end to end, {args.batch} samples per message (offered {args.offer:,.0f}/s)",
                  f"{batched['samples_per_s']:,.0f} samples/s",
                  "≥ 100,000")
    table.add_row("end to end ÷ raw COPY", f"{batched['samples_per_s'] / copy_rate:.0%}", "")
    table.add_row(f"end to end, 1 sample per message (offered {args.single_offer:,.0f}/s)",
                  f"{single['messages_per_s']:,.0f} messages/s", "≥ 10,000")
    table.add_row(f"lag publish → commit at {loaded['samples_per_s']:,.0f} samples/s, p50",
                  f"{quantiles[49] * 1000:,.0f} ms", "")
    table.add_row("lag publish → commit, p99", f"{quantiles[98] * 1000:,.0f} ms", "≤ 250 ms")
    for name, phase in (("batched", batched), ("single", single), ("half load", loaded)):
        exact = phase["stored"] == phase["distinct"] == phase["published_samples"]
        table.add_row(f"{name}: published / stored / distinct", f"{phase['published_samples']:,} / {phase['stored']:,} / "
                      f"{phase['distinct']:,}", "exactly once" if exact else "MISMATCH")
    console.print(table)


if __name__ == "__main__":
    main()
