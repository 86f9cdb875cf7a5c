"""The rollups say what the rows say, at any cut-off, on both databases, however samples arrive and however far
the keeper has caught up.

Drones sampled at irregular rates, armed and disarmed, spraying on and off, with silences around the sortie gap
and samples received hours late, are written in shuffled batches with repeats — with the keeper never run, run
now and then while they arrive, or caught up after; minutes, sorties and spraying seconds read at many cut-offs
are compared with the same sums computed here, sample by sample, from the rows.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sandbox.config import Settings
from sandbox.db import make_engine
from sandbox.telemetry.store import rollups, sorties, upkeep
from sandbox.telemetry.store.partitions import Partitions
from sandbox.telemetry.store.tables import UAV_SAMPLES
from sandbox.telemetry.store.writer import insert_new, row_columns

T0 = datetime(2026, 11, 20, 23, 58, 30, tzinfo=UTC)  # across a UTC midnight
GAP = timedelta(seconds=rollups.SORTIE_GAP_S)
COLUMNS = row_columns(UAV_SAMPLES)
AT = {name: COLUMNS.index(name) for name in COLUMNS}


def flight(rng: random.Random, device: uuid.UUID, trial: uuid.UUID, samples: int) -> list[tuple]:
    """A drone's rows: runs at 1–10 Hz, pauses that are just under, exactly at and over the sortie gap, and longer
    ones; armed and spraying switching now and then; a few samples received hours after they were taken."""
    rows, t, armed, spraying = [], T0, True, False
    for seq in range(1, samples + 1):
        roll = rng.random()
        if roll < 0.015:
            t += rng.choice([GAP - timedelta(microseconds=1), GAP, GAP, GAP + timedelta(microseconds=1),
                             timedelta(seconds=rng.uniform(31, 400))])
        else:
            if roll < 0.035:
                armed = not armed
            elif roll < 0.085:
                spraying = not spraying
            t += timedelta(microseconds=rng.choice([100_000, 200_000, 500_000, 1_000_000, 0]))  # 0: same instant
        late = timedelta(hours=rng.uniform(1, 5)) if rng.random() < 0.02 else timedelta(seconds=rng.uniform(0.1, 2))
        swath = None if rng.random() < 0.05 else rng.choice([5.0, 6.0, 7.5])
        rows.append((seq, t, 9.78 + rng.uniform(0, 1e-3), 105.47 + rng.uniform(0, 1e-3), 20.0, 5.0, 90.0, 80.0,
                     "AUTO", armed, spraying and armed, rng.uniform(0, 2), 10.0, swath, 3, 12, device, trial,
                     t + late))
    return rows


def expected_minutes(rows: list[tuple]) -> dict[tuple, tuple]:
    found: dict[tuple, list] = {}
    for row in rows:
        moment = row[AT["time"]]
        key = (row[AT["device_id"]], moment.replace(second=0, microsecond=0))
        n, seq_sum, low, high, first, last = found.get(key, (0, 0, None, None, None, None))
        seq = row[AT["seq"]]
        found[key] = (n + 1, seq_sum + seq, seq if low is None else min(low, seq), seq if high is None else max(high, seq),
                      moment if first is None else min(first, moment), moment if last is None else max(last, moment))
    return {key: tuple(value) for key, value in found.items()}


def expected_sorties(rows: list[tuple]) -> list[tuple]:
    """Sorties sample by sample: an armed sample within the gap of an armed one just before it continues its sortie."""
    by_device = defaultdict(list)
    for row in rows:
        by_device[row[AT["device_id"]]].append(row)
    found = []
    for device in sorted(by_device, key=str):
        previous, number = None, 0
        for row in sorted(by_device[device], key=lambda r: (r[AT["time"]], r[AT["seq"]])):
            if row[AT["armed"]]:
                gap = row[AT["time"]] - previous[AT["time"]] if previous is not None else None
                if gap is not None and gap <= GAP and previous[AT["armed"]]:
                    dt = gap.total_seconds()
                    sprayed = dt if row[AT["spraying"]] else 0.0
                    start, _, flight_s, spraying_s, litres, samples = found[-1][2:]
                    found[-1] = (device, number, start, row[AT["time"]], flight_s + dt, spraying_s + sprayed,
                                 litres + sprayed * row[AT["flow_rate_lpm"]] / 60.0, samples + 1)
                else:
                    number += 1
                    found.append((device, number, row[AT["time"]], row[AT["time"]], 0.0, 0.0, 0.0, 1))
            previous = row
    return found


def expected_seconds(rows: list[tuple]) -> dict[tuple, tuple]:
    found: dict[tuple, list] = {}
    for row in rows:
        if not row[AT["spraying"]] or row[AT["swath_width_m"]] is None:
            continue
        moment = row[AT["time"]]
        key = (row[AT["device_id"]], moment.replace(microsecond=0).timestamp())
        lons, lats, swaths = found.setdefault(key, ([], [], []))
        lons.append(row[AT["lon"]])
        lats.append(row[AT["lat"]])
        swaths.append(row[AT["swath_width_m"]])
    return {key: (np.mean(lons), np.mean(lats), min(swaths)) for key, (lons, lats, swaths) in found.items()}


LATER = T0 + timedelta(days=30)  # every row was received before: the keeper's "quiet since"


def caught_up(engine) -> int:
    done = 0
    while True:
        with engine.begin() as connection:
            did = upkeep.catch_up(connection, LATER, 500)
        if not did:
            return done
        done += did


@pytest.fixture(params=["not yet kept", "kept now and then", "caught up"])
def stored(settings: Settings, request: pytest.FixtureRequest):
    """Two drones of one trial, and one of them in another trial at the same times, written in shuffled batches;
    the keeper run as the parameter says."""
    rng = random.Random(11)
    trial, other, one, two = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rows = flight(rng, one, trial, 2_500) + flight(rng, two, trial, 2_500)
    stray = flight(rng, one, other, 300)
    engine = make_engine(settings.database_url)
    Partitions(engine).ensure({T0.date() + timedelta(days=n) for n in range(-1, 3)})
    arriving = rows + stray + rng.sample(rows, 300)  # and some delivered twice
    arriving.sort(key=lambda row: row[AT["received_at"]] + timedelta(seconds=rng.uniform(-3, 3)))
    position, batches = 0, 0
    while position < len(arriving):
        size = rng.randint(1, 400)
        with engine.begin() as connection:
            insert_new(connection, UAV_SAMPLES, arriving[position:position + size])
            batches += 1
            if request.param == "kept now and then" and batches % 3 == 0:
                upkeep.catch_up(connection, LATER, 60)
        position += size
    if request.param == "caught up":
        assert caught_up(engine) > 0
    yield engine, trial, rows
    engine.dispose()


def cut_offs(rows: list[tuple]) -> list[datetime]:
    times = sorted(row[AT["time"]] for row in rows)
    received = sorted(row[AT["received_at"]] for row in rows)
    middle = times[len(times) // 2]
    return [times[0], middle, middle.replace(second=0, microsecond=0), middle + timedelta(seconds=0.05),
            times[-1], received[-1], received[-1] + timedelta(microseconds=1), received[len(received) * 3 // 4],
            times[-1] + timedelta(days=1)]


def before(rows: list[tuple], until: datetime) -> list[tuple]:
    return [row for row in rows if row[AT["time"]] < until and row[AT["received_at"]] < until]


def test_minutes_are_the_rows_summed_at_every_cut_off(stored) -> None:
    engine, trial, rows = stored
    with engine.connect() as connection:
        for until in cut_offs(rows):
            found = {(m.device_id, m.minute): (m.rows, m.seq_sum, m.first_seq, m.last_seq, m.first_time, m.last_time)
                     for m in rollups.minutes(connection, UAV_SAMPLES, trial, until)}
            assert found == expected_minutes(before(rows, until)), until


def test_sorties_joined_from_pieces_are_the_sorties_of_the_rows(stored) -> None:
    engine, trial, rows = stored
    with engine.connect() as connection:
        for until in cut_offs(rows):
            found = [(s.device_id, s.number, s.start, s.end, s.flight_s, s.spraying_s, s.litres, s.samples)
                     for s in sorties.sorties_of(sorties.sortie_pieces(connection, trial, until))]
            wanted = expected_sorties(before(rows, until))
            assert len(found) == len(wanted), until
            for got, want in zip(found, wanted, strict=True):
                assert got[:4] == want[:4] and got[7] == want[7], until
                assert got[4:7] == pytest.approx(want[4:7], rel=1e-9, abs=1e-9), until
    assert len(wanted) > 20  # at the last cut-off, every sample: sorties of both drones


def test_spraying_seconds_are_the_rows_averaged_at_every_cut_off(stored) -> None:
    engine, trial, rows = stored
    with engine.connect() as connection:
        for until in cut_offs(rows):
            tracks = sorties.spraying_seconds(connection, trial, until)
            found = {(device, t): (lon, lat, swath) for device, seconds in tracks.items() for t, lon, lat, swath
                     in zip(seconds.t_s, seconds.lon, seconds.lat, seconds.swath_m, strict=True)}
            wanted = expected_seconds(before(rows, until))
            assert found.keys() == wanted.keys(), until
            assert all(found[key] == pytest.approx(wanted[key], rel=1e-12) for key in wanted), until
            assert all(np.all(np.diff(seconds.t_s) > 0) for seconds in tracks.values())  # in time order


def test_a_rebuild_gives_the_rollups_the_writer_kept(stored) -> None:
    engine, trial, _ = stored
    tables = (rollups.SERIES_MINUTES, rollups.UAV_SORTIE_PIECES, rollups.UAV_SPRAYING_SECONDS)

    def contents() -> list[list[tuple]]:
        with engine.connect() as connection:
            return [sorted(tuple(row) for row in connection.execute(table.select().where(table.c.trial_id == trial)))
                    for table in tables]

    caught_up(engine)
    kept = contents()
    assert all(kept)
    with engine.begin() as connection:
        upkeep.rebuild(connection, [UAV_SAMPLES])
    rebuilt = contents()
    for table, a, b in zip(tables, kept, rebuilt, strict=True):
        assert [[x for x in row if not isinstance(x, float)] for row in a] == \
            [[x for x in row if not isinstance(x, float)] for row in b], table.name
        assert [x for row in a for x in row if isinstance(x, float)] == \
            pytest.approx([x for row in b for x in row if isinstance(x, float)], rel=1e-9), table.name


def test_a_sample_arriving_late_during_a_read_is_not_read_at_an_earlier_cut_off(stored) -> None:
    """A late sample committed into a settled minute between finding the cut and reading the rollups: the read is
    made again, and what it gives is still what the rows said before the cut-off."""
    engine, trial, rows = stored
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite: a reading transaction holds its snapshot and a writer waits for it to end")
    until = max(row[AT["received_at"]] for row in rows) + timedelta(seconds=1)
    first = min(rows, key=lambda row: row[AT["time"]])
    late = (10**9, first[AT["time"]] + timedelta(microseconds=1), *first[2:-1], until + timedelta(hours=1))
    reads = []

    def read(cut: rollups.Cut) -> list:
        if not reads:  # the first read: meanwhile, the late sample arrives
            with engine.begin() as writer:
                insert_new(writer, UAV_SAMPLES, [late])
        reads.append(cut)
        return rollups.minutes_at(connection, UAV_SAMPLES, cut)

    with engine.connect() as connection:
        found = rollups.at_one_cut(connection, UAV_SAMPLES, trial, until, read)
    assert len(reads) == 2 and reads[0].fresh == () and reads[1].fresh != ()
    assert {(m.device_id, m.minute): (m.rows, m.seq_sum, m.first_seq, m.last_seq, m.first_time, m.last_time)
            for m in found} == expected_minutes(rows)


def test_the_keeper_leaves_a_minute_until_it_has_been_quiet_and_comes_back_when_it_gets_rows(settings: Settings) -> None:
    from sandbox.clock import utcnow
    from sandbox.telemetry.ingest.keeper import QUIET_S, RollupKeeper

    engine = make_engine(settings.database_url)
    now = utcnow()
    Partitions(engine).ensure({now.date() - timedelta(days=1), now.date()})
    trial, device = uuid.uuid4(), uuid.uuid4()
    sample = flight(random.Random(3), device, trial, 1)[0]
    at = now.replace(second=0, microsecond=0) - timedelta(minutes=5)
    row = (1, at, *sample[2:-1], now)  # received just now
    keeper = RollupKeeper(engine)
    with engine.begin() as connection:
        insert_new(connection, UAV_SAMPLES, [row])
    assert keeper.round() == 0  # not quiet yet
    with engine.begin() as connection:
        connection.execute(rollups.SERIES_MINUTES.update().values(
            received_until=now - timedelta(seconds=QUIET_S + 1)))
    assert keeper.round() == 1 and keeper.round() == 0

    def rolled() -> tuple:
        with engine.connect() as connection:
            m = rollups.SERIES_MINUTES.c
            return connection.execute(rollups.SERIES_MINUTES.select().with_only_columns(m.rows, m.rolled_rows)).one()

    assert tuple(rolled()) == (1, 1)
    with engine.begin() as connection:  # a late sample into the same minute makes it stale again
        insert_new(connection, UAV_SAMPLES, [(2, at + timedelta(seconds=1), *row[2:-1],
                                              now - timedelta(seconds=QUIET_S + 1))])
    assert tuple(rolled()) == (2, 1)
    assert keeper.round() == 1 and tuple(rolled()) == (2, 2)
    engine.dispose()
