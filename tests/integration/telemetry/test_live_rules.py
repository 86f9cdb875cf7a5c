"""Live envelope rules on the stream: one incident per episode, closed when the device is back inside."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from sandbox.clock import LOCAL_TZ
from sandbox.telemetry import contract
from sandbox.telemetry.models import DevicePresence
from sandbox.telemetry.rules.silence import SILENCE_AFTER, check_silence
from tests.integration.telemetry.conftest import INSIDE, OUTSIDE, Field, batch, in_window_now, uav


def incidents(field: Field, **params) -> list[dict]:
    return field.api.call("GET", f"/trials/{field.trial['id']}/incidents", "evaluator", expect=200, **params)["items"]


def test_a_geofence_breach_is_one_incident_per_episode_with_its_worst_distance(field: Field) -> None:
    t0 = in_window_now()
    drone = field.drones[0]
    path = [INSIDE] * 3 + [(9.7830, 105.4670), OUTSIDE, (9.7830, 105.4670)] + [INSIDE] * 3 + [OUTSIDE] * 2
    samples = [uav(seq, t0 + timedelta(seconds=seq), at=point) for seq, point in enumerate(path)]
    field.send((field.topic(drone), batch(*samples[:5])))  # the episode starts in one batch…
    field.send((field.topic(drone), batch(*samples[5:])))  # …ends in the next, and a second one begins
    found = sorted(incidents(field), key=lambda i: i["started_at"])
    assert [(i["category"], i["severity"], i["ongoing"]) for i in found] == [
        ("geofence_breach", 4, False), ("geofence_breach", 4, True)]
    first = found[0]
    assert first["values"]["readings"] == 3 and first["source"] == "rule"
    # OUTSIDE is 0.0077° of latitude (≈ 850 m) north of the field's northern edge at 9.7823.
    assert 830 < first["values"]["worst"]["distance_outside_m"] < 870
    assert first["values"]["worst"]["lat"] == OUTSIDE[0]
    assert first["ended_at"] == (t0 + timedelta(seconds=6)).astimezone(LOCAL_TZ).isoformat()
    trial = field.api.call("GET", f"/trials/{field.trial['id']}", "policy", expect=200)
    assert trial["incidents_awaiting_review"] == 2  # severity 4: the trial is under suspension review


def test_redelivered_samples_do_not_raise_the_same_incident_twice(field: Field) -> None:
    t0 = in_window_now()
    message = (field.topic(field.drones[0]), batch(uav(1, t0, height=46.0), uav(2, t0 + timedelta(seconds=1))))
    field.send(message)
    field.send(message)
    [incident] = incidents(field)
    assert incident["category"] == "height_exceeded" and incident["severity"] == 4  # 46 m > 1.5 × 30 m
    assert incident["values"]["worst"]["height_agl_m"] == 46.0 and incident["values"]["readings"] == 1


def test_height_speed_battery_and_window_each_have_their_rule(field: Field) -> None:
    t0 = in_window_now()
    night = t0 - timedelta(hours=10)  # 21:00 the evening before in Can Tho: outside both daily windows, in the past
    field.send((field.topic(field.drones[0]), batch(
        uav(1, t0, height=31.0), uav(2, t0 + timedelta(seconds=1), speed=7.5),
        uav(3, t0 + timedelta(seconds=2), battery=9.0), uav(4, night), uav(5, night + timedelta(seconds=1), armed=False),
        uav(6, t0 + timedelta(seconds=3)),
    )))
    found = {i["category"]: i for i in incidents(field)}
    assert set(found) == {"height_exceeded", "speed_exceeded", "battery_critical", "outside_window"}
    assert (found["height_exceeded"]["severity"], found["speed_exceeded"]["severity"]) == (3, 2)
    assert not found["outside_window"]["ongoing"]  # a disarmed drone is not operating
    assert all(not i["ongoing"] for i in found.values())


def test_a_position_within_the_positioning_error_of_the_fence_is_not_a_breach(field: Field) -> None:
    """A drone taking off a metre inside the field's edge reads a few centimetres outside it now and then (the demo
    suspended its own drone trial for 7 cm). Within GEOFENCE_TOLERANCE_M it is not a breach; beyond, it is."""
    t0 = in_window_now()
    north = 9.7823  # the field's northern corner, at 105.4670
    path = [INSIDE, (north + 0.07 / 110_574, 105.4670), (north + 2.5 / 110_574, 105.4670), INSIDE,
            (north + 4.0 / 110_574, 105.4670), INSIDE]
    field.send((field.topic(field.drones[0]), batch(*[uav(seq, t0 + timedelta(seconds=seq), at=point)
                                                      for seq, point in enumerate(path)])))
    [incident] = incidents(field)
    assert incident["category"] == "geofence_breach" and incident["values"]["readings"] == 1
    assert incident["values"]["worst"]["distance_outside_m"] == 4.0


def test_a_drone_over_the_control_field_is_outside_its_geofence(field: Field) -> None:
    """The control field is sprayed by hand, without the product: it is a site of the plan, not of the drone."""
    over_control = (9.7800, 105.4730)  # inside RICE_FIELDS_VI_TAN_CONTROL, ≈ 420 m east of the trial field
    field.send((field.topic(field.drones[0]), batch(uav(1, in_window_now(), at=over_control))))
    [incident] = incidents(field)
    assert (incident["category"], incident["severity"]) == ("geofence_breach", 4)
    assert 410 < incident["values"]["worst"]["distance_outside_m"] < 430


def test_a_disarmed_drone_outside_the_field_is_not_a_breach(field: Field) -> None:
    field.send((field.topic(field.drones[0]), batch(uav(1, in_window_now(), at=OUTSIDE, armed=False))))
    assert incidents(field) == []


def test_device_events_raise_incidents_and_the_last_will_a_link_loss(field: Field) -> None:
    t0 = in_window_now()
    drone = field.drones[1]
    events = contract.encode(contract.Events(events=[
        contract.UavEvent(seq=1, t=t0, type="take_off"),
        contract.UavEvent(seq=2, t=t0 + timedelta(seconds=30), type="failsafe", detail="RC lost", lat=9.78, lon=105.47),
    ]))
    offline = contract.encode(contract.DeviceStatus(seq=1, t=t0 + timedelta(seconds=40), online=False))
    field.send((field.topic(drone, "event"), events), (field.topic(drone, "status"), offline))
    found = {i["category"]: i for i in incidents(field)}
    assert found["failsafe"]["source"] == "device" and found["failsafe"]["severity"] == 3
    assert found["failsafe"]["values"]["detail"] == "RC lost" and not found["failsafe"]["ongoing"]
    assert found["link_lost"]["ongoing"]
    field.send((field.topic(drone), batch(uav(1, t0 + timedelta(seconds=60)))))
    assert not {i["category"]: i for i in incidents(field)}["link_lost"]["ongoing"]


def test_people_acknowledge_and_close_incidents_and_report_their_own(field: Field) -> None:
    t0 = in_window_now()
    field.send((field.topic(field.drones[0]), batch(uav(1, t0, at=OUTSIDE), uav(2, t0 + timedelta(seconds=1)))))
    [breach] = incidents(field)
    base = f"/trials/{field.trial['id']}/incidents/{breach['id']}"
    field.api.call("POST", base + "/acknowledge", "alpha", {"note": "x"}, expect=403)
    field.api.call("POST", base + "/acknowledge", "policy", {"note": "Đã liên hệ phi công"}, expect=201)
    trial = field.api.call("GET", f"/trials/{field.trial['id']}", "policy", expect=200)
    assert trial["incidents_awaiting_review"] == 0
    closed = field.api.call("POST", base + "/close", "evaluator", {"resolution": "Gió giật, đã siết quy trình"},
                            expect=201)
    assert closed["status"] == "closed"
    reported = field.api.call("POST", f"/trials/{field.trial['id']}/incidents", "alpha", {
        "category": "property_damage", "severity": 2, "occurred_at": t0.isoformat(),
        "description": "Thuốc bay sang ruộng bên cạnh", "device_id": field.drones[0]}, expect=201)
    assert reported["source"] == "person" and reported["report_due_at"] > reported["started_at"]
    problem = field.api.call("POST", f"/trials/{field.trial['id']}/incidents", "alpha", {
        "category": "injury", "severity": 6, "occurred_at": t0.isoformat(), "description": "x"}, expect=422)
    assert problem["errors"][0]["pointer"] == "#/severity"
    assert field.api.call("GET", f"/trials/{field.trial['id']}/incidents", "beta", expect=404)


def test_a_device_gone_quiet_mid_operation_is_reported_silent(field: Field) -> None:
    t0 = in_window_now()
    field.send((field.topic(field.drones[0]), batch(uav(1, t0))), now=t0)  # heard at 07:00
    with field.pipeline.sessions.begin() as db:
        # Backdate the moment it was heard to the sample's own time, as if we were living at t0.
        db.execute(update(DevicePresence).values(last_received_at=t0))
    registry = field.pipeline.registry
    with field.pipeline.sessions.begin() as db:
        assert check_silence(db, registry, t0 + SILENCE_AFTER) == 0  # not yet
        assert check_silence(db, registry, t0 + SILENCE_AFTER + timedelta(seconds=1)) == 1
        assert check_silence(db, registry, t0 + SILENCE_AFTER + timedelta(seconds=30)) == 0  # once per episode
    [silent] = incidents(field, status="open")
    assert silent["category"] == "device_silent" and silent["ongoing"]
    field.send((field.topic(field.drones[0]), batch(uav(2, t0 + timedelta(minutes=3)))))
    assert not incidents(field)[0]["ongoing"]
    other = field.drones[1]  # never heard today: grounded, not silent
    assert all(i["device_id"] != other for i in incidents(field))


def test_samples_after_a_lost_link_in_the_same_batch_close_it(field: Field) -> None:
    t0 = in_window_now()
    drone = field.drones[0]
    offline = contract.encode(contract.DeviceStatus(seq=1, t=t0, online=False))
    field.send((field.topic(drone, "status"), offline),
               (field.topic(drone), batch(uav(1, t0 - timedelta(seconds=5)), uav(2, t0 + timedelta(seconds=5)))))
    [lost] = incidents(field)
    assert lost["category"] == "link_lost" and not lost["ongoing"]
    assert lost["ended_at"] == (t0 + timedelta(seconds=5)).astimezone(LOCAL_TZ).isoformat()


def test_a_will_in_the_batch_of_the_samples_before_it_is_dated_by_them_whatever_table_came_first(field: Field) -> None:
    # The device said it was online at t0 (its will was written then), sent three minutes of samples and lost its
    # link; all of it arrives in one batch, the status first: the link was lost after the last sample, not at t0.
    t0 = in_window_now()
    drone = field.drones[0]
    online = contract.encode(contract.DeviceStatus(seq=1, t=t0, online=True))
    will = contract.encode(contract.DeviceStatus(seq=2, t=t0, online=False))
    samples = [uav(seq, t0 + timedelta(seconds=seq)) for seq in range(0, 181, 10)]
    field.send((field.topic(drone, "status"), online), (field.topic(drone), batch(*samples)),
               (field.topic(drone, "status"), will))
    [lost] = incidents(field)
    assert lost["category"] == "link_lost" and lost["ongoing"]
    assert lost["started_at"] == (t0 + timedelta(seconds=180)).astimezone(LOCAL_TZ).isoformat()
