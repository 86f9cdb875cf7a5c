"""Gather what the evaluation of a trial reads, from the registry, the time-series store and the uploads.

The one service module that fetches data for the statistical core: it asks the store for per-cluster
sums (`data`, `camera_days`, `robot_missions`, `device_days`), measures the sprayed area of each sortie
and day from the thinned spraying track (`geometry`), and returns plain `EvaluationInputs`. Everything is
read up to the cut-off ``until``: samples taken and received before it, incidents started before it,
uploads recorded before it, so that a report can be made again from the same data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, func, literal_column, select, text
from sqlalchemy.orm import Session

from sandbox.clock import LOCAL_OFFSET_S, LOCAL_TZ
from sandbox.evaluation import camera_days, device_days, robot_missions
from sandbox.evaluation.data import Sortie, SprayingTrack, spraying_track, uav_sorties
from sandbox.evaluation.days import before_cut_off
from sandbox.evaluation.geometry import M2_PER_HA, Pass, field_utm, footprints, overlap_ha, passes
from sandbox.evaluation.inputs import (
    ClipTruth,
    EvaluationInputs,
    IncidentFact,
    ReferenceObservation,
    Respondent,
    SiteShape,
    SortieSums,
    SprayDay,
    Track,
    TrialFacts,
)
from sandbox.evaluation.models import FeedbackResponse, GroundTruthClip
from sandbox.evaluation.models import ReferenceObservation as ReferenceRow
from sandbox.telemetry.store.queries import time_bucket
from sandbox.telemetry.store.rollups import minutes
from sandbox.telemetry.store.tables import (
    AMR_SAMPLES,
    CAMERA_DETECTIONS,
    CAMERA_STATUS,
    SERIES,
    UAV_SAMPLES,
)
from sandbox.trials.incident_kinds import IncidentSource
from sandbox.trials.models import Incident, Trial

__all__ = ["gather"]

MAIN_STREAM = {"agri_uav": UAV_SAMPLES, "ai_camera": CAMERA_STATUS, "amr": AMR_SAMPLES}
MAP_POINTS = 2_000  # per device, at most: a map needs the shape of the tracks, not every second
MAP_TOLERANCE_DEG = 2e-6  # about 0.2 m: the first simplification of a drone's spraying track, doubled until it fits
THIN_M = 0.5  # m: a pass's track is simplified to within this before its footprint is drawn (swaths: metres)
Progress = Callable[[str], None]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _trial_facts(trial: Trial, plan: dict, version: int) -> TrialFacts:
    return TrialFacts(id=trial.id, reference=trial.reference, kind=str(trial.product.kind), title=plan.get("title"),
                      organisation=trial.organisation.name, product=trial.product.name, state=str(trial.state),
                      start_date=trial.start_date, end_date=trial.end_date, plan_version=version, plan=plan,
                      devices={str(d.id): d.serial for d in trial.devices})


def _sites(plan: dict) -> list[SiteShape]:
    found = []
    for site in plan.get("sites", []):
        geofence = site["geofence"]
        geometry = shape(geofence["geometry"] if geofence.get("type") == "Feature" else geofence)
        polygons = list(getattr(geometry, "geoms", [geometry]))
        coordinates = [[[list(p) for p in polygon.exterior.coords]] for polygon in polygons]
        found.append(SiteShape(site["name"], site.get("role", "trial"), coordinates))
    return found


def _operating_days(plan: dict, start: date | None, end: date | None) -> int:
    schedule = plan.get("schedule") or {}
    start = start or (date.fromisoformat(schedule["start_date"]) if schedule.get("start_date") else None)
    end = end or (date.fromisoformat(schedule["end_date"]) if schedule.get("end_date") else None)
    if start is None or end is None or end < start:
        return 0
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    days = {d for window in schedule.get("operating_windows", []) for d in window["days"]} or set(names)
    return sum(1 for n in range((end - start).days + 1) if names[(start + timedelta(days=n)).weekday()] in days)


def _digest(connection: Connection, trial_id: uuid.UUID, until: datetime) -> tuple[dict[str, list[int]],
                                                                                   datetime | None, datetime | None]:
    """Per series, the trial's rows before the cut-off and the sum of their numbers (from the store's minutes), and
    the first and last sample time of all of them."""
    digest, first, last = {}, None, None
    for name, table in SERIES.items():
        found = minutes(connection, table, trial_id, until)
        digest[name] = [sum(m.rows for m in found), sum(m.seq_sum for m in found)]
        if found:
            low, high = min(m.first_time for m in found), max(m.last_time for m in found)
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    return digest, first, last


def _thinned(run: Pass) -> Pass:
    """A pass with its track simplified to within ``THIN_M`` (Douglas–Peucker), its swath unchanged.

    On 10 M samples (bench/evaluation.py) the footprints' buffers, unions and pairwise intersections took 40 s,
    spent mostly on vertices that follow the GNSS jitter and the wind's wander along straight rows. Simplified,
    a row keeps its ends and turns, and the geometry takes about 5 s: days' sprayed areas and coverage moved by
    under 0.06 %, their overlap by under 0.3 %, single sorties' areas by up to 1.4 % (all of them −0.04 %)."""
    xy = shapely.get_coordinates(shapely.simplify(shapely.linestrings(run.x, run.y), THIN_M, preserve_topology=False))
    return Pass(xy[:, 0], xy[:, 1], run.swath_m)


