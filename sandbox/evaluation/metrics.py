"""The library of named metrics a plan's KPIs refer to (``"metric": "hectares_per_hour"``).

Each metric says what it measures, for which kind of product, in which unit and direction, what it is
normalised by (its exposure), how its uncertainty is computed (its estimator) and what is resampled
when it is bootstrapped (its cluster: the sortie, the mission or the day — samples within one are not
independent). The computations read these definitions; the plan editor and the reports show them.

==============  =====================================================================================
estimator       interval
==============  =====================================================================================
rate            events over exposure, exact Poisson (Garwood); ``per`` scales it (per 100 flight hours)
proportion      successes of trials, Wilson
ratio           Σ numerator / Σ denominator over clusters, cluster bootstrap (BCa)
quantile        a quantile of values, cluster bootstrap
total           a sum over the trial (exposure itself: hours flown, hectares sprayed), no interval
==============  =====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sandbox.i18n import Text

__all__ = ["METRICS", "Metric", "metric", "metrics_for"]

Kind = Literal["agri_uav", "ai_camera", "amr", "any"]
Estimator = Literal["rate", "proportion", "ratio", "quantile", "total"]
Cluster = Literal["sortie", "mission", "day", "respondent"]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    kind: Kind
    title: Text
    unit: str
    direction: Literal["higher_is_better", "lower_is_better"]
    estimator: Estimator
    exposure: str | None = None  # what a rate is over, or a ratio's denominator
    cluster: Cluster | None = None  # what the bootstrap resamples
    per: float = 1.0  # a rate's scale: 100 for "per 100 flight hours"
    percent: bool = False  # a share shown ×100


def _m(name: str, kind: Kind, vi: str, en: str, unit: str, direction: str, estimator: Estimator, **extra) -> Metric:
    return Metric(name, kind, Text(vi, en), unit, direction, estimator, **extra)  # type: ignore[arg-type]


HIGHER, LOWER = "higher_is_better", "lower_is_better"
METRICS: dict[str, Metric] = {m.name: m for m in (
    # Agricultural UAV
    _m("flight_hours", "agri_uav", "Số giờ bay", "Flight hours", "h", HIGHER, "total", exposure="flight_hours"),
    _m("area_sprayed_ha", "agri_uav", "Diện tích đã phun", "Area sprayed", "ha", HIGHER, "total"),
    _m("field_coverage_pct", "agri_uav", "Độ phủ ruộng", "Field coverage", "%", HIGHER, "ratio",
       exposure="field_area_ha", cluster="day", percent=True),
    _m("overlap_pct", "agri_uav", "Tỷ lệ phun chồng", "Overlap", "%", LOWER, "ratio", exposure="area_sprayed_ha",
       cluster="day", percent=True),
    _m("application_rate_l_per_ha", "agri_uav", "Lượng thuốc trên hecta", "Application rate", "L/ha", LOWER, "ratio",
       exposure="area_sprayed_ha", cluster="sortie"),
    _m("hectares_per_hour", "agri_uav", "Năng suất phun", "Hectares per hour", "ha/h", HIGHER, "ratio",
       exposure="flight_hours", cluster="sortie"),
    _m("geofence_breaches_per_100_flight_hours", "agri_uav", "Vi phạm hàng rào địa lý trên 100 giờ bay",
       "Geofence breaches per 100 flight hours", "/100 h", LOWER, "rate", exposure="flight_hours", per=100.0),
    # AI camera
    _m("uptime_pct", "ai_camera", "Thời gian hoạt động", "Uptime", "%", HIGHER, "ratio", exposure="camera_hours",
       cluster="day", percent=True),
    _m("latency_p95_ms", "ai_camera", "Độ trễ suy luận p95", "Inference latency p95", "ms", LOWER, "quantile",
       cluster="day"),
    _m("detection_precision", "ai_camera", "Độ chính xác (precision)", "Precision", "%", HIGHER, "proportion",
       exposure="labelled_detections", percent=True),
    _m("detection_recall", "ai_camera", "Độ nhạy (recall)", "Recall", "%", HIGHER, "proportion",
       exposure="labelled_objects", percent=True),
    _m("detection_f1", "ai_camera", "F1", "F1", "%", HIGHER, "ratio", cluster="day", percent=True),
    _m("false_alarms_per_day", "ai_camera", "Cảnh báo sai mỗi ngày", "False alarms per day", "/day", LOWER, "rate",
       exposure="camera_days"),
    _m("violations_per_1000_road_users", "ai_camera", "Vi phạm trên 1000 lượt phương tiện",
       "Violations per 1,000 road users", "/1000", LOWER, "rate", exposure="road_users", per=1000.0),
    _m("privacy_breaches", "ai_camera", "Sự cố lộ hình ảnh cá nhân", "Privacy breaches", "", LOWER, "rate",
       exposure="camera_days"),
    # AMR
    _m("distance_km", "amr", "Quãng đường", "Distance", "km", HIGHER, "total", exposure="km"),
    _m("missions_completed", "amr", "Chuyến giao hoàn thành", "Missions completed", "", HIGHER, "total"),
    _m("mission_success_rate", "amr", "Tỷ lệ chuyến giao thành công", "Mission success rate", "%", HIGHER,
       "proportion", exposure="missions", percent=True),
    _m("interventions_per_100_km", "amr", "Can thiệp trên 100 km", "Interventions per 100 km", "/100 km", LOWER,
       "rate", exposure="km", per=100.0),
    _m("emergency_stops_per_100_km", "amr", "Dừng khẩn cấp trên 100 km", "Emergency stops per 100 km", "/100 km",
       LOWER, "rate", exposure="km", per=100.0),
    _m("collisions", "amr", "Va chạm", "Collisions", "", LOWER, "rate", exposure="km", per=100.0),
    # Every kind
    _m("incidents_per_100_hours", "any", "Sự cố trên 100 giờ hoạt động", "Incidents per 100 operating hours",
       "/100 h", LOWER, "rate", exposure="operating_hours", per=100.0),
    _m("severe_incidents", "any", "Sự cố nghiêm trọng (mức 4–5)", "Severe incidents (severity 4–5)", "", LOWER,
       "rate", exposure="operating_hours", per=100.0),
    _m("data_completeness_pct", "any", "Độ đầy đủ dữ liệu", "Data completeness", "%", HIGHER, "ratio",
       exposure="expected_samples", cluster="day", percent=True),
    _m("envelope_conformance_pct", "any", "Tuân thủ giới hạn vận hành", "Envelope conformance", "%", HIGHER, "ratio",
       exposure="samples", cluster="day", percent=True),
    _m("satisfaction", "any", "Mức hài lòng (1–5)", "Satisfaction (1–5)", "/5", HIGHER, "ratio",
       exposure="answers", cluster="respondent"),
    _m("acceptance_share", "any", "Tỷ lệ chấp nhận", "Acceptance share", "%", HIGHER, "proportion",
       exposure="respondents", percent=True),
)}


def metric(name: str) -> Metric:
    """The metric of that name; `KeyError` naming the known ones otherwise."""
    if name not in METRICS:
        raise KeyError(f"no metric {name!r}; known: {', '.join(sorted(METRICS))}")
    return METRICS[name]


def metrics_for(kind: str) -> list[Metric]:
    """The metrics a trial of ``kind`` can use: its own and those of every kind."""
    return [m for m in METRICS.values() if m.kind in (kind, "any")]
