"""Products and plans for tests: complete ones (from the demo) and ways to break them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sandbox.clock import local_today
from sandbox.demo.plans import amr_plan, camera_plan, uav_plan

PLANS = {"agri_uav": uav_plan, "ai_camera": camera_plan, "amr": amr_plan}
LINES = {"agri_uav": "uav", "ai_camera": "ai_camera", "amr": "amr"}
AREAS = {"agri_uav": "agriculture", "ai_camera": "urban_management", "amr": "logistics"}


def product(kind: str = "agri_uav", name: str = "AgriFly T40") -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "manufacturer": "Mekong Robotics",
        "model": "T40",
        "product_line": LINES[kind],
        "application_area": AREAS[kind],
        "specs": {"mass_kg": 38.5, "largest_dimension_m": 2.8, "max_speed_mps": 10.0},
    }


def plan(kind: str = "agri_uav", start: date | None = None, days: int = 90,
         kpis: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A complete plan starting ``start`` (today in Can Tho by default) and lasting ``days``; ``kpis`` replace
    the demo plan's."""
    start = start or local_today()
    made = PLANS[kind](start, start + timedelta(days=days))
    if kpis is not None:
        made["kpis"] = kpis
    return made


def valid_tax_codes(start: int = 180_010_000):
    """Valid Vietnamese tax codes (MST) of Can Tho (prefix 18), one after another."""
    from stdnum.vn import mst

    number = start
    while True:
        base = f"{number:09d}"
        check = mst.calc_check_digit(base)
        if len(check) == 1:  # a check value of 10 has no digit: that base is never issued
            yield base + check
        number += 1