def _spraying(sorties: list[Sortie], tracks: dict[uuid.UUID, SprayingTrack], sites: list[SiteShape]
              ) -> tuple[list[SortieSums], list[SprayDay]]:
    """Each sortie's sprayed area, and each local day's area, coverage of the trial's fields and overlap.

    The track is cut into (sortie, day) pieces and each piece's passes are buffered once; a sortie's area is the
    union of its pieces' unions, a day's the union of its pieces' unions, and its overlap is found among all its
    footprints. GEOS lets go of the GIL, so pieces and days are measured on every core (bench/evaluation.py: 4.8 s
    on one core, half on two)."""
    fields = [field_utm(polygon[0]) for site in sites if site.role == "trial" for polygon in site.polygons]
    pieces: list[tuple[uuid.UUID, int, date, list[Pass]]] = []
    for device, seconds in tracks.items():
        t, lon, lat, swath = seconds.t_s, seconds.lon, seconds.lat, seconds.swath_m
        own = [s for s in sorties if s.device_id == device]
        starts = np.array([s.start.timestamp() for s in own])
        index = np.searchsorted(starts, t, side="right") - 1 if own else np.full(t.size, -1)
        numbers = np.where(index >= 0, np.array([s.number for s in own] or [0])[np.maximum(index, 0)], 0)
        days = np.floor((t + LOCAL_OFFSET_S) / 86_400.0).astype(np.int64)  # local day numbers since the epoch
        # The track is in time order, so a (sortie, day) is a run of points: split where either changes.
        cuts = np.flatnonzero((np.diff(numbers) != 0) | (np.diff(days) != 0)) + 1
        for begin, end in zip(np.r_[0, cuts], np.r_[cuts, t.size], strict=True):
            runs = passes(t[begin:end], lon[begin:end], lat[begin:end], np.ones(end - begin, bool), swath[begin:end])
            day = (np.datetime64("1970-01-01") + int(days[begin])).astype(date)
            pieces.append((device, int(numbers[begin]), day, [_thinned(run) for run in runs]))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        drawn = list(pool.map(_drawn, (runs for *_, runs in pieces)))
        by_sortie: dict[tuple[uuid.UUID, int], list] = {}
        by_day: dict[date, tuple[list, list]] = {}  # the pieces' unions and footprints
        for (device, number, day, _), (found, union) in zip(pieces, drawn, strict=True):
            if len(found):
                by_sortie.setdefault((device, number), []).append(union)
                unions, prints = by_day.setdefault(day, ([], []))
                unions.append(union)
                prints.append(found)
        days_found = sorted(by_day.items())
        measured = list(pool.map(lambda item: _day_area(item[0], *item[1], fields), days_found))
    sums = [SortieSums(s.device_id, s.number, _local_day(s.start), s.start, s.flight_s / 3600.0,
                       s.spraying_s / 3600.0, s.litres,
                       shapely.union_all(by_sortie.get((s.device_id, s.number), [])).area / M2_PER_HA)
            for s in sorties]
    return sums, measured


