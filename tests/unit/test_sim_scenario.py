"""Scenario files: the shipped ones run, mistakes are named with their place, same file and seed, same streams."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from sandbox.cli import main
from sandbox.telemetry import contract
from sims.load import sample
from sims.scenario import SCENARIOS, ScenarioError, load, load_of, streams

TODAY = date(2026, 11, 24)  # a Tuesday


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


DRONE = """
name = "t"
seed = 4
first_day = "2026-11-23"
[[devices]]
name = "drone-1"
kind = "agri_uav"
windows = ["06:00-06:30"]
rate_hz = 2
"""


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_starts_its_devices(path: Path) -> None:
    scenario = load(path)
    made = streams(scenario, TODAY)
    assert [s.name for s in made] == [d.name for d in scenario.devices]
    if scenario.load is not None:
        now = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)  # noon in Can Tho
        offered = load_of(scenario, [(f"d{n}", "s") for n in range(scenario.load.devices)], "SB-2026-0001", TODAY, now)
        assert contract.validated(sample(0, offered.first_time, offered.where)) is not None
        assert offered.first_time + offered.span_s <= now.timestamp()
    for stream in made:
        first = [next(stream.items) for _ in range(50)]
        assert all(contract.validated(item) is not None for item in first)
        assert [i.t for i in first] == sorted(i.t for i in first)
        assert first[0].t.date() >= scenario.start_day(TODAY) - timedelta(days=1)


def test_the_same_scenario_writes_the_same_items_and_another_seed_others(tmp_path: Path) -> None:
    path = write(tmp_path, DRONE)
    runner = CliRunner()
    outs = []
    for n, text in enumerate((DRONE, DRONE, DRONE.replace("seed = 4", "seed = 5"))):
        path.write_text(text, encoding="utf-8")
        out = tmp_path / f"out-{n}.jsonl"
        result = runner.invoke(main, ["sim", str(path), "--out", str(out), "--today", "2026-11-24"])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0] != outs[2]
    lines = [msgspec.json.decode(line) for line in outs[0].splitlines()]
    kinds = Counter(line["channel"] for line in lines)
    assert kinds["telemetry"] > 1000 and kinds["event"] >= 4  # take-off, landing...
    assert lines[0]["item"]["t"].startswith("2026-11-22T23:")  # 06:00 in Can Tho is 23:00 UTC the day before


def test_faults_happen_when_scheduled_and_a_flight_outside_the_window_is_added(tmp_path: Path) -> None:
    text = DRONE + """
