"""Evaluation benchmark: a UAV trial's report from 1 M and 10 M stored samples on PostgreSQL, step by step.

    make bench-evaluation   (or: .venv/bin/python -m bench.evaluation --samples 1000000 10000000)

A throwaway PostgreSQL, migrated, with an active UAV trial opened through the services (the demo's plan, draft
to active, four enrolled drones). The samples come from the simulator itself (`sims.uav.UavSim` over the trial
site's ring, 10 Hz): each drone sprays the whole field afresh each operating morning (Monday to Saturday), as
in the demo, two drones in the air at a time (the plan's limit), about ten sorties of a 40-litre tank a morning
with two minutes on the ground between them. It simulates some 64,000 samples a second on one core, so two
worker processes simulate drone-mornings while the main process writes them with the store's own writer
(`insert_new`: binary COPY, then each minute's counts — sandbox/telemetry/store/upkeep.py), rows built as the
ingester builds them, in arrival order (messages of 100 samples received 0.3–1.5 s after their last sample). Then
the ingester's rollup keeper catches up (a drone's sortie pieces and spraying seconds; timed and reported), as it
would have long before anyone evaluates a trial of weeks.

The sizes are loaded in increasing order into the same trial (the 10 M trial is the 1 M trial weeks later),
then `VACUUM (ANALYZE)` and `CHECKPOINT`; the load is reported, not measured with the evaluation. Each size is
evaluated twice with the default parameters (10,000 Monte Carlo draws, 9,999 bootstrap resamples): **cold**
(server restarted and, as root, the OS page cache dropped) and **warm** (straight after). A step runs from its
`progress` call to the next; "store" from the end of `assess` to the report row's commit; the HTML and PDF
renderings are timed apart.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import psycopg
from rich.console import Console
from rich.table import Table

from sandbox.clock import local_today
from sandbox.telemetry.contract import UavSample
from sims.places import LOCAL_OFFSET, ring
from sims.uav import UavSim

console = Console()
WINDOW = (dtime(5, 30), dtime(9, 30))  # the demo plan's morning window, Cần Thơ time
PER_DRONE_DAY = 45_000  # a little under what a drone-morning over Vị Tân makes (48–50 k), to plan the days
MESSAGE = 100  # samples per message: a message's samples share their received_at
RENDERED: list[bool] = []
STEPS = ("start", "digest", "device_days", "sorties", "uploads", "map", "assessment", "store", "total",
         "render html", "render pdf")


def build_trial(url: str, first: date, drones: int) -> tuple[Any, uuid.UUID, list[uuid.UUID], Any]:
    """An active UAV trial whose plan runs from ``first`` to a month after today, with ``drones`` enrolled drones.

    Returns the settings, the trial's id, the drones' ids and the evaluator (an `Actor`)."""
    from sandbox.auth.roles import Role
    from sandbox.auth.schemas import UserCreate
    from sandbox.auth.users import actor_of, create_staff_user
    from sandbox.config import load_settings
    from sandbox.db import make_engine, make_session_factory
    from sandbox.db.migrate import upgrade
    from sandbox.demo.plans import uav_plan
    from sandbox.trials import devices, organisations, products, schemas, service, transitions
    from sandbox.trials.commands import Activate, Approve, Recommend, StartReview, Submit
    from sandbox.trials.kinds import ApplicationArea, ProductKind, ProductLine
    from sandbox.trials.plan import content_from_document
    from sandbox.trials.states import Recommendation

    settings = load_settings({"DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://"),
                              "SANDBOX_DATA_DIR": "/tmp/sandbox-bench", "SANDBOX_PASSWORD_HASHING": "fast",
                              "SANDBOX_LOG_LEVEL": "WARNING"})
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine).begin() as db:
        def staff(admin: Any, role: Role, email: str) -> Any:
            user = UserCreate(email=email, full_name=email.split("@")[0], password="bench-password", role=role)
            return actor_of(create_staff_user(db, admin, user, settings))
        admin = staff(None, Role.ADMIN, "admin@bench.test")
        evaluator, policy = staff(admin, Role.EVALUATOR, "eval@bench.test"), staff(admin, Role.POLICY, "pol@bench.test")
        _, user = organisations.register(db, schemas.Registration(
            organisation=schemas.OrganisationCreate(
                name="Bench Agri Drones", tax_code="1800123450", contact_name="Bench", contact_email="uav@bench.test",
                contact_phone="+84 292 3831 000", address="Cần Thơ"),
            user=schemas.MemberCreate(email="uav@bench.test", full_name="Bench", password="bench-password")), settings)
        startup = actor_of(user)
        product = products.create_product(db, startup, schemas.ProductCreate(
            kind=ProductKind.AGRI_UAV, name="Bench A30", manufacturer="Bench", model="A30", product_line=ProductLine.UAV,
            application_area=ApplicationArea.AGRICULTURE, specs=schemas.ProductSpecs(26.5, 2.5, 10.0)))
        plan = content_from_document(uav_plan(first, local_today() + timedelta(days=30)))
        trial = service.create_trial(db, startup, schemas.TrialCreate(product.id, plan), settings)
        ids = [devices.enrol_device(db, startup, trial.id, schemas.DeviceEnrol(serial=f"BENCH-{n:02d}", model="A30"),
                                    settings)[0].id for n in range(drones)]
        for actor, step in ((startup, Submit()), (evaluator, StartReview()),
                            (evaluator, Recommend(Recommendation.APPROVE, "Đạt")),
                            (policy, Approve(conditions=["Không phun khi gió trên 5 m/s"])), (startup, Activate())):
            transitions.apply_transition(db, actor, trial.id, step, settings)
        trial_id = trial.id
    engine.dispose()
    return settings, trial_id, ids, evaluator


def drone_morning(job: tuple[int, int, uuid.UUID, uuid.UUID, datetime, datetime]) -> list[tuple]:
    """One drone's morning from the simulator, as the ingester's rows (`row_columns(UAV_SAMPLES)` order)."""
    seed, day_index, device, trial, start, until = job
    samples = [s for s in UavSim(ring("vi_tan"), seed=seed).work(start, until) if isinstance(s, UavSample)]
    delays = np.random.default_rng(seed).uniform(0.3, 1.5, len(samples) // MESSAGE + 1)
    base = day_index * 1_000_000  # the drone's counter: a million a morning leaves room
    rows = []
    for m, first in enumerate(range(0, len(samples), MESSAGE)):
        chunk = samples[first:first + MESSAGE]
        received = chunk[-1].t + timedelta(seconds=float(delays[m]))
        rows += [(base + s.seq, *msgspec.structs.astuple(s)[1:], device, trial, received) for s in chunk]
    return rows


def mornings(trial: uuid.UUID, drones: list[uuid.UUID], first: date, seed: int) -> Iterator[tuple]:
    """Every drone's morning, Monday to Saturday from ``first``: two drones in the air at a time, pairs one after
    the other in the window (the plan allows two aircraft at once)."""
    slots = math.ceil(len(drones) / 2)
    length = (datetime.combine(first, WINDOW[1]) - datetime.combine(first, WINDOW[0])) / slots
    day, index = first, 0
    while True:
        if day.weekday() != 6:
            opens = datetime.combine(day, WINDOW[0], UTC) - LOCAL_OFFSET
            for n, device in enumerate(drones):
                start = opens + (n // 2) * length + timedelta(minutes=3 * (n % 2))
                yield seed * 1_000_003 + index * 101 + n, index, device, trial, start, opens + (n // 2 + 1) * length
            index += 1
        day += timedelta(days=1)


class Loader:
    """Writes the simulated mornings in arrival order, up to a number of rows; the rest of a day waits its turn."""

    def __init__(self, settings: Any, jobs: Iterator[tuple], drones: int) -> None:
        from sandbox.db import make_engine
        from sandbox.telemetry.store.partitions import Partitions
        self.pool = multiprocessing.get_context("fork").Pool(2)
        self.engine = make_engine(settings.database_url)
        self.partitions = Partitions(self.engine)
        self.jobs, self.ahead = jobs, deque[AsyncResult]()
        self.drones, self.pending, self.stored, self.seconds, self.copy_seconds = drones, [], 0, 0.0, 0.0

    def _next_day(self) -> list[tuple]:
        while len(self.ahead) < 2 * self.drones:  # the workers simulate a day ahead, no more
            self.ahead.append(self.pool.apply_async(drone_morning, (next(self.jobs),)))
        rows = [row for _ in range(self.drones) for row in self.ahead.popleft().get()]
        rows.sort(key=lambda row: (row[-1], row[1]))  # arrival order: received, then sample time
        moments = {row[1].date() for row in rows}  # UTC days: a Cần Thơ morning starts the UTC day before
        self.partitions.ensure({d + timedelta(days=k) for d in moments for k in (-1, 0, 1)})
        return rows

    def load_to(self, total: int) -> None:
        from sandbox.telemetry.store.tables import UAV_SAMPLES
        from sandbox.telemetry.store.writer import insert_new
        began = time.perf_counter()
        while self.stored < total:
            rows = self.pending or self._next_day()
            rows, self.pending = rows[:total - self.stored], rows[total - self.stored:]
            copy = time.perf_counter()
            for start in range(0, len(rows), 50_000):
                with self.engine.begin() as connection:
                    insert_new(connection, UAV_SAMPLES, rows[start:start + 50_000])
            self.copy_seconds += time.perf_counter() - copy
            self.stored += len(rows)
        self.seconds += time.perf_counter() - began

    def catch_up(self) -> tuple[int, float]:
        """The rollup keeper's rounds until nothing is left: the minutes done and the seconds it took."""
        from sandbox.clock import utcnow
        from sandbox.telemetry.store.upkeep import catch_up
        began, done = time.perf_counter(), 0
        while True:
            with self.engine.begin() as connection:
                did = catch_up(connection, utcnow(), 500_000)
            if not did:
                return done, time.perf_counter() - began
            done += did

    def close(self) -> None:
        self.pool.terminate()
        self.engine.dispose()