def _drawn(runs: list[Pass]) -> tuple[np.ndarray, BaseGeometry]:
    found = footprints(runs)
    return found, shapely.union_all(found)


def _day_area(day: date, unions: list[BaseGeometry], prints: list[np.ndarray], fields: list[Polygon]) -> SprayDay:
    union = shapely.union_all(unions)
    return SprayDay(day, union.area / M2_PER_HA, sum(union.intersection(field).area for field in fields) / M2_PER_HA,
                    overlap_ha(np.concatenate(prints)), sum(field.area for field in fields) / M2_PER_HA)


def _clips(db: Session, connection: Connection, trial_id: uuid.UUID, until: datetime) -> list[ClipTruth]:
    d = CAMERA_DETECTIONS
    found = []
    for clip in db.scalars(select(GroundTruthClip).where(GroundTruthClip.trial_id == trial_id,
                                                         GroundTruthClip.labelled_at < until)
                           .order_by(GroundTruthClip.device_id, GroundTruthClip.start)):
        detections = connection.execute(
            select(d.c.track_id, d.c.label).where(d.c.device_id == clip.device_id, d.c.time >= clip.start,
                                                  d.c.time < clip.end, d.c.received_at < until)).all()
        labelled = {o["track_id"]: o["label"] for o in clip.objects if o.get("track_id")}
        seen = {track for track, _ in detections if track}
        correct = sum(1 for track, label in detections if track in labelled and labelled[track] == label)
        caught = sum(1 for o in clip.objects if o.get("track_id") in seen)
        found.append(ClipTruth(clip.id, clip.device_id, clip.start, (clip.end - clip.start).total_seconds(),
                               len(detections), correct, len(clip.objects),
                               caught))
    return found


def _spraying_tracks(tracks: dict[uuid.UUID, SprayingTrack], trial: Trial) -> list[Track]:
    """A drone's spraying track for the map, simplified (Douglas–Peucker) until it has at most ``MAP_POINTS``: the
    rows it sprayed rather than averages of samples over its turns."""
    names = {d.id: d.name or d.serial for d in trial.devices}
    found = []
    for device, seconds in tracks.items():
        xy, tolerance = np.column_stack([seconds.lon, seconds.lat]), MAP_TOLERANCE_DEG
        while len(xy) > MAP_POINTS:  # each round simplifies the last one's result: a few points fewer each time
            xy = shapely.get_coordinates(shapely.simplify(shapely.linestrings(xy), tolerance, preserve_topology=False))
            tolerance *= 2
        found.append(Track(device, names.get(device, str(device)), [round(float(v), 6) for v in xy[:, 0]],
                           [round(float(v), 6) for v in xy[:, 1]]))
    return found


def _tracks(connection: Connection, table, trial: Trial, first: datetime | None, last: datetime | None,
            until: datetime) -> list[Track]:
    if first is None or last is None or "lat" not in table.c:
        return []
    bucket_s = max(10, int((last - first).total_seconds() / MAP_POINTS) + 1)
    bucket = time_bucket(connection, table, bucket_s).label("bucket")
    rows = connection.execute(
        select(table.c.device_id, bucket, func.avg(table.c.lon), func.avg(table.c.lat))
        .where(*before_cut_off(table, trial.id, until), table.c.lat.is_not(None))
        .group_by(table.c.device_id, literal_column("bucket")).order_by(table.c.device_id, literal_column("bucket"))
    ).all()
    names = {d.id: d.name or d.serial for d in trial.devices}
    tracks: dict[uuid.UUID, tuple[list[float], list[float]]] = {}
    for device, _, lon, lat in rows:
        lons, lats = tracks.setdefault(device, ([], []))
        lons.append(round(float(lon), 6))
        lats.append(round(float(lat), 6))
    return [Track(device, names.get(device, str(device)), lons, lats) for device, (lons, lats) in tracks.items()]


