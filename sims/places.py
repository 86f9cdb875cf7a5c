"""The simulators' world: sites in Can Tho, as GeoJSON polygons in WGS84 ([longitude, latitude]).

The demo's plans draw their geofences from here, and scenario files name them (`PLACES`).
Outlines are drawn near the named places for demonstration; they are not surveyed boundaries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

__all__ = [
    "CAMPUS_NINH_KIEU",
    "INTERSECTION_NINH_KIEU",
    "INTERSECTION_NINH_KIEU_CONTROL",
    "LOCAL_OFFSET",
    "PLACES",
    "RICE_FIELDS_SOC_TRANG",
    "RICE_FIELDS_VI_TAN",
    "RICE_FIELDS_VI_TAN_CONTROL",
    "at_local",
    "polygon",
    "ring",
]


LOCAL_OFFSET = timedelta(hours=7)  # Can Tho's clocks: Asia/Ho_Chi_Minh, UTC+7 all year round


def at_local(day: date, clock: time) -> datetime:
    """The moment (UTC) of a time of day on Can Tho's clocks."""
    return datetime.combine(day, clock, tzinfo=UTC) - LOCAL_OFFSET


def polygon(*ring: tuple[float, float]) -> dict[str, Any]:
    """A GeoJSON Polygon from (longitude, latitude) corners; the ring is closed here."""
    return {"type": "Polygon", "coordinates": [[list(point) for point in (*ring, ring[0])]]}


# About 14 ha of rice paddies east of Vị Tân ward (≈ 9.78 N, 105.47 E).
RICE_FIELDS_VI_TAN = polygon(
    (105.4652, 9.7788), (105.4691, 9.7790), (105.4693, 9.7821), (105.4670, 9.7823), (105.4650, 9.7815)
)
# A second block of paddies, farmed by hand: the control field of the UAV trial.
RICE_FIELDS_VI_TAN_CONTROL = polygon(
    (105.4712, 9.7786), (105.4748, 9.7787), (105.4749, 9.7814), (105.4713, 9.7815)
)
# The junction of 30 Tháng 4 and 3 Tháng 2 streets in Ninh Kiều ward (≈ 10.03 N, 105.77 E).
INTERSECTION_NINH_KIEU = polygon(
    (105.7700, 10.0240), (105.7710, 10.0240), (105.7710, 10.0250), (105.7700, 10.0250)
)
# A busy junction further west on 3 Tháng 2 street with no camera alerts: the camera trial's control site.
INTERSECTION_NINH_KIEU_CONTROL = polygon(
    (105.7560, 10.0296), (105.7570, 10.0296), (105.7570, 10.0306), (105.7560, 10.0306)
)
# A university campus on 3 Tháng 2 street, Ninh Kiều ward.
CAMPUS_NINH_KIEU = polygon(
    (105.7655, 10.0290), (105.7712, 10.0291), (105.7714, 10.0333), (105.7660, 10.0336), (105.7652, 10.0312)
)
# Paddies near Sóc Trăng (≈ 9.60 N, 105.96 E), some 9 ha.
RICE_FIELDS_SOC_TRANG = polygon(
    (105.9581, 9.6012), (105.9612, 9.6010), (105.9615, 9.6041), (105.9583, 9.6043)
)

PLACES: dict[str, dict[str, Any]] = {
    "vi_tan": RICE_FIELDS_VI_TAN,
    "vi_tan_control": RICE_FIELDS_VI_TAN_CONTROL,
    "soc_trang": RICE_FIELDS_SOC_TRANG,
    "ninh_kieu_intersection": INTERSECTION_NINH_KIEU,
    "ninh_kieu_control_intersection": INTERSECTION_NINH_KIEU_CONTROL,
    "ninh_kieu_campus": CAMPUS_NINH_KIEU,
}


def ring(name: str) -> list[tuple[float, float]]:
    """The outline of a named place as (longitude, latitude) corners, closed."""
    if name not in PLACES:
        raise KeyError(f"no place {name!r}; known: {', '.join(PLACES)}")
    return [(lon, lat) for lon, lat in PLACES[name]["coordinates"][0]]
