"""Area sprayed, coverage and overlap in UTM 48N: exact on drawn passes, plausible on a simulated flight."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from sandbox.evaluation.geometry import Pass, passes, sprayed_area, to_utm
from sims.uav import UavSim

FROM_UTM = Transformer.from_crs("EPSG:32648", "EPSG:4326", always_xy=True)
ORIGIN = to_utm(105.4652, 9.7788)  # a corner of the Vị Tân paddies, in metres
PADDY = [(105.4652, 9.7788), (105.4663, 9.7788), (105.4663, 9.7798), (105.4652, 9.7798), (105.4652, 9.7788)]


def lonlat(east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = FROM_UTM.transform(ORIGIN[0] + np.asarray(east_m), ORIGIN[1] + np.asarray(north_m))
    return np.asarray(lon), np.asarray(lat)


def rows(spacing_m: float, swath_m: float = 7.0, length_m: float = 100.0, count: int = 2) -> tuple:
    """``count`` straight rows east–west, ``spacing_m`` apart, sampled every metre, one second apart."""
    east = np.tile(np.arange(0.0, length_m + 1.0), count)
    north = np.repeat(np.arange(count) * spacing_m, int(length_m) + 1)
    t = np.arange(east.size, dtype=float)
    t[int(length_m) + 1:] += 30.0  # a turn with the boom off between rows: a new pass
    lon, lat = lonlat(east, north)
    return t, lon, lat, np.ones(east.size, bool), np.full(east.size, swath_m)


def test_two_rows_closer_than_a_swath_overlap_by_the_shared_strip() -> None:
    # Two 100 m passes of a 7 m swath, 5 m apart: union 100 × (7 + 5) m², sprayed twice 100 × (7 − 5) m².
    found = passes(*rows(5.0))
    assert len(found) == 2 and all(p.swath_m == 7.0 for p in found)
    area = sprayed_area(found)
    assert area.sprayed_ha == pytest.approx(100 * 12 / 1e4, rel=1e-3)
    assert area.overlap_ha == pytest.approx(100 * 2 / 1e4, rel=1e-3)
    assert area.overlap == pytest.approx(2 / 12, rel=1e-3)
    apart = sprayed_area(passes(*rows(7.0)))  # one swath apart: edge to edge, nothing twice
    assert apart.sprayed_ha == pytest.approx(100 * 14 / 1e4, rel=1e-3) and apart.overlap_ha == pytest.approx(0, abs=1e-9)


def test_coverage_is_the_sprayed_part_of_the_field_over_the_field() -> None:
    # A 40 m × 14 m field drawn in UTM; two rows 7 m apart, from 10 m west of it to its middle (30 m).
    corners_e, corners_n = np.array([0.0, 40.0, 40.0, 0.0]), np.array([-3.5, -3.5, 10.5, 10.5])
    field = list(zip(*lonlat(corners_e, corners_n), strict=True))
    t, lon, lat, spraying, swath = rows(7.0, length_m=30.0)
    east_back = to_utm(lon, lat)[0] - ORIGIN[0] - 10.0
    lon, lat = lonlat(east_back, to_utm(lon, lat)[1] - ORIGIN[1])
    area = sprayed_area(passes(t, lon, lat, spraying, swath), field)
    assert area.field_ha == pytest.approx(40 * 14 / 1e4, rel=1e-6)
    assert area.inside_field_ha == pytest.approx(20 * 14 / 1e4, rel=1e-3)
    assert area.coverage == pytest.approx(0.5, rel=1e-3)


def test_passes_end_where_spraying_stops_after_a_gap_or_at_a_new_sortie() -> None:
    t = np.arange(10.0)
    lon, lat = lonlat(np.arange(10.0), np.zeros(10))
    spraying = np.array([1, 1, 1, 0, 1, 1, 1, 1, 1, 1], bool)
    swath = np.full(10, 6.0)
    assert len(passes(t, lon, lat, spraying, swath)) == 2
    gap = t.copy()
    gap[7:] += 20.0
    assert len(passes(gap, lon, lat, spraying, swath)) == 3
    assert len(passes(t, lon, lat, spraying, swath, sortie=np.array([1] * 6 + [2] * 4))) == 3
    with pytest.raises(ValueError, match="time order"):
        passes(t[::-1], lon, lat, spraying, swath)
    assert sprayed_area([Pass(np.zeros(1), np.zeros(1), 6.0)]).sprayed_ha == 0.0  # a single point sprays no area


def test_a_simulated_morning_covers_its_paddy_with_little_overlap() -> None:
    from datetime import UTC, datetime, timedelta

    from sandbox.telemetry.contract import UavSample

    sim = UavSim(PADDY, seed=7)
    start = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    samples = [i for i in sim.work(start, start + timedelta(hours=4)) if isinstance(i, UavSample)]
    columns = {name: np.array([getattr(s, name) for s in samples]) for name in ("lon", "lat", "spraying",
                                                                                 "swath_width_m")}
    t = np.array([(s.t - start).total_seconds() for s in samples])
    area = sprayed_area(passes(t, columns["lon"], columns["lat"], columns["spraying"], columns["swath_width_m"]),
                        PADDY)
    assert sim.done
    # The simulator's field area is computed apart (its own projection): within 1 %.
    assert area.field_ha == pytest.approx(sim.field_area_ha, rel=0.01)
    # Rows one swath apart inside a margin, with GNSS noise of a metre or so: most of the paddy, little twice.
    assert 0.85 <= area.coverage <= 1.0
    assert area.overlap < 0.15
    assert area.sprayed_ha == pytest.approx(sim.sprayed_m * sim.spec.swath_m / 1e4, rel=0.1)