def gather(db: Session, trial: Trial, plan: dict, plan_version: int, until: datetime,
           progress: Progress = lambda step: None) -> EvaluationInputs:
    """Everything the assessment of ``trial`` reads, up to ``until``, under the plan in force."""
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        # No JIT for the rest of this transaction: these aggregates scan one partition a day, and compiling every
        # partition's expressions cost more than it saved (up to 3.5 s for one query; 3.5–7.5 s of an evaluation
        # of 10 M samples in bench/evaluation.py).
        connection.execute(text("SET LOCAL jit = off"))
    kind = str(trial.product.kind)
    sites = _sites(plan)
    progress("digest")
    digest, first, last = _digest(connection, trial.id, until)
    incidents = db.scalars(select(Incident).where(Incident.trial_id == trial.id, Incident.started_at < until)
                           .order_by(Incident.started_at, Incident.id)).all()
    envelope = [(i.device_id, i.started_at, min(i.ended_at or until, until)) for i in incidents
                if i.source is IncidentSource.RULE and i.device_id is not None]
    progress("device_days")
    days = device_days.device_days(connection, trial.id, MAIN_STREAM[kind], until, envelope)
    extra: dict = {}
    if kind == "agri_uav":
        progress("sorties")
        tracks = spraying_track(connection, trial.id, until)
        extra["sorties"], extra["spray_days"] = _spraying(uav_sorties(connection, trial.id, until), tracks, sites)
    elif kind == "ai_camera":
        progress("camera_days")
        device_sites = {d.id: d.site for d in trial.devices}
        extra["camera_days"] = camera_days.camera_days(connection, trial.id, until, device_sites)
        extra["clips"] = _clips(db, connection, trial.id, until)
    else:
        progress("missions")
        extra["missions"] = robot_missions.robot_missions(connection, trial.id, until)
        extra["robot_days"] = robot_missions.robot_days(connection, trial.id, until)
    progress("uploads")
    respondents = [Respondent(r.group, r.answers.get("satisfaction"), r.answers.get("acceptance"))
                   for r in db.scalars(select(FeedbackResponse).where(FeedbackResponse.trial_id == trial.id,
                                                                      FeedbackResponse.recorded_at < until)
                                       .order_by(FeedbackResponse.answered_on, FeedbackResponse.respondent))]
    references = [ReferenceObservation(r.kpi, r.group, r.day, r.numerator, r.denominator)  # type: ignore[arg-type]
                  for r in db.scalars(select(ReferenceRow).where(ReferenceRow.trial_id == trial.id,
                                                                 ReferenceRow.recorded_at < until)
                                      .order_by(ReferenceRow.kpi, ReferenceRow.day, ReferenceRow.id))]
    progress("map")
    if kind == "agri_uav":
        map_tracks = _spraying_tracks(tracks, trial)
    else:
        map_tracks = _tracks(connection, MAIN_STREAM[kind], trial, first, last, until)
    return EvaluationInputs(
        trial=_trial_facts(trial, plan, plan_version), until=until, first=first, last=last, digest=digest,
        operating_days=_operating_days(plan, trial.start_date, trial.end_date), device_days=days,
        incidents=[IncidentFact(i.id, str(i.category), i.severity, str(i.source), i.started_at, i.device_id)
                   for i in incidents],
        respondents=respondents, references=references, sites=sites, tracks=map_tracks, **extra)
