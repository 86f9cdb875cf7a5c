"""docker-compose.yml cannot run here (no Docker engine): these checks keep it consistent by reading it."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sandbox.config import load_settings
from sandbox.telemetry.broker.mosquitto import render_config

ROOT = Path(__file__).parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_mounted_mosquitto_conf_is_the_one_sandbox_renders() -> None:
    assert (ROOT / "deploy" / "mosquitto.conf").read_text() == render_config()


def test_every_dependency_and_mounted_file_exists() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown service {needed}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_the_services_get_settings_sandbox_accepts() -> None:
    services = compose()["services"]
    for name in ("api", "ingester", "migrate", "broker-init"):
        # Compose's ${NAME:-default} with nothing set in the environment.
        environment = {key: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
                       for key, value in services[name]["environment"].items()}
        settings = load_settings(environment)
        assert "$" not in settings.database_url
        assert settings.database_url.startswith("postgresql+psycopg://") and settings.mqtt_url == "mqtt://mosquitto:1883"
    assert services["ingester"]["command"] == ["sandbox", "ingest"]
    assert services["mosquitto"]["volumes"][0].endswith(":/mosquitto/config/mosquitto.conf:ro")
