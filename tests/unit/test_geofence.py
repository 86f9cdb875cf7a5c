"""Geofences: refused with the reason and the place when invalid, measured in hectares in UTM 48N."""

from __future__ import annotations

import msgspec
import pytest
from pyproj import Transformer

from sandbox.trials.geofence import area_hectares, geofence_problems
from sandbox.trials.plan import Geofence, Polygon

VALID = {"type": "Polygon", "coordinates": [[[105.47, 9.78], [105.48, 9.78], [105.48, 9.79], [105.47, 9.79], [105.47, 9.78]]]}


def fence(document: dict) -> Geofence:
    return msgspec.convert(document, Geofence)  # type: ignore[arg-type]


def test_a_valid_polygon_has_no_problem() -> None:
    assert geofence_problems(fence(VALID), "/sites/0/geofence") == []


def test_a_bow_tie_is_refused_as_self_intersecting_at_the_crossing() -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[105.47, 9.78], [105.48, 9.79], [105.48, 9.78], [105.47, 9.79], [105.47, 9.78]]]}
    [problem] = geofence_problems(fence(bow_tie), "/sites/0/geofence")
    assert problem.pointer == "/sites/0/geofence"
    assert "self-intersection" in problem.message.en and "tự cắt" in problem.message.vi
    assert problem.extra["location"] == pytest.approx([105.475, 9.785])


def test_an_open_ring_and_a_short_ring_are_named() -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[105.47, 9.78], [105.48, 9.78], [105.48, 9.79], [105.47, 9.79]]]}
    [problem] = geofence_problems(fence(open_ring), "/g")
    assert problem.pointer == "/g/coordinates/0" and "not closed" in problem.message.en
    short = {"type": "Polygon", "coordinates": [[[105.47, 9.78], [105.48, 9.78], [105.47, 9.78]]]}
    assert "at least 4 positions" in geofence_problems(fence(short), "/g")[0].message.en


def test_latitude_and_longitude_swapped_is_caught() -> None:
    swapped = {"type": "Polygon", "coordinates": [[[9.78, 105.47], [9.79, 105.47], [9.79, 105.48], [9.78, 105.47]]]}
    [problem] = geofence_problems(fence(swapped), "/g")
    assert problem.pointer == "/g/coordinates/0/0" and "[longitude, latitude]" in problem.message.en


def test_a_hole_outside_its_shell_is_refused() -> None:
    shell = VALID["coordinates"][0]
    hole = [[105.50, 9.80], [105.51, 9.80], [105.51, 9.81], [105.50, 9.80]]
    [problem] = geofence_problems(fence({"type": "Polygon", "coordinates": [shell, hole]}), "/g")
    assert "hole lies outside" in problem.message.en


def test_features_and_multipolygons_are_accepted_and_checked_inside() -> None:
    feature = {"type": "Feature", "properties": {"name": "ruộng"}, "geometry": VALID}
    assert geofence_problems(fence(feature), "/g") == []
    multi = {"type": "MultiPolygon", "coordinates": [VALID["coordinates"], [[[105.0, 9.0], [105.1, 9.0], [105.0, 9.0]]]]}
    [problem] = geofence_problems(fence(multi), "/g")
    assert problem.pointer == "/g/coordinates/1/0"


def test_area_is_measured_in_utm_48n() -> None:
    # A square of exactly 200 m x 250 m = 5 ha drawn in UTM zone 48N, carried to WGS84.
    to_wgs84 = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
    x0, y0 = 550_000.0, 1_081_000.0  # near Vị Tân
    corners = [(x0, y0), (x0 + 200, y0), (x0 + 200, y0 + 250), (x0, y0 + 250), (x0, y0)]
    ring = [list(to_wgs84.transform(x, y)) for x, y in corners]
    area = area_hectares(Polygon(coordinates=[ring]))
    assert area == pytest.approx(5.0, rel=1e-6)  # straight edges stay straight within a few mm at this size
