"""Each fault injected into a simulated device raises the incident the live rules promise, and nothing else."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sandbox.telemetry import contract
from sims.amr import AmrSim, AmrSpec
from sims.faults import Fault, inject
from sims.uav import UavSim
from tests.integration.telemetry.conftest import Field, in_window_now
from tests.plans import plan

FIELD_RING = [tuple(point) for point in plan("agri_uav")["sites"][0]["geofence"]["coordinates"][0]]


def send_stream(field: Field, device: str, items: list) -> None:
    """Telemetry a second at a time (ten samples at 10 Hz), events as they come, in order, as a device would."""
    samples: list = []
    for item in items:
        if isinstance(item, contract.UavSample | contract.AmrSample):
            samples.append(item)
            if len(samples) == 10:
                field.send((field.topic(device), contract.encode(contract.Telemetry(samples=samples))))
                samples = []
        else:
            if samples:
                field.send((field.topic(device), contract.encode(contract.Telemetry(samples=samples))))
                samples = []
            field.send((field.topic(device, "event"), contract.encode(contract.Events(events=[item]))))
    if samples:
        field.send((field.topic(device), contract.encode(contract.Telemetry(samples=samples))))


def incidents(field: Field) -> list[dict]:
    return field.api.call("GET", f"/trials/{field.trial['id']}/incidents", "evaluator", expect=200,
                          limit=100)["items"]


def test_a_clean_flight_raises_nothing(field: Field) -> None:
    start = in_window_now()
    send_stream(field, field.drones[0], list(UavSim(FIELD_RING, seed=2).work(start, start + timedelta(minutes=15))))
    assert incidents(field) == []


def test_each_uav_fault_raises_its_incident_once(field: Field) -> None:
    start = in_window_now()
    faults = [
        Fault("geofence_breach", start + timedelta(seconds=200), 20),
        Fault("height_excursion", start + timedelta(seconds=260), 20),
        Fault("speed_excursion", start + timedelta(seconds=320), 20),
        Fault("gps_loss", start + timedelta(seconds=380), 20),
        Fault("battery_failure", start + timedelta(seconds=440), 20),
    ]
    flight = UavSim(FIELD_RING, seed=2).work(start, start + timedelta(minutes=15))
    send_stream(field, field.drones[0], list(inject(flight, faults)))
    found = incidents(field)
    assert Counter(i["category"] for i in found) == Counter(
        {"geofence_breach": 1, "height_exceeded": 1, "speed_exceeded": 1, "battery_critical": 1, "failsafe": 2})
    by_category = {i["category"]: i for i in found}
    for fault, category in zip(faults[:3], ("geofence_breach", "height_exceeded", "speed_exceeded"), strict=True):
        incident = by_category[category]
        assert not incident["ongoing"] and 190 <= incident["values"]["readings"] <= 200  # 20 s at 10 Hz
        assert incident["values"]["first"]["time"][:19] == fault.at.isoformat()[:19]
        assert incident["values"]["worst"]["excess"] > 0
    details = sorted(i["values"]["detail"] for i in found if i["category"] == "failsafe")
    assert details[0].startswith("GPS lost") and details[1].startswith("battery failsafe")


def test_a_robot_collision_reports_a_collision_and_an_emergency_stop_and_stands_still() -> None:
    """On the stream (the incidents these events raise are the live rules' tests' business)."""
    start = in_window_now()
    quiet = AmrSpec(obstacles_per_km=0.0, estops_per_100km=0.0, missions_per_hour=12.0)
    work = AmrSim(seed=3, spec=quiet).work(start, start + timedelta(minutes=60))
    items = list(inject(work, [Fault("collision", start + timedelta(minutes=6), 20)]))
    assert any(isinstance(i, contract.AmrEvent) and i.type == "collision" for i in items)
    stopped = [i for i in items if isinstance(i, contract.AmrSample) and i.emergency_stop]
    assert stopped and all(s.speed_mps == 0.0 for s in stopped)
    assert len(stopped) == 40  # 20 s at 2 Hz
