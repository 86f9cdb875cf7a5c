"""Geofences: GeoJSON polygons checked with shapely and measured in UTM zone 48N.

A geofence that is not a valid polygon would make every later "inside or outside" answer
wrong, so it is refused when the plan is saved, with the reason and the place shapely found.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import msgspec
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from sandbox.errors import FieldProblem
from sandbox.i18n import Text
from sandbox.trials.plan import Feature, Geofence, MultiPolygon, Polygon

__all__ = ["area_hectares", "geofence_problems", "geometry_of", "to_shape"]

_WGS84 = "EPSG:4326"
_UTM_48N = "EPSG:32648"  # covers 102°E–108°E, the whole Mekong Delta

# shapely (GEOS) names the defect; people need it in their language, and where it is.
_DEFECTS = {
    "Self-intersection": Text("các cạnh tự cắt nhau", "the edges cross each other (self-intersection)"),
    "Ring Self-intersection": Text("một vòng tự cắt chính nó", "a ring touches or crosses itself"),
    "Hole lies outside shell": Text("lỗ nằm ngoài đường bao", "a hole lies outside the outer ring"),
    "Nested shells": Text("các đa giác lồng vào nhau", "polygons are nested inside each other"),
    "Nested holes": Text("các lỗ lồng vào nhau", "holes are nested inside each other"),
    "Interior is disconnected": Text("phần trong bị chia cắt", "the interior is split in two"),
    "Duplicate Rings": Text("có vòng bị lặp", "a ring is repeated"),
    "Too few points": Text("quá ít điểm", "too few distinct points"),
    "Invalid Coordinate": Text("toạ độ không hợp lệ", "a coordinate is not a number"),
}
_REASON = re.compile(r"^(?P<defect>[^\[]+?)\s*(\[(?P<x>[-\d.eE+]+) (?P<y>[-\d.eE+]+)\])?$")


def geometry_of(geofence: Geofence) -> Polygon | MultiPolygon:
    return geofence.geometry if isinstance(geofence, Feature) else geofence


def to_shape(geofence: Geofence) -> BaseGeometry:
    return shape(msgspec.to_builtins(geometry_of(geofence)))


@lru_cache(maxsize=1)
def _to_utm() -> Transformer:
    return Transformer.from_crs(_WGS84, _UTM_48N, always_xy=True)


def area_hectares(geofence: Geofence) -> float:
    projected = shapely.transform(to_shape(geofence), _to_utm().transform, interleaved=False)
    return float(projected.area) / 10_000.0


def _ring_problems(ring: list[list[float]], pointer: str) -> list[FieldProblem]:
    problems = []
    if len(ring) < 4:
        problems.append(
            FieldProblem(
                pointer,
                Text(
                    f"một vòng của đa giác cần ít nhất 4 điểm (điểm đầu lặp lại ở cuối), có {len(ring)}",
                    f"a polygon ring needs at least 4 positions (the first repeated last), got {len(ring)}",
                ),
            )
        )
        return problems
    if ring[0][:2] != ring[-1][:2]:
        problems.append(
            FieldProblem(
                pointer,
                Text(
                    f"vòng chưa khép kín: điểm cuối {ring[-1][:2]} phải trùng điểm đầu {ring[0][:2]}",
                    f"the ring is not closed: the last position {ring[-1][:2]} must repeat the first {ring[0][:2]}",
                ),
            )
        )
    for index, (lon, lat, *_) in enumerate(ring):
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            problems.append(
                FieldProblem(
                    f"{pointer}/{index}",
                    Text(
                        f"toạ độ [{lon}, {lat}] nằm ngoài phạm vi WGS84; GeoJSON ghi [kinh độ, vĩ độ]",
                        f"position [{lon}, {lat}] is outside WGS84 bounds; GeoJSON is [longitude, latitude]",
                    ),
                )
            )
            break
    return problems


def geofence_problems(geofence: Geofence, pointer: str) -> list[FieldProblem]:
    """What is wrong with a geofence, each problem located under ``pointer``; empty when it is valid."""
    geometry = geometry_of(geofence)
    base = f"{pointer}/geometry" if isinstance(geofence, Feature) else pointer
    polygons = [geometry.coordinates] if isinstance(geometry, Polygon) else geometry.coordinates
    problems: list[FieldProblem] = []
    if not polygons:
        return [FieldProblem(f"{base}/coordinates", Text("đa giác rỗng", "the geometry has no polygon"))]
    for p_index, rings in enumerate(polygons):
        p_pointer = f"{base}/coordinates" + ("" if isinstance(geometry, Polygon) else f"/{p_index}")
        if not rings:
            problems.append(FieldProblem(p_pointer, Text("đa giác không có vòng nào", "a polygon has no ring")))
        for r_index, ring in enumerate(rings):
            problems += _ring_problems(ring, f"{p_pointer}/{r_index}")
    if problems:
        return problems
    geom = to_shape(geofence)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        match = _REASON.match(reason)
        defect = match.group("defect") if match else reason
        text = _DEFECTS.get(defect, Text(reason, reason))
        where = Text("", "")
        extra: dict[str, Any] = {"reason": reason}
        if match and match.group("x"):
            x, y = float(match.group("x")), float(match.group("y"))
            where = Text(f" tại ({x:.6f}, {y:.6f})", f" at ({x:.6f}, {y:.6f})")
            extra["location"] = [x, y]
        return [FieldProblem(base, Text("đa giác không hợp lệ: ", "invalid polygon: ") + text + where, extra)]
    if geom.area == 0:
        return [FieldProblem(base, Text("đa giác có diện tích bằng 0", "the polygon has zero area"))]
    return []
