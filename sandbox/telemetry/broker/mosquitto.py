"""Mosquitto as Sandbox needs it: no anonymous clients, dynamic security, nothing dropped.

Mosquitto's defaults would lose data under load: only 20 messages in flight per client and 1000
queued for an offline one, after which it drops. The ingester acknowledges a batch at a time and
may be down for a while, so both limits are lifted here: the broker's memory is the buffer.
"""

from __future__ import annotations

__all__ = ["render_config"]

DEBIAN_DYNSEC = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
IMAGE_DYNSEC = "/usr/lib/mosquitto_dynamic_security.so"  # in the eclipse-mosquitto image
MESSAGE_SIZE_LIMIT = 1024 * 1024  # bigger than the contract's 256 KiB so the ingester can dead-letter oversize
AUTOSAVE_S = 30  # how much a crash of the broker (not a restart) can cost


def render_config(*, port: int = 1883, bind: str = "0.0.0.0", data_dir: str = "/mosquitto/data",
                  plugin: str = IMAGE_DYNSEC, log_file: str | None = None) -> str:
    lines = [
        "# Written by sandbox.telemetry.broker.mosquitto.render_config; see its docstring.",
        f"listener {port} {bind}",
        "allow_anonymous false",
        f"plugin {plugin}",
        f"plugin_opt_config_file {data_dir}/dynamic-security.json",
        "persistence true",
        f"persistence_location {data_dir}/",
        f"autosave_interval {AUTOSAVE_S}",
        "max_inflight_messages 0",
        "max_queued_messages 0",
        "max_queued_bytes 0",
        f"message_size_limit {MESSAGE_SIZE_LIMIT}",
        "persistent_client_expiration 14d",
        "set_tcp_nodelay true",
    ]
    lines += [f"log_dest file {log_file}"] if log_file else ["log_dest stdout"]
    lines += ["log_type error", "log_type warning", "log_type notice"]
    return "\n".join(lines) + "\n"
