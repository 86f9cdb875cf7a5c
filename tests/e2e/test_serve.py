"""`sandbox serve` as a real HTTP server on a real port: docs, health, login, the register."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SANDBOX = str(Path(sys.executable).parent / "sandbox")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str, process: subprocess.Popen[str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer /health in time")


def test_the_service_serves_its_docs_and_api(empty_database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": empty_database_url, "SANDBOX_DATA_DIR": str(tmp_path),
           "SANDBOX_PASSWORD_HASHING": "fast", "SANDBOX_PORT": str(port), "SANDBOX_EMBEDDED_MQTT_PORT": str(free_port())}
    subprocess.run([SANDBOX, "user", "create", "--email", "a@skhcn.test", "--name", "A", "--role", "policy",
                    "--password-stdin"], input="long enough pw\n", env={**env, "DATABASE_URL": empty_database_url},
                   capture_output=True, text=True, check=False)  # fails: no schema yet; serve migrates first
    process = subprocess.Popen([SANDBOX, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        docs = httpx.get(base + "/docs/")
        assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
        spec = httpx.get(base + "/docs/openapi.json").json()
        assert spec["openapi"].startswith("3.") and "/api/v1/trials/{trial_id}/transitions" in spec["paths"]
        created = subprocess.run([SANDBOX, "user", "create", "--email", "a@skhcn.test", "--name", "A", "--role",
                                  "policy", "--password-stdin"], input="long enough pw\n", env=env,
                                 capture_output=True, text=True, check=False)
        assert created.returncode == 0, created.stderr
        token = httpx.post(base + "/api/v1/auth/token", json={"email": "a@skhcn.test", "password": "long enough pw"})
        assert token.status_code == 201
        me = httpx.get(base + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.json()["role"] == "policy"
        register = httpx.get(base + "/api/v1/register")
        assert register.status_code == 200 and register.json()["total"] == 0
        assert httpx.get(base + "/").status_code in (200, 302, 307)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
