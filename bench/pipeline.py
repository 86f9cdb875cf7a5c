"""The ingester's writer alone: CPU per sample through `Pipeline.process`, no MQTT, a real PostgreSQL.

    .venv/bin/python -m bench.pipeline            (about a minute)

Batches of 100 messages of 100 UAV samples (MessagePack, 20 devices, inside the plan's window) are
decoded, stored with binary COPY, judged by the live rules and committed, as `sandbox ingest` does
with each batch. Reported per round: samples per second of wall time (the database's share
included) and microseconds of this process's CPU per sample (what the writer thread costs, the
figure that decides how much of a small machine is left for PostgreSQL and Mosquitto).
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

from bench.ingest import build_rig, inside_operating_window
from sims.load import sample

console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=20, help="batches per round")
    arguments = parser.parse_args()

    from sqlalchemy.orm import sessionmaker

    from sandbox.db import make_engine
    from sandbox.telemetry import contract
    from sandbox.telemetry.ingest.messages import Received
    from sandbox.telemetry.ingest.pipeline import Pipeline
    from sandbox.telemetry.registry import Registry

    rig, database, broker = build_rig(20)
    try:
        engine = make_engine(rig.settings.database_url)
        pipeline = Pipeline(engine, Registry(sessionmaker(engine)), "bench-pipeline")
        first, seqs = inside_operating_window(), dict.fromkeys((d for d, _ in rig.devices), 0)

        def batch() -> list[Received]:
            messages = []
            for number in range(100):
                device = rig.devices[number % len(rig.devices)][0]
                samples = [sample(seq, first) for seq in range(seqs[device], seqs[device] + 100)]
                seqs[device] += 100
                payload = contract.encode(contract.Telemetry(samples=samples), "msgpack")
                messages.append(Received(contract.topic(rig.trial, device, "telemetry"), payload, datetime.now(UTC)))
            return messages

        pipeline.process(batch())  # warm-up: caches, prepared statements
        rounds = [[batch() for _ in range(arguments.batches)] for _ in range(arguments.rounds)]
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)  # as `sandbox ingest` runs
        table = Table(title="Pipeline.process, batches of 10,000 samples (python -m bench.pipeline)")
        for column in ("round", "samples/s (wall)", "µs CPU per sample"):
            table.add_column(column, justify="right")
        for number, batches in enumerate(rounds, 1):
            cpu, wall = time.process_time(), time.perf_counter()
            for messages in batches:
                pipeline.process(messages)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            samples = len(batches) * 10_000
            table.add_row(str(number), f"{samples / wall:,.0f}", f"{cpu / samples * 1e6:.2f}")
        console.print(table)
        engine.dispose()
    finally:
        broker.remove()
        database.stop()


if __name__ == "__main__":
    main()