faults = [
    { kind = "height_excursion", at = "06:10", duration_s = 20 },
    { kind = "link_loss", at = "06:15", duration_s = 60 },
    { kind = "outside_window", at = "12:00" },
]
"""
    [stream] = streams(load(write(tmp_path, text)), TODAY)
    items = list(stream.items)
    fault_at = datetime(2026, 11, 22, 23, 10, tzinfo=UTC)
    high = [i for i in items if isinstance(i, contract.UavSample) and i.height_agl_m == 60.0]
    assert len(high) == 40 and high[0].t >= fault_at and high[-1].t < fault_at + timedelta(seconds=20)
    assert [(f.kind, f.at, f.duration_s) for f in stream.wire_faults] == [
        ("link_loss", datetime(2026, 11, 22, 23, 15, tzinfo=UTC), 60.0)]
    noon = [i for i in items if i.t >= datetime(2026, 11, 23, 5, tzinfo=UTC)]  # 12:00 in Can Tho
    assert noon and any(isinstance(i, contract.UavSample) and i.armed for i in noon)
    assert noon[-1].t < datetime(2026, 11, 23, 6, tzinfo=UTC)


@pytest.mark.parametrize(("change", "message"), [
    (("windows = [\"06:00-06:30\"]", "windows = [\"06:30-06:00\"]"), "window '06:30-06:00' is not HH:MM-HH:MM"),
    (("rate_hz = 2", "rate_hz = 2\nplace = \"hanoi\""), "no place 'hanoi'; known: vi_tan"),
    (("rate_hz = 2", "rate_hz = 2\nfaults = [{ kind = \"meteor\", at = \"06:10\" }]"), "faults[0]: unknown fault 'meteor'"),
    (("rate_hz = 2", "rate_hz = 2\nfaults = [{ kind = \"gps_loss\", at = \"6 o'clock\" }]"), "is not a time of day"),
    (("rate_hz = 2", "rate_hz = 2\nfaults = [{ kind = \"gps_loss\", at = \"06:10\", day = 3 }]"), "day 3 is after"),
    (("rate_hz = 2", "rate_hz = 2\ncolour = \"red\""), "Object contains unknown field `colour` - at `$.devices[0]`"),
    (("kind = \"agri_uav\"", "kind = \"tractor\""), "Invalid enum value 'tractor' - at `$.devices[0].kind`"),
    (("first_day = \"2026-11-23\"", "first_day = \"yesterday\""), "first_day 'yesterday' is neither a date"),
    (("name = \"t\"", "name = \"t\"\ndays = 0"), "Expected `int` >= 1 - at `$.days`"),
    (("seed = 4", "seed = [4"), "not TOML"),
    (("rate_hz = 2", "rate_hz = 2\nvda5050 = { manufacturer = \"RobotNK\", serial = \"1\" }"),
     "devices[0] (drone-1): only a robot (amr) speaks VDA 5050, not a agri_uav"),
    (("kind = \"agri_uav\"", "kind = \"amr\"\nvda5050 = { manufacturer = \"RobotNK\", serial = \"1\", version = \"1.1\" }"),
     "devices[0] (drone-1).vda5050: version '1.1' is not one of 2.0.0, 2.1.0, 3.0.0"),
    (("kind = \"agri_uav\"", "kind = \"amr\"\nvda5050 = { manufacturer = \"Robot/NK\", serial = \"1\" }"),
     "at `$.devices[0].vda5050.manufacturer`"),
])
def test_a_mistake_in_a_scenario_is_named_with_its_place(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load(write(tmp_path, DRONE.replace(*change)))
    assert message in str(raised.value) and str(tmp_path) in str(raised.value)


def test_two_devices_of_one_name_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="two devices are called 'drone-1'"):
        load(write(tmp_path, DRONE + DRONE[DRONE.index("[[devices]]"):]))
    with pytest.raises(ScenarioError, match="there is no such file"):
        load(tmp_path / "missing.toml")


def test_the_command_says_what_is_missing_and_exits_non_zero(tmp_path: Path) -> None:
    runner = CliRunner(env={"LANG": "en_US.UTF-8"})
    path = write(tmp_path, DRONE)
    unknown = runner.invoke(main, ["sim", "no-such-scenario"])
    assert unknown.exit_code != 0 and "Shipped scenarios: campus-robot, campus-robot-vda5050, every-fault" in unknown.output
    no_trial = runner.invoke(main, ["sim", str(path)])
    assert no_trial.exit_code != 0 and "--trial" in no_trial.output
    no_keys = runner.invoke(main, ["sim", str(path), "--trial", "SB-2026-0001"])
    assert no_keys.exit_code != 0 and "--credentials is needed" in no_keys.output
    keys = tmp_path / "keys.json"
    keys.write_text('{"drone-2": {"device": "x", "secret": "y"}}')
    wrong = runner.invoke(main, ["sim", str(path), "--trial", "SB-2026-0001", "--credentials", str(keys)])
    assert wrong.exit_code != 0 and "id and secret of every device (drone-1)" in wrong.output
    bad_broker = runner.invoke(main, ["sim", str(path), "--trial", "SB-2026-0001", "--credentials", str(keys),
                                      "--broker", "http://x"])
    assert bad_broker.exit_code != 0


def test_a_robot_of_a_scenario_may_speak_vda5050() -> None:
    [stream] = streams(load(SCENARIOS / "campus-robot-vda5050.toml"), TODAY)
    assert stream.dialect is not None and stream.dialect.topic(contract.Channel.TELEMETRY) == \
        "uagv/v2/RobotNK/NKC-0001/state"
    [plain] = streams(load(SCENARIOS / "campus-robot.toml"), TODAY)
    assert plain.dialect is None


LOAD = """
name = "load"
first_day = "2026-11-23"
[load]
devices = 4
messages_per_s = 200
samples_per_message = 50
seconds = 10
publishers = 2
at = "06:00"
"""


def test_a_load_scenario_becomes_a_load_over_its_field_in_the_past(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, LOAD))
    devices = [(f"d{n}", "s") for n in range(4)]
    offered = load_of(scenario, devices, "SB-2026-0001", TODAY, datetime(2026, 11, 24, 5, tzinfo=UTC))
    assert (offered.messages, offered.samples_per_message, offered.publishers) == (2_000, 50, 2)
    assert offered.span_s == pytest.approx(500 * 50 * 0.01)  # 500 messages of 50 samples a device, 10 ms apart
    assert datetime.fromtimestamp(offered.first_time, UTC) == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 06:00 local
    assert 9.778 < offered.where[0] < 9.783 and 105.465 < offered.where[1] < 105.470  # inside the Vị Tân field
    with pytest.raises(ScenarioError, match="into the future"):
        load_of(scenario, devices, "SB-2026-0001", TODAY, datetime(2026, 11, 22, 23, 2, tzinfo=UTC))


@pytest.mark.parametrize(("change", "message"), [
    (("publishers = 2", "publishers = 5"), "load: 5 publishers for 4 device(s)"),
    (("at = \"06:00\"", "at = \"dawn\""), "load: at 'dawn' is not a time of day"),
    (("at = \"06:00\"", "place = \"hanoi\""), "load: no place 'hanoi'"),
    (("devices = 4", "devices = 0"), "Expected `int` >= 1 - at `$.load.devices`"),
    (("[load]", "[[devices]]\nname = \"d\"\nkind = \"amr\"\n[load]"), "a scenario has [[devices]] or a [load]"),
])
def test_a_mistake_in_a_load_scenario_is_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load(write(tmp_path, LOAD.replace(*change)))
    assert message in str(raised.value)


def test_a_load_is_sent_not_written_and_needs_enough_credentials(tmp_path: Path) -> None:
    runner = CliRunner(env={"LANG": "en_US.UTF-8"})
    path = write(tmp_path, LOAD)
    written = runner.invoke(main, ["sim", str(path), "--out", str(tmp_path / "x.jsonl")])
    assert written.exit_code != 0 and "A load scenario is sent, not written" in written.output
    keys = tmp_path / "keys.json"
    keys.write_text('{"a": {"device": "x", "secret": "y"}}')
    few = runner.invoke(main, ["sim", str(path), "--trial", "SB-2026-0001", "--credentials", str(keys)])
    assert few.exit_code != 0 and "every device (N = 4): missing or wrong 4 devices, found 1" in few.output
