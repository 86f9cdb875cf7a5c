"""Each metric of the library measured from an evaluation's inputs, as clusters of (numerator, denominator).

Part of the pure core. Every metric reduces to the same shape — one row per cluster (a sortie, a
day, a clip, a mission, a respondent), a numerator and a denominator, the cluster's local day and
the role of its site (trial or control) — so that one code path gives the interval its estimator
calls for and the same clusters feed the comparisons with a control or the pre-period:

==========  =========================================  ========================================
estimator   estimate                                   interval
==========  =========================================  ========================================
ratio       Σ numerator / Σ denominator                cluster bootstrap (BCa, else percentile)
quantile    mean of the clusters' values (den = 1)     cluster bootstrap
rate        Σ events / Σ exposure                      Garwood exact Poisson
proportion  Σ successes / Σ trials                     Wilson
total       Σ numerator                                none: a count of what was done
==========  =========================================  ========================================
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from sandbox.clock import LOCAL_TZ as _LOCAL
from sandbox.evaluation.inputs import EvaluationInputs
from sandbox.evaluation.metrics import Metric

__all__ = ["MEASURES", "Clusters", "Scope", "clusters_of", "device_roles", "point", "scale"]

SEVERE = 4  # severity 4–5: the incidents that stop a trial


@dataclass(frozen=True, slots=True)
class Clusters:
    numerator: np.ndarray
    denominator: np.ndarray
    day: np.ndarray  # datetime64[D], the cluster's local day
    role: np.ndarray  # "trial" or "control"
    group: np.ndarray  # what the cluster belongs to for cluster-robust errors: a device, a respondent…
    exposure_unit: str | None = None

    @property
    def size(self) -> int:
        return int(self.numerator.size)

    def where(self, keep: np.ndarray) -> Clusters:
        return Clusters(self.numerator[keep], self.denominator[keep], self.day[keep], self.role[keep],
                        self.group[keep], self.exposure_unit)


@dataclass(frozen=True, slots=True)
class Scope:
    """The inputs and the role of each device (the role of the plan site it is installed at)."""

    inputs: EvaluationInputs
    roles: dict[uuid.UUID, str]

    def role(self, device_id: uuid.UUID | None) -> str:
        return self.roles.get(device_id, "trial") if device_id is not None else "trial"


def device_roles(inputs: EvaluationInputs, device_sites: dict[uuid.UUID, str | None]) -> dict[uuid.UUID, str]:
    roles = {site.name: site.role for site in inputs.sites}
    return {device: roles.get(site or "", "trial") for device, site in device_sites.items()}


def _build(rows: list[tuple[float, float, date, str, str]], unit: str | None = None) -> Clusters:
    if not rows:
        empty = np.empty(0)
        return Clusters(empty, empty, np.empty(0, dtype="datetime64[D]"), np.empty(0, dtype=object),
                        np.empty(0, dtype=object), unit)
    numerator, denominator, day, role, group = zip(*rows, strict=True)
    return Clusters(np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float),
                    np.asarray(day, dtype="datetime64[D]"), np.asarray(role, dtype=object),
                    np.asarray(group, dtype=object), unit)


def _per_day_events(scope: Scope, keep: Callable[[str, int], bool], hours: dict[tuple[uuid.UUID, date], float],
                    unit: str) -> Clusters:
    """Incidents kept by ``keep(category, severity)`` over device-day exposure (hours): a rate's clusters."""
    counts: dict[tuple[uuid.UUID, date], int] = dict.fromkeys(hours, 0)
    for incident in scope.inputs.incidents:
        if not keep(incident.category, incident.severity):
            continue
        day = incident.started_at.astimezone(_LOCAL).date()
        key = (incident.device_id or _NO_DEVICE, day)
        counts[key] = counts.get(key, 0) + 1
    return _build([(counts[key], hours.get(key, 0.0), key[1], scope.role(key[0]), str(key[0])) for key in sorted(
        counts, key=lambda k: (str(k[0]), k[1]))], unit)


_NO_DEVICE = uuid.UUID(int=0)  # incidents reported without a device: their own cluster


# ---------------------------------------------------------------- agricultural UAV

def _sorties(scope: Scope, numerator: str, denominator: str, unit: str) -> Clusters:
    return _build([(getattr(s, numerator), getattr(s, denominator), s.day, scope.role(s.device_id), str(s.device_id))
                   for s in scope.inputs.sorties], unit)


def _flight_hours(scope: Scope) -> Clusters:
    return _build([(s.flight_h, 1.0, s.day, scope.role(s.device_id), str(s.device_id))
                   for s in scope.inputs.sorties], "h")


def _spray_days(scope: Scope, numerator: str, denominator: str, unit: str) -> Clusters:
    return _build([(getattr(d, numerator), getattr(d, denominator), d.day, "trial", "fields")
                   for d in scope.inputs.spray_days], unit)


def _flight_hours_by_day(scope: Scope) -> dict[tuple[uuid.UUID, date], float]:
    hours: dict[tuple[uuid.UUID, date], float] = {}
    for s in scope.inputs.sorties:
        hours[(s.device_id, s.day)] = hours.get((s.device_id, s.day), 0.0) + s.flight_h
    return hours


# ---------------------------------------------------------------- AI camera

def _camera(scope: Scope, numerator: Callable[..., float], denominator: Callable[..., float], unit: str,
            only: Callable[..., bool] = lambda d: True) -> Clusters:
    return _build([(numerator(d), denominator(d), d.day, scope.role(d.device_id), str(d.device_id))
                   for d in scope.inputs.camera_days if only(d)], unit)