def settle(url: str) -> dict[str, int]:
    """Vacuum, analyse and checkpoint after a load, as the ingest benchmark does before a phase; count the rows."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) uav_samples")
        connection.execute("CHECKPOINT")
        rows, size = connection.execute(
            "SELECT (SELECT count(*) FROM uav_samples), (SELECT sum(pg_total_relation_size(inhrelid)) "
            "FROM pg_inherits WHERE inhparent = 'uav_samples'::regclass)").fetchone() or (0, 0)
    return {"rows": int(rows), "bytes": int(size or 0)}


def make_cold(database: Any) -> str:
    """Restart the server (its shared buffers empty) and, when allowed, drop the OS page cache."""
    database.pause()
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return database.resume() or "server restarted (the OS page cache could not be dropped: not root)"
    return database.resume() or "server restarted, OS page cache dropped"


def evaluate_once(settings: Any, trial_id: uuid.UUID, evaluator: Any) -> tuple[dict[str, float], dict[str, Any]]:
    """One evaluation with the default parameters, timed step by step; then its HTML and PDF renderings."""
    from sandbox.db import make_engine, make_session_factory
    from sandbox.evaluation import service
    from sandbox.evaluation.parameters import EvaluationParameters
    from sandbox.evaluation.rendering import render_html, render_pdf
    marks: list[tuple[str, float]] = []
    assess = service.assess

    def timed_assess(*args: Any, **kwargs: Any) -> Any:  # marks the end of the assessment: the store starts
        content = assess(*args, **kwargs)
        marks.append(("store", time.perf_counter()))
        return content

    engine = make_engine(settings.database_url)
    service.assess = timed_assess  # type: ignore[assignment]
    try:
        with make_session_factory(engine)() as db:
            marks.append(("start", time.perf_counter()))
            report = service.evaluate(db, evaluator, trial_id, EvaluationParameters(),
                                      lambda step: marks.append((step, time.perf_counter())))
            db.commit()
            done = time.perf_counter()
            content = service.content_of(report)
            common = {"version": report.version, "status": str(report.status),
                      "provenance": {"fingerprint": report.fingerprint, "until": report.until.isoformat()}}
    finally:
        service.assess = assess  # type: ignore[assignment]
        engine.dispose()
    times = {step: end - began for (step, began), (_, end) in zip(marks, [*marks[1:], ("", done)], strict=True)}
    times["total"] = done - marks[0][1]
    if not RENDERED:  # the process's first rendering loads fonts and styles: not the report's cost
        render_html(content, "vi", **common), render_pdf(content, "vi", **common)
        RENDERED.append(True)
    began = time.perf_counter()
    html = render_html(content, "vi", **common)
    times["render html"], began = time.perf_counter() - began, time.perf_counter()
    pdf = render_pdf(content, "vi", **common)
    times["render pdf"] = time.perf_counter() - began
    facts = {"decision": content.recommendation.decision, "html_kb": len(html) // 1024, "pdf_kb": len(pdf) // 1024,
             **{k.code: f"{k.estimate or 0:.4g} ({k.clusters} clusters)" for k in content.kpis}}
    return times, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--drones", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the cluster running for inspection")
    args = parser.parse_args()
    sizes = sorted(set(args.samples))

    import scipy.stats  # noqa: F401 - imported by the assessment on first use: not the first run's cost
    import statsmodels.api  # noqa: F401

    from tests.services.postgres import ThrowawayPostgres

    operating = math.ceil(sizes[-1] / (args.drones * PER_DRONE_DAY)) + 1
    first = local_today() - timedelta(days=math.ceil(operating * 7 / 6) + 2)  # Sundays off
    database = ThrowawayPostgres().start()
    loader = None
    results: dict[str, dict[str, float]] = {}
    try:
        with psycopg.connect(database.url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
        url = database.url.rsplit("/", 1)[0] + "/bench"
        settings, trial_id, drones, evaluator = build_trial(url, first, args.drones)
        console.print(f"trial {trial_id}: {args.drones} drones from {first}; PostgreSQL at {url}")
        loader = Loader(settings, mornings(trial_id, drones, first, args.seed), args.drones)
        for size in sizes:
            console.print(f"loading up to {size:,} samples …")
            loader.load_to(size)
            minutes, kept_s = loader.catch_up()
            console.print(f"  rollup keeper: {minutes:,} drone-minutes in {kept_s:.1f} s")
            stored = settle(url)
            console.print(f"  {loader.stored:,} in {loader.seconds:.0f} s ({loader.stored / loader.seconds:,.0f} "
                          f"samples/s simulated and written; COPY {loader.copy_seconds:.0f} s); uav_samples "
                          f"{stored['rows']:,} rows, {stored['bytes'] / 2**30:.2f} GiB with indexes")
            console.print(f"  cold: {make_cold(database)}")
            for run in ("cold", "warm"):
                times, facts = evaluate_once(settings, trial_id, evaluator)
                results[f"{size / 1e6:g} M {run}"] = times
                console.print(f"  {run}: {times['total']:.2f} s, {facts}")
    finally:
        if loader is not None:
            loader.close()
        if args.keep:
            as_owner = "runuser -u postgres -- " if os.geteuid() == 0 else ""
            console.print(f"kept: {database.url.rsplit('/', 1)[0]}/bench; stop it with {as_owner}{database.bindir}/pg_ctl "
                          f"-D {database.directory}/data stop && rm -rf {database.directory}")
        else:
            database.stop()

    table = Table(title=f"Evaluation of a UAV trial on {os.cpu_count()} cores (seconds)")
    table.add_column("step")
    for name in results:
        table.add_column(name, justify="right")
    for step in STEPS:
        table.add_row(step, *(f"{times.get(step, 0.0):.2f}" for times in results.values()))
    console.print(table)


if __name__ == "__main__":
    main()
