"""The house rules of architecture.md, checked on the source: which way imports point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sandbox

ROOT = Path(sandbox.__file__).parent
# The statistical and rule cores that must stay free of databases, web and brokers.
PURE = ["trials/lifecycle.py", "trials/preconditions.py", "trials/states.py", "trials/plan.py",
        "trials/plan_checks.py", "trials/geofence.py", "i18n.py", "errors.py", "clock.py",
        "telemetry/contract.py", "telemetry/rules/checks.py", "telemetry/rules/envelope.py",
        "evaluation/intervals.py", "evaluation/comparisons.py", "evaluation/sequential.py", "evaluation/scoring.py",
        "evaluation/verdicts.py", "evaluation/recommendation.py", "evaluation/geometry.py",
        "evaluation/metrics.py", "evaluation/inputs.py", "evaluation/measures.py", "evaluation/kpi_results.py",
        "evaluation/assessment.py", "evaluation/report.py", "evaluation/parameters.py", "evaluation/formulas.py",
        "evaluation/rendering/__init__.py", "evaluation/rendering/charts.py",
        "evaluation/rendering/document.py", "evaluation/rendering/figures.py", "evaluation/rendering/html.py",
        "evaluation/rendering/labels.py", "evaluation/rendering/maps.py", "evaluation/rendering/numbers.py",
        "evaluation/rendering/pdf.py"]


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_the_registry_does_not_import_telemetry_or_evaluation() -> None:
    for path in (ROOT / "trials").rglob("*.py"):
        assert not {n for n in imports_of(path) if n.startswith(("sandbox.telemetry", "sandbox.evaluation"))}, path


def test_only_controllers_the_web_layer_and_the_app_factory_import_litestar() -> None:
    for path in modules():
        relative = path.relative_to(ROOT).as_posix()
        web = relative == "app.py" or relative.startswith("api/") or "controllers" in relative
        uses_litestar = any(name.split(".")[0] == "litestar" for name in imports_of(path))
        assert web or not uses_litestar, relative


def test_only_the_mqtt_edge_imports_paho() -> None:
    """The ingester's consumer and the broker administration; nothing else speaks MQTT."""
    for path in modules():
        if any(name.split(".")[0] == "paho" for name in imports_of(path)):
            assert path.relative_to(ROOT).as_posix().startswith(("telemetry/ingest/", "telemetry/broker/")), path


def test_the_wire_contract_depends_on_msgspec_only() -> None:
    """devices/ and sims/ import it on gateways that do not have the server's dependencies."""
    outside = {name.split(".")[0] for name in imports_of(ROOT / "telemetry" / "contract.py")}
    assert outside <= {"__future__", "datetime", "enum", "typing", "msgspec"}, outside


@pytest.mark.parametrize("relative", PURE)
def test_pure_cores_touch_no_database_web_or_broker(relative: str) -> None:
    outside = {name.split(".")[0] for name in imports_of(ROOT / relative)} & {"sqlalchemy", "litestar", "paho", "psycopg"}
    assert not outside, f"{relative} imports {outside}"


def test_controllers_stay_thin() -> None:
    for path in ROOT.rglob("*.py"):
        if "controllers" not in path.as_posix():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                body = [n for n in node.body if not isinstance(n, ast.Expr)]  # docstrings aside
                assert len(body) <= 6, f"{path.name}:{node.name} has {len(body)} statements; move the logic to a service"


@pytest.mark.parametrize("entry", ["sandbox.telemetry.ingest.consumer", "sandbox.telemetry.importing",
                                   "sandbox.cli", "sandbox.app"])
def test_each_entry_point_knows_every_table_it_references(entry: str) -> None:
    """A process that imports only this (``sandbox ingest`` imports little) can still flush any row."""
    import subprocess
    import sys

    code = (f"import {entry}\nfrom sandbox.db import Base\nfrom sqlalchemy.orm import configure_mappers\n"
            "configure_mappers()\nBase.metadata.sorted_tables")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_device_side_imports_nothing_of_the_service_but_the_wire_contract() -> None:
    """devices/ runs on gateways: msgspec, paho and the contract, no database, web or server modules."""
    for path in sorted((ROOT.parent / "devices").rglob("*.py")):
        names = imports_of(path)
        ours = {name for name in names if name.split(".")[0] == "sandbox"}
        assert ours <= {"sandbox.telemetry.contract"}, (path, ours)
        assert not {name.split(".")[0] for name in names} & {"sqlalchemy", "litestar", "psycopg", "numpy"}, path


def test_the_simulators_import_nothing_of_the_service_but_the_wire_contract() -> None:
    """sims/ drives the system from outside, as devices would: the contract and devices/, nothing else of ours."""
    for path in sorted((ROOT.parent / "sims").rglob("*.py")):
        names = imports_of(path)
        ours = {name for name in names if name.split(".")[0] == "sandbox"}
        assert ours <= {"sandbox.telemetry.contract"}, (path, ours)
        assert not {name.split(".")[0] for name in names} & {"sqlalchemy", "litestar", "psycopg"}, path