def _clips(scope: Scope, numerator: Callable[..., float], denominator: Callable[..., float], unit: str) -> Clusters:
    return _build([(numerator(c), denominator(c), c.start.astimezone(_LOCAL).date(), scope.role(c.device_id),
                    str(c.device_id)) for c in scope.inputs.clips], unit)


def _camera_days_by_device(scope: Scope) -> dict[tuple[uuid.UUID, date], float]:
    return {(d.device_id, d.day): d.observed_s / 86_400.0 for d in scope.inputs.camera_days}


# ---------------------------------------------------------------- AMR

def _missions(scope: Scope) -> Clusters:
    return _build([(1.0 if m.success else 0.0, 1.0, m.day, scope.role(m.device_id), str(m.device_id))
                   for m in scope.inputs.missions if m.success is not None], "missions")


def _robot(scope: Scope, field: str) -> Clusters:
    return _build([(getattr(d, field), d.km, d.day, scope.role(d.device_id), str(d.device_id))
                   for d in scope.inputs.robot_days], "km")


# ---------------------------------------------------------------- any kind

def _operating_hours(scope: Scope) -> dict[tuple[uuid.UUID, date], float]:
    return {(d.device_id, d.day): d.operating_h for d in scope.inputs.device_days}


def _device_days(scope: Scope, numerator: Callable[..., float], denominator: Callable[..., float],
                 unit: str) -> Clusters:
    return _build([(numerator(d), denominator(d), d.day, scope.role(d.device_id), str(d.device_id))
                   for d in scope.inputs.device_days], unit)


def _respondents(scope: Scope, numerator: Callable[..., float], only: Callable[..., bool]) -> Clusters:
    until = scope.inputs.until.astimezone(_LOCAL).date()
    return _build([(numerator(r), 1.0, until, "trial", str(i)) for i, r in enumerate(scope.inputs.respondents)
                   if only(r)], "respondents")


MEASURES: dict[str, Callable[[Scope], Clusters]] = {
    "flight_hours": _flight_hours,
    "area_sprayed_ha": lambda s: _build([(d.sprayed_ha, 1.0, d.day, "trial", "fields") for d in s.inputs.spray_days],
                                        "days"),
    "field_coverage_pct": lambda s: _spray_days(s, "inside_field_ha", "field_ha", "ha"),
    "overlap_pct": lambda s: _spray_days(s, "overlap_ha", "sprayed_ha", "ha"),
    "application_rate_l_per_ha": lambda s: _sorties(s, "litres", "sprayed_ha", "ha"),
    "hectares_per_hour": lambda s: _sorties(s, "sprayed_ha", "flight_h", "h"),
    "geofence_breaches_per_100_flight_hours": lambda s: _per_day_events(
        s, lambda category, _: category == "geofence_breach", _flight_hours_by_day(s), "h"),
    "uptime_pct": lambda s: _camera(s, lambda d: d.online_s, lambda d: d.observed_s, "s"),
    "latency_p95_ms": lambda s: _camera(s, lambda d: d.latency_p95_ms, lambda d: 1.0, "days",
                                        only=lambda d: d.latency_p95_ms is not None),
    "detection_precision": lambda s: _clips(s, lambda c: c.correct, lambda c: c.detections, "detections"),
    "detection_recall": lambda s: _clips(s, lambda c: c.caught, lambda c: c.objects, "objects"),
    "detection_f1": lambda s: _clips(s, lambda c: 2 * c.correct, lambda c: c.detections + c.objects, "clips"),
    "false_alarms_per_day": lambda s: _clips(s, lambda c: c.detections - c.correct, lambda c: c.seconds / 86_400.0,
                                             "labelled days"),
    "violations_per_1000_road_users": lambda s: _camera(s, lambda d: d.violations, lambda d: d.detections,
                                                        "road users"),
    "privacy_breaches": lambda s: _per_day_events(s, lambda category, _: category == "privacy_breach",
                                                  _camera_days_by_device(s), "camera-days"),
    "distance_km": lambda s: _robot(s, "km"),
    "missions_completed": _missions,
    "mission_success_rate": _missions,
    "interventions_per_100_km": lambda s: _robot(s, "interventions"),
    "emergency_stops_per_100_km": lambda s: _robot(s, "emergency_stops"),
    "collisions": lambda s: _robot(s, "collisions"),
    "incidents_per_100_hours": lambda s: _per_day_events(s, lambda *_: True, _operating_hours(s), "h"),
    "severe_incidents": lambda s: _per_day_events(s, lambda _, severity: severity >= SEVERE, _operating_hours(s),
                                                  "h"),
    "data_completeness_pct": lambda s: _device_days(s, lambda d: d.received, lambda d: d.numbered, "samples"),
    "envelope_conformance_pct": lambda s: _device_days(s, lambda d: max(0.0, d.operating_h - d.outside_envelope_h),
                                                       lambda d: d.operating_h, "h"),
    "satisfaction": lambda s: _respondents(s, lambda r: r.satisfaction, lambda r: r.satisfaction is not None),
    "acceptance_share": lambda s: _respondents(s, lambda r: 1.0 if r.acceptance >= 4 else 0.0,
                                               lambda r: r.acceptance is not None),
}


def clusters_of(metric: Metric, scope: Scope) -> Clusters:
    return MEASURES[metric.name](scope)


def point(metric: Metric, clusters: Clusters) -> float:
    """The metric's value in its display scale (percent ×100, per 100 km ×100)."""
    if metric.estimator == "total":
        return float(clusters.numerator.sum())
    if metric.estimator == "quantile":
        return float(clusters.numerator.mean()) if clusters.size else math.nan
    total = clusters.denominator.sum()
    return float(clusters.numerator.sum() / total * scale(metric)) if total > 0 else math.nan


def scale(metric: Metric) -> float:
    return (100.0 if metric.percent else 1.0) * metric.per
