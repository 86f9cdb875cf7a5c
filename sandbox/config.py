"""Settings from environment variables, with embedded defaults that run the whole product on a laptop.

With nothing set, the service keeps everything in a SQLite file in its data directory. Production
sets ``DATABASE_URL`` to a ``postgresql+psycopg://`` URL. A wrong value stops start-up with a
message that names the variable, the value and what would be accepted.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from sandbox.errors import ConfigurationError
from sandbox.i18n import Text

__all__ = ["Settings", "load_settings"]

PASSWORD_HASHING_PROFILES = ("standard", "fast")


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_hours: int = 12
    max_trial_months: int = 6
    max_extension_months: int = 6
    # "fast" trades brute-force resistance for speed; only the test suite should use it.
    password_hashing: str = "standard"
    log_level: str = "INFO"
    # MQTT: empty URL = the embedded broker, in this process, on embedded_mqtt_port.
    mqtt_url: str = ""
    embedded_mqtt_port: int = 1883
    mqtt_username: str = "sandbox-ingester"
    mqtt_password: str = ""
    mqtt_admin_username: str = ""  # Mosquitto dynamic-security admin: set it and devices are provisioned there
    mqtt_admin_password: str = ""
    ingester_id: str = "sandbox-ingest-1"
    # Ingesters with the same group share the stream (MQTT 5 shared subscription); empty: each gets it all.
    ingest_share_group: str = ""

    @property
    def mqtt_address(self) -> tuple[str, int]:
        """(host, port) of the broker; the embedded one listens on loopback."""
        if not self.mqtt_url:
            return "127.0.0.1", self.embedded_mqtt_port
        parsed = urlsplit(self.mqtt_url)
        return parsed.hostname or "127.0.0.1", parsed.port or 1883

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_database(self, url: str) -> Settings:
        return replace(self, database_url=_database_url(url))


def _default_data_dir(env: Mapping[str, str]) -> Path:
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    base = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(base) / "sandbox"


def _database_url(raw: str) -> str:
    url = raw.strip()
    for legacy in ("postgres://", "postgresql://"):
        if url.startswith(legacy):
            return "postgresql+psycopg://" + url[len(legacy) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ConfigurationError(
        Text(
            f"Biến môi trường 'DATABASE_URL' có giá trị '{raw}' không được hỗ trợ; "
            "hãy dùng 'postgresql+psycopg://user:password@host:5432/db' hoặc 'sqlite:///đường/dẫn.db'.",
            f"The environment variable 'DATABASE_URL' is '{raw}', which is not supported; "
            "use 'postgresql+psycopg://user:password@host:5432/db' or 'sqlite:///path/to/file.db'.",
        )
    )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigurationError(
            Text(
                f"Biến môi trường '{name}' phải là số nguyên từ {low} đến {high}, nhận được '{raw}'.",
                f"The environment variable '{name}' must be a whole number from {low} to {high}, got '{raw}'.",
            )
        )
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, default).strip() or default
    if value not in choices:
        raise ConfigurationError(
            Text(
                f"Biến môi trường '{name}' phải là một trong {', '.join(choices)}; nhận được '{value}'.",
                f"The environment variable '{name}' must be one of {', '.join(choices)}; got '{value}'.",
            )
        )
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("SANDBOX_DATA_DIR") or _default_data_dir(env)).expanduser()
    raw_url = env.get("DATABASE_URL", "").strip()
    database_url = _database_url(raw_url) if raw_url else f"sqlite:///{data_dir / 'sandbox.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        host=env.get("SANDBOX_HOST", "127.0.0.1").strip() or "127.0.0.1",
        port=_int(env, "SANDBOX_PORT", 8000, 1, 65535),
        token_ttl_hours=_int(env, "SANDBOX_TOKEN_TTL_HOURS", 12, 1, 24 * 30),
        max_trial_months=_int(env, "SANDBOX_MAX_TRIAL_MONTHS", 6, 1, 36),
        max_extension_months=_int(env, "SANDBOX_MAX_EXTENSION_MONTHS", 6, 1, 36),
        password_hashing=_choice(env, "SANDBOX_PASSWORD_HASHING", "standard", PASSWORD_HASHING_PROFILES),
        log_level=_choice(env, "SANDBOX_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        mqtt_url=_mqtt_url(env.get("SANDBOX_MQTT_URL", "")),
        embedded_mqtt_port=_int(env, "SANDBOX_EMBEDDED_MQTT_PORT", 1883, 1, 65535),
        mqtt_username=env.get("SANDBOX_MQTT_USERNAME", "sandbox-ingester").strip() or "sandbox-ingester",
        mqtt_password=env.get("SANDBOX_MQTT_PASSWORD", ""),
        mqtt_admin_username=env.get("SANDBOX_MQTT_ADMIN_USERNAME", "").strip(),
        mqtt_admin_password=env.get("SANDBOX_MQTT_ADMIN_PASSWORD", ""),
        ingester_id=env.get("SANDBOX_INGESTER_ID", "").strip() or f"sandbox-ingest-{socket.gethostname()}",
        ingest_share_group=env.get("SANDBOX_INGEST_SHARE_GROUP", "").strip(),
    )


def _mqtt_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    parsed = urlsplit(url)
    if parsed.scheme != "mqtt" or not parsed.hostname:
        raise ConfigurationError(
            Text(
                f"Biến môi trường 'SANDBOX_MQTT_URL' có giá trị '{raw}' không hợp lệ; hãy dùng 'mqtt://máy-chủ:1883', "
                "hoặc để trống để dùng máy chủ MQTT nhúng.",
                f"The environment variable 'SANDBOX_MQTT_URL' is '{raw}'; use 'mqtt://host:1883', or leave it "
                "empty for the embedded broker.",
            )
        )
    return url
